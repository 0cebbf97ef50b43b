/*
 * metrics_expo.c - checks and merges the processes' snapshots into one
 * exposition (metrics_expo.h).  A snapshot comes from another process:
 * it is checked whole before use, and a record may only hold lines of
 * its own family, so no process can speak for another's metrics.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "metrics.h"
#include "metrics_expo.h"
#include "util.h"

struct metrics_seg {
	uint32_t	off, len;
};

/* The length of a sample name of family id at p (suffix included), or 0. */
static size_t
metrics_sample_name(enum metric_id id, const uint8_t *p, size_t len)
{
	static const char *const suffixes[][4] = {
		[METRIC_COUNTER] = { "_total", NULL },
		[METRIC_GAUGE] = { "", NULL },
		[METRIC_HISTOGRAM] = { "_bucket", "_sum", "_count", NULL },
	};
	const struct metric_def *d = metrics_def(id);
	size_t nlen = strlen(d->name), slen, i;

	if (len <= nlen || memcmp(p, d->name, nlen) != 0)
		return 0;
	for (i = 0; suffixes[d->type][i] != NULL; i++) {
		slen = strlen(suffixes[d->type][i]);
		if (len > nlen + slen && memcmp(p + nlen,
		    suffixes[d->type][i], slen) == 0 &&
		    (p[nlen + slen] == '{' || p[nlen + slen] == ' '))
			return nlen + slen;
	}
	return 0;
}

/* Every line of a record is a sample of its family, in plain text. */
static int
metrics_lines_ok(enum metric_id id, const uint8_t *p, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || p[len - 1] != '\n')
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (metrics_sample_name(id, p + start, i - start) == 0)
				return 0;
			start = i + 1;
		} else if (p[i] < 0x20 || p[i] == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * Fills seg[M_COUNT] with where each family's record is (len 0: none);
 * lines: check every line too (once, when the snapshot arrives).
 */
static int
metrics_index(const uint8_t *snap, size_t len, struct metrics_seg *seg,
    int lines, const char **why)
{
	struct metrics_rec rec;
	size_t off = 0;

	memset(seg, 0, M_COUNT * sizeof(*seg));
	while (off < len) {
		if (len - off < sizeof(rec)) {
			*why = "truncated record header";
			return -1;
		}
		memcpy(&rec, snap + off, sizeof(rec));
		off += sizeof(rec);
		if (rec.id >= M_COUNT || rec.zero != 0) {
			*why = "unknown family";
			return -1;
		}
		if (rec.len > len - off || rec.len == 0) {
			*why = "record length out of bounds";
			return -1;
		}
		if (seg[rec.id].len != 0) {
			*why = "family repeated";
			return -1;
		}
		if (lines && !metrics_lines_ok((enum metric_id)rec.id,
		    snap + off, rec.len)) {
			*why = "a line that is not a sample of its family";
			return -1;
		}
		seg[rec.id].off = (uint32_t)off;
		seg[rec.id].len = rec.len;
		off += rec.len;
	}
	return 0;
}

int
metrics_snapshot_check(const uint8_t *snap, size_t len, const char **why)
{
	struct metrics_seg seg[M_COUNT];

	if (len > UINT32_MAX) {
		*why = "too large";
		return -1;
	}
	return metrics_index(snap, len, seg, 1, why);
}

static void
metrics_header(struct evbuffer *out, enum metrics_format fmt,
    enum metric_id id)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	const struct metric_def *d = metrics_def(id);
	const char *suffix = d->type == METRIC_COUNTER &&
	    fmt == METRICS_TEXT ? "_total" : "";

	evbuffer_add_printf(out, "# HELP %s%s %s\n# TYPE %s%s %s\n", d->name,
	    suffix, d->help, d->name, suffix, types[d->type]);
}

