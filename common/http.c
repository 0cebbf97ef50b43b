/*
 * http.c - HTTP/1.1 request parsing (http.h): strict where ambiguity
 * would let a front proxy and ssd disagree about where a request ends
 * (request smuggling), bounded everywhere, never reads past its input
 * and never allocates.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "http.h"

static const struct {
	enum http_method	 m;
	const char		*name;
} http_methods[] = {
	{ HTTP_M_GET, "GET" }, { HTTP_M_HEAD, "HEAD" },
	{ HTTP_M_POST, "POST" }, { HTTP_M_PUT, "PUT" },
	{ HTTP_M_PATCH, "PATCH" }, { HTTP_M_DELETE, "DELETE" },
	{ HTTP_M_OPTIONS, "OPTIONS" },
};

#define HTTP_NMETHODS	(sizeof(http_methods) / sizeof(http_methods[0]))

const char *
http_method_name(enum http_method m)
{
	size_t i;

	for (i = 0; i < HTTP_NMETHODS; i++)
		if (http_methods[i].m == m)
			return http_methods[i].name;
	return "OTHER";
}

/* RFC 9110 §5.6.2 tchar. */
int
http_is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Control characters other than HTAB, as refused in field values. */
int
http_is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Characters of uri-host [ ":" port ] (RFC 3986), as in Host. */
static int
http_hostchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("-._~!$&'()*+,;=%:[]", c) != NULL);
}

static int
http_host_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!http_hostchar((unsigned char)s[i]))
			return 0;
	return 1;
}


/*
 * The line starting at pos: 1 with its length (without CRLF or LF) and
 * the position after it, 0 if it is incomplete, -1 on a bare CR.
 */
static int
http_line(const char *buf, size_t len, size_t pos, size_t *line_len,
    size_t *next)
{
	const char *lf;
	size_t end;

	if (pos >= len ||
	    (lf = memchr(buf + pos, '\n', len - pos)) == NULL)
		return 0;	/* a bare CR is caught once the line is whole */
	end = (size_t)(lf - buf);
	*next = end + 1;
	if (end > pos && buf[end - 1] == '\r')
		end--;
	if (memchr(buf + pos, '\r', end - pos) != NULL)
		return -1;
	*line_len = end - pos;
	return 1;
}

/*
 * Splits the next element off a comma-separated list (RFC 9110 §5.6.1):
 * 1 with the element trimmed of OWS, 0 at the end.  Empty elements are
 * skipped.
 */
static int
http_list_next(const char *v, size_t len, size_t *pos, const char **elem,
    size_t *elen)
{
	size_t i = *pos, s, e;

	for (;;) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		if (i >= len) {
			*pos = i;
			return 0;
		}
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s)
			break;
	}
	*pos = i;
	*elem = v + s;
	*elen = e - s;
	return 1;
}

static int
http_list_has(const char *v, size_t len, const char *token)
{
	size_t tlen = strlen(token), pos = 0, elen;
	const char *elem;

	while (http_list_next(v, len, &pos, &elem, &elen))
		if (elen == tlen && strncasecmp(elem, token, tlen) == 0)
			return 1;
	return 0;
}

static int
http_name_is(const struct http_header *h, const char *name)
{
	size_t n = strlen(name);

	return h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

static const char *
http_fields_get(const struct http_header *hs, size_t n, const char *name,
    size_t *value_len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (http_name_is(&hs[i], name)) {
			if (value_len != NULL)
				*value_len = hs[i].value_len;
			return hs[i].value;
		}
	return NULL;
}

static int
http_fields_have_token(const struct http_header *hs, size_t n,
    const char *name, const char *token)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (http_name_is(&hs[i], name) &&
		    http_list_has(hs[i].value, hs[i].value_len, token))
			return 1;
	return 0;
}

const char *
http_header_get(const struct http_request *req, const char *name,
    size_t *value_len)
{
	return http_fields_get(req->headers, req->nheaders, name, value_len);
}

size_t
http_header_count(const struct http_request *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->nheaders; i++)
		n += http_name_is(&req->headers[i], name);
	return n;
}

