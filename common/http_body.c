/*
 * http_body.c - the rest of the request parser of http.h: chunked bodies
 * (strict CRLF framing, bounded lines and trailers), paths, query
 * strings, cookies and origins, and status texts.  Never reads past its
 * input, never allocates.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "util.h"

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

/* Chunked decoder states. */
enum {
	CH_SIZE,		/* hex digits */
	CH_SIZE_WS,		/* BWS after the size */
	CH_EXT,			/* after ';': extensions, skipped */
	CH_SIZE_LF,		/* CR seen on the size line */
	CH_DATA,
	CH_DATA_CR,		/* CRLF after the data */
	CH_DATA_LF,
	CH_TRAILER_START,	/* a trailer line or the final CRLF */
	CH_TRAILER_NAME,
	CH_TRAILER_VALUE,
	CH_TRAILER_LF,
	CH_FINAL_LF,
	CH_DONE,
	CH_ERROR,
};

void
http_chunked_init(struct http_chunked *ch, uint64_t max_body)
{
	memset(ch, 0, sizeof(*ch));
	ch->state = CH_SIZE;
	ch->max_body = max_body;
}

/* The size line ended: data, or the trailers after the last chunk. */
static int
http_chunk_size_done(struct http_chunked *ch)
{
	ch->state = ch->remaining == 0 ? CH_TRAILER_START : CH_DATA;
	return 0;
}

/* One byte of the size line: 1*16HEXDIG [ BWS ";" ext ] CR. */
static int
http_chunk_size_byte(struct http_chunked *ch, unsigned char c)
{
	int d;

	if (++ch->line_len > HTTP_CHUNK_LINE_MAX)
		return -400;
	if (ch->state == CH_EXT) {
		if (c == '\r')
			ch->state = CH_SIZE_LF;
		else if (http_is_ctl(c))
			return -400;
		return 0;
	}
	if (ch->state == CH_SIZE && (d = http_hex(c)) >= 0) {
		/* 16 digits cannot overflow 64 bits. */
		if (++ch->digits > 16)
			return -400;
		ch->remaining = ch->remaining * 16 + (uint64_t)d;
		if (ch->remaining > ch->max_body - ch->total)
			return -413;
		return 0;
	}
	if (ch->digits == 0)
		return -400;
	/* After the digits, or in the whitespace after them. */
	if (c == ' ' || c == '\t')
		ch->state = CH_SIZE_WS;
	else if (c == ';')
		ch->state = CH_EXT;
	else if (c == '\r')
		ch->state = CH_SIZE_LF;
	else
		return -400;
	return 0;
}

/* One byte of everything but chunk data. */
static int
http_chunked_byte(struct http_chunked *ch, unsigned char c)
{
	switch (ch->state) {
	case CH_SIZE:
	case CH_SIZE_WS:
	case CH_EXT:
		return http_chunk_size_byte(ch, c);
	case CH_SIZE_LF:
		return c == '\n' ? http_chunk_size_done(ch) : -400;
	case CH_DATA_CR:
		if (c != '\r')
			return -400;
		ch->state = CH_DATA_LF;
		return 0;
	case CH_DATA_LF:
		if (c != '\n')
			return -400;
		ch->state = CH_SIZE;
		ch->digits = 0;
		ch->line_len = 0;
		return 0;
	case CH_FINAL_LF:
		if (c != '\n')
			return -400;
		ch->state = CH_DONE;
		return 0;
	}
	/* Trailers: checked as field lines, then dropped. */
	if (++ch->trailer_len > HTTP_TRAILERS_MAX)
		return -400;
	switch (ch->state) {
	case CH_TRAILER_START:
		if (c == '\r') {
			ch->state = CH_FINAL_LF;
			return 0;
		}
		if (!http_is_tchar(c))
			return -400;	/* obs-fold, bare LF, ... */
		ch->state = CH_TRAILER_NAME;
		return 0;
	case CH_TRAILER_NAME:
		if (c == ':')
			ch->state = CH_TRAILER_VALUE;
		else if (!http_is_tchar(c))
			return -400;
		return 0;
	case CH_TRAILER_VALUE:
		if (c == '\r')
			ch->state = CH_TRAILER_LF;
		else if (http_is_ctl(c))
			return -400;
		return 0;
	case CH_TRAILER_LF:
		if (c != '\n')
			return -400;
		ch->state = CH_TRAILER_START;
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

	*consumed = 0;
	*produced = 0;
	if (ch->state == CH_ERROR)
		return ch->error;
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
			ch->state = CH_ERROR;
			ch->error = rc;
			*consumed = i;
			return rc;
		}
	}
	*consumed = i;
	return ch->state == CH_DONE ? 1 : 0;
}

