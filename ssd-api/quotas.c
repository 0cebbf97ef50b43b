/*
 * quotas.c - users' and groups' quotas and session policies, StreamSpace
 * 1.x's /api/v1/users/ID/quota and /api/v1/groups/ID/quota: sessions,
 * CPU, memory, storage (a home's upper bound) and the idle timeout and
 * maximum duration of their sessions (placement.c resolves them).  Every
 * value is checked here (common/units.c) before it is stored: a bad one
 * is 400 naming its field, and nothing is written.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "sessions.h"
#include "template.h"
#include "units.h"
#include "util.h"

#define QUOTA_SESSIONS_MAX	10000
#define QUOTA_FIELDS		6

/* The body's fields, their column, and how each is read. */
enum quota_kind { QK_COUNT, QK_CPU, QK_BYTES, QK_DURATION };
static const struct {
	const char	*field;
	const char	*column;
	enum quota_kind	 kind;
} quota_fields[QUOTA_FIELDS] = {
	{ "maxSessions", "max_sessions", QK_COUNT },
	{ "maxCpu", "max_cpu", QK_CPU },
	{ "maxMemory", "max_memory", QK_BYTES },
	{ "maxStorage", "max_storage", QK_BYTES },
	{ "idleTimeout", "idle_timeout_seconds", QK_DURATION },
	{ "maxSessionDuration", "max_session_duration_seconds", QK_DURATION },
};

/*
 * The quota of a user ($1: id or name) or a group ($1: id), with the
 * defaults that hold where it has no row (for users those placement
 * applies, 5 sessions and 50Gi; 1.x's table defaults for the rest).
 * Columns: owner id, its name, the fields in quota_fields' order,
 * whether a row exists, and for users how many sessions they hold now
 * (live ones on agents: those the quota counts).
 */
#define QUOTA_SELECT(owner, q, sessions, cpu, memory, storage) \
    "COALESCE(" q ".max_sessions, " sessions "), COALESCE(" q ".max_cpu, " \
    "'" cpu "'), COALESCE(" q ".max_memory, '" memory "'), COALESCE(" q \
    ".max_storage, '" storage "'), " q ".idle_timeout_seconds, " q \
    ".max_session_duration_seconds, " q "." owner " IS NOT NULL"
#define QUOTA_USER_SELECT(q) \
    QUOTA_SELECT("user_id", q, "5", "4000m", "16Gi", "50Gi")
#define QUOTA_GROUP_SELECT(q) \
    QUOTA_SELECT("group_id", q, "20", "16000m", "64Gi", "500Gi")
#define QUOTA_USED(user) \
    ", (SELECT count(*) FROM sessions s WHERE s.user_id = " user " AND " \
    "s.agent_id IS NOT NULL AND s.state " SES_LIVE ")"
static const char quota_user_sql[] =
    "SELECT u.id, u.username, " QUOTA_USER_SELECT("q") QUOTA_USED("u.id")
    " FROM users u LEFT "
    "JOIN user_quotas q ON q.user_id = u.id WHERE u.id = $1 OR u.username "
    "= $1 LIMIT 1";
static const char quota_group_sql[] =
    "SELECT g.id, g.name, " QUOTA_GROUP_SELECT("q") " FROM groups g LEFT "
    "JOIN group_quotas q ON q.group_id = g.id WHERE g.id = $1";

/*
 * Writes the fields present ($8: their names) of user or group $1,
 * $2..$7 their values in quota_fields' order; a new row takes for the
 * others the defaults QUOTA_SELECT shows (sessions, cpu, memory, storage
 * given as dflt), so that writing one field changes no other.  Returns
 * what QUOTA_SELECT does.
 */
#define QUOTA_NEW(field, value, dflt) \
    "CASE WHEN '" field "' = ANY($8::text[]) THEN " value " ELSE " dflt \
    " END"
#define QUOTA_SET(col, field) \
    col " = CASE WHEN '" field "' = ANY($8::text[]) THEN EXCLUDED." col \
    " ELSE q." col " END"
