/*
 * config.c - ssd-agent-k8s's settings: one table gives each its flag,
 * its environment variable (the seeds' names), its default and its
 * kind; a flag wins over the environment.  Any bad or missing setting
 * is one clear message and exit 1, before anything starts.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "dial.h"
#include "log.h"
#include "util.h"

enum kind { K_STR, K_DURATION, K_COUNT, K_LEVEL };

struct setting {
	const char	*flag;
	const char	*env;
	enum kind	 kind;
	size_t		 off;
	const char	*def;		/* NULL: unset */
};

#define S(f)	offsetof(struct agent_config, f)
static const struct setting settings[] = {
	{ "agent-id", "AGENT_ID", K_STR, S(agent_id), NULL },
	{ "control-plane-url", "CONTROL_PLANE_URL", K_STR,
	    S(control_plane_url), NULL },
	{ "agent-key", "AGENT_KEY", K_STR, S(agent_key), NULL },
	{ "agent-key-file", "AGENT_KEY_FILE", K_STR, S(agent_key_file), NULL },
	{ "bootstrap-key", "AGENT_BOOTSTRAP_KEY", K_STR, S(bootstrap_key),
	    NULL },
	{ "ca-file", "CONTROL_PLANE_CA_FILE", K_STR, S(ca_file), NULL },
	{ "platform", "PLATFORM", K_STR, S(platform), "kubernetes" },
	{ "region", "REGION", K_STR, S(region), NULL },
	{ "namespace", "NAMESPACE", K_STR, S(namespace), NULL },
	{ "kubeconfig", "KUBECONFIG", K_STR, S(kubeconfig), NULL },
	{ "incluster-dir", "KUBE_INCLUSTER_DIR", K_STR, S(incluster_dir),
	    NULL },
	{ "storage-class", "STORAGE_CLASS", K_STR, S(storage_class), NULL },
	{ "home-size", "HOME_SIZE", K_STR, S(home_size), "10Gi" },
	{ "max-cpu", "MAX_CPU", K_COUNT, S(max_cpu), "0" },
	{ "max-memory", "MAX_MEMORY", K_COUNT, S(max_memory), "0" },
	{ "max-sessions", "MAX_SESSIONS", K_COUNT, S(max_sessions), "0" },
	{ "heartbeat-interval", "HEARTBEAT_INTERVAL", K_DURATION,
	    S(heartbeat_ms), "30s" },
	{ "reconnect-max", "RECONNECT_MAX", K_DURATION, S(reconnect_max_ms),
	    "30s" },
	{ "register-poll", "REGISTER_POLL_INTERVAL", K_DURATION,
	    S(register_poll_ms), "10s" },
	{ "connect-timeout", "CONNECT_TIMEOUT", K_DURATION,
	    S(connect_timeout_ms), "10s" },
	{ "api-timeout", "KUBE_API_TIMEOUT", K_DURATION, S(api_timeout_ms),
	    "15s" },
	{ "ready-timeout", "SESSION_READY_TIMEOUT", K_DURATION,
	    S(ready_timeout_ms), "5m" },
	{ "max-message", "MAX_MESSAGE", K_COUNT, S(max_message), "4194304" },
	{ "data-links", "DATA_LINKS", K_COUNT, S(data_links), "1" },
	{ "vnc-via", "VNC_VIA", K_STR, S(vnc_via), "auto" },
	{ "data-link-splice", "DATA_LINK_SPLICE", K_STR, S(data_link_splice),
	    "yes" },
	{ "log-level", "LOG_LEVEL", K_LEVEL, S(log_level), "info" },
};
#undef S

static __attribute__((noreturn)) void
config_usage(void)
{
	size_t i;

	fprintf(stderr, "usage: ssd-agent-k8s [--setting value ...]\n"
	    "settings (flag, or environment variable):\n");
	for (i = 0; i < nitems(settings); i++)
		fprintf(stderr, "  --%-20s %s\n", settings[i].flag,
		    settings[i].env);
	exit(1);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
config_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ssd-agent-k8s: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
config_set(struct agent_config *cfg, const struct setting *s,
    const char *v, const char *from)
{
	char *p = (char *)cfg + s->off;
	uint64_t n;
	char *end;
	int level;

	switch (s->kind) {
	case K_STR:
		free(*(char **)p);
		*(char **)p = v[0] != '\0' ? xstrdup(v) : NULL;
		return;
	case K_DURATION:
		if (parse_duration_ms(v, &n) == -1 || n == 0)
			config_die("%s: '%s' is not a duration (30s, 5m, 500ms)",
			    from, v);
		*(uint64_t *)p = n;
		return;
	case K_COUNT:
		errno = 0;
		n = strtoull(v, &end, 10);
		if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 ||
		    n > 1000000000000ULL)
			config_die("%s: '%s' is not a number", from, v);
		*(uint64_t *)p = n;
		return;
	case K_LEVEL:
		if ((level = log_level_parse(v)) == -1)
			config_die("%s: '%s' is not debug, info, warn or error",
			    from, v);
		*(int *)p = level;
		return;
	}
}

