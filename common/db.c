/*
 * db.c - the asynchronous PostgreSQL pool of db.h.  Every libpq call here
 * is non-blocking (PQconnectStartParams/PQconnectPoll, PQsendPrepare,
 * PQsendQueryPrepared, PQflush, PQconsumeInput); the loop waits on the
 * connection's socket.  Statements are prepared once per connection, so
 * the server plans a statement once, not on every call.  Runs inside the
 * sandboxed api and hub: no file access beyond libpq's.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "util.h"

#define DB_POOL_MAX		64
#define DB_BACKOFF_FIRST_MS	100
#define DB_BACKOFF_MAX_MS	5000
/*
 * Distinct statement texts prepared; callers' statements are fixed texts
 * (a few dozen), and any beyond the bound run unprepared.
 */
#define DB_STMT_MAX		256
/* What a prepared statement answers when a migration changed its rows. */
#define DB_STALE_PLAN_STATE	"0A000"

enum db_conn_state { DC_DOWN, DC_CONNECTING, DC_IDLE, DC_BUSY };

struct db_req {
	TAILQ_ENTRY(db_req)	 entry;
	struct db		*db;
	char			*sql;
	int			 stmt;		/* in db->stmts, or -1 */
	int			 nparams;
	char			**params;
	db_cb			 cb;
	void			*arg;
	int			 queued;
	int			 cancelled;
	int			 simple;	/* several statements, no params */
	struct db_share		*share;		/* charged, or NULL */
};

struct db_share {
	unsigned		 n, max;	/* queries out, the bound */
	int			 orphan;	/* freed by its owner */
	void			(*room)(void *);
	void			*arg;
};

struct db_conn {
	struct db		*db;
	int			 slot;
	PGconn			*pg;
	struct event		*ev;
	struct event		*retry;
	enum db_conn_state	 state;
	unsigned		 failures;	/* in a row: the back-off */
	struct db_req		*cur;
	int			 preparing;	/* cur's statement, first */
	PGresult		*res;		/* first result of cur */
	uint8_t			 prepared[DB_STMT_MAX];
};

struct db_stmt {
	uint64_t		 hash;
	char			*sql;
};

struct db {
	struct event_base	*base;
	const char		*keys[DB_PARAMS_MAX + 1];
	const char		*vals[DB_PARAMS_MAX + 1];
	char			 buf[1024];
	struct conf		*conf;
	struct db_conn		 conns[DB_POOL_MAX];
	int			 npool;
	struct db_stmt		 stmts[DB_STMT_MAX];
	int			 nstmts;
	TAILQ_HEAD(, db_req)	 queue;
	struct event		*kick;		/* dispatch outside callers */
	unsigned		 nqueued, max_queue;
	char			 why[256];
	char			*listen_sql;	/* "LISTEN a; LISTEN b" */
	db_notify_cb		 notify;
	void			*notify_arg;
	struct db_share		*charged;	/* db_charge() */
};

static void	db_connect(struct db_conn *);
static void	db_dispatch(struct db *);
static void	db_kick_cb(evutil_socket_t, short, void *);
static void	db_send(struct db_conn *, struct db_req *);

int
db_conninfo(const struct conf *c, const char *application_name,
    const char **keys, const char **vals, char *buf, size_t buflen)
{
	int n = 0, k;

#define DB_KV(k_, v_)	do { keys[n] = (k_); vals[n] = (v_); n++; } while (0)
	DB_KV("host", conf_str(c, S_DB_HOST));
	k = snprintf(buf, buflen, "%lld", (long long)conf_int(c, S_DB_PORT));
	DB_KV("port", buf);
	buf += k + 1;
	buflen -= (size_t)k + 1;
	DB_KV("dbname", conf_str(c, S_DB_NAME));
	DB_KV("user", conf_str(c, S_DB_USER));
	if (conf_is_set(c, S_DB_PASSWORD))
		DB_KV("password", conf_str(c, S_DB_PASSWORD));
	DB_KV("sslmode", conf_str(c, S_DB_SSL_MODE));
	k = snprintf(buf, buflen, "%llu", (unsigned long long)
	    (conf_ms(c, S_DB_CONNECT_TIMEOUT) + 999) / 1000);
	DB_KV("connect_timeout", buf);
	buf += k + 1;
	buflen -= (size_t)k + 1;
	/* TIMESTAMP columns hold UTC, whatever the server's zone. */
	snprintf(buf, buflen, "-c TimeZone=UTC -c statement_timeout=%llu",
	    (unsigned long long)conf_ms(c, S_DB_QUERY_TIMEOUT));
	DB_KV("options", buf);
	DB_KV("application_name", application_name);
	DB_KV("keepalives", "1");
	DB_KV("keepalives_idle", "30");
#undef DB_KV
	keys[n] = vals[n] = NULL;
	return n;
}

