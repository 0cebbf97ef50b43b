/*
 * routes.c - which handler answers which request, and who may ask: one
 * table of method, path pattern (":name" matches one segment, a final
 * "*name" the rest of the path), the least role that may call it, and
 * handler.  The dispatcher authenticates before any handler runs; a
 * handler checks only what the table cannot say (ownership).  A path that
 * matches with another method is 405 with Allow; no match is 404.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "handoff.h"
#include "log.h"
#include "peers.h"
#include "util.h"

/*
 * Routes anyone may call; those that need a caller but find their
 * credentials themselves (agents' keys, viewer tickets) are public here.
 */
#define ROUTE_PUBLIC	NULL

struct route {
	enum http_method	 method;
	const char		*pattern;
	const char		*role;	/* user, operator, admin: at least */
	void			(*handler)(struct request *);
};

static void
route_health(struct request *r)
{
	server_reply_json(r, 200, "{\"status\":\"healthy\"}");
}

static void
route_ready_reply(struct request *r, const char *why)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", "not ready");
	cJSON_AddStringToObject(o, "reason", why);
	server_reply_cjson(r, 503, o);
}

static void
route_ready_schema(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL)
		route_ready_reply(r, "database: cannot read schema_migrations");
	else if (PQntuples(res) != 1)
		route_ready_reply(r, "database schema is not at version "
		    SSD_SCHEMA_VERSION " (run ssd -M)");
	else
		server_reply_json(r, 200, "{\"status\":\"ready\"}");
}

/* Ready: database reachable and migrated, every worker connected. */
static void
route_ready(struct request *r)
{
	const char *params[1] = { SSD_SCHEMA_VERSION };
	char why[512];

	api_not_ready(why, sizeof(why));
	if (why[0] != '\0') {
		route_ready_reply(r, why);
		return;
	}
	api_query(r, "SELECT 1 FROM schema_migrations WHERE version = $1", 1,
	    params, route_ready_schema);
}

/* Answered by the hub itself on the handed-off socket. */
static void
route_health_hub(struct request *r)
{
	api_handoff(r, peers_get(PROC_HUB, 0), HANDOFF_HEALTH, NULL, 0);
}

static void
route_health_relay(struct request *r)
{
	int64_t n;

	if (parse_int64(r->params[0], 0, PEERS_MAX - 1, &n) == -1 ||
	    n >= api_relay_count()) {
		server_reply_error(r, 404, "no such ssd-relay worker");
		return;
	}
	api_handoff(r, api_relay((int)n), HANDOFF_HEALTH, NULL, 0);
}

