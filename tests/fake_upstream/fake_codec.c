#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake_upstream/fake_buf.h"
#include "tests/fake_upstream/fake_codec.h"

uint64_t fnv1a64_update(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

void fnv1a64_hex(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/*
 * Length of the well-formed sequence starting at s (at most n bytes
 * available), 0 if it is malformed, or -1 if it is a valid start that
 * runs past n.
 */
static int utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* beyond U+10FFFF */
	} else
		return 0;
	for (int i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (i == 1 ? (s[i] < lo || s[i] > hi) : (s[i] & 0xc0) != 0x80)
			return 0;
	}
	return len;
}

int utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		int len;

		/* Fast path: most bodies are ASCII. */
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		len = utf8_seq(s + i, n - i);
		if (len <= 0)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

size_t utf8_trim_cut(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	/* A cut sequence starts at most 3 bytes before the end. */
	for (size_t back = 1; back <= 3 && back <= n; back++) {
		unsigned char c = s[n - back];

		if ((c & 0xc0) == 0x80)
			continue;
		if (c >= 0xc0 && utf8_seq(s + n - back, back) == -1)
			return n - back;
		break;
	}
	return n;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *p, size_t n)
{
	const unsigned char *s = p;
	char *out = xmalloc((n + 2) / 3 * 4 + 1);
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16 |
				  (unsigned long)s[i + 1] << 8 | s[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		unsigned long v = (unsigned long)s[i] << 16;

		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *hit;

	if (c == '\0')
		return -1;
	hit = strchr(b64_alphabet, c);
	return hit ? (int)(hit - b64_alphabet) : -1;
}

char *base64_decode(const char *s, size_t n, size_t *out_len)
{
	char *out;
	size_t o = 0;
	unsigned long acc = 0;
	int bits = 0;

	while (n > 0 && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	out = xmalloc(n / 4 * 3 + 3);
	for (size_t i = 0; i < n; i++) {
		int v = b64_value(s[i]);

		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	*out_len = o;
	return out;
}

json_object *json_wire_string(const char *p, size_t n)
{
	struct buf b = { 0 };
	json_object *obj;

	if (utf8_valid(p, n))
		return json_object_new_string_len(p, (int)n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x80) {
			buf_append(&b, &p[i], 1);
		} else {
			char two[2] = { (char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f)) };

			buf_append(&b, two, 2);
		}
	}
	obj = json_object_new_string_len(b.data, (int)b.len);
	buf_free(&b);
	return obj;
}

const char *json_plain(json_object *obj, size_t *len)
{
	return json_object_to_json_string_length(obj,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, len);
}

json_object *json_parse_whole(const char *p, size_t n)
{
	json_tokener *tok;
	json_object *obj;
	size_t end;

	if (n > 0x7fffffff)
		return NULL;
	tok = json_tokener_new();
	if (tok == NULL)
		return NULL;
	obj = json_tokener_parse_ex(tok, p, (int)n);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (obj == NULL)
		return NULL;
	while (end < n && strchr(" \t\r\n", p[end]) != NULL && p[end] != '\0')
		end++;
	if (end != n) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}
