/*
 * refused.c - the audit trail of refused requests, in bounded space.  The
 * first audit_refused_each refused requests of a kind (client address,
 * user, name tried, method, resource, status) in each
 * audit_refused_interval are recorded as any other; the rest are only
 * counted, and when the interval ends one row per kind says how many,
 * first and last seen.  A flood of refused requests costs a bounded number
 * of rows, not the database queue ordinary requests and their audit rows
 * need.  Never drops a count; never blocks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "api.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "util.h"
#include "worker.h"

struct refused_kind {
	uint64_t	 hash;
	char		 addr[NETLIST_ADDR_MAX];
	char		 user[64];
	char		 subject[129];	/* the name a login tried */
	char		 method[16];
	char		 rtype[32];
	int		 status;
	char		 example[160];	/* the first held's action */
	uint64_t	 first_ms, last_ms;	/* wall clock */
	unsigned	 seen, held;	/* in the interval; counted */
};

static struct {
	struct refused_kind	*kinds;		/* max of them */
	uint32_t		*index;		/* kind + 1 by hash; 0: free */
	size_t			 nkinds, max, nindex;
	unsigned		 each;		/* recorded one by one */
	/* Kinds beyond max, together, none recorded on its own. */
	struct refused_kind	 others;
	uint64_t		 interval_ms;
	struct event		*timer;
} rf;

static void
refused_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	refused_flush();
}

static void
refused_timer_set(void)
{
	struct timeval tv = { (time_t)(rf.interval_ms / 1000),
	    (suseconds_t)(rf.interval_ms % 1000) * 1000 };

	if (rf.timer == NULL && (rf.timer = event_new(worker_base(), -1,
	    EV_PERSIST, refused_timer_cb, NULL)) == NULL)
		fatalx("out of memory for the refused requests' timer");
	event_add(rf.timer, &tv);
}

void
refused_configure(const struct conf *c)
{
	size_t max = (size_t)conf_int(c, S_AUDIT_REFUSED_KINDS);
	uint64_t ms = conf_ms(c, S_AUDIT_REFUSED_INTERVAL);

	rf.each = (unsigned)conf_int(c, S_AUDIT_REFUSED_EACH);

	if (max != rf.max) {
		if (rf.nkinds > 0 || rf.others.held > 0)
			refused_flush();
		free(rf.kinds);
		free(rf.index);
		rf.max = max;
		rf.nindex = 2 * max;
		rf.kinds = xcalloc(max, sizeof(*rf.kinds));
		rf.index = xcalloc(rf.nindex, sizeof(*rf.index));
	}
	if (ms != rf.interval_ms) {
		rf.interval_ms = ms;
		if (rf.timer != NULL)
			refused_timer_set();
	}
}

/* The kind's slot in the index: its own, or the free one to take. */
static uint32_t *
refused_find(uint64_t hash, const char *addr, const char *user,
    const char *subject, const char *method, const char *rtype, int status)
{
	struct refused_kind *k;
	size_t i;
	uint32_t *slot;

	for (i = 0; ; i++) {
		slot = &rf.index[(hash + i) % rf.nindex];
		if (*slot == 0)
			return slot;
		k = &rf.kinds[*slot - 1];
		if (k->hash == hash && k->status == status &&
		    strcmp(k->addr, addr) == 0 && strcmp(k->user, user) == 0 &&
		    strcmp(k->subject, subject) == 0 &&
		    strcmp(k->method, method) == 0 &&
		    strcmp(k->rtype, rtype) == 0)
			return slot;
	}
}

static void
refused_count(struct refused_kind *k, const char *action, uint64_t now)
{
	if (k->held++ == 0) {
		k->first_ms = now;
		ssd_strlcpy(k->example, action, sizeof(k->example));
	}
	k->last_ms = now;
}

