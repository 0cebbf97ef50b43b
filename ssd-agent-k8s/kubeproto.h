/*
 * kubeproto.h - what the API server sends, parsed in one place: Status
 * objects (code, reason, message), watch streams cut into lines and
 * lines into events, and paths into the objects.  Pure functions, no I/O,
 * so that they are unit tested and fuzzed on their own.
 */
#ifndef SSD_AGENT_KUBEPROTO_H
#define SSD_AGENT_KUBEPROTO_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define KUBE_REASON_MAX		64
#define KUBE_MESSAGE_MAX	512
#define KUBE_RV_MAX		64	/* resourceVersion, opaque */

struct kube_status {
	long	code;			/* HTTP status or Status.code */
	char	reason[KUBE_REASON_MAX];	/* "NotFound", ... or "" */
	char	message[KUBE_MESSAGE_MAX];	/* never empty */
};

/*
 * A Status object (or any error answer) as code, reason and message.
 * body may be NULL or anything at all; http_code is used when the body
 * does not say.
 */
void	kube_status_parse(long http_code, const cJSON *body,
	    struct kube_status *st);

enum kube_event_type {
	KUBE_ADDED,
	KUBE_MODIFIED,
	KUBE_DELETED,
	KUBE_BOOKMARK,
	KUBE_ERROR,
};

struct kube_event {
	enum kube_event_type	 type;
	cJSON			*doc;	/* the whole line, owned */
	const cJSON		*object; /* doc's "object", an object */
	char			 rv[KUBE_RV_MAX];	/* or "" */
};

/* One watch line into ev; -1 (ev untouched) with a reason in err. */
int	kube_event_parse(const char *line, size_t len, struct kube_event *ev,
	    char *err, size_t errlen);
void	kube_event_free(struct kube_event *ev);

/*
 * A stream cut at '\n' into lines of at most max bytes (blank lines are
 * skipped).  feed() calls fn for each complete line until fn returns
 * non-zero; it returns that value, -1 when a line is longer than max,
 * else 0.
 */
struct kube_lines {
	char	*buf;
	size_t	 len;
	size_t	 scanned;	/* bytes of buf known to hold no '\n' */
	size_t	 max;
};
typedef int (*kube_line_fn)(const char *line, size_t len, void *arg);

void	kube_lines_init(struct kube_lines *l, size_t max);
int	kube_lines_feed(struct kube_lines *l, const char *data, size_t n,
	    kube_line_fn fn, void *arg);
void	kube_lines_free(struct kube_lines *l);

/* o["a"]["b"]... (NULL-terminated keys), or NULL if any step is missing. */
const cJSON *kube_get(const cJSON *o, ...) __attribute__((sentinel));
/* The same when it is a string, else NULL. */
const char *kube_get_str(const cJSON *o, ...) __attribute__((sentinel));

#endif
