/*
 * A deliberately small WebSocket client for the bridge tests, written
 * against RFC 6455 directly so the bridge (libwebsockets) is checked by
 * independent code.  Blocking, with a receive timeout.
 */
#ifndef TESTS_INTEG_WSCLIENT_H
#define TESTS_INTEG_WSCLIENT_H

#include <stddef.h>

#define WS_TEXT		0x1
#define WS_BINARY	0x2
#define WS_CLOSE	0x8
#define WS_PING		0x9
#define WS_PONG		0xa

/*
 * Opens 127.0.0.1:port and asks to upgrade target, with the extra
 * "Name: value" lines in headers (NULL-terminated, may be NULL).
 * Returns the socket after a 101, else -1 with *status set to the HTTP
 * status (0 if none came).
 */
int ws_open(int port, const char *target, const char *const *headers,
    int *status);

/*
 * The same, and when the upgrade is refused, the answer's head and
 * body (up to its Content-Length) in answer.
 */
int ws_open_answer(int port, const char *target,
    const char *const *headers, int *status, char *answer,
    size_t answersz);

/* Sends one whole masked frame: 0, or -1. */
int ws_send(int fd, int opcode, const void *data, size_t len);

/*
 * Receives one whole message (continuations joined) or control frame,
 * waiting up to 5 s.  Returns its opcode and a malloc'd payload in *out
 * (*len bytes, NUL-terminated); -1 on timeout or a broken stream.
 */
int ws_recv(int fd, char **out, size_t *len);

#endif
