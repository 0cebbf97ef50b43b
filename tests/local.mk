# tests/local.mk - ssd's tests, in three groups: unit tests (Check), fuzz
# targets (their corpora replayed in make check), and integration tests
# (real processes, TAP).  tests/README says which test covers which part.

## Unit tests: one Check program per module of common/ and per pure part
## of a program (the agent's manifests and kubeconfig, its messages).
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_util tests/unit/test_ipc \
	tests/unit/test_conf tests/unit/test_jwt tests/unit/test_http \
	tests/unit/test_http_decode \
	tests/unit/test_bevio tests/unit/test_wsconn_splice \
	tests/unit/test_netlist tests/unit/test_session_state \
	tests/unit/test_template tests/unit/test_ws tests/unit/test_kubecfg \
	tests/unit/test_manifest tests/unit/test_mux tests/unit/test_mux_flow \
	tests/unit/test_agentproto tests/unit/test_passwd \
	tests/unit/test_v1session tests/unit/test_units tests/unit/test_rfbin \
	tests/unit/test_log tests/unit/test_metrics tests/unit/test_webhost \
	tests/unit/test_webreq
TESTS += tests/unit/test_util tests/unit/test_ipc tests/unit/test_conf \
	tests/unit/test_jwt tests/unit/test_http tests/unit/test_http_decode \
	tests/unit/test_bevio tests/unit/test_wsconn_splice \
	tests/unit/test_netlist tests/unit/test_session_state \
	tests/unit/test_template tests/unit/test_ws tests/unit/test_kubecfg \
	tests/unit/test_manifest tests/unit/test_mux tests/unit/test_mux_flow \
	tests/unit/test_agentproto tests/unit/test_passwd \
	tests/unit/test_v1session tests/unit/test_units tests/unit/test_rfbin \
	tests/unit/test_log tests/unit/test_metrics tests/unit/test_webhost \
	tests/unit/test_webreq
endif
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_log_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_util_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_ipc_SOURCES = tests/unit/test_ipc.c
tests_unit_test_ipc_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_ipc_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CHECK_LIBS)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_conf_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_jwt_SOURCES = tests/unit/test_jwt.c
tests_unit_test_jwt_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_jwt_LDADD = $(LIBSSD) $(CJSON_LIBS) $(OPENSSL_LIBS) $(CHECK_LIBS)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_http_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_http_decode_SOURCES = tests/unit/test_http_decode.c
tests_unit_test_http_decode_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_http_decode_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_bevio_SOURCES = tests/unit/test_bevio.c
tests_unit_test_bevio_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_bevio_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CHECK_LIBS)
tests_unit_test_wsconn_splice_SOURCES = tests/unit/test_wsconn_splice.c
tests_unit_test_wsconn_splice_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_wsconn_splice_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) \
	$(OPENSSL_LIBS) $(CHECK_LIBS)
tests_unit_test_netlist_SOURCES = tests/unit/test_netlist.c
tests_unit_test_netlist_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_netlist_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_session_state_SOURCES = tests/unit/test_session_state.c
tests_unit_test_session_state_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_session_state_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_template_SOURCES = tests/unit/test_template.c
tests_unit_test_template_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_template_LDADD = $(LIBSSD) $(CJSON_LIBS) $(YAML_LIBS) \
	$(CHECK_LIBS)
tests_unit_test_ws_SOURCES = tests/unit/test_ws.c
tests_unit_test_ws_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_ws_LDADD = $(LIBSSD) $(OPENSSL_LIBS) $(CHECK_LIBS)
tests_unit_test_kubecfg_SOURCES = tests/unit/test_kubecfg.c
tests_unit_test_kubecfg_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_unit_test_kubecfg_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_kubecfg_LDADD = $(LIBCLUSTER) $(CHECK_LIBS)
tests_unit_test_manifest_SOURCES = tests/unit/test_manifest.c
tests_unit_test_manifest_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_unit_test_manifest_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_manifest_LDADD = $(LIBCLUSTER) $(CHECK_LIBS)
tests_unit_test_mux_SOURCES = tests/unit/test_mux.c
tests_unit_test_mux_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_mux_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_mux_flow_SOURCES = tests/unit/test_mux_flow.c
tests_unit_test_mux_flow_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_mux_flow_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_agentproto_SOURCES = tests/unit/test_agentproto.c \
	ssd-agent-k8s/agentmsg.c
