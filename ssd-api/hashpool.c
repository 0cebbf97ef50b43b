/*
 * hashpool.c - password hashing off the event loop: a few threads
 * (password_hash_threads) take jobs from a bounded queue
 * (password_hash_queue) and hand results back through a pipe the loop
 * watches; callbacks run on the loop.  The threads touch nothing but
 * their job (common/passwd.c is thread-safe), never libevent or libpq.
 * They start inside the sandbox, which lets ssd-api make threads only.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "api.h"
#include "conf.h"
#include "log.h"
#include "passwd.h"
#include "util.h"
#include "worker.h"

#define HASHPOOL_THREADS_MAX	16

struct hash_job {
	TAILQ_ENTRY(hash_job)	 entry;
	int			 make;		/* hash, or check */
	char			*password;
	char			*hash;		/* to check, or made */
	int			 ok;
	int			 cancelled;
	hashpool_cb		 cb;
	void			*arg;
};

TAILQ_HEAD(hash_jobs, hash_job);

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;
	struct hash_jobs	 queue, done;
	size_t			 queued, max_queued;
	int			 threads;
	int			 pipe[2];	/* done -> the loop */
	struct event		*ev;
} hp = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.queue = TAILQ_HEAD_INITIALIZER(hp.queue),
	.done = TAILQ_HEAD_INITIALIZER(hp.done),
	.pipe = { -1, -1 },
};

static void
hashpool_job_free(struct hash_job *j)
{
	if (j->password != NULL) {
		ssd_explicit_bzero(j->password, strlen(j->password));
		free(j->password);
	}
	if (j->hash != NULL) {
		ssd_explicit_bzero(j->hash, strlen(j->hash));
		free(j->hash);
	}
	free(j);
}

static void *
hashpool_thread(void *arg)
{
	struct hash_job *j;
	char *made;

	(void)arg;
	pthread_mutex_lock(&hp.lock);
	for (;;) {
		while ((j = TAILQ_FIRST(&hp.queue)) == NULL)
			pthread_cond_wait(&hp.work, &hp.lock);
		TAILQ_REMOVE(&hp.queue, j, entry);
		hp.queued--;
		pthread_mutex_unlock(&hp.lock);
		if (j->make) {
			made = passwd_hash(j->password);
			j->ok = made != NULL;
			j->hash = made;
		} else
			j->ok = passwd_check(j->password, j->hash);
		pthread_mutex_lock(&hp.lock);
		TAILQ_INSERT_TAIL(&hp.done, j, entry);
		/* One byte per job: the pipe holds far more than the queue. */
		(void)!write(hp.pipe[1], "", 1);
	}
	return NULL;
}

/* On the loop: every finished job's callback, then the job is gone. */
static void
hashpool_done_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hash_jobs done = TAILQ_HEAD_INITIALIZER(done);
	struct hash_job *j;
	char buf[256];

	(void)ev;
	(void)arg;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&hp.lock);
	TAILQ_CONCAT(&done, &hp.done, entry);
	pthread_mutex_unlock(&hp.lock);
	while ((j = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, j, entry);
		if (!j->cancelled)
			j->cb(j->ok, j->make ? j->hash : NULL, j->arg);
		hashpool_job_free(j);
	}
}

/* Before the sandbox, which has no pipe2: the pipe the threads answer on. */
void
hashpool_configure(const struct conf *c, int initial)
{
	if (initial && pipe2(hp.pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("hash pool: pipe");
	hp.max_queued = (size_t)conf_int(c, S_PASSWORD_HASH_QUEUE);
}

/* In the sandbox: the threads. */
void
hashpool_start(const struct conf *c)
{
	int n = (int)conf_int(c, S_PASSWORD_HASH_THREADS), rc;
	pthread_t t;

	if ((hp.ev = event_new(worker_base(), hp.pipe[0], EV_READ | EV_PERSIST,
	    hashpool_done_cb, NULL)) == NULL || event_add(hp.ev, NULL) == -1)
		fatalx("hash pool: cannot watch its pipe");
	for (; hp.threads < n && hp.threads < HASHPOOL_THREADS_MAX;
	    hp.threads++) {
		if ((rc = pthread_create(&t, NULL, hashpool_thread, NULL)) != 0)
			fatalx("hash pool: cannot start a thread: %s",
			    strerror(rc));
		pthread_detach(t);
	}
	log_debug("hash pool: %d threads", hp.threads);
}

static struct hash_job *
hashpool_queue(int make, const char *password, const char *hash,
    hashpool_cb cb, void *arg)
{
	struct hash_job *j;

	pthread_mutex_lock(&hp.lock);
	if (hp.threads == 0 || hp.queued >= hp.max_queued) {
		pthread_mutex_unlock(&hp.lock);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->make = make;
	j->password = xstrdup(password);
	j->hash = hash != NULL ? xstrdup(hash) : NULL;
	j->cb = cb;
	j->arg = arg;
	TAILQ_INSERT_TAIL(&hp.queue, j, entry);
	hp.queued++;
	pthread_cond_signal(&hp.work);
	pthread_mutex_unlock(&hp.lock);
	return j;
}

struct hash_job *
hashpool_check(const char *password, const char *hash, hashpool_cb cb,
    void *arg)
{
	return hashpool_queue(0, password, hash, cb, arg);
}

struct hash_job *
hashpool_make(const char *password, hashpool_cb cb, void *arg)
{
	return hashpool_queue(1, password, NULL, cb, arg);
}

/* Not yet taken: gone now; running: its result is dropped. */
void
hashpool_cancel(struct hash_job *j)
{
	struct hash_job *q;

	pthread_mutex_lock(&hp.lock);
	TAILQ_FOREACH(q, &hp.queue, entry)
		if (q == j)
			break;
	if (q != NULL) {
		TAILQ_REMOVE(&hp.queue, j, entry);
		hp.queued--;
	} else
		j->cancelled = 1;
	pthread_mutex_unlock(&hp.lock);
	if (q != NULL)
		hashpool_job_free(j);
}

size_t
hashpool_waiting(void)
{
	size_t n;

	pthread_mutex_lock(&hp.lock);
	n = hp.queued;
	pthread_mutex_unlock(&hp.lock);
	return n;
}