/* What cannot work is refused now, not found out later. */
static void
config_check(struct agent_config *cfg)
{
	struct dial_url u;
	char err[256];
	const char *c;

	if (cfg->agent_id == NULL)
		config_die("AGENT_ID (--agent-id) is required");
	for (c = cfg->agent_id; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
		    *c == '-') || c - cfg->agent_id >= 255)
			config_die("AGENT_ID: '%s': letters, digits, '.', '_' "
			    "and '-', at most 255", cfg->agent_id);
	if (cfg->control_plane_url == NULL)
		config_die("CONTROL_PLANE_URL (--control-plane-url) is "
		    "required");
	if (dial_url_parse(cfg->control_plane_url, &u, err, sizeof(err)) ==
	    -1)
		config_die("CONTROL_PLANE_URL: %s", err);
	if (!u.websocket)
		config_die("CONTROL_PLANE_URL: %s: must be ws:// or wss://",
		    cfg->control_plane_url);
	if (cfg->agent_key == NULL && cfg->agent_key_file == NULL &&
	    cfg->bootstrap_key == NULL)
		config_die("no key: set AGENT_KEY, AGENT_KEY_FILE or "
		    "AGENT_BOOTSTRAP_KEY");
	if (strcmp(cfg->platform, "kubernetes") != 0)
		config_die("PLATFORM: '%s': this agent is for kubernetes",
		    cfg->platform);
	if (cfg->max_message < 65536)
		config_die("MAX_MESSAGE: at least 65536");
	if (cfg->data_links < 1 || cfg->data_links > 16)
		config_die("DATA_LINKS: 1 to 16");
	if (cfg->vnc_via == NULL || (strcmp(cfg->vnc_via, "auto") != 0 &&
	    strcmp(cfg->vnc_via, "direct") != 0 && strcmp(cfg->vnc_via,
	    "portforward") != 0))
		config_die("VNC_VIA: auto, direct or portforward");
	if (cfg->data_link_splice == NULL || (strcmp(cfg->data_link_splice,
	    "yes") != 0 && strcmp(cfg->data_link_splice, "no") != 0))
		config_die("DATA_LINK_SPLICE: yes or no");
}

void
config_load(struct agent_config *cfg, int argc, char **argv)
{
	struct option opts[nitems(settings) + 2];
	const char *v;
	size_t i;
	int ch, idx;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < nitems(settings); i++) {
		if ((v = getenv(settings[i].env)) == NULL)
			v = settings[i].def;
		if (v != NULL)
			config_set(cfg, &settings[i], v, settings[i].env);
		opts[i] = (struct option){ settings[i].flag, required_argument,
		    NULL, 0 };
	}
	opts[i++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[i] = (struct option){ NULL, 0, NULL, 0 };
	while ((ch = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
		if (ch != 0)
			config_usage();
		config_set(cfg, &settings[idx], optarg, settings[idx].flag);
	}
	if (optind < argc)
		config_usage();
	config_check(cfg);
}

void
config_free(struct agent_config *cfg)
{
	size_t i;

	for (i = 0; i < nitems(settings); i++)
		if (settings[i].kind == K_STR)
			free(*(char **)((char *)cfg + settings[i].off));
	memset(cfg, 0, sizeof(*cfg));
}

int
config_read_key(const char *path, char *key, size_t len, char *err,
    size_t errlen)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, key, len - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	key[n] = '\0';
	key[strcspn(key, "\r\n")] = '\0';
	if (key[0] == '\0')
		return 1;
	if ((size_t)n == len - 1) {
		snprintf(err, errlen, "%s: longer than a key", path);
		return -1;
	}
	return 0;
}

int
config_write_key(const char *path, const char *key, char *err,
    size_t errlen)
{
	char tmp[4096];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	ok = write(fd, key, strlen(key)) == (ssize_t)strlen(key) &&
	    write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	if (close(fd) == -1)
		ok = 0;
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