static const struct route routes[] = {
	{ HTTP_M_GET, "/health", ROUTE_PUBLIC, route_health },
	{ HTTP_M_GET, "/ready", ROUTE_PUBLIC, route_ready },
	{ HTTP_M_GET, "/health/hub", ROUTE_PUBLIC, route_health_hub },
	{ HTTP_M_GET, "/health/relay/:n", ROUTE_PUBLIC, route_health_relay },
	/* Public here: metrics_allow decides (metrics.c). */
	{ HTTP_M_GET, "/metrics", ROUTE_PUBLIC, metrics_scrape },
	{ HTTP_M_POST, "/api/v1/auth/login", ROUTE_PUBLIC, auth_login },
	{ HTTP_M_POST, "/api/v1/auth/refresh", ROUTE_PUBLIC, auth_refresh },
	{ HTTP_M_POST, "/api/v1/auth/logout", ROUTE_PUBLIC, auth_logout },
	{ HTTP_M_GET, "/api/v1/users", "admin", users_list },
	{ HTTP_M_POST, "/api/v1/users", "admin", users_create },
	{ HTTP_M_GET, "/api/v1/users/:id", "user", users_get },
	{ HTTP_M_PATCH, "/api/v1/users/:id", "user", users_update },
	{ HTTP_M_DELETE, "/api/v1/users/:id", "admin", users_delete },
	{ HTTP_M_GET, "/api/v1/users/:id/quota", "user", users_quota_get },
	{ HTTP_M_PUT, "/api/v1/users/:id/quota", "admin", users_quota_set },
	{ HTTP_M_GET, "/api/v1/templates", "user", templates_list },
	{ HTTP_M_POST, "/api/v1/templates", "operator", templates_create },
	{ HTTP_M_POST, "/api/v1/templates/import", "operator", templates_import },
	{ HTTP_M_GET, "/api/v1/templates/:id", "user", templates_get },
	{ HTTP_M_PATCH, "/api/v1/templates/:id", "operator", templates_update },
	{ HTTP_M_DELETE, "/api/v1/templates/:id", "operator", templates_delete },
	{ HTTP_M_POST, "/api/v1/auth/session", ROUTE_PUBLIC, cookie_login },
	/* The web UI: its pages (one file: it routes itself) and files. */
	{ HTTP_M_GET, "/", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/login", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/sessions", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/sessions/:id", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/catalog", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/settings", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/admin", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/admin/*page", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/vnc-viewer/:id", ROUTE_PUBLIC, web_app_page },
	{ HTTP_M_GET, "/ui/*path", ROUTE_PUBLIC, web_ui_file },
	{ HTTP_M_GET, "/novnc/*path", ROUTE_PUBLIC, web_novnc_file },
	{ HTTP_M_GET, "/api/v1/events", "user", events_open },
	{ HTTP_M_GET, "/api/v1/sessions", "user", sessions_list },
	{ HTTP_M_POST, "/api/v1/sessions", "user", sessions_create },
	{ HTTP_M_POST, "/api/v1/sessions/bulk-import", "admin",
	    sessions_bulk_import },
	{ HTTP_M_GET, "/api/v1/sessions/:id", "user", sessions_get },
	{ HTTP_M_DELETE, "/api/v1/sessions/:id", "user", sessions_delete },
	{ HTTP_M_PUT, "/api/v1/sessions/:id/hibernate", "user", sessions_hibernate },
	{ HTTP_M_PUT, "/api/v1/sessions/:id/wake", "user", sessions_wake },
	{ HTTP_M_POST, "/api/v1/sessions/:id/viewer-ticket", "user", viewer_ticket },
	{ HTTP_M_GET, "/api/v1/vnc/:id", ROUTE_PUBLIC, viewer_connect },
	{ HTTP_M_POST, "/api/v1/agents/register", ROUTE_PUBLIC, agents_register },
	{ HTTP_M_GET, "/api/v1/agent/connect", ROUTE_PUBLIC, agents_connect },
	{ HTTP_M_GET, "/api/v1/agents/connect", ROUTE_PUBLIC, agents_connect },
	{ HTTP_M_GET, "/api/v1/agent/data", ROUTE_PUBLIC, agents_data_connect },
	{ HTTP_M_GET, "/api/v1/agents/data", ROUTE_PUBLIC, agents_data_connect },
	{ HTTP_M_POST, "/api/v1/admin/agents/:id/approve", "admin", agents_approve },
	{ HTTP_M_POST, "/api/v1/admin/agents/:id/reject", "admin", agents_reject },
	{ HTTP_M_GET, "/api/v1/agents", "admin", agents_list },
	{ HTTP_M_GET, "/api/v1/agents/:id", "admin", agents_get },
	{ HTTP_M_DELETE, "/api/v1/agents/:id", "admin", agents_delete },
	{ HTTP_M_GET, "/api/v1/admin/agents", "admin", agents_list },
	{ HTTP_M_GET, "/api/v1/admin/agents/:id", "admin", agents_get },
	{ HTTP_M_DELETE, "/api/v1/admin/agents/:id", "admin", agents_delete },
	{ HTTP_M_GET, "/api/v1/admin/audit", "admin", audit_list },
	{ HTTP_M_GET, "/api/v1/groups", "admin", groups_list },
	{ HTTP_M_POST, "/api/v1/groups", "admin", groups_create },
	{ HTTP_M_GET, "/api/v1/groups/:id", "admin", groups_get },
	{ HTTP_M_PATCH, "/api/v1/groups/:id", "admin", groups_update },
	{ HTTP_M_DELETE, "/api/v1/groups/:id", "admin", groups_delete },
	{ HTTP_M_GET, "/api/v1/groups/:id/members", "admin", groups_members },
	{ HTTP_M_POST, "/api/v1/groups/:id/members", "admin", groups_member_add },
	{ HTTP_M_DELETE, "/api/v1/groups/:id/members/:user", "admin",
	    groups_member_remove },
	{ HTTP_M_GET, "/api/v1/api-keys", "user", apikeys_list },
	{ HTTP_M_POST, "/api/v1/api-keys", "user", apikeys_create },
	{ HTTP_M_POST, "/api/v1/api-keys/:id/revoke", "user", apikeys_revoke },
	{ HTTP_M_DELETE, "/api/v1/api-keys/:id", "user", apikeys_delete },
};

/* A request body, if any, must be JSON. */
static int
route_body_ok(struct request *r)
{
	const char *ct;
	size_t n;

	if (r->body_len == 0)
		return 1;
	ct = http_header_get(r->http, "Content-Type", &n);
	if (ct != NULL && n >= 16 && strncasecmp(ct, "application/json",
	    16) == 0 && (n == 16 || ct[16] == ';' || ct[16] == ' '))
		return 1;
	server_reply_error(r, 415, "request bodies must be "
	    "application/json");
	return 0;
}

/* Matches path against pattern, filling r->params; 1 on a match. */
static int
route_match(const char *pattern, const char *path, struct request *r)
{
	char *segs = r->segs, *out = segs;
	size_t n, np = 0;
	const char *end;

	while (*pattern != '\0') {
		if (*pattern != '/' || *path != '/')
			return 0;
		pattern++;
		path++;
		end = strchr(path, '/');
		n = end ? (size_t)(end - path) : strlen(path);
		if (*pattern == '*') {
			/* The rest of the path, slashes and all. */
			n = strlen(path);
			if (n == 0 || np == ROUTE_MAX_PARAMS ||
			    out + n + 1 > segs + sizeof(r->segs))
				return 0;
			memcpy(out, path, n + 1);
			r->params[np++] = out;
			r->nparams = np;
			return 1;
		}
		if (*pattern == ':') {
			if (n == 0 || np == ROUTE_MAX_PARAMS ||
			    out + n + 1 > segs + sizeof(r->segs))
				return 0;
			memcpy(out, path, n);
			out[n] = '\0';
			r->params[np++] = out;
			out += n + 1;
			pattern += strcspn(pattern, "/");
		} else {
			if (strncmp(pattern, path, n) != 0 ||
			    (pattern[n] != '\0' && pattern[n] != '/'))
				return 0;
			pattern += n;
		}
		path += n;
	}
	if (*path != '\0')
		return 0;
	r->nparams = np;
	return 1;
}

void
routes_dispatch(struct request *r)
{
	enum http_method m = r->http->method;
	static char allow[128];
	size_t i, n = 0;

	allow[0] = '\0';

	for (i = 0; i < nitems(routes); i++) {
		if (!route_match(routes[i].pattern, r->path, r))
			continue;
		if (routes[i].method == m || (m == HTTP_M_HEAD &&
		    routes[i].method == HTTP_M_GET)) {
			r->route = routes[i].pattern;
			if (m != HTTP_M_GET && m != HTTP_M_HEAD &&
			    !route_body_ok(r))
				return;
			r->audit = m != HTTP_M_GET && m != HTTP_M_HEAD;
			if (routes[i].role != ROUTE_PUBLIC)
				auth_require(r, routes[i].role,
				    routes[i].handler);
			else
				routes[i].handler(r);
			return;
		}
		n += (size_t)snprintf(allow + n, sizeof(allow) - n, "%s%s",
		    n == 0 ? "Allow: " : ", ",
		    http_method_name(routes[i].method));
		if (routes[i].method == HTTP_M_GET)
			n += (size_t)snprintf(allow + n, sizeof(allow) - n,
			    ", HEAD");
	}
	if (n > 0 && n + 3 < sizeof(allow)) {
		memcpy(allow + n, "\r\n", 3);
		r->extra_headers = allow;
		server_reply_error(r, 405, "method not allowed");
	} else if (n > 0)
		server_reply_error(r, 405, "method not allowed");
	else
		server_reply_error(r, 404, "not found");
}

void
routes_print(FILE *f)
{
	size_t i;

	for (i = 0; i < nitems(routes); i++)
		fprintf(f, "%s\t%s\t%s\n", http_method_name(routes[i].method),
		    routes[i].pattern, routes[i].role != ROUTE_PUBLIC ?
		    routes[i].role : "public");
}
