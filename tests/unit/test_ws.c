/*
 * test_ws.c - the WebSocket parser by the sections of the Autobahn
 * TestSuite: 1 framing, 2 pings/pongs, 3 reserved bits, 4 opcodes,
 * 5 fragmentation, 6 UTF-8, 7 close handling, 9 limits; plus masking
 * per side and the handshake (RFC 6455 §1.3's sample key).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ws.h"

static const uint8_t mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

/* Appends one frame (masked when from a client) to buf; returns length. */
static size_t
frame(uint8_t *buf, int b0, const void *payload, size_t len, int masked)
{
	size_t n = ws_frame_header(buf, b0 >> 7, b0 & 0x0f, len,
	    masked ? mask : NULL);

	buf[0] = (uint8_t)b0;
	memcpy(buf + n, payload, len);
	if (masked)
		ws_mask(buf + n, len, mask, 0);
	return n + len;
}

struct run {
	enum ws_event	ev[16];
	int		code[16];
	size_t		len[16];
	int		n;
};

/* Feeds buf to a server parser, step bytes at a time; records events. */
static void
feed(const uint8_t *buf, size_t len, size_t step, size_t max, struct run *r)
{
	struct ws_parser p;
	struct ws_msg m;
	size_t pos = 0, used, chunk;
	enum ws_event ev;

	memset(r, 0, sizeof(*r));
	ws_parser_init(&p, WS_SERVER, max);
	while (pos < len && r->n < 16) {
		chunk = len - pos < step ? len - pos : step;
		ev = ws_parse(&p, buf + pos, chunk, &used, &m);
		pos += used;
		if (ev != WS_EV_MORE) {
			r->ev[r->n] = ev;
			r->code[r->n] = m.code;
			r->len[r->n++] = m.len;
			if (ev == WS_EV_CLOSE || ev == WS_EV_ERROR)
				break;
		} else if (used == 0)
			break;
	}
	ws_parser_free(&p);
}

START_TEST(s1_framing)
{
	static const size_t sizes[] = { 0, 125, 126, 127, 65535, 65536, 100000 };
	uint8_t *buf = malloc(200000), *data = malloc(100000);
	struct run r;
	size_t i, n;

	memset(data, '*', 100000);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = frame(buf, 0x81, data, sizes[i], 1);
		feed(buf, n, n, 1 << 20, &r);
		ck_assert_int_eq(r.n, 1);
		ck_assert_int_eq(r.ev[0], WS_EV_MESSAGE);
		ck_assert_uint_eq(r.len[0], sizes[i]);
		n = frame(buf, 0x82, data, sizes[i], 1);
		feed(buf, n, 7, 1 << 20, &r);		/* in small pieces */
		ck_assert_int_eq(r.ev[0], WS_EV_MESSAGE);
		ck_assert_uint_eq(r.len[0], sizes[i]);
	}
	free(buf);
	free(data);
}
END_TEST

START_TEST(s1_split_every_byte)
{
	uint8_t buf[512];
	struct run r;
	size_t n = 0, step;

	n += frame(buf + n, 0x81, "Hello", 5, 1);
	n += frame(buf + n, 0x89, "ping", 4, 1);
	n += frame(buf + n, 0x82, "\x00\x01\x02", 3, 1);
	for (step = 1; step <= n; step++) {
		feed(buf, n, step, 1024, &r);
		ck_assert_int_eq(r.n, 3);
		ck_assert_int_eq(r.ev[0], WS_EV_MESSAGE);
		ck_assert_int_eq(r.ev[1], WS_EV_PING);
		ck_assert_int_eq(r.ev[2], WS_EV_MESSAGE);
		ck_assert_uint_eq(r.len[2], 3);
	}
}
END_TEST

