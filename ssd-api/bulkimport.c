/*
 * bulkimport.c - POST /api/v1/sessions/bulk-import (administrators): the
 * sessions of a StreamSpace v1.x installation, as kubectl prints them or
 * as the seeds' conversion writes them (common/v1session.c), become
 * hibernated sessions with no agent, for their users and templates;
 * waking one places it on an agent (sessions.c).  One statement per
 * session, one after the other, each audited; the answer says what became
 * of each.  Never touches a session that exists: importing again is safe.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "util.h"
#include "v1session.h"
#include "worker.h"

struct bulk {
	cJSON			*doc;		/* the body */
	const cJSON		*item;		/* the one in flight */
	int			 index;
	struct v1_session	 s;
	cJSON			*results;
	int			 created, skipped;
};

/*
 * One session: its owner by name or id, its template among ssd's own,
 * and the row, unless one of that id exists.  The last column says
 * whether it was written.
 */
static const char bulk_sql[] =
    "WITH owner AS (SELECT id FROM users WHERE username = $2 OR id = $2 "
    "  ORDER BY username = $2 DESC LIMIT 1), "
    "tpl AS (SELECT name FROM catalog_templates WHERE name = $3 AND "
    "  repository_id IS NULL LIMIT 1), "
    "ins AS (INSERT INTO sessions (id, user_id, template_name, state, "
    "  platform, namespace, memory, cpu, persistent_home, idle_timeout, "
    "  max_session_duration, tags, platform_metadata, created_at, "
    "  updated_at) SELECT $1, owner.id, tpl.name, 'hibernated', "
    "  'kubernetes', COALESCE($4, 'streamspace'), $5, $6, "
    "  COALESCE($7::boolean, true), $8, $9, $10::text[], "
    "  jsonb_strip_nulls(jsonb_build_object('source', 'v1.x', "
    "  'importedBy', $12::text, 'v1State', $13::text, 'uid', $14::text)), "
    "  COALESCE($11::timestamptz AT TIME ZONE 'UTC', now()), now() "
    "  FROM owner, tpl ON CONFLICT (id) DO NOTHING RETURNING id), "
    "note AS (SELECT pg_notify('ssd_sessions', id) FROM ins) "
    "SELECT (SELECT count(*) FROM owner), (SELECT count(*) FROM tpl), "
    "  (SELECT count(*) FROM note)";
enum { BK_OWNER, BK_TEMPLATE, BK_WRITTEN };

static void
bulk_free(void *arg)
{
	struct bulk *b = arg;

	cJSON_Delete(b->doc);
	cJSON_Delete(b->results);
	v1_session_free(&b->s);
}

/* What became of the current item; reason NULL when it was created. */
static void
bulk_result(struct bulk *b, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "index", b->index);
	if (b->s.name != NULL)
		cJSON_AddStringToObject(o, "name", b->s.name);
	cJSON_AddStringToObject(o, "status", reason ? "skipped" : "created");
	if (reason != NULL) {
		cJSON_AddStringToObject(o, "reason", reason);
		b->skipped++;
	} else {
		cJSON_AddStringToObject(o, "user", b->s.user);
		cJSON_AddStringToObject(o, "template", b->s.template_name);
		b->created++;
	}
	cJSON_AddItemToArray(b->results, o);
}

static void bulk_next(struct request *);

static void
bulk_done_one(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	struct bulk *b = r->ctx;
	char why[384];
	cJSON *d;

	if (res == NULL && sqlstate != NULL && (strncmp(sqlstate, "22",
	    2) == 0 || strncmp(sqlstate, "23", 2) == 0)) {
		snprintf(why, sizeof(why), "the database refused it: %s", err);
		bulk_result(b, why);
	} else if (res == NULL || PQntuples(res) != 1) {
		/* What is done is done: importing again skips it. */
		api_db_error(r, "importing sessions", err ? err : "no row",
		    sqlstate);
		return;
	} else if (PQgetvalue(res, 0, BK_OWNER)[0] == '0') {
		snprintf(why, sizeof(why), "no user %s in ssd", b->s.user);
		bulk_result(b, why);
	} else if (PQgetvalue(res, 0, BK_TEMPLATE)[0] == '0') {
		snprintf(why, sizeof(why), "no template %s in ssd (ssdctl "
		    "template import)", b->s.template_name);
		bulk_result(b, why);
	} else if (PQgetvalue(res, 0, BK_WRITTEN)[0] == '0')
		bulk_result(b, "a session of this name exists");
	else {
		bulk_result(b, NULL);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "user", b->s.user);
		cJSON_AddStringToObject(d, "template", b->s.template_name);
		cJSON_AddStringToObject(d, "v1State", b->s.state);
		audit_write(r, r->user.user_id, "import session", "sessions",
		    b->s.name, 201, d);
	}
	b->index++;
	bulk_next(r);
}

static void
bulk_query(struct request *r, struct bulk *b)
{
	const struct v1_session *s = &b->s;
	const char *p[14];

	p[0] = s->name;
	p[1] = s->user;
	p[2] = s->template_name;
	p[3] = s->namespace;
	p[4] = s->memory;
	p[5] = s->cpu;
	p[6] = s->persistent_home == -1 ? NULL : s->persistent_home ? "t" :
	    "f";
	p[7] = s->idle_timeout;
	p[8] = s->max_duration;
	p[9] = s->tags;
	p[10] = s->created;
	p[11] = r->user.username;
	p[12] = s->state;
	p[13] = s->uid;
	api_query(r, bulk_sql, 14, p, bulk_done_one);
}

/* Items that need no database are answered here; one that does waits. */
static void
bulk_next(struct request *r)
{
	struct bulk *b = r->ctx;
	char why[256];
	cJSON *o;

	for (; b->item != NULL; b->item = b->item->next) {
		v1_session_free(&b->s);
		if (v1_session_parse(b->item, &b->s, why, sizeof(why)) == -1)
			bulk_result(b, why);
		else if (strcmp(b->s.state, "terminated") == 0)
			bulk_result(b, "terminated in v1.x: nothing to import");
		else {
			b->item = b->item->next;
			bulk_query(r, b);
			return;
		}
		b->index++;
	}
	if (b->created > 0)
		cache_clear(CACHE_SESSIONS);
	log_info("%s: %s imported %d v1.x session%s, skipped %d",
	    server_peer(r), r->user.username, b->created,
	    b->created == 1 ? "" : "s", b->skipped);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "created", b->created);
	cJSON_AddNumberToObject(o, "skipped", b->skipped);
	cJSON_AddItemToObject(o, "results", b->results);
	b->results = NULL;
	server_reply_cjson(r, 200, o);
}

void
sessions_bulk_import(struct request *r)
{
	size_t max = (size_t)conf_int(worker_conf(), S_BULK_IMPORT_MAX);
	const cJSON *items;
	char err[256];
	struct bulk *b;
	cJSON *doc;
	int status;

	if ((doc = body_json(r)) == NULL)
		return;
	if ((items = v1_session_items(doc, max, err, sizeof(err))) == NULL) {
		/* A list, but a long one: 413. */
		status = cJSON_IsArray(doc) || cJSON_IsArray(
		    cJSON_GetObjectItemCaseSensitive(doc, "items")) ? 413 : 400;
		cJSON_Delete(doc);
		server_reply_error(r, status, err);
		return;
	}
	b = xcalloc(1, sizeof(*b));
	b->doc = doc;
	b->item = items->child;
	b->results = cJSON_CreateArray();
	b->s.persistent_home = -1;
	r->ctx = b;
	r->ctx_free = bulk_free;
	bulk_next(r);
}