/* The statement's slot in db->stmts (taken if new), or -1 when full. */
static int
db_stmt_find(struct db *db, const char *sql)
{
	uint64_t h = fnv1a64(sql);
	int i;

	for (i = 0; i < db->nstmts; i++)
		if (db->stmts[i].hash == h && strcmp(db->stmts[i].sql, sql) == 0)
			return i;
	if (db->nstmts == DB_STMT_MAX)
		return -1;
	db->stmts[i].hash = h;
	db->stmts[i].sql = xstrdup(sql);
	return db->nstmts++;
}

/* stmt: sql's slot in db->stmts, or -1 to send sql itself. */
static struct db_req *
db_req_new(struct db *db, int stmt, const char *sql, int nparams,
    const char *const *params, db_cb cb, void *arg)
{
	struct db_req *r = xcalloc(1, sizeof(*r));
	int i;

	r->db = db;
	r->stmt = stmt;
	r->sql = stmt == -1 ? xstrdup(sql) : NULL;
	r->nparams = nparams;
	r->params = xcalloc((size_t)nparams + 1, sizeof(char *));
	for (i = 0; i < nparams; i++)
		r->params[i] = params[i] ? xstrdup(params[i]) : NULL;
	r->cb = cb;
	r->arg = arg;
	return r;
}

static void
db_listen_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL)
		log_warnx("database connection %d: LISTEN failed: %s",
		    ((struct db_conn *)arg)->slot, err);
}

struct db_share *
db_share_new(unsigned max, void (*room)(void *), void *arg)
{
	struct db_share *s = xcalloc(1, sizeof(*s));

	s->max = max;
	s->room = room;
	s->arg = arg;
	return s;
}

void
db_share_free(struct db_share *s)
{
	if (s == NULL)
		return;
	if (s->n == 0)
		free(s);
	else
		s->orphan = 1;
}

int
db_share_full(const struct db_share *s)
{
	return s != NULL && s->n >= s->max;
}

void
db_charge(struct db *db, struct db_share *s)
{
	db->charged = s;
}

/* One query of s is done: the last keeps an orphan, the first frees room. */
static void
db_share_release(struct db_share *s)
{
	s->n--;
	if (s->orphan) {
		if (s->n == 0)
			free(s);
	} else if (s->n + 1 == s->max && s->room != NULL)
		s->room(s->arg);
}

static void
db_req_free(struct db_req *r)
{
	int i;

	if (r->share != NULL)
		db_share_release(r->share);

	for (i = 0; i < r->nparams; i++)
		free(r->params[i]);
	free(r->params);
	free(r->sql);
	free(r);
}

static void
db_req_finish(struct db_req *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (err != NULL)
		metrics_add(M_DB_ERRORS, ML("query"), 1);
	if (!r->cancelled)
		r->cb(res, err, sqlstate, r->arg);
	db_req_free(r);
}

/* Fails what waits when no connection is left to run it. */
static void
db_fail_queue(struct db *db)
{
	struct db_req *r;
	int i;

	for (i = 0; i < db->npool; i++)
		if (db->conns[i].state == DC_IDLE ||
		    db->conns[i].state == DC_BUSY)
			return;
	while ((r = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, r, entry);
		db->nqueued--;
		db_req_finish(r, NULL, db->why, "");
	}
}

static void
db_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	db_connect(arg);
}

/* The connection is gone: fail its query, try again later. */
static void
db_conn_lost(struct db_conn *dc, const char *why)
{
	struct timeval tv;
	uint64_t ms;

	metrics_add(M_DB_ERRORS, ML("connection"), 1);
	/* Once per outage; the retries after it are debug noise. */
	if (dc->failures == 0)
		log_warnx("database connection %d: %s", dc->slot, why);
	else
		log_debug("database connection %d: %s", dc->slot, why);
	ssd_strlcpy(dc->db->why, why, sizeof(dc->db->why));
	event_del(dc->ev);
	if (dc->res != NULL) {
		PQclear(dc->res);
		dc->res = NULL;
	}
	if (dc->cur != NULL) {
		db_req_finish(dc->cur, NULL, "database connection lost", "");
		dc->cur = NULL;
	}
	dc->preparing = 0;
	PQfinish(dc->pg);
	dc->pg = NULL;
	dc->state = DC_DOWN;
	ms = backoff_ms(dc->failures++, DB_BACKOFF_FIRST_MS,
	    DB_BACKOFF_MAX_MS, 1);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(dc->retry, &tv);
	db_fail_queue(dc->db);
}

