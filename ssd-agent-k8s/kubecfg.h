/*
 * kubecfg.h - where the API server is and how the agent proves who it is:
 * the in-cluster service account, or the kubeconfig subset of
 * KUBERNETES.md §3.2.  Read once, before the event loop; only the token
 * file is read again later (kube.c, when it changes or after a 401).
 */
#ifndef SSD_AGENT_KUBECFG_H
#define SSD_AGENT_KUBECFG_H

#include <stddef.h>

#define KUBECFG_SA_DIR		"/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECFG_FILE_MAX	(1024 * 1024)	/* kubeconfig, PEM files */
#define KUBECFG_TOKEN_MAX	16384		/* a bearer token */
#define KUBECFG_SERVER_MAX	2048
#define KUBECFG_NAMESPACE_MAX	63

struct kubecfg {
	char	*server;	/* "https://host:port[/prefix]", no final '/' */
	char	*ca_file;	/* CA bundle (PEM) path, or NULL */
	char	*ca_data;	/* CA bundle (PEM) itself, or NULL */
	size_t	 ca_len;
	char	*token;		/* a fixed bearer token, or NULL */
	char	*token_file;	/* a bearer token file, or NULL */
	char	*cert_file;	/* client certificate (PEM) path, or NULL */
	char	*cert_data;
	size_t	 cert_len;
	char	*key_file;	/* its private key (PEM) path, or NULL */
	char	*key_data;
	size_t	 key_len;
	char	*namespace;	/* the context's / service account's, or NULL */
};

/*
 * In-cluster: KUBERNETES_SERVICE_HOST/PORT and dir/{token,ca.crt,
 * namespace} (dir NULL: KUBECFG_SA_DIR).  -1 with a message in err.
 */
int	kubecfg_incluster(const char *dir, struct kubecfg *kc, char *err,
	    size_t errlen);
/* The kubeconfig file at path, its current context.  -1 and err. */
int	kubecfg_load(const char *path, struct kubecfg *kc, char *err,
	    size_t errlen);
/*
 * The same from text; relative file names are taken from dir (the
 * kubeconfig's directory).  -1 and err.
 */
int	kubecfg_parse(const char *text, size_t len, const char *dir,
	    struct kubecfg *kc, char *err, size_t errlen);
void	kubecfg_free(struct kubecfg *kc);

/*
 * Reads a bearer token file into buf (at most KUBECFG_TOKEN_MAX bytes,
 * trailing white space removed, no control characters).  -1 and err.
 */
int	kubecfg_read_token(const char *path, char *buf, size_t buflen,
	    char *err, size_t errlen);

/* A whole file of at most max bytes, NUL-terminated; NULL and err. */
char	*kubecfg_read_file(const char *path, size_t max, size_t *lenp,
	    char *err, size_t errlen);

#endif
