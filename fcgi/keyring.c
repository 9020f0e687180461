#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fcgi/keyring.h"
#include "fcgi/settings.h"
#include "policy/config.h"
#include "policy/keys.h"
#include "policy/xalloc.h"

/* A keys file larger than this is refused: 1 MiB is ~5,000 keys. */
#define KEYS_FILE_MAX	(1024 * 1024)

/* One version of the keys, freed when no request holds it any more. */
struct snapshot {
	struct keyset	 ks;	/* first: a held keyset is its snapshot */
	int		 refs;	/* the keyring's own, plus requests' */
};

/* What tells one version of the file from the next. */
struct file_id {
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	struct timespec	 ctime;
	bool		 missing;
};

struct keyring {
	const struct config	*cfg;
	pthread_mutex_t		 lock;	/* guards everything below */
	struct snapshot		*current;
	struct file_id		 loaded;	/* the version current is of,
						   or the last one refused */
	time_t			 checked;
};

int
keyring_read_file(const char *path, char **text, char *err, size_t errsz)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, rc = -1;
	char		*buf = NULL;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1) {
		snprintf(err, errsz, "RELAY_KEYS_FILE: cannot open %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if (settings_check_file(fd, path, "RELAY_KEYS_FILE", true, err,
	    errsz) == -1)
		goto out;
	if (fstat(fd, &st) == -1 || st.st_size > KEYS_FILE_MAX) {
		snprintf(err, errsz, "RELAY_KEYS_FILE %s is larger than %d "
		    "bytes", path, KEYS_FILE_MAX);
		goto out;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size && (n = read(fd, buf + got,
	    (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	if (memchr(buf, '\0', got) != NULL) {
		snprintf(err, errsz, "RELAY_KEYS_FILE %s holds a NUL byte",
		    path);
		goto out;
	}
	*text = buf;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		explicit_bzero(buf, got);
		free(buf);
	}
	close(fd);
	return rc;
}

static void
file_id_of(const char *path, struct file_id *id)
{
	struct stat	st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) == -1) {
		id->missing = true;
		return;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
}

static bool
file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->missing == b->missing && a->dev == b->dev &&
	    a->ino == b->ino && a->size == b->size &&
	    a->mtime.tv_sec == b->mtime.tv_sec &&
	    a->mtime.tv_nsec == b->mtime.tv_nsec &&
	    a->ctime.tv_sec == b->ctime.tv_sec &&
	    a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* A fresh snapshot of the config's keys and the file's; NULL on error. */
static struct snapshot *
snapshot_load(const struct config *cfg, char *err, size_t errsz)
{
	struct snapshot	*snap = xcalloc(1, sizeof(*snap));
	char		*text = NULL;
	int		 rc;

	if (cfg->keys_file[0] != '\0' &&
	    keyring_read_file(cfg->keys_file, &text, err, errsz) == -1) {
		free(snap);
		return NULL;
	}
	rc = keys_build(cfg, text, cfg->keys_file, &snap->ks, err, errsz);
	if (text != NULL) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
	if (rc == -1) {
		free(snap);
		return NULL;
	}
	snap->refs = 1;
	return snap;
}

static void
snapshot_unref(struct snapshot *snap)
{
	if (--snap->refs > 0)
		return;
	keys_free(&snap->ks);
	free(snap);
}

struct keyring *
keyring_open(const struct config *cfg, char *err, size_t errsz)
{
	struct keyring	*kr = xcalloc(1, sizeof(*kr));

	kr->cfg = cfg;
	if (cfg->keys_file[0] != '\0')
		file_id_of(cfg->keys_file, &kr->loaded);
	kr->current = snapshot_load(cfg, err, errsz);
	if (kr->current == NULL) {
		free(kr);
		return NULL;
	}
	pthread_mutex_init(&kr->lock, NULL);
	kr->checked = time(NULL);
	return kr;
}

/*
 * Rereads the file if it changed since it was last read (or refused);
 * called with the lock held.  A refused version is logged once.
 */
static void
keyring_check(struct keyring *kr)
{
	struct file_id	 now;
	struct snapshot	*snap;
	char		 err[512];

	file_id_of(kr->cfg->keys_file, &now);
	if (file_id_same(&now, &kr->loaded))
		return;
	kr->loaded = now;
	snap = snapshot_load(kr->cfg, err, sizeof(err));
	if (snap == NULL) {
		fprintf(stderr, "relay: keys file not reloaded, keeping the "
		    "last good keys: %s\n", err);
		return;
	}
	snapshot_unref(kr->current);
	kr->current = snap;
	fprintf(stderr, "relay: keys file reloaded: %zu keys\n", snap->ks.n);
}

const struct keyset *
keyring_acquire(struct keyring *kr)
{
	struct snapshot	*snap;
	time_t		 now = time(NULL);

	pthread_mutex_lock(&kr->lock);
	if (kr->cfg->keys_file[0] != '\0' &&
	    now - kr->checked >= KEYRING_CHECK_S) {
		kr->checked = now;
		keyring_check(kr);
	}
	snap = kr->current;
	snap->refs++;
	pthread_mutex_unlock(&kr->lock);
	return &snap->ks;
}

void
keyring_release(struct keyring *kr, const struct keyset *ks)
{
	pthread_mutex_lock(&kr->lock);
	snapshot_unref((struct snapshot *)(void *)ks);
	pthread_mutex_unlock(&kr->lock);
}

void
keyring_close(struct keyring *kr)
{
	if (kr == NULL)
		return;
	snapshot_unref(kr->current);
	pthread_mutex_destroy(&kr->lock);
	free(kr);
}