int
http_header_has_token(const struct http_request *req, const char *name,
    const char *token)
{
	return http_fields_have_token(req->headers, req->nheaders, name,
	    token);
}

const char *
http_response_header(const struct http_response *res, const char *name,
    size_t *value_len)
{
	return http_fields_get(res->headers, res->nheaders, name, value_len);
}

int
http_response_has_token(const struct http_response *res, const char *name,
    const char *token)
{
	return http_fields_have_token(res->headers, res->nheaders, name,
	    token);
}

/*
 * origin-form, absolute-form (RFC 9112 §3.2.2: an origin server must
 * accept it; its authority wins over Host, which we do not use) or "*"
 * for OPTIONS.  authority-form is only for CONNECT, which we do not do.
 */
static int
http_parse_target(struct http_request *req)
{
	const char *t = req->target, *auth;
	size_t n = req->target_len, skip, i;

	if (memchr(t, '#', n) != NULL)
		return -400;
	if (n == 1 && t[0] == '*') {
		if (req->method != HTTP_M_OPTIONS)
			return -400;
		req->path = t;
		req->path_len = 1;
		return 0;
	}
	if (n > 7 && strncasecmp(t, "http://", 7) == 0)
		skip = 7;
	else if (n > 8 && strncasecmp(t, "https://", 8) == 0)
		skip = 8;
	else
		skip = 0;
	if (skip > 0) {
		auth = t + skip;
		for (i = skip; i < n && t[i] != '/' && t[i] != '?'; i++)
			;
		/* No userinfo ('@' is no host character), no empty host. */
		if (i == skip || !http_host_ok(auth, i - skip))
			return -400;
		t += i;
		n -= i;
		if (n == 0 || t[0] == '?') {
			req->path = "/";
			req->path_len = 1;
			if (n > 0) {
				req->query = t + 1;
				req->query_len = n - 1;
			}
			return 0;
		}
	}
	if (t[0] != '/')
		return -400;
	req->path = t;
	for (i = 0; i < n && t[i] != '?'; i++)
		;
	req->path_len = i;
	if (i < n) {
		req->query = t + i + 1;
		req->query_len = n - i - 1;
	}
	return 0;
}

/* "METHOD SP request-target SP HTTP/1.x", exactly. */
static int
http_parse_request_line(const char *line, size_t len,
    struct http_request *req)
{
	const char *sp1, *sp2, *v;
	size_t i, mlen;

	if ((sp1 = memchr(line, ' ', len)) == NULL)
		return -400;
	mlen = (size_t)(sp1 - line);
	if (mlen == 0 || mlen >= sizeof(req->method_str))
		return -400;
	for (i = 0; i < mlen; i++)
		if (!http_is_tchar((unsigned char)line[i]))
			return -400;
	memcpy(req->method_str, line, mlen);
	req->method_str[mlen] = '\0';
	req->method = HTTP_M_OTHER;
	for (i = 0; i < HTTP_NMETHODS; i++)
		if (strcmp(req->method_str, http_methods[i].name) == 0)
			req->method = http_methods[i].m;
	if ((sp2 = memchr(sp1 + 1, ' ', len - mlen - 1)) == NULL)
		return -400;
	req->target = sp1 + 1;
	req->target_len = (size_t)(sp2 - req->target);
	if (req->target_len == 0)
		return -400;
	for (i = 0; i < req->target_len; i++)
		if ((unsigned char)req->target[i] <= 0x20 ||
		    (unsigned char)req->target[i] >= 0x7f)
			return -400;
	v = sp2 + 1;
	if ((size_t)(line + len - v) != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' ||
	    v[7] > '9')
		return -400;
	if (v[5] != '1' || v[7] > '1')
		return -505;
	req->version_minor = v[7] - '0';
	return http_parse_target(req);
}

/*
 * While the request line is still arriving: -400 as soon as what came
 * cannot begin a method (say a TLS handshake on a plain port), else 0.
 */
static int
http_request_line_prefix(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && p[i] != ' '; i++) {
		if (p[i] == '\r' && i + 1 == n)
			return 0;	/* an empty line, or "GET\r" */
		if (i >= 15 || !http_is_tchar((unsigned char)p[i]))
			return -400;
	}
	return 0;
}

