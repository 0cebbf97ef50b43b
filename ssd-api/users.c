/*
 * users.c - /api/v1/users: administrators manage every account; any user
 * reads and edits their own ("me" or their id), but never their own role
 * or active flag.  Passwords are stored only as yescrypt hashes.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "log.h"
#include "passwd.h"
#include "util.h"

#define USER_NAME_MAX		64
#define USER_EMAIL_MAX		254
#define USER_FULLNAME_MAX	200
#define USER_PASSWORD_MIN	8
#define USER_PASSWORD_MAX	1024	/* read; more than PASSWD_MAX is 400 */
#define USER_LIST_MAX		"1000"

/* The user a /users/:id request is about ("me" is the caller). */
static const char *
users_target(const struct request *r)
{
	return strcmp(r->params[0], "me") == 0 ? r->user.user_id :
	    r->params[0];
}

static int
users_is_self(const struct request *r)
{
	return strcmp(users_target(r), r->user.user_id) == 0;
}

static int
users_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > USER_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-@", s[i]) ==
		    NULL)
			return 0;
	return 1;
}

static int
users_role_ok(const char *s)
{
	return strcmp(s, "user") == 0 || strcmp(s, "operator") == 0 ||
	    strcmp(s, "admin") == 0;
}

static void
users_reply_one(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate, int status)
{
	if (res == NULL) {
		if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0) {
			server_reply_error(r, 409,
			    "username or email already in use");
			return;
		}
		if (sqlstate != NULL && strcmp(sqlstate, "23503") == 0) {
			server_reply_error(r, 409,
			    "the user still owns sessions or other records");
			return;
		}
		api_db_error(r, "users", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "user not found");
		return;
	}
	server_reply_cjson(r, status, auth_user_json(res, 0, 0));
}

static void
users_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	users_reply_one(r, res, err, sqlstate, 200);
}

/*
 * A changed user: role and active flag are cached with token checks.  A
 * new password ended every token of the user's: one's own change gets a
 * new one in the answer ({token, expiresAt, user}).
 */
static void
users_changed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	int n = 10;	/* auth_user_columns() */

	if (res != NULL && PQntuples(res) == 1) {
		auth_revoked(PQgetvalue(res, 0, 0));
		if (PQgetvalue(res, 0, 6)[0] != 't')	/* active */
			relay_cut("", PQgetvalue(res, 0, 1), "user disabled");
		if (PQgetvalue(res, 0, n + 1)[0] == 't') {
			log_info("%s: %s changed the password of user %s; "
			    "its tokens are revoked", server_peer(r),
			    r->user.username, PQgetvalue(res, 0, 1));
			if (users_is_self(r)) {
				auth_issue(r, res, 0, 200);
				return;
			}
		}
	}
	users_reply_one(r, res, err, sqlstate, 200);
}

static void
users_created(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 0) {
		server_reply_error(r, 409, "username already in use (names "
		    "are compared without regard to case)");
		return;
	}
	if (res != NULL && PQntuples(res) == 1)
		log_info("%s: %s created user %s", server_peer(r),
		    r->user.username, PQgetvalue(res, 0, 1));
	users_reply_one(r, res, err, sqlstate, 201);
}

/* A user of the list: its columns from the first. */
static cJSON *
users_row(const PGresult *res, int row)
{
	return auth_user_json(res, row, 0);
}

static void
users_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	api_reply_rows(r, "listing users", "users", res, err, sqlstate,
	    users_row);
}

void
users_list(struct request *r)
{
	char sql[1024];

	snprintf(sql, sizeof(sql), "SELECT %s FROM users ORDER BY username "
	    "LIMIT " USER_LIST_MAX, auth_user_columns());
	api_query(r, sql, 0, NULL, users_listed);
}

void
users_get(struct request *r)
{
	const char *params[1] = { users_target(r) };
	char sql[1024];

	if (!users_is_self(r) && !auth_has_role(r, "admin")) {
		server_reply_error(r, 403, "insufficient permissions");
		return;
	}
	snprintf(sql, sizeof(sql), "SELECT %s FROM users WHERE id = $1",
	    auth_user_columns());
	api_query(r, sql, 1, params, users_got);
}

