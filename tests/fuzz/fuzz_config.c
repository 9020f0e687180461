/*
 * The config file parser and the settings it feeds: the input is written
 * to a file and loaded, as relay.conf would be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fcgi/settings.h"
#include "policy/config.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 path[64];
	struct config	 cfg;
	char		 used[4096], err[512];
	FILE		*fp;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/relay-fuzz-%d.conf",
		    (int)getpid());
	fp = fopen(path, "w");
	if (fp == NULL)
		return 0;
	fwrite(data, 1, size, fp);
	fclose(fp);
	if (settings_load(path, &cfg, used, sizeof(used), err,
	    sizeof(err)) == 0)
		config_free(&cfg);
	unlink(path);
	return 0;
}
