/*
 * settings.h - every setting of ssd, defined once.
 *
 * This table drives ssd.conf parsing, the environment overrides, `ssd -n`,
 * reloads (CONF_RESTART marks what needs a restart) and the SETTINGS section
 * of ssd.conf(5), which is generated from it.  Add a row here, never a
 * bare number in the code.
 *
 * X(id, key, env, type, choices, default, min, max, flags, doc)
 *   int: min/max are the bounds; duration: milliseconds; size: bytes;
 *   secret: min is the minimum length.
 */
#ifndef SSD_SETTINGS_H
#define SSD_SETTINGS_H

#define SSD_SETTINGS(X) \
X(LISTEN_ADDRESS, "listen_address", "LISTEN_ADDRESS", STRING, NULL, \
    "127.0.0.1", 0, 0, CONF_RESTART, \
    "IPv4 or IPv6 address the HTTP listener binds to.") \
X(PORT, "port", "PORT", INT, NULL, "8080", 1, 65535, CONF_RESTART, \
    "TCP port of the HTTP listener (API, web UI, agent and VNC WebSockets).") \
X(RELAY_WORKERS, "relay_workers", "VNC_PROXY_WORKERS", INT, NULL, \
    "0", 0, 64, CONF_RESTART, \
    "Number of ssd-relay workers; 0 starts one per online CPU.") \
X(USER, "user", NULL, STRING, NULL, SSD_USER, 0, 0, CONF_RESTART, \
    "Unprivileged user ssd-api and ssd-hub run as.") \
X(RELAY_USER, "relay_user", NULL, STRING, NULL, SSD_RELAY_USER, 0, 0, \
    CONF_RESTART, \
    "Unprivileged user the ssd-relay workers run as.") \
X(CHROOT_DIR, "chroot_dir", NULL, STRING, NULL, SSD_RUNSTATEDIR "/empty", \
    0, 0, CONF_RESTART, \
    "Empty directory the ssd-relay workers are chrooted to; created at " \
    "start-up.") \
X(WORKER_DIR, "worker_dir", NULL, STRING, NULL, SSD_LIBEXECDIR, 0, 0, \
    CONF_RESTART, \
    "Directory holding the ssd-api, ssd-hub and ssd-relay executables.") \
X(CONTROL_SOCKET, "control_socket", NULL, STRING, NULL, \
    SSD_RUNSTATEDIR "/ssd.sock", 0, 0, CONF_RESTART, \
    "Path of the control socket used by ssdctl (mode 0660).") \
X(CONTROL_GROUP, "control_group", NULL, STRING, NULL, "", 0, 0, \
    CONF_RESTART, \
    "Group owning the control socket; members may use ssdctl.  Empty: the " \
    "group of the user running ssd.") \
X(LOG_LEVEL, "log_level", "LOG_LEVEL", ENUM, "debug|info|warn|error", \
    "info", 0, 0, 0, \
    "Least severe level logged by every process; ssdctl log changes it " \
    "at run time.") \
X(LOG_LIMIT_INTERVAL, "log_limit_interval", NULL, DURATION, NULL, "10s", \
    1000, 3600000, 0, \
    "Interval over which log_repeat_max and log_similar_max count the " \
    "lines of every process; at its end, what they held back is said " \
    "in one line per kind.") \
X(LOG_REPEAT_MAX, "log_repeat_max", NULL, INT, NULL, "5", 0, 1000000, 0, \
    "Times one line, word for word, is logged within log_limit_interval; " \
    "further repeats are counted and said once as \"LINE [repeated N " \
    "more times]\".  Lines about different objects (agents, sessions, " \
    "clients) differ, so they are never counted as repeats of each " \
    "other.  Debug lines are not limited.  0: no limit.") \
X(LOG_SIMILAR_MAX, "log_similar_max", NULL, INT, NULL, "200", 0, 1000000, \
    0, \
    "Lines of one kind (one message, whatever it is about) logged " \
    "within log_limit_interval, so that a flood of peers cannot fill the " \
    "disk; the rest are counted and said once as \"N similar lines " \
    "suppressed, the first: LINE\".  0: no limit.") \
