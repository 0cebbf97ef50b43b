/*
 * test_conf.c - ssd.conf parsing, environment and secret precedence,
 * validation messages, and the text form workers receive.
 */
#include "config.h"

#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

static char tmpdir[64];

static void
setup(void)
{
	ssd_strlcpy(tmpdir, "/tmp/test_conf.XXXXXX", sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("PORT");
	unsetenv("LOG_LEVEL");
	unsetenv("JWT_SECRET");
	unsetenv("JWT_SECRET_FILE");
	unsetenv("CREDENTIALS_DIRECTORY");
	unsetenv("AGENT_TIMEOUT");
	unsetenv("AGENT_HEARTBEAT_TIMEOUT");
	unsetenv("VNC_PROXY_ENABLED");
	unsetenv("SESSION_NAMESPACE");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)!system(cmd);
}

/* Writes a file under tmpdir with the given mode; returns its path. */
static const char *
put(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	fchmod(fd, mode);
	close(fd);
	return path;
}

static int
load(struct conf *c, const char *text, struct conf_error *err)
{
	return conf_load_file(c, put("ssd.conf", text, 0644), 1, err);
}

START_TEST(defaults_are_valid)
{
	struct conf *c = conf_new();
	struct conf_error err;

	ck_assert_int_eq(conf_check(c, &err), 0);
	ck_assert_int_eq(conf_int(c, S_PORT), 8080);
	ck_assert_str_eq(conf_str(c, S_LOG_LEVEL), "info");
	ck_assert_uint_eq(conf_ms(c, S_SHUTDOWN_TIMEOUT), 10000);
	ck_assert_uint_eq(conf_size(c, S_HTTP_MAX_BODY_SIZE), 1048576);
	ck_assert(!conf_is_set(c, S_JWT_SECRET));
	conf_free(c);
}
END_TEST

START_TEST(file_syntax)
{
	struct conf *c = conf_new();
	struct conf_error err;

	ck_assert_int_eq(load(c,
	    "# comment\n"
	    "\n"
	    "  port = 9000   # trailing comment\n"
	    "log_level=debug\n"
	    "listen_address = \"::1\"\n"
	    "control_group = \"a \\\"b\\\" \\\\c # not a comment\"\n"
	    "worker_dir = /opt/x#y\n", &err), 0);
	ck_assert_int_eq(conf_int(c, S_PORT), 9000);
	ck_assert_str_eq(conf_str(c, S_LOG_LEVEL), "debug");
	ck_assert_str_eq(conf_str(c, S_LISTEN_ADDRESS), "::1");
	ck_assert_str_eq(conf_str(c, S_CONTROL_GROUP),
	    "a \"b\" \\c # not a comment");
	ck_assert_str_eq(conf_str(c, S_WORKER_DIR), "/opt/x#y");
	ck_assert_int_eq(conf_source(c, S_PORT), CONF_SRC_FILE);
	conf_free(c);
}
END_TEST

/* Each bad file must fail with "file:line: setting: reason". */
START_TEST(file_errors_name_the_line)
{
	static const struct {
		const char *text, *expect;
	} cases[] = {
		{ "port = 0\n", ":1: port: \"0\" is not an integer in 1..65535" },
		{ "\nport = 80x\n", ":2: port: " },
		{ "nosuch = 1\n", ":1: nosuch: unknown setting" },
		{ "port 80\n", ":1: expected \"=\"" },
		{ "= 80\n", ":1: expected a setting name" },
		{ "port = \"80\n", ":1: unterminated quote" },
		{ "port = \"80\" x\n", ":1: text after the closing quote" },
		{ "port = \"8\\0\"\n", ":1: unknown escape" },
		{ "port = 1\nport = 2\n", ":2: port: already set at line 1" },
		{ "log_level = loud\n", ":1: log_level: \"loud\" is not one of" },
		{ "shutdown_timeout = 500ms\n", "shutdown_timeout: \"500ms\" is outside" },
		{ "shutdown_timeout = 5q\n", "is not a duration" },
		{ "http_max_body_size = 1T\n", "is not a size" },
		{ "debug_sandbox_probe = maybe\n", "is not yes or no" },
		{ "jwt_secret = short\n", "must be at least 32 bytes" },
		{ "control_group = \"a\tb\"\n", "control characters" },
	};
	struct conf_error err;
	size_t i;

	for (i = 0; i < nitems(cases); i++) {
		struct conf *c = conf_new();

		ck_assert_msg(load(c, cases[i].text, &err) == -1,
		    "accepted: %s", cases[i].text);
		ck_assert_msg(strstr(err.msg, cases[i].expect) != NULL,
		    "case %zu: got \"%s\"", i, err.msg);
		ck_assert_msg(strstr(err.msg, "/ssd.conf:") != NULL,
		    "no file name: %s", err.msg);
		conf_free(c);
	}
}
END_TEST

