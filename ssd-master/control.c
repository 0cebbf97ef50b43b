/*
 * control.c - the master's control socket: ssdctl sends one JSON request
 * per connection and gets JSON objects back (IMSG_CTL_DATA) and a final
 * IMSG_CTL_END.  Access is the socket's mode (0660) and group; requests
 * are parsed with bounds like any other outside input.  What needs the
 * database beyond migrations goes to ssd-api as it came (IMSG_ADMIN), so
 * that the master, which keeps its capabilities, runs no such queries.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "ipc.h"
#include "master.h"
#include "util.h"

#define CONTROL_MAX_CLIENTS	16
#define CONTROL_QUEUE		(256 * 1024)

struct ctl_conn {
	struct ipc_chan	*chan;
	struct ctl_conn	*next;
	uint32_t	 admin_id;	/* forwarded to ssd-api, or 0 */
	struct event	*admin_timer;
};

static struct ctl_conn *ctl_conns;
static unsigned ctl_nconns;
static uint32_t ctl_admin_seq;

static void
control_send(struct ctl_conn *cc, uint32_t type, cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);

	if (text == NULL || ipc_send(cc->chan, type, 0, -1, text,
	    strlen(text)) == -1)
		log_warnx("control: cannot answer a client");
	free(text);
	cJSON_Delete(obj);
}

static void
control_end(struct ctl_conn *cc, int ok, const char *key, const char *text)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", ok);
	if (text != NULL && *text != '\0')
		cJSON_AddStringToObject(o, key, text);
	control_send(cc, IMSG_CTL_END, o);
}

void
control_reload_done(struct ctl_conn *cc, int ok, const char *text)
{
	if (cc == NULL)
		return;
	control_end(cc, ok, ok ? "message" : "error", text);
}

