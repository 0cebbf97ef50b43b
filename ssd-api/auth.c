/*
 * auth.c - who is asking: login (password against its crypt(3) hash,
 * limited per user name and per client address), refresh and logout
 * (the token's jti is revoked for good), and auth_require(), which every
 * protected route goes through: a valid token, not revoked, of a user who
 * still exists, is active and has the role (as the database says now).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "passwd.h"
#include "util.h"

#define AUTH_ISSUER		"streamspace-api"
#define AUTH_USERNAME_MAX	128
#define AUTH_PASSWORD_MAX	1024

static struct {
	char		*secret;
	size_t		 secret_len;
	uint64_t	 lifetime_ms;
} auth;

/* The columns every user answer is built from, in this order. */
#define AUTH_ISO(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define AUTH_USER_COLUMNS \
    "id, username, COALESCE(email, ''), COALESCE(full_name, ''), role, " \
    "COALESCE(provider, 'local'), active, " \
    AUTH_ISO("created_at") ", " AUTH_ISO("updated_at") ", " \
    AUTH_ISO("last_login")
#define AUTH_USER_NCOLUMNS	10

/*
 * Each revocation also drops the rows of tokens long expired, so the table
 * holds only what could still be presented.  The hour covers clock skew
 * between this host and the database.
 */
#define AUTH_PURGE_REVOKED \
    "purge AS (DELETE FROM revoked_tokens WHERE expires_at < " \
    "now() - interval '1 hour')"

void
auth_configure(const struct conf *c)
{
	if (auth.secret != NULL) {
		ssd_explicit_bzero(auth.secret, auth.secret_len);
		free(auth.secret);
		auth.secret = NULL;
	}
	if (conf_is_set(c, S_JWT_SECRET)) {
		auth.secret = xstrdup(conf_str(c, S_JWT_SECRET));
		auth.secret_len = strlen(auth.secret);
	}
	auth.lifetime_ms = conf_ms(c, S_JWT_LIFETIME);
}

cJSON *
auth_user_json(const PGresult *res, int row, int col)
{
	cJSON *u = cJSON_CreateObject();

	cJSON_AddStringToObject(u, "id", PQgetvalue(res, row, col));
	cJSON_AddStringToObject(u, "username", PQgetvalue(res, row, col + 1));
	cJSON_AddStringToObject(u, "email", PQgetvalue(res, row, col + 2));
	cJSON_AddStringToObject(u, "fullName", PQgetvalue(res, row, col + 3));
	cJSON_AddStringToObject(u, "role", PQgetvalue(res, row, col + 4));
	cJSON_AddStringToObject(u, "provider", PQgetvalue(res, row, col + 5));
	cJSON_AddBoolToObject(u, "active",
	    PQgetvalue(res, row, col + 6)[0] == 't');
	cJSON_AddStringToObject(u, "createdAt", PQgetvalue(res, row, col + 7));
	cJSON_AddStringToObject(u, "updatedAt", PQgetvalue(res, row, col + 8));
	if (!PQgetisnull(res, row, col + 9))
		cJSON_AddStringToObject(u, "lastLogin",
		    PQgetvalue(res, row, col + 9));
	return u;
}

const char *
auth_user_columns(void)
{
	return AUTH_USER_COLUMNS;
}

static int
auth_role_rank(const char *role)
{
	if (strcmp(role, "admin") == 0)
		return 3;
	if (strcmp(role, "operator") == 0)
		return 2;
	if (strcmp(role, "user") == 0)
		return 1;
	return 0;
}

int
auth_has_role(const struct request *r, const char *role)
{
	return auth_role_rank(r->user.role) >= auth_role_rank(role);
}

