#ifndef FAKE_CONTROL_H
#define FAKE_CONTROL_H

#include <stddef.h>

#include "tests/fake_upstream/fake_http.h"

/* Bodies of control requests (scripts) are held whole up to this size. */
#define CONTROL_BODY_MAX (64 * 1024 * 1024)

/* 1 if the request is for the /__fake/ control API (never recorded). */
int control_match(const struct http_request *req);

/*
 * Answers a control request whose body is body[0..len). Returns the
 * status sent, or -1 if the peer is gone.
 */
int control_handle(struct http_conn *c, const struct http_request *req,
		   const char *body, size_t len);

#endif
