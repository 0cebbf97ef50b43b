/*
 * ssdctl.c - the control tool: one request to the master's control socket,
 * the answers printed as a table or, with -j, as JSON lines.  Blocking I/O
 * with a timeout on every wait; exit 1 with one clear line on any failure.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ipc.h"
#include "proto.h"
#include "util.h"
#include "yamljson.h"

#define SSDCTL_TIMEOUT_MS	60000
#define SSDCTL_FILE_MAX		(1024 * 1024)
#define SSDCTL_PASSWORD_MAX	1024

static int json_output;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: ssdctl [-j] [-s socket] command [argument ...]\n"
	    "commands:\n"
	    "  show workers | agents | homes | streams\n"
	    "  agent approve | reject | add | drain | undrain id\n"
	    "  home delete user [namespace]\n"
	    "  reload\n"
	    "  migrate [status | down version]\n"
	    "  template import file ...\n"
	    "  user add name [user|operator|admin]   (password on stdin)\n"
	    "  log debug|info|warn|error [worker]\n"
	    "  stop\n"
	    "  debug sandbox-probe worker call\n");
	exit(2);
}

static void __attribute__((noreturn))
die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("ssdctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int
ssdctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (ssd_strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		die("%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			die("ssd is not running (no answer on %s)", path);
		if (errno == EACCES)
			die("%s: permission denied (root or the control "
			    "group only)", path);
		die("%s: %s", path, strerror(errno));
	}
	return fd;
}

static cJSON *
ssdctl_request(int argc, char *argv[])
{
	cJSON *req = cJSON_CreateObject();

	if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "workers") == 0)
		cJSON_AddStringToObject(req, "cmd", "show-workers");
	else if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "agents") == 0)
		cJSON_AddStringToObject(req, "cmd", "show-agents");
	else if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "homes") == 0)
		cJSON_AddStringToObject(req, "cmd", "show-homes");
	else if ((argc == 3 || argc == 4) && strcmp(argv[0], "home") == 0 &&
	    strcmp(argv[1], "delete") == 0) {
		cJSON_AddStringToObject(req, "cmd", "home-delete");
		cJSON_AddStringToObject(req, "user", argv[2]);
		if (argc == 4)
			cJSON_AddStringToObject(req, "namespace", argv[3]);
	} else if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "streams") == 0)
		cJSON_AddStringToObject(req, "cmd", "show-streams");
	else if (argc == 3 && strcmp(argv[0], "agent") == 0) {
		cJSON_AddStringToObject(req, "cmd", "agent");
		cJSON_AddStringToObject(req, "what", argv[1]);
		cJSON_AddStringToObject(req, "agent", argv[2]);
	} else if (argc == 1 && strcmp(argv[0], "reload") == 0)
		cJSON_AddStringToObject(req, "cmd", "reload");
	else if (argc == 1 && strcmp(argv[0], "migrate") == 0)
		cJSON_AddStringToObject(req, "cmd", "migrate");
	else if (argc == 2 && strcmp(argv[0], "migrate") == 0 &&
	    strcmp(argv[1], "status") == 0)
		cJSON_AddStringToObject(req, "cmd", "migrate-status");
	else if (argc == 3 && strcmp(argv[0], "migrate") == 0 &&
	    strcmp(argv[1], "down") == 0) {
		cJSON_AddStringToObject(req, "cmd", "migrate-down");
		cJSON_AddStringToObject(req, "version", argv[2]);
	} else if (argc == 1 && strcmp(argv[0], "stop") == 0)
		cJSON_AddStringToObject(req, "cmd", "stop");
	else if ((argc == 2 || argc == 3) && strcmp(argv[0], "log") == 0) {
		cJSON_AddStringToObject(req, "cmd", "log");
		cJSON_AddStringToObject(req, "level", argv[1]);
		if (argc == 3)
			cJSON_AddStringToObject(req, "worker", argv[2]);
	} else if (argc == 4 && strcmp(argv[0], "debug") == 0 &&
	    strcmp(argv[1], "sandbox-probe") == 0) {
		cJSON_AddStringToObject(req, "cmd", "sandbox-probe");
		cJSON_AddStringToObject(req, "worker", argv[2]);
		cJSON_AddStringToObject(req, "call", argv[3]);
	} else
		usage();
	return req;
}

static void
ssdctl_print_migration(const cJSON *o)
{
	const cJSON *version = cJSON_GetObjectItem(o, "version");
	const cJSON *applied = cJSON_GetObjectItem(o, "applied");

	if (!cJSON_IsString(version) || !cJSON_IsBool(applied))
		die("malformed answer from ssd");
	printf("%-40s %s\n", version->valuestring,
	    cJSON_IsTrue(applied) ? "applied" : "pending");
}

static void
ssdctl_print_worker(const cJSON *o, int *header)
{
	const cJSON *name = cJSON_GetObjectItem(o, "name");
	const cJSON *pid = cJSON_GetObjectItem(o, "pid");
	const cJSON *state = cJSON_GetObjectItem(o, "state");
	const cJSON *restarts = cJSON_GetObjectItem(o, "restarts");
	const cJSON *uptime = cJSON_GetObjectItem(o, "uptime");
	const cJSON *last = cJSON_GetObjectItem(o, "last_exit");

	if (!cJSON_IsString(name) || !cJSON_IsNumber(pid) ||
	    !cJSON_IsString(state) || !cJSON_IsNumber(restarts) ||
	    !cJSON_IsNumber(uptime) || !cJSON_IsString(last))
		die("malformed answer from ssd");
	if (!*header) {
		printf("%-18s %7s %-9s %8s %8s  %s\n", "WORKER", "PID",
		    "STATE", "RESTARTS", "UPTIME", "LAST-EXIT");
		*header = 1;
	}
	if (pid->valuedouble > 0)
		printf("%-18s %7.0f %-9s %8.0f %7.0fs  %s\n",
		    name->valuestring, pid->valuedouble, state->valuestring,
		    restarts->valuedouble, uptime->valuedouble,
		    last->valuestring);
	else
		printf("%-18s %7s %-9s %8.0f %8s  %s\n", name->valuestring,
		    "-", state->valuestring, restarts->valuedouble, "-",
		    last->valuestring);
}

/* A row of GET /api/v1/agents, as ssd-api answers show agents. */
static void
ssdctl_print_agent(const cJSON *o, int *header)
{
	const char *k[] = { "agentId", "status", "approvalStatus",
	    "platform", "region" };
	const cJSON *v[5], *hb, *n, *age;
	char agebuf[32];
	size_t i;

	for (i = 0; i < 5; i++)
		if (!cJSON_IsString(v[i] = cJSON_GetObjectItem(o, k[i])))
			die("malformed answer from ssd");
	hb = cJSON_GetObjectItem(o, "lastHeartbeat");
	n = cJSON_GetObjectItem(o, "sessions");
	age = cJSON_GetObjectItem(o, "linkAgeSeconds");
	if (!cJSON_IsNumber(n))
		die("malformed answer from ssd");
	if (cJSON_IsNumber(age))
		snprintf(agebuf, sizeof(agebuf), "%.0fs", age->valuedouble);
	else
		snprintf(agebuf, sizeof(agebuf), "-");
	if (!*header) {
		printf("%-24s %-8s %-9s %-11s %-10s %-21s %8s %s\n", "AGENT",
		    "STATUS", "APPROVAL", "PLATFORM", "REGION",
		    "LAST-HEARTBEAT", "SESSIONS", "LINK-AGE");
		*header = 1;
	}
	printf("%-24s %-8s %-9s %-11s %-10s %-21s %8.0f %s\n",
	    v[0]->valuestring, v[1]->valuestring, v[2]->valuestring,
	    v[3]->valuestring, v[4]->valuestring[0] ? v[4]->valuestring : "-",
	    cJSON_IsString(hb) ? hb->valuestring : "-", n->valuedouble, agebuf);
}