START_TEST(check_catches_bad_combinations)
{
	struct conf *c = conf_new();
	struct conf_error err;

	ck_assert_int_eq(load(c, "listen_address = localhost\n", &err), 0);
	ck_assert_int_eq(conf_check(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "listen_address"));
	ck_assert_ptr_nonnull(strstr(err.msg, "ssd.conf:1"));
	conf_free(c);
	c = conf_new();
	ck_assert_int_eq(load(c, "worker_dir = relative/dir\n", &err), 0);
	ck_assert_int_eq(conf_check(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "absolute path"));
	conf_free(c);
	c = conf_new();
	ck_assert_int_eq(load(c, "metrics_allow = 10.0.0.0/8, prometheus\n",
	    &err), 0);
	ck_assert_int_eq(conf_check(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "ssd.conf:1 (metrics_allow)"));
	conf_free(c);
	c = conf_new();
	ck_assert_int_eq(load(c, "metrics_listen = 192.0.2.1\n", &err), 0);
	ck_assert_int_eq(conf_check(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "(metrics_listen)"));
	conf_free(c);
	c = conf_new();
	ck_assert_int_eq(load(c, "metrics_listen = [::1]:9101\n"
	    "metrics_allow = \n", &err), 0);
	ck_assert_int_eq(conf_check(c, &err), 0);
	conf_free(c);
}
END_TEST

START_TEST(environment_overrides_file)
{
	struct conf *c = conf_new();
	struct conf_error err;

	ck_assert_int_eq(load(c, "port = 9000\nlog_level = warn\n", &err), 0);
	setenv("PORT", "9100", 1);
	ck_assert_int_eq(conf_load_env(c, &err), 0);
	ck_assert_int_eq(conf_int(c, S_PORT), 9100);
	ck_assert_int_eq(conf_source(c, S_PORT), CONF_SRC_ENV);
	ck_assert_str_eq(conf_str(c, S_LOG_LEVEL), "warn");
	setenv("PORT", "99999", 1);
	ck_assert_int_eq(conf_load_env(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "environment PORT (port)"));
	unsetenv("PORT");
	conf_free(c);
}
END_TEST

/* Collects conf_env_warnings' sentences, one a line. */
static void
warned(const char *msg, void *arg)
{
	char *buf = arg;

	snprintf(buf + strlen(buf), 2048 - strlen(buf), "%s\n", msg);
}

START_TEST(seed_aliases)
{
	struct conf *c = conf_new();
	struct conf_error err;
	char buf[2048] = "";

	setenv("AGENT_HEARTBEAT_TIMEOUT", "45s", 1);
	ck_assert_int_eq(conf_load_env(c, &err), 0);
	ck_assert_uint_eq(conf_ms(c, S_AGENT_TIMEOUT), 45000);
	ck_assert_int_eq(conf_source(c, S_AGENT_TIMEOUT), CONF_SRC_ENV);
	ck_assert_int_eq(conf_env_warnings(warned, buf), 0);
	/* Its own variable wins, and the alias is said to be ignored. */
	setenv("AGENT_TIMEOUT", "2m", 1);
	ck_assert_int_eq(conf_load_env(c, &err), 0);
	ck_assert_uint_eq(conf_ms(c, S_AGENT_TIMEOUT), 120000);
	ck_assert_int_eq(conf_env_warnings(warned, buf), 1);
	ck_assert_ptr_nonnull(strstr(buf, "environment "
	    "AGENT_HEARTBEAT_TIMEOUT (agent_timeout) is ignored: "
	    "AGENT_TIMEOUT is set too"));
	/* A bad value is an error naming the alias. */
	unsetenv("AGENT_TIMEOUT");
	setenv("AGENT_HEARTBEAT_TIMEOUT", "soon", 1);
	ck_assert_int_eq(conf_load_env(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg,
	    "environment AGENT_HEARTBEAT_TIMEOUT (agent_timeout)"));
	conf_free(c);
}
END_TEST

START_TEST(seed_retired)
{
	char buf[2048] = "";

	ck_assert_int_eq(conf_env_warnings(warned, buf), 0);
	setenv("VNC_PROXY_ENABLED", "true", 1);
	setenv("SESSION_NAMESPACE", "streamspace", 1);
	ck_assert_int_eq(conf_env_warnings(warned, buf), 2);
	ck_assert_ptr_nonnull(strstr(buf, "environment VNC_PROXY_ENABLED is "
	    "ignored: the VNC proxy, ssd-vncproxy, is always on"));
	ck_assert_ptr_nonnull(strstr(buf, "environment SESSION_NAMESPACE is "
	    "ignored: each agent puts sessions in its own namespace"));
	/* Even empty: set is set. */
	setenv("VNC_PROXY_ENABLED", "", 1);
	unsetenv("SESSION_NAMESPACE");
	buf[0] = '\0';
	ck_assert_int_eq(conf_env_warnings(warned, buf), 1);
}
END_TEST

