/*
 * metrics.h - the metrics a process counts (the families of
 * metrics_defs.h), and its snapshot of them for /metrics.
 *
 * Each process keeps its own series and renders them, on request, into a
 * snapshot: records of (family, sample lines).  ssd-api gathers the
 * snapshots of every process and merges them (metrics_expo.c).  Nothing
 * here blocks or allocates per increment; series are made on first use
 * and live as long as the process.
 */
#ifndef SSD_METRICS_H
#define SSD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "metrics_defs.h"

struct evbuffer;

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };
enum metrics_buckets { MB_NONE, MB_HTTP, MB_COMMAND, MB_OPEN };

#define X(id, name, type, labels, buckets, who, help) M_##id,
enum metric_id { SSD_METRICS(X) M_COUNT };
#undef X

#define METRICS_LABELS_MAX	3	/* besides worker */
#define METRICS_VALUE_MAX	128	/* bytes of one label value */
/* Series per family: a safety net, every label set is bounded anyway. */
#define METRICS_SERIES_MAX	2000

struct metric_def {
	const char		*name;
	enum metric_type	 type;
	const char		*labels;	/* "a,b" */
	enum metrics_buckets	 buckets;
	const char		*who;
	const char		*help;
};

const struct metric_def *metrics_def(enum metric_id id);
/* The histogram bounds of a family (n of them, +Inf not included). */
const double *metrics_bounds(enum metric_id id, size_t *n);

/* Label values: ML("a", "b"); NULL for a family without labels. */
#define ML(...)	((const char *const[]){ __VA_ARGS__, NULL })

struct metric;

/*
 * Before any counting: the worker="..." value of this process's series
 * ("ssd-hub", "ssd-relay[1]", "ssd").  metrics_enable(0) (ssd.conf's
 * metrics = no) makes every update below a no-op.
 */
void	metrics_init(const char *process);
void	metrics_enable(int on);
int	metrics_enabled(void);

/*
 * A series, made on first use: keep it for hot paths.  The values must
 * be as many as the family has labels (fatal otherwise: a bug).
 */
struct metric *metrics_get(enum metric_id id, const char *const *values);
void	metric_add(struct metric *m, double n);
void	metric_set(struct metric *m, double v);
void	metric_observe(struct metric *m, double v);
/* The same through the table. */
void	metrics_add(enum metric_id id, const char *const *values, double n);
void	metrics_set(enum metric_id id, const char *const *values, double v);
void	metrics_observe(enum metric_id id, const char *const *values,
	    double v);
/* Forgets a gauge family's series (before setting them from a source). */
void	metrics_clear(enum metric_id id);

/*
 * Render time.  Collectors run first (they set gauges from the state they
 * describe); a family with a writer is written by it, into out, instead
 * of from its series: for large sets held elsewhere (every agent's
 * status), which the writer may keep rendered between changes.
 */
void	metrics_on_collect(void (*fn)(void));
void	metrics_writer(enum metric_id id, void (*fn)(struct evbuffer *out));
/* Appends one sample line of family id to out (for writers). */
void	metrics_sample_to(struct evbuffer *out, enum metric_id id,
	    const char *const *values, double v);

/*
 * The snapshot: for each family with samples, a record
 * {u16 family, u16 0, u32 length} (host order) and its sample lines.
 * Stops before a record would take out past max bytes (logged).
 */
struct metrics_rec {
	uint16_t	id;
	uint16_t	zero;
	uint32_t	len;
};
void	metrics_snapshot(struct evbuffer *out, size_t max);

/* Label value escaping of the exposition format, bounded; for tests. */
size_t	metrics_escape(char *out, size_t outlen, const char *value);
/* A sample value as the exposition writes it. */
void	metrics_format_value(char *out, size_t len, double v);

#endif
