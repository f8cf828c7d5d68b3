/* backoff.c - exponential backoff with jitter; see backoff.h. */
#include "util/common.h"
#include "rules/backoff.h"

int64_t backoff_delay(const struct backoff *b, int n, double u)
{
	int64_t d = b->base_ms > 0 ? b->base_ms : 1;
	int64_t cap = b->cap_ms >= d ? b->cap_ms : d;

	if (n < 1)
		n = 1;
	/* Doubling stops at the cap: no overflow however many retries. */
	for (int i = 1; i < n && d < cap; i++)
		d = d > cap / 2 ? cap : d * 2;
	if (d > cap)
		d = cap;
	if (!(u >= 0 && u < 1))
		u = 0;
	d = d - (int64_t)((double)(d / 2) * (1 - u));
	return d > 0 ? d : 1;
}
