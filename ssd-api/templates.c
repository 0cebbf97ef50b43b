/*
 * templates.c - /api/v1/templates: what users launch sessions from.
 * Everyone signed in may list and read the enabled ones; operators and
 * administrators see all, create (from a StreamSpace Template document,
 * as JSON or as a YAML file's text), enable, disable, change and delete.
 * Field names are snake_case, as the original's templates were.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "log.h"
#include "template.h"
#include "util.h"
#include "yamljson.h"

#define TPL_TEXT_MAX	4096
#define TPL_FILE_MAX	(256 * 1024)	/* a Template file's text */

#define TPL_COLUMNS \
    "id, name, COALESCE(display_name, ''), COALESCE(description, ''), " \
    "COALESCE(category, ''), COALESCE(app_type, 'desktop'), " \
    "COALESCE(icon_url, ''), COALESCE(manifest, '{}'::jsonb), " \
    "COALESCE(array_to_json(tags), '[]'::json), COALESCE(install_count, 0), " \
    "COALESCE(platform, 'kubernetes'), " \
    "to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
    "to_char(updated_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), enabled"
/* A template is named by its id or its name. */
#define TPL_MATCH	"(id::text = $1 OR name = $1) AND repository_id IS NULL"
/* Its column after TPL_COLUMNS in tpl_store_sql: 't' when it is new. */
#define TPL_CREATED	14

/*
 * A template from a checked document (tpl_store_params): created, or, if
 * one of that name exists, replaced when $9 is true (ssdctl template
 * import) and left alone otherwise (POST: no row, 409).
 */
static const char tpl_store_sql[] =
    "INSERT INTO catalog_templates AS ct (name, display_name, description, "
    "category, icon_url, app_type, manifest, tags, platform) VALUES ($1, "
    "$2, $3, $4, $5, COALESCE($6, 'desktop'), $7::jsonb, $8::text[], "
    "'kubernetes') ON CONFLICT (name) WHERE repository_id IS NULL DO "
    "UPDATE SET display_name = EXCLUDED.display_name, description = "
    "EXCLUDED.description, category = EXCLUDED.category, icon_url = "
    "EXCLUDED.icon_url, app_type = EXCLUDED.app_type, manifest = "
    "EXCLUDED.manifest, tags = EXCLUDED.tags, updated_at = now() WHERE "
    "$9::boolean RETURNING " TPL_COLUMNS ", xmax = 0";

/* The statement's parameters; *manifest is the caller's to free. */
static void
tpl_store_params(const struct template_doc *t, const cJSON *doc,
    int replace, const char **p, char **manifest)
{
	*manifest = cJSON_PrintUnformatted(doc);
	p[0] = t->name;
	p[1] = t->display_name;
	p[2] = t->description;
	p[3] = t->category;
	p[4] = t->icon;
	p[5] = t->app_type;
	p[6] = *manifest;
	p[7] = t->tags;
	p[8] = replace ? "t" : "f";
}

static cJSON *
tpl_json(const PGresult *res, int row)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", atoi(PQgetvalue(res, row, 0)));
	cJSON_AddStringToObject(o, "name", PQgetvalue(res, row, 1));
	cJSON_AddStringToObject(o, "display_name", PQgetvalue(res, row, 2));
	cJSON_AddStringToObject(o, "description", PQgetvalue(res, row, 3));
	cJSON_AddStringToObject(o, "category", PQgetvalue(res, row, 4));
	cJSON_AddStringToObject(o, "app_type", PQgetvalue(res, row, 5));
	cJSON_AddStringToObject(o, "icon_url", PQgetvalue(res, row, 6));
	cJSON_AddItemToObject(o, "manifest",
	    cJSON_Parse(PQgetvalue(res, row, 7)));
	cJSON_AddItemToObject(o, "tags", cJSON_Parse(PQgetvalue(res, row, 8)));
	cJSON_AddNumberToObject(o, "install_count",
	    atoi(PQgetvalue(res, row, 9)));
	cJSON_AddStringToObject(o, "platform", PQgetvalue(res, row, 10));
	cJSON_AddStringToObject(o, "created_at", PQgetvalue(res, row, 11));
	cJSON_AddStringToObject(o, "updated_at", PQgetvalue(res, row, 12));
	cJSON_AddBoolToObject(o, "enabled", PQgetvalue(res, row, 13)[0] == 't');
	return o;
}

