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
X(VNCPROXY_WORKERS, "vncproxy_workers", "VNC_PROXY_WORKERS", INT, NULL, \
    "0", 0, 64, CONF_RESTART, \
    "Number of ssd-vncproxy workers; 0 starts one per online CPU.") \
X(USER, "user", NULL, STRING, NULL, SSD_USER, 0, 0, CONF_RESTART, \
    "Unprivileged user ssd-api and ssd-hub run as.") \
X(RELAY_USER, "relay_user", NULL, STRING, NULL, SSD_RELAY_USER, 0, 0, \
    CONF_RESTART, \
    "Unprivileged user the ssd-vncproxy workers run as.") \
X(CHROOT_DIR, "chroot_dir", NULL, STRING, NULL, SSD_RUNSTATEDIR "/empty", \
    0, 0, CONF_RESTART, \
    "Empty directory the ssd-vncproxy workers are chrooted to; created at " \
    "start-up.") \
X(WORKER_DIR, "worker_dir", NULL, STRING, NULL, SSD_LIBEXECDIR, 0, 0, \
    CONF_RESTART, \
    "Directory holding the ssd-api, ssd-hub and ssd-vncproxy executables.") \
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
X(HANDOFF_MAX_INFLIGHT, "handoff_max_inflight", NULL, INT, NULL, "64", \
    1, 100000, 0, \
    "Connections ssd-api may have handed to one worker without an " \
    "acknowledgement; beyond it new ones get 503.") \
X(JWT_SECRET, "jwt_secret", "JWT_SECRET", SECRET, NULL, NULL, 32, 0, 0, \
    "Key that signs and checks user tokens (HS256).") \
X(DB_PASSWORD, "db_password", "DB_PASSWORD", SECRET, NULL, NULL, 0, 0, 0, \
    "Password of the PostgreSQL role.") \
X(DEBUG_SANDBOX_PROBE, "debug_sandbox_probe", NULL, BOOL, NULL, "no", 0, \
    0, CONF_RESTART, \
    "Test aid: lets ssdctl debug sandbox-probe make a worker attempt a " \
    "forbidden system call.  Never enable in production.")

#endif
