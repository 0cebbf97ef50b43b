/*
 * kubecfg.c - the agent's API server configuration (kubecfg.h): the
 * in-cluster service account files, or a kubeconfig (YAML, read with
 * common/yamljson.c).  Runs before the event loop; every missing or bad
 * piece is refused with a message that names it.  Never logs a token.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "kubecfg.h"
#include "template.h"
#include "util.h"
#include "yamljson.h"

char *
kubecfg_read_file(const char *path, size_t max, size_t *lenp, char *err,
    size_t errlen)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: not a regular file of at most %zu "
		    "bytes", path, max);
		close(fd);
		return NULL;
	}
	buf = xmalloc(max + 1);
	while (len < max && (n = read(fd, buf + len, max - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* A token goes into an HTTP header: printable ASCII only. */
static int
kubecfg_token_ok(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > KUBECFG_TOKEN_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return 0;
	return 1;
}

int
kubecfg_read_token(const char *path, char *buf, size_t buflen, char *err,
    size_t errlen)
{
	size_t len;
	char *t;

	if ((t = kubecfg_read_file(path, KUBECFG_TOKEN_MAX + 64, &len, err,
	    errlen)) == NULL)
		return -1;
	while (len > 0 && isspace((unsigned char)t[len - 1]))
		len--;
	if (!kubecfg_token_ok(t, len) || len >= buflen) {
		snprintf(err, errlen, "%s: not a bearer token (empty, too "
		    "long, or not printable ASCII)", path);
		ssd_explicit_bzero(t, len);
		free(t);
		return -1;
	}
	memcpy(buf, t, len);
	buf[len] = '\0';
	ssd_explicit_bzero(t, len);
	free(t);
	return 0;
}

static int
b64_value(int ch)
{
	const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p;

	if (ch == '\0' || (p = strchr(set, ch)) == NULL)
		return -1;
	return (int)(p - set);
}

/* Standard base64 with padding, nothing else; NULL if it is not that. */
static char *
b64_decode(const char *in, size_t *outlen)
{
	size_t n = strlen(in), i, o = 0, pad = 0;
	unsigned long acc = 0;
	char *out;
	int v;

	if (n == 0 || n % 4 != 0 || n > KUBECFG_FILE_MAX * 2)
		return NULL;
	if (in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	out = xmalloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i++) {
		if (i >= n - pad)
			v = 0;
		else if ((v = b64_value((unsigned char)in[i])) == -1) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (unsigned long)v;
		if (i % 4 == 3) {
			out[o++] = (char)(acc >> 16 & 0xff);
			out[o++] = (char)(acc >> 8 & 0xff);
			out[o++] = (char)(acc & 0xff);
			acc = 0;
		}
	}
	o -= pad;
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* https://host[:port][/prefix], printable, bounded; the final '/' cut. */
static char *
kubecfg_server(const char *url, const char *what, char *err, size_t errlen)
{
	size_t n = strlen(url), i;
	char *s;

	if (strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "%s: server \"%.64s\" must be an "
		    "https:// URL (the agent never talks to the API server in "
		    "clear)", what, url);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (url[i] <= ' ' || url[i] > '~')
			break;
	if (i < n || n > KUBECFG_SERVER_MAX || n == 8 || url[8] == '/') {
		snprintf(err, errlen, "%s: server is not a valid URL", what);
		return NULL;
	}
	s = xstrdup(url);
	while (n > 8 && s[n - 1] == '/')
		s[--n] = '\0';
	return s;
}

static int
kubecfg_namespace(const char *ns, const char *what, char *err, size_t errlen)
{
	if (!dns1123_label(ns)) {
		snprintf(err, errlen, "%s: namespace \"%.64s\" is not a "
		    "DNS-1123 label", what, ns);
		return -1;
	}
	return 0;
}

int
kubecfg_incluster(const char *dir, struct kubecfg *kc, char *err,
    size_t errlen)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	char token[KUBECFG_TOKEN_MAX + 1], *url, *ns;
	int64_t portnum;
	size_t len;

	memset(kc, 0, sizeof(*kc));
	if (dir == NULL)
		dir = KUBECFG_SA_DIR;
	if (host == NULL || port == NULL || host[0] == '\0') {
		snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_HOST and "
		    "KUBERNETES_SERVICE_PORT are not set (not running in a "
		    "pod?  give a kubeconfig instead)");
		return -1;
	}
	if (strspn(host, "0123456789abcdefABCDEF.:-") != strlen(host) &&
	    strspn(host, "abcdefghijklmnopqrstuvwxyz0123456789.-") !=
	    strlen(host)) {
		snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_HOST "
		    "\"%.64s\" is not a host name or address", host);
		return -1;
	}
	if (parse_int64(port, 1, 65535, &portnum) == -1) {
		snprintf(err, errlen, "in-cluster: KUBERNETES_SERVICE_PORT "
		    "\"%.16s\" is not a port", port);
		return -1;
	}
	xasprintf(&url, strchr(host, ':') ? "https://[%s]:%lld" :
	    "https://%s:%lld", host, (long long)portnum);
	kc->server = kubecfg_server(url, "in-cluster", err, errlen);
	free(url);
	if (kc->server == NULL)
		goto fail;
	xasprintf(&kc->token_file, "%s/token", dir);
	xasprintf(&kc->ca_file, "%s/ca.crt", dir);
	if (kubecfg_read_token(kc->token_file, token, sizeof(token), err,
	    errlen) == -1)
		goto fail;
	ssd_explicit_bzero(token, sizeof(token));
	if (access(kc->ca_file, R_OK) == -1) {
		snprintf(err, errlen, "in-cluster: %s: %s", kc->ca_file,
		    strerror(errno));
		goto fail;
	}
	xasprintf(&url, "%s/namespace", dir);
	ns = kubecfg_read_file(url, 256, &len, err, errlen);
	free(url);
	if (ns == NULL)
		goto fail;
	while (len > 0 && isspace((unsigned char)ns[len - 1]))
		ns[--len] = '\0';
	kc->namespace = ns;
	if (kubecfg_namespace(ns, "in-cluster", err, errlen) == -1)
		goto fail;
	return 0;
