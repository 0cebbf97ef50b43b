/*
 * metrics.c - a process's metrics registry (metrics.h): series by family
 * and label values, counters, gauges and histograms, and the snapshot of
 * them as sample lines.  Runs in every process, sandboxed ones included:
 * no I/O, no blocking; memory grows only with new series, which are
 * bounded per family.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

#define METRICS_BUCKETS_HASH	64
#define METRICS_LABELS_LEN	1024	/* rendered label pairs of a series */

struct metric {
	struct metric	*next;		/* in its hash bucket */
	struct metric	*order;		/* creation order, for output */
	enum metric_id	 id;
	char		*labels;	/* a="x",b="y" (no worker) */
	double		 value;		/* counter, gauge; histogram sum */
	uint64_t	 count;		/* histogram */
	uint64_t	*buckets;	/* histogram, not cumulative */
};

struct metrics_family {
	struct metric	*hash[METRICS_BUCKETS_HASH];
	struct metric	*first, **last;
	size_t		 n;
	int		 overflow_logged;
	const char	*label_names[METRICS_LABELS_MAX];
	size_t		 nlabels;
	void		(*writer)(struct evbuffer *);
};

#define METRICS_COLLECTORS_MAX	8

static const struct metric_def metrics_defs[] = {
#define X(id, name, type, labels, buckets, who, help) \
	{ name, METRIC_##type, labels, MB_##buckets, who, help },
	SSD_METRICS(X)
#undef X
};

static const double bounds_http[] = { 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
static const double bounds_command[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10, 30, 60, 120, 300 };
static const double bounds_open[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	0.5, 1, 2.5, 5, 10 };

static struct {
	int			 initialized;
	int			 enabled;
	char			 worker[48];	/* escaped already */
	struct metrics_family	 fam[M_COUNT];
	char			 names[M_COUNT][METRICS_LABELS_MAX][32];
	void			(*collect[METRICS_COLLECTORS_MAX])(void);
	size_t			 ncollect;
} reg;

const struct metric_def *
metrics_def(enum metric_id id)
{
	return &metrics_defs[id];
}

const double *
metrics_bounds(enum metric_id id, size_t *n)
{
	switch (metrics_defs[id].buckets) {
	case MB_HTTP:
		*n = nitems(bounds_http);
		return bounds_http;
	case MB_COMMAND:
		*n = nitems(bounds_command);
		return bounds_command;
	case MB_OPEN:
		*n = nitems(bounds_open);
		return bounds_open;
	case MB_NONE:
		break;
	}
	*n = 0;
	return NULL;
}

/* The first label named worker: the series describe other processes. */
static int
metrics_own_worker_label(enum metric_id id)
{
	return strncmp(metrics_defs[id].labels, "worker", 6) == 0 &&
	    (metrics_defs[id].labels[6] == '\0' ||
	    metrics_defs[id].labels[6] == ',');
}

static void
metrics_split_labels(enum metric_id id)
{
	struct metrics_family *f = &reg.fam[id];
	const char *p = metrics_defs[id].labels;
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, ",");
		if (f->nlabels == METRICS_LABELS_MAX || n == 0 ||
		    n >= sizeof(reg.names[id][0]))
			fatalx("metric %s: bad label list", metrics_defs[id].name);
		memcpy(reg.names[id][f->nlabels], p, n);
		reg.names[id][f->nlabels][n] = '\0';
		f->label_names[f->nlabels] = reg.names[id][f->nlabels];
		f->nlabels++;
		p += n;
		if (*p == ',')
			p++;
	}
}

static void
metrics_free_series(enum metric_id id)
{
	struct metrics_family *f = &reg.fam[id];
	struct metric *m, *next;

	for (m = f->first; m != NULL; m = next) {
		next = m->order;
		free(m->labels);
		free(m->buckets);
		free(m);
	}
	memset(f->hash, 0, sizeof(f->hash));
	f->first = NULL;
	f->last = &f->first;
	f->n = 0;
}

