/*
 * test_jwt.c - tokens: round trip, and every way a token must be refused
 * (other algorithms, "none", tampering, expiry, issuer, sizes, encoding).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "util.h"

static const char key[] = "0123456789abcdef0123456789abcdef";
#define NOW	1800000000

static void
claims_fill(struct jwt_claims *c)
{
	memset(c, 0, sizeof(*c));
	ssd_strlcpy(c->user_id, "u-1", sizeof(c->user_id));
	ssd_strlcpy(c->username, "alice", sizeof(c->username));
	ssd_strlcpy(c->email, "alice@example.org", sizeof(c->email));
	ssd_strlcpy(c->role, "admin", sizeof(c->role));
	ssd_strlcpy(c->jti, "00ff", sizeof(c->jti));
	ssd_strlcpy(c->iss, "streamspace-api", sizeof(c->iss));
	c->iat = c->nbf = NOW;
	c->exp = NOW + 3600;
}

static int
verify(const char *tok, int64_t now, const char **why)
{
	struct jwt_claims out;

	return jwt_verify(tok, strlen(tok), key, strlen(key),
	    "streamspace-api", now, &out, why);
}

START_TEST(roundtrip)
{
	struct jwt_claims c, out;
	const char *why;
	char *tok;

	claims_fill(&c);
	tok = jwt_sign(&c, key, strlen(key));
	ck_assert_ptr_nonnull(tok);
	ck_assert_int_eq(jwt_verify(tok, strlen(tok), key, strlen(key),
	    "streamspace-api", NOW + 10, &out, &why), 0);
	ck_assert_str_eq(out.username, "alice");
	ck_assert_str_eq(out.role, "admin");
	ck_assert_str_eq(out.jti, "00ff");
	ck_assert_int_eq(out.exp, NOW + 3600);
	free(tok);
}
END_TEST

START_TEST(time_and_issuer)
{
	struct jwt_claims c, out;
	const char *why;
	char *tok;

	claims_fill(&c);
	tok = jwt_sign(&c, key, strlen(key));
	ck_assert_int_eq(verify(tok, NOW + 3600, &why), -1);
	ck_assert_str_eq(why, "expired");
	ck_assert_int_eq(verify(tok, NOW - 1, &why), -1);
	ck_assert_str_eq(why, "not yet valid");
	ck_assert_int_eq(jwt_verify(tok, strlen(tok), key, strlen(key),
	    "other", NOW, &out, &why), -1);
	ck_assert_str_eq(why, "wrong issuer");
	free(tok);
}
END_TEST

START_TEST(tampering)
{
	struct jwt_claims c;
	const char *why;
	char *tok, *p;

	claims_fill(&c);
	tok = jwt_sign(&c, key, strlen(key));
	/* Flip one character of the payload. */
	p = strchr(tok, '.') + 5;
	*p = *p == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(tok, NOW, &why), -1);
	ck_assert_str_eq(why, "bad signature");
	free(tok);
	/* Another key. */
	tok = jwt_sign(&c, "another key, 32 bytes long......", 32);
	ck_assert_int_eq(verify(tok, NOW, &why), -1);
	ck_assert_str_eq(why, "bad signature");
	free(tok);
}
END_TEST

/* Builds header.payload.sig from raw JSON with a zero signature. */
static char *
forge(const char *header, const char *payload)
{
	static const uint8_t sig[32];
	char *t = xcalloc(1, JWT_MAX_LEN * 2);
	size_t n;

	n = b64url_encode((const uint8_t *)header, strlen(header), t, 1024);
	t[n++] = '.';
	n += b64url_encode((const uint8_t *)payload, strlen(payload), t + n,
	    2048);
	t[n++] = '.';
	b64url_encode(sig, sizeof(sig), t + n, 128);
	return t;
}

START_TEST(other_algorithms)
{
	const char *why;
	char *t;

	t = forge("{\"alg\":\"none\",\"typ\":\"JWT\"}", "{\"user_id\":\"u\"}");
	t[strlen(t) - 43] = '\0';	/* empty signature */
	ck_assert_int_eq(verify(t, NOW, &why), -1);
	free(t);
	t = forge("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", "{}");
	ck_assert_int_eq(verify(t, NOW, &why), -1);
	ck_assert_str_eq(why, "unexpected token header");
	free(t);
	t = forge("{\"typ\":\"JWT\",\"alg\":\"HS256\"}", "{}");
	ck_assert_int_eq(verify(t, NOW, &why), -1);
	free(t);
}
END_TEST

START_TEST(malformed)
{
	static const char *const bad[] = {
		"", ".", "..", "...", "a.b", "a.b.c.d",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.!!!",
		"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.AAAA=",
	};
	char *big = xcalloc(1, JWT_MAX_LEN + 2);
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(verify(bad[i], NOW, &why), -1);
	memset(big, 'A', JWT_MAX_LEN + 1);
	ck_assert_int_eq(verify(big, NOW, &why), -1);
	free(big);
}
END_TEST

START_TEST(base64url)
{
	uint8_t out[16];
	char enc[32];
	size_t n;

	ck_assert_uint_eq(b64url_encode((const uint8_t *)"\xfb\xff", 2, enc,
	    sizeof(enc)), 3);
	ck_assert_str_eq(enc, "-_8");
	ck_assert_int_eq(b64url_decode("-_8", 3, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(out[0], 0xfb);
	/* Non-canonical trailing bits, padding, wrong length. */
	ck_assert_int_eq(b64url_decode("-_9", 3, out, sizeof(out), &n), -1);
	ck_assert_int_eq(b64url_decode("-_8=", 4, out, sizeof(out), &n), -1);
	ck_assert_int_eq(b64url_decode("A", 1, out, sizeof(out), &n), -1);
	ck_assert_int_eq(b64url_decode("+/", 2, out, sizeof(out), &n), -1);
	ck_assert_int_eq(b64url_decode("AAAAAAAAAAAAAAAAAAAAAAAA", 24, out,
	    sizeof(out), &n), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("jwt");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, roundtrip);
	tcase_add_test(tc, time_and_issuer);
	tcase_add_test(tc, tampering);
	tcase_add_test(tc, other_algorithms);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, base64url);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
