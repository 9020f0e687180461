/* Strict UTF-8 (RFC 3629), where json-c's own check is lax. */
#include <string.h>

#include "policy/utf8.h"
#include "tests/unit/suites.h"

static const struct {
	const char	*text;
	size_t		 len;
	bool		 valid;
} texts[] = {
#define T(s, v)	{ s, sizeof(s) - 1, v }
	T("", true),
	T("plain ASCII, longer than one eight-byte word", true),
	T("caf\xc3\xa9", true),				/* U+00E9 */
	T("\xe2\x82\xac", true),			/* U+20AC */
	T("\xef\xbf\xbf", true),			/* U+FFFF */
	T("\xf0\x9f\x98\x80 and text after it", true),	/* U+1F600 */
	T("\xf4\x8f\xbf\xbf", true),			/* U+10FFFF */
	T("a\0b", true),				/* NUL is well-formed */
	T("\x80", false),				/* lone continuation */
	T("\xbf", false),
	T("\xc0\xaf", false),				/* overlong '/' */
	T("\xc1\xbf", false),
	T("\xe0\x80\xaf", false),			/* overlong, 3 bytes */
	T("\xe0\x9f\xbf", false),
	T("\xf0\x80\x80\xaf", false),			/* overlong, 4 bytes */
	T("\xf0\x8f\xbf\xbf", false),
	T("\xed\xa0\x80", false),			/* U+D800 */
	T("\xed\xbf\xbf", false),			/* U+DFFF */
	T("\xf4\x90\x80\x80", false),			/* U+110000 */
	T("\xf5\x80\x80\x80", false),
	T("\xf8\x88\x80\x80\x80", false),		/* 5-byte form */
	T("\xfe", false),
	T("\xff", false),
	T("\xc3", false),				/* cut short */
	T("\xe2\x82", false),
	T("\xf0\x9f\x98", false),
	T("\xc3\x28", false),				/* bad continuation */
	T("\xe2\x28\xa1", false),
	T("\xf0\x9f\x28\x80", false),
	T("eight bytes then \xff", false),
#undef T
};

START_TEST(utf8_forms)
{
	ck_assert_msg(utf8_valid(texts[_i].text, texts[_i].len) ==
	    texts[_i].valid, "case %d", _i);
}
END_TEST

Suite *
utf8_suite(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("forms");

	tcase_add_loop_test(tc, utf8_forms, 0,
	    (int)(sizeof(texts) / sizeof(texts[0])));
	suite_add_tcase(s, tc);
	return s;
}
