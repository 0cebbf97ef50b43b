/*
 * api.h - ssd-api: the HTTP front of ssd.  server.c owns client
 * connections (limits, timeouts, keep-alive, hand-off); routes.c maps
 * requests to handlers; main.c is the worker and its peer channels.
 */
#ifndef SSD_API_H
#define SSD_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "db.h"
#include "http.h"
#include "jwt.h"
#include "netlist.h"
#include "proto.h"

struct cJSON;
struct conf;
struct db;
struct db_req;
struct peer;
struct request;

typedef void (*api_db_cb)(struct request *, const PGresult *,
	    const char *err, const char *sqlstate);
/* One row of a query's result as JSON (agent_json() and the like). */
typedef struct cJSON *(*api_row_fn)(const PGresult *res, int row);
/* A password checked (ok) or hashed (hash: valid during the call). */
typedef void (*api_hash_cb)(struct request *, int ok, const char *hash);
struct hash_job;

#define ROUTE_MAX_PARAMS	4

struct conn;

struct request {
	struct conn		*conn;
	const struct http_request *http;
	char			 path[2048];	/* decoded */
	/*
	 * The route's parameters point into segs: the request's own, as it
	 * may wait for the database while others are routed.
	 */
	char			 segs[2048];
	const char		*params[ROUTE_MAX_PARAMS];
	size_t			 nparams;
	const uint8_t		*body;
	size_t			 body_len;
	const char		*extra_headers;	/* "Name: value\r\n"... */
	/* Sent ahead of the bytes read past the head when handed off. */
	const char		*handoff_head;
	size_t			 handoff_head_len;
	/* The client: the TCP peer, or X-Forwarded-For via trusted_proxies. */
	char			 client[NETLIST_ADDR_MAX];
	char			 who[128];	/* for logs: "addr:port" */
	/* Set by handlers that wait for the database or a password hash. */
	struct db_req		*pending;
	api_db_cb		 next;
	struct hash_job		*hashing;
	api_hash_cb		 hashed;
	/* Who is asking, once authenticated (auth.c). */
	int			 authed;
	const char		*need_role;
	void			(*auth_next)(struct request *);
	struct jwt_claims	 user;
	/* Handler state across callbacks; freed with the request. */
	void			*ctx;
	void			(*ctx_free)(void *);	/* its insides */
	/* The web UI's cookie (cookie.c): login into it, or auth from it. */
	int			 cookie_login;
	int			 via_cookie;
	const char		*cache_control;	/* NULL: no-store */
	/* Mutating requests are audited when answered (audit.c). */
	int			 audit;
	char			 audit_id[128];		/* resource created */
	char			 audit_subject[129];	/* login: the name */
	/* For /metrics: the route's pattern, when the head was complete. */
	const char		*route;
	uint64_t		 started_us;
	int			 metrics_listener;	/* came that way */
};

/* server.c */
void	server_configure(const struct conf *c);
void	server_listen(int fd);
void	server_listen_metrics(int fd);
void	server_shutdown(void);
/* Once shutting down: exits when no client and no audit row is left. */
void	server_exit_if_done(void);
/* One complete response; the connection goes on or closes as asked. */
void	server_reply(struct request *r, int status, const char *ctype,
	    const void *body, size_t len);
void	server_reply_json(struct request *r, int status, const char *json);
/* {"error": code, "message": msg}; the code follows from the status. */
void	server_reply_error(struct request *r, int status, const char *msg);
void	server_reply_error_code(struct request *r, int status,
	    const char *code, const char *msg);
/* Answers with obj as JSON and frees it. */
void	server_reply_cjson(struct request *r, int status, struct cJSON *obj);
/* "addr:port", or "client via addr:port" through a trusted proxy. */
const char *server_peer(const struct request *r);
const char *server_addr(const struct request *r);	/* the client */
const char *server_conn_addr(const struct request *r);	/* TCP peer */
unsigned server_conn_count(void);
/*
 * Gives the client socket up: returns its fd (the caller owns it) and the
 * bytes read past the current request in *tail; the connection is gone.
 * Returns -1 when more than max_tail bytes are pending (nothing changed).
 */
int	server_detach(struct request *r, const uint8_t **tail,
	    size_t *tail_len, size_t max_tail);

