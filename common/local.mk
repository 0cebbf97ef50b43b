# libssd: the internal static library every ssd program links.
noinst_LIBRARIES += common/libssd.a
common_libssd_a_SOURCES = \
	common/conf.c common/conf.h common/settings.h \
	common/handoff.c common/handoff.h \
	common/ipc.c common/ipc.h common/proto.h \
	common/log.c common/log.h \
	common/sandbox.c common/sandbox.h \
	common/sdnotify.c common/sdnotify.h \
	common/util.c common/util.h \
	common/worker.c common/worker.h
common_libssd_a_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBSECCOMP_CFLAGS)

# What linking libssd pulls in; programs add the libraries they use.
LIBSSD = common/libssd.a $(LIBSYSTEMD_LIBS) $(LIBSECCOMP_LIBS)
