/*
 * migrate.c - the schema migrations: the numbered files of schema_dir
 * (NNNN_name.sql) are applied in order, each in its own transaction, under
 * a PostgreSQL advisory lock (several control planes may start at once),
 * and recorded in schema_migrations; going down, the reverses
 * (NNNN_name.down.sql) of those newer than the target are applied newest
 * first, all in one transaction, and their rows removed.  schema/README
 * says how to write both.  Blocking libpq: run by the master before its
 * workers start, by ssd -M and -D, and on ssdctl migrate.
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

#define MIGRATE_DOWN_SUFFIX	".down.sql"

/* A connection of its own (the migrations' lock is per session). */
static PGconn *
migrate_connect(const struct conf *c, char *err, size_t errlen)
{
	const char *keys[DB_PARAMS_MAX + 1], *vals[DB_PARAMS_MAX + 1];
	char buf[256];
	PGconn *pg;

	db_conninfo(c, "ssd", keys, vals, buf, sizeof(buf));
	pg = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(pg) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot reach the database: %s",
		    PQerrorMessage(pg));
		err[strcspn(err, "\n")] = '\0';
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* "NNNN_": the version's number, or -1. */
static int
migrate_number(const char *name)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!isdigit((unsigned char)name[i]))
			return -1;
	return name[4] == '_' ? atoi(name) : -1;
}

