/*
 * kube.h - an asynchronous client for the Kubernetes API server: libcurl
 * multi driven by the agent's libevent loop, bearer token or client
 * certificate, retries with back-off, JSON in and out; and list+watch of
 * a collection on top of it (kubewatch.c).  Nothing here blocks.
 */
#ifndef SSD_AGENT_KUBE_H
#define SSD_AGENT_KUBE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "kubeproto.h"

struct event_base;
struct kubecfg;
struct kube;
struct kube_req;
struct kube_watch;

#define KUBE_RESPONSE_MAX	(16 * 1024 * 1024)	/* one answer */
#define KUBE_TRIES_MAX		6	/* per call, on 429, 5xx, I/O errors */
#define KUBE_BACKOFF_BASE_MS	250	/* full jitter: [0, base * 2^n) */
#define KUBE_BACKOFF_MAX_MS	30000
#define KUBE_RETRY_AFTER_MAX_S	60	/* Retry-After honoured up to this */
#define KUBE_CONNECT_TIMEOUT_MS	5000
#define KUBE_WATCH_LINE_MAX	(2 * 1024 * 1024)	/* one watch event */
#define KUBE_WATCH_MIN_S	300	/* watch timeoutSeconds: random in */
#define KUBE_WATCH_MAX_S	600	/* [min, max] as client-go does */
#define KUBE_WATCH_SLACK_S	30	/* our own limit past the server's */
#define KUBE_WATCH_IDLE_S	120	/* no byte at all: the peer is dead */
#define KUBE_LIST_PAGE		500
#define KUBE_LIST_ITEMS_MAX	20000

/*
 * The end of a call.  code is the HTTP status (0: no answer); status
 * holds Kubernetes' reason and message for anything but 2xx (or the
 * transport error); retryable is 1 when a later try may succeed (429,
 * 5xx, connection errors once the call's own tries are spent).
 */
struct kube_resp {
	long			 code;
	cJSON			*body;	/* the JSON answer or NULL; done may
					   take parts, kube.c frees the rest */
	const struct kube_status *status;
	int			 retryable;
};

/*
 * done is called once, from the event loop (never from within
 * kube_call()); the kube_req is gone when it is called.
 */
typedef void (*kube_done_fn)(const struct kube_resp *resp, void *arg);
/* A streamed 200 answer's bytes, as they come. */
typedef void (*kube_data_fn)(const char *data, size_t len, void *arg);

/* NULL with a message in err; kc must outlive the client. */
struct kube	*kube_new(struct event_base *base, const struct kubecfg *kc,
		    int timeout_ms, char *err, size_t errlen);
/* Ends every call without calling its callbacks. */
void		 kube_free(struct kube *k);

/*
 * method path (query included, values escaped with kube_escape()); body
 * NULL or sent as content_type ("application/json" if NULL).  what names
 * the call's subject in log lines (a session id, "watch pods").
 */
struct kube_req	*kube_call(struct kube *k, const char *method,
		    const char *path, const char *content_type,
		    const cJSON *body, const char *what, kube_done_fn done,
		    void *arg);
/*
 * A GET whose 200 body is handed to data as it arrives (no retries, no
 * total timeout but timeout_s); done is called at its end.
 */
struct kube_req	*kube_stream(struct kube *k, const char *path, int timeout_s,
		    const char *what, kube_data_fn data, kube_done_fn done,
		    void *arg);
/* Ends a call; its callbacks are not called.  Safe from any callback. */
void		 kube_cancel(struct kube_req *r);

/* s escaped for a URL's query or path (malloc'd). */
char		*kube_escape(const char *s);
/* A full-jitter back-off delay for the n-th failure (n >= 0), in ms. */
unsigned	 kube_backoff_ms(unsigned n);

/*
 * list+watch of a collection (e.g. /api/v1/namespaces/NS/pods) filtered
 * by a label selector: every complete list is handed to list (the items,
 * replacing what the caller knew), then every ADDED, MODIFIED or DELETED
 * object to event.  Re-lists on 410, re-watches from the last
 * resourceVersion (events, bookmarks) with back-off when a stream ends
 * or breaks.
 */
typedef void (*kube_list_fn)(const cJSON *items, void *arg);
typedef void (*kube_event_fn)(enum kube_event_type type, const cJSON *object,
	    void *arg);

struct kube_watch *kube_watch_new(struct kube *k, const char *what,
		    const char *path, const char *selector, kube_list_fn list,
		    kube_event_fn event, void *arg);
void		 kube_watch_free(struct kube_watch *w);

/* The bearer token now ("" if none), for calls made without libcurl. */
const char	*kube_token(struct kube *k);

/* kube.c's event base, for the timers of kubewatch.c. */
struct event_base *kube_base(struct kube *k);

#endif