START_TEST(s2_pings)
{
	uint8_t buf[512], pl[200];
	struct run r;
	size_t n;

	memset(pl, 'p', sizeof(pl));
	n = frame(buf, 0x89, pl, 125, 1);
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_PING);
	ck_assert_uint_eq(r.len[0], 125);
	n = frame(buf, 0x89, pl, 126, 1);	/* 2.5: too long */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	ck_assert_int_eq(r.code[0], WS_CLOSE_PROTOCOL);
	n = frame(buf, 0x09, pl, 5, 1);		/* fragmented ping */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	n = frame(buf, 0x8a, "x", 1, 1);	/* unsolicited pong: fine */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_PONG);
}
END_TEST

START_TEST(s3_s4_reserved)
{
	static const int bad[] = { 0xc1, 0xa1, 0x91, 0x83, 0x87, 0x8b, 0x8f };
	uint8_t buf[64];
	struct run r;
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = frame(buf, bad[i], "x", 1, 1);
		feed(buf, n, n, 1024, &r);
		ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
		ck_assert_int_eq(r.code[0], WS_CLOSE_PROTOCOL);
	}
}
END_TEST

START_TEST(s5_fragmentation)
{
	uint8_t buf[512];
	struct run r;
	size_t n = 0;

	n += frame(buf + n, 0x01, "fra", 3, 1);
	n += frame(buf + n, 0x89, "", 0, 1);		/* ping in between */
	n += frame(buf + n, 0x00, "gme", 3, 1);
	n += frame(buf + n, 0x80, "nts", 3, 1);
	feed(buf, n, 1, 1024, &r);
	ck_assert_int_eq(r.n, 2);
	ck_assert_int_eq(r.ev[0], WS_EV_PING);
	ck_assert_int_eq(r.ev[1], WS_EV_MESSAGE);
	ck_assert_uint_eq(r.len[1], 9);
	n = frame(buf, 0x80, "x", 1, 1);		/* stray continuation */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	n = frame(buf, 0x01, "a", 1, 1);
	n += frame(buf + n, 0x81, "b", 1, 1);		/* new text inside */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
}
END_TEST

START_TEST(s6_utf8)
{
	uint8_t buf[512];
	struct run r;
	size_t n;

	/* U+20AC split between fragments is fine as a whole. */
	n = frame(buf, 0x01, "\xe2\x82", 2, 1);
	n += frame(buf + n, 0x80, "\xac", 1, 1);
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_MESSAGE);
	n = frame(buf, 0x81, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"
	    "\xed\xa0\x80\x65\x64\x69\x74\x65\x64", 20, 1);
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	ck_assert_int_eq(r.code[0], WS_CLOSE_BAD_DATA);
	n = frame(buf, 0x82, "\xff\xfe", 2, 1);		/* binary: anything */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_MESSAGE);
}
END_TEST

START_TEST(s7_close)
{
	static const int bad_codes[] = { 0, 999, 1004, 1005, 1006, 1012,
	    1015, 1016, 2999, 5000 };
	uint8_t buf[256], pl[WS_CONTROL_MAX];
	struct run r;
	size_t i, n, pn;

	n = frame(buf, 0x88, "", 0, 1);
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_CLOSE);
	ck_assert_int_eq(r.code[0], WS_CLOSE_NO_STATUS);
	pn = ws_close_payload(pl, 1000, "bye");
	n = frame(buf, 0x88, pl, pn, 1);
	feed(buf, n, 1, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_CLOSE);
	ck_assert_int_eq(r.code[0], 1000);
	for (i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
		pn = ws_close_payload(pl, bad_codes[i], NULL);
		n = frame(buf, 0x88, pl, pn, 1);
		feed(buf, n, n, 1024, &r);
		ck_assert_msg(r.ev[0] == WS_EV_ERROR, "code %d", bad_codes[i]);
	}
	n = frame(buf, 0x88, "\x03", 1, 1);		/* 1-byte payload */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	n = frame(buf, 0x88, "\x03\xe8\xff", 3, 1);	/* bad reason */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.code[0], WS_CLOSE_BAD_DATA);
	/* Nothing after a close is parsed. */
	pn = ws_close_payload(pl, 1000, NULL);
	n = frame(buf, 0x88, pl, pn, 1);
	n += frame(buf + n, 0x81, "x", 1, 1);
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.n, 1);
}
END_TEST