fail:
	kubecfg_free(kc);
	return -1;
}

/* An optional string member; -1 if present and not a string. */
static int
kc_str(const cJSON *o, const char *key, const char *what, const char **out,
    char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v)) {
		snprintf(err, errlen, "kubeconfig: %s: %s must be a string",
		    what, key);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

/* The `field` object of the entry called name in the list `list`. */
static const cJSON *
kc_named(const cJSON *root, const char *list, const char *field,
    const char *name, char *err, size_t errlen)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, list), *e, *n;
	const cJSON *v;

	if (!cJSON_IsArray(l)) {
		snprintf(err, errlen, "kubeconfig: no %s list", list);
		return NULL;
	}
	cJSON_ArrayForEach(e, l) {
		n = cJSON_GetObjectItemCaseSensitive(e, "name");
		if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
			continue;
		v = cJSON_GetObjectItemCaseSensitive(e, field);
		if (!cJSON_IsObject(v)) {
			snprintf(err, errlen, "kubeconfig: %s \"%.64s\" has no "
			    "%s object", field, name, field);
			return NULL;
		}
		return v;
	}
	snprintf(err, errlen, "kubeconfig: no %s named \"%.64s\"", field,
	    name);
	return NULL;
}

/* A file name from the kubeconfig, relative to its directory. */
static char *
kc_path(const char *p, const char *dir, const char *what, const char *key,
    char *err, size_t errlen)
{
	char *path;

	if (p[0] == '/' || dir == NULL)
		path = xstrdup(p);
	else
		xasprintf(&path, "%s/%s", dir, p);
	if (access(path, R_OK) == -1) {
		snprintf(err, errlen, "kubeconfig: %s: %s %.200s: %s", what,
		    key, path, strerror(errno));
		free(path);
		return NULL;
	}
	return path;
}

/*
 * A PEM item given either as a file (key) or inline (key-data, base64):
 * one of them, or neither when optional.
 */
