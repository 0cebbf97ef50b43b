/*
 * gen-metrics.c - prints the METRICS list of ssd-metrics(7) from the
 * metrics table (common/metrics_defs.h), so the manual can never disagree
 * with what /metrics shows; with -n, the sample names, one per line
 * (tests/integration/metrics.sh compares them with a real scrape).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "metrics.h"

static const char *const types[] = { "counter", "gauge", "histogram" };

static void
print_labels(const struct metric_def *d)
{
	char labels[128], *p, *save = NULL;

	fputs("Labels:\n", stdout);
	if (strncmp(d->labels, "worker", 6) != 0)
		fputs(".Li worker", stdout);
	snprintf(labels, sizeof(labels), "%s", d->labels);
	for (p = strtok_r(labels, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save))
		printf("%s.Li %s", p == labels && strncmp(d->labels,
		    "worker", 6) == 0 ? "" : " ,\n", p);
	fputs(" .\n", stdout);
}

int
main(int argc, char *argv[])
{
	const struct metric_def *d;
	int i;

	for (i = 0; i < M_COUNT; i++) {
		d = metrics_def((enum metric_id)i);
		if (argc == 2 && strcmp(argv[1], "-n") == 0) {
			printf("%s%s\n", d->name, d->type == METRIC_COUNTER ?
			    "_total" : "");
			continue;
		}
		if (i == 0)
			fputs(".Bl -tag -width Ds\n", stdout);
		printf(".It Li %s%s Pq %s , %s\n", d->name,
		    d->type == METRIC_COUNTER ? "_total" : "", types[d->type],
		    d->who);
		conf_mdoc_text(stdout, d->help);
		fputs("\n", stdout);
		if (d->type == METRIC_HISTOGRAM)
			printf("Samples\n.Li %s_bucket , %s_sum , %s_count .\n",
			    d->name, d->name, d->name);
		print_labels(d);
	}
	if (argc != 2)
		fputs(".El\n", stdout);
	return ferror(stdout) ? 1 : 0;
}