static void
metrics_stale_lines(struct evbuffer *out, const struct metrics_source *src,
    size_t n)
{
	char esc[2 * METRICS_VALUE_MAX + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		metrics_escape(esc, sizeof(esc), src[i].worker);
		evbuffer_add_printf(out, "%s{worker=\"%s\"} %d\n",
		    metrics_def(M_METRICS_STALE)->name, esc,
		    src[i].stale ? 1 : 0);
	}
}

void
metrics_expose(struct evbuffer *out, enum metrics_format fmt,
    const struct metrics_source *src, size_t n)
{
	struct metrics_seg *seg = xcalloc(n ? n : 1, M_COUNT * sizeof(*seg));
	const char *why;
	size_t i, k;
	int any;

	for (i = 0; i < n; i++)
		if (src[i].snap != NULL && metrics_index(src[i].snap,
		    src[i].len, seg + i * M_COUNT, 0, &why) == -1)
			memset(seg + i * M_COUNT, 0, M_COUNT * sizeof(*seg));
	for (k = 0; k < M_COUNT; k++) {
		if (k == M_METRICS_STALE) {
			if (n > 0) {
				metrics_header(out, fmt, M_METRICS_STALE);
				metrics_stale_lines(out, src, n);
			}
			continue;
		}
		for (i = 0, any = 0; i < n && !any; i++)
			any = seg[i * M_COUNT + k].len != 0;
		if (!any)
			continue;
		metrics_header(out, fmt, (enum metric_id)k);
		for (i = 0; i < n; i++)
			if (seg[i * M_COUNT + k].len != 0)
				evbuffer_add(out, src[i].snap +
				    seg[i * M_COUNT + k].off,
				    seg[i * M_COUNT + k].len);
	}
	if (fmt == METRICS_OPENMETRICS)
		evbuffer_add_printf(out, "# EOF\n");
	free(seg);
}

/* The q of one media range's parameters ("; version=1; q=0.5"). */
static double
metrics_q(const char *p, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		while (i < len && (p[i] == ';' || p[i] == ' ' || p[i] == '\t'))
			i++;
		n = 0;
		while (i + n < len && p[i + n] != ';')
			n++;
		if (n >= 2 && (p[i] == 'q' || p[i] == 'Q') && p[i + 1] == '=') {
			char num[8];
			size_t k = n - 2 < sizeof(num) - 1 ? n - 2 :
			    sizeof(num) - 1;

			memcpy(num, p + i + 2, k);
			num[k] = '\0';
			return strtod(num, NULL);
		}
		i += n;
	}
	return 1.0;
}

enum metrics_format
metrics_negotiate(const char *accept, size_t len)
{
	double q_om = 0, q_text = 0, q;
	size_t i = 0, n, t;

	if (accept == NULL)
		return METRICS_TEXT;
	while (i < len) {
		while (i < len && (accept[i] == ',' || accept[i] == ' ' ||
		    accept[i] == '\t'))
			i++;
		for (n = 0; i + n < len && accept[i + n] != ','; n++)
			;
		for (t = 0; t < n && accept[i + t] != ';' &&
		    accept[i + t] != ' '; t++)
			;
		q = metrics_q(accept + i + t, n - t);
		if (t == 28 && strncasecmp(accept + i,
		    "application/openmetrics-text", 28) == 0) {
			if (q > q_om)
				q_om = q;
		} else if ((t == 10 && strncasecmp(accept + i, "text/plain",
		    10) == 0) || (t == 3 && strncmp(accept + i, "*/*", 3) == 0)) {
			if (q > q_text)
				q_text = q;
		}
		i += n;
	}
	return q_om > 0 && q_om >= q_text ? METRICS_OPENMETRICS : METRICS_TEXT;
}

const char *
metrics_content_type(enum metrics_format fmt)
{
	return fmt == METRICS_OPENMETRICS ?
	    "application/openmetrics-text; version=1.0.0; charset=utf-8" :
	    "text/plain; version=0.0.4; charset=utf-8";
}
