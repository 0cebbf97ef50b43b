/*
 * worker.h - the life of an ssd worker, shared by ssd-api, ssd-hub and
 * ssd-relay: arguments and settings from the master, the channel on
 * fd 3, entering the sandbox, liveness, log level, reload and shutdown.
 * A worker program fills in worker_ops and calls worker_main().
 */
#ifndef SSD_WORKER_H
#define SSD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "proto.h"
#include "sandbox.h"

struct event_base;
struct ipc_chan;
struct ipc_msg;

#define WORKER_MASTER_FD	3

struct worker_ops {
	const char		*name;		/* "ssd-hub": log identifier */
	enum proc_kind		 kind;
	enum sandbox_profile	 profile;
	/*
	 * Settings arrived: first before the sandbox (initial = 1), then on
	 * every reload.  Returns -1 with a reason when they cannot be used:
	 * at start the worker exits with SSD_EXIT_CONFIG, on reload the
	 * master reports it and the old settings stay.
	 */
	int	(*configure)(const struct conf *, int initial, char *err,
		    size_t errlen);
	/* Inside the sandbox now: start serving.  Optional. */
	void	(*start)(void);
	/* A channel to another worker (fd owned by the callee).  Optional. */
	void	(*peer)(const struct imsg_peer *, int fd);
	/* The HTTP listener (ssd-api only).  Optional. */
	void	(*listener)(int fd);
	/* The metrics_listen listener (ssd-api only).  Optional. */
	void	(*metrics_listener)(int fd);
	/* A snapshot chunk from the master (ssd-api only).  Optional. */
	void	(*snapshot)(const struct ipc_msg *m);
	/* Stop taking work and drain; call worker_exit() when done. */
	void	(*shutdown)(void);
	/*
	 * An ssdctl request the master forwards (ssd-api only; text is not
	 * NUL-terminated): answer with worker_admin_reply(), once with end
	 * set.  Optional.
	 */
	void	(*admin)(uint32_t id, const char *text, size_t len);
};

int	worker_main(int argc, char *argv[], const struct worker_ops *ops);

struct event_base *worker_base(void);
const struct conf *worker_conf(void);
int	worker_instance(void);
/* The channel to the master (fd 3). */
struct ipc_chan *worker_master_chan(void);
int	worker_shutting_down(void);
/*
 * Answers ssdctl request id: json is a row of a listing (end 0) or the
 * final {"ok": ..., "message"|"error": ...} (end 1).
 */
void	worker_admin_reply(uint32_t id, int end, const char *json);
/* Ends the worker: the master sees a clean exit. */
void	worker_exit(int status) __attribute__((noreturn));

#endif