/* The token of the request, from "Authorization: Bearer". */
static const char *
auth_bearer(const struct request *r, size_t *len)
{
	const char *v = http_header_get(r->http, "Authorization", len);

	if (v == NULL || *len < 8 || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	*len -= 7;
	return v + 7;
}

static int
auth_check_token(struct request *r, const char *tok, size_t len)
{
	const char *why;

	if (auth.secret == NULL) {
		server_reply_error(r, 503, "authentication is not configured "
		    "(jwt_secret)");
		return -1;
	}
	if (jwt_verify(tok, len, auth.secret, auth.secret_len, AUTH_ISSUER,
	    (int64_t)(wall_ms() / 1000), &r->user, &why) == -1) {
		log_info("%s: token refused: %s", server_peer(r), why);
		server_reply_error(r, 401, "invalid or expired token");
		return -1;
	}
	return 0;
}

static void	auth_granted(struct request *);

static void
auth_require_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "checking a token", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 1)[0] != 't') {
		log_info("%s: token of user %s refused: user removed or "
		    "disabled", server_peer(r), r->user.user_id);
		server_reply_error(r, 401, "account disabled or removed");
		return;
	}
	if (PQgetvalue(res, 0, 2)[0] == 't') {
		log_info("%s: revoked token of user %s", server_peer(r),
		    r->user.username);
		server_reply_error(r, 401, "token revoked");
		return;
	}
	if (PQgetvalue(res, 0, 3)[0] != 't') {
		log_info("%s: token of user %s from before a password change",
		    server_peer(r), r->user.username);
		server_reply_error(r, 401, "token no longer valid: the "
		    "password was changed");
		return;
	}
	/* The role is the database's now, not the token's at issue. */
	ssd_strlcpy(r->user.role, PQgetvalue(res, 0, 0),
	    sizeof(r->user.role));
	cache_put(CACHE_AUTH, r->user.jti, r->user.role, strlen(r->user.role));
	auth_granted(r);
}

void
auth_set_user(struct request *r, const PGresult *res, int col)
{
	memset(&r->user, 0, sizeof(r->user));
	ssd_strlcpy(r->user.user_id, PQgetvalue(res, 0, col),
	    sizeof(r->user.user_id));
	ssd_strlcpy(r->user.username, PQgetvalue(res, 0, col + 1),
	    sizeof(r->user.username));
	ssd_strlcpy(r->user.role, PQgetvalue(res, 0, col + 2),
	    sizeof(r->user.role));
}

/* Token or key accepted: the role decides. */
static void
auth_granted(struct request *r)
{
	if (!auth_has_role(r, r->need_role)) {
		server_reply_error(r, 403, "insufficient permissions");
		return;
	}
	r->authed = 1;
	r->auth_next(r);
}

static void
auth_apikey_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	const char *scopes;
	int write;

	if (res == NULL) {
		api_db_error(r, "checking an API key", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1 || PQgetvalue(res, 0, 3)[0] != 't') {
		log_info("%s: API key refused", server_peer(r));
		server_reply_error(r, 401, "invalid, revoked or expired API "
		    "key");
		return;
	}
	auth_set_user(r, res, 0);
	scopes = PQgetvalue(res, 0, 4);
	write = r->http->method != HTTP_M_GET && r->http->method != HTTP_M_HEAD;
	if (strstr(scopes, write ? "write" : "read") == NULL) {
		server_reply_error(r, 403, write ? "this API key may only "
		    "read" : "this API key may only write");
		return;
	}
	auth_granted(r);
}

/* A user API key: counted as used, and its user must be active. */
static void
auth_require_apikey(struct request *r, const char *key, size_t len)
{
	char hash[2 * 32 + 1];
	const char *params[1] = { hash };

	sha256_hex(key, len, hash);
	api_query(r, "WITH k AS (UPDATE api_keys SET last_used_at = now(), "
	    "use_count = COALESCE(use_count, 0) + 1 WHERE key_hash = $1 AND "
	    "is_active AND (expires_at IS NULL OR expires_at > now() AT TIME "
	    "ZONE 'UTC') RETURNING user_id, COALESCE(scopes, '{read,write}') "
	    "AS scopes) SELECT u.id, u.username, u.role, u.active, "
	    "array_to_string(k.scopes, ',') FROM k JOIN users u ON u.id = "
	    "k.user_id", 1, params, auth_apikey_done);
}

void
auth_require(struct request *r, const char *role,
    void (*next)(struct request *))
{
	const char *tok;
	size_t len;

	r->need_role = role;
	r->auth_next = next;
	if ((tok = http_header_get(r->http, "X-API-Key", &len)) != NULL ||
	    ((tok = auth_bearer(r, &len)) != NULL &&
	    apikey_looks_like(tok, len))) {
		auth_require_apikey(r, tok, len);
		return;
	}
	if (tok == NULL && cookie_credentials(r, &tok, &len) == -1)
		return;
	if (tok == NULL) {
		server_reply_error(r, 401, "authentication required");
		return;
	}
	auth_require_jwt(r, tok, len, role, next);
}

