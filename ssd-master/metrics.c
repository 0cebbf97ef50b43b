/*
 * metrics.c - the master's part of /metrics: its workers' state, their
 * restarts and reloads (counted where they happen, in proc.c and main.c),
 * its own process_*, and the metrics_listen socket it binds for ssd-api.
 * The master never reads a scrape itself: ssd-api asks it for a snapshot
 * like any worker (IMSG_SNAP_REQ), answered from the master's own loop.
 */
#include "config.h"

#include "master.h"
#include "metrics.h"
#include "metrics_proc.h"
#include "netlist.h"
#include "snapshot.h"

static void
master_metrics_collect(void)
{
	const struct worker *w;
	size_t i;

	for (i = 0; i < master->nworkers; i++) {
		w = &master->workers[i];
		metrics_set(M_WORKER_UP, ML(w->name),
		    w->state == WORKER_READY ? 1 : 0);
	}
}

void
master_metrics_init(void)
{
	metrics_init("ssd");
	metrics_enable(conf_bool(master->conf, S_METRICS));
	metrics_proc_init();
	metrics_on_collect(master_metrics_collect);
	metrics_set(M_BUILD_INFO, ML(PACKAGE_VERSION), 1);
	snapshot_configure(conf_size(master->conf, S_METRICS_MAX_SIZE));
	snapshot_register(SNAP_METRICS, metrics_snapshot);
}

int
master_metrics_bind(void)
{
	const char *s = conf_str(master->conf, S_METRICS_LISTEN);
	char addr[NETLIST_ADDR_MAX], why[128];
	int port;

	if (*s == '\0')
		return -1;
	/* conf_check has taken it already. */
	if (netlist_hostport(s, addr, sizeof(addr), &port, why,
	    sizeof(why)) == -1)
		fatalx("metrics_listen: %s", why);
	return master_bind(addr, port);
}
