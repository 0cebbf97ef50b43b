/*
 * netlist.c - IP networks and X-Forwarded-For, see netlist.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlist.h"
#include "util.h"

/* Any IPv4 or IPv6 text as 16 bytes, IPv4 mapped into IPv6. */
static int
addr_parse(const char *s, uint8_t out[16])
{
	struct in_addr v4;

	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	if (inet_pton(AF_INET, s, &v4) != 1)
		return -1;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &v4, 4);
	return 0;
}

static int
addr_is_v4(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, mapped, sizeof(mapped)) == 0;
}

static int
net_parse(struct net *n, char *s, char *err, size_t errlen)
{
	char *slash = strchr(s, '/'), *end;
	unsigned long len;
	unsigned max;

	if (slash != NULL)
		*slash = '\0';
	if (addr_parse(s, n->addr) == -1) {
		snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 address",
		    s);
		return -1;
	}
	max = addr_is_v4(n->addr) && strchr(s, ':') == NULL ? 32 : 128;
	n->prefix = 128;
	if (slash == NULL)
		return 0;
	len = strtoul(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || len > max) {
		snprintf(err, errlen, "\"%s/%s\": the prefix length must be "
		    "0 to %u", s, slash + 1, max);
		return -1;
	}
	n->prefix = (unsigned)len + 128 - max;
	return 0;
}

int
netlist_parse(struct netlist *nl, const char *text, char *err,
    size_t errlen)
{
	char entry[NETLIST_ADDR_MAX + 8];
	size_t len;

	nl->n = 0;
	for (;;) {
		text += strspn(text, ", \t");
		if (*text == '\0')
			return 0;
		len = strcspn(text, ", \t");
		if (len >= sizeof(entry)) {
			snprintf(err, errlen, "\"%.*s...\" is too long for an "
			    "address", 20, text);
			return -1;
		}
		if (nl->n == NETLIST_MAX) {
			snprintf(err, errlen, "more than %d networks",
			    NETLIST_MAX);
			return -1;
		}
		memcpy(entry, text, len);
		entry[len] = '\0';
		if (net_parse(&nl->nets[nl->n], entry, err, errlen) == -1)
			return -1;
		nl->n++;
		text += len;
	}
}

static int
net_match(const struct net *n, const uint8_t a[16])
{
	unsigned whole = n->prefix / 8, rest = n->prefix % 8;
	uint8_t mask;

	if (memcmp(n->addr, a, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (n->addr[whole] & mask) == (a[whole] & mask);
}

void
netlist_addr_key(const char *addr, char *out)
{
	struct in6_addr net;
	uint8_t a[16];
	char s[INET6_ADDRSTRLEN];

	if (addr_parse(addr, a) == -1) {
		ssd_strlcpy(out, addr, NETLIST_ADDR_MAX);
		return;
	}
	if (addr_is_v4(a)) {
		inet_ntop(AF_INET, a + 12, out, NETLIST_ADDR_MAX);
		return;
	}
	memset(&net, 0, sizeof(net));
	memcpy(&net, a, 8);
	inet_ntop(AF_INET6, &net, s, sizeof(s));
	/* (At most "ffff:ffff:ffff:ffff::": 21 characters.) */
	snprintf(out, NETLIST_ADDR_MAX, "%.40s/64", s);
}

int
netlist_contains(const struct netlist *nl, const char *addr)
{
	uint8_t a[16];
	size_t i;

	if (nl->n == 0 || addr_parse(addr, a) == -1)
		return 0;
	for (i = 0; i < nl->n; i++)
		if (net_match(&nl->nets[i], a))
			return 1;
	return 0;
}

int
netlist_forwarded(const struct netlist *nl, const char *value, size_t len,
    char *client)
{
	char entry[NETLIST_ADDR_MAX];
	uint8_t a[16];
	size_t end = len, start, from, n;

	while (netlist_contains(nl, client)) {
		if (end == 0)
			return 1;	/* this header is used up */
		for (start = end; start > 0 && value[start - 1] != ','; start--)
			;
		from = start;
		n = end - start;
		while (n > 0 && (value[from] == ' ' || value[from] == '\t')) {
			from++;
			n--;
		}
		while (n > 0 && (value[from + n - 1] == ' ' ||
		    value[from + n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(entry))
			return 0;
		memcpy(entry, value + from, n);
		entry[n] = '\0';
		if (addr_parse(entry, a) == -1)
			return 0;
		ssd_strlcpy(client, entry, NETLIST_ADDR_MAX);
		if (start == 0)		/* an earlier header may go on */
			return netlist_contains(nl, client);
		end = start - 1;	/* before the comma */
	}
	return 0;
}

int
netlist_hostport(const char *s, char *addr, size_t addrlen, int *port,
    char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':'), *a = s;
	char host[NETLIST_ADDR_MAX], *end;
	uint8_t bin[16];
	unsigned long p;
	size_t n;

	if (colon == NULL) {
		snprintf(err, errlen, "\"%s\": address:port expected", s);
		return -1;
	}
	n = (size_t)(colon - s);
	if (n > 0 && s[0] == '[') {
		if (s[n - 1] != ']') {
			snprintf(err, errlen, "\"%s\": [address]:port "
			    "expected", s);
			return -1;
		}
		a = s + 1;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(host) || n >= addrlen) {
		snprintf(err, errlen, "\"%s\": no address", s);
		return -1;
	}
	memcpy(host, a, n);
	host[n] = '\0';
	/* An IPv6 address must be bracketed: its colons are ambiguous. */
	if (addr_parse(host, bin) == -1 || (a == s && strchr(host, ':'))) {
		snprintf(err, errlen, "\"%s\" is not an IPv4 address or a "
		    "bracketed IPv6 one", host);
		return -1;
	}
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || p == 0 ||
	    p > 65535) {
		snprintf(err, errlen, "\"%s\": the port must be 1 to 65535",
		    s);
		return -1;
	}
	memcpy(addr, host, n + 1);
	*port = (int)p;
	return 0;
}
