/*
 * passwd.h - password hashes: yescrypt through crypt(3) for new ones;
 * yescrypt and bcrypt ($2a$, $2b$, $2y$: StreamSpace v1.x's) are checked.
 */
#ifndef SSD_PASSWD_H
#define SSD_PASSWD_H

#include <stddef.h>

/* The longest password crypt(3) takes; longer ones are refused (400). */
#define PASSWD_MAX	511

/*
 * A new hash (malloc'd), or NULL if libcrypt cannot make one (or the
 * password is longer than PASSWD_MAX).  Both functions are thread-safe.
 */
char	*passwd_hash(const char *password);
/*
 * 1 when password matches hash.  An empty hash (no such user, no
 * password), one of another method, or a password longer than PASSWD_MAX
 * costs the same and never matches.
 */
int	passwd_check(const char *password, const char *hash);
/*
 * 1 when hash is one passwd_check() accepts but not of the method new
 * hashes use (a v1.x bcrypt hash): after a successful check the password
 * should be hashed again with passwd_hash() and stored.
 */
int	passwd_needs_rehash(const char *hash);

/*
 * Keys with 256 random bits (API and agent keys) need no slow hash:
 * their SHA-256, in hex (65 bytes with the NUL), is what is stored.
 */
void	sha256_hex(const char *key, size_t len, char out[65]);

#endif
