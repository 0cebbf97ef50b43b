/*
 * rfbin.h - what a VNC viewer sends, told apart: user input (keys, the
 * pointer, the clipboard) from the requests an untouched viewer makes
 * all the time (framebuffer updates, encodings, fences).  Reads the
 * client's side of RFB 3.7/3.8 (RFC 6143 and the common extensions) as
 * it streams past, in pieces of any size, with a few bytes of state: no
 * allocation, no copy.  What it cannot follow (RFB 3.3, a security type
 * other than None or VNC authentication, an unknown message) counts as
 * input from then on: a session is never hibernated for an idleness it
 * could not see.  Pure: no I/O.
 */
#ifndef SSD_RELAY_RFBIN_H
#define SSD_RELAY_RFBIN_H

#include <stddef.h>
#include <stdint.h>

#define RFBIN_HEADER_MAX	20	/* SetPixelFormat, the longest */

struct rfbin {
	uint8_t		state;
	uint8_t		hlen;		/* header bytes read */
	uint8_t		hneed;		/* header bytes wanted */
	uint8_t		hdr[RFBIN_HEADER_MAX];
	uint32_t	skip;		/* payload bytes to pass over */
};

/* A viewer's stream from its first byte. */
void	rfbin_init(struct rfbin *r);
/* The viewer's next bytes: 1 when they hold input. */
int	rfbin_feed(struct rfbin *r, const uint8_t *p, size_t n);
/* 1 once the stream could not be followed (all of it counts as input). */
int	rfbin_lost(const struct rfbin *r);

#endif
