/* The bridge tests' WebSocket client (see wsclient.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/integ/wsclient.h"

static int
read_full(int fd, void *buf, size_t len)
{
	size_t	got = 0;
	ssize_t	n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int
write_full(int fd, const void *buf, size_t len)
{
	size_t	put = 0;
	ssize_t	n;

	while (put < len) {
		n = write(fd, (const char *)buf + put, len - put);
		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

int
ws_open(int port, const char *target, const char *const *headers,
    int *status)
{
	return ws_open_answer(port, target, headers, status, NULL, 0);
}

int
ws_open_answer(int port, const char *target, const char *const *headers,
    int *status, char *answer, size_t answersz)
{
	struct sockaddr_in	sa;
	struct timeval		tv = { 5, 0 };
	char			req[4096], resp[4096];
	const char		*cl;
	size_t			used = 0, body = 0;
	int			fd, n;

	*status = 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", target, port);
	for (; headers != NULL && *headers != NULL && n > 0 &&
	    (size_t)n < sizeof(req); headers++)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "%s\r\n",
		    *headers);
	if (n < 0 || (size_t)n + 3 > sizeof(req))
		goto fail;
	memcpy(req + n, "\r\n", 3);
	if (write_full(fd, req, strlen(req)) != 0)
		goto fail;
	/* Byte by byte up to the blank line: frames may follow at once. */
	while (used + 1 < sizeof(resp)) {
		if (read(fd, resp + used, 1) != 1)
			break;
		used++;
		resp[used] = '\0';
		if (used >= 4 && memcmp(resp + used - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	resp[used] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", status) != 1)
		goto fail;
	if (*status == 101 && strstr(resp, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") !=
	    NULL)
		return fd;
	if (answer != NULL && answersz > 0) {
		if ((cl = strcasestr(resp, "\r\nContent-Length:")) != NULL)
			body = strtoul(cl + 17, NULL, 10);
		if (used + body >= sizeof(resp) ||
		    read_full(fd, resp + used, body) != 0)
			body = 0;
		resp[used + body] = '\0';
		snprintf(answer, answersz, "%s", resp);
	}
fail:
	close(fd);
	return -1;
}

int
ws_send(int fd, int opcode, const void *data, size_t len)
{
	unsigned char	 head[14], mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	unsigned char	*body;
	size_t		 h = 0, i;
	int		 rc;

	head[h++] = (unsigned char)(0x80 | opcode);
	if (len < 126)
		head[h++] = (unsigned char)(0x80 | len);
	else if (len < 65536) {
		head[h++] = 0x80 | 126;
		head[h++] = (unsigned char)(len >> 8);
		head[h++] = (unsigned char)len;
	} else {
		head[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			head[h++] = (unsigned char)((unsigned long long)len >>
			    (56 - 8 * i));
	}
	memcpy(head + h, mask, 4);
	h += 4;
	body = malloc(len + 1);
	if (body == NULL)
		return -1;
	for (i = 0; i < len; i++)
		body[i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
	rc = write_full(fd, head, h) == 0 && write_full(fd, body, len) == 0 ?
	    0 : -1;
	free(body);
	return rc;
}

int
ws_recv(int fd, char **out, size_t *len)
{
	unsigned char	 h[2], ext[8];
	char		*msg = NULL, *p;
	size_t		 total = 0, n, i;
	int		 opcode = -1, fin;

	*out = NULL;
	*len = 0;
	do {
		if (read_full(fd, h, 2) != 0)
			goto fail;
		fin = h[0] & 0x80;
		n = h[1] & 0x7f;
		if (n == 126 || n == 127) {
			size_t k = n == 126 ? 2 : 8;

			if (read_full(fd, ext, k) != 0)
				goto fail;
			for (n = 0, i = 0; i < k; i++)
				n = (n << 8) | ext[i];
		}
		if ((h[0] & 0x0f) != 0)
			opcode = h[0] & 0x0f;
		p = realloc(msg, total + n + 1);
		if (p == NULL || n > 64 * 1024 * 1024)
			goto fail;
		msg = p;
		if (read_full(fd, msg + total, n) != 0)
			goto fail;
		total += n;
	} while (!fin);
	msg[total] = '\0';
	*out = msg;
	*len = total;
	return opcode;
fail:
	free(msg);
	return -1;
}
