/*
 * conf.h - ssd's settings: parsing ssd.conf, the environment, secret files
 * and systemd credentials into one validated set of values.
 *
 * The master parses; workers receive the effective values as text over IPC
 * (conf_serialize) and parse that with the same code.  Every setting is a
 * row of settings.h.
 */
#ifndef SSD_CONF_H
#define SSD_CONF_H

#include <stdint.h>
#include <stdio.h>

#include "settings.h"

enum conf_type {
	CONF_STRING, CONF_INT, CONF_BOOL, CONF_DURATION, CONF_SIZE,
	CONF_ENUM, CONF_SECRET,
};

#define CONF_RESTART	0x01	/* cannot change on reload */

#define X(id, key, env, type, choices, def, min, max, flags, doc) S_##id,
enum setting_id { SSD_SETTINGS(X) S_COUNT };
#undef X

struct conf_def {
	const char	*key;
	const char	*env;
	enum conf_type	 type;
	const char	*choices;	/* "a|b|c" for CONF_ENUM */
	const char	*def;
	int64_t		 min, max;
	unsigned	 flags;
	const char	*doc;
};

enum conf_source {
	CONF_SRC_DEFAULT, CONF_SRC_FILE, CONF_SRC_CREDENTIAL, CONF_SRC_ENV,
	CONF_SRC_MASTER,
};

#define CONF_ERR_MAX	512
struct conf_error {
	char	msg[CONF_ERR_MAX];
};

struct conf;

const struct conf_def *conf_def(enum setting_id id);
int	conf_lookup(const char *key);	/* setting id, or -1 */

struct conf *conf_new(void);		/* every setting at its default */
struct conf *conf_dup(const struct conf *c);
void	conf_free(struct conf *c);

/*
 * The loading steps, in precedence order (later wins): defaults, the file,
 * systemd credentials, the environment; then secret files are read.
 * Each returns 0, or -1 with a message naming the place (file:line or the
 * variable) and the setting.
 */
int	conf_load_file(struct conf *c, const char *path, int must_exist,
	    struct conf_error *err);
int	conf_load_credentials(struct conf *c, struct conf_error *err);
int	conf_load_env(struct conf *c, struct conf_error *err);
int	conf_resolve_secrets(struct conf *c, struct conf_error *err);
/* Checks settings that depend on each other; 0 or -1 with a message. */
int	conf_check(const struct conf *c, struct conf_error *err);
/* All of the above, as the master does it. */
int	conf_load_all(struct conf *c, const char *path, int must_exist,
	    struct conf_error *err);

/* Text form for IPC ("key = \"value\"" lines); secrets only if asked. */
char	*conf_serialize(const struct conf *c, int with_secrets);
int	conf_load_text(struct conf *c, const char *text, size_t len,
	    struct conf_error *err);

const char *conf_str(const struct conf *c, enum setting_id id);
int64_t	conf_int(const struct conf *c, enum setting_id id);
uint64_t conf_ms(const struct conf *c, enum setting_id id);
uint64_t conf_size(const struct conf *c, enum setting_id id);
int	conf_bool(const struct conf *c, enum setting_id id);
int	conf_is_set(const struct conf *c, enum setting_id id);
enum conf_source conf_source(const struct conf *c, enum setting_id id);
int	conf_equal(const struct conf *a, const struct conf *b,
	    enum setting_id id);
/* Hands the log_limit_* settings to log.c (log_set_limits). */
void	conf_log_limits(const struct conf *c);
/* Replaces one setting of dst with that of src (value and origin). */
void	conf_copy_setting(struct conf *dst, const struct conf *src,
	    enum setting_id id);

/* `ssd -n`: every setting, secrets masked, with where it came from. */
void	conf_print(const struct conf *c, FILE *f);
/* The mdoc list of every setting for ssd.conf(5). */
void	conf_print_mdoc(FILE *f);
/* The mdoc list of the seeds' variables ssd does without (settings.h). */
void	conf_print_retired_mdoc(FILE *f);
/*
 * Writes text as mdoc body lines: one sentence per line (mdoc's rule),
 * backslashes escaped, no line starting with a control character.
 */
void	conf_mdoc_text(FILE *f, const char *s);

/*
 * The alias of setting id (SSD_ENV_ALIASES) set in the environment, when
 * the setting's own variable is not; else NULL.  conf_load_env uses it.
 */
const char *conf_env_alias(enum setting_id id);
/*
 * What ssd should say of the environment at start: each variable of
 * SSD_ENV_RETIRED that is set, with what replaced it, and each alias
 * that its setting's own variable overrides.  Calls warn with one
 * sentence each; returns how many.
 */
int	conf_env_warnings(void (*warn)(const char *msg, void *arg),
	    void *arg);

#endif
