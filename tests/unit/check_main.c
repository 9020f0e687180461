#include <stdlib.h>

#include "tests/unit/suites.h"

int
main(void)
{
	SRunner	*sr = srunner_create(route_suite());
	int	 failed;

	srunner_add_suite(sr, path_suite());
	srunner_add_suite(sr, auth_suite());
	srunner_add_suite(sr, keys_suite());
	srunner_add_suite(sr, limits_suite());
	srunner_add_suite(sr, usage_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, headers_suite());
	srunner_add_suite(sr, error_suite());
	srunner_add_suite(sr, body_suite());
	srunner_add_suite(sr, serve_suite());
	srunner_add_suite(sr, proxy_suite());
	srunner_add_suite(sr, coverage_suite());
	srunner_add_suite(sr, sse_suite());
	srunner_add_suite(sr, openapi_suite());
	srunner_add_suite(sr, realtime_suite());
	srunner_add_suite(sr, utf8_suite());
	srunner_add_suite(sr, budget_suite());
	srunner_add_suite(sr, state_suite());
	srunner_add_suite(sr, forward_suite());
	srunner_add_suite(sr, handlers_suite());
	srunner_add_suite(sr, dynbuf_suite());
	srunner_add_suite(sr, yajlmem_suite());
	srunner_add_suite(sr, linger_suite());
	srunner_add_suite(sr, links_suite());
	srunner_add_suite(sr, answer_suite());
	srunner_add_suite(sr, mime_suite());
	srunner_add_suite(sr, oauth_suite());
	srunner_add_suite(sr, multipart_suite());
	srunner_add_suite(sr, mcp_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
