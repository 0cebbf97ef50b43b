/*
 * replay.c - runs a fuzz target over its checked-in corpus, as a TAP test,
 * so every input that once crashed a parser stays fixed in `make check`.
 * Built instead of libFuzzer's main unless --enable-fuzzers is given.
 * Corpus: $top_srcdir/tests/fuzz/corpus/FUZZ_NAME/, or the paths in argv.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ntests;

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		printf("not ok %d - %s: %s\n", ++ntests, path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		printf("not ok %d - %s: read failed\n", ++ntests, path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	/* A crash or sanitizer report ends the process before this line. */
	printf("ok %d - %s\n", ++ntests, path);
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *dir)
{
	char **names = NULL, path[4096];
	size_t n = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		printf("not ok %d - corpus %s: %s\n", ++ntests, dir,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (names == NULL || (names[n] = strdup(de->d_name)) == NULL)
			abort();
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), entry_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (replay_file(path) == -1)
			rc = -1;
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *top = getenv("top_srcdir");
	char dir[4096];
	struct stat st;
	int i, rc = 0;

	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
				rc |= replay_dir(argv[i]);
			else
				rc |= replay_file(argv[i]);
		}
	} else {
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s",
		    top != NULL ? top : ".", FUZZ_NAME);
		rc = replay_dir(dir);
	}
	printf("1..%d\n", ntests);
	return rc == 0 ? 0 : 1;
}
