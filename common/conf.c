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
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "netlist.h"
#include "util.h"
#include "webhost.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* largest ssd.conf read */
#define CONF_SECRET_MAX	(64 * 1024)	/* largest secret file read */
#define CONF_VALUE_MAX	4096		/* longest value of any setting */

struct conf_value {
	char		*text;		/* canonical value; secrets: the secret */
	int64_t		 num;		/* int, bool, ms, bytes or enum index */
	enum conf_source src;
	char		*origin;	/* "path:12", "PORT", "jwt-secret" */
	char		*file;		/* secrets: read the value from here */
	enum conf_source file_src;
	char		*file_origin;
};

struct conf {
	struct conf_value v[S_COUNT];
};

#define X(id, key, env, type, choices, def, min, max, flags, doc) \
	{ key, env, CONF_##type, choices, def, min, max, flags, doc },
static const struct conf_def conf_defs[S_COUNT] = { SSD_SETTINGS(X) };
#undef X

static void
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

static int
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

static int
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

/* Reads a whole small file; refuses anything but a regular file. */
static char *
conf_read_file(const char *path, size_t max, int secret, size_t *lenp,
    char *why, size_t whylen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (secret && (st.st_mode & 0077) != 0) {
		snprintf(why, whylen, "%s: secret file is accessible by group "
		    "or others (mode %04o); make it 0600 or 0400", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(why, whylen, "%s: larger than %zu bytes", path, max);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "%s: %s", path,
			    n == 0 ? "short read" : strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(why, whylen, "%s: contains a NUL byte", path);
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

/*
 * Splits one line into key and value.  Returns 1 for a setting, 0 for a
 * blank or comment line, -1 with a reason for a syntax error.  The line is
 * modified in place (quotes and escapes removed).
 */
static int
conf_split_line(char *line, char **keyp, char **valp, char *why,
    size_t whylen)
{
	char *p = line, *key, *val, *w;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	key = p;
	while (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' &&
	    *p <= '9'))
		p++;
	if (p == key) {
		snprintf(why, whylen, "expected a setting name");
		return -1;
	}
	w = p;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '=') {
		snprintf(why, whylen, "expected \"=\" after the setting name");
		return -1;
	}
	*w = '\0';
	p++;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '"') {
		val = w = ++p;
		for (;; p++) {
			if (*p == '\0') {
				snprintf(why, whylen, "unterminated quote");
				return -1;
			}
			if (*p == '"')
				break;
			if (*p == '\\') {
				p++;
				if (*p != '"' && *p != '\\') {
					snprintf(why, whylen, "unknown escape "
					    "in quoted value (only \\\" and "
					    "\\\\)");
					return -1;
				}
			}
			*w++ = *p;
		}
		*w = '\0';
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#') {
			snprintf(why, whylen, "text after the closing quote");
			return -1;
		}
	} else {
		val = p;
		/* A comment starts at a '#' that follows whitespace. */
		for (w = p; *w != '\0'; w++)
			if (*w == '#' && w > val && (w[-1] == ' ' ||
			    w[-1] == '\t'))
				break;
		*w = '\0';
		while (w > val && (w[-1] == ' ' || w[-1] == '\t'))
			*--w = '\0';
	}
	*keyp = key;
	*valp = val;
	return 1;
}

/* Sets key (a setting or "<secret>_file") from one source. */
static int
conf_set_key(struct conf *c, const char *key, const char *val,
    enum conf_source src, const char *origin, char *why, size_t whylen)
{
	size_t klen = strlen(key);
	char base[128];
	int id;

	if ((id = conf_lookup(key)) != -1)
		return conf_set(c, id, val, src, origin, why, whylen);
	if (klen > 5 && klen < sizeof(base) &&
	    strcmp(key + klen - 5, "_file") == 0) {
		memcpy(base, key, klen - 5);
		base[klen - 5] = '\0';
		id = conf_lookup(base);
		if (id != -1 && conf_defs[id].type == CONF_SECRET)
			return conf_set_file(c, id, val, src, origin, why,
			    whylen);
	}
	snprintf(why, whylen, "unknown setting");
	return -1;
}

static int
conf_parse_text(struct conf *c, char *text, const char *name,
    enum conf_source src, struct conf_error *err)
{
	unsigned seen[S_COUNT] = { 0 }, lineno = 0;
	char why[CONF_ERR_MAX], origin[CONF_ERR_MAX];
	char *line, *next, *key, *val;
	int rc, id;

	for (line = text; line != NULL; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((rc = conf_split_line(line, &key, &val, why,
		    sizeof(why))) == 0)
			continue;
		if (rc == -1) {
			conf_seterr(err, "%s:%u: %s", name, lineno, why);
			return -1;
		}
		id = conf_lookup(key);
		if (id != -1 && seen[id] != 0) {
			conf_seterr(err, "%s:%u: %s: already set at line %u",
			    name, lineno, key, seen[id]);
			return -1;
		}
		snprintf(origin, sizeof(origin), "%s:%u", name, lineno);
		if (conf_set_key(c, key, val, src, origin, why,
		    sizeof(why)) == -1) {
			conf_seterr(err, "%s:%u: %s: %s", name, lineno, key,
			    why);
			return -1;
		}
		if (id != -1)
			seen[id] = lineno;
	}
	return 0;
}

