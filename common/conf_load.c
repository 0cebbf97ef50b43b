/*
 * conf_load.c - where ssd's settings come from (conf.h): ssd.conf and
 * text in its syntax, systemd credentials, the environment, and the files
 * secrets are read from.  Untrusted input: every line and value is
 * checked, every error names where it came from; nothing is logged here.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_priv.h"
#include "util.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* largest ssd.conf read */
#define CONF_SECRET_MAX	(64 * 1024)	/* largest secret file read */

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
