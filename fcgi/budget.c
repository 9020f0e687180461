#include "fcgi/budget.h"

void
budget_init(struct accept_budget *b, long max)
{
	b->max = max;
	atomic_init(&b->left, max);
	atomic_init(&b->accepted, 0);
}

bool
budget_take(struct accept_budget *b)
{
	long	left;

	if (b->max == 0)
		return true;
	left = atomic_load(&b->left);
	do {
		if (left <= 0)
			return false;
	} while (!atomic_compare_exchange_weak(&b->left, &left, left - 1));
	return true;
}

void
budget_return(struct accept_budget *b)
{
	if (b->max != 0)
		atomic_fetch_add(&b->left, 1);
}

bool
budget_accepted(struct accept_budget *b)
{
	return b->max != 0 && atomic_fetch_add(&b->accepted, 1) + 1 == b->max;
}
