/*
 * dbadmin.c - what ssdctl asks of the database through the master, with
 * blocking libpq (short, bounded by db_connect_timeout and
 * db_query_timeout): importing templates and adding users.  Input is
 * checked by the same code as the API's (common/template.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "db.h"
#include "master.h"
#include "passwd.h"
#include "template.h"
#include "util.h"

/* The server's NOTICEs ("already exists, skipping") are debug chatter. */
static void
dbadmin_notice(void *arg, const char *msg)
{
	log_debug("database: %.*s", (int)strcspn(msg, "\n"), msg);
}

PGconn *
dbadmin_connect(const struct conf *c, char *err, size_t errlen)
{
	const char *keys[DB_PARAMS_MAX + 1], *vals[DB_PARAMS_MAX + 1];
	char buf[256];
	PGconn *pg;

	db_conninfo(c, "ssd", keys, vals, buf, sizeof(buf));
	pg = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot reach the database: %s",
		    PQerrorMessage(pg));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, dbadmin_notice, NULL);
	return pg;
}

/* Runs one statement; 1 if it returned a row, 0 if none, -1 on error. */
static int
dbadmin_exec(const struct conf *c, const char *sql, int n,
    const char *const *params, char *out, size_t outlen)
{
	PGresult *res;
	PGconn *pg;
	int rc;

	if ((pg = dbadmin_connect(c, out, outlen)) == NULL)
		return -1;
	res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(out, outlen, "%s", PQresultErrorMessage(res));
		out[strcspn(out, "\n")] = '\0';
		rc = -1;
	} else {
		rc = PQntuples(res) > 0;
		if (rc)
			snprintf(out, outlen, "%s", PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	PQfinish(pg);
	return rc;
}

/* Creates or replaces the template the document describes. */
int
dbadmin_template_import(const struct conf *c, const cJSON *doc, char *msg,
    size_t msglen)
{
	struct template_doc t;
	const char *p[8];
	char err[256], out[64], *manifest;
	int rc;

	if (template_check(doc, &t, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "%s", err);
		return -1;
	}
	manifest = cJSON_PrintUnformatted(doc);
	p[0] = t.name;
	p[1] = t.display_name;
	p[2] = t.description;
	p[3] = t.category;
	p[4] = t.icon;
	p[5] = t.app_type;
	p[6] = manifest;
	p[7] = t.tags;
	rc = dbadmin_exec(c, "INSERT INTO catalog_templates AS ct (name, "
	    "display_name, description, category, icon_url, app_type, "
	    "manifest, tags, platform) VALUES ($1, $2, $3, $4, $5, "
	    "COALESCE($6, 'desktop'), $7::jsonb, $8::text[], 'kubernetes') "
	    "ON CONFLICT (name) WHERE repository_id IS NULL DO UPDATE SET "
	    "display_name = EXCLUDED.display_name, description = "
	    "EXCLUDED.description, category = EXCLUDED.category, icon_url = "
	    "EXCLUDED.icon_url, app_type = EXCLUDED.app_type, manifest = "
	    "EXCLUDED.manifest, tags = EXCLUDED.tags, updated_at = now() "
	    "RETURNING CASE WHEN xmax = 0 THEN 'created' ELSE 'updated' END",
	    8, p, out, sizeof(out));
	snprintf(msg, msglen, "%s: %s", t.name, rc == 0 ? "not stored" : out);
	if (rc == 1)
		log_info("template %s %s (ssdctl)", t.name, out);
	cJSON_free(manifest);
	template_doc_free(&t);
	return rc == 1 ? 0 : -1;
}

int
dbadmin_user_add(const struct conf *c, const char *name, const char *role,
    const char *password, char *msg, size_t msglen)
{
	const char *p[3];
	char out[256], *hash;
	int rc;

	if (strcmp(role, "user") != 0 && strcmp(role, "operator") != 0 &&
	    strcmp(role, "admin") != 0) {
		snprintf(msg, msglen, "role must be user, operator or admin");
		return -1;
	}
	if (strlen(password) < 8 || strlen(name) == 0 || strlen(name) > 64) {
		snprintf(msg, msglen, "need a name (1 to 64 characters) and a "
		    "password of 8 characters or more");
		return -1;
	}
	if ((hash = passwd_hash(password)) == NULL) {
		snprintf(msg, msglen, "cannot hash the password");
		return -1;
	}
	p[0] = name;
	p[1] = role;
	p[2] = hash;
	rc = dbadmin_exec(c, "INSERT INTO users (id, username, role, provider, "
	    "active, password_hash, created_at, updated_at) VALUES "
	    "(gen_random_uuid()::text, $1, $2, 'local', true, $3, now(), "
	    "now()) ON CONFLICT (username) DO NOTHING RETURNING id", 3, p, out,
	    sizeof(out));
	ssd_explicit_bzero(hash, strlen(hash));
	free(hash);
	if (rc == 1) {
		log_info("user %s (%s) added (ssdctl)", name, role);
		snprintf(msg, msglen, "user %s added with id %s", name, out);
		return 0;
	}
	snprintf(msg, msglen, "%s", rc == 0 ? "a user of that name exists" :
	    out);
	return -1;
}

/* Each agent as one JSON object, for ssdctl show agents. */
int
dbadmin_agents(const struct conf *c, void (*each)(cJSON *, void *),
    void *arg, char *err, size_t errlen)
{
	PGresult *res;
	PGconn *pg;
	cJSON *o;
	int i;

	if ((pg = dbadmin_connect(c, err, errlen)) == NULL)
		return -1;
	res = PQexec(pg, "SELECT a.agent_id, COALESCE(a.status, 'offline'), "
	    "COALESCE(a.approval_status, 'approved'), COALESCE(a.platform, "
	    "''), COALESCE(a.region, ''), COALESCE(to_char(a.last_heartbeat, "
	    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), (SELECT count(*) FROM "
	    "sessions s WHERE s.agent_id = a.agent_id AND s.state NOT IN "
	    "('terminated', 'failed')), COALESCE(extract(epoch FROM now() - "
	    "a.connected_at)::bigint::text || 's', '-') FROM agents a ORDER "
	    "BY a.agent_id "
	    "LIMIT 10000");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		PQfinish(pg);
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "agent", PQgetvalue(res, i, 0));
		cJSON_AddStringToObject(o, "status", PQgetvalue(res, i, 1));
		cJSON_AddStringToObject(o, "approval", PQgetvalue(res, i, 2));
		cJSON_AddStringToObject(o, "platform", PQgetvalue(res, i, 3));
		cJSON_AddStringToObject(o, "region", PQgetvalue(res, i, 4));
		cJSON_AddStringToObject(o, "last_heartbeat",
		    PQgetvalue(res, i, 5));
		cJSON_AddNumberToObject(o, "sessions",
		    atoi(PQgetvalue(res, i, 6)));
		cJSON_AddStringToObject(o, "link_age", PQgetvalue(res, i, 7));
		each(o, arg);
	}
	PQclear(res);
	PQfinish(pg);
	return 0;
}

