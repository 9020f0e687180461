#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fake_upstream/fake_blob.h"
#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"

/* In-memory pieces start small and double up to this size. */
#define CHUNK_MIN 4096
#define CHUNK_MAX (1024 * 1024)
/* Reads from a spilled blob go through a buffer this big. */
#define READ_PIECE (256 * 1024)

struct chunk {
	char *data;
	size_t len, cap;
};

struct blob {
	uint64_t len;
	uint64_t fnv;
	uint64_t mem;		/* bytes reserved against BLOB_MEM_TOTAL */
	struct chunk *chunks;
	size_t nchunks, chunks_cap;
	int fd;			/* >= 0 once spilled: holds every byte */
	int failed;
	int finished;
	int refs;		/* guarded by lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t mem_total;	/* guarded by lock */
static char tmpdir[4096];	/* guarded by lock; "" until needed */
static uint64_t next_tmp = 1;	/* guarded by lock */

struct blob *blob_new(void)
{
	struct blob *b = xmalloc(sizeof(*b));

	memset(b, 0, sizeof(*b));
	b->fnv = FNV1A64_INIT;
	b->fd = -1;
	b->refs = 1;
	return b;
}

/* Reserves n more bytes of the memory budget. Returns 0, or -1 if over. */
static int mem_reserve(struct blob *b, uint64_t n)
{
	int ok;

	if (b->mem + n > BLOB_MEM_MAX)
		return -1;
	pthread_mutex_lock(&lock);
	ok = mem_total + n <= BLOB_MEM_TOTAL;
	if (ok)
		mem_total += n;
	pthread_mutex_unlock(&lock);
	if (!ok)
		return -1;
	b->mem += n;
	return 0;
}

static void mem_release(struct blob *b)
{
	pthread_mutex_lock(&lock);
	mem_total -= b->mem;
	pthread_mutex_unlock(&lock);
	b->mem = 0;
}

static void free_chunks(struct blob *b)
{
	for (size_t i = 0; i < b->nchunks; i++)
		free(b->chunks[i].data);
	free(b->chunks);
	b->chunks = NULL;
	b->nchunks = b->chunks_cap = 0;
	mem_release(b);
}

/* Opens an unlinked file in the private directory, made on first use. */
static int open_spill_file(void)
{
	char path[4200];
	int fd = -1;

	pthread_mutex_lock(&lock);
	if (tmpdir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		if (base == NULL || base[0] == '\0')
			base = "/tmp";
		snprintf(tmpdir, sizeof(tmpdir), "%s/fake-upstream.XXXXXX", base);
		if (mkdtemp(tmpdir) == NULL)
			tmpdir[0] = '\0';
	}
	if (tmpdir[0] != '\0') {
		snprintf(path, sizeof(path), "%s/blob-%llu", tmpdir,
			 (unsigned long long)next_tmp++);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		/* Unlinked at once: the bytes go when the descriptor does. */
		if (fd >= 0)
			unlink(path);
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

static int write_fd(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Moves what is in memory to a file. Returns 0, or -1 (b->failed set). */
static int spill(struct blob *b)
{
	b->fd = open_spill_file();
	if (b->fd < 0) {
		b->failed = 1;
		free_chunks(b);
		return -1;
	}
	for (size_t i = 0; i < b->nchunks; i++) {
		if (write_fd(b->fd, b->chunks[i].data, b->chunks[i].len) < 0) {
			b->failed = 1;
			break;
		}
	}
	free_chunks(b);
	return b->failed ? -1 : 0;
}

static void mem_append(struct blob *b, const char *p, size_t n)
{
	while (n > 0) {
		struct chunk *c = b->nchunks ? &b->chunks[b->nchunks - 1] : NULL;
		size_t take;

		if (c == NULL || c->len == c->cap) {
			size_t cap = c ? c->cap * 2 : CHUNK_MIN;

			if (cap > CHUNK_MAX)
				cap = CHUNK_MAX;
			if (b->nchunks == b->chunks_cap) {
				b->chunks_cap = b->chunks_cap ? b->chunks_cap * 2 : 8;
				b->chunks = xrealloc(b->chunks,
						     b->chunks_cap * sizeof(*b->chunks));
			}
			c = &b->chunks[b->nchunks++];
			c->data = xmalloc(cap);
			c->len = 0;
			c->cap = cap;
		}
		take = c->cap - c->len;
		if (take > n)
			take = n;
		memcpy(c->data + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
	}
}

/* Room left in the last memory chunk. */
static size_t chunk_room(const struct blob *b)
{
	const struct chunk *c = b->nchunks ? &b->chunks[b->nchunks - 1] : NULL;

	return c ? c->cap - c->len : 0;
}

/* Memory that appending n bytes needs beyond what is reserved. */
static uint64_t mem_needed(const struct blob *b, size_t n)
{
	size_t room = chunk_room(b);
	const struct chunk *c = b->nchunks ? &b->chunks[b->nchunks - 1] : NULL;
	size_t cap = c ? c->cap : CHUNK_MIN / 2;
	uint64_t need = 0;

	if (n <= room)
		return 0;
	n -= room;
	while (n > 0) {
		cap = cap * 2 > CHUNK_MAX ? CHUNK_MAX : cap * 2;
		need += cap;
		n = n > cap ? n - cap : 0;
	}
	return need;
}

void blob_write(struct blob *b, const void *p, size_t n)
{
	if (n == 0 || b->finished)
		return;
	b->len += n;
	b->fnv = fnv1a64_update(b->fnv, p, n);
	if (b->failed)
		return;
	if (b->fd < 0) {
		uint64_t need = mem_needed(b, n);

		if (need == 0 || mem_reserve(b, need) == 0) {
			mem_append(b, p, n);
			return;
		}
		if (spill(b) < 0)
			return;
	}
	if (write_fd(b->fd, p, n) < 0)
		b->failed = 1;
}

static int append_piece(void *arg, const void *p, size_t n)
{
	blob_write(arg, p, n);
	return 0;
}

void blob_append_blob(struct blob *b, const struct blob *src)
{
	if (blob_each(src, append_piece, b) < 0)
		b->failed = 1;
}

void blob_finish(struct blob *b)
{
	b->finished = 1;
}

int blob_failed(const struct blob *b)
{
	return b->failed;
}

uint64_t blob_length(const struct blob *b)
{
	return b->len;
}

uint64_t blob_fnv(const struct blob *b)
{
	return b->fnv;
}

int blob_on_disk(const struct blob *b)
{
	return b->fd >= 0;
}

int blob_each(const struct blob *b, int (*fn)(void *arg, const void *p, size_t n),
	      void *arg)
{
	char *piece;
	uint64_t off = 0;
	int rc = 0;

	if (b->fd < 0) {
		for (size_t i = 0; i < b->nchunks; i++)
			if (fn(arg, b->chunks[i].data, b->chunks[i].len) < 0)
				return -1;
		return 0;
	}
	piece = xmalloc(READ_PIECE);
	while (off < b->len) {
		size_t want = b->len - off < READ_PIECE ? (size_t)(b->len - off) : READ_PIECE;
		ssize_t got = pread(b->fd, piece, want, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || fn(arg, piece, (size_t)got) < 0) {
			rc = -1;
			break;
		}
		off += (uint64_t)got;
	}
	free(piece);
	return rc;
}

struct blob *blob_ref(struct blob *b)
{
	pthread_mutex_lock(&lock);
	b->refs++;
	pthread_mutex_unlock(&lock);
	return b;
}

void blob_unref(struct blob *b)
{
	int last;

	if (b == NULL)
		return;
	pthread_mutex_lock(&lock);
	last = --b->refs == 0;
	pthread_mutex_unlock(&lock);
	if (!last)
		return;
	free_chunks(b);
	if (b->fd >= 0)
		close(b->fd);
	free(b);
}

void blob_tmpdir_remove(void)
{
	pthread_mutex_lock(&lock);
	/* Every file in it was unlinked when made: it is empty. */
	if (tmpdir[0] != '\0' && rmdir(tmpdir) == 0)
		tmpdir[0] = '\0';
	pthread_mutex_unlock(&lock);
}