static void
control_show_workers(struct ctl_conn *cc)
{
	struct worker *w;
	cJSON *o;
	size_t i;

	for (i = 0; i < master->nworkers; i++) {
		w = &master->workers[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", w->name);
		cJSON_AddNumberToObject(o, "pid", w->pid > 0 ? w->pid : 0);
		cJSON_AddStringToObject(o, "state", proc_state_name(w->state));
		cJSON_AddNumberToObject(o, "restarts", w->restarts);
		cJSON_AddNumberToObject(o, "uptime", w->pid > 0 ?
		    (double)((now_ms() - w->started_ms) / 1000) : 0);
		cJSON_AddStringToObject(o, "last_exit", w->last_exit);
		control_send(cc, IMSG_CTL_DATA, o);
	}
	control_end(cc, 1, NULL, NULL);
}

static void
control_log(struct ctl_conn *cc, const char *level_s, const char *name)
{
	int level = level_s ? log_level_parse(level_s) : -1;
	struct worker *w = NULL;
	size_t i;

	if (level == -1) {
		control_end(cc, 0, "error", "level must be debug, info, warn "
		    "or error");
		return;
	}
	if (name != NULL && strcmp(name, "ssd") != 0 &&
	    (w = proc_find(name)) == NULL &&
	    strcmp(name, "ssd-relay") != 0) {
		control_end(cc, 0, "error", "no such worker");
		return;
	}
	log_info("log level of %s set to %s", name ? name : "all processes",
	    log_level_name(level));
	if (name == NULL || strcmp(name, "ssd") == 0)
		log_setlevel(level);
	for (i = 0; i < master->nworkers && (name == NULL ||
	    strcmp(name, "ssd") != 0); i++) {
		if (w != NULL && w != &master->workers[i])
			continue;
		if (w == NULL && name != NULL &&
		    master->workers[i].kind != PROC_RELAY)
			continue;
		proc_send_log_level(&master->workers[i], level);
	}
	control_end(cc, 1, NULL, NULL);
}

static void
control_probe(struct ctl_conn *cc, const char *name, const char *call)
{
	struct imsg_probe p;
	struct worker *w;

	if (!conf_bool(master->conf, S_DEBUG_SANDBOX_PROBE)) {
		control_end(cc, 0, "error", "debug_sandbox_probe is off");
		return;
	}
	if (name == NULL || call == NULL || (w = proc_find(name)) == NULL ||
	    w->chan == NULL) {
		control_end(cc, 0, "error", "no such running worker");
		return;
	}
	memset(&p, 0, sizeof(p));
	ssd_strlcpy(p.what, call, sizeof(p.what));
	ipc_send(w->chan, IMSG_SANDBOX_PROBE, 0, -1, &p, sizeof(p));
	control_end(cc, 1, "message", "probe sent");
}

static void
control_migration(const char *version, int applied, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", version);
	cJSON_AddBoolToObject(o, "applied", applied);
	control_send(arg, IMSG_CTL_DATA, o);
}

/* Blocks the master for as long as the database takes (bounded). */
static void
control_migrate(struct ctl_conn *cc, int status_only)
{
	char err[1024], msg[64];
	int n;

	n = migrate_run(master->conf, status_only, control_migration, cc,
	    err, sizeof(err));
	if (n == -1) {
		log_warnx("ssdctl migrate: %s", err);
		control_end(cc, 0, "error", err);
		return;
	}
	snprintf(msg, sizeof(msg), "%d migration%s applied", n,
	    n == 1 ? "" : "s");
	control_end(cc, 1, "message", status_only ? NULL : msg);
}

/* ssdctl migrate down VERSION: as blocking as control_migrate. */
static void
control_migrate_down(struct ctl_conn *cc, const char *target)
{
	char err[1024], notes[MIGRATE_NOTES_MAX], msg[MIGRATE_NOTES_MAX + 64];
	int n;

	if (target == NULL) {
		control_end(cc, 0, "error", "migrate down VERSION");
		return;
	}
	n = migrate_down(master->conf, target, control_migration, cc, notes,
	    err, sizeof(err));
	if (n == -1) {
		log_warnx("ssdctl migrate down %s: %s", target, err);
		control_end(cc, 0, "error", err);
		return;
	}
	snprintf(msg, sizeof(msg), "%d migration%s reverted%s%s", n,
	    n == 1 ? "" : "s", notes[0] ? "; " : "", notes);
	control_end(cc, 1, "message", msg);
}

static const char *
control_str(const cJSON *req, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
control_admin_done(struct ctl_conn *cc)
{
	cc->admin_id = 0;
	if (cc->admin_timer != NULL) {
		event_free(cc->admin_timer);
		cc->admin_timer = NULL;
	}
}

static void
control_admin_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_conn *cc = arg;

	log_warnx("control: ssd-api did not answer request %u in time",
	    cc->admin_id);
	control_admin_done(cc);
	control_end(cc, 0, "error", "ssd-api did not answer in time; the "
	    "request may or may not have been carried out");
}

/*
 * Hands the request, as the client sent it, to ssd-api, which answers
 * with rows and an end the client gets unchanged (control_admin_msg).
 * Bounded by twice the database's own limits.
 */
static void
control_forward(struct ctl_conn *cc, const char *text, size_t len)
{
	struct worker *w = proc_find("ssd-api");
	uint64_t ms = 2 * (conf_ms(master->conf, S_DB_CONNECT_TIMEOUT) +
	    conf_ms(master->conf, S_DB_QUERY_TIMEOUT)) + 5000;
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	if (w == NULL || w->state != WORKER_READY || w->chan == NULL) {
		control_end(cc, 0, "error", "ssd-api is not running");
		return;
	}
	if (++ctl_admin_seq == 0)
		ctl_admin_seq = 1;
	if (ipc_send(w->chan, IMSG_ADMIN, ctl_admin_seq, -1, text,
	    len) == -1) {
		control_end(cc, 0, "error", "cannot reach ssd-api");
		return;
	}
	cc->admin_id = ctl_admin_seq;
	cc->admin_timer = evtimer_new(master->base, control_admin_timeout,
	    cc);
	evtimer_add(cc->admin_timer, &tv);
}

void
control_admin_msg(uint32_t id, uint32_t type, const char *data, size_t len)
{
	struct ctl_conn *cc;

	for (cc = ctl_conns; cc != NULL && cc->admin_id != id; cc = cc->next)
		;
	if (cc == NULL || id == 0) {
		log_debug("control: answer to request %u, whose client left",
		    id);
		return;
	}
	if (ipc_send(cc->chan, type == IMSG_ADMIN_END ? IMSG_CTL_END :
	    IMSG_CTL_DATA, 0, -1, data, len) == -1)
		log_warnx("control: cannot answer a client");
	if (type == IMSG_ADMIN_END)
		control_admin_done(cc);
}

void
control_admin_lost(void)
{
	struct ctl_conn *cc;

	for (cc = ctl_conns; cc != NULL; cc = cc->next)
		if (cc->admin_id != 0) {
			control_admin_done(cc);
			control_end(cc, 0, "error", "ssd-api stopped before "
			    "answering; the request may or may not have been "
			    "carried out");
		}
}

static void
control_stop_cb(evutil_socket_t fd, short ev, void *arg)
{
	master_shutdown(0);
}


static void
control_request(struct ctl_conn *cc, const char *text, size_t len)
{
	cJSON *req = cJSON_ParseWithLength(text, len);
	const char *cmd = control_str(req, "cmd");

	if (cmd == NULL)
		control_end(cc, 0, "error", "malformed request");
	else if (strcmp(cmd, "show-workers") == 0)
		control_show_workers(cc);
	else if (strcmp(cmd, "reload") == 0)
		master_reload(cc);
	else if (strcmp(cmd, "log") == 0)
		control_log(cc, control_str(req, "level"),
		    control_str(req, "worker"));
	else if (strcmp(cmd, "stop") == 0) {
		control_end(cc, 1, "message", "stopping");
		event_base_once(master->base, -1, EV_TIMEOUT,
		    control_stop_cb, NULL, NULL);
	} else if (strcmp(cmd, "migrate") == 0)
		control_migrate(cc, 0);
	else if (strcmp(cmd, "migrate-status") == 0)
		control_migrate(cc, 1);
	else if (strcmp(cmd, "migrate-down") == 0)
		control_migrate_down(cc, control_str(req, "version"));
	else if (strcmp(cmd, "template-import") == 0 ||
	    strcmp(cmd, "user-add") == 0 || strcmp(cmd, "show-agents") == 0 ||
	    strcmp(cmd, "show-streams") == 0 || strcmp(cmd, "agent") == 0)
		control_forward(cc, text, len);
	else if (strcmp(cmd, "sandbox-probe") == 0)
		control_probe(cc, control_str(req, "worker"),
		    control_str(req, "call"));
	else
		control_end(cc, 0, "error", "unknown command");
	cJSON_Delete(req);
}

static void
control_conn_free(struct ctl_conn *cc)
{
	struct ctl_conn **pp;

	for (pp = &ctl_conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == cc) {
			*pp = cc->next;
			break;
		}
	if (master->reload_client == cc)
		master->reload_client = NULL;
	control_admin_done(cc);
	ipc_chan_free(cc->chan);
	free(cc);
	ctl_nconns--;
}

static void
control_msg(struct ipc_chan *c, struct ipc_msg *m, void *arg)
{
	if (m->type != IMSG_CTL_REQUEST) {
		log_warnx("control: unexpected message type %u", m->type);
		control_conn_free(arg);
		return;
	}
	control_request(arg, (const char *)m->data, m->len);
}

static void
control_closed(struct ipc_chan *c, const char *why, void *arg)
{
	control_conn_free(arg);
}

static const struct ipc_chan_ops control_ops = {
	.msg = control_msg,
	.closed = control_closed,
};

static void
control_accept(evutil_socket_t lfd, short ev, void *arg)
{
	struct ctl_conn *cc;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("control: accept");
		return;
	}
	if (ctl_nconns >= CONTROL_MAX_CLIENTS) {
		log_warnx("control: %d clients already, refusing another",
		    CONTROL_MAX_CLIENTS);
		close(fd);
		return;
	}
	cc = xcalloc(1, sizeof(*cc));
	cc->chan = ipc_chan_new(master->base, fd, "control", 0,
	    CONTROL_QUEUE, &control_ops, cc);
	cc->next = ctl_conns;
	ctl_conns = cc;
	ctl_nconns++;
}

