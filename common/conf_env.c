/*
 * conf_env.c - the seeds' names for ssd's environment variables
 * (SSD_ENV_ALIASES) and the seeds' variables ssd does without
 * (SSD_ENV_RETIRED), both in settings.h.  Reads the environment only;
 * never logs: what to say is handed to the caller.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "util.h"

static const struct {
	enum setting_id	 id;
	const char	*env;
} conf_aliases[] = {
#define X(id, env, whose) { S_##id, env },
	SSD_ENV_ALIASES(X)
#undef X
};

static const struct {
	const char	*env;
	const char	*replaced_by;
} conf_retired[] = {
#define X(env, by) { env, by },
	SSD_ENV_RETIRED(X)
#undef X
};

const char *
conf_env_alias(enum setting_id id)
{
	const char *own = conf_def(id)->env;
	size_t i;

	if (own != NULL && getenv(own) != NULL)
		return NULL;
	for (i = 0; i < nitems(conf_aliases); i++)
		if (conf_aliases[i].id == id &&
		    getenv(conf_aliases[i].env) != NULL)
			return conf_aliases[i].env;
	return NULL;
}

int
conf_env_warnings(void (*warn)(const char *, void *), void *arg)
{
	const struct conf_def *d;
	char msg[512];
	size_t i;
	int n = 0;

	for (i = 0; i < nitems(conf_retired); i++) {
		if (getenv(conf_retired[i].env) == NULL)
			continue;
		snprintf(msg, sizeof(msg), "environment %s is ignored: %s "
		    "(ssd-upgrade(7))", conf_retired[i].env,
		    conf_retired[i].replaced_by);
		warn(msg, arg);
		n++;
	}
	for (i = 0; i < nitems(conf_aliases); i++) {
		d = conf_def(conf_aliases[i].id);
		if (getenv(conf_aliases[i].env) == NULL ||
		    getenv(d->env) == NULL)
			continue;
		snprintf(msg, sizeof(msg), "environment %s (%s) is ignored: "
		    "%s is set too, and %s takes it", conf_aliases[i].env,
		    d->key, d->env, d->key);
		warn(msg, arg);
		n++;
	}
	return n;
}