/*
 * A 200 answer that stays open (ctype: text/event-stream): the request is
 * done and r is gone; the connection is written to with
 * server_stream_write() until server_stream_close(), or until the client
 * goes, when gone(arg) is called (then the connection is freed).
 */
struct conn *server_stream_open(struct request *r, const char *ctype,
	    void (*gone)(void *), void *arg);
/* -1 (nothing written) when more than max_queued bytes would wait. */
int	server_stream_write(struct conn *c, const void *data, size_t len,
	    size_t max_queued);
size_t	server_stream_queued(const struct conn *c);
void	server_stream_close(struct conn *c);

/* auth.c */
void	auth_configure(const struct conf *c);
/*
 * Authenticates r (Bearer token, not revoked, user active) and checks its
 * role ("user", "operator" or "admin": at least that), then calls next;
 * otherwise answers 401/403 itself.
 */
void	auth_require(struct request *r, const char *role,
	    void (*next)(struct request *));
/* The same with a user token (JWT) found elsewhere, e.g. in a query. */
void	auth_require_jwt(struct request *r, const char *tok, size_t len,
	    const char *role, void (*next)(struct request *));
int	auth_has_role(const struct request *r, const char *role);
/*
 * The caller is the user of res's first row, columns col..col+2 (id,
 * username, role as the database has them now).
 */
void	auth_set_user(struct request *r, const PGresult *res, int col);
/* A token or user changed: cached checks must go (here and elsewhere). */
void	auth_revoked(const char *id);
void	auth_login(struct request *r);
void	auth_refresh(struct request *r);
void	auth_logout(struct request *r);
/*
 * A new token for the user in res's first row: auth_user_columns() from
 * col, then the user's token_generation; answered with status.
 */
void	auth_issue(struct request *r, const PGresult *res, int col,
	    int status);
/* SELECT list of a user as auth_user_json() reads it (10 columns). */
const char *auth_user_columns(void);
struct cJSON *auth_user_json(const PGresult *res, int row, int col);

/* body.c: JSON bodies; on a bad one the client gets 400 and -1/NULL. */
struct cJSON *body_json(struct request *r);	/* any JSON value */
struct cJSON *body_object(struct request *r);
int	body_str(struct request *r, const struct cJSON *o, const char *key,
	    size_t max, int required, const char **out);
int	body_bool(struct request *r, const struct cJSON *o, const char *key,
	    int *out);
int	body_str_array(struct request *r, const struct cJSON *o,
	    const char *key, size_t max, size_t len, char **out);
/* 400 naming the field: {"error", "message", "field"}. */
void	body_field_error(struct request *r, const char *key,
	    const char *why);
/*
 * A policy duration ("30m", "1h30m", "0": common/units.h) within
 * policy_duration_max, in seconds; -1 when absent.
 */
int	body_duration(struct request *r, const struct cJSON *o,
	    const char *key, int64_t *secs);
/* A Kubernetes quantity ("10Gi") in bytes; -1 when absent. */
int	body_bytes(struct request *r, const struct cJSON *o,
	    const char *key, int64_t *bytes);
/* The query holds only keys (NULL-terminated), once each, values of at
 * most max bytes of text; else 400 naming the parameter and -1. */
int	body_query(struct request *r, const char *const *keys, size_t max);
/* A filter body_query() let through: its value in buf, NULL if absent. */
const char *body_query_get(struct request *r, const char *key, char *buf,
	    size_t size);

/*
 * viewcap.c: viewers open per session and per user.  viewcap_full() is
 * why one more may not open (NULL: it may); a viewer counts from
 * viewcap_add() at its hand-off to viewcap_end() (the relay's NACK or
 * IMSG_STREAM_END) or its relay's loss.
 */
void	viewcap_configure(const struct conf *c);
const char *viewcap_full(const char *session_id, const char *user);
void	viewcap_add(uint32_t id, int relay, const char *session_id,
	    const char *user);
void	viewcap_end(uint32_t id, int relay);
void	viewcap_relay_lost(int relay);
size_t	viewcap_live(void);

/* audit.c: one audit_log row; details (may be NULL) is consumed. */
void	audit_write(struct request *r, const char *user_id,
	    const char *action, const char *resource_type,
	    const char *resource_id, int status, struct cJSON *details);
