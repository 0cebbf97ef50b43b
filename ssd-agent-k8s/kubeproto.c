/*
 * kubeproto.c - the API server's answers parsed (kubeproto.h): Status
 * objects, watch lines and events.  Input is whatever the server (or a
 * man in the middle that beat TLS) sends: everything is type-checked and
 * bounded, nothing is trusted to be well-formed.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kubeproto.h"
#include "util.h"

static const cJSON *
kube_vget(const cJSON *o, va_list ap)
{
	const char *key;

	while (o != NULL && (key = va_arg(ap, const char *)) != NULL)
		o = cJSON_IsObject(o) ?
		    cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
	return o;
}

const cJSON *
kube_get(const cJSON *o, ...)
{
	va_list ap;

	va_start(ap, o);
	o = kube_vget(o, ap);
	va_end(ap);
	return o;
}

const char *
kube_get_str(const cJSON *o, ...)
{
	va_list ap;

	va_start(ap, o);
	o = kube_vget(o, ap);
	va_end(ap);
	return cJSON_IsString(o) ? o->valuestring : NULL;
}

/* Copies s without control characters (they end up in logs and JSON). */
static void
kube_copy_text(char *dst, size_t size, const char *s)
{
	size_t i;

	ssd_strlcpy(dst, s, size);
	for (i = 0; dst[i] != '\0'; i++)
		if ((unsigned char)dst[i] < ' ' || dst[i] == 0x7f)
			dst[i] = ' ';
}

void
kube_status_parse(long http_code, const cJSON *body, struct kube_status *st)
{
	const cJSON *code = kube_get(body, "code", NULL);
	const char *kind = kube_get_str(body, "kind", NULL);
	const char *reason = kube_get_str(body, "reason", NULL);
	const char *msg = kube_get_str(body, "message", NULL);

	memset(st, 0, sizeof(*st));
	st->code = http_code;
	if (kind == NULL || strcmp(kind, "Status") != 0)
		reason = msg = NULL;
	else if (cJSON_IsNumber(code) && code->valuedouble >= 100 &&
	    code->valuedouble < 1000)
		st->code = (long)code->valuedouble;
	if (reason != NULL)
		kube_copy_text(st->reason, sizeof(st->reason), reason);
	if (msg != NULL && msg[0] != '\0')
		kube_copy_text(st->message, sizeof(st->message), msg);
	else if (st->reason[0] != '\0')
		snprintf(st->message, sizeof(st->message), "%s (HTTP %ld)",
		    st->reason, st->code);
	else
		snprintf(st->message, sizeof(st->message), "HTTP %ld",
		    st->code);
}

int
kube_event_parse(const char *line, size_t len, struct kube_event *ev,
    char *err, size_t errlen)
{
	static const char *const types[] = { "ADDED", "MODIFIED", "DELETED",
	    "BOOKMARK", "ERROR" };
	const char *type, *rv;
	const cJSON *obj;
	cJSON *doc;
	size_t i;

	if ((doc = cJSON_ParseWithLength(line, len)) == NULL) {
		snprintf(err, errlen, "watch event is not JSON");
		return -1;
	}
	type = kube_get_str(doc, "type", NULL);
	obj = kube_get(doc, "object", NULL);
	for (i = 0; type != NULL && i < nitems(types); i++)
		if (strcmp(type, types[i]) == 0)
			break;
	if (type == NULL || i == nitems(types) || !cJSON_IsObject(obj)) {
		snprintf(err, errlen, "watch event without a known type and "
		    "an object");
		cJSON_Delete(doc);
		return -1;
	}
	rv = kube_get_str(obj, "metadata", "resourceVersion", NULL);
	if (rv != NULL && (strlen(rv) >= KUBE_RV_MAX || rv[0] == '\0' ||
	    strspn(rv, "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:") != strlen(rv))) {
		snprintf(err, errlen, "watch event with a bad resourceVersion");
		cJSON_Delete(doc);
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = (enum kube_event_type)i;
	ev->doc = doc;
	ev->object = obj;
	if (rv != NULL)
		ssd_strlcpy(ev->rv, rv, sizeof(ev->rv));
	return 0;
}

void
kube_event_free(struct kube_event *ev)
{
	cJSON_Delete(ev->doc);
	ev->doc = NULL;
	ev->object = NULL;
}

void
kube_lines_init(struct kube_lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
}

static int
kube_line_blank(const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r'))
		n--;
	return n == 0;
}

int
kube_lines_feed(struct kube_lines *l, const char *data, size_t n,
    kube_line_fn fn, void *arg)
{
	size_t start = 0, i;
	char *nl;
	int rc = 0;

	if (l->buf == NULL)
		l->buf = xmalloc(l->max + 1);
	while (n > 0) {
		/* Take at most what fits; a line never exceeds max. */
		i = n < l->max + 1 - l->len ? n : l->max + 1 - l->len;
		memcpy(l->buf + l->len, data, i);
		l->len += i;
		data += i;
		n -= i;
		while ((nl = memchr(l->buf + l->scanned, '\n', l->len -
		    l->scanned)) != NULL) {
			i = (size_t)(nl - l->buf);
			if (!kube_line_blank(l->buf + start, i - start))
				rc = fn(l->buf + start, i - start, arg);
			start = i + 1;
			l->scanned = start;
			if (rc != 0)
				break;
		}
		memmove(l->buf, l->buf + start, l->len - start);
		l->len -= start;
		l->scanned = rc != 0 ? 0 : l->len;
		start = 0;
		if (rc != 0)
			return rc;
		if (l->len > l->max)
			return -1;
	}
	return 0;
}

void
kube_lines_free(struct kube_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}
