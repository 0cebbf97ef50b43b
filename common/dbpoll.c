/*
 * dbpoll.c - statements re-run on a timer (dbpoll.h), for the gauges
 * /metrics takes from PostgreSQL.  Never blocks: db_query queues, the
 * answer comes in the loop; a round that cannot be queued is retried
 * soon, and none starts while the previous one is unanswered.
 */
#include "config.h"

#include <event2/event.h>

#include "conf.h"
#include "dbpoll.h"
#include "log.h"
#include "metrics.h"
#include "util.h"
#include "worker.h"

#define DB_POLL_RETRY_MS	1000

struct db_poll {
	struct db	*db;
	const char	*sql;
	db_cb		 cb;
	void		*arg;
	struct event	*timer;
	uint64_t	 due_ms;	/* now_ms() of the next round */
	int		 running;
	uint64_t	 again_ms;	/* asked for while running: 0 none */
};

static void
db_poll_arm(struct db_poll *p, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	p->due_ms = now_ms() + ms;
	evtimer_add(p->timer, &tv);
}

static void
db_poll_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	struct db_poll *p = arg;

	p->running = 0;
	if (p->again_ms != 0) {
		db_poll_soon(p, p->again_ms);
		p->again_ms = 0;
	}
	p->cb(res, err, sqlstate, p->arg);
}

static void
db_poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_poll *p = arg;
	const char *why;
	uint64_t interval = conf_ms(worker_conf(), S_METRICS_DB_INTERVAL);

	if (p->running || !metrics_enabled()) {
		db_poll_arm(p, interval);
		return;
	}
	if (db_query(p->db, p->sql, 0, NULL, db_poll_done, p, &why) == NULL) {
		log_debug("periodic statement not run: %s", why);
		db_poll_arm(p, DB_POLL_RETRY_MS);
		return;
	}
	p->running = 1;
	db_poll_arm(p, interval);
}

struct db_poll *
db_poll_new(struct event_base *base, struct db *db, const char *sql,
    db_cb cb, void *arg)
{
	struct db_poll *p = xcalloc(1, sizeof(*p));

	p->db = db;
	p->sql = sql;
	p->cb = cb;
	p->arg = arg;
	if ((p->timer = evtimer_new(base, db_poll_cb, p)) == NULL)
		fatalx("out of memory for a periodic statement");
	db_poll_arm(p, 0);
	return p;
}

void
db_poll_soon(struct db_poll *p, uint64_t ms)
{
	/* Its answer may predate what made us ask: one more round after. */
	if (p->running)
		p->again_ms = ms > 0 ? ms : 1;
	else if (p->due_ms > now_ms() + ms)
		db_poll_arm(p, ms);
}
