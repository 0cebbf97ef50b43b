/*
 * events.c - GET /api/v1/events: live updates for browsers, as
 * Server-Sent Events on a connection server.c keeps open.  The PostgreSQL
 * notifications ssd-api listens to name what changed (ssd_sessions: a
 * session's, agent's or user's id; ssd_agents: an agent's); the ids that
 * arrive together are read in one query at a time, and each row goes to
 * the streams that may see it: a session to its owner, operators and
 * administrators, an agent to administrators.  Policy warnings
 * (ssd_session_events, policy.c) carry their event whole and go to the
 * same streams as their session.  Bounded: streams in all
 * and per user, and bytes queued per stream (a client that does not read
 * is dropped, never buffered for).  Never blocks, never buffers per row.
 */
#include "config.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define EV_BUCKETS	256
/* Ids waiting for the next query; more at once and all streams resync. */
#define EV_PENDING_MAX	1024
/* Notifications arrive once per database connection: gather them. */
#define EV_BATCH_MS	20
#define EV_RETRY_MS	3000
/* Browsers reconnect this long after a stream ends. */
#define EV_CLIENT_RETRY	"retry: 3000\n"

#define EV_CLAIM(f)	sizeof(((struct jwt_claims *)NULL)->f)
/* Every stream; s may be dropped in the body. */
#define EV_FOREACH_SAFE(s, next) \
	for ((s) = LIST_FIRST(&ev.all); (s) != NULL && \
	    ((next) = LIST_NEXT((s), all), 1); (s) = (next))

struct ev_stream {
	struct conn		*conn;
	char			 user_id[EV_CLAIM(user_id)];
	char			 username[EV_CLAIM(username)];
	char			 jti[EV_CLAIM(jti)];
	int64_t			 exp;
	int			 rank;		/* 1 user, 2 operator, 3 admin */
	LIST_ENTRY(ev_stream)	 all, bucket;
};

/* Ids to read: a set, kept small (EV_PENDING_MAX). */
struct ev_ids {
	char			**id;
	size_t			 n;
	int			 overflow;
};

static struct {
	LIST_HEAD(, ev_stream)	 all;
	LIST_HEAD(, ev_stream)	 buckets[EV_BUCKETS];
	unsigned		 n;
	int64_t			 max, per_user;
	size_t			 queue_max;
	uint64_t		 keepalive_ms;
	struct event		*keepalive, *batch;
	struct ev_ids		 sessions, agents;
	struct ev_ids		 warnings;	/* whole events, as sent */
	const char		*resync;	/* why, when one is due */
	int			 inflight;
	uint64_t		 seq;
} ev;

static void	ev_batch_cb(evutil_socket_t, short, void *);

static void
ev_timer_add(struct event *e, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000),
	    (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(e, &tv);
}

static void
ev_keepalive_cb(evutil_socket_t fd, short what, void *arg);

void
events_configure(const struct conf *c)
{
	ev.max = conf_int(c, S_EVENTS_MAX_CONNECTIONS);
	ev.per_user = conf_int(c, S_EVENTS_MAX_PER_USER);
	ev.queue_max = (size_t)conf_size(c, S_EVENTS_QUEUE_MAX);
	ev.keepalive_ms = conf_ms(c, S_EVENTS_KEEPALIVE);
	if (ev.keepalive == NULL) {
		ev.keepalive = event_new(worker_base(), -1, EV_PERSIST,
		    ev_keepalive_cb, NULL);
		ev.batch = evtimer_new(worker_base(), ev_batch_cb, NULL);
		if (ev.keepalive == NULL || ev.batch == NULL)
			fatalx("out of memory for the event streams");
	}
	ev_timer_add(ev.keepalive, ev.keepalive_ms);
}

static struct ev_stream *
ev_bucket_first(const char *user_id)
{
	return LIST_FIRST(&ev.buckets[fnv1a(user_id) % EV_BUCKETS]);
}

static void
ev_unlink(struct ev_stream *s)
{
	LIST_REMOVE(s, all);
	LIST_REMOVE(s, bucket);
	ev.n--;
}

/* The client went (server.c frees the connection). */
static void
ev_gone(void *arg)
{
	struct ev_stream *s = arg;

	log_debug("event stream of %s closed", s->username);
	ev_unlink(s);
	free(s);
}

/* We end it: a slow client, a revoked or expired token, shutdown. */
static void
ev_drop(struct ev_stream *s, const char *why)
{
	log_info("event stream of %s closed: %s", s->username, why);
	ev_unlink(s);
	server_stream_close(s->conn);
	free(s);
}

static void
ev_write(struct ev_stream *s, const char *data, size_t len)
{
	if (server_stream_write(s->conn, data, len, ev.queue_max) == -1)
		ev_drop(s, "the client does not read (events_queue_max)");
}

/* "id: N\nevent: TYPE\ndata: JSON\n\n", one line of JSON. */
static char *
ev_frame(const char *type, const char *json, size_t *len)
{
	char *f;
	int n;

	n = xasprintf(&f, "id: %llu\nevent: %s\ndata: %s\n\n",
	    (unsigned long long)++ev.seq, type, json);
	*len = (size_t)n;
	return f;
}

