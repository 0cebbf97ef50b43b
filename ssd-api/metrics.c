/*
 * metrics.c - ssd-api's part of /metrics: the route itself (who may read
 * it, which format, the answer merged from every process by gather.c),
 * what ssd-api counts (requests by route and status class, their
 * latency, logins), and the sessions
 * by state, read from PostgreSQL once per metrics_db_interval, never per
 * scrape.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "api.h"
#include "conf.h"
#include "dbpoll.h"
#include "log.h"
#include "metrics.h"
#include "metrics_expo.h"
#include "netlist.h"
#include "util.h"
#include "worker.h"

#define APIM_LOGIN_ROUTE	"/api/v1/auth/login"

static struct {
	struct netlist	 allow;
} apim;

struct apim_scrape {
	struct gather_wait	*wait;
	enum metrics_format	 fmt;
};

void
apim_configure(const struct conf *c)
{
	/* conf_check has parsed it already: an error is not possible here. */
	(void)netlist_parse(&apim.allow, conf_str(c, S_METRICS_ALLOW), NULL, 0);
}

/*
 * Through a proxy the client it names counts, and only from a trusted
 * proxy: a proxy we do not trust could be passing the internet on.
 */
static int
apim_allowed(const struct request *r)
{
	size_t n;

	if (r->metrics_listener)
		return 1;
	if ((http_header_get(r->http, "X-Forwarded-For", &n) != NULL ||
	    http_header_get(r->http, "Forwarded", &n) != NULL) &&
	    strcmp(server_addr(r), server_conn_addr(r)) == 0)
		return 0;
	return netlist_contains(&apim.allow, server_addr(r));
}

static void
apim_scrape_free(void *arg)
{
	struct apim_scrape *sc = arg;

	if (sc->wait != NULL)
		gather_cancel(sc->wait);
}

static void
apim_gathered(const struct metrics_source *src, size_t n, void *arg)
{
	struct request *r = arg;
	struct apim_scrape *sc = r->ctx;
	struct evbuffer *out = evbuffer_new();

	sc->wait = NULL;	/* being answered: nothing to cancel */
	if (out == NULL)
		fatalx("out of memory for metrics");
	metrics_expose(out, sc->fmt, src, n);
	server_reply(r, 200, metrics_content_type(sc->fmt),
	    evbuffer_pullup(out, -1), evbuffer_get_length(out));
	evbuffer_free(out);
}

/* GET /metrics */
void
metrics_scrape(struct request *r)
{
	struct apim_scrape *sc;
	struct gather_wait *w;
	const char *accept;
	size_t n;

	if (!metrics_enabled()) {
		server_reply_error(r, 404, "metrics are off (metrics = no)");
		return;
	}
	if (!apim_allowed(r)) {
		log_info("%s: /metrics refused (not in metrics_allow)",
		    server_peer(r));
		server_reply_error(r, 403, "not in metrics_allow");
		return;
	}
	accept = http_header_get(r->http, "Accept", &n);
	sc = xcalloc(1, sizeof(*sc));
	sc->fmt = metrics_negotiate(accept, accept != NULL ? n : 0);
	r->ctx = sc;
	r->ctx_free = apim_scrape_free;
	/* NULL: answered already (nothing to wait for); r is gone. */
	if ((w = gather(SNAP_METRICS, apim_gathered, r)) != NULL)
		sc->wait = w;
}

/* A connection of metrics_listen: /metrics and nothing else. */
void
metrics_listener_dispatch(struct request *r)
{
	r->metrics_listener = 1;
	if (strcmp(r->path, "/metrics") != 0) {
		server_reply_error(r, 404, "only /metrics here");
		return;
	}
	r->route = "/metrics";
	if (r->http->method != HTTP_M_GET && r->http->method != HTTP_M_HEAD) {
		r->extra_headers = "Allow: GET, HEAD\r\n";
		server_reply_error(r, 405, "method not allowed");
		return;
	}
	metrics_scrape(r);
}

static const char *
apim_login_result(int status)
{
	if (status >= 200 && status < 300)
		return "success";
	if (status == 429)
		return "rate_limited";
	if (status == 401 || status == 403)
		return "failure";
	return "error";
}

/* Every answer ssd-api writes itself (server_reply). */
void
apim_reply(const struct request *r, int status)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx",
	    "5xx" };
	const char *route = r->route != NULL ? r->route : "unmatched";
	const char *method = r->http != NULL ?
	    http_method_name(r->http->method) : "OTHER";
	int cls = status / 100 - 1;

	if (!metrics_enabled())
		return;
	metrics_add(M_HTTP_REQUESTS, ML(route, method, classes[cls < 0 ||
	    cls > 4 ? 4 : cls]), 1);
	if (r->started_us != 0)
		metrics_observe(M_HTTP_DURATION, ML(route),
		    (double)(now_usec() - r->started_us) / 1e6);
	if (r->route != NULL && strcmp(r->route, APIM_LOGIN_ROUTE) == 0 &&
	    status != 400 && status != 415)
		metrics_add(M_LOGINS, ML(apim_login_result(status)), 1);
}

static void
apim_sessions_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	int i;

	if (res == NULL) {
		log_warnx("metrics: sessions by state not read: %s", err);
		return;
	}
	metrics_clear(M_SESSIONS);
	for (i = 0; i < PQntuples(res); i++)
		metrics_set(M_SESSIONS, ML(PQgetvalue(res, i, 0),
		    PQgetvalue(res, i, 1)), strtod(PQgetvalue(res, i, 2),
		    NULL));
}

static void
apim_collect(void)
{
	metrics_set(M_HTTP_CONNECTIONS, NULL, server_conn_count());
	db_metrics(api_db());
}

/* In the sandbox, with the database opened. */
void
apim_start(void)
{
	metrics_on_collect(apim_collect);
	db_poll_new(worker_base(), api_db(), "SELECT state, COALESCE(platform, "
	    "'') AS platform, count(*) AS n FROM sessions WHERE state NOT IN "
	    "('terminated', 'failed') GROUP BY 1, 2",
	    apim_sessions_done, NULL);
}