tests_unit_test_agentproto_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_unit_test_agentproto_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) \
	$(CJSON_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_agentproto_LDADD = $(LIBSSD) $(CJSON_LIBS) $(CHECK_LIBS)

tests_unit_test_passwd_SOURCES = tests/unit/test_passwd.c
tests_unit_test_passwd_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_passwd_LDADD = $(LIBSSD) $(OPENSSL_LIBS) $(CHECK_LIBS)
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_metrics_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CHECK_LIBS)
tests_unit_test_v1session_SOURCES = tests/unit/test_v1session.c
tests_unit_test_v1session_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_v1session_LDADD = $(LIBSSD) $(CJSON_LIBS) $(CHECK_LIBS)
tests_unit_test_units_SOURCES = tests/unit/test_units.c
tests_unit_test_units_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_units_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_rfbin_SOURCES = tests/unit/test_rfbin.c ssd-relay/rfbin.c
tests_unit_test_rfbin_CPPFLAGS = $(RELAY_CPPFLAGS)
tests_unit_test_rfbin_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_rfbin_LDADD = $(CHECK_LIBS)
tests_unit_test_webhost_SOURCES = tests/unit/test_webhost.c
tests_unit_test_webhost_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_webhost_LDADD = $(LIBSSD) $(OPENSSL_LIBS) $(CHECK_LIBS)
tests_unit_test_webreq_SOURCES = tests/unit/test_webreq.c
tests_unit_test_webreq_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_webreq_LDADD = $(LIBSSD) $(OPENSSL_LIBS) $(CHECK_LIBS)

## Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput.  By
## default each is linked with replay.c and replays tests/fuzz/corpus/NAME/
## in make check; with --enable-fuzzers (CC=clang) it is a libFuzzer binary.
if FUZZERS
FUZZ_MAIN =
FUZZ_LINK_FLAGS = -fsanitize=fuzzer
FUZZ_COMPILE_FLAGS = -fsanitize=fuzzer-no-link
else
FUZZ_MAIN = tests/fuzz/replay.c
FUZZ_LINK_FLAGS =
FUZZ_COMPILE_FLAGS =
endif
EXTRA_DIST += tests/fuzz/replay.c tests/fuzz/corpus
check_PROGRAMS += tests/fuzz/fuzz_ipc tests/fuzz/fuzz_conf \
	tests/fuzz/fuzz_jwt tests/fuzz/fuzz_http tests/fuzz/fuzz_netlist \
	tests/fuzz/fuzz_yaml tests/fuzz/fuzz_ws tests/fuzz/fuzz_wsconn_splice \
	tests/fuzz/fuzz_kubecfg \
	tests/fuzz/fuzz_kubewatch tests/fuzz/fuzz_mux tests/fuzz/fuzz_agentproto \
	tests/fuzz/fuzz_v1session tests/fuzz/fuzz_units tests/fuzz/fuzz_rfbin \
	tests/fuzz/fuzz_metrics tests/fuzz/fuzz_webhost tests/fuzz/fuzz_webreq
TESTS += tests/fuzz/fuzz_ipc tests/fuzz/fuzz_conf tests/fuzz/fuzz_jwt \
	tests/fuzz/fuzz_http tests/fuzz/fuzz_netlist tests/fuzz/fuzz_yaml \
	tests/fuzz/fuzz_ws tests/fuzz/fuzz_wsconn_splice tests/fuzz/fuzz_kubecfg \
	tests/fuzz/fuzz_kubewatch tests/fuzz/fuzz_mux tests/fuzz/fuzz_agentproto \
	tests/fuzz/fuzz_v1session tests/fuzz/fuzz_units tests/fuzz/fuzz_rfbin \
	tests/fuzz/fuzz_metrics tests/fuzz/fuzz_webhost tests/fuzz/fuzz_webreq
