/*
 * kube.c - HTTP calls to the API server (kube.h): one curl easy handle
 * per call on a curl multi handle whose sockets and timer are libevent
 * events.  Never blocks, never calls back from inside curl for anything
 * but streamed bytes, never logs a token.  Retries 429, 5xx and I/O
 * errors with full-jitter back-off; re-reads the token file on 401.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "kube.h"
#include "kubecfg.h"
#include "log.h"
#include "util.h"

enum req_state {
	REQ_QUEUED,		/* waiting for kube_defer() to add it */
	REQ_ACTIVE,		/* in the multi handle */
	REQ_WAITING,		/* back-off before the next try */
	REQ_DEAD,		/* cancelled while curl was running */
};

struct kube_req {
	TAILQ_ENTRY(kube_req)	 entry;
	struct kube		*k;
	enum req_state		 state;
	CURL			*easy;
	struct curl_slist	*headers;
	char			*method;
	char			*url;
	char			*what;
	char			*ctype;
	char			*body;
	size_t			 body_len;
	int			 stream_timeout_s;	/* 0: a plain call */
	kube_data_fn		 data;
	kube_done_fn		 done;
	void			*arg;
	unsigned		 tries;
	int			 reauthed;	/* the one 401 retry is used */
	int			 too_large;
	long			 retry_after_s;
	char			*resp;
	size_t			 resp_len;
	size_t			 resp_cap;
	struct event		*retry_ev;
	char			 errbuf[CURL_ERROR_SIZE];
};

TAILQ_HEAD(kube_reqs, kube_req);

struct kube {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer_ev;
	struct event		*defer_ev;
	struct kube_reqs	 reqs;		/* every live call */
	int			 in_curl;
	int			 timeout_ms;
	char			*server;
	struct kubecfg		 cfg;		/* borrowed pointers */
	char			 token[KUBECFG_TOKEN_MAX + 1];
	struct stat		 token_st;	/* of the file last read */
};

struct kube_sock {
	struct event	*ev;
};

static void	kube_start(struct kube_req *);
static void	kube_finish(struct kube_req *, CURLcode);

struct event_base *
kube_base(struct kube *k)
{
	return k->base;
}

unsigned
kube_backoff_ms(unsigned n)
{
	return (unsigned)backoff_ms(n, KUBE_BACKOFF_BASE_MS,
	    KUBE_BACKOFF_MAX_MS, 1);
}

char *
kube_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			*o++ = (char)ch;
			continue;
		}
		*o++ = '%';
		*o++ = hex[ch >> 4];
		*o++ = hex[ch & 15];
	}
	*o = '\0';
	return out;
}

static void	kube_token_refresh(struct kube *, int);

const char *
kube_token(struct kube *k)
{
	kube_token_refresh(k, 0);
	return k->token;
}

/* The token file is re-read when it changed (kubelet swaps it). */
static void
kube_token_refresh(struct kube *k, int force)
{
	char err[256];
	struct stat st;

	if (k->cfg.token_file == NULL)
		return;
	if (stat(k->cfg.token_file, &st) == -1) {
		log_warn("kube: token file %s", k->cfg.token_file);
		return;
	}
	if (!force && st.st_ino == k->token_st.st_ino &&
	    st.st_dev == k->token_st.st_dev &&
	    st.st_size == k->token_st.st_size &&
	    st.st_mtim.tv_sec == k->token_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == k->token_st.st_mtim.tv_nsec)
		return;
	if (kubecfg_read_token(k->cfg.token_file, k->token, sizeof(k->token),
	    err, sizeof(err)) == -1) {
		log_warnx("kube: %s; keeping the previous token", err);
		return;
	}
	k->token_st = st;
	log_debug("kube: token read from %s", k->cfg.token_file);
}

static void
kube_headers(struct kube_req *r)
{
	struct kube *k = r->k;
	struct curl_slist *h;
	char *auth;

	for (h = r->headers; h != NULL; h = h->next)
		ssd_explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(r->headers);
	r->headers = curl_slist_append(NULL, "Accept: application/json");
	r->headers = curl_slist_append(r->headers, "Expect:");
	if (r->body != NULL) {
		xasprintf(&auth, "Content-Type: %s", r->ctype);
		r->headers = curl_slist_append(r->headers, auth);
		free(auth);
	}
	kube_token_refresh(k, 0);
	if (k->token[0] != '\0') {
		xasprintf(&auth, "Authorization: Bearer %s", k->token);
		r->headers = curl_slist_append(r->headers, auth);
		ssd_explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (r->headers == NULL)
		fatalx("kube: out of memory");
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->headers);
}

