/*
 * conf.c - parsing and validating ssd's settings (see settings.h).
 *
 * Input here is untrusted text (the config file, the environment, secret
 * files, the master's IPC): every value is validated against its row of the
 * table, and every error names where it came from.  Errors are returned to
 * the caller, never logged here.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_priv.h"
#include "log.h"
#include "netlist.h"
#include "util.h"
#include "webhost.h"


#define X(id, key, env, type, choices, def, min, max, flags, doc) \
	{ key, env, CONF_##type, choices, def, min, max, flags, doc },
const struct conf_def conf_defs[S_COUNT] = { SSD_SETTINGS(X) };
#undef X

void
conf_seterr(struct conf_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

const struct conf_def *
conf_def(enum setting_id id)
{
	return &conf_defs[id];
}

int
conf_lookup(const char *key)
{
	int i;

	for (i = 0; i < S_COUNT; i++)
		if (strcmp(conf_defs[i].key, key) == 0)
			return i;
	return -1;
}

/* Index of s in "a|b|c", or -1. */
static int
conf_choice(const char *choices, const char *s)
{
	size_t len = strlen(s);
	const char *p = choices;
	int i = 0;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		if (n == len && strncmp(p, s, n) == 0)
			return i;
		if (bar == NULL)
			return -1;
		p = bar + 1;
		i++;
	}
}

static int
conf_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* Validates s for setting id; on success *num holds its parsed value. */
static int
conf_parse_value(enum setting_id id, const char *s, int64_t *num,
    char *why, size_t whylen)
{
	const struct conf_def *d = &conf_defs[id];
	uint64_t u;
	int b;

	*num = 0;
	if (strlen(s) > CONF_VALUE_MAX) {
		snprintf(why, whylen, "value longer than %d bytes",
		    CONF_VALUE_MAX);
		return -1;
	}
	if (conf_has_ctl(s)) {
		snprintf(why, whylen, "value contains control characters");
		return -1;
	}
	switch (d->type) {
	case CONF_STRING:
		return 0;
	case CONF_SECRET:
		if ((int64_t)strlen(s) < d->min) {
			snprintf(why, whylen, "must be at least %lld bytes long",
			    (long long)d->min);
			return -1;
		}
		return 0;
	case CONF_INT:
		if (parse_int64(s, d->min, d->max, num) == -1) {
			snprintf(why, whylen, "\"%.100s\" is not an integer in "
			    "%lld..%lld", s, (long long)d->min,
			    (long long)d->max);
			return -1;
		}
		return 0;
	case CONF_BOOL:
		if ((b = parse_bool(s)) == -1) {
			snprintf(why, whylen, "\"%.100s\" is not yes or no", s);
			return -1;
		}
		*num = b;
		return 0;
	case CONF_DURATION:
		if (parse_duration_ms(s, &u) == -1) {
			snprintf(why, whylen, "\"%.100s\" is not a duration "
			    "(e.g. 500ms, 30s, 5m, 1h)", s);
			return -1;
		}
		if ((int64_t)u < d->min || (int64_t)u > d->max) {
			snprintf(why, whylen, "\"%.100s\" is outside %lldms..%lldms",
			    s, (long long)d->min, (long long)d->max);
			return -1;
		}
		*num = (int64_t)u;
		return 0;
	case CONF_SIZE:
		if (parse_size(s, &u) == -1) {
			snprintf(why, whylen, "\"%.100s\" is not a size "
			    "(e.g. 512, 16KiB, 1MiB)", s);
			return -1;
		}
		if ((int64_t)u < d->min || (int64_t)u > d->max) {
			snprintf(why, whylen, "\"%.100s\" is outside %lld..%lld "
			    "bytes", s, (long long)d->min, (long long)d->max);
			return -1;
		}
		*num = (int64_t)u;
		return 0;
	case CONF_ENUM:
		if ((*num = conf_choice(d->choices, s)) == -1) {
			snprintf(why, whylen, "\"%.100s\" is not one of %s", s,
			    d->choices);
			return -1;
		}
		return 0;
	}
	return -1;
}

static void
conf_value_clear(struct conf_value *v)
{
	if (v->text != NULL) {
		ssd_explicit_bzero(v->text, strlen(v->text));
		free(v->text);
	}
	free(v->origin);
	free(v->file);
	free(v->file_origin);
	memset(v, 0, sizeof(*v));
}

int
conf_set(struct conf *c, enum setting_id id, const char *s,
    enum conf_source src, const char *origin, char *why, size_t whylen)
{
	struct conf_value *v = &c->v[id];
	int64_t num;