/*
 * An event to the streams that may see it: those of min_rank or more
 * (1 user, 2 operator, 3 admin), and the owner's (a user id, or NULL).
 */
static void
ev_send(const char *type, const char *json, int min_rank, const char *owner)
{
	struct ev_stream *s, *next;
	size_t len;
	char *f = ev_frame(type, json, &len);

	EV_FOREACH_SAFE(s, next)
		if (s->rank >= min_rank || (owner != NULL &&
		    strcmp(s->user_id, owner) == 0))
			ev_write(s, f, len);
	free(f);
}

/* To every stream: resync after a gap (events may have been missed). */
static void
ev_broadcast_resync(const char *why)
{
	if (ev.n == 0)
		return;
	log_info("event streams told to resynchronise: %s", why);
	ev_send("resync", "{}", 1, NULL);
}

static void
ev_keepalive_cb(evutil_socket_t fd, short what, void *arg)
{
	static const char ping[] = ": keep-alive\n\n";
	int64_t now = (int64_t)(wall_ms() / 1000);
	struct ev_stream *s, *next;

	EV_FOREACH_SAFE(s, next) {
		if (s->exp <= now)
			ev_drop(s, "its token expired");
		else
			ev_write(s, ping, sizeof(ping) - 1);
	}
	ev_timer_add(ev.keepalive, ev.keepalive_ms);
}

/* GET /api/v1/events (any signed-in user). */
void
events_open(struct request *r)
{
	struct ev_stream *s;
	unsigned mine = 0;
	size_t len;
	cJSON *o;
	char *hello, *json;

	for (s = ev_bucket_first(r->user.user_id); s != NULL;
	    s = LIST_NEXT(s, bucket))
		mine += strcmp(s->user_id, r->user.user_id) == 0;
	if ((int64_t)ev.n >= ev.max) {
		log_warnx("%s: %u event streams open, refusing more "
		    "(events_max_connections)", server_peer(r), ev.n);
		server_reply_error(r, 503, "too many event streams");
		return;
	}
	if ((int64_t)mine >= ev.per_user) {
		log_info("%s: user %s has %u event streams open, refusing "
		    "more", server_peer(r), r->user.username, mine);
		server_reply_error(r, 429, "too many event streams for this "
		    "user");
		return;
	}
	s = xcalloc(1, sizeof(*s));
	ssd_strlcpy(s->user_id, r->user.user_id, sizeof(s->user_id));
	ssd_strlcpy(s->username, r->user.username, sizeof(s->username));
	ssd_strlcpy(s->jti, r->user.jti, sizeof(s->jti));
	/* API keys carry no expiry here: their checks are per request. */
	s->exp = r->user.exp > 0 ? r->user.exp : INT64_MAX;
	s->rank = auth_has_role(r, "admin") ? 3 :
	    auth_has_role(r, "operator") ? 2 : 1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "user", s->username);
	cJSON_AddStringToObject(o, "role", r->user.role);
	cJSON_AddNumberToObject(o, "keepalive", (double)ev.keepalive_ms);
	json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	log_debug("%s: event stream for %s", server_peer(r), s->username);
	s->conn = server_stream_open(r, "text/event-stream", ev_gone, s);
	LIST_INSERT_HEAD(&ev.all, s, all);
	LIST_INSERT_HEAD(&ev.buckets[fnv1a(s->user_id) % EV_BUCKETS], s,
	    bucket);
	ev.n++;
	hello = ev_frame("hello", json, &len);
	cJSON_free(json);
	/* The client reconnects after this many ms if we go away. */
	ev_write(s, EV_CLIENT_RETRY, strlen(EV_CLIENT_RETRY));
	ev_write(s, hello, len);
	free(hello);
}

static void
ev_ids_add(struct ev_ids *set, const char *id)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->id[i], id) == 0)
			return;
	if (set->n == EV_PENDING_MAX) {
		set->overflow = 1;
		return;
	}
	if (set->id == NULL)
		set->id = xcalloc(EV_PENDING_MAX, sizeof(char *));
	set->id[set->n++] = xstrdup(id);
}

/* The set as a JSON array (for jsonb_array_elements_text); emptied. */
static char *
ev_ids_take(struct ev_ids *set)
{
	cJSON *a = cJSON_CreateArray();
	char *json;
	size_t i;

	for (i = 0; i < set->n; i++) {
		cJSON_AddItemToArray(a, cJSON_CreateString(set->id[i]));
		free(set->id[i]);
	}
	set->n = 0;
	json = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return json;
}

static void	ev_run(void);

static void
ev_query_done(void)
{
	ev.inflight = 0;
	if (ev.sessions.n > 0 || ev.agents.n > 0 || ev.warnings.n > 0)
		ev_timer_add(ev.batch, EV_BATCH_MS);
}

/*
 * More than a stream may queue at once (an agent with many sessions went
 * away, say): one resync instead, and the clients reload.
 */
