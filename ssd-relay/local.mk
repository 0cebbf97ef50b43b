# ssd-relay worker.  OpenSSL: WebSocket handshakes (SHA-1), and
# wsconn.o's client dial, which the relay never calls.
pkglibexec_PROGRAMS += ssd-relay/ssd-relay
ssd_relay_ssd_relay_SOURCES = ssd-relay/main.c ssd-relay/link.c \
	ssd-relay/stream.c ssd-relay/web.c ssd-relay/activity.c \
	ssd-relay/ends.c ssd-relay/rfbin.c ssd-relay/rfbin.h ssd-relay/relay.h
ssd_relay_ssd_relay_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
ssd_relay_ssd_relay_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CJSON_LIBS) \
	$(OPENSSL_LIBS)

# The viewer stream reader, alone, for its unit test and fuzz target.
RELAY_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ssd-relay
