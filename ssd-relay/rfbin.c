/*
 * rfbin.c - the viewer's side of RFB, message by message (rfbin.h):
 * ProtocolVersion, the security type and its answer, ClientInit, then
 * client messages, each header read into a few bytes and its payload
 * passed over by count.  Runs on every byte a viewer sends: no
 * allocation, no copy of payloads.
 */
#include "config.h"

#include <string.h>

#include "rfbin.h"

enum {
	RI_VERSION,	/* "RFB 003.008\n" */
	RI_SECTYPE,	/* one byte: the security type chosen */
	RI_AUTH,	/* VNC authentication's 16-byte answer */
	RI_INIT,	/* ClientInit: the shared flag */
	RI_TYPE,	/* a message's first byte */
	RI_HEADER,	/* the rest of its fixed part */
	RI_SKIP,	/* its payload */
	RI_LOST,	/* not followed: everything is input */
};

/* Client message types (RFC 6143 and extensions in common use). */
enum {
	RM_SET_PIXEL_FORMAT = 0, RM_SET_ENCODINGS = 2, RM_UPDATE_REQUEST = 3,
	RM_KEY = 4, RM_POINTER = 5, RM_CUT_TEXT = 6,
	RM_CONTINUOUS_UPDATES = 150, RM_FENCE = 248, RM_XVP = 250,
	RM_SET_DESKTOP_SIZE = 251, RM_QEMU = 255,
};
#define RM_QEMU_KEY		0	/* QEMU extended key event */
#define RM_QEMU_AUDIO		1
#define RM_QEMU_AUDIO_FORMAT	2	/* the audio operation with a body */

static const struct {
	uint8_t	type;
	uint8_t	header;		/* bytes before any payload */
	uint8_t	input;		/* the user did something */
} rfbin_messages[] = {
	{ RM_SET_PIXEL_FORMAT, 20, 0 }, { RM_SET_ENCODINGS, 4, 0 },
	{ RM_UPDATE_REQUEST, 10, 0 }, { RM_KEY, 8, 1 }, { RM_POINTER, 6, 1 },
	{ RM_CUT_TEXT, 8, 1 }, { RM_CONTINUOUS_UPDATES, 10, 0 },
	{ RM_FENCE, 9, 0 }, { RM_XVP, 4, 0 }, { RM_SET_DESKTOP_SIZE, 8, 0 },
	{ RM_QEMU, 2, 0 },
};

void
rfbin_init(struct rfbin *r)
{
	memset(r, 0, sizeof(*r));
	r->state = RI_VERSION;
	r->hneed = 12;
}

int
rfbin_lost(const struct rfbin *r)
{
	return r->state == RI_LOST;
}

static uint32_t
rfbin_be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/* 3.7 and 3.8 (and Apple's 3.889) send the security type they choose. */
static void
rfbin_version(struct rfbin *r)
{
	int minor;

	if (memcmp(r->hdr, "RFB 003.", 8) != 0 || r->hdr[11] != '\n' ||
	    r->hdr[8] < '0' || r->hdr[8] > '9' || r->hdr[9] < '0' ||
	    r->hdr[9] > '9' || r->hdr[10] < '0' || r->hdr[10] > '9') {
		r->state = RI_LOST;
		return;
	}
	minor = (r->hdr[8] - '0') * 100 + (r->hdr[9] - '0') * 10 +
	    (r->hdr[10] - '0');
	r->state = minor >= 7 ? RI_SECTYPE : RI_LOST;
}

/* A message's first byte: its fixed part, or the stream is lost. */
static int
rfbin_type(struct rfbin *r, uint8_t t)
{
	size_t i;

	for (i = 0; i < sizeof(rfbin_messages) / sizeof(rfbin_messages[0]);
	    i++)
		if (rfbin_messages[i].type == t) {
			r->hdr[0] = t;
			r->hlen = 1;
			r->hneed = rfbin_messages[i].header;
			r->state = RI_HEADER;
			return rfbin_messages[i].input;
		}
	r->state = RI_LOST;
	return 1;
}

/*
 * A message's fixed part is in: what follows it.  QEMU's messages say
 * their length in a subtype (and an operation), read first.
 */
static int
rfbin_header(struct rfbin *r)
{
	const uint8_t *h = r->hdr;

	r->skip = 0;
	switch (h[0]) {
	case RM_SET_ENCODINGS:
		r->skip = 4 * rfbin_be16(h + 2);
		break;
	case RM_CUT_TEXT:
		r->skip = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		    (uint32_t)h[6] << 8 | h[7];
		break;
	case RM_FENCE:
		r->skip = h[8];
		break;
	case RM_SET_DESKTOP_SIZE:
		r->skip = 16 * (uint32_t)h[6];
		break;
	case RM_QEMU:
		if (r->hlen == 2 && h[1] == RM_QEMU_KEY) {
			r->hneed = 12;
			return 1;
		}
		if (r->hlen == 2 && h[1] == RM_QEMU_AUDIO) {
			r->hneed = 4;
			return 0;
		}
		if (r->hlen == 4 && rfbin_be16(h + 2) > RM_QEMU_AUDIO_FORMAT) {
			r->state = RI_LOST;
			return 1;
		}
		if (r->hlen == 4 && rfbin_be16(h + 2) == RM_QEMU_AUDIO_FORMAT)
			r->skip = 6;
		else if (r->hlen == 2) {
			r->state = RI_LOST;
			return 1;
		}
		break;
	}
	r->state = r->skip > 0 ? RI_SKIP : RI_TYPE;
	return 0;
}

int
rfbin_feed(struct rfbin *r, const uint8_t *p, size_t n)
{
	int input = 0;
	size_t take;

	while (n > 0 && r->state != RI_LOST) {
		switch (r->state) {
		case RI_VERSION:
		case RI_HEADER:
			take = (size_t)(r->hneed - r->hlen);
			if (take > n)
				take = n;
			memcpy(r->hdr + r->hlen, p, take);
			r->hlen += (uint8_t)take;
			p += take;
			n -= take;
			if (r->hlen < r->hneed)
				break;
			if (r->state == RI_VERSION)
				rfbin_version(r);
			else
				input |= rfbin_header(r);
			break;
		case RI_SECTYPE:
			r->state = *p == 1 ? RI_INIT : *p == 2 ? RI_AUTH :
			    RI_LOST;
			r->skip = 16;
			p++;
			n--;
			break;
		case RI_AUTH:
		case RI_SKIP:
			take = n < r->skip ? n : r->skip;
			r->skip -= (uint32_t)take;
			p += take;
			n -= take;
			if (r->skip == 0)
				r->state = r->state == RI_AUTH ? RI_INIT :
				    RI_TYPE;
			break;
		case RI_INIT:
			r->state = RI_TYPE;
			p++;
			n--;
			break;
		case RI_TYPE:
			input |= rfbin_type(r, *p);
			p++;
			n--;
			break;
		}
	}
	return input || (r->state == RI_LOST && n > 0);
}