void
auth_require_jwt(struct request *r, const char *tok, size_t len,
    const char *role, void (*next)(struct request *))
{
	const char *params[3], *cached_role;
	char gen[24];

	r->need_role = role;
	r->auth_next = next;
	if (auth_check_token(r, tok, len) == -1)
		return;
	/* Checked a moment ago: same answer, no round trip. */
	if ((cached_role = cache_get(CACHE_AUTH, r->user.jti, &len)) != NULL) {
		ssd_strlcpy(r->user.role, cached_role, sizeof(r->user.role));
		auth_granted(r);
		return;
	}
	snprintf(gen, sizeof(gen), "%lld", (long long)r->user.gen);
	params[0] = r->user.user_id;
	params[1] = r->user.jti;
	params[2] = gen;
	api_query(r, "SELECT u.role, u.active, EXISTS (SELECT 1 FROM "
	    "revoked_tokens WHERE jti = $2), u.token_generation = $3::bigint "
	    "FROM users u WHERE u.id = $1", 3, params, auth_require_done);
}

void
auth_issue(struct request *r, const PGresult *res, int col, int status)
{
	struct jwt_claims c;
	int64_t now = (int64_t)(wall_ms() / 1000);
	char *tok, when[32];
	struct tm tm;
	time_t exp;
	cJSON *o;

	memset(&c, 0, sizeof(c));
	ssd_strlcpy(c.user_id, PQgetvalue(res, 0, col), sizeof(c.user_id));
	ssd_strlcpy(c.username, PQgetvalue(res, 0, col + 1),
	    sizeof(c.username));
	ssd_strlcpy(c.email, PQgetvalue(res, 0, col + 2), sizeof(c.email));
	ssd_strlcpy(c.role, PQgetvalue(res, 0, col + 4), sizeof(c.role));
	ssd_strlcpy(c.iss, AUTH_ISSUER, sizeof(c.iss));
	random_hex(c.jti, 32);
	c.gen = strtoll(PQgetvalue(res, 0, col + AUTH_USER_NCOLUMNS), NULL, 10);
	c.iat = c.nbf = now;
	c.exp = now + (int64_t)(auth.lifetime_ms / 1000);
	if ((tok = jwt_sign(&c, auth.secret, auth.secret_len)) == NULL) {
		server_reply_error(r, 500, "cannot issue a token");
		return;
	}
	exp = (time_t)c.exp;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&exp, &tm));
	o = cJSON_CreateObject();
	/* A cookie's login, or a password changed with one: never seen by
	 * scripts. */
	if (r->cookie_login || r->via_cookie)
		cookie_set(r, tok, c.exp);
	else
		cJSON_AddStringToObject(o, "token", tok);
	cJSON_AddStringToObject(o, "expiresAt", when);
	cJSON_AddItemToObject(o, "user", auth_user_json(res, 0, col));
	free(tok);
	log_info("%s: token issued to user %s", server_peer(r), c.username);
	server_reply_cjson(r, status, o);
}

struct login_ctx {
	char			 username[AUTH_USERNAME_MAX + 1];
	char			 password[AUTH_PASSWORD_MAX + 1];
	struct login_attempt	 la;
	PGresult		*user;	/* the row, while its hash is checked */
};

static void
auth_login_ctx_free(void *arg)
{
	struct login_ctx *lc = arg;

	ssd_explicit_bzero(lc->password, sizeof(lc->password));
	PQclear(lc->user);
}

static void
auth_last_login_done(const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	if (res == NULL)
		log_warnx("recording a login: %s", err);
}

struct rehash_ctx {
	char	user_id[128];
	char	old_hash[256];
};

static void
auth_rehash_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	struct rehash_ctx *rc = arg;

	if (res == NULL)
		log_warnx("user %s: storing the new password hash: %s",
		    rc->user_id, err);
	else if (PQntuples(res) == 1)
		log_info("user %s: StreamSpace v1.x password hash replaced",
		    rc->user_id);
	free(rc);
}