void
metrics_init(const char *process)
{
	int i;

	for (i = 0; reg.initialized && i < M_COUNT; i++)
		metrics_free_series((enum metric_id)i);
	memset(&reg, 0, sizeof(reg));
	for (i = 0; i < M_COUNT; i++) {
		reg.fam[i].last = &reg.fam[i].first;
		metrics_split_labels((enum metric_id)i);
	}
	metrics_escape(reg.worker, sizeof(reg.worker), process);
	reg.enabled = 1;
	reg.initialized = 1;
}

void
metrics_enable(int on)
{
	reg.enabled = on;
}

int
metrics_enabled(void)
{
	return reg.initialized && reg.enabled;
}

size_t
metrics_escape(char *out, size_t outlen, const char *value)
{
	size_t n = 0, len = strlen(value), i;
	int valid = utf8_valid((const uint8_t *)value, len);
	unsigned char ch;

	if (len > METRICS_VALUE_MAX)
		len = METRICS_VALUE_MAX;
	for (i = 0; i < len && n + 3 < outlen; i++) {
		ch = (unsigned char)value[i];
		/* Not text, or cut mid-character: kept readable and valid. */
		if (ch < 0x20 || ch == 0x7f || (ch >= 0x80 && (!valid ||
		    len < strlen(value))))
			ch = '?';
		if (ch == '\\' || ch == '"')
			out[n++] = '\\';
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return n;
}

/* Appends src (n bytes) at *off in out (len); 0, or -1 when it is full. */
static int
metrics_put(char *out, size_t len, size_t *off, const char *src, size_t n)
{
	if (*off + n >= len)
		return -1;
	memcpy(out + *off, src, n);
	*off += n;
	out[*off] = '\0';
	return 0;
}

/* a="x",b="y" from the family's names and values; -1 on a count mismatch. */
static int
metrics_render_labels(enum metric_id id, const char *const *values,
    char *out, size_t len)
{
	struct metrics_family *f = &reg.fam[id];
	char esc[2 * METRICS_VALUE_MAX + 1];
	size_t i, n = 0, k;

	out[0] = '\0';
	for (i = 0; i < f->nlabels; i++) {
		if (values == NULL || values[i] == NULL)
			return -1;
		k = metrics_escape(esc, sizeof(esc), values[i]);
		if ((i > 0 && metrics_put(out, len, &n, ",", 1) == -1) ||
		    metrics_put(out, len, &n, f->label_names[i],
		    strlen(f->label_names[i])) == -1 ||
		    metrics_put(out, len, &n, "=\"", 2) == -1 ||
		    metrics_put(out, len, &n, esc, k) == -1 ||
		    metrics_put(out, len, &n, "\"", 1) == -1)
			return -1;
	}
	if ((f->nlabels == 0 && values != NULL && values[0] != NULL) ||
	    (values != NULL && values[f->nlabels] != NULL))
		return -1;
	return 0;
}

static struct metric *
metrics_new_series(enum metric_id id, const char *labels, uint32_t h)
{
	struct metrics_family *f = &reg.fam[id];
	struct metric *m = xcalloc(1, sizeof(*m));
	size_t nb;

	m->id = id;
	m->labels = xstrdup(labels);
	if (metrics_bounds(id, &nb) != NULL)
		m->buckets = xcalloc(nb, sizeof(*m->buckets));
	m->next = f->hash[h];
	f->hash[h] = m;
	*f->last = m;
	f->last = &m->order;
	f->n++;
	return m;
}

struct metric *
metrics_get(enum metric_id id, const char *const *values)
{
	static const char *const other[METRICS_LABELS_MAX + 1] = { "other",
	    "other", "other", NULL };
	struct metrics_family *f = &reg.fam[id];
	char labels[METRICS_LABELS_LEN];
	struct metric *m;
	uint32_t h;

	if (!reg.initialized)
		fatalx("metrics used before metrics_init");
	if (metrics_render_labels(id, values, labels, sizeof(labels)) == -1)
		fatalx("metric %s: label values do not match %s",
		    metrics_defs[id].name, metrics_defs[id].labels);
	h = fnv1a(labels) % METRICS_BUCKETS_HASH;
	for (m = f->hash[h]; m != NULL; m = m->next)
		if (strcmp(m->labels, labels) == 0)
			return m;
	if (f->n >= METRICS_SERIES_MAX && f->nlabels > 0) {
		if (!f->overflow_logged++)
			log_warnx("metric %s: more than %d series, the rest "
			    "count as other", metrics_defs[id].name,
			    METRICS_SERIES_MAX);
		metrics_render_labels(id, other + METRICS_LABELS_MAX -
		    f->nlabels, labels, sizeof(labels));
		h = fnv1a(labels) % METRICS_BUCKETS_HASH;
		for (m = f->hash[h]; m != NULL; m = m->next)
			if (strcmp(m->labels, labels) == 0)
				return m;
	}
	return metrics_new_series(id, labels, h);
}

void
metric_add(struct metric *m, double n)
{
	if (reg.enabled)
		m->value += n;
}

void
metric_set(struct metric *m, double v)
{
	if (reg.enabled)
		m->value = v;
}

void
metric_observe(struct metric *m, double v)
{
	const double *b;
	size_t nb, i;

	if (!reg.enabled || (b = metrics_bounds(m->id, &nb)) == NULL)
		return;
	for (i = 0; i < nb && v > b[i]; i++)
		;
	if (i < nb)
		m->buckets[i]++;
	m->count++;
	m->value += v;
}

void
metrics_add(enum metric_id id, const char *const *values, double n)
{
	if (reg.enabled)
		metric_add(metrics_get(id, values), n);
}

void
metrics_set(enum metric_id id, const char *const *values, double v)
{
	if (reg.enabled)
		metric_set(metrics_get(id, values), v);
}

void
metrics_observe(enum metric_id id, const char *const *values, double v)
{
	if (reg.enabled)
		metric_observe(metrics_get(id, values), v);
}

void
metrics_clear(enum metric_id id)
{
	if (metrics_defs[id].type != METRIC_GAUGE)
		fatalx("metric %s: only gauges are cleared",
		    metrics_defs[id].name);
	metrics_free_series(id);
}

void
metrics_on_collect(void (*fn)(void))
{
	if (reg.ncollect == METRICS_COLLECTORS_MAX)
		fatalx("too many metrics collectors");
	reg.collect[reg.ncollect++] = fn;
}

void
metrics_writer(enum metric_id id, void (*fn)(struct evbuffer *))
{
	reg.fam[id].writer = fn;
}

/* Decimal, without printf: most values are whole numbers. */
static void
metrics_format_int(char *out, size_t len, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	if (v < 0 && i + 1 < len)
		out[i++] = '-';
	while (n > 0 && i + 1 < len)
		out[i++] = tmp[--n];
	out[i] = '\0';
}

void
metrics_format_value(char *out, size_t len, double v)
{
	if (isnan(v))
		snprintf(out, len, "NaN");
	else if (isinf(v))
		snprintf(out, len, "%sInf", v > 0 ? "+" : "-");
	else if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
	    v == (double)(int64_t)v)
		metrics_format_int(out, len, (int64_t)v);
	else {
		/* The shortest text that reads back as the same double. */
		snprintf(out, len, "%.15g", v);
		if (strtod(out, NULL) != v)
			snprintf(out, len, "%.17g", v);
	}
}

