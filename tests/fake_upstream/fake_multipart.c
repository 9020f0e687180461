#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"
#include "tests/fake_upstream/fake_multipart.h"

/* RFC 2046 allows 70 characters; be generous but bounded. */
#define BOUNDARY_MAX 200
/* A part's header block bigger than this is not a form upload. */
#define PART_HEAD_MAX 16384
/* Parts up to this size are also reported as text. */
#define PART_TEXT_MAX 4096
/* Enough for any real form; beyond it parts are parsed but not listed. */
#define PARTS_MAX 10000

enum mp_state {
	MP_PREAMBLE,	/* before the first delimiter */
	MP_DELIM_LINE,	/* rest of a delimiter line: "--" or padding */
	MP_HEADERS,
	MP_DATA,
	MP_DONE,	/* closing delimiter seen; the epilogue is ignored */
	MP_ERROR
};

struct multipart {
	enum mp_state state;
	char *delim;		/* "\r\n--" boundary */
	size_t dlen;
	char *carry;		/* bytes that may begin a delimiter */
	size_t carry_len;
	struct buf line;	/* delimiter line or part head being collected */
	json_object *parts;
	size_t nparts;
	/* the part being read */
	char *name, *filename, *content_type;
	uint64_t length, fnv;
	char text[PART_TEXT_MAX + 1];
	const struct multipart_sink *sink;
	void *sink_arg;
};

/* Value of parameter `param` in a header value like `a; x=1; y="2"`. */
static char *header_param(const char *value, const char *param)
{
	size_t plen = strlen(param);
	const char *p = strchr(value, ';');

	while (p != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, param, plen) == 0) {
			const char *v = p + plen;

			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				struct buf out = { 0 };

				v++;
				while (*v == ' ' || *v == '\t')
					v++;
				if (*v == '"') {
					for (v++; *v != '\0' && *v != '"'; v++) {
						if (*v == '\\' && v[1] != '\0')
							v++;
						buf_append(&out, v, 1);
					}
				} else {
					size_t n = strcspn(v, "; \t");

					buf_append(&out, v, n);
				}
				if (out.data == NULL)
					return xstrndup("", 0);
				return out.data;
			}
		}
		/* Skip to the next ';' outside quotes. */
		for (int quoted = 0; *p != '\0'; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '\\' && quoted && p[1] != '\0')
				p++;
			else if (*p == ';' && !quoted)
				break;
		}
		if (*p != ';')
			p = NULL;
	}
	return NULL;
}

struct multipart *multipart_new(const char *content_type)
{
	static const char media[] = "multipart/form-data";
	struct multipart *mp;
	char *boundary;
	size_t blen;

	if (content_type == NULL)
		return NULL;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	if (strncasecmp(content_type, media, sizeof(media) - 1) != 0)
		return NULL;
	boundary = header_param(content_type, "boundary");
	if (boundary == NULL)
		return NULL;
	blen = strlen(boundary);
	if (blen == 0 || blen > BOUNDARY_MAX) {
		free(boundary);
		return NULL;
	}
	mp = xmalloc(sizeof(*mp));
	memset(mp, 0, sizeof(*mp));
	mp->dlen = blen + 4;
	mp->delim = xmalloc(mp->dlen + 1);
	memcpy(mp->delim, "\r\n--", 4);
	memcpy(mp->delim + 4, boundary, blen + 1);
	free(boundary);
	mp->carry = xmalloc(mp->dlen);
	/*
	 * The first delimiter may open the body without a CRLF before it;
	 * pretending one was there makes every delimiter look alike.
	 */
	memcpy(mp->carry, "\r\n", 2);
	mp->carry_len = 2;
	mp->parts = json_object_new_array();
	mp->state = MP_PREAMBLE;
	return mp;
}

void multipart_set_sink(struct multipart *mp, const struct multipart_sink *sink,
			void *arg)
{
	mp->sink = sink;
	mp->sink_arg = arg;
}

static void part_data(struct multipart *mp, const char *p, size_t n)
{
	if (mp->state != MP_DATA || n == 0)
		return;
	if (mp->length <= PART_TEXT_MAX) {
		size_t room = PART_TEXT_MAX + 1 - (size_t)mp->length;

		memcpy(mp->text + mp->length, p, n < room ? n : room);
	}
	mp->length += n;
	mp->fnv = fnv1a64_update(mp->fnv, p, n);
	if (mp->sink != NULL)
		mp->sink->data(mp->sink_arg, p, n);
}

static json_object *string_or_null(const char *s)
{
	return s ? json_wire_string(s, strlen(s)) : NULL;
}

static void part_end(struct multipart *mp)
{
	json_object *part;
	char hex[17];

	if (mp->nparts < PARTS_MAX) {
		part = json_object_new_object();
		json_object_object_add(part, "name", string_or_null(mp->name));
		json_object_object_add(part, "filename", string_or_null(mp->filename));
		json_object_object_add(part, "content_type",
				       string_or_null(mp->content_type));
		json_object_object_add(part, "length",
				       json_object_new_int64((int64_t)mp->length));
		fnv1a64_hex(mp->fnv, hex);
		json_object_object_add(part, "fnv1a64", json_object_new_string(hex));
		if (mp->length <= PART_TEXT_MAX &&
		    utf8_valid(mp->text, (size_t)mp->length))
			json_object_object_add(part, "text",
				json_object_new_string_len(mp->text, (int)mp->length));
		else
			json_object_object_add(part, "text", NULL);
		json_object_array_add(mp->parts, part);
	}
	mp->nparts++;
	if (mp->sink != NULL)
		mp->sink->end(mp->sink_arg);
	free(mp->name);
	free(mp->filename);
	free(mp->content_type);
	mp->name = mp->filename = mp->content_type = NULL;
}

