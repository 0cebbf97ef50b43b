# libssd: the internal static library every ssd program links.
noinst_LIBRARIES += common/libssd.a
common_libssd_a_SOURCES = \
	common/agentproto.c common/agentproto.h \
	common/bevio.c common/bevio.h \
	common/conf.c common/conf_load.c common/conf_priv.h common/conf_env.c \
	common/conf_mdoc.c common/conf.h \
	common/settings.h \
	common/db.c common/db.h \
	common/dbpoll.c common/dbpoll.h \
	common/dial.c common/dial.h \
	common/handoff.c common/handoff.h \
	common/http.c common/http_body.c common/http.h \
	common/ipc.c common/ipc.h common/proto.h \
	common/json.c common/json.h \
	common/jwt.c common/jwt.h \
	common/log.c common/log.h \
	common/metrics.c common/metrics.h common/metrics_defs.h \
	common/metrics_expo.c common/metrics_expo.h \
	common/metrics_proc.c common/metrics_proc.h \
	common/mux.c common/mux.h \
	common/netlist.c common/netlist.h \
	common/passwd.c common/passwd.h \
	common/peers.c common/peers.h \
	common/sandbox.c common/sandbox.h \
	common/session_state.c common/session_state.h \
	common/snapshot.c common/snapshot.h \
	common/template.c common/template.h \
	common/sdnotify.c common/sdnotify.h \
	common/units.c common/units.h \
	common/util.c common/util.h \
	common/v1session.c common/v1session.h \
	common/webhost.c common/webhost_label.c common/webhost.h \
	common/webreq.c common/webreq.h \
	common/worker.c common/worker.h \
	common/ws.c common/ws.h \
	common/wsconn.c common/wsconn_dial.c common/wsconn_splice.c \
	common/wsconn.h common/wsconn_priv.h \
	common/yamljson.c common/yamljson.h
common_libssd_a_CFLAGS = $(AM_CFLAGS) $(LIBSYSTEMD_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(LIBSECCOMP_CFLAGS) $(LIBPQ_CFLAGS) $(CJSON_CFLAGS) $(OPENSSL_CFLAGS) \
	$(YAML_CFLAGS)

# What linking libssd pulls in; programs add the libraries they use.
LIBSSD = common/libssd.a $(LIBEVENT_LIBS) $(LIBSYSTEMD_LIBS) $(LIBSECCOMP_LIBS)