X(SHUTDOWN_TIMEOUT, "shutdown_timeout", "SHUTDOWN_TIMEOUT", DURATION, NULL, \
    "10s", 1000, 600000, 0, \
    "How long workers may drain connections at shutdown before they are " \
    "killed.") \
X(WORKER_START_TIMEOUT, "worker_start_timeout", NULL, DURATION, NULL, \
    "10s", 1000, 300000, 0, \
    "How long a starting worker may take to report ready before it is " \
    "killed and counted as a failed start.") \
X(WORKER_PING_INTERVAL, "worker_ping_interval", NULL, DURATION, NULL, \
    "5s", 100, 60000, 0, \
    "Interval of the master's liveness pings to its workers; a worker " \
    "missing three answers in a row is killed and restarted.") \
X(CRASH_LIMIT, "crash_limit", NULL, INT, NULL, "5", 1, 1000, CONF_RESTART, \
    "Failures of one worker within crash_window that make ssd give up and " \
    "exit non-zero.") \
X(CRASH_WINDOW, "crash_window", NULL, DURATION, NULL, "60s", 1000, \
    3600000, 0, \
    "Window over which crash_limit counts worker failures.") \
X(HTTP_MAX_HEADER_SIZE, "http_max_header_size", NULL, SIZE, NULL, \
    "16KiB", 1024, 1048576, 0, \
    "Largest request line plus headers accepted (431 or 414 beyond).") \
X(HTTP_MAX_BODY_SIZE, "http_max_body_size", "HTTP_MAX_BODY_SIZE", SIZE, \
    NULL, "1MiB", 1024, 1073741824, 0, \
    "Largest request body accepted (413 beyond).") \
X(HTTP_HEADER_TIMEOUT, "http_header_timeout", NULL, DURATION, NULL, "10s", \
    100, 600000, 0, \
    "Time a client has to send a complete request head.") \
X(HTTP_BODY_TIMEOUT, "http_body_timeout", NULL, DURATION, NULL, "30s", \
    100, 3600000, 0, \
    "Time a client has to send a complete request body.") \
X(HTTP_IDLE_TIMEOUT, "http_idle_timeout", NULL, DURATION, NULL, "60s", \
    100, 3600000, 0, \
    "Time an idle keep-alive connection is kept open.") \
X(HTTP_WRITE_TIMEOUT, "http_write_timeout", NULL, DURATION, NULL, "30s", \
    100, 3600000, 0, \
    "Time a client may take to accept response bytes before it is cut " \
    "off.") \
X(HTTP_MAX_CONNECTIONS, "http_max_connections", NULL, INT, NULL, "10000", \
    1, 1000000, 0, \
    "Most HTTP connections ssd-api holds at once.") \
X(HTTP_MAX_PER_ADDRESS, "http_max_connections_per_address", NULL, INT, \
    NULL, "256", 1, 1000000, 0, \
    "Most HTTP connections from one client address.") \
X(TRUSTED_PROXIES, "trusted_proxies", "TRUSTED_PROXIES", STRING, NULL, "", \
    0, 0, 0, \
    "Reverse proxies whose X-Forwarded-For names the client: IPv4 or IPv6 " \
    "addresses or networks (192.0.2.0/24), separated by commas or spaces, " \
    "at most 64.  A request from one of them is logged, audited and " \
    "rate-limited by the rightmost address in X-Forwarded-For that is not " \
    "itself a trusted proxy; from anyone else the header is ignored.  " \
    "Empty: trust no one.") \
X(AUDIT_REFUSED_INTERVAL, "audit_refused_interval", NULL, DURATION, NULL, \
    "1m", 1000, 86400000, 0, \
    "Refused requests that would be audited (answered 4xx or 5xx) are " \
    "recorded one by one only for the first audit_refused_each of each " \
    "kind (client address, user, name a login tried, method, resource " \
    "type, status) in this interval; the others are counted, and when " \
    "the interval ends one audit row (action \"refused requests\") per " \
    "kind says how many, first and last seen, with an example.  A flood " \
    "of refused requests thus costs a bounded number of rows and never " \
    "takes the database from ordinary requests.") \
X(AUDIT_REFUSED_EACH, "audit_refused_each", NULL, INT, NULL, "10", 1, \
    1000000, 0, \
    "Refused requests of one kind recorded one by one in an " \
    "audit_refused_interval, before the rest are counted.") \
