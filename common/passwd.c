/*
 * passwd.c - password hashing and checking (passwd.h).  Not reentrant:
 * one static crypt_data, as every caller is single-threaded.
 */
#include "config.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "log.h"
#include "passwd.h"
#include "util.h"

static struct crypt_data passwd_cd;
static char passwd_dummy[CRYPT_OUTPUT_SIZE];

char *
passwd_hash(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    (h = crypt_r(password, salt, &passwd_cd)) == NULL || h[0] == '*')
		return NULL;
	return xstrdup(h);
}

int
passwd_check(const char *password, const char *hash)
{
	const char *out;
	size_t n = strlen(hash);
	char *dummy;

	if (n == 0) {
		/* Spend the time a real check takes, then fail. */
		if (passwd_dummy[0] == '\0') {
			if ((dummy = passwd_hash("-")) == NULL)
				return 0;
			ssd_strlcpy(passwd_dummy, dummy, sizeof(passwd_dummy));
			free(dummy);
		}
		crypt_r(password, passwd_dummy, &passwd_cd);
		return 0;
	}
	out = crypt_r(password, hash, &passwd_cd);
	return out != NULL && out[0] != '*' && strlen(out) == n &&
	    ssd_timingsafe_bcmp(out, hash, n) == 0;
}

void
sha256_hex(const char *key, size_t len, char out[65])
{
	uint8_t d[SHA256_DIGEST_LENGTH];

	SHA256((const uint8_t *)key, len, d);
	hex_encode(d, sizeof(d), out);
}