static void
tpl_reply_one(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate, int status)
{
	if (res == NULL) {
		if (sqlstate != NULL && strcmp(sqlstate, "23505") == 0)
			server_reply_error(r, 409, "a template of that name "
			    "exists");
		else
			api_db_error(r, "templates", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "template not found");
		return;
	}
	ssd_strlcpy(r->audit_id, PQgetvalue(res, 0, 1), sizeof(r->audit_id));
	server_reply_cjson(r, status, tpl_json(res, 0));
}

static void
tpl_got(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	tpl_reply_one(r, res, err, sqlstate, 200);
}

static void
tpl_created_or_exists(struct request *r, const PGresult *res,
    const char *err, const char *sqlstate)
{
	if (res != NULL && PQntuples(res) == 0) {
		server_reply_error(r, 409, "a template of that name exists");
		return;
	}
	tpl_reply_one(r, res, err, sqlstate, 201);
}

static void
tpl_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o, *list, *cats;
	int i;

	if (res == NULL) {
		api_db_error(r, "listing templates", err, sqlstate);
		return;
	}
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "templates");
	cats = cJSON_AddArrayToObject(o, "categories");
	for (i = 0; i < PQntuples(res); i++) {
		cJSON_AddItemToArray(list, tpl_json(res, i));
		if (i == 0 || strcmp(PQgetvalue(res, i, 4),
		    PQgetvalue(res, i - 1, 4)) != 0)
			cJSON_AddItemToArray(cats, cJSON_CreateString(
			    PQgetvalue(res, i, 4)));
	}
	cJSON_AddNumberToObject(o, "total", PQntuples(res));
	server_reply_cjson(r, 200, o);
}

/* Users see the enabled templates; operators all of them. */
void
templates_list(struct request *r)
{
	static const char *const keys[] = { "category", "search", NULL };
	char cat[256], search[256];
	const char *params[3];

	if (body_query(r, keys, sizeof(cat) - 1) == -1)
		return;
	params[0] = body_query_get(r, "category", cat, sizeof(cat));
	params[1] = body_query_get(r, "search", search, sizeof(search));
	params[2] = sessions_privileged(r);
	api_query(r, "SELECT " TPL_COLUMNS " FROM catalog_templates WHERE "
	    "repository_id IS NULL AND ($1::text IS NULL OR category = $1) "
	    "AND ($2::text IS NULL OR strpos(lower(name || ' ' || "
	    "COALESCE(display_name, '') || ' ' || COALESCE(description, '')), "
	    "lower($2)) > 0) AND (enabled OR $3::boolean) ORDER BY category, "
	    "name LIMIT 1000", 3, params, tpl_listed);
}

void
templates_get(struct request *r)
{
	const char *params[2] = { r->params[0], sessions_privileged(r) };

	api_query(r, "SELECT " TPL_COLUMNS " FROM catalog_templates WHERE "
	    TPL_MATCH " AND (enabled OR $2::boolean)", 2, params, tpl_got);
}

/* Stores the Template document doc (consumed) for r. */
static void
tpl_insert(struct request *r, cJSON *doc)
{
	struct template_doc t;
	const char *p[9];
	char err[256], *manifest;
	int status;

	if ((status = template_check(doc, &t, err, sizeof(err))) != 0) {
		cJSON_Delete(doc);
		server_reply_error(r, status, err);
		return;
	}
	tpl_store_params(&t, doc, 0, p, &manifest);
	api_query(r, tpl_store_sql, 9, p, tpl_created_or_exists);
	cJSON_free(manifest);
	template_doc_free(&t);
	cJSON_Delete(doc);
}

void
templates_create(struct request *r)
{
	cJSON *doc;

	if ((doc = body_object(r)) != NULL)
		tpl_insert(r, doc);
}

/*
 * POST /api/v1/templates/import {"yaml": text}: a StreamSpace Template
 * file as it is (YAML, or JSON, which is YAML), one document.
 */