#define QUOTA_UPSERT(table, key, owner_sql, sessions, cpu, memory, storage) \
    "WITH o AS (" owner_sql "), " \
    "up AS (INSERT INTO " table " AS q (" key ", max_sessions, max_cpu, " \
    "  max_memory, max_storage, idle_timeout_seconds, " \
    "  max_session_duration_seconds, updated_at) SELECT o.id, " \
    QUOTA_NEW("maxSessions", "$2::int", sessions) ", " \
    QUOTA_NEW("maxCpu", "$3::text", "'" cpu "'") ", " \
    QUOTA_NEW("maxMemory", "$4::text", "'" memory "'") ", " \
    QUOTA_NEW("maxStorage", "$5::text", "'" storage "'") ", " \
    "  $6::int, $7::int, now() FROM o ON CONFLICT (" key ") DO UPDATE SET " \
    QUOTA_SET("max_sessions", "maxSessions") ", " \
    QUOTA_SET("max_cpu", "maxCpu") ", " \
    QUOTA_SET("max_memory", "maxMemory") ", " \
    QUOTA_SET("max_storage", "maxStorage") ", " \
    QUOTA_SET("idle_timeout_seconds", "idleTimeout") ", " \
    QUOTA_SET("max_session_duration_seconds", "maxSessionDuration") ", " \
    "  updated_at = now() RETURNING q.*) "
static const char quota_user_put_sql[] =
    QUOTA_UPSERT("user_quotas", "user_id", "SELECT id, username FROM users "
    "WHERE id = $1 OR username = $1 LIMIT 1", "5", "4000m", "16Gi", "50Gi")
    "SELECT o.id, o.username, " QUOTA_USER_SELECT("q") QUOTA_USED("o.id")
    " FROM o LEFT JOIN "
    "up q ON true";
static const char quota_group_put_sql[] =
    QUOTA_UPSERT("group_quotas", "group_id", "SELECT id, name FROM groups "
    "WHERE id = $1", "20", "16000m", "64Gi", "500Gi")
    "SELECT o.id, o.name, " QUOTA_GROUP_SELECT("q") " FROM o LEFT JOIN up "
    "q ON true";

/* A quota as the API shows it (durations both ways). */
static cJSON *
quota_json(const PGresult *res, const char *owner_key)
{
	cJSON *o = cJSON_CreateObject();
	char text[UNITS_DURATION_MAX + 1];
	const char *v;
	size_t i;

	cJSON_AddStringToObject(o, owner_key, PQgetvalue(res, 0, 0));
	cJSON_AddStringToObject(o, "name", PQgetvalue(res, 0, 1));
	for (i = 0; i < QUOTA_FIELDS; i++) {
		v = PQgetvalue(res, 0, 2 + (int)i);
		if (PQgetisnull(res, 0, 2 + (int)i))
			cJSON_AddNullToObject(o, quota_fields[i].field);
		else if (quota_fields[i].kind == QK_COUNT)
			cJSON_AddNumberToObject(o, quota_fields[i].field,
			    atof(v));
		else if (quota_fields[i].kind == QK_DURATION) {
			units_duration_str(strtoull(v, NULL, 10), text,
			    sizeof(text));
			cJSON_AddStringToObject(o, quota_fields[i].field, text);
		} else
			cJSON_AddStringToObject(o, quota_fields[i].field, v);
	}
	cJSON_AddBoolToObject(o, "set", PQgetvalue(res, 0, 2 + QUOTA_FIELDS)[0]
	    == 't');
	if (PQnfields(res) > 3 + QUOTA_FIELDS)
		cJSON_AddNumberToObject(o, "usedSessions", atof(PQgetvalue(res,
		    0, 3 + QUOTA_FIELDS)));
	return o;
}

static void
quota_reply(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate, const char *owner_key)
{
	if (res == NULL) {
		api_db_error(r, "quotas", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		server_reply_error(r, 404, strcmp(owner_key, "userId") == 0 ?
		    "user not found" : "group not found");
		return;
	}
	server_reply_cjson(r, 200, quota_json(res, owner_key));
}

static void
quota_user_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	quota_reply(r, res, err, sqlstate, "userId");
}

