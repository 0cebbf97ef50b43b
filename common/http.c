/*
 * http.c - HTTP/1.1 request parsing (http.h): strict where ambiguity
 * would let a front proxy and ssd disagree about where a request ends
 * (request smuggling), bounded everywhere, never reads past its input.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "http.h"

#define HTTP_MAX_EMPTY_LINES	8
#define HTTP_CHUNK_LINE_MAX	4096
#define HTTP_TRAILERS_MAX	8192

static const struct {
	enum http_method	 m;
	const char		*name;
} http_methods[] = {
	{ HTTP_M_GET, "GET" }, { HTTP_M_HEAD, "HEAD" },
	{ HTTP_M_POST, "POST" }, { HTTP_M_PUT, "PUT" },
	{ HTTP_M_PATCH, "PATCH" }, { HTTP_M_DELETE, "DELETE" },
	{ HTTP_M_OPTIONS, "OPTIONS" },
};

const char *
http_method_name(enum http_method m)
{
	size_t i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (http_methods[i].m == m)
			return http_methods[i].name;
	return "OTHER";
}

/* RFC 9110 §5.6.2 tchar. */
static int
http_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
	    c) != NULL);
}

/*
 * The line starting at pos: 1 and its length (without CRLF/LF) and the
 * position after it, 0 if incomplete, -1 on a bare CR.
 */
static int
http_line(const char *buf, size_t len, size_t pos, size_t *line_len,
    size_t *next)
{
	const char *lf = memchr(buf + pos, '\n', len - pos);
	size_t end;

	/* A bare CR is caught once its line is complete. */
	if (lf == NULL)
		return 0;
	end = (size_t)(lf - buf);
	*next = end + 1;
	if (end > pos && buf[end - 1] == '\r')
		end--;
	if (memchr(buf + pos, '\r', end - pos) != NULL)
		return -1;
	*line_len = end - pos;
	return 1;
}

static int
http_parse_target(struct http_request *req)
{
	const char *t = req->target, *q, *p;
	size_t n = req->target_len, skip;

	if (n == 1 && t[0] == '*') {
		if (req->method != HTTP_M_OPTIONS)
			return -400;
		req->path = t;
		req->path_len = 1;
		return 0;
	}
	/* absolute-form: origin servers must accept it; keep the path. */
	skip = n > 7 && strncasecmp(t, "http://", 7) == 0 ? 7 :
	    n > 8 && strncasecmp(t, "https://", 8) == 0 ? 8 : 0;
	if (skip > 0) {
		p = memchr(t + skip, '/', n - skip);
		q = memchr(t + skip, '?', n - skip);
		if (p == NULL || (q != NULL && q < p))
			return -400;
		n -= (size_t)(p - t);
		t = p;
	}
	if (t[0] != '/')
		return -400;
	req->path = t;
	if ((q = memchr(t, '?', n)) != NULL) {
		req->path_len = (size_t)(q - t);
		req->query = q + 1;
		req->query_len = n - req->path_len - 1;
	} else
		req->path_len = n;
	return 0;
}

/* "METHOD SP target SP HTTP/1.x" */
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
		if (!http_tchar((unsigned char)line[i]))
			return -400;
	memcpy(req->method_str, line, mlen);
	req->method_str[mlen] = '\0';
	req->method = HTTP_M_OTHER;
	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
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

static int
http_parse_header(const char *line, size_t len, struct http_request *req)
{
	struct http_header *h;
	const char *colon, *v, *end;
	size_t i;

	if (len == 0 || line[0] == ' ' || line[0] == '\t')
		return -400;	/* obs-fold */
	if ((colon = memchr(line, ':', len)) == NULL || colon == line)
		return -400;
	for (i = 0; i < (size_t)(colon - line); i++)
		if (!http_tchar((unsigned char)line[i]))
			return -400;
	v = colon + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (i = 0; i < (size_t)(end - v); i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    v[i] == 0x7f)
			return -400;
	if (req->nheaders == HTTP_MAX_HEADERS)
		return -431;
	h = &req->headers[req->nheaders++];
	h->name = line;
	h->name_len = (size_t)(colon - line);
	h->value = v;
	h->value_len = (size_t)(end - v);
	return 0;
}

static int
http_name_is(const struct http_header *h, const char *name)
{
	return h->name_len == strlen(name) &&
	    strncasecmp(h->name, name, h->name_len) == 0;
}

const char *
http_header_get(const struct http_request *req, const char *name,
    size_t *value_len)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (http_name_is(&req->headers[i], name)) {
			*value_len = req->headers[i].value_len;
			return req->headers[i].value;
		}
	return NULL;
}

