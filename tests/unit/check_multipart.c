/*
 * The streamed form scanner: which plain fields it reads, fed whole and
 * in every split, and the forms it must call unclear rather than guess.
 */
#include <stdio.h>
#include <string.h>

#include "policy/multipart.h"
#include "tests/unit/suites.h"

static const char *const NAMES[] = { "model", "stream" };

/* Scans form (boundary "bnd" unless given) fed in pieces of step bytes. */
static void
scan(struct multipart_scan *s, const char *boundary, const char *form,
    size_t step)
{
	size_t	len = strlen(form), off, n;

	multipart_scan_init(s, boundary ? boundary : "bnd", NAMES, 2);
	for (off = 0; off < len; off += n) {
		n = step == 0 || len - off < step ? len - off : step;
		multipart_scan_feed(s, form + off, n);
	}
}

#define PART(name, value) "--bnd\r\nContent-Disposition: form-data; " \
	"name=\"" name "\"\r\n\r\n" value "\r\n"
#define FILE_PART(name) "--bnd\r\nContent-Disposition: form-data; " \
	"name=\"" name "\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg" \
	"\r\n\r\nID3\x03\r\n--bn\r\n-\r\n\r\n--bnX\r\n"
#define CLOSE "--bnd--\r\n"

START_TEST(fields_read_in_every_split)
{
	/* The SDKs' orders: Node's file first, Python's fields first. */
	static const char *const forms[] = {
		FILE_PART("file") PART("model", "gpt-4o-transcribe")
		    PART("stream", "true") CLOSE,
		PART("model", "gpt-4o-transcribe") PART("stream", "true")
		    FILE_PART("file") CLOSE "epilogue " PART("model", "x"),
	};
	struct multipart_scan	s;
	size_t			f, step;

	for (f = 0; f < 2; f++)
		for (step = 0; step <= 9; step++) {
			scan(&s, NULL, forms[f], step);
			ck_assert_msg(s.closed, "form %zu step %zu", f, step);
			ck_assert_str_eq(multipart_scan_value(&s, "model"),
			    "gpt-4o-transcribe");
			ck_assert_str_eq(multipart_scan_value(&s, "stream"),
			    "true");
			ck_assert_ptr_null(multipart_scan_value(&s, "file"));
		}
}
END_TEST

START_TEST(values_keep_what_only_looks_like_a_delimiter)
{
	struct multipart_scan	s;
	size_t			step;

	for (step = 0; step <= 5; step++) {
		scan(&s, NULL, PART("model", "a\r\n--bn\r\r\n-b") CLOSE, step);
		ck_assert_str_eq(multipart_scan_value(&s, "model"),
		    "a\r\n--bn\r\r\n-b");
		/* A boundary that overlaps itself. */
		scan(&s, "--", "----\r\nContent-Disposition: form-data; "
		    "name=model\r\n\r\nx\r\n---y\r\n------\r\n", step);
		ck_assert(s.closed);
		ck_assert_str_eq(multipart_scan_value(&s, "model"),
		    "x\r\n---y");
	}
}
END_TEST

START_TEST(header_forms_read)
{
	struct multipart_scan	s;

	scan(&s, NULL, "--bnd  \r\ncontent-disposition: form-data;name="
	    "\"mo\\del\" ;  x=\"a;b\"\n\r\nm1\r\n" CLOSE, 0);
	ck_assert_str_eq(multipart_scan_value(&s, "model"), "m1");
	scan(&s, NULL, "--bnd\r\nContent-Disposition: form-data; name=model"
	    "\r\n\r\n\r\n" CLOSE, 0);
	ck_assert_str_eq(multipart_scan_value(&s, "model"), "");
	/* Not closed yet: what has passed so far. */
	scan(&s, NULL, PART("model", "m2") "--bnd\r\nContent-Disp", 0);
	ck_assert(!s.closed);
	ck_assert_str_eq(multipart_scan_value(&s, "model"), "m2");
	ck_assert_ptr_null(multipart_scan_value(&s, "stream"));
}
END_TEST

START_TEST(ambiguous_fields_are_unknown)
{
	static const char *const forms[] = {
		PART("model", "a") PART("model", "b") CLOSE,
		FILE_PART("model") CLOSE,
		PART("model", "a") FILE_PART("model") CLOSE,
		"--bnd\r\nContent-Disposition: form-data; name=\"model\"; "
		    "name=\"x\"\r\n\r\na\r\n" CLOSE,
		"--bnd\r\nContent-Disposition: form-data; name=\"x\"\r\n"
		    "Content-Disposition: form-data; name=\"model\"\r\n\r\na"
		    "\r\n" CLOSE,
		"--bnd\r\nContent-Disposition: form-data; name*=utf-8''model"
		    "\r\n\r\na\r\n" PART("model", "b") CLOSE,
		PART("model", "a\0b") CLOSE,
	};
	struct multipart_scan	s;
	char			form[2048];
	size_t			i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		scan(&s, NULL, forms[i], 0);
		ck_assert_msg(multipart_scan_value(&s, "model") == NULL,
		    "form %zu", i);
	}
	/* A value too long to be one, a header line too long to read. */
	memset(form, 0, sizeof(form));
	snprintf(form, sizeof(form), "--bnd\r\nContent-Disposition: "
	    "form-data; name=model\r\n\r\n");
	memset(form + strlen(form), 'm', MULTIPART_SCAN_VALUE_MAX);
	snprintf(form + strlen(form), sizeof(form) - strlen(form),
	    "\r\n" CLOSE);
	scan(&s, NULL, form, 7);
	ck_assert_ptr_null(multipart_scan_value(&s, "model"));
	memset(form, 0, sizeof(form));
	snprintf(form, sizeof(form), PART("model", "a") "--bnd\r\nX-Pad: ");
	memset(form + strlen(form), 'p', MULTIPART_SCAN_LINE_MAX);
	snprintf(form + strlen(form), sizeof(form) - strlen(form),
	    "\r\n\r\nx\r\n" CLOSE);
	scan(&s, NULL, form, 0);
	ck_assert(s.closed);
	ck_assert_ptr_null(multipart_scan_value(&s, "model"));
}
END_TEST

Suite *
multipart_suite(void)
{
	Suite	*s = suite_create("multipart");
	TCase	*tc = tcase_create("scan");

	tcase_add_test(tc, fields_read_in_every_split);
	tcase_add_test(tc, values_keep_what_only_looks_like_a_delimiter);
	tcase_add_test(tc, header_forms_read);
	tcase_add_test(tc, ambiguous_fields_are_unknown);
	suite_add_tcase(s, tc);
	return s;
}
