/*
 * metrics_defs.h - every metric ssd exposes on /metrics, defined once.
 *
 * This table drives the registry (common/metrics.c), the exposition's
 * HELP and TYPE lines, and the METRICS list of ssd-metrics(7), which is
 * generated from it.  Add a row here, never a metric name in the code.
 *
 * X(id, name, type, labels, buckets, who, help)
 *   name: the family; counters get "_total" on their samples.
 *   labels: comma-separated, bounded sets only (never a session id).
 *     Every series also gets worker="..." (the process that counted it)
 *     unless its first label is worker itself (the master's view).
 *   buckets: histogram bucket set (enum metrics_buckets), else NONE.
 *   who: the processes that report it, for the manual.
 */
#ifndef SSD_METRICS_DEFS_H
#define SSD_METRICS_DEFS_H

#define SSD_METRICS(X) \
X(AGENT_STATUS, "streamspace_agent_status", GAUGE, "agent_id,status", \
    NONE, "ssd-hub", \
    "1 for each approved agent's current status (online, offline or " \
    "draining), 0 for the others; from PostgreSQL, refreshed every " \
    "metrics_db_interval and soon after a control link comes or goes.") \
X(SESSION_FAILURES, "streamspace_session_failures", COUNTER, "reason", \
    NONE, "ssd-hub", \
    "Sessions this hub moved to failed: start_failed (the agent failed " \
    "start_session), command_timeout (a start or stop got no answer " \
    "within command_timeout), reported (the agent reported the session " \
    "failed), lost (the agent no longer had it when its link came back).") \
X(VNC_FAILURES, "streamspace_vnc_connection_failures", COUNTER, "reason", \
    NONE, "ssd-api, ssd-relay", \
    "Viewer connections that did not reach the session's VNC server " \
    "(or, for a web-streamed session, its web port).  " \
    "ssd-relay: no_data_link, relay_busy, timeout, link_lost, protocol, " \
    "or the agent's refusal code (unreachable, no-session, refused, " \
    "...); " \
    "ssd-api: agent_offline, relay_unavailable, handoff_failed.") \
X(WORKER_UP, "ssd_worker_up", GAUGE, "worker", NONE, "ssd", \
    "1 while the worker runs and has reported ready, else 0.") \
X(WORKER_RESTARTS, "ssd_worker_restarts", COUNTER, "worker,reason", NONE, \
    "ssd", \
    "Workers restarted by the master, by why they ended: signal, exit " \
    "(while serving), start_failed (before reporting ready), " \
    "unresponsive (killed after missing worker_ping_interval pings).") \
X(RELOADS, "ssd_reloads", COUNTER, "result", NONE, "ssd", \
    "Reloads (SIGHUP, ssdctl reload): ok, or failed (the settings could " \
    "not be read, or workers did not take them in time).") \
X(BUILD_INFO, "ssd_build_info", GAUGE, "version", NONE, "ssd", \
    "Always 1; the version of ssd in its label.") \
X(PROCESS_CPU, "process_cpu_seconds", COUNTER, "", NONE, "every process", \
    "User and system CPU time of the process, in seconds.") \
X(PROCESS_RSS, "process_resident_memory_bytes", GAUGE, "", NONE, \
    "every process", "Resident memory of the process.") \
X(PROCESS_VSIZE, "process_virtual_memory_bytes", GAUGE, "", NONE, \
    "every process", "Virtual memory of the process.") \
X(PROCESS_FDS, "process_open_fds", GAUGE, "", NONE, "every process", \
    "Open file descriptors of the process.") \
X(PROCESS_MAX_FDS, "process_max_fds", GAUGE, "", NONE, "every process", \
    "The process's limit on open file descriptors.") \
X(PROCESS_START, "process_start_time_seconds", GAUGE, "", NONE, \
    "every process", \
    "When the process started, in seconds since the Unix epoch: a new " \
    "value means its counters started again from 0.") \
X(METRICS_STALE, "ssd_metrics_stale", GAUGE, "worker", NONE, "ssd-api", \
    "1 when this scrape shows a worker's last reported values because it " \
    "did not answer within metrics_timeout (restarting, or busy), else 0.") \
X(HTTP_REQUESTS, "ssd_api_requests", COUNTER, "route,method,code", NONE, \
    "ssd-api", \
    "HTTP requests answered by ssd-api, by route pattern of ssd-api(8) " \
    "(unmatched for none), method and status class (2xx...5xx).  " \
    "Connections handed to another worker count in ssd_api_handoffs.") \
X(HTTP_DURATION, "ssd_api_request_duration_seconds", HISTOGRAM, "route", \
    HTTP, "ssd-api", \
    "Time from a complete request head to its answer, by route pattern.") \