X(AUDIT_REFUSED_KINDS, "audit_refused_kinds", NULL, INT, NULL, "256", 1, \
    1000000, 0, \
    "Kinds of refused request counted apart in one audit_refused_interval " \
    "(about 500 bytes each); refused requests of further kinds are " \
    "counted together in one row, none recorded on its own.") \
X(HANDOFF_MAX_INFLIGHT, "handoff_max_inflight", NULL, INT, NULL, "64", \
    1, 100000, 0, \
    "Connections ssd-api may have handed to one worker without an " \
    "acknowledgement; beyond it new ones get 503.") \
X(DB_HOST, "db_host", "DB_HOST", STRING, NULL, "localhost", 0, 0, \
    CONF_RESTART, \
    "PostgreSQL server: host name, address, or the directory of its Unix " \
    "socket (a path starting with /).") \
X(DB_PORT, "db_port", "DB_PORT", INT, NULL, "5432", 1, 65535, CONF_RESTART, \
    "PostgreSQL port (also names the Unix socket).") \
X(DB_NAME, "db_name", "DB_NAME", STRING, NULL, "streamspace", 0, 0, \
    CONF_RESTART, "PostgreSQL database.") \
X(DB_USER, "db_user", "DB_USER", STRING, NULL, "streamspace", 0, 0, \
    CONF_RESTART, "PostgreSQL role.") \
X(DB_SSL_MODE, "db_ssl_mode", "DB_SSL_MODE", ENUM, \
    "disable|allow|prefer|require|verify-ca|verify-full", "prefer", 0, 0, \
    CONF_RESTART, \
    "TLS to PostgreSQL, as libpq's sslmode.") \
X(DB_POOL_SIZE, "db_pool_size", "DB_POOL_SIZE", INT, NULL, "4", 1, 64, \
    CONF_RESTART, \
    "PostgreSQL connections each of ssd-api and ssd-hub keeps.") \
X(DB_QUEUE_MAX, "db_queue_max", NULL, INT, NULL, "1024", 1, 100000, \
    CONF_RESTART, \
    "Queries a worker may have waiting for a connection; beyond it " \
    "requests get 503.") \
X(DB_CONNECT_TIMEOUT, "db_connect_timeout", NULL, DURATION, NULL, "5s", \
    2000, 300000, CONF_RESTART, \
    "Time a connection attempt to PostgreSQL may take.") \
X(DB_QUERY_TIMEOUT, "db_query_timeout", NULL, DURATION, NULL, "10s", 100, \
    600000, CONF_RESTART, \
    "Longest a statement may run (PostgreSQL statement_timeout).") \
X(SCHEMA_DIR, "schema_dir", NULL, STRING, NULL, SSD_DATADIR "/schema", 0, \
    0, CONF_RESTART, \
    "Directory of the numbered SQL migrations (NNNN_name.sql).") \
X(AUTO_MIGRATE, "auto_migrate", "AUTO_MIGRATE", BOOL, NULL, "yes", 0, 0, \
    CONF_RESTART, \
    "Apply pending migrations when ssd starts; if the database cannot be " \
    "reached or a migration fails, ssd does not start.  With no, " \
    "migrations are applied only by ssd -M or ssdctl migrate.") \
X(API_CACHE_SIZE, "api_cache_size", NULL, SIZE, NULL, "16MiB", 0, \
    1073741824, 0, \
    "Memory ssd-api may use for answers it reuses (token checks, session " \
    "lists); 0 turns the cache off.") \
X(API_CACHE_TTL, "api_cache_ttl", NULL, DURATION, NULL, "5s", 100, \
    60000, 0, \
    "Longest a cached answer is reused.  Changes made through any " \
    "control plane sharing the database empty the cache at once " \
    "(PostgreSQL NOTIFY); this bounds staleness if a notification is " \
    "lost.") \
X(JWT_LIFETIME, "jwt_lifetime", "JWT_LIFETIME", DURATION, NULL, "24h", \
    60000, 2592000000, 0, \
    "How long a user token issued by login or refresh is valid.") \
