/*
 * webhost_label.c - DNS labels of session ids (webhost.h), apart from
 * webhost.c so that what only checks host names does not link OpenSSL.
 * Pure: no allocation, no I/O.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "util.h"
#include "webhost.h"

void
dns_label_from(const char *id, size_t max, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char hex[SHA256_DIGEST_LENGTH * 2 + 1];
	size_t n = 0, keep;
	const char *p = id;
	char ch;

	if (!isalpha((unsigned char)*p))
		n = (size_t)snprintf(out, max + 1, "s-");
	for (; *p != '\0' && n < max; p++) {
		ch = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)ch))
			ch = '-';
		if (ch == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = ch;
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	if (strcmp(out, id) == 0)
		return;
	/* Lossy: a hash of the whole id keeps different ids apart. */
	SHA256((const unsigned char *)id, strlen(id), md);
	hex_encode(md, sizeof(md), hex);
	keep = max - WEBHOST_HASH_LEN - 1;
	if (n > keep)
		n = keep;
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0)
		out[n++] = 's';
	out[n] = '-';
	memcpy(out + n + 1, hex, WEBHOST_HASH_LEN);
	out[n + 1 + WEBHOST_HASH_LEN] = '\0';
}