int
conf_load_file(struct conf *c, const char *path, int must_exist,
    struct conf_error *err)
{
	char why[CONF_ERR_MAX];
	char *text;
	size_t len;
	int rc;

	if (!must_exist && access(path, F_OK) == -1 && errno == ENOENT)
		return 0;
	if ((text = conf_read_file(path, CONF_FILE_MAX, 0, &len, why,
	    sizeof(why))) == NULL) {
		conf_seterr(err, "%s", why);
		return -1;
	}
	rc = conf_parse_text(c, text, path, CONF_SRC_FILE, err);
	ssd_explicit_bzero(text, len);
	free(text);
	return rc;
}

int
conf_load_text(struct conf *c, const char *text, size_t len,
    struct conf_error *err)
{
	char *copy;
	int rc;

	if (memchr(text, '\0', len) != NULL) {
		conf_seterr(err, "configuration text contains a NUL byte");
		return -1;
	}
	copy = xstrndup(text, len);
	rc = conf_parse_text(c, copy, "master", CONF_SRC_MASTER, err);
	ssd_explicit_bzero(copy, len);
	free(copy);
	return rc;
}

/* "jwt_secret" -> "jwt-secret", the systemd credential name. */
static void
conf_credential_name(const char *key, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; key[i] != '\0' && i + 1 < outlen; i++)
		out[i] = key[i] == '_' ? '-' : key[i];
	out[i] = '\0';
}

int
conf_load_credentials(struct conf *c, struct conf_error *err)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char name[128], path[4096], origin[160], why[CONF_ERR_MAX];
	int i;

	if (dir == NULL || *dir == '\0')
		return 0;
	for (i = 0; i < S_COUNT; i++) {
		if (conf_defs[i].type != CONF_SECRET)
			continue;
		conf_credential_name(conf_defs[i].key, name, sizeof(name));
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (access(path, F_OK) == -1)
			continue;
		snprintf(origin, sizeof(origin), "credential %s", name);
		if (conf_set_file(c, i, path, CONF_SRC_CREDENTIAL, origin,
		    why, sizeof(why)) == -1) {
			conf_seterr(err, "%s: %s", origin, why);
			return -1;
		}
	}
	return 0;
}

int
conf_load_env(struct conf *c, struct conf_error *err)
{
	char why[CONF_ERR_MAX], var[128];
	const char *s, *alias;
	int i;

	for (i = 0; i < S_COUNT; i++) {
		const struct conf_def *d = &conf_defs[i];

		if ((alias = conf_env_alias(i)) != NULL && conf_set(c, i,
		    getenv(alias), CONF_SRC_ENV, alias, why,
		    sizeof(why)) == -1) {
			conf_seterr(err, "environment %s (%s): %s", alias,
			    d->key, why);
			return -1;
		}
		if (d->env == NULL)
			continue;
		if (d->type == CONF_SECRET) {
			snprintf(var, sizeof(var), "%s_FILE", d->env);
			if ((s = getenv(var)) != NULL && *s != '\0' &&
			    conf_set_file(c, i, s, CONF_SRC_ENV, var, why,
			    sizeof(why)) == -1) {
				conf_seterr(err, "environment %s (%s): %s", var,
				    d->key, why);
				return -1;
			}
		}
		if ((s = getenv(d->env)) == NULL)
			continue;
		if (conf_set(c, i, s, CONF_SRC_ENV, d->env, why,
		    sizeof(why)) == -1) {
			conf_seterr(err, "environment %s (%s): %s", d->env,
			    d->key, why);
			return -1;
		}
	}
	return 0;
}

int
conf_resolve_secrets(struct conf *c, struct conf_error *err)
{
	char why[CONF_ERR_MAX];
	size_t len;
	char *text;
	int i;

	for (i = 0; i < S_COUNT; i++) {
		struct conf_value *v = &c->v[i];
		char *origin, *file, *forigin;
		enum conf_source src;
		int rc;

		if (conf_defs[i].type != CONF_SECRET || v->file == NULL)
			continue;
		file = v->file;
		forigin = v->file_origin;
		src = v->file_src;
		v->file = v->file_origin = NULL;
		text = conf_read_file(file, CONF_SECRET_MAX, 1, &len, why,
		    sizeof(why));
		if (text == NULL) {
			conf_seterr(err, "%s (%s): %s", forigin,
			    conf_defs[i].key, why);
			free(file);
			free(forigin);
			return -1;
		}
		/* One trailing newline is the file's, not the secret's. */
		if (len > 0 && text[len - 1] == '\n')
			text[--len] = '\0';
		if (len > 0 && text[len - 1] == '\r')
			text[--len] = '\0';
		xasprintf(&origin, "%s %s", forigin, file);
		rc = conf_set(c, i, text, src, origin, why, sizeof(why));
		if (rc == -1)
			conf_seterr(err, "%s (%s): %s", origin,
			    conf_defs[i].key, why);
		free(origin);
		free(file);
		free(forigin);
		ssd_explicit_bzero(text, len);
		free(text);
		if (rc == -1)
			return -1;
	}
	return 0;
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
