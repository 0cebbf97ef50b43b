/*
 * routes.c - which handler answers which request: one table of method,
 * path pattern (":name" matches one segment, a final "*name" the rest of
 * the path) and handler.  A path that
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

struct route {
	enum http_method	 method;
	const char		*pattern;
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
		server_reply_error(r, 404, "no such ssd-vncproxy worker");
		return;
	}
	api_handoff(r, api_relay((int)n), HANDOFF_HEALTH, NULL, 0);
}

static const struct route routes[] = {
	{ HTTP_M_GET, "/health", route_health },
	{ HTTP_M_GET, "/ready", route_ready },
	{ HTTP_M_GET, "/health/hub", route_health_hub },
	{ HTTP_M_GET, "/health/vncproxy/:n", route_health_relay },
	{ HTTP_M_POST, "/api/v1/auth/login", auth_login },
	{ HTTP_M_POST, "/api/v1/auth/refresh", auth_refresh },
	{ HTTP_M_POST, "/api/v1/auth/logout", auth_logout },
	{ HTTP_M_GET, "/api/v1/users", users_list },
	{ HTTP_M_POST, "/api/v1/users", users_create },
	{ HTTP_M_GET, "/api/v1/users/:id", users_get },
	{ HTTP_M_PATCH, "/api/v1/users/:id", users_update },
	{ HTTP_M_DELETE, "/api/v1/users/:id", users_delete },
	{ HTTP_M_GET, "/api/v1/templates", templates_list },
	{ HTTP_M_POST, "/api/v1/templates", templates_create },
	{ HTTP_M_GET, "/api/v1/templates/:id", templates_get },
	{ HTTP_M_PATCH, "/api/v1/templates/:id", templates_update },
	{ HTTP_M_DELETE, "/api/v1/templates/:id", templates_delete },
	{ HTTP_M_GET, "/vnc-viewer/:id", web_viewer_page },
	{ HTTP_M_GET, "/novnc/*path", web_novnc_file },
	{ HTTP_M_GET, "/api/v1/sessions", sessions_list },
	{ HTTP_M_POST, "/api/v1/sessions", sessions_create },
	{ HTTP_M_GET, "/api/v1/sessions/:id", sessions_get },
	{ HTTP_M_DELETE, "/api/v1/sessions/:id", sessions_delete },
	{ HTTP_M_PUT, "/api/v1/sessions/:id/hibernate", sessions_hibernate },
	{ HTTP_M_PUT, "/api/v1/sessions/:id/wake", sessions_wake },
	{ HTTP_M_POST, "/api/v1/sessions/:id/viewer-ticket", viewer_ticket },
	{ HTTP_M_GET, "/api/v1/vnc/:id", viewer_connect },
	{ HTTP_M_POST, "/api/v1/agents/register", agents_register },
	{ HTTP_M_GET, "/api/v1/agent/connect", agents_connect },
	{ HTTP_M_GET, "/api/v1/agents/connect", agents_connect },
	{ HTTP_M_GET, "/api/v1/agent/data", agents_data_connect },
	{ HTTP_M_GET, "/api/v1/agents/data", agents_data_connect },
	{ HTTP_M_POST, "/api/v1/admin/agents/:id/approve", agents_approve },
	{ HTTP_M_POST, "/api/v1/admin/agents/:id/reject", agents_reject },
	{ HTTP_M_GET, "/api/v1/agents", agents_list },
	{ HTTP_M_GET, "/api/v1/agents/:id", agents_get },
	{ HTTP_M_DELETE, "/api/v1/agents/:id", agents_delete },
	{ HTTP_M_GET, "/api/v1/admin/agents", agents_list },
	{ HTTP_M_GET, "/api/v1/admin/agents/:id", agents_get },
	{ HTTP_M_DELETE, "/api/v1/admin/agents/:id", agents_delete },
	{ HTTP_M_GET, "/api/v1/admin/audit", audit_list },
	{ HTTP_M_GET, "/api/v1/groups", groups_list },
	{ HTTP_M_POST, "/api/v1/groups", groups_create },
	{ HTTP_M_GET, "/api/v1/groups/:id", groups_get },
	{ HTTP_M_PATCH, "/api/v1/groups/:id", groups_update },
	{ HTTP_M_DELETE, "/api/v1/groups/:id", groups_delete },
	{ HTTP_M_GET, "/api/v1/groups/:id/members", groups_members },
	{ HTTP_M_POST, "/api/v1/groups/:id/members", groups_member_add },
	{ HTTP_M_DELETE, "/api/v1/groups/:id/members/:user",
	    groups_member_remove },
	{ HTTP_M_GET, "/api/v1/api-keys", apikeys_list },
	{ HTTP_M_POST, "/api/v1/api-keys", apikeys_create },
	{ HTTP_M_POST, "/api/v1/api-keys/:id/revoke", apikeys_revoke },
	{ HTTP_M_DELETE, "/api/v1/api-keys/:id", apikeys_delete },
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
	static char segs[2048];
	size_t n, np = 0;
	char *out = segs;
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
			    out + n + 1 > segs + sizeof(segs))
				return 0;
			memcpy(out, path, n + 1);
			r->params[np++] = out;
			r->nparams = np;
			return 1;
		}
		if (*pattern == ':') {
			if (n == 0 || np == ROUTE_MAX_PARAMS ||
			    out + n + 1 > segs + sizeof(segs))
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
			if (m != HTTP_M_GET && m != HTTP_M_HEAD &&
			    !route_body_ok(r))
				return;
			r->audit = m != HTTP_M_GET && m != HTTP_M_HEAD;
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
