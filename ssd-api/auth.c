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
	unsigned	 max_failures;
	uint64_t	 window_ms;
} auth;

/* The columns every user answer is built from, in this order. */
#define AUTH_ISO(col) \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define AUTH_USER_COLUMNS \
    "id, username, COALESCE(email, ''), COALESCE(full_name, ''), role, " \
    "COALESCE(provider, 'local'), active, " \
    AUTH_ISO("created_at") ", " AUTH_ISO("updated_at") ", " \
    AUTH_ISO("last_login")

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
	auth.max_failures = (unsigned)conf_int(c, S_LOGIN_MAX_FAILURES);
	auth.window_ms = conf_ms(c, S_LOGIN_FAILURE_WINDOW);
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
	/* The role is the database's now, not the token's at issue. */
	ssd_strlcpy(r->user.role, PQgetvalue(res, 0, 0),
	    sizeof(r->user.role));
	cache_put(CACHE_AUTH, r->user.jti, r->user.role, strlen(r->user.role));
	auth_granted(r);
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
	memset(&r->user, 0, sizeof(r->user));
	ssd_strlcpy(r->user.user_id, PQgetvalue(res, 0, 0),
	    sizeof(r->user.user_id));
	ssd_strlcpy(r->user.username, PQgetvalue(res, 0, 1),
	    sizeof(r->user.username));
	ssd_strlcpy(r->user.role, PQgetvalue(res, 0, 2), sizeof(r->user.role));
	scopes = PQgetvalue(res, 0, 4);
	write = r->http->method != HTTP_M_GET && r->http->method != HTTP_M_HEAD;
	if (strstr(scopes, write ? "write" : "read") == NULL) {
		server_reply_error(r, 403, write ? "this API key may only "
		    "read" : "this API key may only write");
		return;
	}
	if (!auth_has_role(r, r->need_role)) {
		server_reply_error(r, 403, "insufficient permissions");
		return;
	}
	r->authed = 1;
	r->auth_next(r);
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
	const char *params[2], *cached_role;

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
	params[0] = r->user.user_id;
	params[1] = r->user.jti;
	api_query(r, "SELECT u.role, u.active, EXISTS (SELECT 1 FROM "
	    "revoked_tokens WHERE jti = $2) FROM users u WHERE u.id = $1", 2,
	    params, auth_require_done);
}

/* A new token for the user in res's row (AUTH_USER_COLUMNS from col). */
static void
auth_issue(struct request *r, const PGresult *res, int col, int status)
{
	struct jwt_claims c;
	uint8_t rnd[32];
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
	if (random_bytes(rnd, sizeof(rnd)) == -1)
		fatal("getrandom");
	hex_encode(rnd, sizeof(rnd), c.jti);
	c.iat = c.nbf = now;
	c.exp = now + (int64_t)(auth.lifetime_ms / 1000);
	if ((tok = jwt_sign(&c, auth.secret, auth.secret_len)) == NULL) {
		server_reply_error(r, 500, "cannot issue a token");
		return;
	}
	exp = (time_t)c.exp;
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&exp, &tm));
	o = cJSON_CreateObject();
	if (r->cookie_login)
		cookie_set(r, tok, c.exp);	/* never seen by scripts */
	else
		cJSON_AddStringToObject(o, "token", tok);
	cJSON_AddStringToObject(o, "expiresAt", when);
	cJSON_AddItemToObject(o, "user", auth_user_json(res, 0, col));
	free(tok);
	log_info("%s: token issued to user %s", server_peer(r), c.username);
	server_reply_cjson(r, status, o);
}

struct login_ctx {
	char	username[AUTH_USERNAME_MAX + 1];
	char	password[AUTH_PASSWORD_MAX + 1];
	char	user_key[AUTH_USERNAME_MAX + 8];
	char	addr_key[80];
};

static void
auth_last_login_done(const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	if (res == NULL)
		log_warnx("recording a login: %s", err);
}

static void
auth_login_done(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct login_ctx *lc = r->ctx;
	const char *hash, *params[1], *why;
	int found;

	if (res == NULL) {
		api_db_error(r, "login", err, sqlstate);
		return;
	}
	found = PQntuples(res) == 1;
	hash = found && !PQgetisnull(res, 0, 10) ? PQgetvalue(res, 0, 10) : "";
	if (!passwd_check(lc->password, hash)) {
		ratelimit_hit(lc->user_key, auth.window_ms);
		ratelimit_hit(lc->addr_key, auth.window_ms);
		log_info("%s: failed login for \"%s\"", server_peer(r),
		    lc->username);
		server_reply_error_code(r, 401, "invalid_credentials",
		    "Invalid credentials");
		return;
	}
	if (PQgetvalue(res, 0, 6)[0] != 't') {
		log_info("%s: login of disabled user \"%s\"", server_peer(r),
		    lc->username);
		server_reply_error_code(r, 403, "account_disabled",
		    "Account disabled");
		return;
	}
	ratelimit_clear(lc->user_key);
	params[0] = PQgetvalue(res, 0, 0);
	if (db_query(api_db(), "UPDATE users SET last_login = now() "
	    "WHERE id = $1", 1, params, auth_last_login_done, NULL,
	    &why) == NULL)
		log_warnx("recording a login: %s", why);
	auth_issue(r, res, 0, 200);
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

void
auth_login(struct request *r)
{
	struct login_ctx *lc;
	const char *params[1];
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
	ssd_strlcpy(r->audit_subject, lc->username, sizeof(r->audit_subject));
	snprintf(lc->user_key, sizeof(lc->user_key), "u:%s", lc->username);
	snprintf(lc->addr_key, sizeof(lc->addr_key), "a:%s", server_addr(r));
	if ((wait = ratelimit_retry_after(lc->user_key, auth.max_failures,
	    auth.window_ms)) != 0 || (wait = ratelimit_retry_after(
	    lc->addr_key, auth.max_failures, auth.window_ms)) != 0) {
		log_warnx("%s: login for \"%s\" refused: too many failures",
		    server_peer(r), lc->username);
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n", wait);
		r->extra_headers = retry;
		server_reply_error(r, 429, "too many failed logins, try later");
		return;
	}
	params[0] = lc->username;
	api_query(r, "SELECT " AUTH_USER_COLUMNS ", password_hash FROM users "
	    "WHERE username = $1", 1, params, auth_login_done);
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
	const char *params[3], *t;
	char exp[24];
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
	params[0] = r->user.user_id;
	params[1] = r->user.jti;
	params[2] = exp;
	api_query(r, "WITH " AUTH_PURGE_REVOKED ", rev AS (INSERT INTO "
	    "revoked_tokens (jti, expires_at) SELECT $2, "
	    "to_timestamp($3::bigint) FROM users "
	    "WHERE id = $1 AND active ON CONFLICT (jti) DO NOTHING "
	    "RETURNING jti) SELECT " AUTH_USER_COLUMNS " FROM users, rev "
	    "WHERE id = $1", 3, params, auth_refresh_done);
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
