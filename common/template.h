/*
 * template.h - StreamSpace Template documents (apiVersion
 * stream.space/v1alpha1, kind Template), checked in one place for the
 * API and for ssdctl template import.
 */
#ifndef SSD_TEMPLATE_H
#define SSD_TEMPLATE_H

#include <stddef.h>

struct cJSON;

#define TEMPLATE_NAME_MAX	63
/* Longest spec.idleTimeout or spec.maxSessionDuration: 3650 days. */
#define TEMPLATE_DURATION_MAX	(3650ULL * 86400)
#define TEMPLATE_IMAGE_MAX	512
#define TEMPLATE_LIST_MAX	16	/* ports, volume mounts */
#define TEMPLATE_ENV_MAX	64
#define TEMPLATE_VALUE_MAX	4096	/* one env value */
#define TEMPLATE_PATH_MAX	256
#define TEMPLATE_QUANTITY_MAX	32

struct template_doc {
	const char	*name;		/* metadata.name: a DNS-1123 label */
	const char	*display_name;
	const char	*description;
	const char	*category;
	const char	*icon;
	const char	*app_type;	/* desktop, webapp, or NULL */
	const char	*image;		/* spec.baseImage */
	char		*tags;		/* PostgreSQL array literal, or NULL */
};

/*
 * Checks doc and points t's fields into it: everything an agent builds a
 * session from (image, ports, env, resources, mounts) and what browsers
 * are shown (the icon: https:, http: or a path).  Returns 0, or 400 (a
 * field of the wrong type or size) or 422 (not a Template, a bad value)
 * with a message naming the field in err.  template_doc_free() releases
 * t->tags.
 */
int	template_check(const struct cJSON *doc, struct template_doc *t,
	    char *err, size_t errlen);
void	template_doc_free(struct template_doc *t);

/* 1 when s may be shown as an icon: https:, http: or a path, no script. */
int	template_icon_ok(const char *s);

/* 1 when s is a Kubernetes resource quantity ("500m", "2Gi", "1e3"). */
int	quantity_ok(const char *s);

/* 1 when s is a DNS-1123 label (lower-case alphanumerics and '-'). */
int	dns1123_label(const char *s);

/*
 * A JSON array of at most max strings of at most len bytes, as a
 * PostgreSQL text[] literal (malloc'd); NULL if it is not one.
 */
char	*json_pg_text_array(const struct cJSON *v, size_t max, size_t len);
/*
 * o's field key: absent or null (*out NULL), or a string of at most max
 * bytes (*out points into o); -1 with a message naming it otherwise.
 */
int	json_opt_str(const struct cJSON *o, const char *key, size_t max,
	    const char **out, char *err, size_t errlen);

#endif
