# ssd-api worker: HTTP front, REST API, connection hand-off.
pkglibexec_PROGRAMS += ssd-api/ssd-api
ssd_api_ssd_api_SOURCES = ssd-api/main.c ssd-api/server.c ssd-api/reply.c \
	ssd-api/addrcount.c ssd-api/addrcount.h ssd-api/routes.c \
	ssd-api/admin.c ssd-api/auth.c ssd-api/hashpool.c ssd-api/users.c \
	ssd-api/ratelimit.c ssd-api/audit.c ssd-api/refused.c \
	ssd-api/body.c ssd-api/templates.c ssd-api/sessions.c ssd-api/sessions.h \
	ssd-api/placement.c ssd-api/homes.c ssd-api/policy.c ssd-api/quotas.c \
	ssd-api/agents.c \
	ssd-api/apikeys.c ssd-api/groups.c ssd-api/cache.c \
	ssd-api/register.c ssd-api/viewer.c ssd-api/webfiles.c ssd-api/relay.c \
	ssd-api/cookie.c ssd-api/events.c ssd-api/bulkimport.c ssd-api/viewcap.c \
	ssd-api/gather.c ssd-api/metrics.c ssd-api/streams.c ssd-api/websession.c \
	ssd-api/api.h
ssd_api_ssd_api_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(CJSON_CFLAGS) \
	$(LIBPQ_CFLAGS) $(OPENSSL_CFLAGS) $(YAML_CFLAGS) -pthread
ssd_api_ssd_api_LDFLAGS = $(AM_LDFLAGS) -pthread
ssd_api_ssd_api_LDADD = $(LIBSSD) $(LIBEVENT_LIBS) $(CJSON_LIBS) $(LIBPQ_LIBS) \
	$(OPENSSL_LIBS) $(YAML_LIBS)
