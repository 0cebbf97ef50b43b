/*
 * passwd.h - password hashes: yescrypt through crypt(3) for new ones; any
 * hash libcrypt knows (bcrypt from StreamSpace v1 databases) is checked.
 */
#ifndef SSD_PASSWD_H
#define SSD_PASSWD_H

#include <stddef.h>

/* A new hash (malloc'd), or NULL if libcrypt cannot make one. */
char	*passwd_hash(const char *password);
/*
 * 1 when password matches hash.  An empty hash (no such user, no
 * password) costs the same and never matches.
 */
int	passwd_check(const char *password, const char *hash);

/*
 * Keys with 256 random bits (API and agent keys) need no slow hash:
 * their SHA-256, in hex (65 bytes with the NUL), is what is stored.
 */
void	sha256_hex(const char *key, size_t len, char out[65]);

#endif
