/*
 * migrate.c - the schema migrations: the numbered files of schema_dir are
 * applied in order, each in its own transaction, under a PostgreSQL
 * advisory lock (several control planes may start at once), and recorded
 * in schema_migrations.  Blocking libpq: run by the master before its
 * workers start, by ssd -M, and on ssdctl migrate.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "db.h"
#include "master.h"
#include "passwd.h"
#include "util.h"

#define MIGRATE_MAX_FILES	256
#define MIGRATE_FILE_MAX	(4 * 1024 * 1024)
/* pg_advisory_lock key: "ssd-migrations" as a fixed 64-bit number. */
#define MIGRATE_LOCK_KEY	"7362646d69677261"

static int
migrate_name_ok(const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)name[i]))
			return 0;
	/* NNNN_name.down.sql is the way back, not a step forward. */
	return name[4] == '_' && n > 9 && n < 50 &&
	    strcmp(name + n - 4, ".sql") == 0 &&
	    (n < 9 || strcmp(name + n - 9, ".down.sql") != 0);
}

static int
migrate_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The migration files, sorted; -1 with err on failure. */
static int
migrate_list(const char *dir, char **names, size_t *n, char *err,
    size_t errlen)
{
	struct dirent *de;
	DIR *d;

	*n = 0;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "schema_dir %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL && *n < MIGRATE_MAX_FILES)
		if (migrate_name_ok(de->d_name))
			names[(*n)++] = xstrdup(de->d_name);
	closedir(d);
	qsort(names, *n, sizeof(char *), migrate_cmp);
	return 0;
}

static char *
migrate_read(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[1024], *text;
	ssize_t r;
	size_t len = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	text = xmalloc(MIGRATE_FILE_MAX + 1);
	while ((r = read(fd, text + len, MIGRATE_FILE_MAX - len)) > 0)
		len += (size_t)r;
	close(fd);
	if (r == -1 || len == MIGRATE_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, r == -1 ?
		    strerror(errno) : "too large");
		free(text);
		return NULL;
	}
	text[len] = '\0';
	return text;
}

static int
migrate_exec(PGconn *pg, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(pg, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
	}
	PQclear(res);
	return ok ? 0 : -1;
}

static int
migrate_applied(PGconn *pg, const char *version)
{
	const char *params[1] = { version };
	PGresult *res;
	int found;

	res = PQexecParams(pg, "SELECT 1 FROM schema_migrations "
	    "WHERE version = $1", 1, NULL, params, NULL, NULL, 0);
	found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0;
	PQclear(res);
	return found;
}

/* One file in one transaction: all of it, or nothing. */
static int
migrate_apply(PGconn *pg, const char *dir, const char *name, char *err,
    size_t errlen)
{
	char version[64], why[512], *sql;
	const char *params[1] = { version };
	PGresult *res;
	int ok;

	ssd_strlcpy(version, name, sizeof(version));
	version[strlen(version) - 4] = '\0';
	if ((sql = migrate_read(dir, name, err, errlen)) == NULL)
		return -1;
	if (migrate_exec(pg, "BEGIN", why, sizeof(why)) == -1 ||
	    migrate_exec(pg, sql, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "migration %s failed, nothing of it "
		    "applied: %s", name, why);
		migrate_exec(pg, "ROLLBACK", why, sizeof(why));
		free(sql);
		return -1;
	}
	free(sql);
	res = PQexecParams(pg, "INSERT INTO schema_migrations (version) "
	    "VALUES ($1)", 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok || migrate_exec(pg, "COMMIT", why, sizeof(why)) == -1) {
		snprintf(err, errlen, "migration %s: cannot record it", name);
		migrate_exec(pg, "ROLLBACK", why, sizeof(why));
		return -1;
	}
	log_info("migration %s applied", version);
	return 0;
}

/* The first administrator gets admin_password, once: never overwritten. */
static int
migrate_admin(PGconn *pg, const struct conf *c, char *err, size_t errlen)
{
	const char *params[1];
	PGresult *res;
	char *hash;
	int ok;

	if (!conf_is_set(c, S_ADMIN_PASSWORD))
		return 0;
	if ((hash = passwd_hash(conf_str(c, S_ADMIN_PASSWORD))) == NULL) {
		snprintf(err, errlen, "admin_password: cannot hash it");
		return -1;
	}
	params[0] = hash;
	res = PQexecParams(pg, "INSERT INTO users (id, username, full_name, "
	    "role, provider, active, password_hash, created_at, updated_at) "
	    "VALUES ('admin', 'admin', 'Administrator', 'admin', 'local', "
	    "true, $1, now(), now()) ON CONFLICT (username) DO UPDATE SET "
	    "password_hash = EXCLUDED.password_hash, updated_at = now() "
	    "WHERE users.password_hash IS NULL OR users.password_hash = '' "
	    "RETURNING id", 1, NULL, params, NULL, NULL, 0);
	ssd_explicit_bzero(hash, strlen(hash));
	free(hash);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok) {
		snprintf(err, errlen, "setting the admin password: %s",
		    PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
	} else if (PQntuples(res) == 1)
		log_info("user admin: password set from admin_password");
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * Applies what is pending (status_only: lists instead).  For each file
 * calls report(version, applied) when given.  Returns the number applied,
 * or -1 with err.
 */
int
migrate_run(const struct conf *c, int status_only,
    void (*report)(const char *, int, void *), void *arg, char *err,
    size_t errlen)
{
	const char *dir = conf_str(c, S_SCHEMA_DIR);
	char *names[MIGRATE_MAX_FILES], version[64];
	size_t n, i;
	int applied = 0, done;
	PGconn *pg;

	if (migrate_list(dir, names, &n, err, errlen) == -1)
		return -1;
	if ((pg = dbadmin_connect(c, err, errlen)) == NULL)
		goto out;
	if (migrate_exec(pg, "SELECT pg_advisory_lock(x'" MIGRATE_LOCK_KEY
	    "'::bigint)", err, errlen) == -1 || migrate_exec(pg,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version VARCHAR(50) PRIMARY KEY, "
	    "applied_at TIMESTAMP DEFAULT NOW())", err, errlen) == -1) {
		applied = -1;
		goto out;
	}
	for (i = 0; i < n && applied >= 0; i++) {
		ssd_strlcpy(version, names[i], sizeof(version));
		version[strlen(version) - 4] = '\0';
		done = migrate_applied(pg, version);
		if (!done && !status_only) {
			if (migrate_apply(pg, dir, names[i], err, errlen) == -1)
				applied = -1;
			else {
				applied++;
				done = 1;
			}
		}
		if (report != NULL && applied >= 0)
			report(version, done, arg);
	}
	if (applied >= 0 && !status_only && migrate_admin(pg, c, err,
	    errlen) == -1)
		applied = -1;
	migrate_exec(pg, "SELECT pg_advisory_unlock(x'" MIGRATE_LOCK_KEY
	    "'::bigint)", version, sizeof(version));
out:
	if (pg == NULL)
		applied = -1;
	PQfinish(pg);
	for (i = 0; i < n; i++)
		free(names[i]);
	return applied;
}
