/*
 * passwd.c - password hashing and checking (passwd.h): yescrypt for new
 * hashes; yescrypt and StreamSpace v1.x's bcrypt checked, nothing else.
 * Thread-safe: ssd-api hashes on a few threads (ssd-api/hashpool.c).
 */
#include "config.h"

#include <crypt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "log.h"
#include "passwd.h"
#include "util.h"

#define PASSWD_METHOD	"$y$"	/* what passwd_hash() makes */

/* crypt_r's scratch (32 KiB): one per thread, made on first use. */
static _Thread_local struct crypt_data *passwd_cd;
static char passwd_dummy[CRYPT_OUTPUT_SIZE];
static pthread_once_t passwd_dummy_once = PTHREAD_ONCE_INIT;

static struct crypt_data *
passwd_data(void)
{
	if (passwd_cd == NULL)
		passwd_cd = xcalloc(1, sizeof(*passwd_cd));
	return passwd_cd;
}

/*
 * The methods a stored hash may use: ours, and bcrypt as v1.x's Go code
 * wrote it ($2a$) or other tools do ($2b$, $2y$: the same algorithm).
 * Anything else (DES, MD5 crypt, a mangled row) never matches, so that no
 * weak method libcrypt still knows can be slipped into the table.
 */
static int
passwd_method_ok(const char *hash)
{
	static const char *const methods[] = { PASSWD_METHOD, "$2a$", "$2b$",
	    "$2y$" };
	size_t i;

	for (i = 0; i < nitems(methods); i++)
		if (strncmp(hash, methods[i], strlen(methods[i])) == 0)
			return 1;
	return 0;
}

char *
passwd_hash(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *h;

	if (strlen(password) > PASSWD_MAX || crypt_gensalt_rn(PASSWD_METHOD,
	    0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    (h = crypt_r(password, salt, passwd_data())) == NULL ||
	    h[0] == '*')
		return NULL;
	return xstrdup(h);
}

/* A hash to check passwords against that cannot match. */
static void
passwd_make_dummy(void)
{
	char *dummy;

	if ((dummy = passwd_hash("-")) != NULL) {
		ssd_strlcpy(passwd_dummy, dummy, sizeof(passwd_dummy));
		free(dummy);
	}
}

int
passwd_check(const char *password, const char *hash)
{
	const char *out;
	size_t n = strlen(hash);

	if (n == 0 || !passwd_method_ok(hash) ||
	    strlen(password) > PASSWD_MAX) {
		/* Spend the time a real check takes, then fail. */
		pthread_once(&passwd_dummy_once, passwd_make_dummy);
		if (passwd_dummy[0] != '\0')
			crypt_r("-", passwd_dummy, passwd_data());
		return 0;
	}
	out = crypt_r(password, hash, passwd_data());
	return out != NULL && out[0] != '*' && strlen(out) == n &&
	    ssd_timingsafe_bcmp(out, hash, n) == 0;
}

int
passwd_needs_rehash(const char *hash)
{
	return passwd_method_ok(hash) && strncmp(hash, PASSWD_METHOD,
	    strlen(PASSWD_METHOD)) != 0;
}

void
sha256_hex(const char *key, size_t len, char out[65])
{
	uint8_t d[SHA256_DIGEST_LENGTH];

	SHA256((const uint8_t *)key, len, d);
	hex_encode(d, sizeof(d), out);
}