X(LOGIN_MAX_FAILURES, "login_max_failures", NULL, INT, NULL, "10", 1, \
    10000, 0, \
    "Failed logins from one client address (an IPv6 client by its /64) " \
    "within login_failure_window after which its attempts get 429 until " \
    "the window has passed; and failed logins for one user name after " \
    "which addresses it has not logged in from before get one attempt " \
    "per login_slow_interval between them (the user is slowed down, not " \
    "locked out).") \
X(LOGIN_FAILURE_WINDOW, "login_failure_window", NULL, DURATION, NULL, \
    "15m", 1000, 86400000, 0, \
    "Window over which login_max_failures counts, and the longest " \
    "back-off of one user name from one address.") \
X(LOGIN_BACKOFF_AFTER, "login_backoff_after", NULL, INT, NULL, "3", 0, \
    1000, 0, \
    "Failed logins of one user name from one address after which each " \
    "further attempt from there waits 1 s, then 2 s, 4 s... (at most " \
    "login_failure_window); a successful login ends it.") \
X(LOGIN_SLOW_INTERVAL, "login_slow_interval", NULL, DURATION, NULL, "10s", \
    1000, 3600000, 0, \
    "While a user name has login_max_failures failures in the window, " \
    "the time between two attempts from addresses it has not logged in " \
    "from.") \
X(BULK_IMPORT_MAX, "bulk_import_max", NULL, INT, NULL, "1000", 1, 100000, \
    0, \
    "Most StreamSpace v1.x sessions one POST /api/v1/sessions/bulk-import " \
    "takes; its body is bounded by http_max_body_size as well.") \
X(PASSWORD_HASH_THREADS, "password_hash_threads", NULL, INT, NULL, "2", 1, \
    16, CONF_RESTART, \
    "Threads of ssd-api that check and make password hashes, beside its " \
    "event loop (a hash takes tens of milliseconds of CPU).") \
X(PASSWORD_HASH_QUEUE, "password_hash_queue", NULL, INT, NULL, "64", 1, \
    100000, 0, \
    "Password checks and hashes that may wait for a thread; beyond it " \
    "logins and password changes get 503 with Retry-After.") \
X(VIEWER_TICKET_TTL, "viewer_ticket_ttl", NULL, DURATION, NULL, "30s", \
    1000, 600000, 0, \
    "How long a viewer ticket (POST /api/v1/sessions/ID/viewer-ticket) " \
    "stays valid; each ticket is good for one viewer connection.") \
X(VIEWER_MAX_PER_SESSION, "viewer_max_per_session", NULL, INT, NULL, "10", \
    0, 10000, 0, \
    "Viewers one session may have open at once; one more gets 429 " \
    "too_many_viewers.  0: no limit.") \
X(VIEWER_MAX_PER_USER, "viewer_max_per_user", NULL, INT, NULL, "20", 0, \
    100000, 0, \
    "Viewers one user may have open at once, over all sessions; one more " \
    "gets 429 too_many_viewers.  0: no limit.") \
X(SESSION_IDLE_TIMEOUT, "session_idle_timeout", "SESSION_IDLE_TIMEOUT", \
    DURATION, NULL, "30m", 0, 315360000000, 0, \
    "A session no viewer has sent input to (keys, pointer, clipboard) " \
    "for this long is hibernated, unless its template, its owner's or " \
    "their groups' policy says otherwise; 0: never.") \
X(SESSION_MAX_DURATION, "session_max_duration", "SESSION_MAX_DURATION", \
    DURATION, NULL, "0", 0, 315360000000, 0, \
    "A session this old is stopped (its home is kept), unless its " \
    "template, its owner's or their groups' policy says otherwise; 0: " \
    "never.") \
X(SESSION_WARNING_TIME, "session_warning_time", NULL, DURATION, NULL, \
    "5m", 0, 86400000, 0, \
    "How long before a policy hibernates or stops a session its viewers " \
    "are warned (a sessionWarning event); 0: no warning.") \
X(SESSION_POLICY_INTERVAL, "session_policy_interval", NULL, DURATION, \
    NULL, "10s", 1000, 3600000, 0, \
    "How often ssd-api looks for sessions a policy ends (one statement " \
    "for all; with several control planes each session is acted on " \
    "once).  A policy acts at most this late.") \
