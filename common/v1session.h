/*
 * v1session.h - StreamSpace v1.x Session objects, as `kubectl get
 * sessions -o json` prints them (apiVersion stream.space/v1alpha1, kind
 * Session, metadata, spec) or as the seeds' conversion flattens them (name,
 * user, template, ... at the top): checked in one place, for the bulk
 * import (POST /api/v1/sessions/bulk-import).
 */
#ifndef SSD_V1SESSION_H
#define SSD_V1SESSION_H

#include <stddef.h>

struct cJSON;

struct v1_session {
	const char	*name;		/* the session's id: a DNS-1123 label */
	const char	*user;		/* user name or id */
	const char	*template_name;
	const char	*state;		/* running, hibernated, terminated */
	const char	*namespace;	/* or NULL */
	const char	*memory;	/* quantities, or NULL */
	const char	*cpu;
	int		 persistent_home;	/* -1: not said */
	const char	*idle_timeout;		/* or NULL */
	const char	*max_duration;		/* or NULL */
	const char	*created;	/* RFC 3339 UTC time, or NULL */
	const char	*uid;		/* metadata.uid, or NULL */
	char		*tags;		/* PostgreSQL array literal, or NULL */
};

/*
 * The Session objects of doc: doc itself if it is an array, else the
 * items of a Kubernetes List.  NULL with err when doc is neither or holds
 * more than max items.
 */
const struct cJSON *v1_session_items(const struct cJSON *doc, size_t max,
	    char *err, size_t errlen);

/*
 * Checks one object and points s's fields into it: 0, or -1 with the
 * reason in err.  v1_session_free() releases s->tags either way.
 */
int	v1_session_parse(const struct cJSON *o, struct v1_session *s,
	    char *err, size_t errlen);
void	v1_session_free(struct v1_session *s);

#endif
