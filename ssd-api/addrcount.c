/*
 * addrcount.c - connections counted by client address (addrcount.h): a
 * small hash table of the addresses connected now.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "addrcount.h"
#include "util.h"

#define ADDR_BUCKETS	1024

static struct addr_count *addrs[ADDR_BUCKETS];

static unsigned
addr_hash(const char *s)
{
	unsigned h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h % ADDR_BUCKETS;
}

struct addr_count *
addr_take(const char *addr, int64_t max)
{
	struct addr_count **pp = &addrs[addr_hash(addr)], *ac;

	for (ac = *pp; ac != NULL; ac = ac->next)
		if (strcmp(ac->addr, addr) == 0)
			break;
	if (ac == NULL) {
		ac = xcalloc(1, sizeof(*ac));
		ssd_strlcpy(ac->addr, addr, sizeof(ac->addr));
		ac->next = *pp;
		*pp = ac;
	}
	if ((int64_t)ac->n >= max)
		return NULL;
	ac->n++;
	return ac;
}

void
addr_release(struct addr_count *ac)
{
	struct addr_count **pp;

	if (ac == NULL || --ac->n > 0)
		return;
	for (pp = &addrs[addr_hash(ac->addr)]; *pp != ac;
	    pp = &(*pp)->next)
		;
	*pp = ac->next;
	free(ac);
}