int
refused_hold(const struct request *r, const char *action, const char *rtype,
    int status)
{
	const char *addr = server_addr(r), *method = r->http->method_str;
	const char *user = r->authed ? r->user.user_id : "";
	const char *subject = r->audit_subject;
	char key[512];
	struct refused_kind *k;
	uint64_t hash;
	uint32_t *slot;

	if (rf.timer == NULL)
		refused_timer_set();
	snprintf(key, sizeof(key), "%s\n%s\n%s\n%s\n%s\n%d", addr, user,
	    subject, method, rtype, status);
	hash = fnv1a64(key);
	slot = refused_find(hash, addr, user, subject, method, rtype, status);
	if (*slot != 0) {
		k = &rf.kinds[*slot - 1];
		if (k->seen++ < rf.each)
			return 0;
		refused_count(k, action, wall_ms());
		return 1;
	}
	if (rf.nkinds == rf.max) {
		refused_count(&rf.others, action, wall_ms());
		return 1;
	}
	k = &rf.kinds[rf.nkinds++];
	memset(k, 0, sizeof(*k));
	k->hash = hash;
	ssd_strlcpy(k->addr, addr, sizeof(k->addr));
	ssd_strlcpy(k->user, user, sizeof(k->user));
	ssd_strlcpy(k->subject, subject, sizeof(k->subject));
	ssd_strlcpy(k->method, method, sizeof(k->method));
	ssd_strlcpy(k->rtype, rtype, sizeof(k->rtype));
	k->status = status;
	k->seen = 1;
	*slot = (uint32_t)rf.nkinds;
	return 0;		/* the first: recorded as usual */
}

static void
refused_iso(uint64_t ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", gmtime_r(&t, &tm));
	snprintf(out + n, len - n, ".%03uZ", (unsigned)(ms % 1000));
}

/* One row's fields, as the flush's statement reads them. */
static cJSON *
refused_row(const struct refused_kind *k, int others)
{
	cJSON *row = cJSON_CreateObject(), *c;
	char when[40];

	if (!others) {
		if (k->user[0] != '\0')
			cJSON_AddStringToObject(row, "u", k->user);
		cJSON_AddStringToObject(row, "t", k->rtype);
		cJSON_AddStringToObject(row, "a", k->addr);
	}
	c = cJSON_AddObjectToObject(row, "c");
	cJSON_AddNumberToObject(c, "count", k->held);
	if (others)
		cJSON_AddStringToObject(c, "kinds", "beyond "
		    "audit_refused_kinds, from any address");
	else {
		if (k->subject[0] != '\0')
			cJSON_AddStringToObject(c, "username", k->subject);
		cJSON_AddStringToObject(c, "method", k->method);
		cJSON_AddNumberToObject(c, "status", k->status);
	}
	cJSON_AddStringToObject(c, "example", k->example);
	refused_iso(k->first_ms, when, sizeof(when));
	cJSON_AddStringToObject(c, "firstSeen", when);
	refused_iso(k->last_ms, when, sizeof(when));
	cJSON_AddStringToObject(c, "lastSeen", when);
	return row;
}

/*
 * Every kind with a count becomes a row, in one statement (a flush must
 * not take a queue slot per kind); the interval starts anew, empty.
 */
void
refused_flush(void)
{
	cJSON *rows = cJSON_CreateArray();
	unsigned n = 0;
	size_t i;
	char *text;

	for (i = 0; i < rf.nkinds; i++)
		if (rf.kinds[i].held > 0) {
			cJSON_AddItemToArray(rows, refused_row(&rf.kinds[i],
			    0));
			n += rf.kinds[i].held;
		}
	if (rf.others.held > 0) {
		cJSON_AddItemToArray(rows, refused_row(&rf.others, 1));
		n += rf.others.held;
	}
	rf.nkinds = 0;
	memset(&rf.others, 0, sizeof(rf.others));
	if (rf.index != NULL)
		memset(rf.index, 0, rf.nindex * sizeof(*rf.index));
	if (n > 0) {
		text = cJSON_PrintUnformatted(rows);
		audit_refused_rows(text, n);
		cJSON_free(text);
	}
	cJSON_Delete(rows);
}