/* Reads Content-Disposition and Content-Type out of a part head. */
static void part_begin(struct multipart *mp, const char *head)
{
	const char *p = head;

	while (*p != '\0') {
		const char *eol = strstr(p, "\r\n");
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, n);
		char *colon = strchr(line, ':');

		if (colon != NULL) {
			char *v = colon + 1;
			size_t vlen;

			*colon = '\0';
			while (*v == ' ' || *v == '\t')
				v++;
			vlen = strlen(v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				v[--vlen] = '\0';
			if (strcasecmp(line, "Content-Disposition") == 0) {
				free(mp->name);
				free(mp->filename);
				mp->name = header_param(v, "name");
				mp->filename = header_param(v, "filename");
			} else if (strcasecmp(line, "Content-Type") == 0) {
				free(mp->content_type);
				mp->content_type = xstrndup(v, vlen);
			}
		}
		free(line);
		p += n;
		if (eol != NULL)
			p += 2;
	}
	mp->length = 0;
	mp->fnv = FNV1A64_INIT;
	mp->state = MP_DATA;
	if (mp->sink != NULL)
		mp->sink->begin(mp->sink_arg, mp->name, mp->filename,
				mp->content_type);
}

/*
 * Scans for the delimiter, passing the bytes before it on as part data.
 * Bytes at the end of the input that could start a delimiter are held in
 * carry until the next call decides. Returns the input bytes consumed and
 * sets *found once a whole delimiter has been consumed.
 */
static size_t scan(struct multipart *mp, const char *data, size_t n, int *found)
{
	const char *d = mp->delim;
	size_t dl = mp->dlen, k;
	const char *hit;

	*found = 0;
	if (mp->carry_len > 0) {
		for (size_t i = 0; i < mp->carry_len; i++) {
			size_t have = mp->carry_len - i, need = dl - have;

			if (memcmp(mp->carry + i, d, have) != 0)
				continue;
			if (n >= need) {
				if (memcmp(data, d + have, need) != 0)
					continue;
				part_data(mp, mp->carry, i);
				mp->carry_len = 0;
				*found = 1;
				return need;
			}
			if (memcmp(data, d + have, n) == 0) {
				part_data(mp, mp->carry, i);
				memmove(mp->carry, mp->carry + i, have);
				memcpy(mp->carry + have, data, n);
				mp->carry_len = have + n;
				return n;
			}
		}
		part_data(mp, mp->carry, mp->carry_len);
		mp->carry_len = 0;
	}
	hit = memmem(data, n, d, dl);
	if (hit != NULL) {
		part_data(mp, data, (size_t)(hit - data));
		*found = 1;
		return (size_t)(hit - data) + dl;
	}
	for (k = n < dl - 1 ? n : dl - 1; k > 0; k--)
		if (memcmp(data + n - k, d, k) == 0)
			break;
	part_data(mp, data, n - k);
	memcpy(mp->carry, data + n - k, k);
	mp->carry_len = k;
	return n;
}

void multipart_feed(struct multipart *mp, const char *data, size_t len)
{
	while (len > 0) {
		size_t used = 1;
		int found;

		switch (mp->state) {
		case MP_PREAMBLE:
		case MP_DATA:
			used = scan(mp, data, len, &found);
			if (found) {
				if (mp->state == MP_DATA)
					part_end(mp);
				mp->state = MP_DELIM_LINE;
				mp->line.len = 0;
			}
			break;
		case MP_DELIM_LINE:
			buf_append(&mp->line, data, 1);
			if (mp->line.len == 2 && memcmp(mp->line.data, "--", 2) == 0) {
				mp->state = MP_DONE;
			} else if (data[0] == '\n') {
				/* Only transport padding may follow a delimiter. */
				mp->state = MP_HEADERS;
				mp->line.len = 0;
			} else if (mp->line.len > 256) {
				mp->state = MP_ERROR;
			}
			break;
		case MP_HEADERS:
			buf_append(&mp->line, data, 1);
			if ((mp->line.len == 2 && memcmp(mp->line.data, "\r\n", 2) == 0) ||
			    (mp->line.len >= 4 &&
			     memcmp(mp->line.data + mp->line.len - 4, "\r\n\r\n", 4) == 0)) {
				part_begin(mp, mp->line.data);
				mp->line.len = 0;
			} else if (mp->line.len > PART_HEAD_MAX) {
				mp->state = MP_ERROR;
			}
			break;
		case MP_DONE:
		case MP_ERROR:
			used = len;
			break;
		}
		data += used;
		len -= used;
	}
}

json_object *multipart_finish(struct multipart *mp, int *complete)
{
	json_object *parts;

	*complete = mp->state == MP_DONE;
	if (mp->state == MP_DATA) {
		/* Held-back bytes were data after all: the body just ended. */
		part_data(mp, mp->carry, mp->carry_len);
		mp->carry_len = 0;
		part_end(mp);
	}
	mp->state = MP_ERROR;
	if (mp->sink != NULL)
		mp->sink->finish(mp->sink_arg, *complete);
	parts = mp->parts;
	mp->parts = NULL;
	return parts;
}

void multipart_free(struct multipart *mp)
{
	if (mp == NULL)
		return;
	free(mp->delim);
	free(mp->carry);
	buf_free(&mp->line);
	json_object_put(mp->parts);
	free(mp->name);
	free(mp->filename);
	free(mp->content_type);
	free(mp);
}
