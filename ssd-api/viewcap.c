/*
 * viewcap.c - how many viewers each session and each user has open, so
 * that viewer_max_per_session and viewer_max_per_user are answered with
 * 429 here, before a hand-off.  A viewer counts from its hand-off until
 * its relay reports the end (IMSG_STREAM_END, sent for every viewer it
 * took, refused or not), refuses the hand-off (NACK), or goes away.
 * Never decides anything else about a viewer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "util.h"

#define VIEWCAP_BUCKETS	4096	/* chains stay short at 10,000s of viewers */

/* Viewers of one session, or of one user. */
struct vcount {
	struct vcount	*next;
	unsigned	 n;
	char		 key[];
};

/* One viewer, from its hand-off on. */
struct vrec {
	TAILQ_ENTRY(vrec) all;
	struct vrec	*next;		/* in its id's chain */
	uint32_t	 id;		/* the hand-off's */
	int		 relay;
	struct vcount	*session, *user;
};

static struct {
	struct vcount	*sessions[VIEWCAP_BUCKETS];
	struct vcount	*users[VIEWCAP_BUCKETS];
	struct vrec	*ids[VIEWCAP_BUCKETS];
	TAILQ_HEAD(, vrec) all;
	unsigned	 max_session, max_user;
	size_t		 live;
} vc = { .all = TAILQ_HEAD_INITIALIZER(vc.all) };

void
viewcap_configure(const struct conf *c)
{
	vc.max_session = (unsigned)conf_int(c, S_VIEWER_MAX_PER_SESSION);
	vc.max_user = (unsigned)conf_int(c, S_VIEWER_MAX_PER_USER);
}

static struct vcount **
viewcap_slot(struct vcount **table, const char *key)
{
	struct vcount **p;

	for (p = &table[fnv1a(key) % VIEWCAP_BUCKETS]; *p != NULL;
	    p = &(*p)->next)
		if (strcmp((*p)->key, key) == 0)
			break;
	return p;
}

static unsigned
viewcap_count(struct vcount **table, const char *key)
{
	struct vcount *c = *viewcap_slot(table, key);

	return c != NULL ? c->n : 0;
}

static struct vcount *
viewcap_ref(struct vcount **table, const char *key)
{
	struct vcount **p = viewcap_slot(table, key);
	size_t len = strlen(key) + 1;

	if (*p == NULL) {
		*p = xcalloc(1, sizeof(**p) + len);
		memcpy((*p)->key, key, len);
	}
	(*p)->n++;
	return *p;
}

static void
viewcap_unref(struct vcount **table, struct vcount *c)
{
	struct vcount **p;

	if (--c->n > 0)
		return;
	p = viewcap_slot(table, c->key);
	*p = c->next;
	free(c);
}

const char *
viewcap_full(const char *session_id, const char *user)
{
	if (vc.max_session > 0 &&
	    viewcap_count(vc.sessions, session_id) >= vc.max_session)
		return "the session has as many viewers as "
		    "viewer_max_per_session allows";
	if (vc.max_user > 0 && viewcap_count(vc.users, user) >= vc.max_user)
		return "the user has as many viewers open as "
		    "viewer_max_per_user allows";
	return NULL;
}

void
viewcap_add(uint32_t id, int relay, const char *session_id,
    const char *user)
{
	struct vrec *v = xcalloc(1, sizeof(*v));
	size_t b = id % VIEWCAP_BUCKETS;

	v->id = id;
	v->relay = relay;
	v->session = viewcap_ref(vc.sessions, session_id);
	v->user = viewcap_ref(vc.users, user);
	v->next = vc.ids[b];
	vc.ids[b] = v;
	TAILQ_INSERT_TAIL(&vc.all, v, all);
	vc.live++;
}

static void
viewcap_free(struct vrec *v)
{
	struct vrec **p;

	for (p = &vc.ids[v->id % VIEWCAP_BUCKETS]; *p != v; p = &(*p)->next)
		;
	*p = v->next;
	TAILQ_REMOVE(&vc.all, v, all);
	viewcap_unref(vc.sessions, v->session);
	viewcap_unref(vc.users, v->user);
	free(v);
	vc.live--;
}

void
viewcap_end(uint32_t id, int relay)
{
	struct vrec *v;

	for (v = vc.ids[id % VIEWCAP_BUCKETS]; v != NULL; v = v->next)
		if (v->id == id && v->relay == relay) {
			viewcap_free(v);
			return;
		}
}

void
viewcap_relay_lost(int relay)
{
	struct vrec *v, *next;
	size_t n = 0;

	for (v = TAILQ_FIRST(&vc.all); v != NULL; v = next) {
		next = TAILQ_NEXT(v, all);
		if (v->relay == relay) {
			viewcap_free(v);
			n++;
		}
	}
	if (n > 0)
		log_info("ssd-relay[%d] gone: its %zu viewers no longer count",
		    relay, n);
}

size_t
viewcap_live(void)
{
	return vc.live;
}
