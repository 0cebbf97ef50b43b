# Unit tests (Check), one program per common/ module.



if HAVE_CHECK
check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
endif
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_util_LDADD = $(LIBSSD) $(CHECK_LIBS)

# Fuzz targets: tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput.  By
# default each is linked with replay.c and replays tests/fuzz/corpus/NAME/
# in `make check`; with --enable-fuzzers (CC=clang) it is a libFuzzer binary.
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

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_ipc tests/unit/test_conf
TESTS += tests/unit/test_ipc tests/unit/test_conf
endif
tests_unit_test_ipc_SOURCES = tests/unit/test_ipc.c
tests_unit_test_ipc_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_ipc_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CHECK_LIBS)
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_conf_LDADD = $(LIBSSD) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_ipc tests/fuzz/fuzz_conf
TESTS += tests/fuzz/fuzz_ipc tests/fuzz/fuzz_conf
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

TESTS += tests/conf-example.sh
EXTRA_DIST += tests/conf-example.sh

# Integration tests: real processes, TAP output.
# The scripted agent of the hub's tests (and bench/hub.sh).
check_PROGRAMS += tests/agent/testagent
tests_agent_testagent_SOURCES = tests/agent/testagent.c
tests_agent_testagent_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS) \
	$(OPENSSL_CFLAGS)
tests_agent_testagent_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) \
	$(LIBEVENT_LIBS) $(CJSON_LIBS) $(OPENSSL_LIBS)

# Our WebSocket client against other implementations' servers.
check_PROGRAMS += tests/ws/wsecho
tests_ws_wsecho_SOURCES = tests/ws/wsecho.c
tests_ws_wsecho_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_ws_wsecho_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) $(LIBEVENT_LIBS) \
	$(OPENSSL_LIBS)
TESTS += tests/integration/ws-client.sh tests/integration/agent-k8s.sh \
	tests/integration/agent-vnc.sh
EXTRA_DIST += tests/integration/ws-client.sh tests/integration/agent-k8s.sh \
	tests/integration/agent-vnc.sh tests/ws/rfbclient.py tests/node/viewer.js \
	tests/node/vnc-client.js tests/ws/bytetarget.py \
	tests/ws/echo-server.py \
	tests/node/ws-echo-server.js

TESTS += tests/integration/master.sh tests/integration/crashloop.sh \
	tests/integration/db.sh tests/integration/users.sh \
	tests/integration/sessions.sh tests/integration/ctl.sh \
	tests/integration/agents.sh tests/integration/matrix.sh tests/schema.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/master.sh \
	tests/integration/crashloop.sh tests/integration/db.sh \
	tests/integration/users.sh tests/integration/sessions.sh tests/integration/ctl.sh \
	tests/integration/agents.sh tests/integration/matrix.sh \
	tests/agent/flood.py \
	tests/node/ws-agent.js tests/pg.sh \
	tests/schema.sh
