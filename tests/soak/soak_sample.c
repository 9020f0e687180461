/*
 * The relay's processes as /proc shows them: RSS, peak RSS, threads and
 * open descriptors; and the slope of RSS over time.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/soak/soak.h"

/* The number after "key:" in /proc/PID/status; -1 if absent. */
static double
status_value(const char *status, const char *key)
{
	const char	*p = strstr(status, key);

	return p == NULL ? -1 : strtod(p + strlen(key), NULL);
}

static long
count_fds(long pid)
{
	char		 path[64];
	DIR		*d;
	struct dirent	*de;
	long		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

void
soak_sample_take(const char *exe, struct soak_sample *s)
{
	DIR		*proc;
	struct dirent	*de;
	char		 path[64], buf[PATH_MAX], status[4096], *end;
	ssize_t		 n;
	size_t		 len;
	long		 pid;
	double		 rss, hwm;
	FILE		*f;

	s->procs = 0;
	s->rss_kib = s->rss_max_kib = s->hwm_max_kib = 0;
	s->threads = s->fds = 0;
	if ((proc = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(proc)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
		n = readlink(path, buf, sizeof(buf) - 1);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strcmp(buf, exe) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		len = fread(status, 1, sizeof(status) - 1, f);
		fclose(f);
		status[len] = '\0';
		rss = status_value(status, "VmRSS:");
		hwm = status_value(status, "VmHWM:");
		if (rss < 0)
			continue;	/* exiting: no memory left to count */
		s->procs++;
		s->rss_kib += rss;
		if (rss > s->rss_max_kib)
			s->rss_max_kib = rss;
		if (hwm > s->hwm_max_kib)
			s->hwm_max_kib = hwm;
		s->threads += (long)status_value(status, "Threads:");
		s->fds += count_fds(pid);
	}
	closedir(proc);
}

double
soak_rss_slope(const struct soak_sample *s, size_t n, double from_s)
{
	double	st = 0, sy = 0, stt = 0, sty = 0, t, k = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i].t_s < from_s)
			continue;
		t = s[i].t_s / 60.0;
		st += t;
		sy += s[i].rss_kib;
		stt += t * t;
		sty += t * s[i].rss_kib;
		k++;
	}
	if (k < 2 || k * stt - st * st == 0)
		return 0;
	return (k * sty - st * sy) / (k * stt - st * st);
}