/* A row of GET /api/v1/admin/homes, as ssd-api answers show homes. */
static void
ssdctl_print_home(const cJSON *o, int *header)
{
	const cJSON *user = cJSON_GetObjectItem(o, "user");
	const cJSON *ns = cJSON_GetObjectItem(o, "namespace");
	const cJSON *claim = cJSON_GetObjectItem(o, "claim");
	const cJSON *mode = cJSON_GetObjectItem(o, "accessMode");
	const cJSON *state = cJSON_GetObjectItem(o, "state");
	const cJSON *sessions = cJSON_GetObjectItem(o, "sessions");

	if (!cJSON_IsString(user) || !cJSON_IsString(ns) ||
	    !cJSON_IsString(mode) || !cJSON_IsString(state))
		die("malformed answer from ssd");
	if (!*header) {
		printf("%-20s %-20s %-32s %-16s %-9s %s\n", "USER", "NAMESPACE",
		    "CLAIM", "ACCESS-MODE", "STATE", "SESSIONS");
		*header = 1;
	}
	printf("%-20s %-20s %-32s %-16s %-9s %d\n", user->valuestring,
	    ns->valuestring, cJSON_IsString(claim) ? claim->valuestring : "-",
	    mode->valuestring, state->valuestring,
	    cJSON_GetArraySize(sessions));
}