TESTS += tests/integration/vnc-auth.sh
EXTRA_DIST += tests/integration/vnc-auth.sh

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_jwt
TESTS += tests/unit/test_jwt
endif
tests_unit_test_jwt_SOURCES = tests/unit/test_jwt.c
tests_unit_test_jwt_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_jwt_LDADD = $(LIBSSD) $(CJSON_LIBS) $(OPENSSL_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_jwt
TESTS += tests/fuzz/fuzz_jwt
tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz_jwt.c $(FUZZ_MAIN)
tests_fuzz_fuzz_jwt_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"jwt"'
tests_fuzz_fuzz_jwt_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(OPENSSL_CFLAGS)
tests_fuzz_fuzz_jwt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_jwt_LDADD = $(LIBSSD) $(CJSON_LIBS) $(OPENSSL_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_http
TESTS += tests/unit/test_http
endif
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_http_LDADD = $(LIBSSD) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_http
TESTS += tests/fuzz/fuzz_http
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c $(FUZZ_MAIN)
tests_fuzz_fuzz_http_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"http"'
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_http_LDADD = $(LIBSSD)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_bevio
TESTS += tests/unit/test_bevio
endif
tests_unit_test_bevio_SOURCES = tests/unit/test_bevio.c
tests_unit_test_bevio_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LIBEVENT_CFLAGS)
tests_unit_test_bevio_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CHECK_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_netlist
TESTS += tests/unit/test_netlist
endif
tests_unit_test_netlist_SOURCES = tests/unit/test_netlist.c
tests_unit_test_netlist_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_netlist_LDADD = $(LIBSSD) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_netlist
TESTS += tests/fuzz/fuzz_netlist
tests_fuzz_fuzz_netlist_SOURCES = tests/fuzz/fuzz_netlist.c $(FUZZ_MAIN)
tests_fuzz_fuzz_netlist_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"netlist"'
tests_fuzz_fuzz_netlist_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_netlist_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_netlist_LDADD = $(LIBSSD)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_session_state
TESTS += tests/unit/test_session_state
endif
tests_unit_test_session_state_SOURCES = tests/unit/test_session_state.c
tests_unit_test_session_state_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_session_state_LDADD = $(LIBSSD) $(CHECK_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_template
TESTS += tests/unit/test_template
endif
tests_unit_test_template_SOURCES = tests/unit/test_template.c
tests_unit_test_template_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_template_LDADD = $(LIBSSD) $(CJSON_LIBS) $(YAML_LIBS) \
	$(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_yaml
TESTS += tests/fuzz/fuzz_yaml
tests_fuzz_fuzz_yaml_SOURCES = tests/fuzz/fuzz_yaml.c $(FUZZ_MAIN)
tests_fuzz_fuzz_yaml_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"yaml"'
tests_fuzz_fuzz_yaml_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_yaml_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_yaml_LDADD = $(LIBSSD) $(CJSON_LIBS) $(YAML_LIBS)

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_ws
TESTS += tests/unit/test_ws
endif
tests_unit_test_ws_SOURCES = tests/unit/test_ws.c
tests_unit_test_ws_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_ws_LDADD = $(LIBSSD) $(OPENSSL_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_ws
TESTS += tests/fuzz/fuzz_ws
tests_fuzz_fuzz_ws_SOURCES = tests/fuzz/fuzz_ws.c $(FUZZ_MAIN)
tests_fuzz_fuzz_ws_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"ws"'
tests_fuzz_fuzz_ws_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_ws_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_ws_LDADD = $(LIBSSD) $(OPENSSL_LIBS)

# ssd-agent-k8s's Kubernetes side (libcluster): unit tests, fuzz targets,
# tests/agent/clusterctl and its integration test against tests/kube-sim.
if HAVE_CHECK
check_PROGRAMS += tests/unit/test_kubecfg tests/unit/test_manifest
TESTS += tests/unit/test_kubecfg tests/unit/test_manifest
endif
tests_unit_test_kubecfg_SOURCES = tests/unit/test_kubecfg.c
tests_unit_test_kubecfg_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_unit_test_kubecfg_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_kubecfg_LDADD = $(LIBCLUSTER) $(CHECK_LIBS)
tests_unit_test_manifest_SOURCES = tests/unit/test_manifest.c
tests_unit_test_manifest_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_unit_test_manifest_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CJSON_CFLAGS)
tests_unit_test_manifest_LDADD = $(LIBCLUSTER) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_kubecfg tests/fuzz/fuzz_kubewatch
TESTS += tests/fuzz/fuzz_kubecfg tests/fuzz/fuzz_kubewatch
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

check_PROGRAMS += tests/agent/clusterctl
tests_agent_clusterctl_SOURCES = tests/agent/clusterctl.c
tests_agent_clusterctl_CPPFLAGS = $(CLUSTER_CPPFLAGS)
tests_agent_clusterctl_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS)
tests_agent_clusterctl_LDADD = $(LIBCLUSTER)
TESTS += tests/integration/cluster.sh
EXTRA_DIST += tests/integration/cluster.sh

if HAVE_CHECK
check_PROGRAMS += tests/unit/test_mux tests/unit/test_mux_flow
TESTS += tests/unit/test_mux tests/unit/test_mux_flow
endif
tests_unit_test_mux_SOURCES = tests/unit/test_mux.c
tests_unit_test_mux_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_mux_LDADD = $(LIBSSD) $(CHECK_LIBS)
tests_unit_test_mux_flow_SOURCES = tests/unit/test_mux_flow.c
tests_unit_test_mux_flow_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_test_mux_flow_LDADD = $(LIBSSD) $(CHECK_LIBS)

check_PROGRAMS += tests/fuzz/fuzz_mux
TESTS += tests/fuzz/fuzz_mux
tests_fuzz_fuzz_mux_SOURCES = tests/fuzz/fuzz_mux.c $(FUZZ_MAIN)
tests_fuzz_fuzz_mux_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"mux"'
tests_fuzz_fuzz_mux_CFLAGS = $(AM_CFLAGS) $(FUZZ_COMPILE_FLAGS)
tests_fuzz_fuzz_mux_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK_FLAGS)
tests_fuzz_fuzz_mux_LDADD = $(LIBSSD)

# kube-sim: the Kubernetes API double (tests/kube-sim/README.md), proven
# against the real kubectl by kubesim.sh, its finer semantics by selftest.py.
TESTS += tests/integration/kubesim.sh tests/kube-sim/selftest.py
EXTRA_DIST += tests/integration/kubesim.sh tests/kube-sim/README.md \
	tests/kube-sim/kube-sim tests/kube-sim/pod-default \
	tests/kube-sim/pf-client tests/kube-sim/selftest.py \
	tests/kube-sim/kubesim/__init__.py tests/kube-sim/kubesim/schema.py \
	tests/kube-sim/kubesim/api.py tests/kube-sim/kubesim/control.py \
	tests/kube-sim/kubesim/controller.py \
	tests/kube-sim/kubesim/discovery.py tests/kube-sim/kubesim/kubelet.py \
	tests/kube-sim/kubesim/meta.py tests/kube-sim/kubesim/objects.py \
	tests/kube-sim/kubesim/ops.py tests/kube-sim/kubesim/patch.py \
	tests/kube-sim/kubesim/selectors.py tests/kube-sim/kubesim/server.py \
	tests/kube-sim/kubesim/store.py tests/kube-sim/kubesim/websocket.py

# The relay end to end: a test agent's data link (muxagent), a real VNC
# server behind it, browsers' streams through ssd-vncproxy.
check_PROGRAMS += tests/ws/muxagent
tests_ws_muxagent_SOURCES = tests/ws/muxagent.c
tests_ws_muxagent_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_ws_muxagent_LDADD = $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) \
	$(LIBEVENT_LIBS) $(OPENSSL_LIBS)
TESTS += tests/integration/vnc-relay.sh
EXTRA_DIST += tests/integration/vnc-relay.sh tests/integration/vnc-relay.js

# The web UI over HTTP: files, pages, security headers, the login cookie.
TESTS += tests/integration/web.sh tests/integration/events.sh
EXTRA_DIST += tests/integration/web.sh tests/integration/events.sh
# ... and in a browser; its screenshots stay in the build directory.
TESTS += tests/integration/webui.sh
EXTRA_DIST += tests/integration/webui.sh tests/node/webui/lib.js \
	tests/node/webui/run.js tests/node/webui/user.js \
	tests/node/webui/admin.js tests/node/webui/security.js \
	tests/node/webui/looks.js tests/node/package.json \
	tests/node/package-lock.json
clean-local: clean-screenshots
clean-screenshots:
	rm -rf tests/screenshots
.PHONY: clean-screenshots