	if (v->file != NULL && v->file_src == src) {
		snprintf(why, whylen, "also given as a file (%s)",
		    v->file_origin);
		return -1;
	}
	if (conf_parse_value(id, s, &num, why, whylen) == -1)
		return -1;
	free(v->origin);
	if (v->text != NULL) {
		ssd_explicit_bzero(v->text, strlen(v->text));
		free(v->text);
	}
	v->text = xstrdup(s);
	v->num = num;
	v->src = src;
	v->origin = origin != NULL ? xstrdup(origin) : NULL;
	/* A value given at a higher level overrides a file given lower. */
	if (v->file != NULL && v->file_src <= src) {
		free(v->file);
		free(v->file_origin);
		v->file = v->file_origin = NULL;
	}
	return 0;
}

int
conf_set_file(struct conf *c, enum setting_id id, const char *path,
    enum conf_source src, const char *origin, char *why, size_t whylen)
{
	struct conf_value *v = &c->v[id];

	if (v->src == src && v->text != NULL) {
		snprintf(why, whylen, "also given as a value (%s)",
		    v->origin);
		return -1;
	}
	if (*path == '\0' || conf_has_ctl(path)) {
		snprintf(why, whylen, "bad file name");
		return -1;
	}
	free(v->file);
	free(v->file_origin);
	v->file = xstrdup(path);
	v->file_src = src;
	v->file_origin = xstrdup(origin);
	return 0;
}

struct conf *
conf_new(void)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	char why[CONF_ERR_MAX];
	int i;

	for (i = 0; i < S_COUNT; i++) {
		if (conf_defs[i].def == NULL)
			continue;
		if (conf_set(c, i, conf_defs[i].def, CONF_SRC_DEFAULT, NULL,
		    why, sizeof(why)) == -1)
			fatalx("settings.h: bad default of %s: %s",
			    conf_defs[i].key, why);
	}
	return c;
}

static void	conf_value_copy(struct conf_value *, const struct conf_value *);

struct conf *
conf_dup(const struct conf *c)
{
	struct conf *d = xcalloc(1, sizeof(*d));
	int i;

	for (i = 0; i < S_COUNT; i++)
		conf_value_copy(&d->v[i], &c->v[i]);
	return d;
}

static void
conf_value_copy(struct conf_value *t, const struct conf_value *s)
{
	*t = *s;
	t->text = s->text != NULL ? xstrdup(s->text) : NULL;
	t->origin = s->origin != NULL ? xstrdup(s->origin) : NULL;
	t->file = s->file != NULL ? xstrdup(s->file) : NULL;
	t->file_origin = s->file_origin != NULL ? xstrdup(s->file_origin) :
	    NULL;
}

void
conf_copy_setting(struct conf *dst, const struct conf *src,
    enum setting_id id)
{
	conf_value_clear(&dst->v[id]);
	conf_value_copy(&dst->v[id], &src->v[id]);
}

void
conf_free(struct conf *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		conf_value_clear(&c->v[i]);
	free(c);
}

static int
conf_abs_path(const struct conf *c, enum setting_id id,
    struct conf_error *err)
{
	const char *s = conf_str(c, id);

	if (s[0] != '/') {
		conf_seterr(err, "%s (%s): \"%s\" is not an absolute path",
		    c->v[id].origin != NULL ? c->v[id].origin : "default",
		    conf_defs[id].key, s);
		return -1;
	}
	return 0;
}

/* An address list (trusted_proxies, metrics_allow): 0 or -1 with err. */
static int
conf_check_netlist(const struct conf *c, enum setting_id id,
    struct conf_error *err)
{
	static struct netlist nl;
	char why[128];

	if (netlist_parse(&nl, conf_str(c, id), why, sizeof(why)) == 0)
		return 0;
	conf_seterr(err, "%s (%s): %s", c->v[id].origin != NULL ?
	    c->v[id].origin : "default", conf_defs[id].key, why);
	return -1;
}

int
conf_check(const struct conf *c, struct conf_error *err)
{
	unsigned char addr[16];
	char why[128], host[NETLIST_ADDR_MAX];
	const char *s;
	int port;

	s = conf_str(c, S_LISTEN_ADDRESS);
	if (inet_pton(AF_INET, s, addr) != 1 &&
	    inet_pton(AF_INET6, s, addr) != 1) {
		conf_seterr(err, "%s (listen_address): \"%s\" is not an IPv4 "
		    "or IPv6 address", c->v[S_LISTEN_ADDRESS].origin != NULL ?
		    c->v[S_LISTEN_ADDRESS].origin : "default", s);
		return -1;
	}
	if (*conf_str(c, S_USER) == '\0' || *conf_str(c, S_RELAY_USER) ==
	    '\0') {
		conf_seterr(err, "user and relay_user must not be empty");
		return -1;
	}
	if (conf_check_netlist(c, S_TRUSTED_PROXIES, err) == -1 ||
	    conf_check_netlist(c, S_METRICS_ALLOW, err) == -1)
		return -1;
	s = conf_str(c, S_METRICS_LISTEN);
	if (*s != '\0' && netlist_hostport(s, host, sizeof(host), &port, why,
	    sizeof(why)) == -1) {
		conf_seterr(err, "%s (metrics_listen): %s",
		    c->v[S_METRICS_LISTEN].origin != NULL ?
		    c->v[S_METRICS_LISTEN].origin : "default", why);
		return -1;
	}
	s = conf_str(c, S_SESSION_DOMAIN);
	if (*s != '\0' && !webhost_domain_ok(s)) {
		conf_seterr(err, "%s (session_domain): \"%s\" is not a host "
		    "name in lower case (sessions.example.com)",
		    c->v[S_SESSION_DOMAIN].origin != NULL ?
		    c->v[S_SESSION_DOMAIN].origin : "default", s);
		return -1;
	}
	if (conf_abs_path(c, S_CHROOT_DIR, err) == -1 ||
	    conf_abs_path(c, S_WORKER_DIR, err) == -1 ||
	    conf_abs_path(c, S_CONTROL_SOCKET, err) == -1)
		return -1;
	return 0;
}

