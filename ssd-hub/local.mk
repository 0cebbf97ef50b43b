# ssd-hub worker: agents' control links and the command dispatcher.
pkglibexec_PROGRAMS += ssd-hub/ssd-hub
ssd_hub_ssd_hub_SOURCES = ssd-hub/main.c ssd-hub/link.c ssd-hub/dispatch.c \
	ssd-hub/metrics.c ssd-hub/hub.h
ssd_hub_ssd_hub_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS) \
	$(LIBPQ_CFLAGS)
ssd_hub_ssd_hub_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CJSON_LIBS) \
	$(LIBPQ_LIBS) $(OPENSSL_LIBS)
