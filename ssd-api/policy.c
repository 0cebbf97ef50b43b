/*
 * policy.c - sessions' idle timeout and maximum duration (resolved by
 * placement.c), acted on by one timer (session_policy_interval) running
 * one statement: idle sessions are hibernated, those past their maximum
 * duration stopped (their homes kept), those about to be warned (a
 * sessionWarning NOTIFY for the web UI), each audited.  Deadlines are
 * columns, so a restart loses none; rows are taken FOR UPDATE SKIP
 * LOCKED and moved only from the states they may leave, so that with
 * several control planes on one database each session is acted on once.
 * Viewers' input comes from the relays in batches (IMSG_SESSION_ACTIVITY)
 * and moves last_activity; when a policy ends a session every control
 * plane closes its viewers with the reason.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "agentproto.h"
#include "api.h"
#include "conf.h"
#include "db.h"
#include "ipc.h"
#include "log.h"
#include "peers.h"
#include "session_state.h"
#include "sessions.h"
#include "util.h"
#include "worker.h"

#define POLICY_BATCH_MAX	1000	/* session ids in one activity update */
#define POLICY_SWEEP_MAX	"200"	/* sessions acted on in one sweep */
/* NOTIFY channels: a session a policy ended ("reason id"); UI events. */
#define POLICY_END_CHANNEL	"ssd_session_end"
#define POLICY_EVENT_CHANNEL	"ssd_session_events"

static struct event *policy_ev;
static cJSON *policy_batch;		/* ids with input, not yet written */
static int policy_flush_due;

/* The deadlines of session s (timestamps; NULL: none). */
#define POLICY_IDLE_AT(s) \
    "CASE WHEN " s ".idle_timeout_seconds > 0 AND " s ".state = 'running' " \
    "THEN " s ".last_activity + " s ".idle_timeout_seconds * interval " \
    "'1 second' END"
#define POLICY_END_AT(s) \
    "CASE WHEN " s ".max_duration_seconds > 0 THEN " s ".created_at + " s \
    ".max_duration_seconds * interval '1 second' END"

/*
 * $1: session_warning_time (ms), $2: the states a session may be stopped
 * from.  The due and the soon-due are disjoint (a deadline passed or
 * not), so that no row is changed twice.
 */
static const char policy_sweep_sql[] =
    "WITH due AS (SELECT s.id, s.state, s.last_activity, CASE WHEN "
    POLICY_END_AT("s")
    "  <= now() THEN 'max_duration' ELSE 'idle' END AS why FROM sessions s "
    "  WHERE s.agent_id IS NOT NULL AND (s.idle_timeout_seconds > 0 OR "
    "  s.max_duration_seconds > 0) AND ((" POLICY_END_AT("s") " <= now() "
    "  AND s.state = ANY($2::text[])) OR " POLICY_IDLE_AT("s") " <= "
    "  now()) ORDER BY s.id LIMIT " POLICY_SWEEP_MAX " FOR UPDATE OF s "
    "  SKIP LOCKED), "
    "upd AS (UPDATE sessions s SET state = CASE due.why WHEN 'idle' THEN "
    "  'hibernating' ELSE 'terminating' END, policy_reason = due.why, "
    "  updated_at = now() FROM due WHERE s.id = due.id RETURNING s.id, "
    "  s.agent_id, s.user_id, due.why, due.state AS was, "
    "  due.last_activity), "
    "cmd AS (INSERT INTO agent_commands (agent_id, session_id, "
    "  command_type, payload) SELECT agent_id, id, CASE why WHEN 'idle' "
    "  THEN '" AP_CMD_HIBERNATE "' ELSE '" AP_CMD_STOP "' END, "
    "  jsonb_build_object('" AP_SESSION_ID "', id, '" AP_DELETE_HOME "', "
    "  false, '" AP_REASON "', why) FROM upd RETURNING agent_id), "
    "au AS (INSERT INTO audit_log (user_id, action, resource_type, "
    "  resource_id, changes, timestamp, ip_address, org_id) SELECT "
    "  user_id, CASE why WHEN 'idle' THEN 'session hibernate' ELSE "
    "  'session stop' END, 'sessions', id, jsonb_build_object('reason', "
    "  why, 'from', was, 'by', 'policy', 'lastActivity', "
    SES_ISO("last_activity") "), now(), NULL, 'default-org' FROM upd "
    "  RETURNING 1), "
    "soon AS (SELECT s.id, s.user_id, d.at, CASE WHEN d.at = "
    POLICY_END_AT("s") " THEN 'max_duration' ELSE 'idle' END AS why FROM "
    "  sessions s CROSS JOIN LATERAL (SELECT least(" POLICY_IDLE_AT("s")
    ", " POLICY_END_AT("s") ") AS at) d WHERE $1::bigint > 0 AND "
    "  s.agent_id IS NOT NULL AND (s.idle_timeout_seconds > 0 OR "
    "  s.max_duration_seconds > 0) AND s.policy_warned_at IS NULL AND "
    "  s.state = ANY($2::text[]) AND d.at > now() AND d.at - $1::bigint * "
    "  interval '1 millisecond' <= now() ORDER BY s.id LIMIT "
    POLICY_SWEEP_MAX " FOR UPDATE OF s SKIP LOCKED), "
    "warn AS (UPDATE sessions s SET policy_warned_at = now(), "
    "  policy_reason = soon.why FROM soon WHERE s.id = soon.id RETURNING "
    "  s.id, s.user_id, soon.why, soon.at), "
    "note AS (SELECT pg_notify('ssd_commands', agent_id) FROM cmd UNION "
    "  ALL SELECT pg_notify('ssd_sessions', id) FROM upd UNION ALL SELECT "
    "  pg_notify('" POLICY_END_CHANNEL "', why || ' ' || id) FROM upd "
    "  UNION ALL SELECT pg_notify('ssd_sessions', id) FROM warn UNION ALL "
    "  SELECT pg_notify('" POLICY_EVENT_CHANNEL "', json_build_object("
    "  'type', 'sessionWarning', 'sessionId', id, 'userId', user_id, "
    "  'reason', why, 'at', " SES_ISO("at") ", 'secondsLeft', ceil("
    "  extract(epoch FROM at - now())))::text) FROM warn) "
    "SELECT (SELECT count(*) FROM upd), (SELECT count(*) FROM warn), "
    "  (SELECT string_agg(id || ' (' || why || ')', ', ') FROM upd), "
    "  (SELECT count(*) FROM au) + (SELECT count(*) FROM note)";

