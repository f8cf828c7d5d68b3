/* test_rng.c - tests of src/util/rng.c: determinism and distributions. */
#include "util/common.h"
#include "util/rng.h"
#include "testlib.h"

#include <math.h>

/*
 * The first outputs of xoshiro256** seeded through splitmix64, computed by
 * an independent implementation: the same seed gives the same sequence on
 * every machine.
 */
static const struct {
	uint64_t seed;
	uint64_t first[4];
} vectors[] = {
	{0, {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL,
	     0x6aa594f1262d2d2cULL}},
	{42, {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL,
	      0xecb8ad4703b360a1ULL}},
};

static void test_reference_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(vectors); i++) {
		struct rng r;
		rng_init(&r, vectors[i].seed);
		for (size_t k = 0; k < 4; k++)
			assert_int_equal(rng_next(&r), vectors[i].first[k]);
	}
}

static void test_determinism(void **state)
{
	(void)state;
	struct rng a, b, c;
	int same_as_c = 0;

	rng_init(&a, 20261122);
	rng_init(&b, 20261122);
	rng_init(&c, 20261123);
	for (int i = 0; i < 10000; i++) {
		uint64_t x = rng_next(&a);
		assert_int_equal(x, rng_next(&b));
		same_as_c += x == rng_next(&c);
	}
	assert_int_equal(same_as_c, 0);
	/* Re-seeding restarts the sequence. */
	rng_init(&a, 7);
	uint64_t first = rng_next(&a);
	rng_next(&a);
	rng_init(&a, 7);
	assert_int_equal(rng_next(&a), first);
}

static void test_double_range(void **state)
{
	(void)state;
	struct rng r;
	double lo = 1, hi = 0;

	rng_init(&r, 1);
	for (int i = 0; i < 100000; i++) {
		double x = rng_double(&r);
		assert_true(x >= 0.0 && x < 1.0);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	assert_true(lo < 0.001);
	assert_true(hi > 0.999);
}

static void test_below_range(void **state)
{
	(void)state;
	static const uint64_t ns[] = {1, 2, 3, 7, 10, 1000, 1ULL << 40, UINT64_MAX};
	struct rng r;

	rng_init(&r, 99);
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		uint64_t max = 0;
		for (int k = 0; k < 20000; k++) {
			uint64_t v = rng_below(&r, ns[i]);
			if (v >= ns[i])
				fail_msg("rng_below(%" PRIu64 ") gave %" PRIu64, ns[i], v);
			max = v > max ? v : max;
		}
		if (ns[i] == 1)
			assert_int_equal(max, 0);
		else if (ns[i] <= 1000)
			assert_int_equal(max, ns[i] - 1); /* the top value is reachable */
		else
			assert_true(max > ns[i] / 2);
	}
}

static void test_below_uniform(void **state)
{
	(void)state;
	enum { N = 10, DRAWS = 200000 };
	struct rng r;
	int count[N] = {0};

	rng_init(&r, 5);
	for (int i = 0; i < DRAWS; i++)
		count[rng_below(&r, N)]++;
	for (int i = 0; i < N; i++)
		/* 20000 expected; the standard deviation is about 134. */
		assert_true(count[i] > 19000 && count[i] < 21000);
}

static void test_exp_mean(void **state)
{
	(void)state;
	enum { DRAWS = 200000 };
	struct rng r;
	double sum = 0;

	rng_init(&r, 11);
	for (int i = 0; i < DRAWS; i++) {
		double x = rng_exp(&r, 5.0);
		assert_true(x >= 0.0 && isfinite(x));
		sum += x;
	}
	/* The standard error of the mean is 5/sqrt(200000), about 0.011. */
	assert_true(fabs(sum / DRAWS - 5.0) < 0.06);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void test_normal_and_lognormal(void **state)
{
	(void)state;
	enum { DRAWS = 100000 };
	struct rng r;
	double sum = 0, sq = 0;
	double *ln = malloc(DRAWS * sizeof(*ln));

	assert_non_null(ln);
	rng_init(&r, 3);
	for (int i = 0; i < DRAWS; i++) {
		double x = rng_normal(&r);
		assert_true(isfinite(x));
		sum += x;
		sq += x * x;
	}
	assert_true(fabs(sum / DRAWS) < 0.02);
	assert_true(fabs(sq / DRAWS - 1.0) < 0.03);

	for (int i = 0; i < DRAWS; i++) {
		ln[i] = rng_lognormal(&r, 30.0, 0.8);
		assert_true(ln[i] > 0);
	}
	qsort(ln, DRAWS, sizeof(*ln), cmp_double);
	assert_true(fabs(ln[DRAWS / 2] - 30.0) < 1.0); /* the median is the median */
	free(ln);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_double_range),
		cmocka_unit_test(test_below_range),
		cmocka_unit_test(test_below_uniform),
		cmocka_unit_test(test_exp_mean),
		cmocka_unit_test(test_normal_and_lognormal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