X(POLICY_DURATION_MAX, "policy_duration_max", NULL, DURATION, NULL, \
    "366d", 60000, 315360000000, 0, \
    "Longest idle timeout or maximum duration a template, a user's or a " \
    "group's policy or a session may ask for; longer ones are refused " \
    "(400).") \
X(HOME_ACCESS_MODE, "home_access_mode", NULL, ENUM, \
    "ReadWriteMany|ReadWriteOnce|ReadWriteOncePod", "ReadWriteMany", 0, 0, \
    0, \
    "Access mode of a new home claim.  With ReadWriteOnce or " \
    "ReadWriteOncePod a user has at most one live session per agent " \
    "namespace that mounts it: a second is refused (409 home_in_use).") \
X(HOME_SIZE, "home_size", NULL, SIZE, NULL, "10GiB", 1048576, \
    1125899906842624, 0, \
    "Size of a new home claim, at most the owner's storage quota " \
    "(user_quotas.max_storage, 50Gi without one).") \
X(HOME_STORAGE_CLASS, "home_storage_class", NULL, STRING, NULL, "", 0, 0, \
    0, \
    "Storage class of a new home claim; empty: the agent's " \
    "STORAGE_CLASS, else the cluster's default class.") \
X(CAPACITY_COUNT_HIBERNATED, "capacity_count_hibernated", NULL, BOOL, \
    NULL, "yes", 0, 0, 0, \
    "Whether an agent's hibernated sessions count against its " \
    "max_sessions, max_cpu and max_memory (their room is kept for when " \
    "they wake).  With no, more sessions are placed and a wake may find " \
    "no room.") \
X(NOVNC_DIR, "novnc_dir", NULL, STRING, NULL, "/usr/share/novnc", 0, 0, 0, \
    "Where noVNC is installed (Debian's novnc package); ssd-api serves it " \
    "under /novnc/ for the web UI's session view.") \
X(WEB_DIR, "web_dir", NULL, STRING, NULL, SSD_DATADIR "/web", 0, 0, 0, \
    "The web UI's files (HTML, CSS, JavaScript modules), served by ssd-api " \
    "under /ui/; its pages (/, /sessions/ID, /admin/...) all load " \
    "index.html from here.") \
X(WEB_ORIGIN, "web_origin", "WEB_ORIGIN", STRING, NULL, "", 0, 0, 0, \
    "The web UI's origin as browsers see it (https://ssd.example.org), " \
    "against which requests authenticated by the UI's cookie are checked " \
    "(CSRF).  Empty: http or https on the request's Host.  Set it when a " \
    "front end rewrites Host.") \
X(WEB_COOKIE_SECURE, "web_cookie_secure", NULL, ENUM, "auto|yes|no", \
    "auto", 0, 0, 0, \
    "Whether the UI's login cookie is Secure (sent over HTTPS only; its " \
    "name is then __Host-ssd, else ssd).  auto: Secure unless " \
    "listen_address is a loopback address.  Behind a TLS front end on " \
    "the same host, say yes.") \
X(SESSION_DOMAIN, "session_domain", "SESSION_DOMAIN", STRING, NULL, "", 0, \
    0, 0, \
    "Domain under which each web-streamed session (KasmVNC, Selkies: a " \
    "web application on its pod's HTTP port) gets an origin of its own, " \
    "s-LABEL.DOMAIN, with the scheme and port of the web UI's; DNS (and " \
    "a TLS certificate) must cover *.DOMAIN.  With localhost, browsers " \
    "resolve *.localhost themselves.  Better not a subdomain of the UI's " \
    "site.  Empty: web-streamed sessions cannot be opened (ssd never " \
    "serves them on the UI's origin, where their pages could act as the " \
    "user).") \
X(SESSION_COOKIE_LIFETIME, "session_cookie_lifetime", NULL, DURATION, \
    NULL, "12h", 60000, 2592000000, 0, \
    "How long the cookie of a web-streamed session's origin, given for a " \
    "viewer ticket, is good for (the user must still be active and allowed " \
    "to see the session, which must be running, at each new connection).") \
X(EVENTS_MAX_CONNECTIONS, "events_max_connections", NULL, INT, NULL, \
    "4096", 1, 1000000, 0, \
    "Most open GET /api/v1/events streams (Server-Sent Events); beyond " \
    "it new ones get 503.") \
