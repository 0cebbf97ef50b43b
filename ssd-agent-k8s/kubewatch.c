/*
 * kubewatch.c - list+watch of one collection (kube.h): a paged list, then
 * a watch from the list's resourceVersion with bookmarks, a re-list on
 * 410 Gone (HTTP or an ERROR event), a re-watch from the last version
 * when the stream ends, and back-off whenever it fails.  The stream is
 * cut into bounded lines; it is never held whole.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "kube.h"
#include "log.h"
#include "util.h"

#define WATCH_QUICK_END_MS	1000	/* a stream shorter than this ... */

enum watch_next { WATCH_LIST, WATCH_WATCH };

struct kube_watch {
	struct kube	*k;
	char		*what;
	char		*path;
	char		*selector;	/* escaped */
	kube_list_fn	 list;
	kube_event_fn	 event;
	void		*arg;
	struct kube_req	*req;
	struct event	*backoff_ev;
	enum watch_next	 next;
	cJSON		*items;		/* the pages listed so far */
	char		*cont;		/* escaped continue token */
	char		 rv[KUBE_RV_MAX];
	struct kube_lines lines;
	unsigned	 failures;	/* in a row, for the back-off */
	unsigned	 events;	/* in the current stream */
	uint64_t	 started_ms;
};

static void	watch_list(struct kube_watch *);
static void	watch_start(struct kube_watch *);

static void
watch_backoff(struct kube_watch *w, enum watch_next next)
{
	unsigned ms = kube_backoff_ms(w->failures++);
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	w->next = next;
	evtimer_add(w->backoff_ev, &tv);
}

static void
watch_backoff_ev(evutil_socket_t fd, short what, void *arg)
{
	struct kube_watch *w = arg;

	if (w->next == WATCH_LIST)
		watch_list(w);
	else
		watch_start(w);
}

static void
watch_list_reset(struct kube_watch *w)
{
	cJSON_Delete(w->items);
	w->items = NULL;
	free(w->cont);
	w->cont = NULL;
}

/* Moves a page's items to w->items; -1 past KUBE_LIST_ITEMS_MAX. */
static int
watch_take_items(struct kube_watch *w, cJSON *items)
{
	cJSON *it;

	if (cJSON_GetArraySize(w->items) + cJSON_GetArraySize(items) >
	    KUBE_LIST_ITEMS_MAX)
		return -1;
	while ((it = cJSON_DetachItemFromArray(items, 0)) != NULL)
		cJSON_AddItemToArray(w->items, it);
	return 0;
}

static void
watch_list_done(const struct kube_resp *resp, void *arg)
{
	struct kube_watch *w = arg;
	const char *cont, *rv;
	cJSON *items;

	w->req = NULL;
	if (resp->code == 410 && w->cont != NULL) {
		log_info("%s: list continuation expired, listing again",
		    w->what);
		watch_list_reset(w);
		watch_backoff(w, WATCH_LIST);
		return;
	}
	items = cJSON_GetObjectItemCaseSensitive(resp->body, "items");
	cont = kube_get_str(resp->body, "metadata", "continue", NULL);
	rv = kube_get_str(resp->body, "metadata", "resourceVersion", NULL);
	if (resp->code != 200 || (!cJSON_IsArray(items) &&
	    !cJSON_IsNull(items)) || rv == NULL || rv[0] == '\0' ||
	    strlen(rv) >= sizeof(w->rv)) {
		log_warnx("%s: list failed: %s", w->what, resp->code == 200 ?
		    "not a list" : resp->status->message);
		watch_list_reset(w);
		watch_backoff(w, WATCH_LIST);
		return;
	}
	if (cJSON_IsArray(items) && watch_take_items(w, items) == -1) {
		log_warnx("%s: more than %d objects, not watching them",
		    w->what, KUBE_LIST_ITEMS_MAX);
		watch_list_reset(w);
		watch_backoff(w, WATCH_LIST);
		return;
	}
	free(w->cont);
	w->cont = NULL;
	if (cont != NULL && cont[0] != '\0') {
		w->cont = kube_escape(cont);
		watch_list(w);
		return;
	}
	ssd_strlcpy(w->rv, rv, sizeof(w->rv));
	log_debug("%s: listed %d at version %s", w->what,
	    cJSON_GetArraySize(w->items), w->rv);
	w->list(w->items, w->arg);
	watch_list_reset(w);
	watch_start(w);
}

