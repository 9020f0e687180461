/*
 * One Check suite per policy module, and the handlers' suites, which run
 * handlers_serve() in memory against the scripted upstream
 * (scripted_upstream.h, mem_exchange.h); check_main.c runs them all.
 */
#ifndef TESTS_UNIT_SUITES_H
#define TESTS_UNIT_SUITES_H

#include <check.h>
#include <stddef.h>

struct route;

/* A path the route's template matches, each {param} as "id_1". */
void	 route_sample_path(const struct route *r, char *buf, size_t bufsz);

Suite	*route_suite(void);
Suite	*path_suite(void);
Suite	*auth_suite(void);
Suite	*keys_suite(void);
Suite	*limits_suite(void);
Suite	*usage_suite(void);
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
Suite	*state_suite(void);
Suite	*forward_suite(void);
Suite	*handlers_suite(void);
Suite	*dynbuf_suite(void);
Suite	*yajlmem_suite(void);
Suite	*linger_suite(void);
Suite	*links_suite(void);
Suite	*answer_suite(void);
Suite	*mime_suite(void);
Suite	*oauth_suite(void);

/*
 * The state suite's fixtures, for the suites built on the store: a
 * SQLite file in a fresh directory, or a redis-server on a loopback
 * port, started and stopped by PID.  state_fixture_spec() is the
 * RELAY_STATE of the one set up.
 */
void	 state_fixture_sqlite_setup(void);
void	 state_fixture_sqlite_teardown(void);
void	 state_fixture_redis_setup(void);
void	 state_fixture_redis_teardown(void);
const char *state_fixture_spec(void);
Suite	*multipart_suite(void);
Suite	*mcp_suite(void);

#endif