/* "%XX" at p (left bytes from p on): 0 and the byte, or -1. */
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

static int
http_path_decode1(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;
	unsigned char c;
	char *seg;

	if (len == 0 || in[0] != '/')
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '%') {
			/* %2F would make two segments of one. */
			if (http_unhex(in + i, len - i, &c) == -1 || c == '/')
				return -1;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	/* No "." or ".." segment, however it was spelled. */
	for (seg = out; seg != NULL; seg = strchr(seg + 1, '/')) {
		if (seg[1] == '.' && (seg[2] == '/' || seg[2] == '\0' ||
		    (seg[2] == '.' && (seg[3] == '/' || seg[3] == '\0'))))
			return -1;
	}
	return 0;
}

int
http_path_decode(const char *in, size_t len, char *out, size_t outlen)
{
	if (outlen == 0)
		return -1;
	if (http_path_decode1(in, len, out, outlen) == -1) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* One decoded byte of a form component, or -1 (bad escape, NUL). */
static int
http_form_byte(const char *in, size_t len, size_t *i)
{
	unsigned char c = (unsigned char)in[*i];

	if (c == '+')
		c = ' ';
	else if (c == '%') {
		if (http_unhex(in + *i, len - *i, &c) == -1)
			return -1;
		*i += 2;
	}
	(*i)++;
	return c == '\0' ? -1 : c;
}

/* Does the form component in[0..len) decode to key? */
static int
http_form_equal(const char *in, size_t len, const char *key)
{
	size_t i = 0, k = 0;
	int c;

	while (i < len) {
		if ((c = http_form_byte(in, len, &i)) == -1 ||
		    key[k] == '\0' || (unsigned char)key[k] != c)
			return 0;
		k++;
	}
	return key[k] == '\0';
}

int
http_query_get(const char *query, size_t len, const char *key, char *out,
    size_t outlen)
{
	const char *p, *end, *amp, *eq;
	size_t i, n, vlen;
	int c;

	if (query == NULL || key == NULL || outlen == 0)
		return -1;
	if (outlen > INT_MAX)
		outlen = INT_MAX;
	for (p = query, end = query + len; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;	/* "&&" */
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		if (!http_form_equal(p, (size_t)(eq - p), key))
			continue;
		n = 0;
		if (eq < amp) {
			p = eq + 1;
			vlen = (size_t)(amp - p);
			for (i = 0; i < vlen;) {
				if ((c = http_form_byte(p, vlen, &i)) == -1 ||
				    n + 1 >= outlen)
					return -1;
				out[n++] = (char)c;
			}
		}
		out[n] = '\0';
		return (int)n;
	}
	return -1;
}

/* The decoded component in[0..len) into out (at most outlen - 1): -1 if
 * undecodable, %00 or too long. */
static int
http_form_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i = 0, n = 0;
	int c;

	while (i < len) {
		if ((c = http_form_byte(in, len, &i)) == -1 || n + 1 >= outlen)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return (int)n;
}

/* A key as sent, printable ASCII only, for an error message. */
static void
http_query_name(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < n && i < 32 && i + 1 < outlen; i++)
		out[i] = p[i] > 0x20 && p[i] < 0x7f ? p[i] : '?';
	if (outlen > 0)
		out[i] = '\0';
}

static int
http_query_value_ok(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return 0;
	return utf8_valid((const uint8_t *)v, n);
}

