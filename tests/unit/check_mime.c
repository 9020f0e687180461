/* Media types for files handed to ChatGPT (policy/mime.c). */
#include <string.h>

#include "policy/mime.h"
#include "tests/unit/suites.h"

START_TEST(types_from_names)
{
	ck_assert_str_eq(mime_from_name("report.PDF"), "application/pdf");
	ck_assert_str_eq(mime_from_name("a.b.csv"), "text/csv");
	ck_assert_str_eq(mime_from_name("cat.jpeg"), "image/jpeg");
	ck_assert_ptr_null(mime_from_name("README"));
	ck_assert_ptr_null(mime_from_name("archive.unknownext"));
	ck_assert_ptr_null(mime_from_name("dir.d/file"));
}
END_TEST

START_TEST(images_from_their_bytes)
{
	ck_assert_str_eq(mime_sniff_image("\x89PNG\r\n\x1a\n....", 12),
	    "image/png");
	ck_assert_str_eq(mime_sniff_image("\xff\xd8\xff\xe0", 4),
	    "image/jpeg");
	ck_assert_str_eq(mime_sniff_image("GIF89a", 6), "image/gif");
	ck_assert_str_eq(mime_sniff_image("RIFF\0\0\0\0WEBPVP8 ", 16),
	    "image/webp");
	ck_assert_ptr_null(mime_sniff_image("RIFF\0\0\0\0WAVE", 12));
	ck_assert_ptr_null(mime_sniff_image("\x89PN", 3));
	ck_assert_ptr_null(mime_sniff_image("%PDF-1.7", 8));
	ck_assert_str_eq(mime_from_image_format("webp"), "image/webp");
	ck_assert_ptr_null(mime_from_image_format("bmp"));
	ck_assert_ptr_null(mime_from_image_format(NULL));
}
END_TEST

START_TEST(what_counts_as_specific_or_an_image)
{
	ck_assert(mime_is_specific("text/plain; charset=utf-8"));
	ck_assert(!mime_is_specific("application/octet-stream"));
	ck_assert(!mime_is_specific("Application/Octet-Stream; x=1"));
	ck_assert(!mime_is_specific(""));
	ck_assert(!mime_is_specific(NULL));
	ck_assert(mime_is_image("image/png"));
	ck_assert(mime_is_image("image/jpeg; q=1"));
	/* SVG may carry script: never shown from the relay's origin. */
	ck_assert(!mime_is_image("image/svg+xml"));
	ck_assert(!mime_is_image("text/html"));
}
END_TEST

Suite *
mime_suite(void)
{
	Suite	*s = suite_create("mime");
	TCase	*tc = tcase_create("types");

	tcase_add_test(tc, types_from_names);
	tcase_add_test(tc, images_from_their_bytes);
	tcase_add_test(tc, what_counts_as_specific_or_an_image);
	suite_add_tcase(s, tc);
	return s;
}
