/*
 * db.h - asynchronous PostgreSQL for the workers: a small pool of libpq
 * connections on the libevent loop, parameters always bound, a bounded
 * queue, and reconnection with back-off.  One statement per query; a
 * change that must be atomic is one statement (CTEs), not a transaction
 * spread over callbacks.
 */
#ifndef SSD_DB_H
#define SSD_DB_H

#include <stddef.h>

#include <libpq-fe.h>

struct conf;
struct event_base;
struct db;
struct db_req;

/*
 * res is the statement's result (PGRES_TUPLES_OK or PGRES_COMMAND_OK),
 * valid during the call only; on failure res is NULL and err says why,
 * sqlstate is the server's code or "" when the connection failed.
 */
typedef void (*db_cb)(const PGresult *res, const char *err,
	    const char *sqlstate, void *arg);

/* Starts connecting; never blocks. */
struct db *db_open(struct event_base *base, const struct conf *c,
	    const char *application_name);
void	db_close(struct db *db);

/*
 * Queues a statement with text parameters (NULL means SQL NULL).  Returns
 * NULL, with *why set, when no connection is up or the queue is full: the
 * caller answers 503.  Otherwise cb is called exactly once, unless the
 * request is cancelled first.  Each connection prepares a statement the
 * first time it runs its text, so the text must be fixed (values go in
 * params) and name its result columns: a prepared SELECT * fails once
 * after a migration changed its table, and its connection is renewed.
 */
struct db_req *db_query(struct db *db, const char *sql, int nparams,
	    const char *const *params, db_cb cb, void *arg,
	    const char **why);
/* The callback will not be called; safe until the callback has run. */
void	db_req_cancel(struct db_req *req);

/*
 * A share of the queue, so that one source of queries (an agent's link)
 * cannot fill it for all: the queries db_query() takes while the share
 * is charged count against it until they are done.  It is full at max;
 * room(arg) is called when a full share has room again.  The owner may
 * free it at any time (room is not called after that); queries still
 * out keep it until they end.
 */
struct db_share;
struct db_share *db_share_new(unsigned max, void (*room)(void *), void *arg);
void	db_share_free(struct db_share *s);
int	db_share_full(const struct db_share *s);
/* Charges s with the queries taken from now on; NULL: nobody. */
void	db_charge(struct db *db, struct db_share *s);

/*
 * NOTIFY: called with each notification on the channels; with channel
 * NULL when a connection came back after an outage (some may have been
 * missed: forget what depends on them).
 */
typedef void (*db_notify_cb)(const char *channel, const char *payload,
	    void *arg);
/*
 * Every connection LISTENs on the channels (fixed identifiers, not
 * input); call right after db_open().  A notification arrives once per
 * connection.
 */
void	db_listen(struct db *db, const char *const *channels, size_t n,
	    db_notify_cb cb, void *arg);

/* 1 when at least one connection is up; else 0 and why. */
int	db_is_up(const struct db *db, const char **why);
/* Sets the pool's gauges of /metrics (ssd_db_*); db may be NULL. */
void	db_metrics(const struct db *db);

/*
 * Fills libpq keyword/value arrays from the settings (db_host, ...);
 * values point into c or into buf.  Returns the number of pairs; both
 * arrays are NULL-terminated and must have room for DB_PARAMS_MAX + 1.
 */
#define DB_PARAMS_MAX	12
int	db_conninfo(const struct conf *c, const char *application_name,
	    const char **keys, const char **vals, char *buf, size_t buflen);

#endif