/* Is token one of the comma-separated elements of v[0..len)? */
static int
http_list_has(const char *v, size_t len, const char *token)
{
	size_t tlen = strlen(token), i = 0, s, e;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tlen && strncasecmp(v + s, token, tlen) == 0)
			return 1;
	}
	return 0;
}

int
http_header_has_token(const struct http_request *req, const char *name,
    const char *token)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (http_name_is(&req->headers[i], name) &&
		    http_list_has(req->headers[i].value,
		    req->headers[i].value_len, token))
			return 1;
	return 0;
}

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
	if (*cl != -1 && *cl != v)
		return -400;
	*cl = v;
	return 0;
}

/* The final coding must be chunked, and we know no other. */
static int
http_transfer_encoding(const struct http_header *h, int *chunked)
{
	if (h->value_len == 7 && strncasecmp(h->value, "chunked", 7) == 0) {
		if (*chunked)
			return -400;	/* chunked twice */
		*chunked = 1;
		return 0;
	}
	return http_list_has(h->value, h->value_len, "chunked") ? -400 : -501;
}

static int
http_semantics(struct http_request *req)
{
	size_t i, hosts = 0;
	int rc, te = 0;

	req->content_length = -1;
	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (http_name_is(h, "Content-Length"))
			rc = http_content_length(h, &req->content_length);
		else if (http_name_is(h, "Transfer-Encoding")) {
			te = 1;
			rc = http_transfer_encoding(h, &req->chunked);
		} else {
			rc = 0;
			if (http_name_is(h, "Host"))
				hosts++;
		}
		if (rc != 0)
			return rc;
	}
	if (te && (req->content_length != -1 || req->version_minor == 0))
		return -400;
	if (req->version_minor == 1 && hosts != 1)
		return -400;
	if (req->version_minor == 1)
		req->keep_alive = !http_header_has_token(req, "Connection",
		    "close");
	else
		req->keep_alive = http_header_has_token(req, "Connection",
		    "keep-alive");
	req->upgrade_websocket = req->method == HTTP_M_GET &&
	    req->version_minor == 1 &&
	    http_header_has_token(req, "Connection", "upgrade") &&
	    http_header_has_token(req, "Upgrade", "websocket");
	return 0;
}

int
http_parse_head(const char *buf, size_t len, size_t max_head,
    struct http_request *req)
{
	size_t pos = 0, line_len, next, empties = 0;
	int rc;