static void
policy_swept(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL) {
		log_warnx("session policies: %s", err);
		return;
	}
	if (PQntuples(res) != 1)
		return;
	if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
		cache_clear(CACHE_SESSIONS);
		log_info("session policies: %s", PQgetvalue(res, 0, 2));
	}
	if (strcmp(PQgetvalue(res, 0, 1), "0") != 0)
		log_info("session policies: %s sessions warned",
		    PQgetvalue(res, 0, 1));
}

static void
policy_tick(evutil_socket_t fd, short ev, void *arg)
{
	static char from[160];
	char warn[24];
	const char *p[2], *why;

	if (from[0] == '\0' && session_states_into("terminating", from,
	    sizeof(from)) == -1)
		fatalx("session state terminating has no way in");
	if (api_db() == NULL || !db_is_up(api_db(), &why))
		return;
	snprintf(warn, sizeof(warn), "%llu", (unsigned long long)conf_ms(
	    worker_conf(), S_SESSION_WARNING_TIME));
	p[0] = warn;
	p[1] = from;
	if (db_query(api_db(), policy_sweep_sql, 2, p, policy_swept, NULL,
	    &why) == NULL)
		log_debug("session policies not checked: %s", why);
}

static void
policy_written(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("viewers' activity not recorded: %s", err);
}

/* The ids with input since the last flush, in one statement. */
static void
policy_flush(evutil_socket_t fd, short ev, void *arg)
{
	const char *p[1], *why;
	char *ids;

	policy_flush_due = 0;
	if (policy_batch == NULL)
		return;
	ids = cJSON_PrintUnformatted(policy_batch);
	cJSON_Delete(policy_batch);
	policy_batch = NULL;
	p[0] = ids;
	/* A warning of idleness is taken back; one of the end is not. */
	if (db_query(api_db(), "UPDATE sessions SET last_activity = now(), "
	    "policy_warned_at = CASE WHEN policy_reason = 'idle' THEN NULL "
	    "ELSE policy_warned_at END, policy_reason = CASE WHEN "
	    "policy_reason = 'idle' THEN NULL ELSE policy_reason END WHERE id "
	    "IN (SELECT jsonb_array_elements_text($1::jsonb)) AND state = "
	    "'running'", 1, p, policy_written, NULL, &why) == NULL)
		log_warnx("viewers' activity not recorded: %s", why);
	cJSON_free(ids);
}

void
policy_activity(struct peer *p, struct ipc_msg *m)
{
	struct imsg_session_activity a;

	if (p->kind != PROC_RELAY || m->len != sizeof(a)) {
		log_warnx("%s: malformed activity record, closing the channel",
		    p->name);
		peers_drop(p, "protocol error");
		return;
	}
	memcpy(&a, m->data, sizeof(a));
	a.session_id[sizeof(a.session_id) - 1] = '\0';
	if (policy_batch == NULL)
		policy_batch = cJSON_CreateArray();
	cJSON_AddItemToArray(policy_batch, cJSON_CreateString(a.session_id));
	/* A relay's reports come together: one statement for them all. */
	if (cJSON_GetArraySize(policy_batch) >= POLICY_BATCH_MAX)
		policy_flush(-1, 0, NULL);
	else if (!policy_flush_due) {
		policy_flush_due = 1;
		event_base_once(worker_base(), -1, EV_TIMEOUT, policy_flush,
		    NULL, NULL);
	}
}

/* Another control plane's policy, or ours, ended a session. */
void
policy_notify(const char *channel, const char *payload, void *arg)
{
	struct imsg_session_end e;
	const char *id;
	struct peer *relay;
	int i;

	if (channel == NULL || payload == NULL ||
	    strcmp(channel, POLICY_END_CHANNEL) != 0 ||
	    (id = strchr(payload, ' ')) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	snprintf(e.reason, sizeof(e.reason), "%.*s", (int)(id - payload),
	    payload);
	ssd_strlcpy(e.session_id, id + 1, sizeof(e.session_id));
	for (i = 0; i < api_relay_count(); i++)
		if ((relay = api_relay(i)) != NULL && relay->chan != NULL &&
		    ipc_send(relay->chan, IMSG_SESSION_END, 0, -1, &e,
		    sizeof(e)) == -1)
			log_warnx("%s: session %s ended (%s), its viewers not "
			    "told: channel full", relay->name, e.session_id,
			    e.reason);
}

void
policy_configure(const struct conf *c)
{
	worker_every(&policy_ev, conf_ms(c, S_SESSION_POLICY_INTERVAL),
	    policy_tick);
}