static void
watch_list(struct kube_watch *w)
{
	char *path;

	if (w->items == NULL)
		w->items = cJSON_CreateArray();
	xasprintf(&path, "%s?labelSelector=%s&limit=%d%s%s", w->path,
	    w->selector, KUBE_LIST_PAGE, w->cont ? "&continue=" : "",
	    w->cont ? w->cont : "");
	w->req = kube_call(w->k, "GET", path, NULL, NULL, w->what,
	    watch_list_done, w);
	free(path);
}

/* Ends the stream from within it; then lists or watches again. */
static int
watch_abandon(struct kube_watch *w, enum watch_next next)
{
	kube_cancel(w->req);
	w->req = NULL;
	watch_backoff(w, next);
	return 1;
}

static int
watch_line(const char *line, size_t len, void *arg)
{
	struct kube_watch *w = arg;
	struct kube_status st;
	struct kube_event ev;
	char err[128];

	if (kube_event_parse(line, len, &ev, err, sizeof(err)) == -1) {
		log_warnx("%s: %s; listing again", w->what, err);
		return watch_abandon(w, WATCH_LIST);
	}
	if (ev.type == KUBE_ERROR) {
		kube_status_parse(0, ev.object, &st);
		kube_event_free(&ev);
		if (st.code == 410) {
			log_info("%s: %s; listing again", w->what, st.message);
			return watch_abandon(w, WATCH_LIST);
		}
		log_warnx("%s: watch error: %s", w->what, st.message);
		return watch_abandon(w, WATCH_WATCH);
	}
	if (ev.rv[0] != '\0')
		ssd_strlcpy(w->rv, ev.rv, sizeof(w->rv));
	if (ev.type != KUBE_BOOKMARK) {
		w->events++;
		w->failures = 0;
		w->event(ev.type, ev.object, w->arg);
	}
	kube_event_free(&ev);
	return 0;
}

static void
watch_data(const char *data, size_t len, void *arg)
{
	struct kube_watch *w = arg;

	if (kube_lines_feed(&w->lines, data, len, watch_line, w) == -1) {
		log_warnx("%s: a watch event longer than %d bytes; listing "
		    "again", w->what, KUBE_WATCH_LINE_MAX);
		watch_abandon(w, WATCH_LIST);
	}
}

static void
watch_stream_done(const struct kube_resp *resp, void *arg)
{
	struct kube_watch *w = arg;

	w->req = NULL;
	kube_lines_free(&w->lines);
	if (resp->code == 410) {
		log_info("%s: %s; listing again", w->what,
		    resp->status->message);
		watch_backoff(w, WATCH_LIST);
	} else if (resp->code != 200) {
		log_warnx("%s: watch failed: %s", w->what,
		    resp->status->message);
		watch_backoff(w, WATCH_WATCH);
	} else if (w->events == 0 && now_ms() - w->started_ms <
	    WATCH_QUICK_END_MS)
		watch_backoff(w, WATCH_WATCH);
	else
		watch_start(w);
}

static void
watch_start(struct kube_watch *w)
{
	unsigned t = KUBE_WATCH_MIN_S + kube_backoff_ms(10) %
	    (KUBE_WATCH_MAX_S - KUBE_WATCH_MIN_S + 1);
	char *path, *rv = kube_escape(w->rv);

	kube_lines_free(&w->lines);
	kube_lines_init(&w->lines, KUBE_WATCH_LINE_MAX);
	w->events = 0;
	w->started_ms = now_ms();
	xasprintf(&path, "%s?labelSelector=%s&watch=true&"
	    "allowWatchBookmarks=true&resourceVersion=%s&timeoutSeconds=%u",
	    w->path, w->selector, rv, t);
	w->req = kube_stream(w->k, path, (int)t + KUBE_WATCH_SLACK_S, w->what,
	    watch_data, watch_stream_done, w);
	free(path);
	free(rv);
}

struct kube_watch *
kube_watch_new(struct kube *k, const char *what, const char *path,
    const char *selector, kube_list_fn list, kube_event_fn event, void *arg)
{
	struct kube_watch *w = xcalloc(1, sizeof(*w));

	w->k = k;
	w->what = xstrdup(what);
	w->path = xstrdup(path);
	w->selector = kube_escape(selector);
	w->list = list;
	w->event = event;
	w->arg = arg;
	if ((w->backoff_ev = evtimer_new(kube_base(k), watch_backoff_ev,
	    w)) == NULL)
		fatalx("%s: evtimer_new", what);
	watch_list(w);
	return w;
}

void
kube_watch_free(struct kube_watch *w)
{
	if (w == NULL)
		return;
	if (w->req != NULL)
		kube_cancel(w->req);
	event_free(w->backoff_ev);
	watch_list_reset(w);
	kube_lines_free(&w->lines);
	free(w->what);
	free(w->path);
	free(w->selector);
	free(w);
}
