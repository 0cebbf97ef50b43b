/*
 * webhost.c - session names on the network (webhost.h): session hosts
 * under session_domain, and request heads rewritten for a session's pod
 * (labels of session ids: webhost_label.c).  Reads only the bytes it is
 * given, writes only within the caller's buffers.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "util.h"
#include "webhost.h"

/* One DNS-1123 label of s[0..n): [a-z0-9], '-' inside, 1-63 bytes. */
static int
webhost_label_ok(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
webhost_domain_ok(const char *s)
{
	size_t n = strlen(s), i, start = 0;

	if (n == 0 || n > WEBHOST_DOMAIN_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (s[i] != '.' && s[i] != '\0')
			continue;
		if (!webhost_label_ok(s + start, i - start, 63))
			return 0;
		start = i + 1;
	}
	return 1;
}

int
webhost_match(const char *host, size_t len, const char *domain,
    char *label)
{
	size_t dlen = strlen(domain), i, n = len, plen = strlen(WEBHOST_PREFIX);
	char name[WEBHOST_DOMAIN_MAX + WEBHOST_LABEL_MAX + 8];

	if (len == 0 || host[0] == '[')
		return 0;
	/* ":" port, digits only; the port does not name the session. */
	for (i = len; i > 0 && host[i - 1] != ':'; i--)
		;
	if (i > 0) {
		if (i == len)
			return 0;
		for (n = i; n < len; n++)
			if (!isdigit((unsigned char)host[n]))
				return 0;
		n = i - 1;
	}
	if (n > 0 && host[n - 1] == '.')
		n--;	/* an absolute name */
	if (n <= dlen + 1 || n >= sizeof(name) || host[n - dlen - 1] != '.' ||
	    strncasecmp(host + n - dlen, domain, dlen) != 0)
		return 0;
	for (i = 0; i < n - dlen - 1; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	n = i;
	if (n <= plen || strncmp(name, WEBHOST_PREFIX, plen) != 0 ||
	    !webhost_label_ok(name + plen, n - plen, WEBHOST_LABEL_MAX))
		return -1;
	memcpy(label, name + plen, n - plen);
	label[n - plen] = '\0';
	return 1;
}

/* Appends s[0..n) to out at *used; -1 when it does not fit. */
static int
webhost_put(char *out, size_t outlen, size_t *used, const char *s, size_t n)
{
	if (n > outlen - *used)
		return -1;
	memcpy(out + *used, s, n);
	*used += n;
	return 0;
}

static int
webhost_dropped(const char *name, size_t n, const char *const *drop)
{
	for (; *drop != NULL; drop++)
		if (strlen(*drop) == n && memcmp(*drop, name, n) == 0)
			return 1;
	return 0;
}

/*
 * A Cookie field's value without the dropped pairs, "; "-separated;
 * *kept says how many pairs are left.
 */
static int
webhost_cookies(const char *v, size_t len, const char *const *drop,
    char *out, size_t outlen, size_t *used, int *kept)
{
	const char *end = v + len, *p = v, *semi, *eq;
	size_t n;

	*kept = 0;
	while (p < end) {
		semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			semi = end;
		while (p < semi && (*p == ' ' || *p == '\t'))
			p++;
		n = (size_t)(semi - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		eq = memchr(p, '=', n);
		if (n > 0 && !webhost_dropped(p, eq ? (size_t)(eq - p) : n,
		    drop)) {
			if ((*kept > 0 && webhost_put(out, outlen, used, "; ",
			    2) == -1) || webhost_put(out, outlen, used, p,
			    n) == -1)
				return -1;
			(*kept)++;
		}
		p = semi + 1;
	}
	return 0;
}

long
webhost_head(const struct http_request *req, const char *const *drop,
    char *out, size_t outlen)
{
	const struct http_header *h;
	size_t used = 0, mark, i;
	char line[64];
	int kept, n;

	n = snprintf(line, sizeof(line), " HTTP/1.%d\r\n", req->version_minor);
	if (webhost_put(out, outlen, &used, req->method_str,
	    strlen(req->method_str)) == -1 || webhost_put(out, outlen, &used,
	    " ", 1) == -1 || webhost_put(out, outlen, &used, req->target,
	    req->target_len) == -1 || webhost_put(out, outlen, &used, line,
	    (size_t)n) == -1)
		return -1;
	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		mark = used;
		if (webhost_put(out, outlen, &used, h->name, h->name_len) ==
		    -1 || webhost_put(out, outlen, &used, ": ", 2) == -1)
			return -1;
		if (h->name_len == 6 && strncasecmp(h->name, "Cookie", 6) == 0) {
			if (webhost_cookies(h->value, h->value_len, drop, out,
			    outlen, &used, &kept) == -1)
				return -1;
			if (kept == 0) {
				used = mark;
				continue;
			}
		} else if (webhost_put(out, outlen, &used, h->value,
		    h->value_len) == -1)
			return -1;
		if (webhost_put(out, outlen, &used, "\r\n", 2) == -1)
			return -1;
	}
	if (webhost_put(out, outlen, &used, "\r\n", 2) == -1)
		return -1;
	return (long)used;
}
