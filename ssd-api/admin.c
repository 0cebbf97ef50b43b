/*
 * admin.c - ssdctl's database commands, forwarded by the master as the
 * client sent them (IMSG_ADMIN), so that the master runs no queries
 * beyond migrations and each statement exists once: the requests are
 * parsed here and carried out by the modules that own the tables, with
 * the same statements as their REST routes.  Answers go back as rows and
 * one end (worker_admin_reply), which the master passes on unchanged.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "worker.h"

#define ADMIN_AGENT_USAGE	"agent approve|reject|add|drain|undrain ID"

struct admin_query {
	uint32_t	 id;
	admin_db_cb	 cb;
	void		*arg;
};

void
admin_end(uint32_t id, int ok, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddBoolToObject(o, "ok", ok);
	if (text != NULL && *text != '\0')
		cJSON_AddStringToObject(o, ok ? "message" : "error", text);
	s = cJSON_PrintUnformatted(o);
	worker_admin_reply(id, 1, s);
	cJSON_free(s);
	cJSON_Delete(o);
}

void
admin_row(uint32_t id, cJSON *row)
{
	char *s = cJSON_PrintUnformatted(row);

	worker_admin_reply(id, 0, s);
	cJSON_free(s);
	cJSON_Delete(row);
}

void
admin_rows(uint32_t id, const PGresult *res, const char *err,
    api_row_fn row)
{
	int i;

	if (res == NULL) {
		admin_end(id, 0, err);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		admin_row(id, row(res, i));
	admin_end(id, 1, NULL);
}

static void
admin_query_done(const PGresult *res, const char *err, const char *sqlstate,
    void *arg)
{
	struct admin_query *q = arg;

	q->cb(q->id, res, err, sqlstate, q->arg);
	free(q);
}

void
admin_query(uint32_t id, const char *sql, int nparams,
    const char *const *params, admin_db_cb cb, void *arg)
{
	struct admin_query *q = xcalloc(1, sizeof(*q));
	const char *why;
	char msg[256];

	q->id = id;
	q->cb = cb;
	q->arg = arg;
	if (db_query(api_db(), sql, nparams, params, admin_query_done, q,
	    &why) == NULL) {
		free(q);
		snprintf(msg, sizeof(msg), "database unavailable: %s", why);
		cb(id, NULL, msg, "", arg);
	}
}

static const char *
admin_str(const cJSON *req, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A secret in the request leaves no copy behind in freed memory. */
static void
admin_forget(cJSON *req, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	if (cJSON_IsString(v))
		ssd_explicit_bzero(v->valuestring, strlen(v->valuestring));
}

static void
admin_agent(uint32_t id, const cJSON *req)
{
	const char *agent = admin_str(req, "agent");
	const char *what = admin_str(req, "what");

	if (agent == NULL || what == NULL)
		admin_end(id, 0, ADMIN_AGENT_USAGE);
	else if (strcmp(what, "add") == 0)
		agents_ctl_add(id, agent);
	else if (strcmp(what, "approve") == 0)
		agents_ctl_approval(id, agent, "approved");
	else if (strcmp(what, "reject") == 0)
		agents_ctl_approval(id, agent, "rejected");
	else if (strcmp(what, "drain") == 0 || strcmp(what, "undrain") == 0)
		agents_ctl_drain(id, agent, what[0] == 'd');
	else
		admin_end(id, 0, ADMIN_AGENT_USAGE);
}

void
admin_request(uint32_t id, const char *text, size_t len)
{
	const char *cmd, *why;
	cJSON *req;

	if ((req = json_parse_strict(text, len, &why)) == NULL ||
	    (cmd = admin_str(req, "cmd")) == NULL) {
		log_warnx("ssdctl request %u from the master: malformed", id);
		admin_end(id, 0, "malformed request");
		cJSON_Delete(req);
		return;
	}
	log_debug("ssdctl request %u: %s", id, cmd);
	if (strcmp(cmd, "template-import") == 0)
		templates_ctl_import(id, cJSON_GetObjectItemCaseSensitive(req,
		    "document"));
	else if (strcmp(cmd, "user-add") == 0) {
		users_ctl_add(id, admin_str(req, "username"),
		    admin_str(req, "role"), admin_str(req, "password"));
		admin_forget(req, "password");
	}
	else if (strcmp(cmd, "show-agents") == 0)
		agents_ctl_list(id);
	else if (strcmp(cmd, "show-streams") == 0)
		streams_ctl_show(id);
	else if (strcmp(cmd, "agent") == 0)
		admin_agent(id, req);
	else if (strcmp(cmd, "show-homes") == 0)
		homes_ctl_list(id);
	else if (strcmp(cmd, "home-delete") == 0)
		homes_ctl_delete(id, admin_str(req, "user"),
		    admin_str(req, "namespace"));
	else
		admin_end(id, 0, "unknown command");
	cJSON_Delete(req);
}
