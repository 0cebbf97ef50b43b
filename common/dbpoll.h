/*
 * dbpoll.h - a statement a worker re-runs on a timer for what /metrics
 * shows from PostgreSQL: once per metrics_db_interval whatever the
 * scrapes, never two at once, retried within a second while the
 * database is down, skipped while metrics are off.
 */
#ifndef SSD_DBPOLL_H
#define SSD_DBPOLL_H

#include <stdint.h>

#include "db.h"

struct db_poll;

/*
 * Runs sql (no parameters) at once, then every metrics_db_interval of
 * the worker's settings, calling cb with each result as db_query does.
 */
struct db_poll *db_poll_new(struct event_base *base, struct db *db,
	    const char *sql, db_cb cb, void *arg);
/* Runs it again within ms (if it is not already due sooner). */
void	db_poll_soon(struct db_poll *p, uint64_t ms);

#endif
