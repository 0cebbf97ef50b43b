# ssd-vncproxy worker.  OpenSSL: WebSocket handshakes (SHA-1), and
# wsconn.o's client dial, which the relay never calls.
pkglibexec_PROGRAMS += ssd-vncproxy/ssd-vncproxy
ssd_vncproxy_ssd_vncproxy_SOURCES = ssd-vncproxy/main.c ssd-vncproxy/link.c \
	ssd-vncproxy/stream.c ssd-vncproxy/relay.h
ssd_vncproxy_ssd_vncproxy_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
ssd_vncproxy_ssd_vncproxy_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) \
	$(LIBEVENT_LIBS) $(CJSON_LIBS) $(OPENSSL_LIBS)