void	audit_request(struct request *r, int status);
/* Rows for refused requests (refused.c), n of them counted. */
void	audit_refused_rows(const char *rows, unsigned n);
/* Audit rows not yet written (shutdown waits for them). */
unsigned audit_pending(void);

/*
 * refused.c: refused requests beyond the first of their kind (address,
 * user, method, resource type, status) in an interval are counted, not
 * recorded one by one: refused_hold() is 1 when r was counted so.
 */
void	refused_configure(const struct conf *c);
int	refused_hold(const struct request *r, const char *action,
	    const char *rtype, int status);
/* Writes the counts (each interval, and at shutdown); starts anew. */
void	refused_flush(void);

/* users.c */
void	users_list(struct request *r);
void	users_get(struct request *r);
void	users_create(struct request *r);
void	users_update(struct request *r);
void	users_delete(struct request *r);

/* templates.c */
void	templates_list(struct request *r);
void	templates_get(struct request *r);
void	templates_create(struct request *r);
void	templates_import(struct request *r);
void	templates_update(struct request *r);
void	templates_delete(struct request *r);

/* sessions.c */
/* "t" when the caller may see every session (operators, admins). */
const char *sessions_privileged(const struct request *r);
/*
 * For the event streams: (session JSON, owner's id) of the sessions ids
 * (a JSON array) may be about: sessions', agents' (their live sessions)
 * or users' (theirs).  0, or -1 with why.
 */
int	sessions_changed(const char *ids, db_cb cb, void *arg,
	    const char **why);
void	sessions_list(struct request *r);
void	sessions_get(struct request *r);
void	sessions_create(struct request *r);
void	sessions_delete(struct request *r);
void	sessions_hibernate(struct request *r);
void	sessions_wake(struct request *r);
/* 409 legacy_session: a session without an agent cannot be <cannot>ed. */
void	sessions_reply_legacy(struct request *r, const char *state,
	    const char *cannot);

/* policy.c: idle and duration policies, viewers' activity */
struct ipc_msg;
void	policy_configure(const struct conf *c);
/* A relay's IMSG_SESSION_ACTIVITY. */
void	policy_activity(struct peer *p, struct ipc_msg *m);
void	policy_notify(const char *channel, const char *payload, void *arg);

/* quotas.c */
void	quotas_user_get(struct request *r);
void	quotas_user_put(struct request *r);
void	quotas_group_get(struct request *r);
void	quotas_group_put(struct request *r);

/* homes.c */
void	homes_list(struct request *r);
void	homes_delete(struct request *r);

/* bulkimport.c */
void	sessions_bulk_import(struct request *r);

/* audit.c: a viewer's stream record from a relay */
struct imsg_stream_end;
void	audit_stream_end(struct imsg_stream_end *e);

/* cookie.c: the web UI's login cookie */
void	cookie_configure(const struct conf *c);
/*
 * The token in the request's cookie (*tok NULL if none) and 0, or -1 when
 * the CSRF rule refuses the request (answered: 403).
 */
int	cookie_credentials(struct request *r, const char **tok, size_t *len);
/* Set-Cookie (in r->extra_headers) holding token until expires (unix s). */
void	cookie_set(struct request *r, const char *token, int64_t expires);
void	cookie_clear(struct request *r);
void	cookie_login(struct request *r);
/* Whether cookies are Secure (web_cookie_secure). */
int	cookie_secure(void);

/* webfiles.c: the web UI's pages and files, and noVNC's */
void	web_app_page(struct request *r);
void	web_ui_file(struct request *r);
void	web_novnc_file(struct request *r);

/*
 * websession.c: web-streamed sessions' own origins.  websession_match()
 * is webhost_match() of the request's Host under session_domain (0 when
 * none is set); websession_dispatch() answers or hands off a request
 * whose head names a session host (match as websession_match's), body
 * unread.  websession_url() is where a ticket opens the session's
 * origin, or -1 when it does not fit in out.
 */
void	websession_configure(const struct conf *c, int secure);
const char *websession_domain(void);
int	websession_match(const struct http_request *req, char *label);
void	websession_dispatch(struct request *r, int match, const char *label);
int	websession_url(const struct request *r, const char *label,
	    const char *ticket, char *out, size_t outlen);

