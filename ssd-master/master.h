/*
 * master.h - the ssd master: its state, the workers it supervises, and the
 * functions its files share.  main.c owns configuration, signals and
 * shutdown; proc.c starts, wires and restarts workers; control.c serves
 * ssdctl on the control socket.
 */
#ifndef SSD_MASTER_H
#define SSD_MASTER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "log.h"
#include "proto.h"

struct event;
struct event_base;
struct ipc_chan;

enum worker_state {
	WORKER_DOWN,		/* not running, not scheduled */
	WORKER_STARTING,	/* forked, waiting for READY */
	WORKER_READY,
	WORKER_BACKOFF,		/* dead, restart scheduled */
	WORKER_STOPPING,	/* told to shut down */
};

#define WORKER_FAIL_RING	64	/* > the largest sensible crash_limit */

struct worker {
	enum proc_kind		 kind;
	int			 instance;
	char			 name[32];	/* "ssd-hub", "ssd-relay[1]" */
	const char		*prog;		/* "ssd-hub" */
	pid_t			 pid;
	enum worker_state	 state;
	struct ipc_chan		*chan;
	struct event		*timer;		/* start timeout or back-off */
	unsigned		 gen;		/* processes started so far */
	unsigned		 restarts;
	unsigned		 start_failures;	/* in a row: back-off */
	uint64_t		 started_ms;
	unsigned		 pings_missed;
	int			 cfg_pending;	/* reload answer awaited */
	char			 last_exit[48];
	uint64_t		 fails[WORKER_FAIL_RING];
	unsigned		 nfails;
};

struct ctl_conn;

struct master {
	struct event_base	*base;
	struct conf		*conf;
	const char		*conf_path;
	int			 conf_must_exist;
	enum log_target		 log_target;
	int			 verbose;
	int			 listen_fd;
	int			 metrics_fd;	/* metrics_listen, or -1 */
	int			 control_fd;
	struct event		*control_ev;
	struct worker		*workers;
	size_t			 nworkers;
	int			 ready_notified;
	int			 stopping;
	int			 exit_status;
	struct event		*stop_timer;
	struct event		*ping_timer;
	struct event		*watchdog_timer;
	/* Reload in progress: answered when every worker took it. */
	int			 reloading;
	struct event		*reload_timer;
	struct ctl_conn		*reload_client;
	char			 reload_note[512];
};

extern struct master *master;

/* main.c */
void	master_shutdown(int status);
/* A listening TCP socket on addr (a literal IP) and port; fatal if not. */
int	master_bind(const char *addr, int64_t port);
/* Re-reads the configuration; note gets what needs a restart. */
int	master_reload(struct ctl_conn *client);
void	master_reload_progress(void);
void	master_status(void);

/* proc.c */
void	proc_init(void);
void	proc_start_all(void);
void	proc_spawn(struct worker *w);
void	proc_reap(void);
void	proc_ping_all(void);
int	proc_all_ready(void);
int	proc_all_down(void);
void	proc_kill_all(int sig);
void	proc_send_shutdown(uint32_t deadline_ms);
int	proc_send_cfg(struct worker *w);
void	proc_send_log_level(struct worker *w, int level);
struct worker *proc_find(const char *name);
const char *proc_state_name(enum worker_state s);

/* metrics.c */
/* The master's own metrics; after daemon(): process_* reads its pid. */
void	master_metrics_init(void);
/* The metrics_listen socket, or -1 when there is none. */
int	master_metrics_bind(void);

/* migrate.c */
#define MIGRATE_NOTES_MAX	1024
int	migrate_run(const struct conf *c, int status_only,
	    void (*report)(const char *, int, void *), void *arg, char *err,
	    size_t errlen);
/*
 * Reverts the applied migrations newer than target ("0": all of them;
 * "NNNN" or an applied "NNNN_name": that one stays), newest first, each
 * with its NNNN_name.down.sql, all or none; report(version, 0) for each.
 * Returns the number reverted, or -1 with err.  notes
 * (MIGRATE_NOTES_MAX) gets the files' warnings.
 */
int	migrate_down(const struct conf *c, const char *target,
	    void (*report)(const char *, int, void *), void *arg, char *notes,
	    char *err, size_t errlen);

/* control.c */
int	control_open(void);
void	control_listen(void);
void	control_close(void);
void	control_reload_done(struct ctl_conn *client, int ok, const char *text);
/* ssd-api's answer to a forwarded request (IMSG_ADMIN_DATA or _END). */
void	control_admin_msg(uint32_t id, uint32_t type, const char *data,
	    size_t len);
/* ssd-api went away: forwarded requests end with an error. */
void	control_admin_lost(void);

#endif
