/*
 * dispatch.c - the command dispatcher: agent_commands in PostgreSQL is
 * the queue.  Pending commands of an agent with a link here are marked
 * sent and written to the link; the agent's ack, complete and failed are
 * recorded, and move the session along the state machine
 * (common/session_state.c).  A link that comes up gets its unanswered
 * commands again.  An agent may only answer for its own commands and
 * report its own sessions.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agentproto.h"
#include "conf.h"
#include "db.h"
#include "hub.h"
#include "log.h"
#include "metrics.h"
#include "session_state.h"
#include "util.h"

#define DISPATCH_BATCH	"50"

static void
dispatch_sent(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	char *agent = arg;
	struct hub_link *l;
	cJSON *p;
	int i;

	if (res == NULL) {
		log_warnx("agent %s: cannot take its commands: %s", agent, err);
		free(agent);
		return;
	}
	for (i = 0; i < PQntuples(res); i++) {
		/* Gone meanwhile: they go back out when it returns. */
		if ((l = hub_link_find(agent)) == NULL) {
			log_info("agent %s: link gone, command %s waits",
			    agent, PQgetvalue(res, i, 0));
			continue;
		}
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, AP_COMMAND_TYPE,
		    PQgetvalue(res, i, 2));
		cJSON_AddStringToObject(p, AP_SESSION_ID, PQgetvalue(res, i, 1));
		cJSON_AddItemToObject(p, AP_DATA,
		    cJSON_Parse(PQgetvalue(res, i, 3)));
		log_info("agent %s: command %s (%s, session %s) sent", agent,
		    PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 1));
		hub_link_send(l, AP_COMMAND, PQgetvalue(res, i, 0), p);
	}
	free(agent);
}

void
dispatch_agent(const char *agent_id)
{
	const char *p[1] = { agent_id }, *why;

	if (hub_link_find(agent_id) == NULL)
		return;		/* another hub, or nobody, has its link */
	if (db_query(hub_db(), "WITH c AS (UPDATE agent_commands c SET status "
	    "= 'sent', sent_at = now(), updated_at = now() FROM (SELECT id "
	    "FROM agent_commands WHERE agent_id = $1 AND status = 'pending' "
	    "AND (retry_at IS NULL OR retry_at <= now()) ORDER BY created_at "
	    "LIMIT " DISPATCH_BATCH " FOR UPDATE SKIP "
	    "LOCKED) n WHERE c.id = n.id RETURNING c.command_id, "
	    "COALESCE(c.session_id, c.payload->>'" AP_SESSION_ID "', '') AS "
	    "session_id, c.command_type, "
	    "c.payload, c.created_at) SELECT command_id, session_id, "
	    "command_type, payload FROM c ORDER BY created_at", 1, p,
	    dispatch_sent,
	    xstrdup(agent_id), &why) == NULL)
		log_warnx("agent %s: commands wait: %s", agent_id, why);
}

static void
dispatch_requeued(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	char *agent = arg;

	if (res == NULL)
		log_warnx("agent %s: cannot requeue its commands: %s", agent,
		    err);
	else if (PQntuples(res) > 0)
		log_info("agent %s: %d unanswered commands sent again", agent,
		    PQntuples(res));
	dispatch_agent(agent);
	free(agent);
}

void
dispatch_link_up(const char *agent_id)
{
	const char *p[1] = { agent_id }, *why;

	/*
	 * Acknowledged ones too: an agent that restarted lost them, one
	 * that did not answers again (agents are idempotent by command id).
	 */
	if (db_query(hub_db(), "UPDATE agent_commands SET status = 'pending', "
	    "updated_at = now() WHERE agent_id = $1 AND status IN ('sent', "
	    "'ack') RETURNING command_id", 1, p, dispatch_requeued,
	    xstrdup(agent_id),
	    &why) == NULL)
		log_warnx("agent %s: commands wait: %s", agent_id, why);
}

static void
dispatch_recorded(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	char *what = arg;

	if (res == NULL)
		log_warnx("%s: not recorded: %s", what, err);
	else if (PQntuples(res) == 0)
		log_warnx("%s: refused (unknown command, another agent's, or "
		    "already answered)", what);
	free(what);
}