static void
auth_rehashed(int ok, const char *hash, void *arg)
{
	struct rehash_ctx *rc = arg;
	const char *params[3], *why;

	if (!ok) {
		log_warnx("user %s: cannot hash the password again",
		    rc->user_id);
		free(rc);
		return;
	}
	params[0] = rc->user_id;
	params[1] = hash;
	params[2] = rc->old_hash;
	if (db_query(api_db(), "UPDATE users SET password_hash = $2, "
	    "v1_password_hash = password_hash WHERE id = $1 AND "
	    "password_hash = $3 RETURNING id", 3, params, auth_rehash_done,
	    rc, &why) == NULL) {
		log_warnx("user %s: storing the new password hash: %s",
		    rc->user_id, why);
		free(rc);
	}
}

/*
 * A v1.x bcrypt hash that just matched gives way to one of ours; the old
 * one is kept for going back to v1.x (schema/0008_v1x_passwords.sql).
 * Only while the row still holds it: a password changed meanwhile wins.
 * A failure (or a busy hash pool) costs nothing but another try at the
 * next login.
 */
static void
auth_rehash(const char *user_id, const char *old_hash, const char *password)
{
	struct rehash_ctx *rc;

	if (!passwd_needs_rehash(old_hash))
		return;
	rc = xcalloc(1, sizeof(*rc));
	ssd_strlcpy(rc->user_id, user_id, sizeof(rc->user_id));
	ssd_strlcpy(rc->old_hash, old_hash, sizeof(rc->old_hash));
	if (hashpool_make(password, auth_rehashed, rc) == NULL) {
		log_info("user %s: hash pool busy, rehash at the next login",
		    user_id);
		free(rc);
	}
}

static void
auth_login_checked(struct request *r, int ok, const char *unused)
{
	struct login_ctx *lc = r->ctx;
	const PGresult *res = lc->user;
	const char *params[1], *why;

	if (!ok) {
		log_info("%s: failed login for \"%s\"", server_peer(r),
		    lc->username);
		server_reply_error_code(r, 401, "invalid_credentials",
		    "Invalid credentials");
		return;
	}
	login_limit_ok(&lc->la);
	if (PQgetvalue(res, 0, 6)[0] != 't') {
		log_info("%s: login of disabled user \"%s\"", server_peer(r),
		    lc->username);
		server_reply_error_code(r, 403, "account_disabled",
		    "Account disabled");
		return;
	}
	params[0] = PQgetvalue(res, 0, 0);
	if (db_query(api_db(), "UPDATE users SET last_login = now() "
	    "WHERE id = $1", 1, params, auth_last_login_done, NULL,
	    &why) == NULL)
		log_warnx("recording a login: %s", why);
	auth_rehash(params[0], PQgetvalue(res, 0, AUTH_USER_NCOLUMNS + 1),
	    lc->password);
	auth_issue(r, res, 0, 200);
}

/* The row is kept while the password is checked, off the loop. */
static void
auth_login_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct login_ctx *lc = r->ctx;
	const char *hash = "";

	if (res == NULL) {
		api_db_error(r, "login", err, sqlstate);
		return;
	}
	if (PQntuples(res) == 1) {
		lc->user = PQcopyResult(res, PG_COPYRES_ATTRS |
		    PG_COPYRES_TUPLES);
		if (lc->user == NULL)
			fatalx("out of memory copying a login row");
		if (!PQgetisnull(res, 0, AUTH_USER_NCOLUMNS + 1))
			hash = PQgetvalue(lc->user, 0, AUTH_USER_NCOLUMNS + 1);
	}
	api_hash_check(r, lc->password, hash, auth_login_checked);
}

/* Reads {"username", "password"} into a fresh login context. */
static struct login_ctx *
auth_login_body(struct request *r)
{
	struct login_ctx *lc = NULL;
	const char *u, *p;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return NULL;
	if (body_str(r, o, "username", AUTH_USERNAME_MAX, 1, &u) == 0 &&
	    body_str(r, o, "password", AUTH_PASSWORD_MAX, 1, &p) == 0) {
		lc = xcalloc(1, sizeof(*lc));
		ssd_strlcpy(lc->username, u, sizeof(lc->username));
		ssd_strlcpy(lc->password, p, sizeof(lc->password));
	}
	cJSON_Delete(o);
	return lc;
}

/*
 * POST /api/v1/auth/login.  The attempt counts against the limits
 * (ratelimit.c) before anything else, so that a burst of attempts is
 * limited as a sequence would be; user names compare without regard to
 * case, an exact match first.
 */
