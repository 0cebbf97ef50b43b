# ssd-agent-k8s: the Kubernetes agent.  libcluster.a is its Kubernetes
# side (cluster.h: API client, watches, session commands), kept apart so
# that tests/agent/clusterctl and the unit tests link it too.
noinst_LIBRARIES += ssd-agent-k8s/libcluster.a
ssd_agent_k8s_libcluster_a_SOURCES = \
	ssd-agent-k8s/cluster.c ssd-agent-k8s/cluster.h \
	ssd-agent-k8s/cluster_priv.h ssd-agent-k8s/ops.c \
	ssd-agent-k8s/kube.c ssd-agent-k8s/kube.h ssd-agent-k8s/kubewatch.c \
	ssd-agent-k8s/kubecfg.c ssd-agent-k8s/kubecfg.h \
	ssd-agent-k8s/kubeproto.c ssd-agent-k8s/kubeproto.h \
	ssd-agent-k8s/manifest.c ssd-agent-k8s/manifest.h \
	ssd-agent-k8s/view.c ssd-agent-k8s/view.h ssd-agent-k8s/vnc.c
ssd_agent_k8s_libcluster_a_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CJSON_CFLAGS) $(LIBCURL_CFLAGS) $(OPENSSL_CFLAGS)

# What linking libcluster pulls in.
LIBCLUSTER = ssd-agent-k8s/libcluster.a $(LIBSSD) $(LIBEVENT_OPENSSL_LIBS) \
	$(LIBCURL_LIBS) $(CJSON_LIBS) $(YAML_LIBS) $(OPENSSL_LIBS)
CLUSTER_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ssd-agent-k8s

# The agent itself: settings, control link, command bookkeeping.
sbin_PROGRAMS += ssd-agent-k8s/ssd-agent-k8s
ssd_agent_k8s_ssd_agent_k8s_SOURCES = ssd-agent-k8s/main.c \
	ssd-agent-k8s/agent.h ssd-agent-k8s/agentmsg.c ssd-agent-k8s/config.c \
	ssd-agent-k8s/link.c \
	ssd-agent-k8s/commands.c ssd-agent-k8s/datalink.c
ssd_agent_k8s_ssd_agent_k8s_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(CJSON_CFLAGS) $(LIBCURL_CFLAGS) $(OPENSSL_CFLAGS)
ssd_agent_k8s_ssd_agent_k8s_LDADD = $(LIBCLUSTER)
