/*
 * cache.c - answers ssd-api may reuse for a few seconds: the outcome of a
 * token check and session lists.  Direct-mapped tables (a new entry
 * replaces the one in its slot), bounded in bytes by api_cache_size and
 * in age by api_cache_ttl, emptied whenever the database says something
 * they depend on changed (NOTIFY ssd_sessions / ssd_auth, or a lost
 * connection), and by ssd-api's own changes at once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "conf.h"
#include "util.h"

#define CACHE_SLOTS	1024
#define CACHE_KEY_MAX	512

struct cache_entry {
	char		*key;
	char		*value;
	size_t		 len;
	uint64_t	 expires_ms;
};

static struct {
	struct cache_entry	 slots[CACHE_NS_COUNT][CACHE_SLOTS];
	size_t			 bytes, max_bytes;
	uint64_t		 ttl_ms;
} cache;

void
cache_configure(const struct conf *c)
{
	cache.max_bytes = conf_size(c, S_API_CACHE_SIZE);
	cache.ttl_ms = conf_ms(c, S_API_CACHE_TTL);
	cache_clear(CACHE_AUTH);
	cache_clear(CACHE_SESSIONS);
}

static void
cache_drop(struct cache_entry *e)
{
	if (e->key == NULL)
		return;
	cache.bytes -= strlen(e->key) + e->len;
	free(e->key);
	free(e->value);
	memset(e, 0, sizeof(*e));
}

const char *
cache_get(enum cache_ns ns, const char *key, size_t *len)
{
	struct cache_entry *e = &cache.slots[ns][fnv1a(key) % CACHE_SLOTS];

	if (e->key == NULL || strcmp(e->key, key) != 0)
		return NULL;
	if (now_ms() >= e->expires_ms) {
		cache_drop(e);
		return NULL;
	}
	*len = e->len;
	return e->value;
}

void
cache_put(enum cache_ns ns, const char *key, const char *value, size_t len)
{
	struct cache_entry *e = &cache.slots[ns][fnv1a(key) % CACHE_SLOTS];
	size_t need = strlen(key) + len;

	if (cache.max_bytes == 0 || strlen(key) >= CACHE_KEY_MAX)
		return;
	cache_drop(e);
	if (cache.bytes + need > cache.max_bytes)
		return;
	e->key = xstrdup(key);
	e->value = xmalloc(len + 1);
	memcpy(e->value, value, len);
	e->value[len] = '\0';
	e->len = len;
	e->expires_ms = now_ms() + cache.ttl_ms;
	cache.bytes += need;
}

void
cache_clear(enum cache_ns ns)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++)
		cache_drop(&cache.slots[ns][i]);
}

/* NOTIFY from any control plane sharing the database. */
void
cache_notify(const char *channel, const char *payload, void *arg)
{
	if (channel == NULL || strcmp(channel, "ssd_auth") == 0)
		cache_clear(CACHE_AUTH);
	if (channel == NULL || strcmp(channel, "ssd_sessions") == 0)
		cache_clear(CACHE_SESSIONS);
}
