/* One Check suite per policy module; check_main.c runs them all. */
#ifndef TESTS_UNIT_SUITES_H
#define TESTS_UNIT_SUITES_H

#include <check.h>

Suite	*route_suite(void);
Suite	*path_suite(void);
Suite	*auth_suite(void);
Suite	*config_suite(void);
Suite	*headers_suite(void);
Suite	*error_suite(void);
Suite	*body_suite(void);
Suite	*serve_suite(void);
Suite	*proxy_suite(void);
Suite	*coverage_suite(void);
Suite	*sse_suite(void);
Suite	*openapi_suite(void);
Suite	*realtime_suite(void);
Suite	*utf8_suite(void);
Suite	*budget_suite(void);

#endif
