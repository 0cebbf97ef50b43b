/*
 * gen-settings.c - prints the SETTINGS list of ssd.conf(5) from the
 * settings table, so the manual can never disagree with the code; with -k,
 * the setting names, one per line (tests compare them with the example);
 * with -r, ssd-upgrade(7)'s list of the seeds' variables ssd does without.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"

int
main(int argc, char *argv[])
{
	int i;

	if (argc == 2 && strcmp(argv[1], "-k") == 0) {
		for (i = 0; i < S_COUNT; i++)
			puts(conf_def(i)->key);
	} else if (argc == 2 && strcmp(argv[1], "-r") == 0)
		conf_print_retired_mdoc(stdout);
	else
		conf_print_mdoc(stdout);
	return ferror(stdout) ? 1 : 0;
}
