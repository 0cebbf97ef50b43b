/*
 * http.h - the one HTTP/1.1 request parser of ssd (RFC 9110/9112): the
 * request head, chunked bodies, paths and query strings.  Pure functions
 * over byte buffers, no allocation: the connection layer (ssd-api) owns
 * buffers, limits and time.
 */
#ifndef SSD_HTTP_H
#define SSD_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEADERS	64

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
	size_t			 head_len;	/* up to and with the blank line */
};

/*
 * Parses the request head at the start of buf.  Returns 1 when complete,
 * 0 when more bytes are needed, or -STATUS: 400 malformed (including
 * Content-Length together with Transfer-Encoding, conflicting lengths,
 * obsolete line folding, a missing Host in HTTP/1.1), 414 request target
 * longer than half of max_head, 431 head longer than max_head, 501 a
 * transfer coding other than chunked, 505 not HTTP/1.0 or 1.1.
 * Lines end in CRLF; a bare LF is accepted as the end of a line (RFC 9112
 * §2.2 allows it), a bare CR is refused.  Pointers in req point into buf.
 */
int	http_parse_head(const char *buf, size_t len, size_t max_head,
	    struct http_request *req);

/* Case-insensitive lookup of the first header called name, or NULL. */
const char *http_header_get(const struct http_request *req, const char *name,
	    size_t *value_len);
/* Does a comma-separated header contain token (case-insensitive)? */
int	http_header_has_token(const struct http_request *req, const char *name,
	    const char *token);

/* Incremental decoder of a chunked body (RFC 9112 §7.1). */
struct http_chunked {
	int		 state;
	uint64_t	 remaining;	/* of the current chunk */
	uint64_t	 total;
	uint64_t	 max_body;
	size_t		 line_len;	/* size line or trailer line so far */
	size_t		 trailer_len;
	int		 digits;
};

void	http_chunked_init(struct http_chunked *ch, uint64_t max_body);
/*
 * Consumes in[0..inlen) (*consumed bytes), writes body bytes to out (at
 * most outcap, *produced).  Returns 1 when the body and its trailers are
 * complete, 0 to go on, -400 when malformed, -413 over max_body.
 */
int	http_chunked_decode(struct http_chunked *ch, const uint8_t *in,
	    size_t inlen, size_t *consumed, uint8_t *out, size_t outcap,
	    size_t *produced);

/*
 * Percent-decodes a path into out (NUL-terminated).  Refuses %00, bad
 * escapes, a path not starting with '/', and "." or ".." segments.
 */
int	http_path_decode(const char *in, size_t len, char *out, size_t outlen);
/*
 * The decoded value of key in a query string ('+' is a space), or -1 if
 * absent, undecodable, holding %00, or longer than outlen - 1.
 */
int	http_query_get(const char *query, size_t len, const char *key,
	    char *out, size_t outlen);

const char *http_status_text(int status);
const char *http_method_name(enum http_method m);

#endif
