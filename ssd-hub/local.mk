# ssd-hub worker.
pkglibexec_PROGRAMS += ssd-hub/ssd-hub
ssd_hub_ssd_hub_SOURCES = ssd-hub/main.c
ssd_hub_ssd_hub_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
ssd_hub_ssd_hub_LDADD = $(LIBSSD) $(LIBEVENT_LIBS)
