#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_io.h"
#include "tests/fake_upstream/fake_record.h"

#define RECORDS_MAX 10000
/*
 * Each record keeps up to 1 MiB of body (1.4 MiB as base64), so 10,000
 * of them could need 14 GB; past this budget the oldest go first.
 */
#define RECORDS_BYTES_MAX ((size_t)1 << 30)

struct record {
	uint64_t seq;
	char *json;	/* the object serialised without "seq" */
	size_t len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct record ring[RECORDS_MAX];
static size_t ring_head;	/* index of the oldest record */
static size_t ring_count;
static size_t ring_bytes;
static uint64_t next_seq = 1;
static uint64_t next_id = 1;
static uint64_t conns_open, conns_closed;
static int64_t last_close_ms;

static void drop_oldest(void)
{
	struct record *r = &ring[ring_head];

	ring_bytes -= r->len;
	free(r->json);
	r->json = NULL;
	ring_head = (ring_head + 1) % RECORDS_MAX;
	ring_count--;
}

uint64_t record_add(json_object *rec)
{
	size_t len;
	const char *s = json_plain(rec, &len);
	char *copy = xstrndup(s, len);
	struct record *r;
	uint64_t seq;

	/* Serialised outside the lock: a 1 MiB body takes a while. */
	json_object_put(rec);
	pthread_mutex_lock(&lock);
	while (ring_count > 0 &&
	       (ring_count == RECORDS_MAX || ring_bytes + len > RECORDS_BYTES_MAX))
		drop_oldest();
	r = &ring[(ring_head + ring_count) % RECORDS_MAX];
	r->seq = seq = next_seq++;
	r->json = copy;
	r->len = len;
	ring_count++;
	ring_bytes += len;
	pthread_mutex_unlock(&lock);
	return seq;
}

char *record_list(uint64_t since, size_t *len)
{
	struct buf b = { 0 };
	int first = 1;

	buf_puts(&b, "[");
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < ring_count; i++) {
		const struct record *r = &ring[(ring_head + i) % RECORDS_MAX];

		if (r->seq <= since)
			continue;
		/* Splice "seq" in as the first member: "{" + seq + rest. */
		buf_printf(&b, "%s{\"seq\":%llu,", first ? "" : ",",
			   (unsigned long long)r->seq);
		buf_append(&b, r->json + 1, r->len - 1);
		first = 0;
	}
	pthread_mutex_unlock(&lock);
	buf_puts(&b, "]");
	*len = b.len;
	return b.data;
}

void record_clear(void)
{
	pthread_mutex_lock(&lock);
	while (ring_count > 0)
		drop_oldest();
	ring_head = 0;
	pthread_mutex_unlock(&lock);
}

uint64_t record_next_id(void)
{
	uint64_t id;

	pthread_mutex_lock(&lock);
	id = next_id++;
	pthread_mutex_unlock(&lock);
	return id;
}

void record_conn_opened(void)
{
	pthread_mutex_lock(&lock);
	conns_open++;
	pthread_mutex_unlock(&lock);
}

void record_conn_closed(void)
{
	pthread_mutex_lock(&lock);
	conns_open--;
	conns_closed++;
	last_close_ms = io_now_ms();
	pthread_mutex_unlock(&lock);
}

char *record_conn_stats(size_t *len)
{
	json_object *o = json_object_new_object();
	const char *s;
	char *out;

	pthread_mutex_lock(&lock);
	json_object_object_add(o, "open", json_object_new_int64((int64_t)conns_open));
	json_object_object_add(o, "closed_total",
			       json_object_new_int64((int64_t)conns_closed));
	json_object_object_add(o, "last_close_ms", json_object_new_int64(last_close_ms));
	pthread_mutex_unlock(&lock);
	s = json_plain(o, len);
	out = xstrndup(s, *len);
	json_object_put(o);
	return out;
}