static size_t
kube_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct kube_req *r = arg;
	size_t len = size * n, cap;
	long code = 0;

	if (r->state == REQ_DEAD)
		return 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (r->data != NULL && code == 200) {
		r->data(p, len, r->arg);
		return r->state == REQ_DEAD ? 0 : len;
	}
	if (len > KUBE_RESPONSE_MAX - r->resp_len) {
		r->too_large = 1;
		return 0;
	}
	if (r->resp_len + len + 1 > r->resp_cap) {
		for (cap = r->resp_cap ? r->resp_cap : 4096;
		    cap < r->resp_len + len + 1; cap *= 2)
			;
		r->resp = xrealloc(r->resp, cap);
		r->resp_cap = cap;
	}
	memcpy(r->resp + r->resp_len, p, len);
	r->resp_len += len;
	r->resp[r->resp_len] = '\0';
	return len;
}

/* Retry-After (seconds) and Warning headers; the rest is not ours. */
static size_t
kube_header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct kube_req *r = arg;
	size_t len = size * n;
	char line[512];
	int64_t v;

	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "Retry-After:", 12) == 0 &&
	    parse_int64(line + 12 + strspn(line + 12, " \t"), 0, INT32_MAX,
	    &v) == 0)
		r->retry_after_s = v < KUBE_RETRY_AFTER_MAX_S ? (long)v :
		    KUBE_RETRY_AFTER_MAX_S;
	else if (strncasecmp(line, "Warning:", 8) == 0)
		log_warnx("%s: API server warning on %s: %s", r->what,
		    r->method, line + 8 + strspn(line + 8, " \t"));
	return len;
}

static int
kube_easy(struct kube_req *r)
{
	struct kube *k = r->k;
	struct kubecfg *c = &k->cfg;
	struct curl_blob blob;
	CURL *e;

	if ((e = r->easy = curl_easy_init()) == NULL)
		return -1;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ssd-agent-k8s/"
	    PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(k->timeout_ms < KUBE_CONNECT_TIMEOUT_MS ? k->timeout_ms :
	    KUBE_CONNECT_TIMEOUT_MS));
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, kube_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, kube_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	/* ca.crt rotates: read it for every new connection (they are few). */
	curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 0L);
	if (c->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_data != NULL) {
		blob = (struct curl_blob){ c->ca_data, c->ca_len,
		    CURL_BLOB_COPY };
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (c->cert_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLCERT, c->cert_file);
	if (c->cert_data != NULL) {
		blob = (struct curl_blob){ c->cert_data, c->cert_len,
		    CURL_BLOB_COPY };
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &blob);
	}
	if (c->key_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLKEY, c->key_file);
	if (c->key_data != NULL) {
		blob = (struct curl_blob){ c->key_data, c->key_len,
		    CURL_BLOB_COPY };
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &blob);
	}
	if (r->stream_timeout_s > 0) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
		    (long)r->stream_timeout_s * 1000);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
		    (long)KUBE_WATCH_IDLE_S);
	} else
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)k->timeout_ms);
	if (strcmp(r->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)r->body_len);
	}
	return 0;
}

static void
kube_req_free(struct kube_req *r)
{
	struct curl_slist *h;

	TAILQ_REMOVE(&r->k->reqs, r, entry);
	if (r->state == REQ_ACTIVE || r->state == REQ_DEAD)
		curl_multi_remove_handle(r->k->multi, r->easy);
	if (r->easy != NULL)
		curl_easy_cleanup(r->easy);
	for (h = r->headers; h != NULL; h = h->next)
		ssd_explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(r->headers);
	if (r->retry_ev != NULL)
		event_free(r->retry_ev);
	free(r->method);
	free(r->url);
	free(r->what);
	free(r->ctype);
	free(r->body);
	free(r->resp);
	free(r);
}

static void
kube_check_multi(struct kube *k)
{
	struct kube_req *r;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(k->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &r);
		if (r->state == REQ_DEAD)
			continue;	/* kube_defer() frees it */
		curl_multi_remove_handle(k->multi, r->easy);
		r->state = REQ_WAITING;
		kube_finish(r, msg->data.result);
	}
}

static void
kube_socket_action(struct kube *k, curl_socket_t fd, int flags)
{
	int running;

	k->in_curl = 1;
	curl_multi_socket_action(k->multi, fd, flags, &running);
	k->in_curl = 0;
	kube_check_multi(k);
}

