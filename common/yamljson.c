/*
 * yamljson.c - YAML files read into JSON (yamljson.h), so that templates
 * given as
 * YAML are checked by the same code as those given as JSON.  Runs in
 * ssdctl on files an administrator names, and is still bounded: depth,
 * node count, no anchors or aliases (no "billion laughs").
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <yaml.h>

#include "log.h"
#include "util.h"
#include "yamljson.h"

#define YAML_DEPTH_MAX	32
#define YAML_NODES_MAX	100000

/* A plain scalar as YAML 1.2's core schema reads it; quoted: a string. */
static cJSON *
yaml_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	char *end;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(v);
	if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0)
		return cJSON_CreateTrue();
	if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0)
		return cJSON_CreateFalse();
	if (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || v[0] == '\0')
		return cJSON_CreateNull();
	if ((isdigit((unsigned char)v[0]) || ((v[0] == '-' || v[0] == '+') &&
	    isdigit((unsigned char)v[1]))) && strspn(v, "+-0123456789.eE") ==
	    strlen(v)) {
		d = strtod(v, &end);
		if (*end == '\0')
			return cJSON_CreateNumber(d);
	}
	return cJSON_CreateString(v);
}

struct yaml_state {
	cJSON		*stack[YAML_DEPTH_MAX + 2];
	char		*keys[YAML_DEPTH_MAX + 2];	/* pending mapping key */
	int		 depth;
	unsigned	 nodes;
};

/* Puts node into the container on top (or returns it at the top). */
static int
yaml_add(struct yaml_state *st, cJSON *node)
{
	cJSON *top = st->stack[st->depth];

	if (++st->nodes > YAML_NODES_MAX) {
		cJSON_Delete(node);
		return -1;
	}
	if (cJSON_IsArray(top)) {
		cJSON_AddItemToArray(top, node);
		return 0;
	}
	if (st->keys[st->depth] == NULL) {
		/* A mapping key: only scalars. */
		if (!cJSON_IsString(node) && !cJSON_IsNumber(node) &&
		    !cJSON_IsBool(node)) {
			cJSON_Delete(node);
			return -1;
		}
		st->keys[st->depth] = cJSON_IsString(node) ?
		    xstrdup(node->valuestring) : cJSON_PrintUnformatted(node);
		cJSON_Delete(node);
		return 0;
	}
	cJSON_AddItemToObject(top, st->keys[st->depth], node);
	free(st->keys[st->depth]);
	st->keys[st->depth] = NULL;
	return 0;
}

static int
yaml_event(struct yaml_state *st, const yaml_event_t *ev, char *err,
    size_t errlen)
{
	cJSON *node;

	switch (ev->type) {
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.anchor != NULL)
			return snprintf(err, errlen, "anchors are not "
			    "accepted"), -1;
		if (st->depth == YAML_DEPTH_MAX)
			return snprintf(err, errlen, "nested too deep"), -1;
		node = ev->type == YAML_SEQUENCE_START_EVENT ?
		    cJSON_CreateArray() : cJSON_CreateObject();
		if (yaml_add(st, node) == -1)
			return snprintf(err, errlen, "a mapping key must be a "
			    "scalar"), -1;
		st->stack[++st->depth] = node;
		st->keys[st->depth] = NULL;
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		free(st->keys[st->depth]);
		st->keys[st->depth--] = NULL;
		return 0;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor != NULL)
			return snprintf(err, errlen, "anchors are not "
			    "accepted"), -1;
		if (yaml_add(st, yaml_scalar(ev)) == -1)
			return snprintf(err, errlen, "too many nodes"), -1;
		return 0;
	case YAML_ALIAS_EVENT:
		return snprintf(err, errlen, "aliases are not accepted"), -1;
	default:
		return 0;
	}
}

cJSON *
yaml_to_json(const char *text, size_t len, char *err, size_t errlen)
{
	struct yaml_state st;
	yaml_parser_t parser;
	yaml_event_t ev;
	int rc = 0, done = 0;

	memset(&st, 0, sizeof(st));
	st.stack[0] = cJSON_CreateArray();
	if (!yaml_parser_initialize(&parser))
		fatalx("yaml_parser_initialize");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev)) {
			snprintf(err, errlen, "line %zu: %s",
			    parser.problem_mark.line + 1, parser.problem ?
			    parser.problem : "syntax error");
			rc = -1;
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT)
			done = 1;
		else if (yaml_event(&st, &ev, err, errlen) == -1) {
			rc = -1;
			snprintf(err + strlen(err), errlen - strlen(err),
			    " (line %zu)", ev.start_mark.line + 1);
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	while (st.depth > 0)
		free(st.keys[st.depth--]);
	if (rc == -1) {
		cJSON_Delete(st.stack[0]);
		return NULL;
	}
	return st.stack[0];
}
