/*
 * fuzz_webhost.c - session hosts and heads for a pod on arbitrary bytes:
 * the input is a request head for http_parse_head; its Host field (and
 * the whole input) is matched against a session domain, and a parsed
 * head is rewritten into buffers of every size up to its length, which
 * must fail cleanly or give a head that parses again without ssd's
 * cookies.  The input's first line also names a session id for
 * dns_label_from, whose label must be a DNS-1035 label.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "webhost.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const drop[] = { "ssd", "ssd-session", NULL };

static void
check_label(const uint8_t *data, size_t size)
{
	char id[256], label[WEBHOST_LABEL_MAX + 1];
	size_t n = 0, i;

	while (n < size && n < sizeof(id) - 1 && data[n] != '\n' &&
	    data[n] != '\0')
		id[n] = (char)data[n], n++;
	id[n] = '\0';
	dns_label_from(id, WEBHOST_LABEL_MAX, label);
	n = strlen(label);
	if (n == 0 || n > WEBHOST_LABEL_MAX || !islower((unsigned char)label[0])
	    || label[n - 1] == '-')
		abort();
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)label[i]) &&
		    !isdigit((unsigned char)label[i]) && label[i] != '-')
			abort();
}

static void
check_head(const struct http_request *req)
{
	static char out[70000];
	struct http_request again;
	long n, full;
	size_t len;

	full = webhost_head(req, drop, out, sizeof(out));
	if (full < 0)
		return;
	if (http_parse_head(out, (size_t)full, sizeof(out), &again) != 1 ||
	    again.head_len != (size_t)full ||
	    http_cookie_get(&again, "ssd-session", &len) != NULL)
		abort();
	for (n = 0; n < full; n += 1 + n / 8)
		if (webhost_head(req, drop, out, (size_t)n) != -1)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req;
	char label[WEBHOST_LABEL_MAX + 1];
	const char *host;
	size_t hlen;
	char *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	check_label(data, size);
	if (webhost_match(buf, size, "sessions.example.com", label) == 1 &&
	    strlen(label) > WEBHOST_LABEL_MAX)
		abort();
	if (http_parse_head(buf, size, 65536, &req) == 1) {
		host = http_header_get(&req, "Host", &hlen);
		if (host != NULL && webhost_match(host, hlen, "localhost",
		    label) == 1 && strlen(label) == 0)
			abort();
		check_head(&req);
	}
	free(buf);
	return 0;
}