/* A viewer's stream, as a relay reports it for show streams. */
static void
ssdctl_print_stream(const cJSON *o, int *header)
{
	const char *k[] = { "relay", "session", "kind", "user", "viewer",
	    "state", "since" };
	const cJSON *v[7], *up, *down;
	size_t i;

	for (i = 0; i < 7; i++)
		if (!cJSON_IsString(v[i] = cJSON_GetObjectItem(o, k[i])))
			die("malformed answer from ssd");
	up = cJSON_GetObjectItem(o, "bytesToAgent");
	down = cJSON_GetObjectItem(o, "bytesToViewer");
	if (!cJSON_IsNumber(up) || !cJSON_IsNumber(down))
		die("malformed answer from ssd");
	if (!*header) {
		printf("%-13s %-36s %-4s %-16s %-22s %-7s %-20s %12s %12s\n",
		    "RELAY", "SESSION", "KIND", "USER", "VIEWER", "STATE",
		    "SINCE", "TO-AGENT", "TO-VIEWER");
		*header = 1;
	}
	printf("%-13s %-36s %-4s %-16s %-22s %-7s %-20s %12.0f %12.0f\n",
	    v[0]->valuestring, v[1]->valuestring, v[2]->valuestring,
	    v[3]->valuestring, v[4]->valuestring, v[5]->valuestring,
	    v[6]->valuestring, up->valuedouble, down->valuedouble);
}

static void
ssdctl_print_data(const cJSON *o, int *header)
{
	if (cJSON_GetObjectItem(o, "bytesToViewer") != NULL)
		ssdctl_print_stream(o, header);
	else if (cJSON_GetObjectItem(o, "agentId") != NULL)
		ssdctl_print_agent(o, header);
	else if (cJSON_GetObjectItem(o, "accessMode") != NULL)
		ssdctl_print_home(o, header);
	else if (cJSON_GetObjectItem(o, "version") != NULL)
		ssdctl_print_migration(o);
	else
		ssdctl_print_worker(o, header);
}

/* Prints the answers; returns the exit status. */
static int
ssdctl_answers(int fd)
{
	static char buf[IPC_MAX_PAYLOAD + 1];
	const cJSON *ok, *text;
	struct ipc_hdr hdr;
	int n, header = 0, status;
	cJSON *o;

	for (;;) {
		if ((n = ipc_recv_sync(fd, &hdr, buf, sizeof(buf) - 1,
		    SSDCTL_TIMEOUT_MS)) == -1)
			die("no complete answer from ssd: %s",
			    errno == ETIMEDOUT ? "timed out" :
			    errno == ECONNRESET ? "connection closed" :
			    strerror(errno));
		buf[n] = '\0';
		if (json_output)
			printf("%s\n", buf);
		if ((o = cJSON_Parse(buf)) == NULL)
			die("malformed answer from ssd");
		if (hdr.type == IMSG_CTL_DATA) {
			if (!json_output)
				ssdctl_print_data(o, &header);
			cJSON_Delete(o);
			continue;
		}
		if (hdr.type != IMSG_CTL_END)
			die("unexpected answer type %u from ssd", hdr.type);
		ok = cJSON_GetObjectItem(o, "ok");
		status = cJSON_IsTrue(ok) ? 0 : 1;
		text = cJSON_GetObjectItem(o, status ? "error" : "message");
		if (!json_output && cJSON_IsString(text))
			fprintf(status ? stderr : stdout, "%s%s\n",
			    status ? "ssdctl: " : "", text->valuestring);
		cJSON_Delete(o);
		return status;
	}
}