tests_fuzz_fuzz_webhost_SOURCES = tests/fuzz/fuzz_webhost.c $(FUZZ_MAIN)
tests_fuzz_fuzz_webhost_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"webhost"'
tests_fuzz_fuzz_webhost_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_webhost_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_webhost_LDADD = $(LIBSSD) $(OPENSSL_LIBS)
tests_fuzz_fuzz_webreq_SOURCES = tests/fuzz/fuzz_webreq.c $(FUZZ_MAIN)
tests_fuzz_fuzz_webreq_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"webreq"'
tests_fuzz_fuzz_webreq_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_webreq_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_webreq_LDADD = $(LIBSSD) $(OPENSSL_LIBS)
tests_fuzz_fuzz_ipc_SOURCES = tests/fuzz/fuzz_ipc.c $(FUZZ_MAIN)
tests_fuzz_fuzz_ipc_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"ipc"'
tests_fuzz_fuzz_ipc_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_ipc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_ipc_LDADD = $(LIBSSD) $(LIBEVENT_LIBS)
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c $(FUZZ_MAIN)
tests_fuzz_fuzz_conf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"conf"'
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_conf_LDADD = $(LIBSSD)
tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz_jwt.c $(FUZZ_MAIN)
tests_fuzz_fuzz_jwt_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"jwt"'
tests_fuzz_fuzz_jwt_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_jwt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_jwt_LDADD = $(LIBSSD) $(CJSON_LIBS) $(OPENSSL_LIBS)
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c $(FUZZ_MAIN)
tests_fuzz_fuzz_http_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"http"'
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_http_LDADD = $(LIBSSD)
tests_fuzz_fuzz_netlist_SOURCES = tests/fuzz/fuzz_netlist.c $(FUZZ_MAIN)
tests_fuzz_fuzz_netlist_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"netlist"'
tests_fuzz_fuzz_netlist_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_netlist_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_netlist_LDADD = $(LIBSSD)
tests_fuzz_fuzz_yaml_SOURCES = tests/fuzz/fuzz_yaml.c $(FUZZ_MAIN)
tests_fuzz_fuzz_yaml_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"yaml"'
tests_fuzz_fuzz_yaml_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_yaml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_yaml_LDADD = $(LIBSSD) $(CJSON_LIBS) $(YAML_LIBS)
tests_fuzz_fuzz_ws_SOURCES = tests/fuzz/fuzz_ws.c $(FUZZ_MAIN)
tests_fuzz_fuzz_ws_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"ws"'
tests_fuzz_fuzz_ws_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_ws_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_ws_LDADD = $(LIBSSD) $(OPENSSL_LIBS)
tests_fuzz_fuzz_wsconn_splice_SOURCES = tests/fuzz/fuzz_wsconn_splice.c \
	$(FUZZ_MAIN)
tests_fuzz_fuzz_wsconn_splice_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_NAME='"wsconn_splice"'
tests_fuzz_fuzz_wsconn_splice_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) \
	$(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_wsconn_splice_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_wsconn_splice_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) \
	$(OPENSSL_LIBS)
tests_fuzz_fuzz_kubecfg_SOURCES = tests/fuzz/fuzz_kubecfg.c $(FUZZ_MAIN)
tests_fuzz_fuzz_kubecfg_CPPFLAGS = $(CLUSTER_CPPFLAGS) -DFUZZ_NAME='"kubecfg"'
tests_fuzz_fuzz_kubecfg_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_kubecfg_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_kubecfg_LDADD = $(LIBCLUSTER)
tests_fuzz_fuzz_kubewatch_SOURCES = tests/fuzz/fuzz_kubewatch.c $(FUZZ_MAIN)
tests_fuzz_fuzz_kubewatch_CPPFLAGS = $(CLUSTER_CPPFLAGS) \
	-DFUZZ_NAME='"kubewatch"'
tests_fuzz_fuzz_kubewatch_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) \
	$(CJSON_CFLAGS)
