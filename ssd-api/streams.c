/*
 * streams.c - ssdctl show streams: who views which session through which
 * relay, since when, and the bytes each way, as the relays count them
 * for ssd_relay_bytes.  Gathered from every relay (gather.c); a relay
 * that does not answer is named in the answer, not waited for.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "api.h"
#include "json.h"
#include "log.h"
#include "metrics_expo.h"

static void
streams_rows(uint32_t id, const struct metrics_source *s, size_t *rows)
{
	const uint8_t *p = s->snap, *end = s->snap + s->len, *nl;
	const char *why;
	cJSON *o;

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((o = json_parse_strict(p, (size_t)(nl - p), &why)) == NULL ||
		    !cJSON_IsObject(o)) {
			log_warnx("%s: malformed stream record: %s", s->worker,
			    o == NULL ? why : "not an object");
			cJSON_Delete(o);
			continue;
		}
		cJSON_AddStringToObject(o, "relay", s->worker);
		admin_row(id, o);
		(*rows)++;
	}
}

static void
streams_gathered(const struct metrics_source *src, size_t n, void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	char missing[256] = "", msg[320];
	size_t i, rows = 0, len = 0;

	for (i = 0; i < n; i++) {
		if (!src[i].stale) {
			streams_rows(id, &src[i], &rows);
			continue;
		}
		if (len < sizeof(missing))
			len += (size_t)snprintf(missing + len,
			    sizeof(missing) - len, "%s%s", len ? ", " : "",
			    src[i].worker);
	}
	if (missing[0] != '\0') {
		snprintf(msg, sizeof(msg), "no answer from %s", missing);
		admin_end(id, 0, msg);
		return;
	}
	snprintf(msg, sizeof(msg), "%zu stream%s", rows, rows == 1 ? "" : "s");
	admin_end(id, 1, msg);
}

void
streams_ctl_show(uint32_t id)
{
	(void)gather(SNAP_STREAMS, streams_gathered, (void *)(uintptr_t)id);
}
