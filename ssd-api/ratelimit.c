/*
 * ratelimit.c - counters of attempts per key (a client address, a user
 * name, the two together) in a fixed-size table, and the login policy
 * built on them (ssd-api(8), LOGIN LIMITS).  Keys are hashed with a key
 * of this process, so that nobody can aim names at one place.  A slot is
 * given to a new key only when its counter has nothing left to say (its
 * window over, no back-off running, no login it vouches for): when none
 * in reach is free, the new key is refused, never an old one forgotten.
 * Counts are this ssd-api's own; several control planes each count.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "conf.h"
#include "netlist.h"
#include "util.h"

#define RL_SLOTS	16384
#define RL_PROBE	32	/* slots a key may live in */
#define RL_KEY_MAX	192
/* A pair that logged in is known good for this long. */
#define RL_KNOWN_GOOD_MS	(30ULL * 24 * 3600 * 1000)
/* Wait suggested when the table has no room for a new key. */
#define RL_FULL_WAIT_S	60

struct rl_entry {
	char		key[RL_KEY_MAX];
	uint64_t	window_ms;
	uint64_t	window_start;
	uint64_t	blocked_until;	/* back-off, or the next slow slot */
	uint64_t	good_until;	/* a login succeeded from here */
	unsigned	count;		/* in the window */
	unsigned	failures;	/* in a row */
};

static struct rl_entry rl_table[RL_SLOTS];
static uint32_t rl_seed;

static struct {
	unsigned	max_failures;
	uint64_t	window_ms;
	unsigned	backoff_after;
	uint64_t	slow_ms;
} rl_login;

void
ratelimit_configure(const struct conf *c)
{
	rl_login.max_failures = (unsigned)conf_int(c, S_LOGIN_MAX_FAILURES);
	rl_login.window_ms = conf_ms(c, S_LOGIN_FAILURE_WINDOW);
	rl_login.backoff_after = (unsigned)conf_int(c, S_LOGIN_BACKOFF_AFTER);
	rl_login.slow_ms = conf_ms(c, S_LOGIN_SLOW_INTERVAL);
}

static uint32_t
rl_hash(const char *key)
{
	uint32_t h = 2166136261u ^ rl_seed;

	while (*key != '\0') {
		h ^= (unsigned char)*key++;
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static int
rl_idle(const struct rl_entry *e, uint64_t now)
{
	return e->key[0] == '\0' || (now - e->window_start >= e->window_ms &&
	    now >= e->blocked_until && now >= e->good_until);
}

/*
 * The key's entry, its window restarted if over; with create, a new one
 * in the first idle slot within reach.  NULL: absent (without create),
 * or no idle slot (the table is full there: fail closed).
 */
static struct rl_entry *
rl_get(const char *key, uint64_t window_ms, int create)
{
	uint64_t now = now_ms();
	struct rl_entry *e, *free = NULL;
	uint32_t h;
	unsigned i;

	if (rl_seed == 0)
		random_fill(&rl_seed, sizeof(rl_seed));
	h = rl_hash(key);
	for (i = 0; i < RL_PROBE; i++) {
		e = &rl_table[(h + i) % RL_SLOTS];
		if (strcmp(e->key, key) == 0) {
			if (now - e->window_start >= e->window_ms) {
				e->window_start = now;
				e->count = 0;
			}
			return e;
		}
		if (free == NULL && rl_idle(e, now))
			free = e;
	}
	if (!create || free == NULL)
		return NULL;
	memset(free, 0, sizeof(*free));
	ssd_strlcpy(free->key, key, sizeof(free->key));
	free->window_ms = window_ms;
	free->window_start = now;
	return free;
}

static unsigned
rl_seconds(uint64_t until, uint64_t now)
{
	return until > now ? (unsigned)((until - now + 999) / 1000) : 1;
}

unsigned
ratelimit_take(const char *key, unsigned max, uint64_t window_ms)
{
	struct rl_entry *e = rl_get(key, window_ms, 1);

	if (e == NULL)
		return RL_FULL_WAIT_S;
	if (e->count >= max)
		return rl_seconds(e->window_start + e->window_ms, now_ms());
	e->count++;
	return 0;
}

/* A user name as logins compare it: without regard to case. */
static void
rl_lower(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

void
login_limit_keys(const char *user, const char *client,
    struct login_attempt *la)
{
	char name[RL_KEY_MAX / 2], addr[NETLIST_ADDR_MAX];

	rl_lower(user, name, sizeof(name));
	netlist_addr_key(client, addr);
	snprintf(la->addr_key, sizeof(la->addr_key), "a:%s", addr);
	snprintf(la->user_key, sizeof(la->user_key), "u:%s", name);
	snprintf(la->pair_key, sizeof(la->pair_key), "p:%s|%s", name, addr);
}

/*
 * Counted when the attempt starts, as a failure until login_limit_ok
 * says otherwise, so that a burst is limited as a sequence would be.
 */
unsigned
login_limit_begin(const struct login_attempt *la, const char **why)
{
	uint64_t now = now_ms(), w = rl_login.window_ms;
	struct rl_entry *a, *p, *u;
	unsigned n;

	*why = "too many login attempts at once: try later";
	if ((a = rl_get(la->addr_key, w, 1)) == NULL)
		return RL_FULL_WAIT_S;
	/* Checked first: a refused address adds no keys to the table. */
	if (a->count >= rl_login.max_failures) {
		*why = "too many failed logins from this address";
		return rl_seconds(a->window_start + w, now);
	}
	if ((p = rl_get(la->pair_key, w, 1)) == NULL ||
	    (u = rl_get(la->user_key, w, 1)) == NULL)
		return RL_FULL_WAIT_S;
	if (now < p->blocked_until) {
		*why = "too many failed logins for this user from this "
		    "address";
		return rl_seconds(p->blocked_until, now);
	}
	/* Under attack: addresses it never logged in from take turns. */
	if (now >= p->good_until && u->count >= rl_login.max_failures) {
		if (now < u->blocked_until) {
			*why = "too many failed logins for this user: one "
			    "attempt at a time";
			return rl_seconds(u->blocked_until, now);
		}
		u->blocked_until = now + rl_login.slow_ms;
	}
	a->count++;
	u->count++;
	if (++p->failures > rl_login.backoff_after) {
		n = p->failures - rl_login.backoff_after - 1;
		p->blocked_until = now + (n >= 30 || (1000ULL << n) > w ? w :
		    1000ULL << n);
	}
	return 0;
}

/* The password was right: the attempt was no failure after all. */
void
login_limit_ok(const struct login_attempt *la)
{
	uint64_t w = rl_login.window_ms;
	struct rl_entry *e;

	if ((e = rl_get(la->pair_key, w, 0)) != NULL) {
		e->failures = 0;
		e->blocked_until = 0;
		e->good_until = now_ms() + RL_KNOWN_GOOD_MS;
	}
	if ((e = rl_get(la->addr_key, w, 0)) != NULL && e->count > 0)
		e->count--;
	if ((e = rl_get(la->user_key, w, 0)) != NULL && e->count > 0)
		e->count--;
}
