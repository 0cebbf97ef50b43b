/*
 * sessions.h - what sessions.c (reading and moving sessions),
 * placement.c (creating them: agent, home, policies) and policy.c (the
 * idle and duration policies) share: a session as the API shows it,
 * built by PostgreSQL in one definition.  Not for the rest of ssd-api.
 */
#ifndef SSD_API_SESSIONS_H
#define SSD_API_SESSIONS_H

#include "agentproto.h"

struct request;

#define SES_ISO(col) \
    "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/*
 * A live session whose agent is offline is shown as degraded (the seeds'
 * term) until the agent is back; the stored state is unchanged.  Needs
 * agents a joined on s.agent_id.
 */
#define SES_SHOWN \
    "CASE WHEN s.agent_id IS NOT NULL AND a.status IS DISTINCT FROM " \
    "'online' AND s.state NOT IN ('terminated', 'failed') THEN " \
    "'degraded' ELSE s.state END"
/*
 * Its policies in force: the idle timeout and maximum duration
 * (seconds, 0: none), when each would act (idleDeadline only while it
 * runs), when its viewers were warned, and which policy ended it.
 */
#define SES_POLICY_JSON \
    "'idleTimeoutSeconds', s.idle_timeout_seconds, " \
    "'maxSessionDurationSeconds', s.max_duration_seconds, " \
    "'idleDeadline', CASE WHEN s.state = 'running' AND " \
    "s.idle_timeout_seconds > 0 THEN " SES_ISO("s.last_activity + " \
    "s.idle_timeout_seconds * interval '1 second'") " END, 'endsAt', " \
    "CASE WHEN s.max_duration_seconds > 0 THEN " SES_ISO("s.created_at + " \
    "s.max_duration_seconds * interval '1 second'") " END, 'warnedAt', " \
    SES_ISO("s.policy_warned_at") ", 'endedBy', s.policy_reason"
/* The user's home it mounts (its claim once the agent said). */
#define SES_HOME_JSON \
    "'home', CASE WHEN s.home_namespace IS NOT NULL THEN " \
    "json_build_object('namespace', s.home_namespace, 'claim', " \
    "s.platform_metadata->>'" AP_HOME_CLAIM "', 'exclusive', " \
    "s.home_exclusive) END"
/*
 * A session as the API shows it, built by PostgreSQL from sessions s
 * and users u (one definition for every answer; JSON made in the
 * database costs ssd-api nothing per row).  Columns after it: its id,
 * owner's name and agent, for logs.
 */
#define SES_JSON \
    "json_strip_nulls(json_build_object('id', s.id, 'name', s.id, " \
    "'userId', s.user_id, 'user', COALESCE(u.username, ''), 'template', " \
    "COALESCE(s.template_name, ''), 'state', " SES_SHOWN ", 'status', " \
    "json_build_object('phase', initcap(" SES_SHOWN "), 'podName', " \
    "NULLIF(s.pod_name, '')), 'agentId', COALESCE(s.agent_id, ''), " \
    "'platform', COALESCE(s.platform, ''), 'region', COALESCE(s.region, " \
    "''), 'platformMetadata', COALESCE(s.platform_metadata, '{}'::jsonb), " \
    "'resources', json_build_object('memory', COALESCE(s.memory, ''), " \
    "'cpu', COALESCE(s.cpu, '')), 'persistentHome', " \
    "COALESCE(s.persistent_home, true), 'idleTimeout', " \
    "COALESCE(s.idle_timeout, ''), 'maxSessionDuration', " \
    "COALESCE(s.max_session_duration, ''), " SES_POLICY_JSON ", " \
    SES_HOME_JSON ", 'tags', COALESCE(s.tags, " \
    "'{}'), 'createdAt', " SES_ISO("s.created_at") ", 'updatedAt', " \
    SES_ISO("s.updated_at") ", 'lastActivity', " SES_ISO("s.last_activity") \
    ", 'streamingProtocol', COALESCE(s.streaming_protocol, 'vnc'), " \
    "'streamingPort', COALESCE(s.streaming_port, 5900), 'view', " \
    "ssd_session_view(s.streaming_protocol), 'namespace', " \
    "COALESCE(s.namespace, 'streamspace'), 'legacy', s.agent_id IS NULL))"
#define SES_COLUMNS \
    SES_JSON ", s.id, COALESCE(u.username, ''), COALESCE(s.agent_id, '')"
/*
 * Sessions still holding resources; quotas count them, and so does
 * agents.live_sessions (schema/0007_agent_load.sql, the same test).
 */
#define SES_LIVE	"NOT IN ('terminated', 'failed')"

/* placement.c */
/*
 * PUT .../wake of a hibernated session without an agent: placed on one
 * (sessions.c found it so).
 */
void	placement_legacy(struct request *r);

#endif