START_TEST(s9_limits_and_masking)
{
	uint8_t *buf = malloc(70000), data[2000];
	struct ws_parser p;
	struct ws_msg m;
	struct run r;
	size_t n, used;

	memset(data, 'x', sizeof(data));
	n = frame(buf, 0x82, data, 2000, 1);
	feed(buf, n, n, 1999, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	ck_assert_int_eq(r.code[0], WS_CLOSE_TOO_BIG);
	/* The limit counts the whole fragmented message. */
	n = frame(buf, 0x02, data, 1000, 1);
	n += frame(buf + n, 0x80, data, 1000, 1);
	feed(buf, n, n, 1999, &r);
	ck_assert_int_eq(r.code[0], WS_CLOSE_TOO_BIG);
	n = frame(buf, 0x81, "x", 1, 0);		/* unmasked from client */
	feed(buf, n, n, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	/* A client refuses masked frames. */
	n = frame(buf, 0x81, "x", 1, 1);
	ws_parser_init(&p, WS_CLIENT, 1024);
	ck_assert_int_eq(ws_parse(&p, buf, n, &used, &m), WS_EV_ERROR);
	ws_parser_free(&p);
	/* Non-minimal length encodings. */
	buf[0] = 0x81;
	buf[1] = 0x80 | 126;
	buf[2] = 0;
	buf[3] = 5;
	feed(buf, 8 + 5, 13, 1024, &r);
	ck_assert_int_eq(r.ev[0], WS_EV_ERROR);
	free(buf);
}
END_TEST

START_TEST(handshake)
{
	struct http_request req;
	char accept[WS_ACCEPT_LEN + 1], key[WS_KEY_LEN + 1], resp[256];
	const char *proto, *ours[] = { "binary", NULL };
	const char *ok = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Protocol: chat, binary\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	const char *v12 = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 12\r\n\r\n";
	const char *chat = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Protocol: chat\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	const char *none = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	const char *twokeys = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";
	const char *badkey = "GET /x HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\n"
	    "Sec-WebSocket-Version: 13\r\n\r\n";

	ck_assert_int_eq(http_parse_head(ok, strlen(ok), 8192, &req), 1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &proto), 0);
	ck_assert_str_eq(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ck_assert_str_eq(proto, "binary");
	ck_assert_uint_gt(ws_server_response(resp, sizeof(resp), accept,
	    proto), 0);
	ck_assert_ptr_nonnull(strstr(resp, "Sec-WebSocket-Protocol: binary"));
	/* Subprotocols offered, none ours (chat): refused. */
	ck_assert_int_eq(ws_server_check(&req, NULL, accept, &proto), -400);
	ck_assert_int_eq(http_parse_head(chat, strlen(chat), 8192, &req), 1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &proto), -400);
	/* None offered: accepted without one. */
	ck_assert_int_eq(http_parse_head(none, strlen(none), 8192, &req), 1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &proto), 0);
	ck_assert_ptr_null(proto);
	ck_assert_int_eq(http_parse_head(twokeys, strlen(twokeys), 8192,
	    &req), 1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &proto), -400);
	ck_assert_int_eq(http_parse_head(v12, strlen(v12), 8192, &req), 1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &proto), -426);
	ck_assert_int_eq(http_parse_head(badkey, strlen(badkey), 8192, &req),
	    1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &proto), -400);
	ck_assert_int_eq(ws_client_key(key), 0);
	ck_assert_uint_eq(strlen(key), WS_KEY_LEN);
}
END_TEST

/* The client's side: our request, then the server's 101 checked. */
static int
client_check(const char *answer, const char *offer, char *proto,
    size_t protolen)
{
	struct http_response res;

	ck_assert_int_eq(http_parse_response_head(answer, strlen(answer),
	    8192, &res), 1);
	return ws_client_check(&res, "dGhlIHNhbXBsZSBub25jZQ==", offer, proto,
	    protolen);
}