tests_fuzz_fuzz_kubewatch_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_kubewatch_LDADD = $(LIBCLUSTER)
tests_fuzz_fuzz_mux_SOURCES = tests/fuzz/fuzz_mux.c $(FUZZ_MAIN)
tests_fuzz_fuzz_mux_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"mux"'
tests_fuzz_fuzz_mux_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_mux_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_mux_LDADD = $(LIBSSD)
tests_fuzz_fuzz_agentproto_SOURCES = tests/fuzz/fuzz_agentproto.c $(FUZZ_MAIN)
tests_fuzz_fuzz_agentproto_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"agentproto"'
tests_fuzz_fuzz_agentproto_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) \
	$(CJSON_CFLAGS)
tests_fuzz_fuzz_agentproto_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_agentproto_LDADD = $(LIBSSD) $(CJSON_LIBS)

tests_fuzz_fuzz_metrics_SOURCES = tests/fuzz/fuzz_metrics.c $(FUZZ_MAIN)
tests_fuzz_fuzz_metrics_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"metrics"'
tests_fuzz_fuzz_metrics_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) \
	$(LIBEVENT_CFLAGS)
tests_fuzz_fuzz_metrics_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_metrics_LDADD = $(LIBSSD) $(LIBEVENT_LIBS)

tests_fuzz_fuzz_v1session_SOURCES = tests/fuzz/fuzz_v1session.c $(FUZZ_MAIN)
tests_fuzz_fuzz_v1session_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"v1session"'
tests_fuzz_fuzz_v1session_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) \
	$(CJSON_CFLAGS)
tests_fuzz_fuzz_v1session_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_v1session_LDADD = $(LIBSSD) $(CJSON_LIBS)
tests_fuzz_fuzz_units_SOURCES = tests/fuzz/fuzz_units.c $(FUZZ_MAIN)
tests_fuzz_fuzz_units_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"units"'
tests_fuzz_fuzz_units_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_units_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_units_LDADD = $(LIBSSD)
tests_fuzz_fuzz_rfbin_SOURCES = tests/fuzz/fuzz_rfbin.c ssd-relay/rfbin.c \
	$(FUZZ_MAIN)
tests_fuzz_fuzz_rfbin_CPPFLAGS = $(RELAY_CPPFLAGS) -DFUZZ_NAME='"rfbin"'
tests_fuzz_fuzz_rfbin_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_rfbin_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_rfbin_LDADD = $(LIBSSD)

## Integration tests: bash scripts printing TAP (tests/integration/lib.sh),
## and the peers they drive.  testagent: the scripted control-link agent
## of the hub's tests and bench/hub.sh; muxagent: a scripted data link;
## wsecho: our WebSocket client against other servers; clusterctl: the
## agent's Kubernetes side alone, against tests/kube-sim, the Kubernetes
## API double (proven against real kubectl by kubesim.sh).
check_PROGRAMS += tests/agent/testagent tests/ws/muxagent tests/ws/wsecho \
	tests/agent/clusterctl
tests_agent_testagent_SOURCES = tests/agent/testagent.c
tests_agent_testagent_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS) \
	$(OPENSSL_CFLAGS)
tests_agent_testagent_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) \
	$(LIBEVENT_LIBS) $(CJSON_LIBS) $(OPENSSL_LIBS)
tests_ws_wsecho_SOURCES = tests/ws/wsecho.c
tests_ws_wsecho_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_ws_wsecho_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) $(LIBEVENT_LIBS) \
	$(OPENSSL_LIBS)
tests_agent_clusterctl_SOURCES = tests/agent/clusterctl.c
tests_agent_clusterctl_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_agent_clusterctl_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS)
tests_agent_clusterctl_LDADD = $(LIBCLUSTER)
tests_ws_muxagent_SOURCES = tests/ws/muxagent.c
tests_ws_muxagent_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_ws_muxagent_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) \
	$(LIBEVENT_LIBS) $(OPENSSL_LIBS)