/* "name: OWS value OWS"; obs-fold and whitespace before ':' are 400. */
static int
http_parse_header(const char *line, size_t len, struct http_header *hs,
    size_t *nheaders)
{
	struct http_header *h;
	const char *colon, *v, *end;
	size_t i;

	if ((colon = memchr(line, ':', len)) == NULL || colon == line)
		return -400;
	for (i = 0; i < (size_t)(colon - line); i++)
		if (!http_is_tchar((unsigned char)line[i]))
			return -400;
	v = colon + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (i = 0; i < (size_t)(end - v); i++)
		if (http_is_ctl((unsigned char)v[i]))
			return -400;
	if (*nheaders == HTTP_MAX_HEADERS)
		return -400;
	h = &hs[(*nheaders)++];
	h->name = line;
	h->name_len = (size_t)(colon - line);
	h->value = v;
	h->value_len = (size_t)(end - v);
	return 0;
}

/* 1*18DIGIT (fits int64_t); a list such as "5, 5" is refused. */
static int
http_content_length(const struct http_header *h, int64_t *cl)
{
	int64_t v = 0;
	size_t i;

	if (h->value_len == 0 || h->value_len > 18)
		return -400;
	for (i = 0; i < h->value_len; i++) {
		if (h->value[i] < '0' || h->value[i] > '9')
			return -400;
		v = v * 10 + (h->value[i] - '0');
	}
	*cl = v;
	return 0;
}

struct http_te {
	int	 present;
	int	 nchunked;
	int	 last_chunked;
	int	 unknown;
};

/* Adds the codings of one Transfer-Encoding line (lines concatenate). */
static void
http_te_add(const struct http_header *h, struct http_te *te)
{
	size_t pos = 0, elen;
	const char *elem;

	te->present = 1;
	while (http_list_next(h->value, h->value_len, &pos, &elem, &elen)) {
		te->last_chunked = elen == 7 &&
		    strncasecmp(elem, "chunked", 7) == 0;
		if (te->last_chunked)
			te->nchunked++;
		else
			te->unknown = 1;
	}
}

/* Framing, Host and connection options once the head is complete. */
static int
http_semantics(struct http_request *req)
{
	struct http_te te;
	size_t i, hosts = 0;
	int ncl = 0;

	memset(&te, 0, sizeof(te));
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (http_name_is(h, "Content-Length")) {
			if (ncl++ > 0 ||
			    http_content_length(h, &req->content_length) != 0)
				return -400;
		} else if (http_name_is(h, "Transfer-Encoding"))
			http_te_add(h, &te);
		else if (http_name_is(h, "Host")) {
			if (hosts++ > 0 || !http_host_ok(h->value,
			    h->value_len))
				return -400;
		}
	}
	if (te.present) {
		/* RFC 9112 §6.1, §6.3: the framing must not be in doubt. */
		if (ncl > 0 || req->version_minor == 0)
			return -400;
		if (te.nchunked > 0 && !te.last_chunked)
			return -400;
		if (te.unknown)
			return -501;
		if (te.nchunked != 1)
			return -400;	/* chunked twice, or no coding */
		req->chunked = 1;
	}
	if (req->version_minor == 1 && hosts == 0)
		return -400;
	if (http_header_has_token(req, "Connection", "close"))
		req->keep_alive = 0;
	else if (req->version_minor == 1)
		req->keep_alive = 1;
	else
		req->keep_alive = http_header_has_token(req, "Connection",
		    "keep-alive");
	req->upgrade_websocket = req->method == HTTP_M_GET &&
	    req->version_minor == 1 &&
	    http_header_has_token(req, "Connection", "upgrade") &&
	    http_header_has_token(req, "Upgrade", "websocket");
	return 0;
}

/*
 * No complete line at pos: 414 if it is the request line and already
 * too long (a CR at the end may be part of its CRLF), else 431 if there
 * is no room left, else 0 (wait for more).
 */
