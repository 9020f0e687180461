/*
 * The accept budget behind RELAY_MAX_REQUESTS (fcgi/budget.c): exactly
 * max accepts, exactly one reported as the last, even with many threads
 * taking at once.
 */
#include <pthread.h>

#include "fcgi/budget.h"
#include "tests/unit/suites.h"

#define RACERS	8
#define BUDGET	1000

START_TEST(unlimited_never_runs_out)
{
	struct accept_budget	b;
	int			i;

	budget_init(&b, 0);
	for (i = 0; i < 100000; i++) {
		ck_assert(budget_take(&b));
		ck_assert(!budget_accepted(&b));
	}
}
END_TEST

START_TEST(exactly_max_then_none)
{
	struct accept_budget	b;
	int			i;

	budget_init(&b, 3);
	for (i = 0; i < 3; i++)
		ck_assert(budget_take(&b));
	ck_assert(!budget_take(&b));
	ck_assert(!budget_accepted(&b));
	ck_assert(!budget_accepted(&b));
	ck_assert(budget_accepted(&b));
	ck_assert(!budget_take(&b));
}
END_TEST

START_TEST(failed_accept_gives_its_unit_back)
{
	struct accept_budget	b;

	budget_init(&b, 1);
	ck_assert(budget_take(&b));
	ck_assert(!budget_take(&b));
	budget_return(&b);
	ck_assert(budget_take(&b));
	ck_assert(budget_accepted(&b));
}
END_TEST

struct racer {
	struct accept_budget	*b;
	long			 taken, last;
};

/* Takes and accepts until the budget is spent, as a worker thread does. */
static void *
race(void *arg)
{
	struct racer	*r = arg;

	while (budget_take(r->b)) {
		r->taken++;
		if (budget_accepted(r->b))
			r->last++;
	}
	return NULL;
}

START_TEST(racing_threads_take_exactly_max)
{
	struct accept_budget	b;
	struct racer		r[RACERS];
	pthread_t		t[RACERS];
	long			taken = 0, last = 0;
	int			i;

	budget_init(&b, BUDGET);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct racer){ &b, 0, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		taken += r[i].taken;
		last += r[i].last;
	}
	ck_assert_int_eq(taken, BUDGET);
	ck_assert_int_eq(last, 1);
}
END_TEST

Suite *
budget_suite(void)
{
	Suite	*s = suite_create("budget");
	TCase	*tc = tcase_create("budget");

	tcase_add_test(tc, unlimited_never_runs_out);
	tcase_add_test(tc, exactly_max_then_none);
	tcase_add_test(tc, failed_accept_gives_its_unit_back);
	tcase_add_loop_test(tc, racing_threads_take_exactly_max, 0, 20);
	suite_add_tcase(s, tc);
	return s;
}