static void
db_conn_wait(struct db_conn *dc, short what, event_callback_fn cb)
{
	event_del(dc->ev);
	event_assign(dc->ev, dc->db->base, PQsocket(dc->pg), what, cb, dc);
	event_add(dc->ev, NULL);
}

static void
db_first_line(const char *msg, char *out, size_t len)
{
	ssd_strlcpy(out, msg, len);
	out[strcspn(out, "\n")] = '\0';
}

static void	db_poll_cb(evutil_socket_t, short, void *);

static void
db_notifies(struct db_conn *dc)
{
	PGnotify *n;

	while ((n = PQnotifies(dc->pg)) != NULL) {
		if (dc->db->notify != NULL)
			dc->db->notify(n->relname, n->extra, dc->db->notify_arg);
		PQfreemem(n);
	}
}

/* Idle: only the server speaks (shutdown, NOTIFY); a dead link shows. */
static void
db_idle_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *dc = arg;
	char why[256];

	if (PQconsumeInput(dc->pg) == 0 || PQstatus(dc->pg) == CONNECTION_BAD) {
		db_first_line(PQerrorMessage(dc->pg), why, sizeof(why));
		db_conn_lost(dc, why[0] ? why : "connection closed by the server");
		return;
	}
	db_notifies(dc);
}

static void
db_conn_idle(struct db_conn *dc)
{
	dc->state = DC_IDLE;
	db_conn_wait(dc, EV_READ | EV_PERSIST, db_idle_cb);
}

static void
db_connect_step(struct db_conn *dc)
{
	char why[256];

	switch (PQconnectPoll(dc->pg)) {
	case PGRES_POLLING_READING:
		db_conn_wait(dc, EV_READ, db_poll_cb);
		break;
	case PGRES_POLLING_WRITING:
		db_conn_wait(dc, EV_WRITE, db_poll_cb);
		break;
	case PGRES_POLLING_OK:
		PQsetnonblocking(dc->pg, 1);
		if (dc->failures != 0 || dc->slot == 0)
			log_info("database connection %d up", dc->slot);
		/* Notifications may have been missed while it was down. */
		if (dc->failures != 0 && dc->db->notify != NULL)
			dc->db->notify(NULL, NULL, dc->db->notify_arg);
		dc->failures = 0;
		db_conn_idle(dc);
		if (dc->db->listen_sql != NULL) {
			struct db_req *l = db_req_new(dc->db, -1,
			    dc->db->listen_sql, 0, NULL, db_listen_done, dc);

			l->simple = 1;
			db_send(dc, l);
		}
		db_dispatch(dc->db);
		break;
	default:
		db_first_line(PQerrorMessage(dc->pg), why, sizeof(why));
		db_conn_lost(dc, why);
	}
}

static void
db_poll_cb(evutil_socket_t fd, short ev, void *arg)
{
	db_connect_step(arg);
}

static void
db_notice(void *arg, const char *msg)
{
	log_debug("database: %.*s", (int)strcspn(msg, "\n"), msg);
}

static void
db_connect(struct db_conn *dc)
{
	struct db *db = dc->db;

	dc->state = DC_CONNECTING;
	/* A new server session: it has none of our statements. */
	memset(dc->prepared, 0, sizeof(dc->prepared));
	dc->pg = PQconnectStartParams(db->keys, db->vals, 0);
	if (dc->pg == NULL)
		fatalx("out of memory for a database connection");
	PQsetNoticeProcessor(dc->pg, db_notice, dc);
	if (PQstatus(dc->pg) == CONNECTION_BAD) {
		char why[256];

		db_first_line(PQerrorMessage(dc->pg), why, sizeof(why));
		db_conn_lost(dc, why);
		return;
	}
	db_connect_step(dc);
}

