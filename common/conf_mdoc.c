/*
 * conf_mdoc.c - the SETTINGS section of ssd.conf(5) and the list of
 * retired variables of ssd-upgrade(7), written from the settings tables
 * (man/gen-settings.c runs it at build time).
 */
#include "config.h"

#include <stdio.h>

#include "conf.h"

void
conf_mdoc_text(FILE *f, const char *s)
{
	int bol = 1;

	for (; *s != '\0'; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		bol = 0;
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '.' && s[1] == ' ') {
			fputs(".\n", f);
			while (s[1] == ' ')
				s++;
			bol = 1;
		} else
			fputc(*s, f);
	}
}

static const char *
conf_type_name(enum conf_type t)
{
	switch (t) {
	case CONF_STRING:
		return "string";
	case CONF_INT:
		return "number";
	case CONF_BOOL:
		return "yes | no";
	case CONF_DURATION:
		return "duration";
	case CONF_SIZE:
		return "size";
	case CONF_ENUM:
		return "word";
	case CONF_SECRET:
		return "secret";
	}
	return "";
}

/* ", or X (whose name)" for each alias of setting id. */
static void
conf_mdoc_aliases(FILE *f, enum setting_id id)
{
#define X(sid, env, whose) \
	if (S_##sid == id) \
		fprintf(f, " ,\nor\n.Ev %s\n.Pq %s", env, whose);
	SSD_ENV_ALIASES(X)
#undef X
}

void
conf_print_retired_mdoc(FILE *f)
{
	fputs(".Bl -tag -width Ds\n", f);
#define X(env, by) \
	fprintf(f, ".It Ev %s\n", env); \
	conf_mdoc_text(f, by); \
	fputs(".\n", f);
	SSD_ENV_RETIRED(X)
#undef X
	fputs(".El\n", f);
}

void
conf_print_mdoc(FILE *f)
{
	int i;

	fputs(".Bl -tag -width Ds\n", f);
	for (i = 0; i < S_COUNT; i++) {
		const struct conf_def *d = conf_def((enum setting_id)i);

		fprintf(f, ".It Ic %s Ar %s\n", d->key,
		    d->type == CONF_ENUM ? d->choices : conf_type_name(d->type));
		conf_mdoc_text(f, d->doc);
		fputc('\n', f);
		if (d->type == CONF_INT)
			fprintf(f, "Range %lld to %lld.\n", (long long)d->min,
			    (long long)d->max);
		if (d->type == CONF_SECRET) {
			fprintf(f, "Also read from the file named by\n"
			    ".Ic %s_file ,\n", d->key);
			if (d->min > 0)
				fprintf(f, "at least %lld bytes long,\n",
				    (long long)d->min);
			fputs("see\n.Sx SECRETS .\n", f);
		}
		if (d->def != NULL && *d->def != '\0')
			fprintf(f, "Default:\n.Ql %s .\n", d->def);
		else if (d->type != CONF_SECRET)
			fputs("Default: empty.\n", f);
		if (d->env != NULL) {
			fprintf(f, "Environment:\n.Ev %s", d->env);
			if (d->type == CONF_SECRET)
				fprintf(f, " ,\n.Ev %s_FILE", d->env);
			conf_mdoc_aliases(f, (enum setting_id)i);
			fputs(" .\n", f);
		}
		if (d->flags & CONF_RESTART)
			fputs("Takes effect only when ssd is restarted.\n", f);
	}
	fputs(".El\n", f);
}