START_TEST(client_handshake)
{
	struct http_request req;
	char out[512], proto[32];
	const char *p;
	const char *ours[] = { "v1.ssd", NULL };
	char accept[WS_ACCEPT_LEN + 1];
	const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	const char *withp = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: b\r\n"
	    "\r\n";
	const char *wrong = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOp=\r\n\r\n";
	const char *noup = "HTTP/1.1 101 Switching Protocols\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
	const char *ext = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
	    "websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
	    "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: "
	    "permessage-deflate\r\n\r\n";
	const char *refused = "HTTP/1.1 401 Unauthorized\r\n"
	    "Content-Length: 2\r\n\r\n{}";

	/* What we send is what our own server accepts. */
	ck_assert_uint_gt(ws_client_request(out, sizeof(out), "h:1", "/c?a=1",
	    "dGhlIHNhbXBsZSBub25jZQ==", "v1.ssd", "X-Agent-API-Key: k\r\n"),
	    0);
	ck_assert_int_eq(http_parse_head(out, strlen(out), 8192, &req), 1);
	ck_assert_int_eq(ws_server_check(&req, ours, accept, &p), 0);
	ck_assert_str_eq(p, "v1.ssd");
	ck_assert_ptr_nonnull(http_header_get(&req, "X-Agent-API-Key", NULL));
	ck_assert_uint_eq(ws_client_request(out, 40, "h", "/", "k", NULL,
	    NULL), 0);

	ck_assert_int_eq(client_check(ok, NULL, proto, sizeof(proto)), 0);
	ck_assert_str_eq(proto, "");
	ck_assert_int_eq(client_check(withp, "a, b", proto, sizeof(proto)),
	    0);
	ck_assert_str_eq(proto, "b");
	ck_assert_int_eq(client_check(withp, "a, bb", proto, sizeof(proto)),
	    -2);
	ck_assert_int_eq(client_check(withp, NULL, proto, sizeof(proto)), -2);
	ck_assert_int_eq(client_check(wrong, NULL, proto, sizeof(proto)), -2);
	ck_assert_int_eq(client_check(noup, NULL, proto, sizeof(proto)), -2);
	ck_assert_int_eq(client_check(ext, NULL, proto, sizeof(proto)), -2);
	ck_assert_int_eq(client_check(refused, NULL, proto, sizeof(proto)),
	    -1);
}
END_TEST

/* The block-at-a-time mask against the definition, at every alignment
 * and length around a block. */
START_TEST(mask_any_alignment)
{
	const uint8_t key[4] = { 0x12, 0x34, 0xab, 0xcd };
	uint8_t buf[80], want[80];
	size_t start, len, i;
	uint64_t off;

	for (start = 0; start < 8; start++)
		for (len = 0; len + start <= sizeof(buf); len += 3)
			for (off = 0; off < 5; off++) {
				for (i = 0; i < sizeof(buf); i++)
					buf[i] = want[i] = (uint8_t)(i * 7 + 1);
				for (i = 0; i < len; i++)
					want[start + i] ^= key[(off + i) & 3];
				ws_mask(buf + start, len, key, off);
				ck_assert_mem_eq(buf, want, sizeof(buf));
			}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ws");
	TCase *tc = tcase_create("ws");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, s1_framing);
	tcase_add_test(tc, s1_split_every_byte);
	tcase_add_test(tc, s2_pings);
	tcase_add_test(tc, s3_s4_reserved);
	tcase_add_test(tc, s5_fragmentation);
	tcase_add_test(tc, s6_utf8);
	tcase_add_test(tc, s7_close);
	tcase_add_test(tc, s9_limits_and_masking);
	tcase_add_test(tc, handshake);
	tcase_add_test(tc, client_handshake);
	tcase_add_test(tc, mask_any_alignment);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