/*
 * name+suffix{worker="w",labels[,extra]} value: put together with memcpy,
 * not printf, as 30,000 of them (every agent's status) make one scrape.
 */
static void
metrics_line(struct evbuffer *b, enum metric_id id, const char *suffix,
    const char *labels, const char *extra, double v)
{
	char line[METRICS_LABELS_LEN + 256], val[40];
	const char *name = metrics_defs[id].name;
	int worker = !metrics_own_worker_label(id);
	size_t n = 0;
	int rc = 0;

	metrics_format_value(val, sizeof(val), v);
	rc |= metrics_put(line, sizeof(line), &n, name, strlen(name));
	rc |= metrics_put(line, sizeof(line), &n, suffix, strlen(suffix));
	rc |= metrics_put(line, sizeof(line), &n, "{", 1);
	if (worker) {
		rc |= metrics_put(line, sizeof(line), &n, "worker=\"", 8);
		rc |= metrics_put(line, sizeof(line), &n, reg.worker,
		    strlen(reg.worker));
		rc |= metrics_put(line, sizeof(line), &n, "\"", 1);
		if (*labels != '\0')
			rc |= metrics_put(line, sizeof(line), &n, ",", 1);
	}
	rc |= metrics_put(line, sizeof(line), &n, labels, strlen(labels));
	if (extra != NULL) {
		if (worker || *labels != '\0')
			rc |= metrics_put(line, sizeof(line), &n, ",", 1);
		rc |= metrics_put(line, sizeof(line), &n, extra, strlen(extra));
	}
	rc |= metrics_put(line, sizeof(line), &n, "} ", 2);
	rc |= metrics_put(line, sizeof(line), &n, val, strlen(val));
	rc |= metrics_put(line, sizeof(line), &n, "\n", 1);
	/* Labels are bounded well below the line: never happens. */
	if (rc != 0)
		fatalx("metric %s: sample line too long", name);
	evbuffer_add(b, line, n);
}

