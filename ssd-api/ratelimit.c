/*
 * ratelimit.c - counts failures (or requests) per key in a fixed window,
 * in a fixed-size table: a flood of distinct keys evicts the oldest
 * windows instead of growing memory.  Used for logins per user name and
 * per client address.
 */
#include "config.h"

#include <string.h>

#include "api.h"
#include "util.h"

#define RL_SLOTS	4096
#define RL_KEY_MAX	160

struct rl_slot {
	char		key[RL_KEY_MAX];
	uint64_t	start_ms;
	unsigned	count;
};

static struct rl_slot rl_table[RL_SLOTS];

/* The key's slot within a small probe range, or the stalest there. */
static struct rl_slot *
rl_find(const char *key, uint64_t now, uint64_t window_ms)
{
	unsigned h = fnv1a(key), i;
	struct rl_slot *s, *victim = NULL;

	for (i = 0; i < 8; i++) {
		s = &rl_table[(h + i) % RL_SLOTS];
		if (strcmp(s->key, key) == 0) {
			if (now - s->start_ms >= window_ms) {
				s->start_ms = now;
				s->count = 0;
			}
			return s;
		}
		if (victim == NULL || s->start_ms < victim->start_ms)
			victim = s;
	}
	ssd_strlcpy(victim->key, key, sizeof(victim->key));
	victim->start_ms = now;
	victim->count = 0;
	return victim;
}

unsigned
ratelimit_retry_after(const char *key, unsigned max, uint64_t window_ms)
{
	uint64_t now = now_ms();
	struct rl_slot *s = rl_find(key, now, window_ms);

	if (s->count < max)
		return 0;
	return (unsigned)((s->start_ms + window_ms - now) / 1000) + 1;
}

void
ratelimit_hit(const char *key, uint64_t window_ms)
{
	rl_find(key, now_ms(), window_ms)->count++;
}

void
ratelimit_clear(const char *key)
{
	uint64_t now = now_ms();

	rl_find(key, now, 1)->count = 0;
}
