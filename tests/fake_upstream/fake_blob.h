#ifndef FAKE_BLOB_H
#define FAKE_BLOB_H

#include <stddef.h>
#include <stdint.h>

/*
 * Bytes the fake keeps for the Files and Uploads emulation, of any size.
 * A blob is written once, front to back, then frozen (blob_finish) and
 * only read. Its first BLOB_MEM_MAX bytes live in memory; a blob that
 * grows past that, or past the process-wide BLOB_MEM_TOTAL budget, moves
 * to an already-unlinked file in a private temporary directory, so memory
 * stays bounded and nothing outlives the process.
 *
 * Reference counted: a download keeps the bytes alive while a DELETE or
 * /__fake/reset lets go of them.
 */

/* Per-blob and process-wide limits on bytes held in memory. */
#define BLOB_MEM_MAX ((uint64_t)64 * 1024 * 1024)
#define BLOB_MEM_TOTAL ((uint64_t)128 * 1024 * 1024)

struct blob;

struct blob *blob_new(void);
/* Appends bytes; a failure (disk full) is remembered, see blob_failed. */
void blob_write(struct blob *b, const void *p, size_t n);
/* Appends all of src (frozen) to b. */
void blob_append_blob(struct blob *b, const struct blob *src);
/* Freezes the blob; no more writes. */
void blob_finish(struct blob *b);
/* 1 if a write failed: the content is not what was given. */
int blob_failed(const struct blob *b);
uint64_t blob_length(const struct blob *b);
uint64_t blob_fnv(const struct blob *b);
/* 1 if the bytes were moved to a temporary file. */
int blob_on_disk(const struct blob *b);

/*
 * Calls fn on the bytes in order, in pieces; stops early and returns -1
 * when fn does or a read fails, else 0.
 */
int blob_each(const struct blob *b, int (*fn)(void *arg, const void *p, size_t n),
	      void *arg);

struct blob *blob_ref(struct blob *b);
/* Drops a reference (NULL is fine); the last one frees the bytes. */
void blob_unref(struct blob *b);

/* Removes the private temporary directory if it exists (it is empty). */
void blob_tmpdir_remove(void);

#endif
