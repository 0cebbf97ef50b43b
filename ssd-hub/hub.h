/*
 * hub.h - ssd-hub: agents' control links (link.c) and the command
 * dispatcher (dispatch.c) over the agent_commands queue in PostgreSQL.
 */
#ifndef SSD_HUB_H
#define SSD_HUB_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct db;
struct hub_link;
struct cJSON;
struct ap_msg;

/* main.c */
struct db *hub_db(void);
const struct conf *hub_conf(void);

/* link.c */
void	hub_link_accept(int fd, const char *agent_id, const char *accept,
	    const char *peer, const uint8_t *tail, size_t tail_len);
struct hub_link *hub_link_find(const char *agent_id);
/*
 * Sends one message (payload consumed); -1 if the link cannot take it,
 * and then it is being closed.
 */
int	hub_link_send(struct hub_link *l, const char *type, const char *id,
	    struct cJSON *payload);
const char *hub_link_agent(const struct hub_link *l);
/* Which link of its agent this is (a new one replaces the old). */
uint64_t hub_link_serial(const struct hub_link *l);
/*
 * One sessions list of a link is reconciled at a time: 0 when ids may
 * go now; else 1, and ids (a JSON text, consumed) wait, replacing any
 * list that waited.  When one is done, hub_link_reconciled() hands over
 * the list that waited (the caller's now), or NULL: none, or the link is
 * gone.
 */
int	hub_link_reconciling(struct hub_link *l, char *ids);
char	*hub_link_reconciled(const char *agent_id, uint64_t serial);
void	hub_link_close_all(const char *why);
size_t	hub_link_count(void);

/* metrics.c */
void	hubm_start(void);
void	hubm_links_changed(void);

/* dispatch.c */
/* Sends the agent's pending commands (after NOTIFY or a new link). */
void	dispatch_agent(const char *agent_id);
/* A new link: unanswered commands go back to pending, then out. */
void	dispatch_link_up(const char *agent_id);
/* The agent's answer to a command: ack, complete or failed. */
void	dispatch_reply(struct hub_link *l, const struct ap_msg *m);
/* A session state the agent reports. */
void	dispatch_status(struct hub_link *l, const struct ap_msg *m);
/* The agent's list of its sessions: reconcile with the database. */
void	dispatch_sessions(struct hub_link *l, const struct ap_msg *m);
void	dispatch_notify(const char *channel, const char *payload, void *arg);
/*
 * Run every few seconds: sends retries whose back-off is over, ends
 * commands past command_timeout.
 */
void	dispatch_sweep(void);

#endif
