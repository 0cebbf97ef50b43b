/*
 * agent.h - ssd-agent-k8s: its settings (config.c), its control link to
 * the control plane (link.c) and the command bookkeeping that makes it
 * idempotent (commands.c).  The cluster side is cluster.h.
 */
#ifndef SSD_AGENT_H
#define SSD_AGENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <openssl/ssl.h>

struct cluster;
struct dial_url;
struct event_base;
struct evdns_base;

#define AGENT_VERSION_STRING	"ssd-agent-k8s/" PACKAGE_VERSION
#define AGENT_KEY_MAX		256

struct agent_config {
	char		*agent_id;
	char		*control_plane_url;
	char		*agent_key;		/* own key, or NULL */
	char		*agent_key_file;	/* read, and written on approval */
	char		*bootstrap_key;
	char		*ca_file;		/* control plane CA, or system */
	char		*platform;
	char		*region;
	char		*namespace;
	char		*kubeconfig;		/* NULL: in-cluster */
	char		*incluster_dir;
	char		*storage_class;
	char		*home_size;
	uint64_t	 max_cpu;		/* cores, 0: unlimited */
	uint64_t	 max_memory;		/* GiB, 0: unlimited */
	uint64_t	 max_sessions;		/* 0: unlimited */
	uint64_t	 heartbeat_ms;
	uint64_t	 reconnect_max_ms;
	uint64_t	 register_poll_ms;	/* while pending approval */
	uint64_t	 connect_timeout_ms;
	uint64_t	 api_timeout_ms;
	uint64_t	 ready_timeout_ms;
	uint64_t	 max_message;
	uint64_t	 data_links;		/* to the relays */
	char		*vnc_via;		/* auto, direct, portforward */
	char		*data_link_splice;	/* yes, no */
	int		 log_level;
};

/* config.c: flags over environment over defaults; exits 1 on error. */
void	config_load(struct agent_config *cfg, int argc, char **argv);
void	config_free(struct agent_config *cfg);
/* Reads the agent's key from its file: 0, 1 if absent, -1 on error. */
int	config_read_key(const char *path, char *key, size_t len, char *err,
	    size_t errlen);
/* Stores a key received on approval (0600, atomically); 0 or -1. */
int	config_write_key(const char *path, const char *key, char *err,
	    size_t errlen);

/*
 * agentmsg.c: the payloads the agent sends (common/agentproto.h); each
 * returns a new object.  sessions takes list over.
 */
cJSON	*agentmsg_capacity(const struct agent_config *cfg);
cJSON	*agentmsg_hello(const struct agent_config *cfg);
cJSON	*agentmsg_heartbeat(const struct agent_config *cfg, size_t active,
	    size_t running);
cJSON	*agentmsg_sessions(cJSON *list);
cJSON	*agentmsg_status(const char *session_id, const char *state,
	    const char *reason, const cJSON *metadata);
cJSON	*agentmsg_registration(const struct agent_config *cfg);

/* link.c */
void	link_start(struct event_base *base, const struct agent_config *cfg,
	    struct cluster *cluster);
/* Starts closing the link; 1 if the loop should wait for the close. */
int	link_close(void);
/* Drops everything the link holds. */
void	link_stop(void);
/* A session's state changed in the cluster (the cluster's callback). */
void	link_session_status(const char *session_id, const char *state,
	    const char *reason, const cJSON *metadata, void *arg);

/* datalink.c: the data links, once the agent has its key. */
struct datalink_env {
	struct event_base		*base;
	struct evdns_base		*dns;
	SSL_CTX				*tls;	/* NULL for ws:// */
	const struct dial_url		*url;
	const struct agent_config	*cfg;
	struct cluster			*cluster;
	const char			*key;
};
void	datalink_start(const struct datalink_env *env);
void	datalink_stop(void);

/* commands.c: runs commands once per id, keeps results for resending. */
/* Sends one message on the link: 0, or -1 when it is down. */
typedef int (*commands_send_fn)(const char *type, const char *id,
	    const cJSON *payload);
void	commands_init(struct cluster *cluster, commands_send_fn send,
	    uint64_t max_sessions);
/* Whether hibernated sessions count against MAX_SESSIONS (hello). */
void	commands_count_hibernated(int yes);
/* A command arrived: ack it, run it (or answer from what we have). */
void	commands_handle(const char *id, const char *type,
	    const char *session_id, const cJSON *data);
/* The link is back: results it may have missed go out again. */
void	commands_resend(void);
size_t	commands_running(void);
void	commands_free(void);

#endif
