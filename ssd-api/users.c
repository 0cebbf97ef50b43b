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

#include <cjson/cJSON.h>

#include "api.h"
#include "log.h"
#include "passwd.h"
#include "util.h"

#define USER_NAME_MAX		64
#define USER_EMAIL_MAX		254
#define USER_FULLNAME_MAX	200
#define USER_PASSWORD_MIN	8
#define USER_PASSWORD_MAX	1024
#define USER_LIST_MAX		"1000"
#define USER_QUOTA_MAX		10000
#define USER_QUOTA_MAX_TEXT	"10000"

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

/* A changed user: role and active flag are cached with token checks. */
static void
users_changed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 1)
		auth_revoked(PQgetvalue(res, 0, 0));
	users_reply_one(r, res, err, sqlstate, 200);
}

static void
users_created(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 1)
		log_info("%s: %s created user %s", server_peer(r),
		    r->user.username, PQgetvalue(res, 0, 1));
	users_reply_one(r, res, err, sqlstate, 201);
}

static void
users_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o, *list;
	int i;

	if (res == NULL) {
		api_db_error(r, "listing users", err, sqlstate);
		return;
	}
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "users");
	for (i = 0; i < PQntuples(res); i++)
		cJSON_AddItemToArray(list, auth_user_json(res, i, 0));
	cJSON_AddNumberToObject(o, "total", PQntuples(res));
	server_reply_cjson(r, 200, o);
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

/* Optional string field: NULL if absent, "" marks a bad type/length. */
static const char *
users_field(const cJSON *o, const char *key, size_t max, int *bad)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || cJSON_IsNull(v))
		return NULL;
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max) {
		*bad = 1;
		return NULL;
	}
	return v->valuestring;
}

static int
users_email_ok(const char *e)
{
	return e == NULL || e[0] == '\0' || (strchr(e, '@') != NULL &&
	    strchr(e, ' ') == NULL);
}

void
users_create(struct request *r)
{
	const char *name, *email, *full, *role, *pw, *params[5];
	char sql[1024], *hash = NULL;
	int bad = 0;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;

	name = users_field(o, "username", USER_NAME_MAX, &bad);
	email = users_field(o, "email", USER_EMAIL_MAX, &bad);
	full = users_field(o, "fullName", USER_FULLNAME_MAX, &bad);
	role = users_field(o, "role", 16, &bad);
	pw = users_field(o, "password", USER_PASSWORD_MAX, &bad);
	if (bad || name == NULL || !users_name_ok(name) ||
	    !users_email_ok(email) || (role != NULL && !users_role_ok(role)) ||
	    pw == NULL || strlen(pw) < USER_PASSWORD_MIN) {
		cJSON_Delete(o);
		server_reply_error(r, 400, "need username (letters, digits, "
		    "._-@), password (8 characters or more), optional email, "
		    "fullName and role (user, operator or admin)");
		return;
	}
	if ((hash = passwd_hash(pw)) == NULL) {
		cJSON_Delete(o);
		server_reply_error(r, 500, "cannot hash the password");
		return;
	}
	params[0] = name;
	params[1] = email != NULL && email[0] != '\0' ? email : NULL;
	params[2] = full;
	params[3] = role != NULL ? role : "user";
	params[4] = hash;
	snprintf(sql, sizeof(sql), "INSERT INTO users (id, username, email, "
	    "full_name, role, provider, active, password_hash, created_at, "
	    "updated_at) VALUES (gen_random_uuid()::text, $1, $2, $3, $4, "
	    "'local', true, $5, now(), now()) RETURNING %s",
	    auth_user_columns());
	api_query(r, sql, 5, params, users_created);
	ssd_explicit_bzero(hash, strlen(hash));
	free(hash);
	cJSON_Delete(o);
}