/* The answer recorded: its command and session counted for /metrics. */
static void
dispatch_answered(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	const char *type, *status;

	if (res != NULL && PQntuples(res) == 1) {
		type = PQgetvalue(res, 0, 2);
		status = PQgetvalue(res, 0, 3);
		if (strcmp(status, "completed") == 0 ||
		    strcmp(status, "failed") == 0) {
			metrics_add(M_COMMANDS, ML(type, status), 1);
			if (!PQgetisnull(res, 0, 4))
				metrics_observe(M_COMMAND_DURATION, ML(type),
				    strtod(PQgetvalue(res, 0, 4), NULL));
		}
		metrics_add(M_SESSION_FAILURES, ML("start_failed"),
		    strtod(PQgetvalue(res, 0, 5), NULL));
	}
	dispatch_recorded(res, err, sqlstate, arg);
}

/*
 * The agent's answer.  Completion moves the session to the state its
 * command leads to, failure of a start to failed; only from the states
 * common/session_state.c allows, passed in as arrays.  A session being
 * stopped does not fail: its stop command decides how it ends.
 */
static void
dispatch_record(const char *agent, enum ap_type type, const char *id,
    const char *error, const char *pod, const cJSON *payload)
{
	static const char *const targets[] = { "running", "hibernated",
	    "terminated", "failed" };
	char from[4][160], *result = NULL, *what;
	const char *p[10], *why;
	size_t i;

	for (i = 0; i < nitems(targets); i++)
		if (session_states_into(targets[i], from[i],
		    sizeof(from[i])) == -1)
			fatalx("session state %s has no way in", targets[i]);
	if (payload != NULL)
		result = cJSON_PrintUnformatted(payload);
	xasprintf(&what, "agent %s: %s of command %s", agent,
	    agentproto_type_name(type), id);
	p[0] = id;
	p[1] = agent;
	p[2] = type == AP_T_ACK ? "ack" : type == AP_T_COMPLETE ?
	    "completed" : "failed";
	p[3] = result;
	p[4] = error;
	p[5] = pod;
	for (i = 0; i < nitems(targets); i++)
		p[6 + i] = from[i];
	if (db_query(hub_db(), "WITH c AS (UPDATE agent_commands SET status = "
	    "$3::text, result = COALESCE($4::jsonb, result), error_message = "
	    "COALESCE($5::text, error_message), acknowledged_at = CASE WHEN "
	    "$3::text = 'ack' THEN now() ELSE acknowledged_at END, "
	    "completed_at = CASE WHEN $3::text <> 'ack' THEN now() ELSE "
	    "completed_at END, updated_at = now() WHERE command_id = $1::text "
	    "AND agent_id = $2::text AND status IN ('sent', 'ack') RETURNING "
	    "session_id, command_type, status, extract(epoch FROM now() - "
	    "sent_at) AS rtt), "
	    "t AS (SELECT c.session_id, CASE WHEN c.status = 'completed' THEN "
	    "CASE c.command_type WHEN '" AP_CMD_START "' THEN 'running' WHEN "
	    "'" AP_CMD_WAKE "' THEN 'running' WHEN '" AP_CMD_HIBERNATE "' THEN "
	    "'hibernated' WHEN '" AP_CMD_STOP "' THEN 'terminated' END WHEN "
	    "c.status = 'failed' AND c.command_type = '" AP_CMD_START "' THEN "
	    "'failed' END AS state FROM c), "
	    "s AS (UPDATE sessions SET state = t.state, pod_name = COALESCE($6::text, "
	    "pod_name), platform_metadata = CASE t.state WHEN 'running' THEN "
	    "COALESCE(platform_metadata, '{}') || jsonb_strip_nulls(COALESCE("
	    "$4::jsonb, '{}') - '" AP_RETRYABLE "') WHEN 'failed' THEN "
	    "COALESCE(platform_metadata, '{}') || jsonb_build_object('"
	    AP_REASON "', $5::text) WHEN 'hibernated' THEN platform_metadata "
	    "- '" AP_POD_IP "' - '" AP_POD_NAME "' "
	    "ELSE platform_metadata END, updated_at = now() FROM t WHERE sessions.id = "
	    "t.session_id AND sessions.agent_id = $2::text AND sessions.state = "
	    "ANY(CASE t.state WHEN 'running' THEN $7::text[] WHEN 'hibernated' "
	    "THEN $8::text[] WHEN 'terminated' THEN $9::text[] WHEN 'failed' "
	    "THEN $10::text[] END) AND NOT (t.state = 'failed' AND "
	    "sessions.state = 'terminating') RETURNING sessions.id, t.state), "
	    "n AS (SELECT pg_notify('ssd_sessions', id) FROM s) "
	    "SELECT c.session_id, (SELECT count(*) FROM n), c.command_type, "
	    "c.status, c.rtt, (SELECT count(*) FROM s WHERE s.state = "
	    "'failed') FROM c", 10, p, dispatch_answered, what, &why) ==
	    NULL) {
		log_warnx("%s: not recorded: %s", what, why);
		free(what);
	}
	cJSON_free(result);
}

