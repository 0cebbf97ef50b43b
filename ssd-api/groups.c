/*
 * groups.c - /api/v1/groups and their members, for administrators.
 * Group ids are UUIDs made by PostgreSQL; names are unique.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "util.h"

#define GROUP_COLUMNS \
    "g.id, g.name, COALESCE(g.display_name, ''), COALESCE(g.description, " \
    "''), COALESCE(g.type, 'team'), (SELECT count(*) FROM group_memberships " \
    "m WHERE m.group_id = g.id), to_char(g.created_at, " \
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

static int
group_type_ok(const char *t)
{
	return t == NULL || strcmp(t, "team") == 0 ||
	    strcmp(t, "department") == 0 || strcmp(t, "project") == 0 ||
	    strcmp(t, "system") == 0;
}

static cJSON *
group_json(const PGresult *res, int row)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", PQgetvalue(res, row, 0));
	cJSON_AddStringToObject(o, "name", PQgetvalue(res, row, 1));
	cJSON_AddStringToObject(o, "displayName", PQgetvalue(res, row, 2));
	cJSON_AddStringToObject(o, "description", PQgetvalue(res, row, 3));
	cJSON_AddStringToObject(o, "type", PQgetvalue(res, row, 4));
	cJSON_AddNumberToObject(o, "memberCount",
	    atoi(PQgetvalue(res, row, 5)));
	cJSON_AddStringToObject(o, "createdAt", PQgetvalue(res, row, 6));
	return o;
}

static void
groups_reply(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate, int status, const char *what)
{
	if (res == NULL) {
		if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0)
			server_reply_error(r, 409, "already exists");
		else if (sqlstate != NULL && strcmp(sqlstate, "23503") == 0)
			server_reply_error(r, 404, "no such user or group");
		else
			api_db_error(r, what, err, sqlstate);
		return;
	}
	if (status == 0)		/* a list */
		api_reply_rows(r, what, "groups", res, err, sqlstate,
		    group_json);
	else if (PQntuples(res) != 1)
		server_reply_error(r, 404, "group not found");
	else if (status == 204)
		server_reply(r, 204, "application/json", NULL, 0);
	else {
		ssd_strlcpy(r->audit_id, PQgetvalue(res, 0, 0),
		    sizeof(r->audit_id));
		server_reply_cjson(r, status, group_json(res, 0));
	}
}

static void
groups_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	groups_reply(r, res, err, sqlstate, 0, "listing groups");
}

static void
groups_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	groups_reply(r, res, err, sqlstate, 200, "reading a group");
}

static void
groups_created(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	groups_reply(r, res, err, sqlstate, 201, "creating a group");
}

static void
groups_gone(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	groups_reply(r, res, err, sqlstate, 204, "deleting");
}

void
groups_list(struct request *r)
{
	api_query(r, "SELECT " GROUP_COLUMNS " FROM groups g ORDER BY g.name "
	    "LIMIT 1000", 0, NULL, groups_listed);
}

void
groups_get(struct request *r)
{
	const char *p[1] = { r->params[0] };

	api_query(r, "SELECT " GROUP_COLUMNS " FROM groups g WHERE g.id = $1 "
	    "OR g.name = $1", 1, p, groups_got);
}

/* Reads name/displayName/description/type; -1 after answering 400. */
static int
groups_fields(struct request *r, const cJSON *o, int need_name,
    const char **p)
{
	if (body_str(r, o, "name", 255, need_name, &p[0]) == -1 ||
	    body_str(r, o, "displayName", 255, 0, &p[1]) == -1 ||
	    body_str(r, o, "description", 4096, 0, &p[2]) == -1 ||
	    body_str(r, o, "type", 32, 0, &p[3]) == -1)
		return -1;
	if (!group_type_ok(p[3])) {
		server_reply_error(r, 400, "type is team, department, project "
		    "or system");
		return -1;
	}
	return 0;
}

void
groups_create(struct request *r)
{
	const char *p[4];
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	if (groups_fields(r, o, 1, p) == 0)
		api_query(r, "WITH g AS (INSERT INTO groups (id, name, "
		    "display_name, description, type) VALUES "
		    "(gen_random_uuid()::text, $1, $2, $3, COALESCE($4, "
		    "'team')) RETURNING *) SELECT " GROUP_COLUMNS " FROM g", 4,
		    p, groups_created);
	cJSON_Delete(o);
}

void
groups_update(struct request *r)
{
	const char *p[5];
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	if (groups_fields(r, o, 0, p + 1) == 0) {
		p[0] = r->params[0];
		api_query(r, "WITH g AS (UPDATE groups SET name = COALESCE($2, "
		    "name), display_name = COALESCE($3, display_name), "
		    "description = COALESCE($4, description), type = "
		    "COALESCE($5, type), updated_at = now() WHERE id = $1 "
		    "RETURNING *) SELECT " GROUP_COLUMNS " FROM g", 5, p,
		    groups_got);
	}
	cJSON_Delete(o);
}

void
groups_delete(struct request *r)
{
	const char *p[1] = { r->params[0] };

	api_query(r, "DELETE FROM groups WHERE id = $1 RETURNING id", 1, p,
	    groups_gone);
}

/* A member: the user's columns, then its role in the group. */
static cJSON *
member_json(const PGresult *res, int row)
{
	cJSON *m = auth_user_json(res, row, 0);

	cJSON_AddStringToObject(m, "groupRole", PQgetvalue(res, row, 10));
	return m;
}

static void
members_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	api_reply_rows(r, "listing members", "members", res, err, sqlstate,
	    member_json);
}

void
groups_members(struct request *r)
{
	const char *p[1] = { r->params[0] };
	char sql[1024];

	snprintf(sql, sizeof(sql), "SELECT %s, group_role FROM (SELECT u.*, "
	    "m.role AS group_role FROM group_memberships m JOIN users u ON "
	    "u.id = m.user_id WHERE m.group_id = $1) users ORDER BY username",
	    auth_user_columns());
	api_query(r, sql, 1, p, members_listed);
}

static void
members_added(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o;

	if (res == NULL || PQntuples(res) != 1) {
		groups_reply(r, res, err, sqlstate, 201, "adding a member");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "groupId", PQgetvalue(res, 0, 0));
	cJSON_AddStringToObject(o, "userId", PQgetvalue(res, 0, 1));
	cJSON_AddStringToObject(o, "role", PQgetvalue(res, 0, 2));
	server_reply_cjson(r, 201, o);
}

void
groups_member_add(struct request *r)
{
	const char *p[3];
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	p[0] = r->params[0];
	if (body_str(r, o, "userId", 255, 1, &p[1]) == 0 &&
	    body_str(r, o, "role", 16, 0, &p[2]) == 0) {
		if (p[2] != NULL && strcmp(p[2], "member") != 0 &&
		    strcmp(p[2], "admin") != 0 && strcmp(p[2], "owner") != 0)
			server_reply_error(r, 400, "role is member, admin or "
			    "owner");
		else
			api_query(r, "INSERT INTO group_memberships (id, "
			    "user_id, group_id, role) VALUES "
			    "(gen_random_uuid()::text, $2, $1, COALESCE($3, "
			    "'member')) RETURNING group_id, user_id, role", 3,
			    p, members_added);
	}
	cJSON_Delete(o);
}

void
groups_member_remove(struct request *r)
{
	const char *p[2] = { r->params[0], r->params[1] };

	api_query(r, "DELETE FROM group_memberships WHERE group_id = $1 AND "
	    "user_id = $2 RETURNING id", 2, p, groups_gone);
}