int
http_query_check(const char *query, size_t len, const char *const *keys,
    size_t max, char *bad, size_t badlen)
{
	char key[64], val[HTTP_QUERY_VALUE_MAX + 1];
	const char *p, *end, *amp, *eq;
	uint64_t seen = 0;
	size_t k;
	int n;

	if (max > HTTP_QUERY_VALUE_MAX)
		max = HTTP_QUERY_VALUE_MAX;
	for (p = query, end = query + len; query != NULL && p < end;
	    p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p)
			continue;
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		http_query_name(p, (size_t)(eq - p), bad, badlen);
		if (http_form_decode(p, (size_t)(eq - p), key, sizeof(key)) ==
		    -1)
			return HTTP_QUERY_UNKNOWN;
		for (k = 0; keys[k] != NULL && strcmp(keys[k], key) != 0; k++)
			;
		if (keys[k] == NULL || k >= 64)
			return HTTP_QUERY_UNKNOWN;
		if (seen & ((uint64_t)1 << k))
			return HTTP_QUERY_REPEATED;
		seen |= (uint64_t)1 << k;
		n = eq < amp ? http_form_decode(eq + 1, (size_t)(amp - eq - 1),
		    val, max + 1) : 0;
		if (n == -1 || !http_query_value_ok(val, (size_t)n))
			return HTTP_QUERY_MALFORMED;
	}
	return 0;
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
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

/* RFC 6265 cookie-octet: visible ASCII but '"', ',', ';' and '\\'. */
static int
http_cookie_octet(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' &&
	    c != '\\';
}

/* Trims spaces and tabs around p[0..*n). */
static const char *
http_trim(const char *p, size_t *n)
{
	while (*n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		(*n)--;
	}
	while (*n > 0 && (p[*n - 1] == ' ' || p[*n - 1] == '\t'))
		(*n)--;
	return p;
}

/*
 * One Cookie field: the value of the pair called name, quotes removed.
 * Returns how many pairs are called name (the value is the last's), or
 * -1 when one of them is malformed.
 */
static int
http_cookie_in(const char *v, size_t len, const char *name,
    const char **out, size_t *outlen)
{
	size_t nlen = strlen(name), plen, i;
	const char *p, *semi, *eq, *end = v + len;
	int found = 0;

	for (p = v; p < end; p = semi + 1) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		plen = (size_t)(semi - p);
		p = http_trim(p, &plen);
		if ((eq = memchr(p, '=', plen)) == NULL ||
		    (size_t)(eq - p) != nlen || memcmp(p, name, nlen) != 0)
			continue;
		plen -= nlen + 1;
		p = eq + 1;
		if (plen >= 2 && p[0] == '"' && p[plen - 1] == '"') {
			p++;
			plen -= 2;
		}
		for (i = 0; i < plen; i++)
			if (!http_cookie_octet((unsigned char)p[i]))
				return -1;
		*out = p;
		*outlen = plen;
		found++;
	}
	return found;
}

const char *
http_cookie_get(const struct http_request *req, const char *name,
    size_t *len)
{
	const struct http_header *h;
	const char *val = NULL;
	size_t i, vlen = 0;
	int rc, found = 0;

	if (name == NULL || *name == '\0')
		return NULL;
	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (h->name_len != 6 || strncasecmp(h->name, "Cookie", 6) != 0)
			continue;
		if ((rc = http_cookie_in(h->value, h->value_len, name, &val,
		    &vlen)) == -1)
			return NULL;
		found += rc;
	}
	if (found != 1)
		return NULL;
	*len = vlen;
	return val;
}

int
http_origin_is(const char *origin, size_t len, const char *host,
    size_t host_len)
{
	size_t skip;

	if (origin == NULL || host == NULL || host_len == 0)
		return 0;
	if (len > 7 && strncasecmp(origin, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncasecmp(origin, "https://", 8) == 0)
		skip = 8;
	else
		return 0;
	return len - skip == host_len && memchr(host, '/', host_len) == NULL &&
	    strncasecmp(origin + skip, host, host_len) == 0;
}