static int
kc_pem(const cJSON *o, const char *key, const char *dir, const char *what,
    char **file, char **data, size_t *len, char *err, size_t errlen)
{
	const char *f, *d;
	char dkey[64];

	snprintf(dkey, sizeof(dkey), "%s-data", key);
	if (kc_str(o, key, what, &f, err, errlen) == -1 ||
	    kc_str(o, dkey, what, &d, err, errlen) == -1)
		return -1;
	if (f != NULL && d != NULL) {
		snprintf(err, errlen, "kubeconfig: %s: both %s and %s are set",
		    what, key, dkey);
		return -1;
	}
	if (f != NULL && (*file = kc_path(f, dir, what, key, err, errlen)) ==
	    NULL)
		return -1;
	if (d != NULL && (*data = b64_decode(d, len)) == NULL) {
		snprintf(err, errlen, "kubeconfig: %s: %s is not valid base64",
		    what, dkey);
		return -1;
	}
	return 0;
}

/* Fields the agent cannot honour are refused, not silently ignored. */
static int
kc_refuse(const cJSON *o, const char *const *keys, const char *what,
    char *err, size_t errlen)
{
	for (; *keys != NULL; keys++)
		if (cJSON_GetObjectItemCaseSensitive(o, *keys) != NULL) {
			snprintf(err, errlen, "kubeconfig: %s: %s is not "
			    "supported by ssd-agent-k8s", what, *keys);
			return -1;
		}
	return 0;
}

static int
kc_cluster(const cJSON *cl, const char *name, const char *dir,
    struct kubecfg *kc, char *err, size_t errlen)
{
	static const char *const refused[] = { "proxy-url", "tls-server-name",
	    NULL };
	const cJSON *insecure;
	const char *server;
	char what[96];

	snprintf(what, sizeof(what), "cluster \"%.64s\"", name);
	insecure = cJSON_GetObjectItemCaseSensitive(cl, "insecure-skip-tls-"
	    "verify");
	if (insecure != NULL && !cJSON_IsFalse(insecure)) {
		snprintf(err, errlen, "kubeconfig: %s: "
		    "insecure-skip-tls-verify is refused: the agent always "
		    "verifies the API server's certificate (give "
		    "certificate-authority-data)", what);
		return -1;
	}
	if (kc_refuse(cl, refused, what, err, errlen) == -1 ||
	    kc_str(cl, "server", what, &server, err, errlen) == -1)
		return -1;
	if (server == NULL) {
		snprintf(err, errlen, "kubeconfig: %s has no server", what);
		return -1;
	}
	if ((kc->server = kubecfg_server(server, what, err, errlen)) == NULL)
		return -1;
	return kc_pem(cl, "certificate-authority", dir, what, &kc->ca_file,
	    &kc->ca_data, &kc->ca_len, err, errlen);
}

static int
kc_user(const cJSON *u, const char *name, const char *dir,
    struct kubecfg *kc, char *err, size_t errlen)
{
	static const char *const refused[] = { "exec", "auth-provider",
	    "username", "password", "as", "as-groups", NULL };
	const char *token, *token_file;
	char what[96];

	snprintf(what, sizeof(what), "user \"%.64s\"", name);
	if (kc_refuse(u, refused, what, err, errlen) == -1 ||
	    kc_str(u, "token", what, &token, err, errlen) == -1 ||
	    kc_str(u, "tokenFile", what, &token_file, err, errlen) == -1)
		return -1;
	if (token != NULL && token_file != NULL) {
		snprintf(err, errlen, "kubeconfig: %s: both token and "
		    "tokenFile are set", what);
		return -1;
	}
	if (token != NULL) {
		if (!kubecfg_token_ok(token, strlen(token))) {
			snprintf(err, errlen, "kubeconfig: %s: token is empty, "
			    "too long or not printable ASCII", what);
			return -1;
		}
		kc->token = xstrdup(token);
	}
	if (token_file != NULL && (kc->token_file = kc_path(token_file, dir,
	    what, "tokenFile", err, errlen)) == NULL)
		return -1;
	if (kc_pem(u, "client-certificate", dir, what, &kc->cert_file,
	    &kc->cert_data, &kc->cert_len, err, errlen) == -1 ||
	    kc_pem(u, "client-key", dir, what, &kc->key_file, &kc->key_data,
	    &kc->key_len, err, errlen) == -1)
		return -1;
	if ((kc->cert_file || kc->cert_data) != (kc->key_file ||
	    kc->key_data)) {
		snprintf(err, errlen, "kubeconfig: %s: a client certificate "
		    "needs its key and a key its certificate", what);
		return -1;
	}
	if (kc->token == NULL && kc->token_file == NULL && kc->cert_file ==
	    NULL && kc->cert_data == NULL) {
		snprintf(err, errlen, "kubeconfig: %s has no credentials "
		    "(token, tokenFile or client-certificate and client-key)",
		    what);
		return -1;
	}
	return 0;
}