struct db *
db_open(struct event_base *base, const struct conf *c,
    const char *application_name)
{
	struct db *db = xcalloc(1, sizeof(*db));
	struct db_conn *dc;
	int i;

	db->base = base;
	db->conf = conf_dup(c);
	db_conninfo(db->conf, application_name, db->keys, db->vals, db->buf,
	    sizeof(db->buf));
	db->npool = (int)conf_int(c, S_DB_POOL_SIZE);
	if (db->npool > DB_POOL_MAX)
		db->npool = DB_POOL_MAX;
	db->max_queue = (unsigned)conf_int(c, S_DB_QUEUE_MAX);
	TAILQ_INIT(&db->queue);
	db->kick = evtimer_new(base, db_kick_cb, db);
	ssd_strlcpy(db->why, "connecting to the database", sizeof(db->why));
	/* At 0 from the start: a rate of errors needs the series before. */
	metrics_add(M_DB_ERRORS, ML("query"), 0);
	metrics_add(M_DB_ERRORS, ML("connection"), 0);
	for (i = 0; i < db->npool; i++) {
		dc = &db->conns[i];
		dc->db = db;
		dc->slot = i;
		dc->ev = event_new(base, -1, 0, db_poll_cb, dc);
		dc->retry = evtimer_new(base, db_retry_cb, dc);
		db_connect(dc);
	}
	return db;
}

void
db_close(struct db *db)
{
	struct db_req *r;
	int i;

	if (db == NULL)
		return;
	while ((r = TAILQ_FIRST(&db->queue)) != NULL) {
		TAILQ_REMOVE(&db->queue, r, entry);
		db_req_free(r);
	}
	for (i = 0; i < db->npool; i++) {
		if (db->conns[i].cur != NULL)
			db_req_free(db->conns[i].cur);
		PQclear(db->conns[i].res);
		PQfinish(db->conns[i].pg);
		event_free(db->conns[i].ev);
		event_free(db->conns[i].retry);
	}
	for (i = 0; i < db->nstmts; i++)
		free(db->stmts[i].sql);
	event_free(db->kick);
	free(db->listen_sql);
	conf_free(db->conf);
	free(db);
}

/* Collects results; the request is done when libpq has no more. */
static void
db_read_results(struct db_conn *dc)
{
	struct db_req *r = dc->cur;
	ExecStatusType st;
	char err[512];
	const char *code;
	PGresult *res;
	int stale = 0;

	while (!PQisBusy(dc->pg)) {
		if ((res = PQgetResult(dc->pg)) == NULL)
			break;
		if (dc->res == NULL)
			dc->res = res;
		else
			PQclear(res);
	}
	if (PQisBusy(dc->pg))
		return;
	res = dc->res;
	dc->res = NULL;
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (dc->preparing && st == PGRES_COMMAND_OK) {
		dc->preparing = 0;
		dc->prepared[r->stmt] = 1;
		PQclear(res);
		db_send(dc, r);
		return;
	}
	dc->cur = NULL;
	db_conn_idle(dc);
	db_notifies(dc);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		db_req_finish(r, res, NULL, NULL);
	else {
		db_first_line(res ? PQresultErrorMessage(res) :
		    PQerrorMessage(dc->pg), err, sizeof(err));
		code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
		stale = r->stmt != -1 && !dc->preparing && code != NULL &&
		    strcmp(code, DB_STALE_PLAN_STATE) == 0;
		db_req_finish(r, NULL, err, code ? code : "");
	}
	dc->preparing = 0;
	PQclear(res);
	/*
	 * A migration changed the rows a prepared statement returns; the
	 * server will not run it again.  A new session prepares anew.
	 */
	if (stale) {
		db_conn_lost(dc, "a schema change outdated prepared statements");
		return;
	}
	db_dispatch(dc->db);
}

static void
db_io_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct db_conn *dc = arg;
	char why[256];
	int rc;

	if ((ev & EV_WRITE) && (rc = PQflush(dc->pg)) != 0) {
		if (rc == -1)
			goto lost;
		return;		/* more to send; still waiting on both */
	}
	if (ev & EV_WRITE)
		db_conn_wait(dc, EV_READ | EV_PERSIST, db_io_cb);
	if ((ev & EV_READ) && PQconsumeInput(dc->pg) == 0)
		goto lost;
	db_read_results(dc);
	return;
lost:
	db_first_line(PQerrorMessage(dc->pg), why, sizeof(why));
	db_conn_lost(dc, why[0] ? why : "connection lost");
}

