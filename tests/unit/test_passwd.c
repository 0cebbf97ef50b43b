/*
 * test_passwd.c - common/passwd.c: yescrypt hashes it makes, and the
 * bcrypt hashes of StreamSpace v1.x users.  The bcrypt vectors were made
 * by an independent implementation (Debian's python3-bcrypt 3.2.2,
 * bcrypt.hashpw), not by libcrypt.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "passwd.h"
#include "util.h"

static const struct {
	const char	*password;
	const char	*hash;
} bcrypt_vectors[] = {
	/* Cost 10, $2a$: what v1.x's Go bcrypt.GenerateFromPassword wrote. */
	{ "v1 password",
	  "$2a$10$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK" },
	{ "v1 password",
	  "$2a$04$8.nvF2JGYqPbxeOZai0WoOuXExBEBK2S5mwP8Xmelb6RCs11jr362" },
	{ "v1 password",
	  "$2b$04$yBPZvnTj6Jz4YKIbfMgFe.Sr6QKPcv2nFvk.hNn1.y0Gq.4SHljkC" },
	{ "v1 password",
	  "$2y$04$4lhhhcAtfR.b1.WYsp4zHOq42a6biHriJXrpreRt9DaUWDFZksVY6" },
	/* UTF-8 passwords: bytes as the browser sent them. */
	{ "p\xc3\xa4ssw\xc3\xb6rd \xe2\x9c\x93",
	  "$2a$04$1J4aKMccq/lL1bnsX3AwFuJNTTHar12AweBBxT2mGvbbgbvFlqtVm" },
	{ "p\xc3\xa4ssw\xc3\xb6rd \xe2\x9c\x93",
	  "$2b$04$IGiHLeoFa.hLzcwpxDt0tOqCRDqjTv16/zKOVqBDlVcgdQCfBI9Ji" },
};

START_TEST(bcrypt_from_v1)
{
	size_t i;

	for (i = 0; i < nitems(bcrypt_vectors); i++) {
		ck_assert_msg(passwd_check(bcrypt_vectors[i].password,
		    bcrypt_vectors[i].hash), "vector %zu refused", i);
		ck_assert_msg(!passwd_check("v1 passwore",
		    bcrypt_vectors[i].hash), "vector %zu: wrong password "
		    "accepted", i);
		ck_assert_msg(!passwd_check("", bcrypt_vectors[i].hash),
		    "vector %zu: empty password accepted", i);
		ck_assert_int_eq(passwd_needs_rehash(bcrypt_vectors[i].hash), 1);
	}
}
END_TEST

/* bcrypt looks at 72 bytes, as v1.x's hashes were made: no more. */
START_TEST(bcrypt_72_bytes)
{
	char pw[100];
	const char *h =
	    "$2a$04$jyyYhntpwAqRzCXu7UqBfObhIpgbIdmxi5nc91CWlT97TniDyHTtO";

	memset(pw, 'x', sizeof(pw));
	pw[80] = '\0';		/* the vector's password: 80 'x' */
	ck_assert(passwd_check(pw, h));
	pw[72] = '\0';
	ck_assert(passwd_check(pw, h));
	pw[71] = '\0';
	ck_assert(!passwd_check(pw, h));
}
END_TEST

/* A damaged or foreign hash never matches, and never crashes. */
START_TEST(malformed_hashes)
{
	static const char *bad[] = {
	    "",
	    "*",
	    "*0",
	    "$2a$",
	    "$2a$10$",
	    "$2a$10$elGfevLfaI12sMyH/XNCv.",		/* salt only */
	    "$2a$10$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tl",
	    "$2a$10$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlKK",
	    "$2a$99$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK",
	    "$2a$03$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK",
	    "$2x$10$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK",
	    "$2a$10$elGfevLfaI12sMyH!XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK",
	    "$2$10$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK",
	    "2a$10$elGfevLfaI12sMyH/XNCv.A/.wIUGDX67dXmcTUvouF.XbR3X3tlK",
	    "$y$",
	    "$y$j9T$",
	    /* Real hashes of "v1 password" by methods libcrypt knows. */
	    "abfsqNff0isxM",				/* DES */
	    "$1$abcdefgh$ckCVzSsm.BXgXDKdLMWOV1",	/* MD5 */
	    "$5$saltsalt$wIAJxfUYWREMaarUWqbzQnus.e80H3QLcoAYlvuvfuB",
	    "$6$saltsalt$l6C1LJHGJ/RqSBwkzwkd.W.L6GZ6fYxwkaKGV7QUERUUoKpcQLS"
	    "wrUQjv8e69uQlltC9v0yTpLPbQaNnuQ0He1",
	    "v1 password",			/* a password stored in clear */
	};
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		ck_assert_msg(!passwd_check("v1 password", bad[i]),
		    "accepted \"%s\"", bad[i]);
		ck_assert_msg(!passwd_check("", bad[i]), "accepted \"%s\" "
		    "with an empty password", bad[i]);
	}
}
END_TEST

/* What ssd stores: yescrypt, checked, never due for a rehash. */
START_TEST(yescrypt_round_trip)
{
	char *h = passwd_hash("v1 password");

	ck_assert_ptr_nonnull(h);
	ck_assert(strncmp(h, "$y$", 3) == 0);
	ck_assert(passwd_check("v1 password", h));
	ck_assert(!passwd_check("v1 passwore", h));
	ck_assert_int_eq(passwd_needs_rehash(h), 0);
	free(h);
}
END_TEST

/* Only a hash that passwd_check() takes is due for a rehash. */
START_TEST(rehash_only_known)
{
	ck_assert_int_eq(passwd_needs_rehash(""), 0);
	ck_assert_int_eq(passwd_needs_rehash("abfsqNff0isxM"), 0);
	ck_assert_int_eq(passwd_needs_rehash("$1$abcdefgh$x"), 0);
	ck_assert_int_eq(passwd_needs_rehash("$2b$04$x"), 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("passwd");
	TCase *tc = tcase_create("passwd");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, bcrypt_from_v1);
	tcase_add_test(tc, bcrypt_72_bytes);
	tcase_add_test(tc, malformed_hashes);
	tcase_add_test(tc, yescrypt_round_trip);
	tcase_add_test(tc, rehash_only_known);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
