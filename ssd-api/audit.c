/*
 * audit.c - the audit trail: every login and every change made through
 * the API becomes one audit_log row (who, what, on what, from where, how
 * it ended); refused ones beyond the first of their kind are counted in
 * rows of their own (refused.c).  Written without holding up the answer;
 * a row that cannot be written is logged, with what it would have said;
 * at shutdown ssd-api waits for the rows on their way.
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

/*
 * Viewers' ends come in bursts (a data link lost, thousands of viewers
 * closing at once): they are gathered until the loop turns, or
 * AUDIT_ENDS_BATCH of them, and written by one statement, so that a
 * burst takes a few of db_queue_max's places, not one each.
 */
#define AUDIT_ENDS_BATCH	500

static unsigned audit_writing;	/* statements on their way to the database */
static struct {
	cJSON		*rows;
	unsigned	 n;
	struct event	*flush;
} ends;

unsigned
audit_pending(void)
{
	return audit_writing + (ends.n > 0);
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

void
audit_write(struct request *r, const char *user_id, const char *action,
    const char *rtype, const char *rid, int status, cJSON *details)
{
	const char *params[6];
	char code[8], *text, *line;
	cJSON *changes = details ? details : cJSON_CreateObject();

	snprintf(code, sizeof(code), "%d", status);
	cJSON_AddNumberToObject(changes, "status", status);
	text = cJSON_PrintUnformatted(changes);
	cJSON_Delete(changes);
	params[0] = user_id != NULL && *user_id ? user_id : NULL;
	params[1] = action;
	params[2] = rtype;
	params[3] = rid;
	params[4] = text;
	params[5] = server_addr(r);
	xasprintf(&line, "user=%s action=%s %s=%s status=%s from %s",
	    user_id ? user_id : "-", action, rtype, rid ? rid : "-", code,
	    server_addr(r));
	audit_insert("INSERT INTO audit_log (user_id, action, "
	    "resource_type, resource_id, changes, timestamp, ip_address, "
	    "org_id) VALUES ($1, $2, $3, $4, $5::jsonb, now(), $6, "
	    "'default-org')", 6, params, line);
	cJSON_free(text);
}

/*
 * The gathered ends: an audit row each ("vnc stream" or "web stream")
 * with its totals, and their sessions were active until now.
 */
static void
audit_ends_flush(void)
{
	const char *params[1];
	char *rows, *line;

	if (ends.n == 0)
		return;
	rows = cJSON_PrintUnformatted(ends.rows);
	cJSON_Delete(ends.rows);
	ends.rows = NULL;
	xasprintf(&line, "%u viewers' stream ends: %s", ends.n, rows);
	ends.n = 0;
	params[0] = rows;
	audit_insert("WITH r AS (SELECT * FROM jsonb_to_recordset($1::jsonb) "
	    "AS x(u text, s text, a text, k text, c jsonb)), "
	    "a AS (UPDATE sessions SET last_activity = now() WHERE id IN "
	    "(SELECT s FROM r)) "
	    "INSERT INTO audit_log (user_id, action, resource_type, "
	    "resource_id, changes, timestamp, ip_address, org_id) "
	    "SELECT u.id, r.k, 'sessions', r.s, r.c, now(), r.a, "
	    "'default-org' FROM r CROSS JOIN LATERAL (SELECT id FROM users "
	    "WHERE username = r.u OR id = r.u LIMIT 1) u", 1, params, line);
	cJSON_free(rows);
}

static void
audit_ends_cb(evutil_socket_t fd, short ev, void *arg)
{
	audit_ends_flush();
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
	if (ends.rows == NULL)
		ends.rows = cJSON_CreateArray();
	cJSON_AddItemToArray(ends.rows, row);
	if (++ends.n == AUDIT_ENDS_BATCH) {
		audit_ends_flush();
		return;
	}
	if (ends.flush == NULL &&
	    (ends.flush = event_new(worker_base(), -1, 0, audit_ends_cb,
	    NULL)) == NULL)
		fatalx("event_new failed");
	event_active(ends.flush, EV_TIMEOUT, 0);
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
