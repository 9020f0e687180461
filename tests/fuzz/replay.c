/*
 * Replays fuzz corpora without a fuzzer: each file named on the command
 * line (or found in a directory named there) goes through the driver
 * once.  Prints one "N passed, 0 failed" line; a crash is a failure.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

static int	replayed;

static void
replay_file(const char *path)
{
	FILE		*fp = fopen(path, "rb");
	uint8_t		*data = NULL;
	size_t		 size = 0, n;
	uint8_t		 buf[65536];

	if (fp == NULL)
		return;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		data = realloc(data, size + n);
		if (data == NULL)
			abort();
		memcpy(data + size, buf, n);
		size += n;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(data ? data : buf, size);
	free(data);
	replayed++;
}

int
main(int argc, char *argv[])
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[4096];
	DIR		*dir;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			dir = opendir(argv[i]);
			while (dir != NULL && (de = readdir(dir)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i],
				    de->d_name);
				replay_file(path);
			}
			if (dir != NULL)
				closedir(dir);
		} else
			replay_file(argv[i]);
	}
	printf("%s: %d passed, 0 failed\n", argv[0], replayed);
	return 0;
}
