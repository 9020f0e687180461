#ifndef FAKE_CODEC_H
#define FAKE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/* 64-bit FNV-1a: start from FNV1A64_INIT and feed every byte in order. */
#define FNV1A64_INIT UINT64_C(0xcbf29ce484222325)
uint64_t fnv1a64_update(uint64_t h, const void *p, size_t n);
/* Writes 16 lowercase hex digits and a NUL into out. */
void fnv1a64_hex(uint64_t h, char out[17]);

/* 1 if p[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int utf8_valid(const char *p, size_t n);
/*
 * Length of the longest prefix of p[0..n) that does not end inside a
 * multi-byte sequence cut short by n: used when only the first MiB of a
 * body is kept, so a character split by the cut does not make the whole
 * prefix "binary".
 */
size_t utf8_trim_cut(const char *p, size_t n);

/* Standard base64 with padding; returns a malloc'd NUL-terminated string. */
char *base64_encode(const void *p, size_t n);
/*
 * Decodes standard base64 (padding optional, no whitespace). Returns a
 * malloc'd buffer and its length in *out_len, or NULL if the input is not
 * base64.
 */
char *base64_decode(const char *s, size_t n, size_t *out_len);

/*
 * A JSON string for bytes that came off the wire: kept as is when valid
 * UTF-8, otherwise each byte is read as ISO-8859-1 (HTTP's historical
 * charset), because JSON cannot carry arbitrary bytes.
 */
json_object *json_wire_string(const char *p, size_t n);

/*
 * Parses p[0..n) as exactly one JSON value (surrounding whitespace
 * allowed). Returns a new reference, or NULL.
 */
json_object *json_parse_whole(const char *p, size_t n);

/* Serialises compactly without escaping '/'; the string belongs to obj. */
const char *json_plain(json_object *obj, size_t *len);

#endif