static void
metrics_series_lines(struct evbuffer *b, const struct metric *m)
{
	const double *bd;
	char le[48], num[32];
	uint64_t cum = 0;
	size_t nb, i;

	switch (metrics_defs[m->id].type) {
	case METRIC_COUNTER:
		metrics_line(b, m->id, "_total", m->labels, NULL, m->value);
		break;
	case METRIC_GAUGE:
		metrics_line(b, m->id, "", m->labels, NULL, m->value);
		break;
	case METRIC_HISTOGRAM:
		bd = metrics_bounds(m->id, &nb);
		for (i = 0; i < nb; i++) {
			cum += m->buckets[i];
			snprintf(num, sizeof(num), "%g", bd[i]);
			snprintf(le, sizeof(le), "le=\"%s\"", num);
			metrics_line(b, m->id, "_bucket", m->labels, le,
			    (double)cum);
		}
		metrics_line(b, m->id, "_bucket", m->labels, "le=\"+Inf\"",
		    (double)m->count);
		metrics_line(b, m->id, "_sum", m->labels, NULL, m->value);
		metrics_line(b, m->id, "_count", m->labels, NULL,
		    (double)m->count);
		break;
	}
}

void
metrics_sample_to(struct evbuffer *out, enum metric_id id,
    const char *const *values, double v)
{
	char labels[METRICS_LABELS_LEN];

	if (metrics_render_labels(id, values, labels, sizeof(labels)) == -1)
		fatalx("metric %s: label values do not match %s",
		    metrics_defs[id].name, metrics_defs[id].labels);
	metrics_line(out, id, metrics_defs[id].type == METRIC_COUNTER ?
	    "_total" : "", labels, NULL, v);
}

void
metrics_snapshot(struct evbuffer *out, size_t max)
{
	struct evbuffer *lines = evbuffer_new();
	struct metrics_rec rec;
	const struct metric *m;
	size_t i;

	if (lines == NULL)
		fatalx("out of memory for metrics");
	for (i = 0; i < reg.ncollect; i++)
		reg.collect[i]();
	for (i = 0; i < M_COUNT; i++) {
		if (reg.fam[i].writer != NULL)
			reg.fam[i].writer(lines);
		else
			for (m = reg.fam[i].first; m != NULL; m = m->order)
				metrics_series_lines(lines, m);
		if (evbuffer_get_length(lines) == 0)
			continue;
		if (evbuffer_get_length(out) + sizeof(rec) +
		    evbuffer_get_length(lines) > max) {
			log_warnx("metrics: snapshot over metrics_max_size "
			    "(%zu bytes) at %s; the rest is left out", max,
			    metrics_defs[i].name);
			break;
		}
		memset(&rec, 0, sizeof(rec));
		rec.id = (uint16_t)i;
		rec.len = (uint32_t)evbuffer_get_length(lines);
		evbuffer_add(out, &rec, sizeof(rec));
		evbuffer_add_buffer(out, lines);
	}
	evbuffer_free(lines);
}