START_TEST(secret_files)
{
	const char *secret = "0123456789abcdef0123456789abcdef!";
	struct conf *c = conf_new();
	struct conf_error err;
	char text[512], path[256];

	/* World-readable: refused with a clear message. */
	ssd_strlcpy(path, put("jwt", "0123456789abcdef0123456789abcdef!\n",
	    0644), sizeof(path));
	snprintf(text, sizeof(text), "jwt_secret_file = %s\n", path);
	ck_assert_int_eq(load(c, text, &err), 0);
	ck_assert_int_eq(conf_resolve_secrets(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "accessible by group or "
	    "others"));
	conf_free(c);
	/* Mode 0600: read, one trailing newline removed. */
	chmod(path, 0600);
	c = conf_new();
	ck_assert_int_eq(load(c, text, &err), 0);
	ck_assert_int_eq(conf_resolve_secrets(c, &err), 0);
	ck_assert_str_eq(conf_str(c, S_JWT_SECRET), secret);
	conf_free(c);
	/* The environment's file beats the config file's value. */
	c = conf_new();
	ck_assert_int_eq(load(c, "jwt_secret = "
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n", &err), 0);
	setenv("JWT_SECRET_FILE", path, 1);
	ck_assert_int_eq(conf_load_env(c, &err), 0);
	ck_assert_int_eq(conf_resolve_secrets(c, &err), 0);
	ck_assert_str_eq(conf_str(c, S_JWT_SECRET), secret);
	ck_assert_int_eq(conf_source(c, S_JWT_SECRET), CONF_SRC_ENV);
	/* Value and file at the same level: ambiguous, refused. */
	setenv("JWT_SECRET", secret, 1);
	conf_free(c);
	c = conf_new();
	ck_assert_int_eq(conf_load_env(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "also given as a file"));
	unsetenv("JWT_SECRET");
	unsetenv("JWT_SECRET_FILE");
	conf_free(c);
	/* A file that is not there names itself. */
	c = conf_new();
	ck_assert_int_eq(load(c, "db_password_file = /nonexistent/pw\n",
	    &err), 0);
	ck_assert_int_eq(conf_resolve_secrets(c, &err), -1);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/pw"));
	conf_free(c);
}
END_TEST

START_TEST(systemd_credentials)
{
	struct conf *c = conf_new();
	struct conf_error err;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/creds", tmpdir);
	mkdir(dir, 0700);
	put("creds/db-password", "from-credential\n", 0400);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	ck_assert_int_eq(load(c, "db_password = from-file\n", &err), 0);
	ck_assert_int_eq(conf_load_credentials(c, &err), 0);
	ck_assert_int_eq(conf_load_env(c, &err), 0);
	ck_assert_int_eq(conf_resolve_secrets(c, &err), 0);
	ck_assert_str_eq(conf_str(c, S_DB_PASSWORD), "from-credential");
	ck_assert_int_eq(conf_source(c, S_DB_PASSWORD), CONF_SRC_CREDENTIAL);
	unsetenv("CREDENTIALS_DIRECTORY");
	conf_free(c);
}
END_TEST

START_TEST(serialize_round_trip)
{
	struct conf *c = conf_new(), *d = conf_new();
	struct conf_error err;
	char *text;
	int i;

	ck_assert_int_eq(load(c, "control_group = \"we\\\"ird \\\\ # g\"\n"
	    "jwt_secret = \"0123456789abcdef0123456789abcdef\\\"\"\n"
	    "port = 1234\n", &err), 0);
	text = conf_serialize(c, 1);
	ck_assert_int_eq(conf_load_text(d, text, strlen(text), &err), 0);
	for (i = 0; i < S_COUNT; i++)
		ck_assert_msg(conf_equal(c, d, i), "%s differs",
		    conf_def(i)->key);
	free(text);
	/* Without secrets the secret is simply absent. */
	text = conf_serialize(c, 0);
	ck_assert_ptr_null(strstr(text, "jwt_secret"));
	free(text);
	/* A NUL in the text is refused, not truncated. */
	ck_assert_int_eq(conf_load_text(d, "port = 1\0\n", 10, &err), -1);
	conf_free(c);
	conf_free(d);
}
END_TEST

START_TEST(print_masks_secrets)
{
	struct conf *c = conf_new();
	struct conf_error err;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_int_eq(load(c, "jwt_secret = "
	    "topsecret-topsecret-topsecret-topsecret\n", &err), 0);
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	ck_assert_ptr_null(strstr(buf, "topsecret"));
	ck_assert_ptr_nonnull(strstr(buf, "jwt_secret = \"********\""));
	ck_assert_ptr_nonnull(strstr(buf, "ssd.conf:1"));
	ck_assert_ptr_nonnull(strstr(buf, "port = \"8080\""));
	free(buf);
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults_are_valid);
	tcase_add_test(tc, file_syntax);
	tcase_add_test(tc, file_errors_name_the_line);
	tcase_add_test(tc, check_catches_bad_combinations);
	tcase_add_test(tc, environment_overrides_file);
	tcase_add_test(tc, seed_aliases);
	tcase_add_test(tc, seed_retired);
	tcase_add_test(tc, secret_files);
	tcase_add_test(tc, systemd_credentials);
	tcase_add_test(tc, serialize_round_trip);
	tcase_add_test(tc, print_masks_secrets);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
