/*
 * http.h - the one HTTP/1.1 parser of ssd (RFC 9110/9112): request and
 * response heads, chunked bodies, paths and query strings.  Pure functions
 * over byte buffers, no allocation, no I/O: the connection layer (ssd-api)
 * owns buffers, limits and time.
 */
#ifndef SSD_HTTP_H
#define SSD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS	64
#define HTTP_MAX_EMPTY_LINES	8	/* CRLFs tolerated before a request */
#define HTTP_CHUNK_LINE_MAX	4096	/* chunk size line with extensions */
#define HTTP_TRAILERS_MAX	8192	/* all trailer lines of a body */

enum http_method {
	HTTP_M_GET, HTTP_M_HEAD, HTTP_M_POST, HTTP_M_PUT, HTTP_M_PATCH,
	HTTP_M_DELETE, HTTP_M_OPTIONS, HTTP_M_OTHER,
};

struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* without surrounding whitespace */
	size_t		 value_len;
};

struct http_request {
	enum http_method	 method;
	char			 method_str[16];
	const char		*target;	/* raw request-target */
	size_t			 target_len;
	const char		*path;		/* raw, not decoded */
	size_t			 path_len;
	const char		*query;		/* after '?', or NULL */
	size_t			 query_len;
	int			 version_minor;	/* HTTP/1.0 or HTTP/1.1 */
	struct http_header	 headers[HTTP_MAX_HEADERS];
	size_t			 nheaders;
	int64_t			 content_length;	/* -1: none */
	int			 chunked;
	int			 keep_alive;
	int			 upgrade_websocket;
	size_t			 head_len;	/* through the blank line */
};

/*
 * Parses the request head at the start of buf; never reads past
 * min(len, max_head) and never allocates.  Returns 1 when complete
 * (req->head_len says where the body starts), 0 when more bytes are
 * needed, or -STATUS for the answer the server owes:
 *  400  malformed request line or field line (CTL or NUL in a field, a
 *       bare CR, obsolete line folding, whitespace before a colon, a
 *       field name or method that is not a token, more than
 *       HTTP_MAX_HEADERS fields); Content-Length together with
 *       Transfer-Encoding; more than one Content-Length (even if equal)
 *       or one that is not 1-18 digits; chunked twice or not last;
 *       Transfer-Encoding in HTTP/1.0; a missing, repeated or invalid
 *       Host in HTTP/1.1; a target other than origin-form, absolute-form
 *       (http/https, no userinfo) or "*" for OPTIONS; a fragment.
 *  414  request line longer than max_head / 2, complete or not.
 *  431  no end of the head within max_head bytes.
 *  501  a transfer coding other than chunked.
 *  505  a version other than HTTP/1.0 and HTTP/1.1.
 * Line ends: CRLF, or a bare LF (RFC 9112 §2.2 allows it; the CR is
 * optional, never alone: a bare CR is 400).  Up to HTTP_MAX_EMPTY_LINES
 * empty lines before the request line are skipped and counted in
 * head_len.  Pointers in req point into buf (except path "/" for an
 * absolute-form target without a path, which is static).
 */
int	http_parse_head(const char *buf, size_t len, size_t max_head,
	    struct http_request *req);

/* A response head, as a client (the agent) reads it. */
struct http_response {
	int			 version_minor;
	int			 status;
	const char		*reason;
	size_t			 reason_len;
	struct http_header	 headers[HTTP_MAX_HEADERS];
	size_t			 nheaders;
	int64_t			 content_length;	/* -1: none */
	int			 chunked;
	size_t			 head_len;	/* through the blank line */
};

/*
 * Parses a response head at the start of buf, the same field rules as
 * requests.  1 when complete, 0 when more bytes are needed, -1 when
 * malformed (status line, field line, framing: two Content-Lengths, a
 * transfer coding other than a final chunked, both), -2 when there is
 * no end within max_head bytes.
 */
int	http_parse_response_head(const char *buf, size_t len, size_t max_head,
	    struct http_response *res);
const char *http_response_header(const struct http_response *res,
	    const char *name, size_t *value_len);
