#ifndef FAKE_RECORD_H
#define FAKE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * The request log tests read back, and the connection counters. All
 * functions are thread-safe.
 */

/*
 * Appends rec (a JSON object; the reference is consumed) with the next
 * sequence number as "seq", dropping the oldest records beyond 10,000 or
 * beyond the memory budget. Returns the sequence number.
 */
uint64_t record_add(json_object *rec);
/* JSON array of the records with seq > since, oldest first; malloc'd. */
char *record_list(uint64_t since, size_t *len);
/* Forgets every record (sequence numbers keep counting). */
void record_clear(void);

/* Next value of the counter behind x-request-id and fake object ids. */
uint64_t record_next_id(void);

/* A connection started carrying recorded (non-control) requests. */
void record_conn_opened(void);
/* Such a connection closed. */
void record_conn_closed(void);
/* {"open":..,"closed_total":..,"last_close_ms":..}; malloc'd. */
char *record_conn_stats(size_t *len);

#endif