static int
users_email_ok(const char *e)
{
	return e == NULL || e[0] == '\0' || (strchr(e, '@') != NULL &&
	    strchr(e, ' ') == NULL);
}

/* "me" names the caller in /users/me: nobody may be called that. */
static int
users_name_reserved(const char *s)
{
	return strcasecmp(s, "me") == 0;
}

/* A new password: 400 naming the rule it breaks, or 0. */
static int
users_password_ok(struct request *r, const char *key, const char *pw)
{
	char msg[160];

	if (strlen(pw) >= USER_PASSWORD_MIN && strlen(pw) <= PASSWD_MAX)
		return 0;
	snprintf(msg, sizeof(msg), "field \"%s\" must have %d to %d "
	    "characters", key, USER_PASSWORD_MIN, PASSWD_MAX);
	server_reply_error(r, 400, msg);
	return -1;
}

/*
 * The one statement that adds a user (REST and ssdctl): name, email, full
 * name, role, password hash, active.  A name taken in any spelling is no
 * row (409), as logins compare names without regard to case.
 */
static void
users_insert_sql(char *sql, size_t len)
{
	snprintf(sql, len, "INSERT INTO users (id, username, email, "
	    "full_name, role, provider, active, password_hash, created_at, "
	    "updated_at) SELECT gen_random_uuid()::text, $1::text, $2, $3, $4, "
	    "'local', COALESCE($6::boolean, true), $5, now(), now() WHERE NOT "
	    "EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1)) "
	    "RETURNING %s", auth_user_columns());
}

/* A create or update across its steps (hashing, the database). */
struct user_change {
	char	*name, *email, *full, *role, *active;
	char	*password, *current;
};

static void
users_change_free(void *arg)
{
	struct user_change *uc = arg;

	free(uc->name);
	free(uc->email);
	free(uc->full);
	free(uc->role);
	free(uc->active);
	if (uc->password != NULL)
		ssd_explicit_bzero(uc->password, strlen(uc->password));
	free(uc->password);
	if (uc->current != NULL)
		ssd_explicit_bzero(uc->current, strlen(uc->current));
	free(uc->current);
}

static char *
users_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/*
 * The fields of a body into uc, each checked for its type and length (400
 * naming it otherwise); -1 when answered.
 */
static int
users_fields(struct request *r, const cJSON *o, struct user_change *uc)
{
	const char *name, *email, *full, *role, *pw, *cur;
	int active = -1;

	if (body_str(r, o, "username", USER_NAME_MAX, 0, &name) == -1 ||
	    body_str(r, o, "email", USER_EMAIL_MAX, 0, &email) == -1 ||
	    body_str(r, o, "fullName", USER_FULLNAME_MAX, 0, &full) == -1 ||
	    body_str(r, o, "role", 16, 0, &role) == -1 ||
	    body_str(r, o, "password", USER_PASSWORD_MAX, 0, &pw) == -1 ||
	    body_str(r, o, "currentPassword", USER_PASSWORD_MAX, 0,
	    &cur) == -1 || body_bool(r, o, "active", &active) == -1)
		return -1;
	if (email != NULL && !users_email_ok(email)) {
		server_reply_error(r, 400, "field \"email\" is not an address");
		return -1;
	}
	if (role != NULL && !users_role_ok(role)) {
		server_reply_error(r, 400, "field \"role\" must be user, "
		    "operator or admin");
		return -1;
	}
	if (pw != NULL && users_password_ok(r, "password", pw) == -1)
		return -1;
	uc->name = users_dup(name);
	uc->email = users_dup(email != NULL && *email != '\0' ? email : NULL);
	uc->full = users_dup(full);
	uc->role = users_dup(role);
	uc->active = active == -1 ? NULL : xstrdup(active ? "t" : "f");
	uc->password = users_dup(pw);
	uc->current = users_dup(cur);
	return 0;
}

static void
users_create_hashed(struct request *r, int ok, const char *hash)
{
	struct user_change *uc = r->ctx;
	const char *params[6];
	char sql[1024];

	if (!ok) {
		server_reply_error(r, 500, "cannot hash the password");
		return;
	}
	params[0] = uc->name;
	params[1] = uc->email;
	params[2] = uc->full;
	params[3] = uc->role != NULL ? uc->role : "user";
	params[4] = hash;
	params[5] = uc->active;
	users_insert_sql(sql, sizeof(sql));
	api_query(r, sql, 6, params, users_created);
}

