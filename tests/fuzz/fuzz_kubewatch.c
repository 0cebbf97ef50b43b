/*
 * fuzz_kubewatch.c - what the API server sends, on arbitrary input: a
 * watch stream cut into lines in odd-sized pieces, each line parsed as an
 * event and applied to a session view (pods and Deployments), ERROR
 * objects and the whole input read as Status objects (kubeproto.c,
 * view.c).  No crash, no leak, bounded lines.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "kubeproto.h"
#include "view.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_status(const char *id, const char *state, const char *reason,
    const cJSON *meta, void *arg)
{
	char *s = cJSON_PrintUnformatted(meta);

	free(s);
}

static void
fuzz_changed(const char *name, void *arg)
{
}

static int
fuzz_line(const char *line, size_t len, void *arg)
{
	struct view *v = arg;
	struct kube_status st;
	struct kube_event ev;
	char err[128];

	if (kube_event_parse(line, len, &ev, err, sizeof(err)) == -1)
		return 0;
	if (ev.type == KUBE_ERROR)
		kube_status_parse(0, ev.object, &st);
	else if (ev.type != KUBE_BOOKMARK) {
		view_event(v, VIEW_PODS, ev.type, ev.object);
		view_event(v, VIEW_DEPLOYMENTS, ev.type, ev.object);
	}
	kube_event_free(&ev);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct view *v = view_new("ns", fuzz_status, fuzz_changed, NULL);
	struct kube_status st;
	struct kube_lines l;
	size_t i, step;
	cJSON *body, *empty = cJSON_CreateArray();

	if (size > 1024 * 1024)
		size = 1024 * 1024;
	view_list(v, VIEW_PODS, empty);
	view_list(v, VIEW_DEPLOYMENTS, empty);
	cJSON_Delete(empty);
	kube_lines_init(&l, 4096);
	step = size > 0 ? data[0] % 13 + 1 : 1;
	for (i = 0; i < size; i += step)
		if (kube_lines_feed(&l, (const char *)data + i, size - i <
		    step ? size - i : step, fuzz_line, v) != 0)
			break;
	kube_lines_free(&l);
	if ((body = cJSON_ParseWithLength((const char *)data, size)) != NULL) {
		kube_status_parse(500, body, &st);
		view_list(v, VIEW_PODS, cJSON_GetObjectItem(body, "items"));
		view_list(v, VIEW_DEPLOYMENTS, cJSON_GetObjectItem(body,
		    "items"));
		cJSON_Delete(body);
	}
	cJSON_Delete(view_sessions(v));
	view_free(v);
	return 0;
}
