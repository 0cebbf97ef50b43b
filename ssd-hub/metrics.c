/*
 * metrics.c - ssd-hub's part of /metrics that is not a plain count at
 * the point where it happens (dispatch.c counts commands and failed
 * sessions there): the seeds' streamspace_agent_status for every approved
 * agent, and the command queue, both read from PostgreSQL once per
 * metrics_db_interval (and soon after a link comes or goes), never per
 * scrape; its links and database pool.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "conf.h"
#include "dbpoll.h"
#include "hub.h"
#include "log.h"
#include "metrics.h"
#include "util.h"
#include "worker.h"

/* After a link change, the database has it within this (hub_link_db_state). */
#define HUBM_LINK_SETTLE_MS	1000

static const char *const hubm_states[] = { "online", "offline", "draining" };

static struct {
	struct db_poll	*agents, *queue;
	/* Every agent's status lines, rendered when read, copied per scrape. */
	struct evbuffer	*status;
} hubm;

/* Each agent as a state set: 1 for its status, 0 for the others. */
static void
hubm_agents_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	size_t max = conf_size(worker_conf(), S_METRICS_MAX_SIZE);
	static int over_logged;
	const char *id, *status;
	int i, k;

	if (res == NULL) {
		log_warnx("metrics: agents' status not read: %s", err);
		return;
	}
	evbuffer_drain(hubm.status, evbuffer_get_length(hubm.status));
	for (i = 0; i < PQntuples(res); i++) {
		/* The snapshot could not carry more anyway. */
		if (evbuffer_get_length(hubm.status) > max) {
			if (!over_logged++)
				log_warnx("metrics: %d agents' status over "
				    "metrics_max_size, the rest left out",
				    PQntuples(res) - i);
			return;
		}
		id = PQgetvalue(res, i, 0);
		status = PQgetvalue(res, i, 1);
		for (k = 0; k < (int)nitems(hubm_states); k++)
			metrics_sample_to(hubm.status, M_AGENT_STATUS,
			    ML(id, hubm_states[k]),
			    strcmp(status, hubm_states[k]) == 0);
	}
	over_logged = 0;
}

static void
hubm_write_status(struct evbuffer *out)
{
	evbuffer_add(out, evbuffer_pullup(hubm.status, -1),
	    evbuffer_get_length(hubm.status));
}

static void
hubm_queue_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	if (res == NULL || PQntuples(res) != 1) {
		log_warnx("metrics: command queue not read: %s",
		    err ? err : "no row");
		return;
	}
	metrics_set(M_COMMANDS_PENDING, NULL, strtod(PQgetvalue(res, 0, 0),
	    NULL));
	metrics_set(M_COMMAND_OLDEST, NULL, strtod(PQgetvalue(res, 0, 1),
	    NULL));
}

static void
hubm_collect(void)
{
	metrics_set(M_AGENT_LINKS, NULL, hub_link_count());
	db_metrics(hub_db());
}

void
hubm_start(void)
{
	if ((hubm.status = evbuffer_new()) == NULL)
		fatalx("out of memory for metrics");
	metrics_on_collect(hubm_collect);
	metrics_writer(M_AGENT_STATUS, hubm_write_status);
	hubm.agents = db_poll_new(worker_base(), hub_db(), "SELECT agent_id, "
	    "COALESCE(status, 'offline') AS status FROM agents WHERE "
	    "COALESCE(approval_status, 'approved') = 'approved' ORDER BY "
	    "agent_id", hubm_agents_done, NULL);
	hubm.queue = db_poll_new(worker_base(), hub_db(), "SELECT count(*) AS "
	    "n, COALESCE(extract(epoch FROM now() - min(created_at)), 0) AS "
	    "oldest FROM agent_commands WHERE status = 'pending'",
	    hubm_queue_done, NULL);
}

/* A link came or went: the agents' status shows it soon, not an interval on. */
void
hubm_links_changed(void)
{
	if (hubm.agents != NULL)
		db_poll_soon(hubm.agents, HUBM_LINK_SETTLE_MS);
}