struct retry_ctx {
	char	 agent[256];
	char	 id[AP_ID_MAX + 1];
	char	*error;
	cJSON	*payload;
};

static void
dispatch_retry_free(struct retry_ctx *rc)
{
	free(rc->error);
	cJSON_Delete(rc->payload);
	free(rc);
}

static void
dispatch_retry_done(const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	struct retry_ctx *rc = arg;

	if (res == NULL)
		log_warnx("agent %s: retry of command %s not recorded: %s",
		    rc->agent, rc->id, err);
	else if (PQntuples(res) == 1) {
		log_info("agent %s: command %s failed, retry %s in %s s",
		    rc->agent, rc->id, PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1));
		metrics_add(M_COMMANDS, ML(PQgetvalue(res, 0, 2), "retried"),
		    1);
	}
	else	/* out of retries (or not its command): a plain failure */
		dispatch_record(rc->agent, AP_T_FAILED, rc->id, rc->error,
		    NULL, rc->payload);
	dispatch_retry_free(rc);
}

/*
 * A failure the agent says is worth retrying goes back to pending after
 * a back-off (1 s, 2 s, 4 s... at most 60 s) while command_max_retries
 * allows; after that it is recorded as failed.
 */
static void
dispatch_retry(const char *agent, const struct ap_msg *m)
{
	struct retry_ctx *rc = xcalloc(1, sizeof(*rc));
	const char *p[4], *why;
	char max[16];

	ssd_strlcpy(rc->agent, agent, sizeof(rc->agent));
	ssd_strlcpy(rc->id, m->id, sizeof(rc->id));
	rc->error = m->u.reply.error ? xstrdup(m->u.reply.error) : NULL;
	rc->payload = cJSON_Duplicate(m->payload, 1);
	snprintf(max, sizeof(max), "%lld", (long long)conf_int(hub_conf(),
	    S_COMMAND_MAX_RETRIES));
	p[0] = m->id;
	p[1] = agent;
	p[2] = max;
	p[3] = m->u.reply.error;
	if (db_query(hub_db(), "UPDATE agent_commands SET status = 'pending', "
	    "attempts = attempts + 1, error_message = $4::text, retry_at = "
	    "now() + least(60, 2 ^ attempts) * interval '1 second', "
	    "updated_at = now() WHERE command_id = $1::text AND agent_id = "
	    "$2::text AND status IN ('sent', 'ack') AND attempts < $3::int "
	    "RETURNING attempts, least(60, 2 ^ (attempts - 1)), command_type",
	    4, p,
	    dispatch_retry_done, rc, &why) == NULL) {
		log_warnx("agent %s: retry of command %s not recorded: %s",
		    agent, m->id, why);
		dispatch_retry_free(rc);
	}
}

void
dispatch_reply(struct hub_link *l, const struct ap_msg *m)
{
	if (m->type == AP_T_FAILED && m->u.reply.retryable)
		dispatch_retry(hub_link_agent(l), m);
	else
		dispatch_record(hub_link_agent(l), m->type, m->id,
		    m->u.reply.error, m->u.reply.pod_name, m->payload);
}

/* The agent reported sessions failed: those the database took count. */
static void
dispatch_failed_reported(const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	int i, n = 0;

	for (i = 0; res != NULL && i < PQntuples(res); i++)
		n += strcmp(PQgetvalue(res, i, 0), "s") == 0;
	metrics_add(M_SESSION_FAILURES, ML("reported"), n);
	dispatch_recorded(res, err, sqlstate, arg);
}

/*
 * A session state the agent observed (pod ready, crash-looping, ...).
 * A session that failed is over: a stop command frees what it holds in
 * the cluster (failed sessions no longer count against quotas).
 */