X(EVENTS_MAX_PER_USER, "events_max_per_user", NULL, INT, NULL, "32", 1, \
    1000000, 0, \
    "Most open event streams of one user; beyond it new ones get 429.") \
X(EVENTS_QUEUE_MAX, "events_queue_max", NULL, SIZE, NULL, "256KiB", 4096, \
    67108864, 0, \
    "Event bytes that may wait for one event stream's client; a client " \
    "that lets more pile up is disconnected (it resynchronises when it " \
    "reconnects).") \
X(EVENTS_KEEPALIVE, "events_keepalive", NULL, DURATION, NULL, "15s", 1000, \
    300000, 0, \
    "Interval of the comment lines that keep idle event streams (and " \
    "the proxies in front of them) open.") \
X(ADMIN_PASSWORD, "admin_password", "ADMIN_PASSWORD", SECRET, NULL, NULL, \
    12, 0, 0, \
    "Password of the first administrator, user admin: set by ssd at " \
    "start when that user has none yet.") \
X(AGENT_BOOTSTRAP_KEY, "agent_bootstrap_key", "AGENT_BOOTSTRAP_KEY", \
    SECRET, NULL, NULL, 16, 0, 0, \
    "Key a new agent may register with; it then waits for an " \
    "administrator's approval and receives its own key.  Unset: agents " \
    "must be added with ssdctl agent add.") \
X(AGENT_REGISTER_RATE, "agent_register_rate", NULL, INT, NULL, "60", 1, \
    100000, 0, \
    "Registrations accepted per minute from one client address.") \
X(AGENT_HEARTBEAT_INTERVAL, "agent_heartbeat_interval", \
    "AGENT_HEARTBEAT_INTERVAL", DURATION, NULL, "30s", 1000, 600000, 0, \
    "How often agents are asked to send a heartbeat (told in the hello " \
    "answer); ssd-hub also pings each link this often.") \
X(AGENT_TIMEOUT, "agent_timeout", "AGENT_TIMEOUT", DURATION, NULL, "90s", \
    2000, 3600000, 0, \
    "An agent silent this long is disconnected and marked offline.") \
X(COMMAND_TIMEOUT, "command_timeout", "COMMAND_TIMEOUT", DURATION, NULL, \
    "5m", 1000, 86400000, 0, \
    "A command without a final answer this long after it was queued " \
    "ends as timeout, and its session leaves its transitional state " \
    "(a start or stop fails, a hibernation stays running, a wake stays " \
    "hibernated).") \
X(COMMAND_MAX_RETRIES, "command_max_retries", NULL, INT, NULL, "3", 0, \
    100, 0, \
    "How often a command an agent failed as retryable is sent again, " \
    "after 1 s, 2 s, 4 s... (at most 60 s), within command_timeout.") \
X(AGENT_MAX_MESSAGE, "agent_max_message", NULL, SIZE, NULL, "1MiB", 1024, \
    67108864, 0, \
    "Largest message accepted on an agent's control link.") \
X(AGENT_MAX_OUTPUT, "agent_max_output", NULL, SIZE, NULL, "8MiB", 65536, \
    1073741824, 0, \
    "Bytes ssd-hub may have queued for one agent: at this bound it stops " \
    "reading the link, and a command that does not fit closes the link " \
    "(1008, agent not reading).") \
X(AGENT_MAX_BAD_MESSAGES, "agent_max_bad_messages", NULL, INT, NULL, "10", \
    0, 100000, 0, \
    "Malformed or unexpected messages an agent's control link may send " \
    "(each answered with an error message) before it is closed (1008).") \
X(AGENT_MESSAGE_RATE, "agent_message_rate", NULL, INT, NULL, "200", 1, \
    1000000, 0, \
    "Messages a second an agent's control link may send on average; " \
    "a link that sends agent_message_burst more than that is closed " \
    "(1008, message rate limit exceeded), which ssd-hub logs once with " \
    "the agent's id.") \
X(AGENT_MESSAGE_BURST, "agent_message_burst", NULL, INT, NULL, "10000", \
    1, 100000000, 0, \
    "Messages an agent may send at once beyond agent_message_rate (an " \
    "agent back from an outage sends the session states it kept, up to " \
    "4096).") \