/* One request on one connection; returns the exit status. */
static int
ssdctl_run(const char *path, cJSON *req)
{
	char *text = cJSON_PrintUnformatted(req);
	int fd, status;

	fd = ssdctl_connect(path);
	if (ipc_send_sync(fd, IMSG_CTL_REQUEST, 0, text, strlen(text),
	    SSDCTL_TIMEOUT_MS) == -1)
		die("cannot send to ssd: %s", strerror(errno));
	ssd_explicit_bzero(text, strlen(text));
	free(text);
	cJSON_Delete(req);
	status = ssdctl_answers(fd);
	close(fd);
	return status;
}

static char *
ssdctl_read_file(const char *file, size_t *len)
{
	char *buf = xmalloc(SSDCTL_FILE_MAX + 1);
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		die("%s: %s", file, strerror(errno));
	*len = fread(buf, 1, SSDCTL_FILE_MAX + 1, f);
	if (ferror(f))
		die("%s: %s", file, strerror(errno));
	if (*len > SSDCTL_FILE_MAX)
		die("%s: larger than %d bytes", file, SSDCTL_FILE_MAX);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Each document of each file (YAML or JSON) becomes one import. */
static int
ssdctl_template_import(const char *path, int nfiles, char *files[])
{
	char err[256], *text;
	cJSON *docs, *doc, *req;
	int i, status = 0;
	size_t len;

	for (i = 0; i < nfiles; i++) {
		text = ssdctl_read_file(files[i], &len);
		docs = yaml_to_json(text, len, err, sizeof(err));
		free(text);
		if (docs == NULL) {
			fprintf(stderr, "ssdctl: %s: %s\n", files[i], err);
			status = 1;
			continue;
		}
		while ((doc = cJSON_DetachItemFromArray(docs, 0)) != NULL) {
			req = cJSON_CreateObject();
			cJSON_AddStringToObject(req, "cmd", "template-import");
			cJSON_AddItemToObject(req, "document", doc);
			if (ssdctl_run(path, req) != 0)
				status = 1;
		}
		cJSON_Delete(docs);
	}
	return status;
}

/* The password: one line on standard input, not echoed on a terminal. */
static int
ssdctl_user_add(const char *path, const char *name, const char *role)
{
	char pw[SSDCTL_PASSWORD_MAX + 2];
	struct termios t, quiet;
	int tty = isatty(STDIN_FILENO);
	cJSON *req;

	if (tty) {
		fprintf(stderr, "password for %s: ", name);
		tcgetattr(STDIN_FILENO, &t);
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(pw, sizeof(pw), stdin) == NULL)
		pw[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		fputc('\n', stderr);
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", "user-add");
	cJSON_AddStringToObject(req, "username", name);
	cJSON_AddStringToObject(req, "role", role);
	cJSON_AddStringToObject(req, "password", pw);
	ssd_explicit_bzero(pw, sizeof(pw));
	return ssdctl_run(path, req);
}

int
main(int argc, char *argv[])
{
	const char *path = SSD_RUNSTATEDIR "/ssd.sock";
	int ch;

	while ((ch = getopt(argc, argv, "js:")) != -1) {
		switch (ch) {
		case 'j':
			json_output = 1;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (argc >= 3 && strcmp(argv[0], "template") == 0 &&
	    strcmp(argv[1], "import") == 0)
		return ssdctl_template_import(path, argc - 2, argv + 2);
	if ((argc == 3 || argc == 4) && strcmp(argv[0], "user") == 0 &&
	    strcmp(argv[1], "add") == 0)
		return ssdctl_user_add(path, argv[2], argc == 4 ? argv[3] :
		    "user");
	return ssdctl_run(path, ssdctl_request(argc, argv));
}