void
dispatch_status(struct hub_link *l, const struct ap_msg *m)
{
	const char *sid = m->u.status.session_id, *state = m->u.status.state;
	char from[160], *what, *meta;
	const char *p[5], *why;

	if (session_states_into(state, from, sizeof(from)) == -1) {
		log_info("agent %s: status of session %s: no state %s",
		    hub_link_agent(l), sid, state);
		return;
	}
	xasprintf(&what, "agent %s: status %s of session %s",
	    hub_link_agent(l), state, sid);
	p[0] = sid;
	p[1] = hub_link_agent(l);
	p[2] = state;
	p[3] = from;
	p[4] = meta = cJSON_PrintUnformatted(m->payload);
	if (db_query(hub_db(), "WITH s AS (UPDATE sessions SET state = $3::text, "
	    "pod_name = COALESCE($5::jsonb->>'" AP_POD_NAME "', pod_name), "
	    "platform_metadata = CASE WHEN $3::text = 'hibernated' THEN "
	    "platform_metadata - '" AP_POD_IP "' - '" AP_POD_NAME "' ELSE "
	    "COALESCE(platform_metadata, '{}') END || jsonb_strip_nulls("
	    "$5::jsonb - '" AP_SESSION_ID "' - '" AP_STATE "'), updated_at = "
	    "now(), last_activity = now() "
	    "WHERE id = $1 AND agent_id = $2 AND state = ANY($4::text[]) "
	    "AND NOT ($3::text = 'failed' AND state = 'terminating') "
	    "RETURNING id), "
	    "c AS (INSERT INTO agent_commands (agent_id, session_id, "
	    "command_type, payload) SELECT $2, id, '" AP_CMD_STOP "', "
	    "jsonb_build_object('" AP_SESSION_ID "', id, '" AP_DELETE_HOME
	    "', true, '" AP_REASON "', 'session failed') FROM s WHERE "
	    "$3::text = 'failed' RETURNING "
	    "agent_id) "
	    "SELECT 's' AS what, pg_notify('ssd_sessions', id) FROM s UNION "
	    "ALL SELECT 'c', pg_notify('ssd_commands', agent_id) FROM c", 5, p,
	    strcmp(state, "failed") == 0 ? dispatch_failed_reported :
	    dispatch_recorded, what, &why) == NULL) {
		log_warnx("%s: not recorded: %s", what, why);
		free(what);
	}
	cJSON_free(meta);
}

void
dispatch_notify(const char *channel, const char *payload, void *arg)
{
	if (channel != NULL && strcmp(channel, "ssd_commands") == 0 &&
	    payload != NULL)
		dispatch_agent(payload);
}

/* Timed-out commands by type ({"type": n}) and the sessions they failed. */
static void
dispatch_count_timeouts(const char *by_type, const char *failed)
{
	const cJSON *t;
	cJSON *o;

	if ((o = cJSON_Parse(by_type)) != NULL)
		cJSON_ArrayForEach(t, o)
			if (cJSON_IsNumber(t))
				metrics_add(M_COMMANDS, ML(t->string, "timeout"),
				    t->valuedouble);
	cJSON_Delete(o);
	metrics_add(M_SESSION_FAILURES, ML("command_timeout"),
	    strtod(failed, NULL));
}

static void
dispatch_swept(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("command deadlines: %s", err);
	else if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
		log_warnx("%s commands timed out (no answer within "
		    "command_timeout); %s sessions moved", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1));
		dispatch_count_timeouts(PQgetvalue(res, 0, 2),
		    PQgetvalue(res, 0, 3));
	}
}