X(HTTP_CONNECTIONS, "ssd_api_connections", GAUGE, "", NONE, "ssd-api", \
    "HTTP connections ssd-api holds.") \
X(LOGINS, "ssd_api_logins", COUNTER, "result", NONE, "ssd-api", \
    "POST /api/v1/auth/login: success, failure (wrong credentials or " \
    "disabled account), rate_limited (429), error (database).") \
X(HANDOFFS, "ssd_api_handoffs", COUNTER, "kind,result", NONE, "ssd-api", \
    "Connections handed to another worker, by kind (health, agent_link, " \
    "data_link, viewer) and result: sent, or failed (worker down, busy, " \
    "or the channel full; the client got 503).") \
X(SESSIONS, "ssd_sessions", GAUGE, "state,platform", NONE, "ssd-api", \
    "Sessions in each live state (terminated and failed ones are not " \
    "counted), by platform; from PostgreSQL, refreshed every " \
    "metrics_db_interval.") \
X(DB_UP, "ssd_db_up", GAUGE, "", NONE, "ssd-api, ssd-hub", \
    "1 while at least one PostgreSQL connection of the pool is up.") \
X(DB_CONNECTIONS, "ssd_db_connections", GAUGE, "state", NONE, \
    "ssd-api, ssd-hub", \
    "PostgreSQL connections of the pool: busy (running a statement), " \
    "idle, connecting, down.") \
X(DB_WAITING, "ssd_db_requests_waiting", GAUGE, "", NONE, \
    "ssd-api, ssd-hub", \
    "Statements waiting for a free connection (at most db_queue_max).") \
X(DB_ERRORS, "ssd_db_errors", COUNTER, "kind", NONE, "ssd-api, ssd-hub", \
    "Database errors: query (a statement failed) or connection (a " \
    "connection was lost or could not be made).") \
X(AGENT_LINKS, "ssd_hub_agent_links", GAUGE, "", NONE, "ssd-hub", \
    "Agents' control links this hub holds.") \
X(COMMANDS, "ssd_hub_commands", COUNTER, "type,outcome", NONE, "ssd-hub", \
    "Agent commands by type and outcome: completed, failed, retried (a " \
    "retryable failure sent again later), timeout (no final answer " \
    "within command_timeout).") \
X(COMMAND_DURATION, "ssd_hub_command_duration_seconds", HISTOGRAM, \
    "type", COMMAND, "ssd-hub", \
    "Time from sending a command on its link to its completed or failed " \
    "answer.") \
X(COMMANDS_PENDING, "ssd_hub_commands_pending", GAUGE, "", NONE, \
    "ssd-hub", \
    "Commands of every agent waiting to be sent (the queue in " \
    "PostgreSQL); refreshed every metrics_db_interval.") \
X(COMMAND_OLDEST, "ssd_hub_command_oldest_pending_seconds", GAUGE, "", \
    NONE, "ssd-hub", \
    "Age of the oldest command waiting to be sent, 0 when none waits.") \
X(RELAY_LINKS, "ssd_relay_data_links", GAUGE, "", NONE, "ssd-relay", \
    "Agents' data links this relay holds.") \
X(RELAY_STREAMS, "ssd_relay_streams_open", GAUGE, "", NONE, "ssd-relay", \
    "Viewers' streams this relay holds, opening ones included.") \
X(RELAY_OPENED, "ssd_relay_streams_opened", COUNTER, "", NONE, \
    "ssd-relay", "Streams opened on a data link for a viewer.") \
X(RELAY_CLOSED, "ssd_relay_streams_closed", COUNTER, "code", NONE, \
    "ssd-relay", \
    "Streams ended, by the viewer's WebSocket close code (1000, 1001, " \
    "1006, 1008, 1011, ..., other), or none when the viewer never got " \
    "its 101.") \
X(RELAY_BYTES, "ssd_relay_bytes", COUNTER, "direction", NONE, "ssd-relay", \
    "Stream bytes relayed, VNC and web sessions' alike: to_agent (from " \
    "viewers and browsers) and to_viewer.") \
X(RELAY_STALLS, "ssd_relay_flow_stalls", COUNTER, "cause", NONE, \
    "ssd-relay", \
    "Times a viewer's input was paused: agent_window (the stream's " \
    "credit was used up) or link_congested (the data link's output was " \
    "over half of relay_link_output_max).") \
X(RELAY_OPEN_DURATION, "ssd_relay_stream_open_duration_seconds", \
    HISTOGRAM, "", OPEN, "ssd-relay", \
    "Time from a viewer's hand-off to the agent's answer that the " \
    "session's VNC server is connected.")

#endif
