/*
 * The OAuth form parser and what reads its fields: a parsed form holds
 * no control byte and no name twice; whatever passes as a redirect URI
 * is https or http; the sign-in page carries no markup from the form,
 * and a redirect built from it no raw blank or control byte.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/oauth.h"
#include "tests/fuzz/fuzz.h"

static void
check_value(const char *v)
{
	const char	*p;

	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	if (oauth_redirect_uri_valid(v) && strncmp(v, "https://", 8) != 0 &&
	    strncmp(v, "http://", 7) != 0)
		abort();
}

static void
check_outputs(const struct oauth_form *f)
{
	const char *const	 pairs[] = { "state", oauth_form_get(f, "state"),
	    "code", oauth_form_get(f, "code"), NULL };
	const char		*why;
	char			*page, *url;

	(void)oauth_authorize_refusal(f, "https://relay.example/mcp", &why);
	page = oauth_signin_page(f, "https://relay.example/oauth/authorize",
	    "relay", oauth_form_get(f, "client_name"), NULL);
	if (strstr(page, "<script") != NULL || strstr(page, "<img") != NULL)
		abort();
	free(page);
	url = oauth_redirect_with("https://client.example/cb", pairs);
	if (strpbrk(url, " \t\r\n\"<>") != NULL)
		abort();
	free(url);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oauth_form	f;
	size_t			i, k;

	if (!oauth_form_parse((const char *)data, size, &f)) {
		if (f.n != 0)
			abort();
		return 0;
	}
	for (i = 0; i < f.n; i++) {
		check_value(f.name[i]);
		check_value(f.value[i]);
		for (k = 0; k < i; k++)
			if (strcmp(f.name[i], f.name[k]) == 0)
				abort();
	}
	check_outputs(&f);
	oauth_form_free(&f);
	return 0;
}