static void
dispatch_due(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	int i;

	if (res == NULL) {
		log_warnx("command retries: %s", err);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		dispatch_agent(PQgetvalue(res, i, 0));
}

/* Retries whose back-off is over go out to agents linked here. */
static void
dispatch_retries_due(void)
{
	const char *why;

	if (hub_link_count() > 0 && db_query(hub_db(), "SELECT DISTINCT agent_id "
	    "FROM agent_commands WHERE status = 'pending' AND retry_at IS NOT "
	    "NULL AND retry_at <= now()", 0, NULL, dispatch_due, NULL,
	    &why) == NULL)
		log_debug("command retries not checked: %s", why);
}

/*
 * Commands past command_timeout end as timeout, and their sessions leave
 * the transitional state (along the state machine).  Any hub may sweep:
 * each row changes once.
 */
void
dispatch_sweep(void)
{
	static const char *const targets[] = { "failed", "running",
	    "hibernated" };
	char from[3][160], ms[24];
	const char *p[4], *why;
	size_t i;

	for (i = 0; i < nitems(targets); i++)
		if (session_states_into(targets[i], from[i],
		    sizeof(from[i])) == -1)
			fatalx("session state %s has no way in", targets[i]);
	dispatch_retries_due();
	snprintf(ms, sizeof(ms), "%llu", (unsigned long long)conf_ms(
	    hub_conf(), S_COMMAND_TIMEOUT));
	p[0] = ms;
	p[1] = from[0];
	p[2] = from[1];
	p[3] = from[2];
	if (db_query(hub_db(), "WITH c AS (UPDATE agent_commands SET status = "
	    "'timeout', completed_at = now(), updated_at = now(), "
	    "error_message = 'no answer within command_timeout' WHERE status "
	    "IN ('pending', 'sent', 'ack') AND created_at < now() - $1::bigint "
	    "* interval '1 millisecond' RETURNING session_id, command_type), "
	    "t AS (SELECT session_id, CASE command_type WHEN '" AP_CMD_START
	    "' THEN 'failed' WHEN '" AP_CMD_STOP "' THEN 'failed' WHEN "
	    "'" AP_CMD_HIBERNATE "' THEN 'running' WHEN '" AP_CMD_WAKE "' THEN "
	    "'hibernated' END AS state FROM c), "
	    "s AS (UPDATE sessions SET state = t.state, updated_at = now() FROM "
	    "t WHERE sessions.id = t.session_id AND sessions.state = ANY(CASE "
	    "t.state WHEN 'failed' THEN $2::text[] WHEN 'running' THEN "
	    "$3::text[] WHEN 'hibernated' THEN $4::text[] END) RETURNING "
	    "sessions.id, t.state), n AS (SELECT pg_notify('ssd_sessions', id) "
	    "FROM s) SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM n), "
	    "(SELECT COALESCE(json_object_agg(type, k), '{}') FROM (SELECT "
	    "COALESCE(command_type, 'unknown') AS type, count(*) AS k FROM c "
	    "GROUP BY 1) x), (SELECT count(*) FROM s WHERE s.state = "
	    "'failed')", 4, p, dispatch_swept, NULL, &why) == NULL)
		log_debug("command deadlines not checked: %s", why);
}

struct reconcile {
	char		*agent;
	uint64_t	 link;		/* its serial: the link that asked */
};

static void	dispatch_reconcile(const char *, uint64_t, char *);

static void
dispatch_reconciled(const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	struct reconcile *rc = arg;
	const char *agent = rc->agent;
	char *next;

	if (res != NULL && PQntuples(res) == 1)
		metrics_add(M_SESSION_FAILURES, ML("lost"),
		    strtod(PQgetvalue(res, 0, 0), NULL));
	if (res == NULL)
		log_warnx("agent %s: reconciliation failed: %s", agent, err);
	else if (PQntuples(res) != 1)
		log_warnx("agent %s: reconciliation answered %d rows", agent,
		    PQntuples(res));
	else if (strcmp(PQgetvalue(res, 0, 0), "0") != 0 ||
	    strcmp(PQgetvalue(res, 0, 1), "0") != 0 ||
	    strcmp(PQgetvalue(res, 0, 3), "0") != 0)
		log_warnx("agent %s: sessions reconciled: %s it does not have "
		    "marked failed, %s it should not have told to stop, %s more "
		    "not told yet (agent_stop_unknown_max)", agent,
		    PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
		    PQgetvalue(res, 0, 3));
	else
		log_info("agent %s: sessions reconciled: nothing to change",
		    agent);
	dispatch_agent(agent);
	if ((next = hub_link_reconciled(agent, rc->link)) != NULL)
		dispatch_reconcile(agent, rc->link, next);
	free(rc->agent);
	free(rc);
}

/*
 * The agent's full list of sessions, sent when its link comes up.
 * Sessions the database has running there that the agent does not know
 * are marked failed (restarting them behind the user's back could lose
 * work they expect gone); sessions the agent runs that the database does
 * not want (unknown, terminated or failed) get a stop_session, each at
 * most once per agent_stop_unknown_interval, and at most
 * agent_stop_unknown_max in that interval per agent (a list may hold
 * AP_SESSIONS_MAX made-up ids, and come again).  One list of a link at a
 * time, so that two cannot both find an id not yet told; a list that
 * comes meanwhile waits, replaced by any newer one.
 */
void
dispatch_sessions(struct hub_link *l, const struct ap_msg *m)
{
	cJSON *arr;
	char *ids;

	arr = cJSON_CreateStringArray(m->u.sessions.ids,
	    (int)m->u.sessions.nids);
	ids = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	if (hub_link_reconciling(l, ids) == 0)
		dispatch_reconcile(hub_link_agent(l), hub_link_serial(l), ids);
}

/* Reconciles ids (a JSON array, consumed) for the agent's link. */
static void
dispatch_reconcile(const char *agent, uint64_t link, char *ids)
{
	char from[160], ms[24], max[24], *next;
	const char *p[5], *why;
	struct reconcile *rc;

	if (session_states_into("failed", from, sizeof(from)) == -1)
		fatalx("session state failed has no way in");
	snprintf(ms, sizeof(ms), "%llu", (unsigned long long)conf_ms(
	    hub_conf(), S_AGENT_STOP_UNKNOWN_INTERVAL));
	snprintf(max, sizeof(max), "%lld", (long long)conf_int(hub_conf(),
	    S_AGENT_STOP_UNKNOWN_MAX));
	rc = xcalloc(1, sizeof(*rc));
	rc->agent = xstrdup(agent);
	rc->link = link;
	p[0] = agent;
	p[1] = ids;
	p[2] = from;
	p[3] = ms;
	p[4] = max;
	if (db_query(hub_db(), "WITH have AS (SELECT DISTINCT "
	    "jsonb_array_elements_text($2::jsonb) AS id), "
	    "lost AS (UPDATE sessions s SET state = 'failed', updated_at = "
	    "now() WHERE s.agent_id = $1::text AND s.state IN ('running', "
	    "'hibernated', 'hibernating', 'waking') AND s.state = "
	    "ANY($3::text[]) AND s.id NOT IN (SELECT id FROM have) AND NOT "
	    "EXISTS (SELECT 1 FROM agent_commands c WHERE c.session_id = s.id "
	    "AND c.status IN ('pending', 'sent', 'ack')) RETURNING s.id), "
	    "unwanted AS (SELECT h.id FROM have h WHERE NOT EXISTS (SELECT 1 "
	    "FROM sessions s WHERE s.id = h.id AND s.agent_id = $1::text AND "
	    "s.state NOT IN ('terminated', 'failed'))), "
	    "stops AS (SELECT COALESCE(session_id, payload->>'" AP_SESSION_ID
	    "') AS id, session_id IS NULL AND created_at > now() - $4::bigint "
	    "* interval '1 millisecond' AS counted FROM agent_commands WHERE "
	    "agent_id = $1::text AND command_type = '" AP_CMD_STOP "' AND "
	    "(created_at > now() - $4::bigint * interval '1 millisecond' OR "
	    "status IN ('pending', 'sent', 'ack'))), "
	    "fresh AS (SELECT id FROM unwanted EXCEPT SELECT id FROM stops), "
	    "extra AS (INSERT INTO agent_commands (agent_id, session_id, "
	    "command_type, payload) SELECT $1::text, NULL, '" AP_CMD_STOP
	    "', jsonb_build_object('" AP_SESSION_ID "', f.id, '" AP_REASON
	    "', 'not wanted by the control plane') FROM (SELECT id FROM fresh "
	    "ORDER BY id LIMIT greatest(0, $5::bigint - (SELECT count(*) FROM "
	    "stops WHERE counted))) f RETURNING 1), "
	    "n AS (SELECT pg_notify('ssd_sessions', id) FROM lost) "
	    "SELECT (SELECT count(*) FROM lost), (SELECT count(*) FROM extra), "
	    "(SELECT count(*) FROM n), (SELECT count(*) FROM fresh) - (SELECT "
	    "count(*) FROM extra)", 5, p, dispatch_reconciled, rc,
	    &why) == NULL) {
		log_warnx("agent %s: reconciliation skipped: %s", agent, why);
		free(rc->agent);
		free(rc);
		/* Lists that waited go too: the next link-up sends one. */
		while ((next = hub_link_reconciled(agent, link)) != NULL)
			cJSON_free(next);
	}
	cJSON_free(ids);
}