int	http_response_has_token(const struct http_response *res,
	    const char *name, const char *token);

/* Case-insensitive lookup of the first header called name, or NULL. */
const char *http_header_get(const struct http_request *req, const char *name,
	    size_t *value_len);
/* Does any header called name hold token in its comma-separated list? */
int	http_header_has_token(const struct http_request *req, const char *name,
	    const char *token);
/* How many times the header name appears. */
size_t	http_header_count(const struct http_request *req, const char *name);

/* Incremental decoder of a chunked body (RFC 9112 §7.1). */
struct http_chunked {
	int		 state;
	int		 error;		/* sticky once failed */
	int		 digits;	/* of the chunk size */
	uint64_t	 remaining;	/* of the current chunk */
	uint64_t	 total;		/* body bytes so far */
	uint64_t	 max_body;
	size_t		 line_len;	/* of the chunk size line */
	size_t		 trailer_len;	/* of all trailer lines */
};

void	http_chunked_init(struct http_chunked *ch, uint64_t max_body);
/*
 * Consumes in[0..inlen) (*consumed bytes), writes body bytes to out (at
 * most outcap, *produced).  Returns 1 when the last chunk and the
 * trailers are complete (bytes after them are not consumed), 0 to go on
 * (with more input, or more room in out), -400 when malformed, -413 when
 * the body would exceed max_body (known as soon as the size is read).
 * Framing lines must end in CRLF (no bare LF here: lax chunk parsing is
 * the usual way to smuggle a request past a proxy).  Extensions are
 * skipped; trailers are checked and dropped.  Errors are sticky.
 */
int	http_chunked_decode(struct http_chunked *ch, const uint8_t *in,
	    size_t inlen, size_t *consumed, uint8_t *out, size_t outcap,
	    size_t *produced);

/*
 * Percent-decodes a path into out (NUL-terminated, at most outlen bytes).
 * 0, or -1 for a path not starting with '/', a bad escape, a decoded
 * NUL, '/' (%2F) or other control character, a "." or ".." segment
 * however spelled, or a result that does not fit.
 */
int	http_path_decode(const char *in, size_t len, char *out, size_t outlen);
/*
 * Decoded value of the first field called key in an
 * application/x-www-form-urlencoded query ('+' is a space): its length
 * (0 for "key" or "key="), or -1 if absent, undecodable, holding %00, or
 * longer than outlen - 1.  out is NUL-terminated on success.
 */
int	http_query_get(const char *query, size_t len, const char *key,
	    char *out, size_t outlen);

#define HTTP_QUERY_VALUE_MAX	1024
enum { HTTP_QUERY_UNKNOWN = 1, HTTP_QUERY_REPEATED, HTTP_QUERY_MALFORMED };
/*
 * Checks that a query holds only keys (NULL-terminated, at most 64), each
 * at most once, each value decodable to at most max bytes of UTF-8
 * without control characters.  Returns 0, or HTTP_QUERY_* with the
 * offending key, as sent, in bad.
 */
int	http_query_check(const char *query, size_t len,
	    const char *const *keys, size_t max, char *bad, size_t badlen);

/*
 * The value of cookie name in the request's Cookie fields (RFC 6265
 * §4.2: "a=b; c=d"): a pointer into the head and its length, surrounding
 * quotes removed.  NULL when absent, when its value holds anything but
 * cookie-octets, or when it is given twice (which one would be ours?).
 */
const char *http_cookie_get(const struct http_request *req, const char *name,
	    size_t *len);
/*
 * 1 when origin (an Origin field: scheme "://" host [":" port]) is http
 * or https on exactly host (a Host field, case-insensitive), else 0.
 */
int	http_origin_is(const char *origin, size_t len, const char *host,
	    size_t host_len);
/* Reason phrase of a status code, "Unknown" if we have none. */
const char *http_status_text(int status);

/* RFC 9110 character classes, shared by http.c and http_body.c. */
int	http_is_tchar(unsigned char c);		/* token characters */
int	http_is_ctl(unsigned char c);		/* controls but HTAB */
/* "GET" ... "OPTIONS", "OTHER". */
const char *http_method_name(enum http_method m);

#endif
