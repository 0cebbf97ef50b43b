/*
 * jwt.h - the user tokens: JSON Web Tokens signed with HMAC-SHA256, and
 * nothing else.  Verification pins the algorithm, bounds the length,
 * checks the signature in constant time before reading the claims, then
 * iss, exp and nbf.  (Debian's libjwt 1.10 accepts expired tokens and
 * other algorithms; this is the one parser of tokens in ssd.)
 */
#ifndef SSD_JWT_H
#define SSD_JWT_H

#include <stddef.h>
#include <stdint.h>

#define JWT_MAX_LEN	4096

struct jwt_claims {
	char	user_id[64];	/* also "sub" */
	char	username[128];
	char	email[256];
	char	role[16];
	char	jti[72];	/* hex: revocation handle */
	char	iss[64];
	int64_t	iat, nbf, exp;	/* seconds since the epoch */
	int64_t	gen;		/* the user's token generation ("gen") */
};

/* The signed token (malloc'd), or NULL if a claim does not fit. */
char	*jwt_sign(const struct jwt_claims *c, const void *key, size_t keylen);

/*
 * Verifies token[0..len) at time now (seconds) and fills out.  Returns 0,
 * or -1 with *why naming the first problem ("expired", "bad signature",
 * ...), fit for logs but not for clients.
 */
int	jwt_verify(const char *token, size_t len, const void *key,
	    size_t keylen, const char *issuer, int64_t now,
	    struct jwt_claims *out, const char **why);

/* base64url without padding; the decoder refuses anything else. */
size_t	b64url_encode(const uint8_t *in, size_t len, char *out, size_t outlen);
int	b64url_decode(const char *in, size_t len, uint8_t *out, size_t outlen,
	    size_t *outn);

#endif