X(AGENT_MAX_QUERIES, "agent_max_queries", NULL, INT, NULL, "16", 1, \
    100000, 0, \
    "Database queries the messages of one agent's control link may have " \
    "waiting or running in ssd-hub, its share of db_queue_max: at this " \
    "bound the hub stops reading the link until one is done, so that " \
    "one busy or hostile agent cannot fill the queue all agents share.") \
X(AGENT_STOP_UNKNOWN_INTERVAL, "agent_stop_unknown_interval", NULL, \
    DURATION, NULL, "10m", 1000, 86400000, 0, \
    "A session an agent reports that the control plane does not want " \
    "(unknown, ended or another agent's) gets a stop_session command at " \
    "most once in this interval, however often it is reported.") \
X(AGENT_STOP_UNKNOWN_MAX, "agent_stop_unknown_max", NULL, INT, NULL, \
    "1000", 0, 1000000, 0, \
    "stop_session commands for such sessions one agent may be sent " \
    "within agent_stop_unknown_interval, whatever its sessions messages " \
    "list; the rest wait for a later list.") \
X(VNC_PROXY_TIMEOUT, "vnc_proxy_timeout", "VNC_PROXY_TIMEOUT", DURATION, \
    NULL, "2m", 10000, 86400000, 0, \
    "A viewer's VNC WebSocket from which nothing (not even the answer to " \
    "a ping: ssd-relay pings every 30 s, or a third of this if less) " \
    "has been heard this long is closed.") \
X(RELAY_WINDOW_MAX, "relay_window_max", NULL, SIZE, NULL, "4MiB", 262144, \
    2147483647, 0, \
    "Largest receive window ssd-relay grants one stream of an agent's " \
    "data link (windows start at 256 KiB and grow to this on fast " \
    "streams); a viewer's queued output is bounded by twice this.") \
X(RELAY_LINK_BUFFER_MAX, "relay_link_buffer_max", NULL, SIZE, NULL, \
    "512MiB", 16777216, 68719476736, 0, \
    "Sum of the receive windows of all streams of one data link: every " \
    "byte an agent can make ssd-relay hold for it.  Streams beyond it " \
    "are refused; it also caps a link at this / 256 KiB streams.") \
X(RELAY_LINK_OUTPUT_MAX, "relay_link_output_max", NULL, SIZE, NULL, \
    "8MiB", 262144, 1073741824, 0, \
    "Bytes ssd-relay may have queued for one data link; above half of " \
    "it viewers' input waits, and a link that keeps it full is closed " \
    "(1008, agent not reading).") \
X(RELAY_LINK_TIMEOUT, "relay_link_timeout", NULL, DURATION, NULL, "5s", \
    2000, 600000, 0, \
    "A data link from which nothing (not even the answer to a ping; " \
    "ssd-relay pings every second) was heard this long is closed.") \
X(RELAY_OPEN_TIMEOUT, "relay_open_timeout", NULL, DURATION, NULL, "10s", \
    1000, 600000, 0, \
    "How long a viewer's stream waits for the agent to open it (then " \
    "504), and how long a closed stream waits for the agent's end.") \
X(RELAY_VIEWER_MAX_MESSAGE, "relay_viewer_max_message", NULL, SIZE, \
    NULL, "256KiB", 4096, 16777216, 0, \
    "Largest WebSocket message ssd-relay takes from a viewer.") \
X(RELAY_ACTIVITY_INTERVAL, "relay_activity_interval", NULL, DURATION, \
    NULL, "10s", 100, 600000, 0, \
    "How often each ssd-relay reports the sessions whose viewers sent " \
    "input (one message per session), which keeps them from idle " \
    "hibernation; keep it well below the shortest idle timeout.") \
X(WEB_STREAM_IDLE_TIMEOUT, "web_stream_idle_timeout", NULL, DURATION, \
    NULL, "10m", 10000, 86400000, 0, \
    "A connection to a web-streamed session (carried by ssd-relay as " \
    "bytes, without looking into them) that moved no byte either way for " \
    "this long is closed.") \
X(METRICS, "metrics", NULL, BOOL, NULL, "yes", 0, 0, 0, \
    "Serve GET /metrics (Prometheus; ssd-metrics(7) lists what it shows) " \
    "and count what it shows.  With no, /metrics answers 404 and the " \
    "workers count nothing.") \
