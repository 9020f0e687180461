/*
 * make soak: minutes of mixed load through lighttpd → relay against the
 * fake upstream, with the relay's memory sampled as it goes.  See
 * soak_main.c for the run, soak_load.c for the requests and
 * soak_sample.c for what is read from /proc.
 */
#ifndef TESTS_SOAK_SOAK_H
#define TESTS_SOAK_SOAK_H

#include <stdbool.h>
#include <stddef.h>

#define SOAK_RELAY_KEY		"soak-relay-key-0123456789abcdef"
#define SOAK_OPENAI_KEY		"sk-soak-not-a-real-key-0123456789"
/* The relay's JSON cap in the soak, so an oversize body stays cheap. */
#define SOAK_MAX_JSON_BODY	65536

/* ---- soak_load.c: the request mix ---- */

/* What one kind of request is, and what it must get. */
enum soak_kind {
	K_EMBEDDINGS,		/* POST /v1/embeddings: 200 */
	K_CHAT,			/* POST /v1/chat/completions: 200 */
	K_STREAM,		/* POST /v1/responses, stream: 200, every event */
	K_UPLOAD,		/* POST /v1/files multipart: 200 with an id */
	K_DOWNLOAD,		/* GET /v1/files/{id}/content: 200, the bytes sent */
	K_DELETE,		/* DELETE /v1/files/{id}: 200 */
	K_MODELS,		/* GET /v1/models: 200 */
	K_BAD_KEY,		/* wrong relay key: 401 */
	K_UNKNOWN_ROUTE,	/* GET /v1/no/such/route: 404 */
	K_OVERSIZE,		/* JSON over the cap: 413 */
	K_UPSTREAM_500,		/* upstream answers 500: passed through */
	K__MAX
};

#define SOAK_STATUS_MAX		600	/* statuses counted 0..599; 0: no answer */
#define SOAK_UNEXPECTED_KEEP	20

struct soak_counts {
	long	by_status[K__MAX][SOAK_STATUS_MAX];
	long	unexpected;
	char	examples[SOAK_UNEXPECTED_KEEP][256];
	int	nexamples;
};

const char *soak_kind_name(enum soak_kind k);
int soak_kind_expected(enum soak_kind k);

/*
 * Runs clients threads of the mix against base_url until *stop, adding
 * what they got to counts (under its own lock).
 */
void soak_load_run(const char *base_url, int clients, volatile bool *stop,
    struct soak_counts *counts);

/* Requests answered so far, whatever the status (for the samples). */
long soak_load_done(void);

/* ---- soak_sample.c: the relay's processes, from /proc ---- */

struct soak_sample {
	double	t_s;		/* since the load started */
	long	requests;	/* answered by then */
	int	procs;
	double	rss_kib;	/* VmRSS, summed over the relay's processes */
	double	rss_max_kib;	/* largest single VmRSS */
	double	hwm_max_kib;	/* largest single VmHWM */
	long	threads;	/* summed */
	long	fds;		/* summed */
};

/* Fills s from every process whose executable is exe. */
void soak_sample_take(const char *exe, struct soak_sample *s);

/*
 * Least-squares slope of RSS in KiB per minute over the samples taken
 * at or after from_s; 0 if fewer than two.
 */
double soak_rss_slope(const struct soak_sample *s, size_t n, double from_s);

#endif
