/*
 * conf_priv.h - conf.c's store of values, shared with conf_load.c (where
 * values come from: files, systemd credentials, the environment, secret
 * files).  The rest of ssd goes through conf.h.
 */
#ifndef SSD_CONF_PRIV_H
#define SSD_CONF_PRIV_H

#include <stdint.h>

#include "conf.h"

#define CONF_VALUE_MAX	4096		/* longest value of any setting */

struct conf_value {
	char		*text;		/* canonical value; secrets: the secret */
	int64_t		 num;		/* int, bool, ms, bytes or enum index */
	enum conf_source src;
	char		*origin;	/* "path:12", "PORT", "jwt-secret" */
	char		*file;		/* secrets: read the value from here */
	enum conf_source file_src;
	char		*file_origin;
};

struct conf {
	struct conf_value v[S_COUNT];
};

extern const struct conf_def conf_defs[S_COUNT];

void	conf_seterr(struct conf_error *err, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Sets id from s (validated), given at level src by origin. */
int	conf_set(struct conf *c, enum setting_id id, const char *s,
	    enum conf_source src, const char *origin, char *why, size_t whylen);
/* Secrets: id's value is to be read from path (conf_resolve_secrets). */
int	conf_set_file(struct conf *c, enum setting_id id, const char *path,
	    enum conf_source src, const char *origin, char *why, size_t whylen);

#endif