X(METRICS_ALLOW, "metrics_allow", NULL, STRING, NULL, "127.0.0.1, ::1", 0, \
    0, 0, \
    "Who may read /metrics on the main listener: IPv4 or IPv6 addresses " \
    "or networks, as trusted_proxies.  A request through a proxy is " \
    "judged by the client address the proxy names, and refused when the " \
    "proxy is not in trusted_proxies.  Empty: nobody (then only " \
    "metrics_listen serves it).") \
X(METRICS_LISTEN, "metrics_listen", NULL, STRING, NULL, "", 0, 0, \
    CONF_RESTART, \
    "A listener of its own for /metrics and nothing else, as address:port " \
    "(192.0.2.1:9101, [2001:db8::1]:9101): whoever reaches it may read " \
    "the metrics, so bind it to a monitoring network.  Empty: none.") \
X(METRICS_TIMEOUT, "metrics_timeout", NULL, DURATION, NULL, "5s", 100, \
    60000, 0, \
    "How long a scrape waits for each worker's numbers; one that has not " \
    "answered by then (restarting, busy) is shown with its last ones and " \
    "ssd_metrics_stale 1.  Keep it below Prometheus's scrape_timeout.") \
X(METRICS_DB_INTERVAL, "metrics_db_interval", NULL, DURATION, NULL, "15s", \
    1000, 3600000, 0, \
    "How often ssd-api and ssd-hub refresh what /metrics shows from " \
    "PostgreSQL (sessions by state, agents' status, the command queue): " \
    "one query each per interval, whatever the number of scrapes.") \
X(METRICS_MAX_SIZE, "metrics_max_size", NULL, SIZE, NULL, "64MiB", \
    1048576, 1073741824, 0, \
    "Largest part of /metrics one process may send (ssd-hub's is about " \
    "250 bytes per agent, so 64 MiB holds some 250,000 agents); what " \
    "does not fit is left out and logged.") \
X(JWT_SECRET, "jwt_secret", "JWT_SECRET", SECRET, NULL, NULL, 32, 0, 0, \
    "Key that signs and checks user tokens (HS256).") \
X(DB_PASSWORD, "db_password", "DB_PASSWORD", SECRET, NULL, NULL, 0, 0, \
    CONF_RESTART, \
    "Password of the PostgreSQL role.") \
X(DEBUG_SANDBOX_PROBE, "debug_sandbox_probe", NULL, BOOL, NULL, "no", 0, \
    0, CONF_RESTART, \
    "Test aid: lets ssdctl debug sandbox-probe make a worker attempt a " \
    "forbidden system call.  Never enable in production.")

/*
 * Other names the seeds give settings' environment variables (their
 * deployment guides, 002 and 004, and 000's v2.0 list).  A setting's own
 * variable wins; if both are set, ssd says so at start.
 * X(id, env, whose name)
 */
#define SSD_ENV_ALIASES(X) \
X(AGENT_TIMEOUT, "AGENT_HEARTBEAT_TIMEOUT", "StreamSpace 2.0's name")

/*
 * The seeds' control-plane variables that ssd has no setting for (000,
 * 001 and its v1.x-to-v2.0 table): when one is set, ssd names it at
 * start with what replaced it, instead of ignoring it silently.
 * X(env, what replaced it)
 */
#define SSD_ENV_RETIRED(X) \
X("VNC_PROXY_ENABLED", "the VNC proxy, ssd-vncproxy, is always on") \
X("VNC_INGRESS_ENABLED", "viewers reach sessions through the VNC proxy, " \
    "always on, never through an ingress per session") \
X("CONTROLLER_ENABLED", "the StreamSpace 1.x controller is replaced by " \
    "agents (ssd-agent-k8s) that dial in") \
X("AGENT_K8S_ENABLED", "agents need no switch: each one an administrator " \
    "approved is used once it dials in") \
X("SESSION_NAMESPACE", "each agent puts sessions in its own namespace " \
    "(NAMESPACE of ssd-agent-k8s)") \
X("K8S_AGENT_NAMESPACE", "it is the agent's setting (NAMESPACE of " \
    "ssd-agent-k8s)")

#endif
