/*
 * metrics_expo.h - the /metrics answer: the processes' snapshots
 * (metrics.h) checked and merged, family by family, into the Prometheus
 * text format 0.0.4 or OpenMetrics 1.0, as the scraper's Accept asks.
 */
#ifndef SSD_METRICS_EXPO_H
#define SSD_METRICS_EXPO_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

enum metrics_format { METRICS_TEXT, METRICS_OPENMETRICS };

/* One process's part of the answer. */
struct metrics_source {
	const char	*worker;	/* its worker="..." value */
	const uint8_t	*snap;		/* its snapshot, or NULL */
	size_t		 len;
	int		 stale;		/* the snapshot is its last one */
};

/*
 * 0 when snap is a well-formed snapshot: whole records of known
 * families, each at most once, holding only that family's sample lines.
 * Else -1 and why.
 */
int	metrics_snapshot_check(const uint8_t *snap, size_t len,
	    const char **why);
/*
 * Writes the answer: for each family, HELP and TYPE once, then every
 * source's samples; ssd_metrics_stale for each source; "# EOF" for
 * OpenMetrics.  The snapshots must have passed metrics_snapshot_check.
 */
void	metrics_expose(struct evbuffer *out, enum metrics_format fmt,
	    const struct metrics_source *src, size_t n);
/* What an Accept header value asks for (NULL: no header). */
enum metrics_format metrics_negotiate(const char *accept, size_t len);
const char *metrics_content_type(enum metrics_format fmt);

#endif