static int
kc_root(const cJSON *root, const char *dir, struct kubecfg *kc, char *err,
    size_t errlen)
{
	const char *cur, *cluster, *user, *ns;
	const cJSON *ctx, *cl, *u;
	char what[96];

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "kubeconfig: not a mapping");
		return -1;
	}
	if (kc_str(root, "current-context", "top level", &cur, err,
	    errlen) == -1)
		return -1;
	if (cur == NULL || cur[0] == '\0') {
		snprintf(err, errlen, "kubeconfig: current-context is not set");
		return -1;
	}
	if ((ctx = kc_named(root, "contexts", "context", cur, err,
	    errlen)) == NULL)
		return -1;
	snprintf(what, sizeof(what), "context \"%.64s\"", cur);
	if (kc_str(ctx, "cluster", what, &cluster, err, errlen) == -1 ||
	    kc_str(ctx, "user", what, &user, err, errlen) == -1 ||
	    kc_str(ctx, "namespace", what, &ns, err, errlen) == -1)
		return -1;
	if (cluster == NULL || user == NULL) {
		snprintf(err, errlen, "kubeconfig: %s must name a cluster and "
		    "a user", what);
		return -1;
	}
	if (ns != NULL && kubecfg_namespace(ns, what, err, errlen) == -1)
		return -1;
	if (ns != NULL)
		kc->namespace = xstrdup(ns);
	if ((cl = kc_named(root, "clusters", "cluster", cluster, err,
	    errlen)) == NULL || kc_cluster(cl, cluster, dir, kc, err,
	    errlen) == -1)
		return -1;
	if ((u = kc_named(root, "users", "user", user, err, errlen)) == NULL)
		return -1;
	return kc_user(u, user, dir, kc, err, errlen);
}

int
kubecfg_parse(const char *text, size_t len, const char *dir,
    struct kubecfg *kc, char *err, size_t errlen)
{
	char yerr[256];
	cJSON *docs;
	int rc;

	memset(kc, 0, sizeof(*kc));
	if ((docs = yaml_to_json(text, len, yerr, sizeof(yerr))) == NULL) {
		snprintf(err, errlen, "kubeconfig: %s", yerr);
		return -1;
	}
	if (cJSON_GetArraySize(docs) != 1) {
		snprintf(err, errlen, "kubeconfig: expected one YAML document, "
		    "found %d", cJSON_GetArraySize(docs));
		cJSON_Delete(docs);
		return -1;
	}
	rc = kc_root(cJSON_GetArrayItem(docs, 0), dir, kc, err, errlen);
	cJSON_Delete(docs);
	if (rc == -1)
		kubecfg_free(kc);
	return rc;
}

int
kubecfg_load(const char *path, struct kubecfg *kc, char *err, size_t errlen)
{
	char *text, *dir, *slash;
	size_t len;
	int rc;

	memset(kc, 0, sizeof(*kc));
	if ((text = kubecfg_read_file(path, KUBECFG_FILE_MAX, &len, err,
	    errlen)) == NULL)
		return -1;
	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	rc = kubecfg_parse(text, len, dir, kc, err, errlen);
	free(dir);
	ssd_explicit_bzero(text, len);
	free(text);
	return rc;
}

static void
kubecfg_free_secret(char **p, size_t len)
{
	if (*p != NULL)
		ssd_explicit_bzero(*p, len);
	free(*p);
	*p = NULL;
}

void
kubecfg_free(struct kubecfg *kc)
{
	free(kc->server);
	free(kc->ca_file);
	free(kc->ca_data);
	if (kc->token != NULL)
		kubecfg_free_secret(&kc->token, strlen(kc->token));
	free(kc->token_file);
	free(kc->cert_file);
	free(kc->cert_data);
	free(kc->key_file);
	kubecfg_free_secret(&kc->key_data, kc->key_len);
	free(kc->namespace);
	memset(kc, 0, sizeof(*kc));
}