/* The body's fields as the request's context; NULL when answered. */
static struct user_change *
users_change_read(struct request *r)
{
	struct user_change *uc;
	cJSON *o;
	int rc;

	if ((o = body_object(r)) == NULL)
		return NULL;
	uc = xcalloc(1, sizeof(*uc));
	r->ctx = uc;
	r->ctx_free = users_change_free;
	rc = users_fields(r, o, uc);
	cJSON_Delete(o);
	return rc == 0 ? uc : NULL;
}

void
users_create(struct request *r)
{
	struct user_change *uc;

	if ((uc = users_change_read(r)) != NULL) {
		if (uc->name == NULL || !users_name_ok(uc->name) ||
		    users_name_reserved(uc->name))
			server_reply_error(r, 400, "field \"username\" must be "
			    "1 to 64 letters, digits or ._-@, and not \"me\"");
		else if (uc->password == NULL)
			server_reply_error(r, 400, "field \"password\" is "
			    "required");
		else
			api_hash_make(r, uc->password, users_create_hashed);
	}
}

/*
 * The one UPDATE of a user: $2.. email, full name, role, active, and a
 * new password hash, which moves the token generation on so that every
 * token issued before stops working.  Returns the user and the new
 * generation (for a token of one's own).
 */
static void
users_update_run(struct request *r, const char *hash)
{
	struct user_change *uc = r->ctx;
	const char *params[6];
	char sql[1024];

	params[0] = users_target(r);
	params[1] = uc->email;
	params[2] = uc->full;
	params[3] = uc->role;
	params[4] = uc->active;
	params[5] = hash;
	snprintf(sql, sizeof(sql), "UPDATE users SET email = COALESCE($2, "
	    "email), full_name = COALESCE($3, full_name), role = COALESCE($4, "
	    "role), active = COALESCE($5::boolean, active), password_hash = "
	    "COALESCE($6::text, password_hash), token_generation = "
	    "token_generation + CASE WHEN $6::text IS NULL THEN 0 ELSE 1 END, "
	    "updated_at = now() WHERE id = $1 RETURNING %s, token_generation, "
	    "$6::text IS NOT NULL",
	    auth_user_columns());
	api_query(r, sql, 6, params, users_changed);
}

static void
users_update_hashed(struct request *r, int ok, const char *hash)
{
	if (!ok) {
		server_reply_error(r, 500, "cannot hash the password");
		return;
	}
	users_update_run(r, hash);
}

static void
users_current_checked(struct request *r, int ok, const char *unused)
{
	struct user_change *uc = r->ctx;
	struct login_attempt la;

	login_limit_keys(r->user.username, server_addr(r), &la);
	if (!ok) {
		log_info("%s: user %s: password change with a wrong current "
		    "password", server_peer(r), r->user.username);
		server_reply_error_code(r, 403, "wrong_password",
		    "the current password is not right");
		return;
	}
	login_limit_ok(&la);
	api_hash_make(r, uc->password, users_update_hashed);
}

static void
users_current_found(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct user_change *uc = r->ctx;

	if (res == NULL) {
		api_db_error(r, "checking a password", err, sqlstate);
		return;
	}
	api_hash_check(r, uc->current, PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : "",
	    users_current_checked);
}

/*
 * One's own password changes only with the current one, checked (and
 * limited) as a login is; an administrator resetting another's does not
 * need it.
 */
static void
users_password_change(struct request *r)
{
	struct user_change *uc = r->ctx;
	struct login_attempt la;
	const char *params[1], *why;
	unsigned wait;
	char retry[64];

	if (!users_is_self(r)) {
		api_hash_make(r, uc->password, users_update_hashed);
		return;
	}
	if (uc->current == NULL) {
		server_reply_error(r, 400, "field \"currentPassword\" is "
		    "required to change one's own password");
		return;
	}
	login_limit_keys(r->user.username, server_addr(r), &la);
	if ((wait = login_limit_begin(&la, &why)) != 0) {
		snprintf(retry, sizeof(retry), "Retry-After: %u\r\n", wait);
		r->extra_headers = retry;
		server_reply_error_code(r, 429, "too_many_attempts", why);
		return;
	}
	params[0] = r->user.user_id;
	api_query(r, "SELECT password_hash FROM users WHERE id = $1", 1,
	    params, users_current_found);
}