/*
 * ssdctl agent approve|reject ID, and agent add ID: an approved agent
 * created with a fresh key, which goes back to the operator once.
 */
int
dbadmin_agent_set(const struct conf *c, const char *id, const char *what,
    char *msg, size_t msglen)
{
	char key[65], hash[65], out[256];
	const char *p[2];
	int rc;

	p[0] = id;
	if (strcmp(what, "add") == 0) {
		random_hex(key, 32);
		sha256_hex(key, strlen(key), hash);
		p[1] = hash;
		rc = dbadmin_exec(c, "INSERT INTO agents (agent_id, platform, "
		    "status, approval_status, approved_at, api_key_hash, "
		    "api_key_created_at) VALUES ($1, 'kubernetes', 'offline', "
		    "'approved', now(), $2, now()) ON CONFLICT (agent_id) DO "
		    "NOTHING RETURNING agent_id", 2, p, out, sizeof(out));
		if (rc == 1) {
			log_info("agent %s added (ssdctl)", id);
			snprintf(msg, msglen, "agent %s added; its key (shown "
			    "once): %s", id, key);
		} else
			snprintf(msg, msglen, "%s", rc == 0 ? "an agent of "
			    "that id exists" : out);
		ssd_explicit_bzero(key, sizeof(key));
		return rc == 1 ? 0 : -1;
	}
	p[1] = strcmp(what, "approve") == 0 ? "approved" : "rejected";
	rc = dbadmin_exec(c, "UPDATE agents SET approval_status = $2::text, "
	    "approved_at = CASE WHEN $2::text = 'approved' THEN now() END, "
	    "updated_at = now() WHERE agent_id = $1 RETURNING agent_id", 2, p,
	    out, sizeof(out));
	if (rc == 1) {
		log_info("agent %s %s (ssdctl)", id, p[1]);
		snprintf(msg, msglen, "agent %s %s", id, p[1]);
	} else
		snprintf(msg, msglen, "%s", rc == 0 ? "no such agent" : out);
	return rc == 1 ? 0 : -1;
}
