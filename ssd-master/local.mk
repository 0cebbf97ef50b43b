# ssd, the master daemon, and ssdctl, its control tool.
sbin_PROGRAMS += ssd ssdctl
ssd_SOURCES = ssd-master/main.c ssd-master/proc.c ssd-master/control.c \
	ssd-master/metrics.c ssd-master/migrate.c ssd-master/master.h
ssd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS) $(LIBPQ_CFLAGS)
ssd_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CJSON_LIBS) $(LIBPQ_LIBS) \
	$(OPENSSL_LIBS)
ssdctl_SOURCES = ssd-master/ssdctl.c
ssdctl_CFLAGS = $(AM_CFLAGS) $(CJSON_CFLAGS)
ssdctl_LDADD = $(LIBSSD) $(CJSON_LIBS) $(YAML_LIBS)