void
auth_login(struct request *r)
{
	struct login_ctx *lc;
	const char *params[1], *why;
	unsigned wait;
	char retry[64];

	if (auth.secret == NULL) {
		server_reply_error(r, 503, "authentication is not configured "
		    "(jwt_secret)");
		return;
	}
	if ((lc = auth_login_body(r)) == NULL)
		return;		/* answered */
	r->ctx = lc;
	r->ctx_free = auth_login_ctx_free;
	ssd_strlcpy(r->audit_subject, lc->username, sizeof(r->audit_subject));
	login_limit_keys(lc->username, server_addr(r), &lc->la);
	if ((wait = login_limit_begin(&lc->la, &why)) != 0) {
		log_warnx("%s: login for \"%s\" refused: %s", server_peer(r),
		    lc->username, why);
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n", wait);
		r->extra_headers = retry;
		server_reply_error_code(r, 429, "too_many_attempts", why);
		return;
	}
	params[0] = lc->username;
	api_query(r, "SELECT " AUTH_USER_COLUMNS ", token_generation, "
	    "password_hash FROM users WHERE lower(username) = lower($1) ORDER "
	    "BY username = $1 DESC LIMIT 1", 1, params, auth_login_done);
}

/* Forget what was cached about jti, here and in other control planes. */
void
auth_revoked(const char *id)
{
	cache_clear(CACHE_AUTH);
	api_notify("ssd_auth", id);
}

static void
auth_refresh_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "refresh", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 401, "token no longer valid");
		return;
	}
	auth_revoked(r->user.jti);
	auth_issue(r, res, 0, 200);
}

/* Revokes the old token and issues a new one, in one statement. */
void
auth_refresh(struct request *r)
{
	const char *params[4], *t;
	char exp[24], gen[24];
	cJSON *o;
	int rc;

	if ((o = body_object(r)) == NULL)
		return;
	if (body_str(r, o, "token", JWT_MAX_LEN, 1, &t) == -1) {
		cJSON_Delete(o);
		return;
	}
	rc = auth_check_token(r, t, strlen(t));
	cJSON_Delete(o);
	if (rc == -1)
		return;
	snprintf(exp, sizeof(exp), "%lld", (long long)r->user.exp);
	snprintf(gen, sizeof(gen), "%lld", (long long)r->user.gen);
	params[0] = r->user.user_id;
	params[1] = r->user.jti;
	params[2] = exp;
	params[3] = gen;
	api_query(r, "WITH " AUTH_PURGE_REVOKED ", rev AS (INSERT INTO "
	    "revoked_tokens (jti, expires_at) SELECT $2, "
	    "to_timestamp($3::bigint) FROM users "
	    "WHERE id = $1 AND active ON CONFLICT (jti) DO NOTHING "
	    "RETURNING jti) SELECT " AUTH_USER_COLUMNS ", token_generation "
	    "FROM users, rev WHERE id = $1 AND token_generation = $4::bigint",
	    4, params, auth_refresh_done);
}

static void
auth_logout_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "logout", err, sqlstate);
		return;
	}
	log_info("%s: user %s logged out", server_peer(r), r->user.username);
	auth_revoked(r->user.jti);
	server_reply_json(r, 200, "{\"message\":\"Logged out\"}");
}

void
auth_logout(struct request *r)
{
	const char *params[2], *tok;
	char exp[24];
	size_t len;

	if ((tok = auth_bearer(r, &len)) == NULL &&
	    cookie_credentials(r, &tok, &len) == -1)
		return;
	if (r->via_cookie)
		cookie_clear(r);	/* whatever the token's fate */
	if (tok == NULL) {
		server_reply_error(r, 401, "authentication required");
		return;
	}
	if (auth_check_token(r, tok, len) == -1)
		return;
	snprintf(exp, sizeof(exp), "%lld", (long long)r->user.exp);
	params[0] = r->user.jti;
	params[1] = exp;
	api_query(r, "WITH " AUTH_PURGE_REVOKED " INSERT INTO revoked_tokens "
	    "(jti, expires_at) VALUES ($1, to_timestamp($2::bigint)) "
	    "ON CONFLICT (jti) DO NOTHING", 2, params, auth_logout_done);
}
