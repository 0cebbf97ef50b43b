/* test_netlist.c - trusted_proxies lists and X-Forwarded-For walking. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "netlist.h"
#include "util.h"

START_TEST(parse_and_match)
{
	struct netlist nl;
	char err[128];

	ck_assert_int_eq(netlist_parse(&nl, "", err, sizeof(err)), 0);
	ck_assert_uint_eq(nl.n, 0);
	ck_assert(!netlist_contains(&nl, "127.0.0.1"));
	ck_assert_int_eq(netlist_parse(&nl, " 10.0.0.0/8,192.0.2.7\t"
	    "2001:db8::/32 , 172.16.0.0/12 ::1", err, sizeof(err)), 0);
	ck_assert_uint_eq(nl.n, 5);
	ck_assert(netlist_contains(&nl, "10.255.1.2"));
	ck_assert(!netlist_contains(&nl, "11.0.0.1"));
	ck_assert(netlist_contains(&nl, "192.0.2.7"));
	ck_assert(!netlist_contains(&nl, "192.0.2.8"));
	ck_assert(netlist_contains(&nl, "172.31.255.255"));
	ck_assert(!netlist_contains(&nl, "172.32.0.0"));
	ck_assert(netlist_contains(&nl, "2001:db8:ffff::1"));
	ck_assert(!netlist_contains(&nl, "2001:db9::1"));
	ck_assert(netlist_contains(&nl, "::1"));
	/* IPv4 written as mapped IPv6 is the same address. */
	ck_assert(netlist_contains(&nl, "::ffff:10.0.0.1"));
	ck_assert(!netlist_contains(&nl, "not an address"));
	ck_assert(!netlist_contains(&nl, ""));
}
END_TEST

START_TEST(prefix_edges)
{
	struct netlist nl;
	char err[128];

	ck_assert_int_eq(netlist_parse(&nl, "0.0.0.0/0", err, sizeof(err)),
	    0);
	ck_assert(netlist_contains(&nl, "203.0.113.1"));
	ck_assert(!netlist_contains(&nl, "2001:db8::1"));
	ck_assert_int_eq(netlist_parse(&nl, "198.51.100.0/25", err,
	    sizeof(err)), 0);
	ck_assert(netlist_contains(&nl, "198.51.100.127"));
	ck_assert(!netlist_contains(&nl, "198.51.100.128"));
	ck_assert_int_eq(netlist_parse(&nl, "::/0", err, sizeof(err)), 0);
	ck_assert(netlist_contains(&nl, "2001:db8::1"));
	ck_assert(netlist_contains(&nl, "203.0.113.1"));
}
END_TEST

START_TEST(parse_malformed)
{
	static const char *bad[] = { "10.0.0.0/33", "::/129", "10.0.0.0/",
	    "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0.0/+8", "300.0.0.1",
	    "example.com", "10.0.0.1;", "1.2.3.4/8/8",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	struct netlist nl;
	char err[128], many[65 * 12] = "";
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		err[0] = '\0';
		ck_assert_msg(netlist_parse(&nl, bad[i], err, sizeof(err)) ==
		    -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for \"%s\"", bad[i]);
	}
	for (i = 0; i < NETLIST_MAX + 1; i++)
		strcat(many, "10.0.0.1, ");
	ck_assert_int_eq(netlist_parse(&nl, many, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "more than 64 networks");
}
END_TEST

/* The client a request from peer with these X-Forwarded-For values has. */
static const char *
client_of(const char *trusted, const char *peer, const char *const *xff,
    size_t n)
{
	static char client[NETLIST_ADDR_MAX];
	struct netlist nl;
	char err[128];

	ck_assert_int_eq(netlist_parse(&nl, trusted, err, sizeof(err)), 0);
	ssd_strlcpy(client, peer, sizeof(client));
	while (n > 0 && netlist_forwarded(&nl, xff[n - 1], strlen(xff[n - 1]),
	    client))
		n--;
	return client;
}

START_TEST(forwarded_for)
{
	const char *one[] = { "203.0.113.9" };
	const char *chain[] = { "198.51.100.1, 203.0.113.9, 10.0.0.2" };
	const char *forged[] = { "1.1.1.1, 203.0.113.9" };
	const char *two[] = { "198.51.100.1", "203.0.113.9 , 10.0.0.3" };
	const char *junk[] = { "198.51.100.1, junk, 10.0.0.4" };
	const char *empty[] = { "" };
	const char *blank[] = { "198.51.100.1,, 10.0.0.2" };
	const char *v6[] = { "2001:db8::7" };
	const char *port[] = { "203.0.113.9:4711" };

	/* No trusted peer: the header is ignored. */
	ck_assert_str_eq(client_of("", "10.0.0.1", one, 1), "10.0.0.1");
	ck_assert_str_eq(client_of("10.0.0.0/8", "192.0.2.1", one, 1),
	    "192.0.2.1");
	/* A trusted peer: the rightmost untrusted entry. */
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", one, 1),
	    "203.0.113.9");
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", chain, 1),
	    "203.0.113.9");
	/* What the client wrote left of it counts for nothing. */
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", forged, 1),
	    "203.0.113.9");
	/* Several headers are one list, in order. */
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", two, 2),
	    "203.0.113.9");
	ck_assert_str_eq(client_of("10.0.0.0/8 203.0.113.0/24", "10.0.0.1",
	    two, 2), "198.51.100.1");
	/* Everyone trusted: the leftmost address. */
	ck_assert_str_eq(client_of("0.0.0.0/0", "10.0.0.1", chain, 1),
	    "198.51.100.1");
	/* Junk stops the walk at the last trusted hop. */
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", junk, 1),
	    "10.0.0.4");
	ck_assert_str_eq(client_of("0.0.0.0/0", "10.0.0.1", blank, 1),
	    "10.0.0.2");
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", empty, 1),
	    "10.0.0.1");
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", v6, 1),
	    "2001:db8::7");
	ck_assert_str_eq(client_of("10.0.0.0/8", "10.0.0.1", port, 1),
	    "10.0.0.1");
}
END_TEST