/* A socket that still answers belongs to a running ssd. */
static int
control_in_use(const struct sockaddr_un *sun)
{
	int fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	return rc == 0;
}

static int
control_group_id(gid_t *gid)
{
	const char *name = conf_str(master->conf, S_CONTROL_GROUP);
	struct group *gr;

	*gid = (gid_t)-1;
	if (name == NULL || *name == '\0')
		return 0;
	if ((gr = getgrnam(name)) == NULL) {
		log_error("control_group: no group \"%s\"", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int
control_open(void)
{
	const char *path = conf_str(master->conf, S_CONTROL_SOCKET);
	struct sockaddr_un sun;
	char dir[sizeof(sun.sun_path)];
	mode_t old;
	gid_t gid;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (ssd_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		log_error("control_socket: path too long: %s", path);
		return -1;
	}
	if (control_group_id(&gid) == -1)
		return -1;
	ssd_strlcpy(dir, path, sizeof(dir));
	if (mkdir(dirname(dir), 0755) == -1 && errno != EEXIST) {
		log_error("control_socket: cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (control_in_use(&sun)) {
		log_error("ssd is already running: %s answers", path);
		return -1;
	}
	unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		log_error("control_socket %s: %s", path, strerror(errno));
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) == -1)
		log_warn("control_socket: chown %s", path);
	if (listen(fd, 16) == -1)
		fatal("listen on %s", path);
	master->control_fd = fd;
	return 0;
}

void
control_listen(void)
{
	master->control_ev = event_new(master->base, master->control_fd,
	    EV_READ | EV_PERSIST, control_accept, NULL);
	event_add(master->control_ev, NULL);
}

/* Stops taking clients; those connected keep their answers coming. */
void
control_close(void)
{
	if (master->control_fd == -1)
		return;
	if (master->control_ev != NULL) {
		event_free(master->control_ev);
		master->control_ev = NULL;
	}
	close(master->control_fd);
	master->control_fd = -1;
	unlink(conf_str(master->conf, S_CONTROL_SOCKET));
}