int
conf_load_all(struct conf *c, const char *path, int must_exist,
    struct conf_error *err)
{
	if (conf_load_file(c, path, must_exist, err) == -1 ||
	    conf_load_credentials(c, err) == -1 ||
	    conf_load_env(c, err) == -1 ||
	    conf_resolve_secrets(c, err) == -1 ||
	    conf_check(c, err) == -1)
		return -1;
	return 0;
}

/* Appends "key = "value"\n" with quotes and backslashes escaped. */
static void
conf_append(char **buf, size_t *len, size_t *cap, const char *key,
    const char *val)
{
	size_t need = strlen(key) + 2 * strlen(val) + 8;
	char *p;

	if (*len + need >= *cap) {
		*cap = (*len + need) * 2;
		*buf = xrealloc(*buf, *cap);
	}
	p = *buf + *len;
	p += sprintf(p, "%s = \"", key);
	for (; *val != '\0'; val++) {
		if (*val == '"' || *val == '\\')
			*p++ = '\\';
		*p++ = *val;
	}
	*p++ = '"';
	*p++ = '\n';
	*p = '\0';
	*len = (size_t)(p - *buf);
}

char *
conf_serialize(const struct conf *c, int with_secrets)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);
	int i;

	buf[0] = '\0';
	for (i = 0; i < S_COUNT; i++) {
		if (c->v[i].text == NULL)
			continue;
		if (conf_defs[i].type == CONF_SECRET && !with_secrets)
			continue;
		conf_append(&buf, &len, &cap, conf_defs[i].key, c->v[i].text);
	}
	return buf;
}

const char *
conf_str(const struct conf *c, enum setting_id id)
{
	return c->v[id].text != NULL ? c->v[id].text : "";
}

int64_t
conf_int(const struct conf *c, enum setting_id id)
{
	return c->v[id].num;
}

uint64_t
conf_ms(const struct conf *c, enum setting_id id)
{
	return (uint64_t)c->v[id].num;
}

uint64_t
conf_size(const struct conf *c, enum setting_id id)
{
	return (uint64_t)c->v[id].num;
}

int
conf_bool(const struct conf *c, enum setting_id id)
{
	return c->v[id].num != 0;
}

void
conf_log_limits(const struct conf *c)
{
	log_set_limits((unsigned)conf_ms(c, S_LOG_LIMIT_INTERVAL),
	    (unsigned)conf_int(c, S_LOG_REPEAT_MAX),
	    (unsigned)conf_int(c, S_LOG_SIMILAR_MAX));
}

int
conf_is_set(const struct conf *c, enum setting_id id)
{
	return c->v[id].text != NULL;
}

enum conf_source
conf_source(const struct conf *c, enum setting_id id)
{
	return c->v[id].src;
}

int
conf_equal(const struct conf *a, const struct conf *b, enum setting_id id)
{
	const char *x = a->v[id].text, *y = b->v[id].text;

	if (x == NULL || y == NULL)
		return x == y;
	return strcmp(x, y) == 0;
}

static const char *
conf_source_text(const struct conf_value *v)
{
	switch (v->src) {
	case CONF_SRC_DEFAULT:
		return "default";
	case CONF_SRC_ENV:
		return "environment";
	default:
		return "";
	}
}

void
conf_print(const struct conf *c, FILE *f)
{
	char line[CONF_VALUE_MAX + 256];
	int i;

	for (i = 0; i < S_COUNT; i++) {
		const struct conf_value *v = &c->v[i];
		const char *val = v->text;

		if (conf_defs[i].type == CONF_SECRET)
			val = v->text != NULL ? "********" : "(not set)";
		else if (val == NULL)
			val = "(not set)";
		snprintf(line, sizeof(line), "%s = \"%s\"", conf_defs[i].key,
		    val);
		if (v->origin != NULL)
			fprintf(f, "%-48s # %s%s%s\n", line,
			    conf_source_text(v), *conf_source_text(v) != '\0' ?
			    " " : "", v->origin);
		else
			fprintf(f, "%-48s # %s\n", line, conf_source_text(v));
	}
}
