/*
 * netlist.h - a list of IP networks (trusted_proxies), and the client
 * address of a request that came through them.
 *
 * A request whose TCP peer is in the list may name its client in
 * X-Forwarded-For.  Each proxy appends the address it saw, so the header
 * is read from the right: every trusted hop is stepped over, and the
 * first address that is not trusted is the client.  An entry that is not
 * an IP address stops the walk at the last hop known good (a trusted
 * proxy's own view), so a client cannot forge anything left of it.
 */
#ifndef SSD_NETLIST_H
#define SSD_NETLIST_H

#include <stddef.h>
#include <stdint.h>

#define NETLIST_MAX		64
#define NETLIST_ADDR_MAX	46	/* INET6_ADDRSTRLEN */

struct net {
	uint8_t		addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	unsigned	prefix;		/* of the 128 bits */
};

struct netlist {
	struct net	nets[NETLIST_MAX];
	size_t		n;
};

/*
 * "10.0.0.0/8, 192.0.2.7 2001:db8::/32": commas or spaces between
 * entries.  0 or -1 with the reason in err.
 */
int	netlist_parse(struct netlist *nl, const char *text, char *err,
	    size_t errlen);
int	netlist_contains(const struct netlist *nl, const char *addr);

/*
 * One X-Forwarded-For value (of len bytes) over client, an address of
 * NETLIST_ADDR_MAX bytes that starts as the TCP peer: while client is
 * trusted it becomes the entry to its left.  Returns 1 while the walk
 * may go on into an earlier header, 0 once it stopped.
 */
int	netlist_forwarded(const struct netlist *nl, const char *value,
	    size_t len, char *client);

/*
 * The key per-address limits count a client by: an IPv4 address as it
 * is, an IPv6 one by its /64 ("2001:db8:1:2::/64"), since one host may
 * use every address of its /64.  Anything else is taken as it is.  out
 * has NETLIST_ADDR_MAX bytes.
 */
void	netlist_addr_key(const char *addr, char *out);

/*
 * "192.0.2.1:9101" or "[2001:db8::1]:9101": a listening address (a
 * literal IP, no name) into addr (at least NETLIST_ADDR_MAX bytes) and
 * port.  0, or -1 with the reason in err.
 */
int	netlist_hostport(const char *s, char *addr, size_t addrlen, int *port,
	    char *err, size_t errlen);

#endif
