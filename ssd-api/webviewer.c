/*
 * webviewer.c - the browser's VNC viewer: /vnc-viewer/ID, a page of ours
 * around noVNC, and /novnc/..., noVNC's own files read-only from
 * novnc_dir (Debian's package).  The page gets a viewer ticket with the
 * user's token and connects to /api/v1/vnc/ID; nothing here needs the
 * database.  Files are small and local: read whole, size-bounded.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define WEB_FILE_MAX	(4 * 1024 * 1024)

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

/* The page; %s are the session id (JSON string, HTML-safe) thrice. */
static const char web_page[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
"<title>StreamSpace session</title>\n"
"<style>\n"
"html, body { margin: 0; height: 100%%; background: #1b1b1b; color: #eee;"
" font: 14px sans-serif; display: flex; flex-direction: column; }\n"
"#bar { display: flex; gap: 1em; align-items: center; padding: 4px 8px;"
" background: #333; }\n"
"#status { flex: 1; }\n"
"#screen { flex: 1; overflow: hidden; }\n"
"button { font: inherit; }\n"
"</style></head><body>\n"
"<div id=\"bar\"><span id=\"status\">Loading</span>"
"<button id=\"reconnect\" hidden>Reconnect</button>"
"<button id=\"fullscreen\">Full screen</button></div>\n"
"<div id=\"screen\"></div>\n"
"<script type=\"module\">\n"
"import RFB from '/novnc/core/rfb.js';\n"
"const session = %s;\n"
"const status = document.getElementById('status');\n"
"const again = document.getElementById('reconnect');\n"
"const say = (t) => { status.textContent = t; };\n"
"/* The user's token: #token=... (never sent to the server), else the\n"
"   web UI's. */\n"
"const hash = new URLSearchParams(location.hash.slice(1));\n"
"const token = hash.get('token') || localStorage.getItem('token') || '';\n"
"if (hash.get('token')) localStorage.setItem('token', hash.get('token'));\n"
"history.replaceState(null, '', location.pathname);\n"
"let rfb = null;\n"
"async function api(method, path) {\n"
"  const r = await fetch(path, { method, headers: token ?\n"
"      { Authorization: 'Bearer ' + token } : {} });\n"
"  let body = {};\n"
"  try { body = await r.json(); } catch (e) { }\n"
"  return { status: r.status, body };\n"
"}\n"
"async function connect() {\n"
"  again.hidden = true;\n"
"  say('Connecting to ' + session);\n"
"  const s = await api('GET', '/api/v1/sessions/' +\n"
"      encodeURIComponent(session));\n"
"  if (s.status === 401) { say('Log in first: no valid token.'); return; }\n"
"  if (s.status === 404) { say('No such session: ' + session); return; }\n"
"  if (s.status !== 200) { say('Error: ' + (s.body.message || s.status));\n"
"    again.hidden = false; return; }\n"
"  if (s.body.state === 'degraded') {\n"
"    say('The agent running this session is offline.');\n"
"    again.hidden = false; return; }\n"
"  if (s.body.state !== 'running') {\n"
"    say('The session is not running (it is ' + s.body.state + ').');\n"
"    again.hidden = false; return; }\n"
"  const t = await api('POST', '/api/v1/sessions/' +\n"
"      encodeURIComponent(session) + '/viewer-ticket');\n"
"  if (t.status !== 201) { say('Cannot view it: ' + (t.body.message ||\n"
"      t.status)); again.hidden = false; return; }\n"
"  const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') +\n"
"      location.host + t.body.url;\n"
"  rfb = new RFB(document.getElementById('screen'), url);\n"
"  rfb.scaleViewport = true;\n"
"  rfb.addEventListener('connect', () => say('Connected: ' + session +\n"
"      '  (Ctrl+Alt+Shift+F full screen, Ctrl+Alt+Shift+R reconnect)'));\n"
"  rfb.addEventListener('disconnect', (e) => {\n"
"    say(e.detail.clean ? 'Disconnected.' : 'Connection lost (the agent "
"or the session went away).');\n"
"    again.hidden = false; rfb = null; });\n"
"  rfb.addEventListener('securityfailure', (e) =>\n"
"    say('VNC security failure: ' + e.detail.reason));\n"
"  window.ssdViewer = rfb;\n"
"}\n"
"function reconnect() { if (rfb) { rfb.disconnect(); rfb = null; }\n"
"  connect(); }\n"
"function fullscreen() { document.documentElement.requestFullscreen(); }\n"
"again.addEventListener('click', reconnect);\n"
"document.getElementById('fullscreen').addEventListener('click',\n"
"    fullscreen);\n"
"document.addEventListener('keydown', (e) => {\n"
"  if (!(e.ctrlKey && e.altKey && e.shiftKey)) return;\n"
"  if (e.code === 'KeyF') { e.preventDefault(); fullscreen(); }\n"
"  if (e.code === 'KeyR') { e.preventDefault(); reconnect(); }\n"
"}, true);\n"
"connect();\n"
"</script></body></html>\n";

/* The session id as a JS string literal that is also safe inside HTML. */
static int
web_js_string(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (len < 3)
		return -1;
	out[o++] = '"';
	for (; *s != '\0'; s++) {
		if (o + 8 >= len)
			return -1;
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		    *s == '.')
			out[o++] = *s;
		else
			o += (size_t)snprintf(out + o, len - o, "\\u%04x",
			    (unsigned char)*s);
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

void
web_viewer_page(struct request *r)
{
	char id[1024], *page;
	int n;

	if (web_js_string(r->params[0], id, sizeof(id)) == -1) {
		server_reply_error(r, 404, "no such session");
		return;
	}
	n = xasprintf(&page, web_page, id);
	server_reply(r, 200, "text/html; charset=utf-8", page, (size_t)n);
	free(page);
}

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

/* noVNC's files: plain names below novnc_dir, regular files only. */
void
web_novnc_file(struct request *r)
{
	const char *rel = r->params[0], *type;
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t got;
	int fd;

	if (rel[strspn(rel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZ0123456789._-/")] != '\0' || strstr(rel, "..") != NULL ||
	    (type = web_type(rel)) == NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", conf_str(
	    worker_conf(), S_NOVNC_DIR), rel) >= sizeof(path)) {
		server_reply_error(r, 404, "not found");
		return;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size > WEB_FILE_MAX) {
		if (fd == -1 && errno != ENOENT)
			log_warn("%s", path);
		if (fd != -1)
			close(fd);
		server_reply_error(r, 404, "not found");
		return;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	got = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		log_warnx("%s: short read", path);
		server_reply_error(r, 500, "cannot read the file");
	} else
		server_reply(r, 200, type, buf, (size_t)got);
	free(buf);
}