static void
quota_group_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	quota_reply(r, res, err, sqlstate, "groupId");
}

/* Users read their own; administrators anyone's. */
void
quotas_user_get(struct request *r)
{
	const char *p[1] = { r->params[0] };

	if (strcmp(p[0], "me") == 0)
		p[0] = r->user.user_id;
	if (strcmp(p[0], r->user.user_id) != 0 && strcmp(p[0],
	    r->user.username) != 0 && !auth_has_role(r, "admin")) {
		server_reply_error(r, 403, "insufficient permissions");
		return;
	}
	api_query(r, quota_user_sql, 1, p, quota_user_got);
}

void
quotas_group_get(struct request *r)
{
	const char *p[1] = { r->params[0] };

	api_query(r, quota_group_sql, 1, p, quota_group_got);
}

/*
 * One field of the body into its parameter: absent (not written), null
 * (durations: not set), or a value its kind reads; -1 once answered.
 */
static int
quota_field(struct request *r, const cJSON *o, size_t i, char *buf,
    size_t len, const char **param, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o,
	    quota_fields[i].field);
	const char *why;
	uint64_t n;
	int64_t secs;

	*param = NULL;
	if ((*present = v != NULL) == 0 || (cJSON_IsNull(v) &&
	    quota_fields[i].kind == QK_DURATION))
		return 0;
	switch (quota_fields[i].kind) {
	case QK_COUNT:
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		    v->valuedouble > QUOTA_SESSIONS_MAX || v->valuedouble !=
		    (double)(int)v->valuedouble) {
			body_field_error(r, quota_fields[i].field, "must be a "
			    "whole number from 0 to 10000");
			return -1;
		}
		snprintf(buf, len, "%d", v->valueint);
		break;
	case QK_CPU:
	case QK_BYTES:
		if (!cJSON_IsString(v) || (quota_fields[i].kind == QK_CPU ?
		    units_quantity_millis(v->valuestring, &n, &why) :
		    units_quantity_bytes(v->valuestring, &n, &why)) == -1) {
			body_field_error(r, quota_fields[i].field,
			    cJSON_IsString(v) ? why : "must be a quantity such "
			    "as \"4000m\" or \"100Gi\"");
			return -1;
		}
		snprintf(buf, len, "%s", v->valuestring);
		break;
	case QK_DURATION:
		if (body_duration(r, o, quota_fields[i].field, &secs) == -1)
			return -1;
		snprintf(buf, len, "%lld", (long long)secs);
		break;
	}
	*param = buf;
	return 0;
}

static void
quota_put(struct request *r, const char *sql, api_db_cb cb)
{
	char vals[QUOTA_FIELDS][UNITS_QUANTITY_MAX + 1], *present;
	const char *p[8];
	cJSON *o, *names;
	size_t i;
	int here;

	if ((o = body_object(r)) == NULL)
		return;
	names = cJSON_CreateArray();
	p[0] = r->params[0];
	for (i = 0; i < QUOTA_FIELDS; i++) {
		if (quota_field(r, o, i, vals[i], sizeof(vals[i]), &p[1 + i],
		    &here) == -1) {
			cJSON_Delete(names);
			cJSON_Delete(o);
			return;
		}
		if (here)
			cJSON_AddItemToArray(names, cJSON_CreateString(
			    quota_fields[i].field));
	}
	present = json_pg_text_array(names, QUOTA_FIELDS, 32);
	p[7] = present;
	api_query(r, sql, 8, p, cb);
	free(present);
	cJSON_Delete(names);
	cJSON_Delete(o);
}

void
quotas_user_put(struct request *r)
{
	quota_put(r, quota_user_put_sql, quota_user_got);
}

void
quotas_group_put(struct request *r)
{
	quota_put(r, quota_group_put_sql, quota_group_got);
}