/* viewer.c */
void	viewer_ticket(struct request *r);
void	viewer_connect(struct request *r);

/* agents.c */
/*
 * For the event streams: the agents named in ids (a JSON array), one row
 * each, deleted ones too; agents_event_json() makes a row an object.
 * 0, or -1 with why when the database cannot take the query.
 */
int	agents_changed(const char *ids, db_cb cb, void *arg, const char **why);
struct cJSON *agents_event_json(const PGresult *res, int row);
void	agents_list(struct request *r);
void	agents_get(struct request *r);
void	agents_delete(struct request *r);
void	agents_drain(struct request *r);
void	agents_undrain(struct request *r);
void	audit_list(struct request *r);

/* apikeys.c */
int	apikey_looks_like(const char *s, size_t len);
void	apikeys_list(struct request *r);
void	apikeys_create(struct request *r);
void	apikeys_revoke(struct request *r);
void	apikeys_delete(struct request *r);

/* groups.c */
void	groups_list(struct request *r);
void	groups_get(struct request *r);
void	groups_create(struct request *r);
void	groups_update(struct request *r);
void	groups_delete(struct request *r);
void	groups_members(struct request *r);
void	groups_member_add(struct request *r);
void	groups_member_remove(struct request *r);

/* register.c */
void	register_configure(const struct conf *c);
void	agents_register(struct request *r);
void	agents_approve(struct request *r);
void	agents_reject(struct request *r);
void	agents_connect(struct request *r);
void	agents_data_connect(struct request *r);

/* relay.c: what goes to the relay owning an agent */
struct handoff_viewer;
struct peer *relay_of_agent(const char *agent_id);
/* An authorized viewer's upgrade, answered by the relay from now on. */
void	relay_handoff_viewer(struct request *r,
	    const struct handoff_viewer *v);
/* Web sessions' connections of session or of user ("": none) end. */
void	relay_cut(const char *session_id, const char *user, const char *why);

/* gather.c: snapshots of every process (metrics) or relay (streams) */
struct gather_wait;
struct ipc_msg;
struct metrics_source;
typedef void (*gather_fn)(const struct metrics_source *src, size_t n,
	    void *arg);
void	gather_init(int nrelays);
/*
 * Calls fn with every process's part once they are all in, or after
 * metrics_timeout.  Returns the wait, to cancel it; NULL when fn has run
 * already (nothing could be asked).
 */
struct gather_wait *gather(enum snap_kind kind, gather_fn fn, void *arg);
void	gather_cancel(struct gather_wait *w);
void	gather_data(enum proc_kind kind, int instance, const struct ipc_msg *m);
void	gather_peer_down(enum proc_kind kind, int instance);

/* metrics.c */
void	apim_configure(const struct conf *c);
void	apim_start(void);
void	apim_reply(const struct request *r, int status);
void	metrics_scrape(struct request *r);
void	metrics_listener_dispatch(struct request *r);

/* streams.c: ssdctl show streams */
void	streams_ctl_show(uint32_t id);

/* routes.c */
void	routes_dispatch(struct request *r);
/* The table as text: "METHOD<TAB>pattern<TAB>role|public" lines. */
void	routes_print(FILE *f);

/* ratelimit.c */
void	ratelimit_configure(const struct conf *c);
/*
 * One attempt of key within max per window: 0 (counted), or the seconds
 * to wait (also when the table has no room for a new key).
 */
unsigned ratelimit_take(const char *key, unsigned max, uint64_t window_ms);
/* A login's counters: its address, its user name, the two together. */
struct login_attempt {
	char	addr_key[64];
	char	user_key[160];
	char	pair_key[224];
};
void	login_limit_keys(const char *user, const char *client,
	    struct login_attempt *la);
/*
 * Before the password is checked: 0 (the attempt is counted as failed
 * until login_limit_ok), or the seconds to wait and why.
 */
unsigned login_limit_begin(const struct login_attempt *la,
	    const char **why);
void	login_limit_ok(const struct login_attempt *la);

/* hashpool.c: cb runs on the loop; a made hash lives until it returns. */
typedef void (*hashpool_cb)(int ok, const char *hash, void *arg);
void	hashpool_configure(const struct conf *, int);
void	hashpool_start(const struct conf *c);
struct hash_job *hashpool_check(const char *password, const char *hash,
	    hashpool_cb cb, void *arg);
