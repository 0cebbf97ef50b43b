/*
 * audit.c - the audit trail: every login and every change made through
 * the API becomes one audit_log row (who, what, on what, from where, how
 * it ended); refused ones beyond the first of their kind are counted in
 * rows of their own (refused.c).  Written without holding up the answer;
 * a row that cannot be written is logged, with what it would have said;
 * at shutdown ssd-api waits for the rows on their way.
 *
 * Rows are gathered until the event loop turns (or AUDIT_BATCH of them)
 * and written by one statement for each kind: a burst (thousands of
 * viewers closing at once, a flood of requests) takes a few of
 * db_queue_max's places, not one each, and a viewer's open costs the
 * database no statement of its own.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "api.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define AUDIT_BATCH	500

/* Rows gathered for one statement; $1 is them, a JSON array. */
struct audit_batch {
	const char	*sql;
	const char	*what;		/* what a row is, for a loss's log */
	cJSON		*rows;
	unsigned	 n;
};

/*
 * Requests: u user id, a action, t resource type, i its id, c changes,
 * p address.
 */
static struct audit_batch requests = {
	"INSERT INTO audit_log (user_id, action, resource_type, "
	"resource_id, changes, timestamp, ip_address, org_id) SELECT x.u, "
	"x.a, x.t, x.i, x.c, now(), x.p, 'default-org' FROM "
	"jsonb_to_recordset($1::jsonb) AS x(u text, a text, t text, i text, "
	"c jsonb, p text)", "requests", NULL, 0
};
/*
 * Viewers' stream ends: u user (name or id), s session, a address, k
 * "vnc stream" or "web stream", c totals; their sessions were active
 * until now.  A session row another transaction holds is skipped, not
 * waited for: the batches of a thousand viewers of one session leaving
 * at once would otherwise queue on it, past db_query_timeout, and their
 * rows be lost.  (Its holder is most likely another batch setting the
 * same time.)
 */
static struct audit_batch ends = {
	"WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(u text, "
	"s text, a text, k text, c jsonb)), "
	"a AS (UPDATE sessions SET last_activity = now() WHERE id IN "
	"(SELECT id FROM sessions WHERE id IN (SELECT s FROM r) "
	"FOR UPDATE SKIP LOCKED)) "
	"INSERT INTO audit_log (user_id, action, resource_type, resource_id, "
	"changes, timestamp, ip_address, org_id) SELECT u.id, r.k, "
	"'sessions', r.s, r.c, now(), r.a, 'default-org' FROM r CROSS JOIN "
	"LATERAL (SELECT id FROM users WHERE username = r.u OR id = r.u "
	"LIMIT 1) u", "viewers' stream ends", NULL, 0
};

static unsigned audit_writing;	/* statements on their way to the database */
static struct event *audit_flush_ev;

unsigned
audit_pending(void)
{
	return audit_writing + (requests.n > 0) + (ends.n > 0);
}

static void
audit_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("audit record lost (%s): %s", err, (char *)arg);
	free(arg);
	audit_writing--;
	server_exit_if_done();
}

/* Queues the row; line says what it is if it has to be logged instead. */
static void
audit_insert(const char *sql, int nparams, const char *const *params,
    char *line)
{
	const char *why;

	if (db_query(api_db(), sql, nparams, params, audit_done, line,
	    &why) == NULL) {
		log_warnx("audit record lost (%s): %s", why, line);
		free(line);
		return;
	}
	audit_writing++;
}

static void
audit_batch_flush(struct audit_batch *b)
{
	const char *params[1];
	char *rows, *line;

	if (b->n == 0)
		return;
	rows = cJSON_PrintUnformatted(b->rows);
	if (rows == NULL)
		fatalx("out of memory for audit rows");
	cJSON_Delete(b->rows);
	b->rows = NULL;
	xasprintf(&line, "%u %s: %s", b->n, b->what, rows);
	b->n = 0;
	params[0] = rows;
	audit_insert(b->sql, 1, params, line);
	cJSON_free(rows);
}

static void
audit_flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	audit_batch_flush(&requests);
	audit_batch_flush(&ends);
	server_exit_if_done();	/* when stopping, and they could not go */
}

