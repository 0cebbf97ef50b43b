/*
 * apikeys.c - users' API keys: "sk_" and 43 base64url characters (256
 * random bits), shown once at creation and stored as their SHA-256 (the
 * key's entropy, not a slow hash, is what protects it).  A key acts for
 * its user with that user's current role, limited by its scopes: "read"
 * for GET, "write" for the rest.  Accepted as "Authorization: Bearer
 * sk_..." or "X-API-Key: sk_...".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "jwt.h"
#include "log.h"
#include "passwd.h"
#include "util.h"

#define APIKEY_PREFIX	"sk_"
#define APIKEY_RANDOM	32
#define APIKEY_LEN	(3 + 43)

#define APIKEY_COLUMNS \
    "id, name, COALESCE(description, ''), key_prefix, " \
    "array_to_json(COALESCE(scopes, '{read,write}')), is_active, " \
    "to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
    "to_char(expires_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
    "to_char(last_used_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), use_count"

int
apikey_looks_like(const char *s, size_t len)
{
	return len == APIKEY_LEN && strncmp(s, APIKEY_PREFIX, 3) == 0;
}

static cJSON *
apikey_json(const PGresult *res, int row)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", atoi(PQgetvalue(res, row, 0)));
	cJSON_AddStringToObject(o, "name", PQgetvalue(res, row, 1));
	cJSON_AddStringToObject(o, "description", PQgetvalue(res, row, 2));
	cJSON_AddStringToObject(o, "keyPrefix", PQgetvalue(res, row, 3));
	cJSON_AddItemToObject(o, "scopes", cJSON_Parse(PQgetvalue(res, row,
	    4)));
	cJSON_AddBoolToObject(o, "active", PQgetvalue(res, row, 5)[0] == 't');
	cJSON_AddStringToObject(o, "createdAt", PQgetvalue(res, row, 6));
	if (!PQgetisnull(res, row, 7))
		cJSON_AddStringToObject(o, "expiresAt", PQgetvalue(res, row, 7));
	if (!PQgetisnull(res, row, 8))
		cJSON_AddStringToObject(o, "lastUsedAt",
		    PQgetvalue(res, row, 8));
	cJSON_AddNumberToObject(o, "useCount", atoi(PQgetvalue(res, row, 9)));
	return o;
}

static void
apikeys_created(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	cJSON *o;

	if (res == NULL || PQntuples(res) != 1) {
		api_db_error(r, "creating an API key", err ? err : "no row",
		    sqlstate);
		return;
	}
	o = apikey_json(res, 0);
	/* The only time the key itself leaves ssd. */
	cJSON_AddStringToObject(o, "key", r->ctx);
	ssd_strlcpy(r->audit_id, PQgetvalue(res, 0, 0), sizeof(r->audit_id));
	server_reply_cjson(r, 201, o);
}

static int
apikey_scopes_ok(const char *arr)
{
	return arr == NULL || strcmp(arr, "{\"read\"}") == 0 ||
	    strcmp(arr, "{\"write\"}") == 0 ||
	    strcmp(arr, "{\"read\",\"write\"}") == 0 ||
	    strcmp(arr, "{\"write\",\"read\"}") == 0;
}

void
apikeys_create(struct request *r)
{
	uint8_t rnd[APIKEY_RANDOM];
	const char *name, *desc, *expires, *p[7];
	char hash[65], prefix[12], *scopes = NULL;
	char *key;
	cJSON *o;

	if ((o = body_object(r)) == NULL)
		return;
	if (body_str(r, o, "name", 255, 1, &name) == -1 ||
	    body_str(r, o, "description", 1024, 0, &desc) == -1 ||
	    body_str(r, o, "expiresAt", 64, 0, &expires) == -1 ||
	    body_str_array(r, o, "scopes", 2, 8, &scopes) == -1) {
		cJSON_Delete(o);
		return;
	}
	if (!apikey_scopes_ok(scopes)) {
		free(scopes);
		cJSON_Delete(o);
		server_reply_error(r, 400, "scopes are \"read\" and/or "
		    "\"write\"");
		return;
	}
	key = xmalloc(APIKEY_LEN + 8);
	memcpy(key, APIKEY_PREFIX, 3);
	random_fill(rnd, sizeof(rnd));
	if (b64url_encode(rnd, sizeof(rnd), key + 3, APIKEY_LEN + 5) !=
	    APIKEY_LEN - 3)
		fatalx("API key encoding");
	r->ctx = key;
	sha256_hex(key, strlen(key), hash);
	snprintf(prefix, sizeof(prefix), "%.10s", key);
	p[0] = hash;
	p[1] = prefix;
	p[2] = name;
	p[3] = desc;
	p[4] = r->user.user_id;
	p[5] = scopes;
	p[6] = expires;
	api_query(r, "INSERT INTO api_keys (key_hash, key_prefix, name, "
	    "description, user_id, scopes, expires_at, is_active, created_by, "
	    "created_at) VALUES ($1, $2, $3, $4, $5, COALESCE($6::text[], "
	    "'{read,write}'), $7::timestamptz AT TIME ZONE 'UTC', true, $5, "
	    "now()) RETURNING " APIKEY_COLUMNS, 7, p, apikeys_created);
	free(scopes);
	cJSON_Delete(o);
}

static void
apikeys_listed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	api_reply_rows(r, "listing API keys", "apiKeys", res, err, sqlstate,
	    apikey_json);
}

void
apikeys_list(struct request *r)
{
	const char *p[1] = { r->user.user_id };

	api_query(r, "SELECT " APIKEY_COLUMNS " FROM api_keys WHERE user_id = "
	    "$1 ORDER BY id LIMIT 1000", 1, p, apikeys_listed);
}

static void
apikeys_changed(struct request *r, const PGresult *res, const char *err,
    const char *sqlstate)
{
	if (res == NULL) {
		api_db_error(r, "changing an API key", err, sqlstate);
		return;
	}
	if (PQntuples(res) != 1) {
		server_reply_error(r, 404, "API key not found");
		return;
	}
	server_reply_cjson(r, 200, apikey_json(res, 0));
}

/* Keys are the owner's; administrators may act on anyone's. */
void
apikeys_revoke(struct request *r)
{
	const char *p[3] = { r->params[0], r->user.user_id,
	    auth_has_role(r, "admin") ? "t" : "f" };

	api_query(r, "UPDATE api_keys SET is_active = false WHERE id::text = "
	    "$1 AND (user_id = $2 OR $3::boolean) RETURNING " APIKEY_COLUMNS,
	    3, p, apikeys_changed);
}

void
apikeys_delete(struct request *r)
{
	const char *p[3] = { r->params[0], r->user.user_id,
	    auth_has_role(r, "admin") ? "t" : "f" };

	api_query(r, "DELETE FROM api_keys WHERE id::text = $1 AND (user_id = "
	    "$2 OR $3::boolean) RETURNING " APIKEY_COLUMNS, 3, p,
	    apikeys_changed);
}

