/*
 * webreq.h - the browser's side of a web session's connection, request
 * by request: where each head starts (after a Content-Length or chunked
 * body; nowhere once the connection is upgraded), so that every head,
 * not only the first, reaches the pod without ssd's cookies, and a
 * request for ssd's own /.ssd/ paths never reaches it.  Bodies and
 * upgraded bytes pass as they are.  Pure: no allocation, no I/O.
 */
#ifndef SSD_WEBREQ_H
#define SSD_WEBREQ_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* ssd's cookies, never for a pod: the UI's and the session origin's. */
extern const char *const webreq_ssd_cookies[];

enum webreq_state {
	WEBREQ_S_HEAD,		/* a request head comes next */
	WEBREQ_S_LENGTH,	/* within a Content-Length body */
	WEBREQ_S_CHUNKED,	/* within a chunked body */
	WEBREQ_S_TUNNEL,	/* upgrade asked: no more HTTP */
};

struct webreq {
	enum webreq_state	 state;
	uint64_t		 remaining;	/* of a Content-Length body */
	struct http_chunked	 chunked;
	uint64_t		 heads;		/* passed on so far */
	int			 status;	/* why WEBREQ_BAD: 400, 431... */
};

enum webreq_step {
	WEBREQ_MORE,	/* an incomplete head: wait for more bytes */
	WEBREQ_PASS,	/* pass *used bytes on as they are */
	WEBREQ_HEAD,	/* a head of *used bytes: pass out[0..*outlen) */
	WEBREQ_SSD,	/* a request for /.ssd/: not for the pod */
	WEBREQ_BAD,	/* malformed (w->status says how): end it */
};

void	webreq_init(struct webreq *w);
/* Does the next step want the bytes of a whole head, contiguous? */
int	webreq_wants_head(const struct webreq *w);
/*
 * One step over the browser's bytes not yet passed on, in[0..len).  In
 * a head (webreq_wants_head), in must hold min(len, max_head) bytes
 * contiguous; otherwise any prefix of them will do.  out (outcap bytes,
 * at least max_head + WEBREQ_OUT_SLACK) receives a rewritten head, and
 * serves as scratch for a chunked body.  After WEBREQ_SSD or
 * WEBREQ_BAD, w is not to be used again.
 */
#define WEBREQ_OUT_SLACK	(2 * HTTP_MAX_HEADERS + 64)
enum webreq_step webreq_next(struct webreq *w, const uint8_t *in,
	    size_t len, size_t max_head, char *out, size_t outcap,
	    size_t *used, size_t *outlen);

#endif
