/*
 * UTF-8 as RFC 3629 defines it.  json-c's own check (its
 * JSON_TOKENER_VALIDATE_UTF8) lets overlong forms ("\xc0\xaf" for '/'),
 * encoded surrogates and code points past U+10FFFF through, and those
 * would reach upstream as they are.
 */
#ifndef POLICY_UTF8_H
#define POLICY_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when s[0..len) is well-formed UTF-8: shortest forms only, no
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF.  NUL bytes are
 * well-formed; callers that refuse them check separately.
 */
bool utf8_valid(const char *s, size_t len);

#endif