static int
http_incomplete(const char *buf, size_t len, size_t pos, size_t max_head,
    int request_line)
{
	size_t n = len - pos;

	if (n > 0 && buf[len - 1] == '\r')
		n--;
	if (request_line && n > max_head / 2)
		return -414;
	return len >= max_head ? -431 : 0;
}

int
http_parse_head(const char *buf, size_t len, size_t max_head,
    struct http_request *req)
{
	size_t pos = 0, line_len = 0, next = 0, empties = 0;
	int rc;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;
	if (len > max_head)
		len = max_head;
	for (;;) {
		rc = http_line(buf, len, pos, &line_len, &next);
		if (rc == -1)
			return -400;
		if (rc == 0) {
			if (http_request_line_prefix(buf + pos, len - pos) != 0)
				return -400;
			return http_incomplete(buf, len, pos, max_head, 1);
		}
		if (line_len > 0)
			break;
		if (++empties > HTTP_MAX_EMPTY_LINES)
			return -400;
		pos = next;
	}
	if (line_len > max_head / 2)
		return -414;
	if ((rc = http_parse_request_line(buf + pos, line_len, req)) != 0)
		return rc;
	for (pos = next;; pos = next) {
		rc = http_line(buf, len, pos, &line_len, &next);
		if (rc == -1)
			return -400;
		if (rc == 0)
			return http_incomplete(buf, len, pos, max_head, 0);
		if (line_len == 0)
			break;
		if ((rc = http_parse_header(buf + pos, line_len, req->headers,
		    &req->nheaders)) != 0)
			return rc;
	}
	req->head_len = next;
	rc = http_semantics(req);
	return rc == 0 ? 1 : rc;
}

/* "HTTP/1.x SP 3DIGIT SP [reason]" (RFC 9112 §4). */
static int
http_parse_status_line(const char *line, size_t len,
    struct http_response *res)
{
	size_t i;

	if (len < 12 || memcmp(line, "HTTP/1.", 7) != 0 ||
	    (line[7] != '0' && line[7] != '1') || line[8] != ' ')
		return -1;
	res->version_minor = line[7] - '0';
	for (i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		res->status = res->status * 10 + (line[i] - '0');
	}
	if (res->status < 100 || (len > 12 && line[12] != ' '))
		return -1;
	res->reason = len > 12 ? line + 13 : line + 12;
	res->reason_len = len > 12 ? len - 13 : 0;
	for (i = 0; i < res->reason_len; i++)
		if (http_is_ctl((unsigned char)res->reason[i]))
			return -1;
	return 0;
}

/* Content-Length and chunked, strictly: a client must not guess. */
static int
http_response_framing(struct http_response *res)
{
	struct http_te te;
	size_t i;
	int ncl = 0;

	memset(&te, 0, sizeof(te));
	for (i = 0; i < res->nheaders; i++) {
		const struct http_header *h = &res->headers[i];

		if (http_name_is(h, "Content-Length")) {
			if (ncl++ > 0 ||
			    http_content_length(h, &res->content_length) != 0)
				return -1;
		} else if (http_name_is(h, "Transfer-Encoding"))
			http_te_add(h, &te);
	}
	if (te.present && (ncl > 0 || te.unknown || te.nchunked != 1 ||
	    !te.last_chunked))
		return -1;
	res->chunked = te.present;
	return 0;
}

int
http_parse_response_head(const char *buf, size_t len, size_t max_head,
    struct http_response *res)
{
	size_t pos = 0, line_len = 0, next = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	res->content_length = -1;
	if (len > max_head)
		len = max_head;
	for (;; pos = next) {
		rc = http_line(buf, len, pos, &line_len, &next);
		if (rc == -1)
			return -1;
		if (rc == 0)
			return len >= max_head ? -2 : 0;
		if (pos == 0) {
			if (http_parse_status_line(buf, line_len, res) != 0)
				return -1;
			continue;
		}
		if (line_len == 0)
			break;
		if (http_parse_header(buf + pos, line_len, res->headers,
		    &res->nheaders) != 0)
			return -1;
	}
	res->head_len = next;
	return http_response_framing(res) == 0 ? 1 : -1;
}