	memset(req, 0, sizeof(*req));
	if (len > max_head)
		len = max_head;
	for (;;) {
		if ((rc = http_line(buf, len, pos, &line_len, &next)) <= 0)
			goto short_or_bad;
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
	for (pos = next;;) {
		if ((rc = http_line(buf, len, pos, &line_len, &next)) <= 0) {
			if (rc == 0 && len == max_head)
				return -431;
			return rc == 0 ? 0 : -400;
		}
		if (line_len == 0) {
			pos = next;
			break;
		}
		if ((rc = http_parse_header(buf + pos, line_len, req)) != 0)
			return rc;
		pos = next;
	}
	req->head_len = pos;
	rc = http_semantics(req);
	return rc == 0 ? 1 : rc;
short_or_bad:
	if (rc == -1)
		return -400;
	if (len - pos > max_head / 2)
		return -414;
	return len == max_head ? -431 : 0;
}

/* Chunked decoder states. */
enum {
	CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF,
	CH_TRAILER_START, CH_TRAILER_LINE, CH_FINAL_LF, CH_DONE,
};

void
http_chunked_init(struct http_chunked *ch, uint64_t max_body)
{
	memset(ch, 0, sizeof(*ch));
	ch->state = CH_SIZE;
	ch->max_body = max_body;
}

static int
http_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The size line ended: data, or the trailers after the last chunk. */
static int
http_chunk_size_done(struct http_chunked *ch)
{
	if (ch->digits == 0)
		return -400;
	ch->state = ch->remaining == 0 ? CH_TRAILER_START : CH_DATA;
	return 0;
}

/* One byte of everything but chunk data. */
static int
http_chunked_byte(struct http_chunked *ch, unsigned char c)
{
	int d;

	switch (ch->state) {
	case CH_SIZE:
		if (++ch->line_len > HTTP_CHUNK_LINE_MAX)
			return -400;
		if ((d = http_hex(c)) >= 0) {
			if (++ch->digits > 16)
				return -400;
			ch->remaining = ch->remaining * 16 + (uint64_t)d;
			if (ch->remaining > ch->max_body ||
			    ch->total + ch->remaining > ch->max_body)
				return -413;
			return 0;
		}
		if (ch->digits == 0)
			return -400;
		if (c == ';' || c == ' ' || c == '\t')
			ch->state = CH_EXT;
		else if (c == '\r')
			ch->state = CH_SIZE_LF;
		else if (c == '\n')
			return http_chunk_size_done(ch);
		else
			return -400;
		return 0;
	case CH_EXT:
		if (++ch->line_len > HTTP_CHUNK_LINE_MAX)
			return -400;
		if (c == '\r')
			ch->state = CH_SIZE_LF;
		else if (c == '\n')
			return http_chunk_size_done(ch);
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -400;
		return 0;
	case CH_SIZE_LF:
		return c == '\n' ? http_chunk_size_done(ch) : -400;
	case CH_DATA_CR:
		if (c == '\r') {
			ch->state = CH_DATA_LF;
			return 0;
		}
		/* FALLTHROUGH */
	case CH_DATA_LF:
		if (c != '\n')
			return -400;
		ch->state = CH_SIZE;
		ch->digits = 0;
		ch->line_len = 0;
		return 0;
	case CH_TRAILER_START:
		if (c == '\r')
			ch->state = CH_FINAL_LF;
		else if (c == '\n')
			ch->state = CH_DONE;
		else
			ch->state = CH_TRAILER_LINE;
		/* FALLTHROUGH */
	case CH_TRAILER_LINE:
		if (ch->state == CH_TRAILER_LINE) {
			if (++ch->trailer_len > HTTP_TRAILERS_MAX || c == '\0')
				return -400;
			if (c == '\n')
				ch->state = CH_TRAILER_START;
		}
		return 0;
	case CH_FINAL_LF:
		if (c != '\n')
			return -400;
		ch->state = CH_DONE;
		return 0;
	}
	return -400;
}

int
http_chunked_decode(struct http_chunked *ch, const uint8_t *in, size_t inlen,
    size_t *consumed, uint8_t *out, size_t outcap, size_t *produced)
{
	size_t i = 0, n;
	int rc;

	*produced = 0;
	while (i < inlen && ch->state != CH_DONE) {
		if (ch->state == CH_DATA) {
			n = inlen - i;
			if (n > ch->remaining)
				n = (size_t)ch->remaining;
			if (n > outcap - *produced)
				n = outcap - *produced;
			if (n == 0)
				break;	/* out is full */
			memcpy(out + *produced, in + i, n);
			*produced += n;
			i += n;
			ch->remaining -= n;
			ch->total += n;
			if (ch->remaining == 0)
				ch->state = CH_DATA_CR;
			continue;
		}
		if ((rc = http_chunked_byte(ch, in[i++])) != 0) {
			*consumed = i;
			return rc;
		}
	}
	*consumed = i;
	return ch->state == CH_DONE ? 1 : 0;
}

static int
http_unhex(const char *p, size_t left, unsigned char *c)
{
	int hi, lo;

	if (left < 3 || (hi = http_hex((unsigned char)p[1])) < 0 ||
	    (lo = http_hex((unsigned char)p[2])) < 0)
		return -1;
	*c = (unsigned char)(hi * 16 + lo);
	return 0;
}

int
http_path_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;
	unsigned char c;
	char *seg;

	if (len == 0 || in[0] != '/' || outlen == 0)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			if (http_unhex(in + i, len - i, &c) == -1 ||
			    c == '\0' || c == '/')
				return -1;
			i += 2;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	/* No "." or ".." segment, however it was spelled. */
	for (seg = out; seg != NULL; seg = strchr(seg + 1, '/')) {
		if ((strncmp(seg, "/.", 2) == 0 && (seg[2] == '/' ||
		    seg[2] == '\0')) || (strncmp(seg, "/..", 3) == 0 &&
		    (seg[3] == '/' || seg[3] == '\0')))
			return -1;
	}
	return 0;
}

/* Decodes a form-encoded component; -1 if bad or too long. */
static int
http_form_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (http_unhex(in + i, len - i, &c) == -1 || c == '\0')
				return -1;
			i += 2;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
}

int
http_query_get(const char *query, size_t len, const char *key, char *out,
    size_t outlen)
{
	char name[128];
	const char *p = query, *end, *amp, *eq;

	if (query == NULL)
		return -1;
	end = query + len;
	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (http_form_decode(p, (size_t)(eq - p), name,
		    sizeof(name)) >= 0 && strcmp(name, key) == 0)
			return eq == amp ? (outlen > 0 ? (out[0] = '\0', 0) :
			    -1) : http_form_decode(eq + 1,
			    (size_t)(amp - eq - 1), out, outlen);
		p = amp + 1;
	}
	return -1;
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}