# The longest first, so that make -j2 check keeps both cores busy.
TESTS += tests/integration/webui.sh tests/integration/vnc-relay.sh \
	tests/integration/agent-vnc.sh tests/integration/vnc-burst.sh \
	tests/integration/prometheus.sh \
	tests/integration/websessions.sh tests/integration/websession-desktop.sh \
	tests/integration/agent-k8s.sh tests/integration/homes.sh \
	tests/integration/policies.sh tests/integration/cluster.sh \
	tests/integration/kubesim.sh tests/kube-sim/selftest.py \
	tests/integration/upgrade.sh tests/integration/import-wake.sh \
	tests/integration/downgrade.sh tests/integration/bulkimport.sh \
	tests/integration/capacity.sh tests/integration/agents.sh \
	tests/integration/vnc-auth.sh tests/integration/master.sh \
	tests/integration/db.sh tests/integration/ctl.sh tests/integration/users.sh \
	tests/integration/abuse.sh \
	tests/integration/sessions.sh tests/integration/matrix.sh \
	tests/integration/crashloop.sh tests/integration/ws-client.sh \
	tests/integration/web.sh tests/integration/events.sh \
	tests/integration/metrics.sh tests/integration/floods.sh \
	tests/schema.sh tests/conf-example.sh
EXTRA_DIST += tests/integration/upgrade.sh tests/integration/import-wake.sh \
	tests/integration/downgrade.sh tests/integration/bulkimport.sh \
	tests/upgrade/lib.sh tests/upgrade/ssd-0007.sql \
	tests/upgrade/v2.0-agents.sql
EXTRA_DIST += tests/conf-example.sh tests/schema.sh \
	tests/kube-sim/selftest.py tests/integration/master.sh \
	tests/integration/crashloop.sh tests/integration/db.sh \
	tests/integration/users.sh tests/integration/sessions.sh \
	tests/integration/abuse.sh tests/ws/logins.py \
	tests/integration/ctl.sh tests/integration/agents.sh \
	tests/integration/matrix.sh tests/integration/capacity.sh \
	tests/integration/vnc-auth.sh tests/integration/ws-client.sh \
	tests/integration/kubesim.sh tests/integration/cluster.sh \
	tests/integration/agent-k8s.sh tests/integration/agent-vnc.sh \
	tests/integration/vnc-burst.sh \
	tests/integration/vnc-relay.sh tests/integration/lib.sh \
	tests/integration/metrics.sh tests/integration/prometheus.sh \
	tests/integration/vnc-relay.js tests/pg.sh tests/agent/flood.py \
	tests/ws/rfbclient.py tests/ws/pingflood.py tests/ws/bytetarget.py \
	tests/ws/pipelined.py \
	tests/ws/echo-server.py tests/ws/podfile.py tests/integration/homes.sh \
	tests/ws/idleviewer.py tests/integration/policies.sh \
	tests/ws/webapp.py tests/ws/webclient.py tests/integration/websessions.sh \
	tests/integration/websession-desktop.sh tests/node/websession.js \
	tests/node/viewer.js tests/node/vnc-client.js tests/node/ws-agent.js \
	tests/node/ws-echo-server.js tests/node/package.json \
	tests/node/package-lock.json tests/README tests/kube-sim/README.md \
	tests/kube-sim/kube-sim tests/kube-sim/pod-default tests/kube-sim/pf-client \
	tests/kube-sim/kubesim/__init__.py tests/kube-sim/kubesim/schema.py \
	tests/kube-sim/kubesim/api.py tests/kube-sim/kubesim/control.py \
	tests/kube-sim/kubesim/controller.py tests/kube-sim/kubesim/discovery.py \
	tests/kube-sim/kubesim/kubelet.py tests/kube-sim/kubesim/meta.py \
	tests/kube-sim/kubesim/objects.py tests/kube-sim/kubesim/ops.py \
	tests/kube-sim/kubesim/patch.py tests/kube-sim/kubesim/selectors.py \
	tests/kube-sim/kubesim/server.py tests/kube-sim/kubesim/store.py \
	tests/kube-sim/kubesim/websocket.py
EXTRA_DIST += tests/integration/web.sh tests/integration/events.sh \
	tests/integration/floods.sh tests/integration/webui.sh \
	tests/node/webui/lib.js \
	tests/node/webui/run.js tests/node/webui/user.js \
	tests/node/webui/admin.js tests/node/webui/security.js \
	tests/node/webui/looks.js
# The browser tests' screenshots stay in the build directory until clean.
clean-local: clean-screenshots
clean-screenshots:
	rm -rf tests/screenshots
.PHONY: clean-screenshots