/* Takes row; written when the loop turns, or now with AUDIT_BATCH. */
static void
audit_batch_add(struct audit_batch *b, cJSON *row)
{
	if (b->rows == NULL)
		b->rows = cJSON_CreateArray();
	cJSON_AddItemToArray(b->rows, row);
	if (++b->n == AUDIT_BATCH) {
		audit_batch_flush(b);
		return;
	}
	if (audit_flush_ev == NULL && (audit_flush_ev = event_new(
	    worker_base(), -1, 0, audit_flush_cb, NULL)) == NULL)
		fatalx("event_new failed");
	event_active(audit_flush_ev, EV_TIMEOUT, 0);
}

void
audit_write(struct request *r, const char *user_id, const char *action,
    const char *rtype, const char *rid, int status, cJSON *details)
{
	cJSON *row = cJSON_CreateObject();
	cJSON *changes = details ? details : cJSON_CreateObject();

	cJSON_AddNumberToObject(changes, "status", status);
	if (user_id != NULL && *user_id)
		cJSON_AddStringToObject(row, "u", user_id);
	cJSON_AddStringToObject(row, "a", action);
	cJSON_AddStringToObject(row, "t", rtype);
	if (rid != NULL)
		cJSON_AddStringToObject(row, "i", rid);
	cJSON_AddItemToObject(row, "c", changes);
	cJSON_AddStringToObject(row, "p", server_addr(r));
	audit_batch_add(&requests, row);
}

/* A viewer's stream ended (from its relay). */
void
audit_stream_end(struct imsg_stream_end *e)
{
	cJSON *row = cJSON_CreateObject(), *c;

	e->session_id[sizeof(e->session_id) - 1] = '\0';
	e->user[sizeof(e->user) - 1] = '\0';
	e->peer[sizeof(e->peer) - 1] = '\0';
	e->reason[sizeof(e->reason) - 1] = '\0';
	cJSON_AddStringToObject(row, "u", e->user);
	cJSON_AddStringToObject(row, "s", e->session_id);
	cJSON_AddStringToObject(row, "a", e->peer);
	cJSON_AddStringToObject(row, "k", e->kind == STREAM_WEB ?
	    "web stream" : "vnc stream");
	c = cJSON_AddObjectToObject(row, "c");
	cJSON_AddNumberToObject(c, "bytesUp", (double)e->bytes_up);
	cJSON_AddNumberToObject(c, "bytesDown", (double)e->bytes_down);
	cJSON_AddNumberToObject(c, "durationMs", (double)e->ms);
	cJSON_AddNumberToObject(c, "closeCode", e->code);
	cJSON_AddStringToObject(c, "closeReason", e->reason);
	audit_batch_add(&ends, row);
}

/*
 * Refused requests counted by refused.c: rows (a JSON array of {u: user,
 * t: resource type, a: address, c: changes}) saying n of them.
 */
void
audit_refused_rows(const char *rows, unsigned n)
{
	const char *params[1] = { rows };
	char *line;

	xasprintf(&line, "%u refused requests counted: %s", n, rows);
	audit_insert("INSERT INTO audit_log (user_id, action, "
	    "resource_type, resource_id, changes, timestamp, ip_address, "
	    "org_id) SELECT x.u, 'refused requests', x.t, NULL, x.c, now(), "
	    "x.a, 'default-org' FROM jsonb_to_recordset($1::jsonb) AS "
	    "x(u text, t text, a text, c jsonb)", 1, params, line);
}

/*
 * The audit row of a finished mutating request: "POST /api/v1/users" on
 * resource "users" (the path's first segment after /api/v1/), the id the
 * handler named or the path's parameter, and the status.  A refused one
 * (4xx, 5xx) is only counted when another of its kind already has a row
 * in this interval (refused.c).
 */
void
audit_request(struct request *r, int status)
{
	char action[160], rtype[32];
	const char *p = r->path, *rid;
	cJSON *d = cJSON_CreateObject();
	size_t n;

	snprintf(action, sizeof(action), "%s %.140s", r->http->method_str, p);
	if (strncmp(p, "/api/v1/", 8) == 0)
		p += 8;
	n = strcspn(p, "/");
	snprintf(rtype, sizeof(rtype), "%.*s", (int)n, p);
	if (status >= 400 && refused_hold(r, action, rtype, status)) {
		cJSON_Delete(d);
		return;
	}
	rid = r->audit_id[0] ? r->audit_id : r->nparams > 0 ? r->params[0] :
	    NULL;
	if (r->audit_subject[0] != '\0')
		cJSON_AddStringToObject(d, "username", r->audit_subject);
	audit_write(r, r->authed ? r->user.user_id : NULL, action, rtype,
	    rid, status, d);
}
