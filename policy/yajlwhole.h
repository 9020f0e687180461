/*
 * One JSON text through a yajl handle, whole: yajl_parse then
 * yajl_complete_parse, which alone let a text end in an unterminated
 * string after a complete value ("{} \"abc" is valid to yajl 2.1).
 */
#ifndef POLICY_YAJLWHOLE_H
#define POLICY_YAJLWHOLE_H

#include <stddef.h>

#include <yajl/yajl_parse.h>

/* yajl_status_ok only for one complete JSON value with blanks around. */
yajl_status whole_parse(yajl_handle h, const char *text, size_t len);

#endif
