#include "policy/yajlwhole.h"

yajl_status
whole_parse(yajl_handle h, const char *text, size_t len)
{
	yajl_status	st = yajl_parse(h, (const unsigned char *)text, len);

	/*
	 * yajl_complete_parse ends the text with a space, which a string
	 * still open after the value swallows.  A line end is white space
	 * to JSON too, but no string may hold one raw, so that string is
	 * an error now, and nothing else changes.
	 */
	if (st == yajl_status_ok)
		st = yajl_parse(h, (const unsigned char *)"\n", 1);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	return st;
}