struct hash_job *hashpool_make(const char *password, hashpool_cb cb,
	    void *arg);
void	hashpool_cancel(struct hash_job *j);
size_t	hashpool_waiting(void);

/* events.c: GET /api/v1/events, Server-Sent Events */
void	events_configure(const struct conf *c);
void	events_open(struct request *r);
/* A notification (channel NULL: some may have been missed). */
void	events_notify(const char *channel, const char *payload);

/* cache.c */
enum cache_ns { CACHE_AUTH, CACHE_SESSIONS, CACHE_NS_COUNT };
void	cache_configure(const struct conf *c);
const char *cache_get(enum cache_ns ns, const char *key, size_t *len);
void	cache_put(enum cache_ns ns, const char *key, const char *value,
	    size_t len);
void	cache_clear(enum cache_ns ns);
void	cache_notify(const char *channel, const char *payload, void *arg);

/*
 * admin.c: ssdctl's requests from the master.  Each module answers its
 * own with the statements of its REST routes: admin_query() runs one,
 * admin_row() sends a row of a listing, admin_end() the final answer;
 * admin_rows() answers with a query's rows as row() makes them, or err.
 */
typedef void (*admin_db_cb)(uint32_t id, const PGresult *,
	    const char *err, const char *sqlstate, void *arg);
void	admin_request(uint32_t id, const char *text, size_t len);
void	admin_query(uint32_t id, const char *sql, int nparams,
	    const char *const *params, admin_db_cb cb, void *arg);
void	admin_row(uint32_t id, struct cJSON *row);
void	admin_end(uint32_t id, int ok, const char *text);
void	admin_rows(uint32_t id, const PGresult *res, const char *err,
	    api_row_fn row);
void	templates_ctl_import(uint32_t id, const struct cJSON *doc);
void	users_ctl_add(uint32_t id, const char *name, const char *role,
	    const char *password);
void	agents_ctl_list(uint32_t id);
void	agents_ctl_add(uint32_t id, const char *agent);
void	agents_ctl_approval(uint32_t id, const char *agent, const char *to);
void	agents_ctl_drain(uint32_t id, const char *agent, int drain);
void	homes_ctl_list(uint32_t id);
void	homes_ctl_delete(uint32_t id, const char *user, const char *ns);

/* main.c */
/* NOTIFY channel (payload: an id) for other control planes' caches. */
void	api_notify(const char *channel, const char *payload);
struct peer *api_relay(int instance);
int	api_relay_count(void);
/*
 * Hands the request's connection to peer for kind; on failure answers the
 * client itself (503).  Returns the hand-off's id (never 0), or 0.
 */
uint32_t api_handoff(struct request *r, struct peer *p, uint32_t kind,
	    const void *meta, size_t meta_len);
/*
 * Runs sql with params for r; cb gets the outcome.  When the database
 * cannot take it, r is answered 503 here and -1 returned.  The query is
 * cancelled if the client goes away first.
 */
int	api_query(struct request *r, const char *sql, int nparams,
	    const char *const *params, api_db_cb cb);
/*
 * A password checked against a stored hash, or hashed, off the event
 * loop (hashpool.c); cb gets the outcome.  When the pool's queue is full
 * r is answered 503 with Retry-After here and -1 returned.  Cancelled if
 * the client goes away first.
 */
int	api_hash_check(struct request *r, const char *password,
	    const char *hash, api_hash_cb cb);
int	api_hash_make(struct request *r, const char *password, api_hash_cb cb);
/* 500 or 503 for a failed query, logged once with what it was for. */
void	api_db_error(struct request *r, const char *what, const char *err,
	    const char *sqlstate);
/*
 * A list route's answer: {key: [row() of each row], "total": rows}, or
 * api_db_error() with what when the query failed (res NULL).
 */
void	api_reply_rows(struct request *r, const char *what, const char *key,
	    const PGresult *res, const char *err, const char *sqlstate,
	    api_row_fn row);

/* What keeps ssd-api from serving fully, "; "-separated, "" if nothing. */
void	api_not_ready(char *out, size_t len);
struct db *api_db(void);

#endif
