/*
 * fuzz_jwt.c - token verification on arbitrary input must never crash or
 * accept; signing what a verified token said must verify again.  The
 * input is tried as-is and with a valid signature appended, so the
 * claims parser behind the signature check is reached too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "jwt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key[] = "fuzz key: 32 bytes or more.......";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char tok[JWT_MAX_LEN + 64];
	uint8_t sig[32];
	unsigned int siglen = sizeof(sig);
	struct jwt_claims c;
	const char *why;
	size_t n;

	if (size > JWT_MAX_LEN)
		return 0;
	(void)jwt_verify((const char *)data, size, key, strlen(key), "iss",
	    1000, &c, &why);
	/* The input as header.payload, signed properly. */
	memcpy(tok, data, size);
	HMAC(EVP_sha256(), key, (int)strlen(key), data, size, sig, &siglen);
	tok[size] = '.';
	n = size + 1 + b64url_encode(sig, sizeof(sig), tok + size + 1, 60);
	if (jwt_verify(tok, n, key, strlen(key), "iss", 1000, &c, &why) == 0) {
		char *again = jwt_sign(&c, key, strlen(key));

		if (again == NULL || jwt_verify(again, strlen(again), key,
		    strlen(key), "iss", 1000, &c, &why) != 0)
			abort();
		free(again);
	}
	return 0;
}
