/*
 * reply.c - the answers every route gives in JSON, and the one shape of
 * an error: {"error": code, "message": text}, the code from the status
 * unless the route names its own.  Written by server_reply (server.c).
 */
#include "config.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "log.h"

void
server_reply_json(struct request *r, int status, const char *json)
{
	server_reply(r, status, "application/json", json, strlen(json));
}

void
server_reply_cjson(struct request *r, int status, cJSON *obj)
{
	char *text = cJSON_PrintUnformatted(obj);

	if (text == NULL)
		fatalx("out of memory for a JSON answer");
	server_reply_json(r, status, text);
	cJSON_free(text);
	cJSON_Delete(obj);
}

/* The machine-readable half of an error, from its status. */
static const char *
server_error_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "body_too_large";
	case 414: return "uri_too_long";
	case 415: return "unsupported_media_type";
	case 422: return "unprocessable";
	case 429: return "rate_limited";
	case 431: return "headers_too_large";
	case 501: return "not_implemented";
	case 503: return "unavailable";
	case 505: return "http_version_not_supported";
	default: return status >= 500 ? "internal_error" : "error";
	}
}

void
server_reply_error_code(struct request *r, int status, const char *code,
    const char *msg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", code);
	cJSON_AddStringToObject(o, "message", msg);
	server_reply_cjson(r, status, o);
}

void
server_reply_error(struct request *r, int status, const char *msg)
{
	server_reply_error_code(r, status, server_error_code(status), msg);
}
