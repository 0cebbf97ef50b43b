/*
 * webhost.h - how sessions are named on the network: DNS labels derived
 * from session ids (Kubernetes object names, session hosts), the session
 * a Host field names under session_domain, and a request head as a
 * session's pod may see it (without ssd's cookies).  Pure functions over
 * byte buffers: no allocation, no I/O.
 */
#ifndef SSD_WEBHOST_H
#define SSD_WEBHOST_H

#include <stddef.h>

struct http_request;

/* A session host is "s-" LABEL "." session_domain: one DNS label. */
#define WEBHOST_PREFIX		"s-"
#define WEBHOST_LABEL_MAX	61
#define WEBHOST_DOMAIN_MAX	200	/* session_domain */
#define WEBHOST_HASH_LEN	8

/*
 * id as a DNS-1035 label of at most max bytes (out: max + 1): the id
 * itself when it is one, else its lower-cased alphanumerics (runs of
 * anything else as one '-', "s-" first unless it starts with a letter)
 * cut to leave room for '-' and WEBHOST_HASH_LEN hex digits of the
 * SHA-256 of the whole id, so that different ids stay apart.  max must
 * be at least WEBHOST_HASH_LEN + 2.
 */
void	dns_label_from(const char *id, size_t max, char *out);

/*
 * 1 when s is a host name session_domain can be: dot-separated DNS-1123
 * labels (lower case), at most WEBHOST_DOMAIN_MAX bytes, no port.
 */
int	webhost_domain_ok(const char *s);

/*
 * Which session a Host field (host [":" port], any case) names under
 * domain (as webhost_domain_ok): 1 with its label (lower case, out:
 * WEBHOST_LABEL_MAX + 1) for "s-LABEL.domain"; -1 for another name under
 * domain (no such session host); 0 for a name not under domain at all
 * (the domain itself, other hosts, address literals).
 */
int	webhost_match(const char *host, size_t len, const char *domain,
	    char *label);

/*
 * The head of req (as http_parse_head parsed it) for the session's pod:
 * the request line and every field as received, line ends made CRLF,
 * except the pairs of Cookie fields named in drop (NULL-terminated; a
 * Cookie field left empty goes).  Returns its length in out, or -1 when
 * it does not fit in outlen.
 */
long	webhost_head(const struct http_request *req, const char *const *drop,
	    char *out, size_t outlen);

#endif