/* An up migration's file name: NNNN_name.sql, but not a .down.sql. */
static int
migrate_name_ok(const char *name)
{
	size_t n = strlen(name), nd = strlen(MIGRATE_DOWN_SUFFIX);

	return migrate_number(name) >= 0 && n > 9 && n < 50 &&
	    strcmp(name + n - 4, ".sql") == 0 &&
	    (n < nd || strcmp(name + n - nd, MIGRATE_DOWN_SUFFIX) != 0);
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

/*
 * One file and the statement that records it (its parameter: the
 * version), inside the caller's transaction; -1 with why in err.
 */
static int
migrate_file(PGconn *pg, const char *dir, const char *name,
    const char *version, const char *record, char *err, size_t errlen)
{
	const char *params[1] = { version };
	PGresult *res;
	char *sql;
	int ok;

	if ((sql = migrate_read(dir, name, err, errlen)) == NULL)
		return -1;
	ok = migrate_exec(pg, sql, err, errlen) == 0;
	free(sql);
	if (!ok)
		return -1;
	res = PQexecParams(pg, record, 1, NULL, params, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		snprintf(err, errlen, "cannot record it");
		return -1;
	}
	return 0;
}

/* err, which says why file failed, says what came of it too. */
static void
migrate_failed(char *err, size_t errlen, const char *file,
    const char *outcome)
{
	char *why = xstrdup(err);

	snprintf(err, errlen, "migration %s failed, %s: %s", file, outcome,
	    why);
	free(why);
}

/* One up migration in its own transaction: all of it, or nothing. */
static int
migrate_apply(PGconn *pg, const char *dir, const char *name,
    const char *version, char *err, size_t errlen)
{
	char why[128];

	if (migrate_exec(pg, "BEGIN", err, errlen) == -1)
		return -1;
	if (migrate_file(pg, dir, name, version, "INSERT INTO "
	    "schema_migrations (version) VALUES ($1)", err, errlen) == -1 ||
	    migrate_exec(pg, "COMMIT", err, errlen) == -1) {
		migrate_failed(err, errlen, name, "nothing of it applied");
		migrate_exec(pg, "ROLLBACK", why, sizeof(why));
		return -1;
	}
	return 0;
}

/*
 * What the files say to the operator (RAISE WARNING): logged, and kept
 * for ssdctl's answer.
 */
static void
migrate_notice(void *arg, const char *msg)
{
	char *notes = arg;
	size_t n = strlen(notes), len = strcspn(msg, "\n");

	if (strncmp(msg, "WARNING:", 8) != 0) {
		log_debug("database: %.*s", (int)len, msg);
		return;
	}
	log_warnx("database: %.*s", (int)len, msg);
	snprintf(notes + n, MIGRATE_NOTES_MAX - n, "%s%.*s", n ? "; " : "",
	    (int)len, msg);
}

/*
 * A connection holding the migrations' lock, schema_migrations there,
 * warnings going to notes; NULL with err.
 */
static PGconn *
migrate_begin(const struct conf *c, char *notes, char *err, size_t errlen)
{
	PGconn *pg;

	notes[0] = '\0';
	if ((pg = migrate_connect(c, err, errlen)) == NULL)
		return NULL;
	PQsetNoticeProcessor(pg, migrate_notice, notes);
	if (migrate_exec(pg, "SELECT pg_advisory_lock(x'" MIGRATE_LOCK_KEY
	    "'::bigint)", err, errlen) == -1 || migrate_exec(pg,
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version VARCHAR(50) PRIMARY KEY, "
	    "applied_at TIMESTAMP DEFAULT NOW())", err, errlen) == -1) {
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

static void
migrate_end(PGconn *pg)
{
	char why[128];

	migrate_exec(pg, "SELECT pg_advisory_unlock(x'" MIGRATE_LOCK_KEY
	    "'::bigint)", why, sizeof(why));
	PQfinish(pg);
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
	char notes[MIGRATE_NOTES_MAX];
	size_t n, i;
	int applied = 0, done;
	PGconn *pg;

	if (migrate_list(dir, names, &n, err, errlen) == -1)
		return -1;
	if ((pg = migrate_begin(c, notes, err, errlen)) == NULL) {
		applied = -1;
		goto out;
	}
	for (i = 0; i < n && applied >= 0; i++) {
		ssd_strlcpy(version, names[i], sizeof(version));
		version[strlen(version) - 4] = '\0';
		done = migrate_applied(pg, version);
		if (!done && !status_only) {
			if (migrate_apply(pg, dir, names[i], version, err,
			    errlen) == -1)
				applied = -1;
			else {
				log_info("migration %s applied", version);
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
	migrate_end(pg);
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	return applied;
}

/*
 * The number of the last migration to keep: "0" keeps none (-1), "NNNN"
 * that one, "NNNN_name" that one if it is applied; -2 if malformed.
 */
static int
migrate_target(PGconn *pg, const char *target)
{
	size_t n = strlen(target);

	if (strcmp(target, "0") == 0)
		return -1;
	if (n == 4 && strspn(target, "0123456789") == 4)
		return atoi(target);
	if (n < 50 && migrate_number(target) >= 0 &&
	    migrate_applied(pg, target))
		return migrate_number(target);
	return -2;
}

/*
 * The applied versions newer than keep, newest first; -1 with err, also
 * when one has no down file (then nothing is reverted).
 */
static int
migrate_down_list(PGconn *pg, const char *dir, int keep, char **names,
    size_t *n, char *err, size_t errlen)
{
	char path[1024];
	PGresult *res;
	int i, rows;

	*n = 0;
	res = PQexec(pg, "SELECT version FROM schema_migrations WHERE version "
	    "~ '^[0-9]{4}_' ORDER BY version DESC");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(err, errlen, "reading schema_migrations: %s",
		    PQresultErrorMessage(res));
		err[strcspn(err, "\n")] = '\0';
		PQclear(res);
		return -1;
	}
	rows = PQntuples(res);
	for (i = 0; i < rows && *n < MIGRATE_MAX_FILES; i++) {
		const char *v = PQgetvalue(res, i, 0);

		if (migrate_number(v) <= keep)
			continue;
		snprintf(path, sizeof(path), "%s/%s" MIGRATE_DOWN_SUFFIX, dir,
		    v);
		if (access(path, R_OK) == -1) {
			snprintf(err, errlen, "migration %s has no reverse "
			    "(%s: %s): nothing reverted", v, path,
			    strerror(errno));
			PQclear(res);
			return -1;
		}
		names[(*n)++] = xstrdup(v);
	}
	PQclear(res);
	return 0;
}

/* All the downs in one transaction: a down that fails changes nothing. */
int
migrate_down(const struct conf *c, const char *target,
    void (*report)(const char *, int, void *), void *arg, char *notes,
    char *err, size_t errlen)
{
	const char *dir = conf_str(c, S_SCHEMA_DIR);
	char *names[MIGRATE_MAX_FILES], file[128], why[128];
	int keep, ok;
	size_t n = 0, i;
	PGconn *pg;

	if ((pg = migrate_begin(c, notes, err, errlen)) == NULL)
		return -1;
	if ((keep = migrate_target(pg, target)) == -2)
		snprintf(err, errlen, "%s: not 0, a migration's number (NNNN) "
		    "or an applied migration (NNNN_name)", target);
	ok = keep != -2 && migrate_down_list(pg, dir, keep, names, &n, err,
	    errlen) == 0 && migrate_exec(pg, "BEGIN", err, errlen) == 0;
	for (i = 0; ok && i < n; i++) {
		snprintf(file, sizeof(file), "%s" MIGRATE_DOWN_SUFFIX,
		    names[i]);
		if (migrate_file(pg, dir, file, names[i], "DELETE FROM "
		    "schema_migrations WHERE version = $1", err,
		    errlen) == -1) {
			migrate_failed(err, errlen, file, "nothing reverted");
			migrate_exec(pg, "ROLLBACK", why, sizeof(why));
			ok = 0;
		}
	}
	if (ok && migrate_exec(pg, "COMMIT", err, errlen) == -1) {
		migrate_failed(err, errlen, "down (COMMIT)", "nothing reverted");
		ok = 0;
	}
	for (i = 0; i < n; i++) {
		if (ok) {
			log_info("migration %s reverted", names[i]);
			if (report != NULL)
				report(names[i], 0, arg);
		}
		free(names[i]);
	}
	migrate_end(pg);
	return ok ? (int)n : -1;
}
