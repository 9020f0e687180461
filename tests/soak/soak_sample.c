/*
 * The relay's processes as /proc shows them: RSS, peak RSS, threads and
 * open descriptors; and the slope of RSS over time.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/integ/frontend.h"
#include "tests/soak/soak.h"

/* Relay processes a sample looks at: a supervisor and its workers. */
#define SOAK_PIDS_MAX	64

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
	pid_t		 pids[SOAK_PIDS_MAX];
	char		 path[64], status[4096];
	size_t		 len, npids, i;
	double		 rss, hwm;
	FILE		*f;

	s->procs = 0;
	s->rss_kib = s->rss_max_kib = s->hwm_max_kib = 0;
	s->threads = s->fds = 0;
	npids = frontend_pids_running(exe, pids, SOAK_PIDS_MAX);
	for (i = 0; i < npids; i++) {
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pids[i]);
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
		s->fds += count_fds(pids[i]);
	}
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
