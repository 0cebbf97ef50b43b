/*
 * cookie.c - the web UI's login cookie: its name and flags, finding it in
 * a request, setting it at login and clearing it at logout, and the CSRF
 * rule for what it authenticates: a request that changes something (or
 * opens a WebSocket) must come from the UI's own origin.  Never logs a
 * cookie's value; holds nothing but settings.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "util.h"

#define COOKIE_ORIGIN_MAX	256

static struct {
	const char	*name;		/* "__Host-ssd" when Secure, else "ssd" */
	int		 secure;
	char		 origin[COOKIE_ORIGIN_MAX];	/* web_origin */
	char		 header[JWT_MAX_LEN + 256];	/* Set-Cookie */
} ck;

/* 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
static int
cookie_loopback(const char *addr)
{
	static const unsigned char v6lo[16] = { [15] = 1 };
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned char a[16];

	if (inet_pton(AF_INET, addr, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, addr, a) != 1)
		return 0;
	return memcmp(a, v6lo, 16) == 0 || (memcmp(a, mapped, 12) == 0 &&
	    a[12] == 127);
}

void
cookie_configure(const struct conf *c)
{
	const char *mode = conf_str(c, S_WEB_COOKIE_SECURE);

	if (strcmp(mode, "auto") == 0)
		ck.secure = !cookie_loopback(conf_str(c, S_LISTEN_ADDRESS));
	else
		ck.secure = strcmp(mode, "yes") == 0;
	/* The prefix makes browsers refuse it unless Secure, host-only, /. */
	ck.name = ck.secure ? "__Host-ssd" : "ssd";
	ssd_strlcpy(ck.origin, conf_str(c, S_WEB_ORIGIN), sizeof(ck.origin));
}

int
cookie_secure(void)
{
	return ck.secure;
}

/* Does the request come from the UI's origin (Origin, Sec-Fetch-Site)? */
static int
cookie_same_origin(const struct request *r)
{
	const char *o, *host, *site;
	size_t olen, hlen, slen;

	site = http_header_get(r->http, "Sec-Fetch-Site", &slen);
	if (site != NULL && (slen != 11 || strncasecmp(site, "same-origin",
	    11) != 0))
		return 0;
	if ((o = http_header_get(r->http, "Origin", &olen)) == NULL)
		return 0;
	if (ck.origin[0] != '\0')
		return olen == strlen(ck.origin) &&
		    strncasecmp(o, ck.origin, olen) == 0;
	host = http_header_get(r->http, "Host", &hlen);
	return http_origin_is(o, olen, host, hlen);
}

/*
 * 0 when r may go on: a read, or a change from the UI's own origin;
 * otherwise answers 403 and returns -1.
 */
static int
cookie_csrf_check(struct request *r)
{
	enum http_method m = r->http->method;

	if ((m == HTTP_M_GET || m == HTTP_M_HEAD) &&
	    !r->http->upgrade_websocket && !r->cookie_login)
		return 0;
	if (cookie_same_origin(r))
		return 0;
	log_info("%s: %s %s with the UI's cookie from another origin, "
	    "refused", server_peer(r), r->http->method_str, r->path);
	server_reply_error_code(r, 403, "cross_origin", "refused: this "
	    "request did not come from this site's own pages");
	return -1;
}

int
cookie_credentials(struct request *r, const char **tok, size_t *len)
{
	const char *v = http_cookie_get(r->http, ck.name, len);

	*tok = NULL;
	if (v == NULL || *len == 0 || *len > JWT_MAX_LEN)
		return 0;
	r->via_cookie = 1;
	if (cookie_csrf_check(r) == -1)
		return -1;
	*tok = v;
	return 0;
}

/* Set-Cookie with the value and lifetime given, and the fixed flags. */
static void
cookie_header(struct request *r, const char *value, size_t len,
    long long max_age)
{
	snprintf(ck.header, sizeof(ck.header), "Set-Cookie: %s=%.*s; Path=/; "
	    "Max-Age=%lld; HttpOnly; SameSite=Strict%s\r\n", ck.name,
	    (int)len, value, max_age, ck.secure ? "; Secure" : "");
	r->extra_headers = ck.header;
}

void
cookie_set(struct request *r, const char *token, int64_t expires)
{
	int64_t left = expires - (int64_t)(wall_ms() / 1000);

	cookie_header(r, token, strlen(token), left > 0 ? left : 0);
}

void
cookie_clear(struct request *r)
{
	cookie_header(r, "", 0, 0);
}

/* POST /api/v1/auth/session: a login whose token goes into the cookie. */
void
cookie_login(struct request *r)
{
	r->cookie_login = 1;
	if (cookie_csrf_check(r) == -1)
		return;
	auth_login(r);
}
