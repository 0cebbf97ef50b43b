# ssd-vncproxy worker.
pkglibexec_PROGRAMS += ssd-vncproxy/ssd-vncproxy
ssd_vncproxy_ssd_vncproxy_SOURCES = ssd-vncproxy/main.c
ssd_vncproxy_ssd_vncproxy_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
ssd_vncproxy_ssd_vncproxy_LDADD = $(LIBSSD) $(LIBEVENT_LIBS)
