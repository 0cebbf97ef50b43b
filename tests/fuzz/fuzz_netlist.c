/*
 * fuzz_netlist.c - trusted_proxies lists and X-Forwarded-For values on
 * arbitrary bytes: the input up to its first newline is a list, the rest
 * a header value walked from a trusted peer; the list is also read as a
 * metrics_listen address:port.  No crash, no read past the input, and
 * the client found is always a NUL-terminated address from the value or
 * the peer.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlist.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct netlist nl, all;
	const uint8_t *nlpos = memchr(data, '\n', size);
	size_t head = nlpos != NULL ? (size_t)(nlpos - data) : size;
	char *text = malloc(head + 1), *value, client[NETLIST_ADDR_MAX];
	char addr[NETLIST_ADDR_MAX];
	int port;
	size_t vlen = nlpos != NULL ? size - head - 1 : 0;
	char err[128];

	memcpy(text, data, head);
	text[head] = '\0';
	if (netlist_parse(&nl, text, err, sizeof(err)) == -1 &&
	    memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (netlist_hostport(text, addr, sizeof(addr), &port, err,
	    sizeof(err)) == 0 && (memchr(addr, '\0', sizeof(addr)) == NULL ||
	    port < 1 || port > 65535))
		abort();
	free(text);
	if (netlist_parse(&all, "0.0.0.0/0 ::/0", err, sizeof(err)) == -1)
		abort();
	/* The value is not NUL-terminated: a read past it is caught. */
	value = malloc(vlen ? vlen : 1);
	memcpy(value, nlpos != NULL ? nlpos + 1 : data, vlen);
	strcpy(client, "10.0.0.1");
	(void)netlist_forwarded(&all, value, vlen, client);
	if (memchr(client, '\0', sizeof(client)) == NULL)
		abort();
	strcpy(client, "10.0.0.1");
	(void)netlist_forwarded(&nl, value, vlen, client);
	if (memchr(client, '\0', sizeof(client)) == NULL)
		abort();
	free(value);
	return 0;
}