void
templates_import(struct request *r)
{
	const char *text;
	char err[256], msg[320];
	cJSON *o, *docs;
	int n;

	if ((o = body_object(r)) == NULL)
		return;
	if (body_str(r, o, "yaml", TPL_FILE_MAX, 1, &text) == -1) {
		cJSON_Delete(o);
		return;
	}
	docs = yaml_to_json(text, strlen(text), err, sizeof(err));
	cJSON_Delete(o);
	if (docs == NULL) {
		snprintf(msg, sizeof(msg), "not a YAML or JSON file: %s", err);
		server_reply_error(r, 422, msg);
		return;
	}
	if ((n = cJSON_GetArraySize(docs)) != 1) {
		snprintf(msg, sizeof(msg), "the file holds %d documents; a "
		    "template file holds one", n);
		cJSON_Delete(docs);
		server_reply_error(r, 422, msg);
		return;
	}
	tpl_insert(r, cJSON_DetachItemFromArray(docs, 0));
	cJSON_Delete(docs);
}

void
templates_update(struct request *r)
{
	const char *p[7];
	char *tags = NULL;
	int enabled = -1;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	p[0] = r->params[0];
	if (body_str(r, o, "display_name", 255, 0, &p[1]) == -1 ||
	    body_str(r, o, "description", TPL_TEXT_MAX, 0, &p[2]) == -1 ||
	    body_str(r, o, "category", 255, 0, &p[3]) == -1 ||
	    body_str(r, o, "icon_url", 2048, 0, &p[4]) == -1 ||
	    body_str_array(r, o, "tags", 64, 64, &tags) == -1 ||
	    body_bool(r, o, "enabled", &enabled) == -1) {
		cJSON_Delete(o);
		return;
	}
	if (p[4] != NULL && p[4][0] != '\0' && !template_icon_ok(p[4])) {
		server_reply_error(r, 422, "field \"icon_url\" must be an "
		    "https: or http: URL, or a path");
		free(tags);
		cJSON_Delete(o);
		return;
	}
	p[5] = tags;
	p[6] = enabled == -1 ? NULL : enabled ? "t" : "f";
	api_query(r, "UPDATE catalog_templates SET display_name = "
	    "COALESCE($2, display_name), description = COALESCE($3, "
	    "description), category = COALESCE($4, category), icon_url = "
	    "COALESCE($5, icon_url), tags = COALESCE($6::text[], tags), "
	    "enabled = COALESCE($7::boolean, enabled), "
	    "updated_at = now() WHERE " TPL_MATCH " RETURNING " TPL_COLUMNS,
	    7, p, tpl_got);
	free(tags);
	cJSON_Delete(o);
}

static void
tpl_deleted(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "deleting a template", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "template not found");
		return;
	}
	server_reply(r, 204, "application/json", NULL, 0);
}

void
templates_delete(struct request *r)
{
	const char *params[1] = { r->params[0] };

	api_query(r, "DELETE FROM catalog_templates WHERE " TPL_MATCH
	    " RETURNING id", 1, params, tpl_deleted);
}


static void
tpl_imported(uint32_t id, const PGresult *res, const char *err,
    const char *sqlstate, void *arg)
{
	char *name = arg, msg[512];

	if (res == NULL || PQntuples(res) != 1) {
		log_warnx("ssdctl: template %s not stored: %s", name,
		    err ? err : "no row");
		snprintf(msg, sizeof(msg), "%s: not stored: %s", name,
		    err ? err : "no row");
		admin_end(id, 0, msg);
	} else {
		snprintf(msg, sizeof(msg), "%s: %s", name, PQgetvalue(res, 0,
		    TPL_CREATED)[0] == 't' ? "created" : "updated");
		log_info("ssdctl: template %s", msg);
		admin_end(id, 1, msg);
	}
	free(name);
}

/* ssdctl template import: created, or replaced by the document. */
void
templates_ctl_import(uint32_t id, const cJSON *doc)
{
	struct template_doc t;
	const char *p[9];
	char err[256], *manifest;

	if (template_check(doc, &t, err, sizeof(err)) != 0) {
		admin_end(id, 0, err);
		return;
	}
	tpl_store_params(&t, doc, 1, p, &manifest);
	admin_query(id, tpl_store_sql, 9, p, tpl_imported, xstrdup(t.name));
	cJSON_free(manifest);
	template_doc_free(&t);
}