static int
ev_burst(const PGresult *res)
{
	size_t bytes = 0;
	int i;

	for (i = 0; i < PQntuples(res); i++)
		bytes += (size_t)PQgetlength(res, i, 0) + 64;
	return bytes > ev.queue_max;
}

static void
ev_sessions_read(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	int i;

	if (res == NULL) {
		log_warnx("event streams: reading changed sessions: %s", err);
		ev_broadcast_resync("a query failed");
	} else if (ev_burst(res))
		ev_broadcast_resync("too many changes at once");
	else
		for (i = 0; i < PQntuples(res); i++)
			ev_send("session", PQgetvalue(res, i, 0), 2,
			    PQgetvalue(res, i, 1));
	ev_query_done();
}

static void
ev_agents_read(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	char *json;
	cJSON *o;
	int i;

	if (res == NULL) {
		log_warnx("event streams: reading changed agents: %s", err);
		ev_broadcast_resync("a query failed");
	} else if (ev_burst(res))
		ev_broadcast_resync("too many changes at once");
	else
		for (i = 0; i < PQntuples(res); i++) {
			o = agents_event_json(res, i);
			json = cJSON_PrintUnformatted(o);
			ev_send("agent", json, 3, NULL);
			cJSON_free(json);
			cJSON_Delete(o);
		}
	ev_query_done();
}

/*
 * The policy warnings gathered (each arrives once per database
 * connection: the set keeps one), to their session's streams: ssd's own
 * JSON, {"type": "sessionWarning", "sessionId", "userId", ...}.
 */
static void
ev_warnings_send(void)
{
	const char *type, *owner;
	char *json;
	cJSON *o;
	size_t i;

	for (i = 0; i < ev.warnings.n; i++) {
		o = cJSON_Parse(ev.warnings.id[i]);
		type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "type"));
		owner = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "userId"));
		if (type != NULL && owner != NULL && strcmp(type,
		    "sessionWarning") == 0 && (json = cJSON_PrintUnformatted(o))
		    != NULL) {
			ev_send(type, json, 2, owner);
			cJSON_free(json);
		} else
			log_warnx("event streams: not a session warning: %.80s",
			    ev.warnings.id[i]);
		cJSON_Delete(o);
		free(ev.warnings.id[i]);
	}
	ev.warnings.n = ev.warnings.overflow = 0;
}

/* One query for what is pending, sessions first; then the next. */
static void
ev_run(void)
{
	const char *why = NULL;
	char *ids;
	int rc;

	if (ev.resync != NULL) {
		ev_broadcast_resync(ev.resync);
		ev.resync = NULL;
	}
	ev_warnings_send();
	if (ev.inflight || (ev.sessions.n == 0 && ev.agents.n == 0))
		return;
	if (ev.sessions.overflow || ev.agents.overflow) {
		ev.sessions.overflow = ev.agents.overflow = 0;
		ev_broadcast_resync("too many changes at once");
	}
	if (ev.n == 0) {	/* nobody to tell */
		free(ev_ids_take(&ev.sessions));
		free(ev_ids_take(&ev.agents));
		return;
	}
	if (ev.sessions.n > 0) {
		ids = ev_ids_take(&ev.sessions);
		rc = sessions_changed(ids, ev_sessions_read, NULL, &why);
	} else {
		ids = ev_ids_take(&ev.agents);
		rc = agents_changed(ids, ev_agents_read, NULL, &why);
	}
	free(ids);
	if (rc == -1) {
		log_warnx("event streams: cannot read what changed: %s", why);
		ev_broadcast_resync("the database is not available");
		ev_timer_add(ev.batch, EV_RETRY_MS);
		return;
	}
	ev.inflight = 1;
}

static void
ev_batch_cb(evutil_socket_t fd, short what, void *arg)
{
	ev_run();
}

/* Token or user changed (ssd_auth: a jti or a user id): reconnect. */
static void
ev_auth_changed(const char *id)
{
	struct ev_stream *s, *next;

	EV_FOREACH_SAFE(s, next)
		if (strcmp(s->jti, id) == 0 || strcmp(s->user_id, id) == 0)
			ev_drop(s, "its token or user changed");
}

void
events_notify(const char *channel, const char *payload)
{
	if (channel == NULL) {
		/* Once for all the pool's connections coming back. */
		ev.resync = "the database connection came back";
		if (!evtimer_pending(ev.batch, NULL))
			ev_timer_add(ev.batch, EV_BATCH_MS);
		return;
	}
	if (payload == NULL || *payload == '\0')
		return;
	if (strcmp(channel, "ssd_auth") == 0) {
		ev_auth_changed(payload);
		return;
	}
	if (ev.n == 0)
		return;
	if (strcmp(channel, "ssd_sessions") == 0)
		ev_ids_add(&ev.sessions, payload);
	else if (strcmp(channel, "ssd_agents") == 0)
		ev_ids_add(&ev.agents, payload);
	else if (strcmp(channel, "ssd_session_events") == 0)
		ev_ids_add(&ev.warnings, payload);
	else
		return;
	if (!ev.inflight && !evtimer_pending(ev.batch, NULL))
		ev_timer_add(ev.batch, EV_BATCH_MS);
}