void
users_update(struct request *r)
{
	const char *email, *full, *role, *pw, *params[6];
	int bad = 0, admin = auth_has_role(r, "admin");
	char sql[1024], *hash = NULL;
	const cJSON *active;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	active = cJSON_GetObjectItemCaseSensitive(o, "active");

	email = users_field(o, "email", USER_EMAIL_MAX, &bad);
	full = users_field(o, "fullName", USER_FULLNAME_MAX, &bad);
	role = users_field(o, "role", 16, &bad);
	pw = users_field(o, "password", USER_PASSWORD_MAX, &bad);
	if (active != NULL && !cJSON_IsBool(active))
		bad = 1;
	if (bad || !users_email_ok(email) || (role && !users_role_ok(role)) ||
	    (pw != NULL && strlen(pw) < USER_PASSWORD_MIN)) {
		cJSON_Delete(o);
		server_reply_error(r, 400, "bad field: email, fullName, role, "
		    "active or password (8 characters or more)");
		return;
	}
	if (!admin && (!users_is_self(r) || role != NULL || active != NULL)) {
		cJSON_Delete(o);
		server_reply_error(r, 403, "insufficient permissions");
		return;
	}
	if (pw != NULL && (hash = passwd_hash(pw)) == NULL) {
		cJSON_Delete(o);
		server_reply_error(r, 500, "cannot hash the password");
		return;
	}
	params[0] = users_target(r);
	params[1] = email;
	params[2] = full;
	params[3] = role;
	params[4] = active == NULL ? NULL : cJSON_IsTrue(active) ? "t" : "f";
	params[5] = hash;
	snprintf(sql, sizeof(sql), "UPDATE users SET email = COALESCE($2, "
	    "email), full_name = COALESCE($3, full_name), role = COALESCE($4, "
	    "role), active = COALESCE($5::boolean, active), password_hash = "
	    "COALESCE($6, password_hash), updated_at = now() WHERE id = $1 "
	    "RETURNING %s", auth_user_columns());
	api_query(r, sql, 6, params, users_changed);
	if (hash != NULL) {
		ssd_explicit_bzero(hash, strlen(hash));
		free(hash);
	}
	cJSON_Delete(o);
}

static void
users_deleted(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 1) {
		log_info("%s: %s deleted user %s", server_peer(r),
		    r->user.username, PQgetvalue(res, 0, 0));
		auth_revoked(PQgetvalue(res, 0, 0));
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
users_quota_reply(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o;

	if (res == NULL) {
		api_db_error(r, "user quota", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "user not found");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "userId", PQgetvalue(res, 0, 0));
	cJSON_AddNumberToObject(o, "maxSessions",
	    atoi(PQgetvalue(res, 0, 1)));
	cJSON_AddNumberToObject(o, "usedSessions",
	    atoi(PQgetvalue(res, 0, 2)));
	server_reply_cjson(r, 200, o);
}

/*
 * The quota sessions_create enforces: live sessions at most max_sessions
 * (5 without a user_quotas row), and how many the user has now.
 */
#define USERS_QUOTA_SELECT \
    "SELECT u.id, COALESCE(q.max_sessions, 5), (SELECT count(*) FROM " \
    "sessions s WHERE s.user_id = u.id AND s.state NOT IN ('terminated', " \
    "'failed')) FROM users u LEFT JOIN user_quotas q ON q.user_id = u.id " \
    "WHERE u.id = $1"

void
users_quota_get(struct request *r)
{
	const char *params[1] = { users_target(r) };

	if (!users_is_self(r) && !auth_has_role(r, "admin")) {
		server_reply_error(r, 403, "insufficient permissions");
		return;
	}
	api_query(r, USERS_QUOTA_SELECT, 1, params, users_quota_reply);
}

/* PUT {"maxSessions": n}: administrators set a user's quota. */
void
users_quota_set(struct request *r)
{
	const char *params[2];
	const cJSON *v;
	char n[16];
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	v = cJSON_GetObjectItemCaseSensitive(o, "maxSessions");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > USER_QUOTA_MAX ||
	    v->valuedouble != (double)(int)v->valuedouble) {
		cJSON_Delete(o);
		server_reply_error(r, 400, "field \"maxSessions\" must be a "
		    "whole number from 0 to " USER_QUOTA_MAX_TEXT);
		return;
	}
	snprintf(n, sizeof(n), "%d", (int)v->valuedouble);
	cJSON_Delete(o);
	params[0] = users_target(r);
	params[1] = n;
	/* The statement's own SELECT would not see its INSERT: RETURNING. */
	api_query(r, "WITH q AS (INSERT INTO user_quotas (user_id, "
	    "max_sessions) SELECT id, $2::int FROM users WHERE id = $1 ON "
	    "CONFLICT (user_id) DO UPDATE SET max_sessions = $2::int, "
	    "updated_at = now() RETURNING user_id, max_sessions) SELECT "
	    "q.user_id, q.max_sessions, (SELECT count(*) FROM sessions s WHERE "
	    "s.user_id = q.user_id AND s.state NOT IN ('terminated', "
	    "'failed')) FROM q", 2, params, users_quota_reply);
}