static void
db_send(struct db_conn *dc, struct db_req *r)
{
	char why[256], name[16];
	int rc, sent;

	dc->cur = r;
	dc->state = DC_BUSY;
	if (r->stmt != -1)
		snprintf(name, sizeof(name), "ssd_%d", r->stmt);
	if (r->simple)
		sent = PQsendQuery(dc->pg, r->sql);
	else if (r->stmt == -1)
		sent = PQsendQueryParams(dc->pg, r->sql, r->nparams, NULL,
		    (const char *const *)r->params, NULL, NULL, 0);
	else if (!dc->prepared[r->stmt]) {
		/* First use on this connection; db_read_results runs it. */
		dc->preparing = 1;
		sent = PQsendPrepare(dc->pg, name, dc->db->stmts[r->stmt].sql,
		    r->nparams, NULL);
	} else
		sent = PQsendQueryPrepared(dc->pg, name, r->nparams,
		    (const char *const *)r->params, NULL, NULL, 0);
	if (sent == 0 || (rc = PQflush(dc->pg)) == -1) {
		db_first_line(PQerrorMessage(dc->pg), why, sizeof(why));
		db_conn_lost(dc, why);
		return;
	}
	db_conn_wait(dc, rc == 1 ? EV_READ | EV_WRITE | EV_PERSIST :
	    EV_READ | EV_PERSIST, db_io_cb);
}

static void
db_kick_cb(evutil_socket_t fd, short ev, void *arg)
{
	db_dispatch(arg);
}

static void
db_dispatch(struct db *db)
{
	struct db_req *r;
	int i;

	for (i = 0; i < db->npool && !TAILQ_EMPTY(&db->queue); i++) {
		if (db->conns[i].state != DC_IDLE)
			continue;
		r = TAILQ_FIRST(&db->queue);
		TAILQ_REMOVE(&db->queue, r, entry);
		db->nqueued--;
		r->queued = 0;
		db_send(&db->conns[i], r);
	}
}

int
db_is_up(const struct db *db, const char **why)
{
	int i;

	for (i = 0; i < db->npool; i++)
		if (db->conns[i].state == DC_IDLE ||
		    db->conns[i].state == DC_BUSY)
			return 1;
	*why = db->why;
	return 0;
}

struct db_req *
db_query(struct db *db, const char *sql, int nparams,
    const char *const *params, db_cb cb, void *arg, const char **why)
{
	struct db_req *r;

	if (!db_is_up(db, why))
		return NULL;
	if (db->nqueued >= db->max_queue) {
		*why = "too many queries waiting for the database";
		return NULL;
	}
	r = db_req_new(db, db_stmt_find(db, sql), sql, nparams, params, cb,
	    arg);
	if ((r->share = db->charged) != NULL)
		r->share->n++;
	r->queued = 1;
	TAILQ_INSERT_TAIL(&db->queue, r, entry);
	db->nqueued++;
	/* Never call back before the caller has the request in hand. */
	event_active(db->kick, EV_TIMEOUT, 0);
	return r;
}

void
db_req_cancel(struct db_req *r)
{
	if (r->queued) {
		TAILQ_REMOVE(&r->db->queue, r, entry);
		r->db->nqueued--;
		db_req_free(r);
		return;
	}
	r->cancelled = 1;
}

void
db_listen(struct db *db, const char *const *channels, size_t n,
    db_notify_cb cb, void *arg)
{
	size_t i, len = 1;

	for (i = 0; i < n; i++)
		len += strlen(channels[i]) + 10;
	db->listen_sql = xcalloc(1, len);
	for (i = 0; i < n; i++) {
		strcat(db->listen_sql, "LISTEN ");
		strcat(db->listen_sql, channels[i]);
		strcat(db->listen_sql, ";");
	}
	db->notify = cb;
	db->notify_arg = arg;
}

void
db_metrics(const struct db *db)
{
	static const char *const states[] = { "down", "connecting", "idle",
	    "busy" };
	unsigned n[nitems(states)] = { 0 };
	const char *why;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < (size_t)db->npool; i++)
		n[db->conns[i].state]++;
	for (i = 0; i < nitems(states); i++)
		metrics_set(M_DB_CONNECTIONS, ML(states[i]), n[i]);
	metrics_set(M_DB_WAITING, NULL, db->nqueued);
	metrics_set(M_DB_UP, NULL, db_is_up(db, &why));
}