void
users_update(struct request *r)
{
	struct user_change *uc;
	int admin = auth_has_role(r, "admin");

	if ((uc = users_change_read(r)) == NULL)
		return;
	if (uc->name != NULL)
		server_reply_error(r, 400, "field \"username\" cannot be "
		    "changed");
	else if (!admin && (!users_is_self(r) || uc->role != NULL ||
	    uc->active != NULL))
		server_reply_error(r, 403, "insufficient permissions");
	else if (uc->password != NULL)
		users_password_change(r);
	else
		users_update_run(r, NULL);
}

static void
users_deleted(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 1) {
		log_info("%s: %s deleted user %s", server_peer(r),
		    r->user.username, PQgetvalue(res, 0, 0));
		auth_revoked(PQgetvalue(res, 0, 0));
		relay_cut("", PQgetvalue(res, 0, 0), "user deleted");
		cache_clear(CACHE_SESSIONS);
		api_notify("ssd_sessions", PQgetvalue(res, 0, 0));
		server_reply(r, 204, "application/json", NULL, 0);
		return;
	}
	users_reply_one(r, res, err, sqlstate, 200);
}

void
users_delete(struct request *r)
{
	const char *params[1] = { users_target(r) };

	if (users_is_self(r)) {
		server_reply_error(r, 409, "you cannot delete yourself");
		return;
	}
	api_query(r, "DELETE FROM users WHERE id = $1 RETURNING username", 1,
	    params, users_deleted);
}

static void
users_ctl_added(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	char msg[512];

	if (res != NULL && PQntuples(res) == 1) {
		log_info("ssdctl: user %s (%s) added", PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 4));
		snprintf(msg, sizeof(msg), "user %s added with id %s",
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 0));
		admin_end(id, 1, msg);
	} else if ((res != NULL && PQntuples(res) == 0) || (sqlstate != NULL &&
	    strcmp(sqlstate, "23505") == 0))
		admin_end(id, 0, "a user of that name exists");
	else {
		log_warnx("ssdctl: user not added: %s", err ? err : "no row");
		admin_end(id, 0, err ? err : "not added");
	}
}

struct users_ctl {
	uint32_t	id;
	char		name[USER_NAME_MAX + 1];
	char		role[16];
};

static void
users_ctl_hashed(int ok, const char *hash, void *arg)
{
	struct users_ctl *uc = arg;
	const char *params[6];
	char sql[1024];

	if (!ok)
		admin_end(uc->id, 0, "cannot hash the password");
	else {
		params[0] = uc->name;
		params[1] = NULL;
		params[2] = NULL;
		params[3] = uc->role;
		params[4] = hash;
		params[5] = NULL;
		users_insert_sql(sql, sizeof(sql));
		admin_query(uc->id, sql, 6, params, users_ctl_added, NULL);
	}
	free(uc);
}

/* ssdctl user add: the same checks and statement as POST /users. */
void
users_ctl_add(uint32_t id, const char *name, const char *role,
    const char *pw)
{
	struct users_ctl *uc;

	if (role == NULL)
		role = "user";
	if (name == NULL || !users_name_ok(name) ||
	    users_name_reserved(name) || !users_role_ok(role) || pw == NULL ||
	    strlen(pw) < USER_PASSWORD_MIN || strlen(pw) > PASSWD_MAX) {
		admin_end(id, 0, "need a name (1 to 64 letters, digits or "
		    "._-@, not \"me\"), a role (user, operator or admin) and a "
		    "password of 8 to 511 characters");
		return;
	}
	uc = xcalloc(1, sizeof(*uc));
	uc->id = id;
	ssd_strlcpy(uc->name, name, sizeof(uc->name));
	ssd_strlcpy(uc->role, role, sizeof(uc->role));
	if (hashpool_make(pw, users_ctl_hashed, uc) == NULL) {
		free(uc);
		admin_end(id, 0, "ssd-api is busy checking passwords: try "
		    "again in a moment");
	}
}

