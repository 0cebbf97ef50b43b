/*
 * addrcount.h - connections counted by client address, for
 * http_max_connections_per_address.
 */
#ifndef SSD_API_ADDRCOUNT_H
#define SSD_API_ADDRCOUNT_H

#include <netinet/in.h>

#include <stdint.h>

struct addr_count {
	char			 addr[INET6_ADDRSTRLEN];
	unsigned		 n;
	struct addr_count	*next;
};

/* Counts a connection from addr; NULL when addr has max already. */
struct addr_count *addr_take(const char *addr, int64_t max);
/* The connection is gone (ac may be NULL). */
void	addr_release(struct addr_count *ac);

#endif