START_TEST(forwarded_long_entry)
{
	char value[200], client[NETLIST_ADDR_MAX] = "10.0.0.1";
	struct netlist nl;
	char err[128];

	memset(value, '1', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	ck_assert_int_eq(netlist_parse(&nl, "10.0.0.0/8", err, sizeof(err)),
	    0);
	ck_assert_int_eq(netlist_forwarded(&nl, value, strlen(value), client),
	    0);
	ck_assert_str_eq(client, "10.0.0.1");
}
END_TEST

/* Per-address limits count IPv6 clients by /64. */
START_TEST(addr_keys)
{
	char k[NETLIST_ADDR_MAX];

	netlist_addr_key("192.0.2.7", k);
	ck_assert_str_eq(k, "192.0.2.7");
	netlist_addr_key("::ffff:192.0.2.7", k);
	ck_assert_str_eq(k, "192.0.2.7");
	netlist_addr_key("2001:db8:1:2:a:b:c:d", k);
	ck_assert_str_eq(k, "2001:db8:1:2::/64");
	netlist_addr_key("2001:db8:1:2::ffff", k);
	ck_assert_str_eq(k, "2001:db8:1:2::/64");
	netlist_addr_key("2001:db8:1:3::1", k);
	ck_assert_str_eq(k, "2001:db8:1:3::/64");
	netlist_addr_key("::1", k);
	ck_assert_str_eq(k, "::/64");
	netlist_addr_key("not an address", k);
	ck_assert_str_eq(k, "not an address");
}
END_TEST

START_TEST(hostport)
{
	char addr[NETLIST_ADDR_MAX], err[128];
	int port = 0;

	ck_assert_int_eq(netlist_hostport("192.0.2.1:9101", addr, sizeof(addr),
	    &port, err, sizeof(err)), 0);
	ck_assert_str_eq(addr, "192.0.2.1");
	ck_assert_int_eq(port, 9101);
	ck_assert_int_eq(netlist_hostport("[2001:db8::1]:80", addr,
	    sizeof(addr), &port, err, sizeof(err)), 0);
	ck_assert_str_eq(addr, "2001:db8::1");
	ck_assert_int_eq(port, 80);
	ck_assert_int_eq(netlist_hostport("[::1]:65535", addr, sizeof(addr),
	    &port, err, sizeof(err)), 0);
	ck_assert_int_eq(port, 65535);
	/* Malformed: no port, bad port, names, unbracketed v6, brackets. */
	ck_assert_int_eq(netlist_hostport("192.0.2.1", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("192.0.2.1:", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("192.0.2.1:0", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("192.0.2.1:65536", addr,
	    sizeof(addr), &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("192.0.2.1:-1", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("192.0.2.1:80x", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("localhost:80", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("::1:80", addr, sizeof(addr), &port,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("[::1:80", addr, sizeof(addr),
	    &port, err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("[]:80", addr, sizeof(addr), &port,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport(":80", addr, sizeof(addr), &port,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_hostport("[192.0.2.1]:80", addr,
	    sizeof(addr), &port, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(memchr(err, '\0', sizeof(err)));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("netlist");
	TCase *tc = tcase_create("netlist");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, parse_and_match);
	tcase_add_test(tc, prefix_edges);
	tcase_add_test(tc, parse_malformed);
	tcase_add_test(tc, forwarded_for);
	tcase_add_test(tc, forwarded_long_entry);
	tcase_add_test(tc, addr_keys);
	tcase_add_test(tc, hostport);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