static void
kube_sock_ev(evutil_socket_t fd, short what, void *arg)
{
	int flags = (what & EV_READ ? CURL_CSELECT_IN : 0) |
	    (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	kube_socket_action(arg, fd, flags);
}

static void
kube_timer_ev(evutil_socket_t fd, short what, void *arg)
{
	kube_socket_action(arg, CURL_SOCKET_TIMEOUT, 0);
}

static int
kube_socket_cb(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct kube *k = arg;
	struct kube_sock *s = sockp;
	short ev = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			event_free(s->ev);
			free(s);
			curl_multi_assign(k->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		curl_multi_assign(k->multi, fd, s);
	} else
		event_free(s->ev);
	if ((s->ev = event_new(k->base, fd, ev, kube_sock_ev, k)) == NULL ||
	    event_add(s->ev, NULL) == -1)
		fatalx("kube: cannot watch a socket");
	return 0;
}

static int
kube_timer_cb(CURLM *m, long timeout_ms, void *arg)
{
	struct kube *k = arg;
	struct timeval tv;

	if (timeout_ms < 0) {
		evtimer_del(k->timer_ev);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(k->timer_ev, &tv);
	return 0;
}

/* Adds queued calls and frees cancelled ones, outside of curl. */
static void
kube_defer(evutil_socket_t fd, short what, void *arg)
{
	struct kube *k = arg;
	struct kube_req *r, *next;

	for (r = TAILQ_FIRST(&k->reqs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->state == REQ_DEAD)
			kube_req_free(r);
		else if (r->state == REQ_QUEUED)
			kube_start(r);
	}
}

static void
kube_start(struct kube_req *r)
{
	kube_headers(r);
	r->resp_len = 0;
	r->too_large = 0;
	r->retry_after_s = -1;
	r->errbuf[0] = '\0';
	r->state = REQ_ACTIVE;
	if (curl_multi_add_handle(r->k->multi, r->easy) != CURLM_OK)
		fatalx("kube: curl_multi_add_handle failed");
}

static void
kube_retry_ev(evutil_socket_t fd, short what, void *arg)
{
	kube_start(arg);
}

static int
kube_retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

static int
kube_retryable_code(long code)
{
	return code == 429 || code == 500 || code == 502 || code == 503 ||
	    code == 504;
}

/* Another try after a back-off; 0 if the call is over instead. */
static int
kube_try_again(struct kube_req *r, long code, CURLcode rc)
{
	struct timeval tv;
	unsigned ms;

	if (code == 401 && !r->reauthed && r->k->cfg.token_file != NULL) {
		r->reauthed = 1;
		kube_token_refresh(r->k, 1);
		ms = 0;
	} else if (r->stream_timeout_s == 0 && ++r->tries < KUBE_TRIES_MAX &&
	    (code == 0 ? kube_retryable_curl(rc) && !r->too_large :
	    kube_retryable_code(code))) {
		ms = kube_backoff_ms(r->tries - 1);
		if (r->retry_after_s >= 0 && (unsigned)r->retry_after_s *
		    1000 > ms)
			ms = (unsigned)r->retry_after_s * 1000;
		if (code != 0)
			log_info("%s: %s %s: HTTP %ld, try %u of %d in %u ms",
			    r->what, r->method, r->url, code, r->tries + 1,
			    KUBE_TRIES_MAX, ms);
		else
			log_info("%s: %s %s: %s, try %u of %d in %u ms",
			    r->what, r->method, r->url, r->errbuf[0] ?
			    r->errbuf : curl_easy_strerror(rc), r->tries + 1,
			    KUBE_TRIES_MAX, ms);
	} else
		return 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(r->retry_ev, &tv);
	return 1;
}

static void
kube_finish(struct kube_req *r, CURLcode rc)
{
	struct kube_status st;
	struct kube_resp resp;
	cJSON *body = NULL;
	long code = 0;

	if (rc == CURLE_OK)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
	if (kube_try_again(r, code, rc))
		return;
	memset(&resp, 0, sizeof(resp));
	resp.code = code;
	resp.status = &st;
	if (r->resp_len > 0)
		body = cJSON_ParseWithLength(r->resp, r->resp_len);
	resp.body = body;
	kube_status_parse(code, body, &st);
	if (code == 0) {
		snprintf(st.message, sizeof(st.message), "%s",
		    r->too_large ? "answer larger than the limit" :
		    r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
		resp.retryable = !r->too_large && kube_retryable_curl(rc);
	} else
		resp.retryable = kube_retryable_code(code);
	r->done(&resp, r->arg);
	cJSON_Delete(body);
	kube_req_free(r);
}

static struct kube_req *
kube_req_new(struct kube *k, const char *method, const char *path,
    const char *what, kube_done_fn done, void *arg)
{
	struct kube_req *r = xcalloc(1, sizeof(*r));

	r->k = k;
	r->method = xstrdup(method);
	xasprintf(&r->url, "%s%s", k->server, path);
	r->what = xstrdup(what);
	r->done = done;
	r->arg = arg;
	r->state = REQ_QUEUED;
	if ((r->retry_ev = evtimer_new(k->base, kube_retry_ev, r)) == NULL)
		fatalx("kube: evtimer_new");
	TAILQ_INSERT_TAIL(&k->reqs, r, entry);
	return r;
}

static struct kube_req *
kube_queue(struct kube_req *r)
{
	if (kube_easy(r) == -1)
		fatalx("kube: curl_easy_init failed");
	event_active(r->k->defer_ev, EV_TIMEOUT, 0);
	return r;
}

struct kube_req *
kube_call(struct kube *k, const char *method, const char *path,
    const char *content_type, const cJSON *body, const char *what,
    kube_done_fn done, void *arg)
{
	struct kube_req *r = kube_req_new(k, method, path, what, done, arg);

	if (body != NULL) {
		if ((r->body = cJSON_PrintUnformatted(body)) == NULL)
			fatalx("kube: out of memory");
		r->body_len = strlen(r->body);
		r->ctype = xstrdup(content_type ? content_type :
		    "application/json");
	}
	return kube_queue(r);
}

struct kube_req *
kube_stream(struct kube *k, const char *path, int timeout_s,
    const char *what, kube_data_fn data, kube_done_fn done, void *arg)
{
	struct kube_req *r = kube_req_new(k, "GET", path, what, done, arg);

	r->data = data;
	r->stream_timeout_s = timeout_s > 0 ? timeout_s : 1;
	return kube_queue(r);
}

void
kube_cancel(struct kube_req *r)
{
	if (r->state == REQ_ACTIVE && r->k->in_curl) {
		r->state = REQ_DEAD;
		event_active(r->k->defer_ev, EV_TIMEOUT, 0);
		return;
	}
	if (r->state != REQ_DEAD)
		kube_req_free(r);
}

struct kube *
kube_new(struct event_base *base, const struct kubecfg *kc, int timeout_ms,
    char *err, size_t errlen)
{
	static int curl_ready;
	struct kube *k;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "curl_global_init failed");
			return NULL;
		}
		curl_ready = 1;
	}
	k = xcalloc(1, sizeof(*k));
	k->base = base;
	k->cfg = *kc;
	k->server = kc->server;
	k->timeout_ms = timeout_ms;
	TAILQ_INIT(&k->reqs);
	if (kc->token != NULL)
		ssd_strlcpy(k->token, kc->token, sizeof(k->token));
	kube_token_refresh(k, 1);
	if ((k->multi = curl_multi_init()) == NULL ||
	    (k->timer_ev = evtimer_new(base, kube_timer_ev, k)) == NULL ||
	    (k->defer_ev = event_new(base, -1, 0, kube_defer, k)) == NULL) {
		snprintf(err, errlen, "cannot set up the HTTP client");
		kube_free(k);
		return NULL;
	}
	curl_multi_setopt(k->multi, CURLMOPT_SOCKETFUNCTION, kube_socket_cb);
	curl_multi_setopt(k->multi, CURLMOPT_SOCKETDATA, k);
	curl_multi_setopt(k->multi, CURLMOPT_TIMERFUNCTION, kube_timer_cb);
	curl_multi_setopt(k->multi, CURLMOPT_TIMERDATA, k);
	return k;
}

void
kube_free(struct kube *k)
{
	struct kube_req *r;

	if (k == NULL)
		return;
	while ((r = TAILQ_FIRST(&k->reqs)) != NULL)
		kube_req_free(r);
	if (k->multi != NULL)
		curl_multi_cleanup(k->multi);
	if (k->timer_ev != NULL)
		event_free(k->timer_ev);
	if (k->defer_ev != NULL)
		event_free(k->defer_ev);
	ssd_explicit_bzero(k->token, sizeof(k->token));
	free(k);
}
