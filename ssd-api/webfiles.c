/*
 * webfiles.c - files for browsers, read-only: the web UI's own from
 * web_dir (/ui/..., and index.html for each of its pages, so that deep
 * links work on reload) and noVNC's from novnc_dir (/novnc/...).  Plain
 * names of known types below those directories, regular files only,
 * never a symbolic link's target; validators (ETag, Last-Modified) and
 * precompressed .gz siblings.  Every HTML answer carries the security
 * headers.  No database; files are small and local: read whole, bounded.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define WEB_FILE_MAX	(4 * 1024 * 1024)
#define WEB_INDEX	"index.html"

/*
 * Scripts only from files of this origin (no inline code, no eval), no
 * plugins, never in a frame; images also from https: (template icons).
 */
#define WEB_HTML_HEADERS \
    "Content-Security-Policy: default-src 'none'; script-src 'self'; " \
    "style-src 'self'; img-src 'self' data: https:; connect-src 'self'; " \
    "font-src 'self'; manifest-src 'self'; base-uri 'none'; " \
    "form-action 'self'; frame-ancestors 'none'\r\n" \
    "X-Frame-Options: DENY\r\n" \
    "Referrer-Policy: no-referrer\r\n" \
    "Cross-Origin-Opener-Policy: same-origin\r\n"

static const struct {
	const char	*ext;
	const char	*type;
} web_types[] = {
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".html", "text/html; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json" },
	{ ".woff", "font/woff" },
	{ ".woff2", "font/woff2" },
	{ ".ttf", "font/ttf" },
};

/* One file opened for an answer. */
struct web_file {
	int		 fd;
	struct stat	 st;
	int		 gzip;		/* fd is the .gz sibling */
	int		 has_gz;	/* a .gz sibling exists */
};

static const char *
web_type(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot != NULL && i < nitems(web_types); i++)
		if (strcmp(dot, web_types[i].ext) == 0)
			return web_types[i].type;
	return NULL;
}

/*
 * A name below a root: letters, digits, "._-/", no empty or dot-led
 * segment (no "..", no hidden files), no leading slash.
 */
static int
web_name_ok(const char *rel)
{
	const char *p;

	if (*rel == '\0' || rel[strspn(rel, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/")] != '\0')
		return 0;
	for (p = rel;; p++) {
		if (*p == '.' || *p == '/' || *p == '\0')
			return 0;
		if ((p = strchr(p, '/')) == NULL)
			return 1;
	}
}

static int
web_open_regular(const char *path, struct stat *st)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
			log_warn("%s", path);
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    st->st_size > WEB_FILE_MAX) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Opens root/rel, or its .gz sibling when the client takes gzip. */
static int
web_open(struct request *r, const char *root, const char *rel,
    struct web_file *f)
{
	char path[PATH_MAX];
	struct stat gst;
	int gfd;

	memset(f, 0, sizeof(*f));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.gz", root, rel) >=
	    sizeof(path))
		return -1;
	gfd = web_open_regular(path, &gst);
	path[strlen(path) - 3] = '\0';
	if ((f->fd = web_open_regular(path, &f->st)) == -1) {
		if (gfd != -1)
			close(gfd);
		return -1;
	}
	f->has_gz = gfd != -1;
	if (gfd != -1 && http_header_has_token(r->http, "Accept-Encoding",
	    "gzip")) {
		close(f->fd);
		f->fd = gfd;
		f->st = gst;
		f->gzip = 1;
	} else if (gfd != -1)
		close(gfd);
	return 0;
}

/* Does an If-None-Match list name etag (or "*")? */
static int
web_etag_matches(const char *v, size_t len, const char *etag)
{
	size_t n = strlen(etag);

	if (len == 1 && v[0] == '*')
		return 1;
	return memmem(v, len, etag, n) != NULL;
}

static void
web_reply_file(struct request *r, struct web_file *f, const char *type,
    int html)
{
	static char hdrs[1024];
	char etag[64], lastmod[64];
	const char *v;
	struct tm tm;
	ssize_t got;
	size_t n;
	char *buf;

	snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"",
	    (unsigned long long)f->st.st_size,
	    (unsigned long long)f->st.st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)f->st.st_mtim.tv_nsec, f->gzip ? "-gz" : "");
	strftime(lastmod, sizeof(lastmod), "%a, %d %b %Y %H:%M:%S GMT",
	    gmtime_r(&f->st.st_mtim.tv_sec, &tm));
	snprintf(hdrs, sizeof(hdrs), "ETag: %s\r\nLast-Modified: %s\r\n%s%s%s",
	    etag, lastmod, f->gzip ? "Content-Encoding: gzip\r\n" : "",
	    f->has_gz ? "Vary: Accept-Encoding\r\n" : "",
	    html ? WEB_HTML_HEADERS : "");
	r->extra_headers = hdrs;
	/* Files change only with an upgrade: revalidate, cheaply. */
	r->cache_control = "no-cache";
	if (((v = http_header_get(r->http, "If-None-Match", &n)) != NULL &&
	    web_etag_matches(v, n, etag)) || (v == NULL &&
	    (v = http_header_get(r->http, "If-Modified-Since", &n)) != NULL &&
	    n == strlen(lastmod) && memcmp(v, lastmod, n) == 0)) {
		close(f->fd);
		server_reply(r, 304, type, NULL, 0);
		return;
	}
	buf = xmalloc((size_t)f->st.st_size + 1);
	got = read(f->fd, buf, (size_t)f->st.st_size);
	close(f->fd);
	if (got != f->st.st_size) {
		log_warnx("%s: short read of a web file", server_peer(r));
		r->extra_headers = NULL;
		server_reply_error(r, 500, "cannot read the file");
	} else
		server_reply(r, 200, type, buf, (size_t)got);
	free(buf);
}

/* Answers with root/rel, or 404. */
static void
web_send(struct request *r, const char *root, const char *rel)
{
	struct web_file f;
	const char *type;

	if (!web_name_ok(rel) || (type = web_type(rel)) == NULL ||
	    web_open(r, root, rel, &f) == -1) {
		server_reply_error(r, 404, "not found");
		return;
	}
	web_reply_file(r, &f, type, strcmp(type, web_types[1].type) == 0);
}

/* /, /sessions/ID, /admin/...: the UI's one page, which routes itself. */
void
web_app_page(struct request *r)
{
	web_send(r, conf_str(worker_conf(), S_WEB_DIR), WEB_INDEX);
}

void
web_ui_file(struct request *r)
{
	web_send(r, conf_str(worker_conf(), S_WEB_DIR), r->params[0]);
}

void
web_novnc_file(struct request *r)
{
	web_send(r, conf_str(worker_conf(), S_NOVNC_DIR), r->params[0]);
}
