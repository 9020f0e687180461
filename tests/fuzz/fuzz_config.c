/*
 * The config file parser and the settings it feeds: the input is read as
 * relay.conf would be, from a memory stream so no input touches the
 * filesystem (a *_FILE setting it names still opens that file).
 */
#include <stdio.h>
#include <stdlib.h>

#include "fcgi/settings.h"
#include "policy/config.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	 cfg;
	char		 err[512];
	FILE		*fp;

	/* fmemopen refuses an empty buffer: read as an empty file. */
	fp = size > 0 ? fmemopen((void *)data, size, "r") : NULL;
	if (size > 0 && fp == NULL)
		abort();
	if (settings_load_stream(fp, "fuzz/relay.conf", &cfg, err,
	    sizeof(err)) == 0)
		config_free(&cfg);
	if (fp != NULL)
		fclose(fp);
	return 0;
}
