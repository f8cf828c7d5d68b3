/* test_queue.c - tests of src/rules/queue.c: SLA states of a sort key, their key ranges, who sees which views. */
#include "util/common.h"
#include "rules/queue.h"
#include "rules/sla.h"
#include "testlib.h"

#define NOW 1793613600000LL /* 2026-11-02T10:00Z */
#define MIN 60000LL
#define SOON (60 * MIN)

static void test_states(void **state)
{
	static const struct {
		const char *name;
		int64_t key;
		enum queue_sla want;
	} cases[] = {
		{"due an hour ago", NOW - 60 * MIN, QUEUE_SLA_BREACHED},
		{"due a millisecond ago", NOW - 1, QUEUE_SLA_BREACHED},
		{"due right now (met at the instant)", NOW, QUEUE_SLA_BREACHING_SOON},
		{"due in 59 minutes", NOW + 59 * MIN, QUEUE_SLA_BREACHING_SOON},
		{"due at the window's end", NOW + SOON, QUEUE_SLA_ON_TRACK},
		{"due tomorrow", NOW + 24 * 60 * MIN, QUEUE_SLA_ON_TRACK},
		{"waiting without a target", SLA_KEY_WAIT + NOW - 5 * MIN, QUEUE_SLA_NONE},
		{"nobody waits", SLA_KEY_IDLE, QUEUE_SLA_NONE},
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (queue_sla_of(cases[i].key, NOW, SOON) != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name,
				 queue_sla_name(queue_sla_of(cases[i].key, NOW, SOON)),
				 queue_sla_name(cases[i].want));
}

static void test_names(void **state)
{
	(void)state;
	for (int s = 0; s < QUEUE_SLA__COUNT; s++) {
		assert_int_equal(queue_sla_parse(queue_sla_name((enum queue_sla)s)), s);
		assert_non_null(strstr(queue_sla_names(), queue_sla_name((enum queue_sla)s)));
	}
	assert_int_equal(queue_sla_parse("late"), -1);
	assert_int_equal(queue_sla_parse(NULL), -1);
	assert_string_equal(queue_sla_name(QUEUE_SLA__COUNT), "?");
}

/* Every key of a set's ranges has a state in the set, and every other key not. */
static void test_ranges_match_states(void **state)
{
	static const int64_t keys[] = {INT64_MIN + 1, 0, NOW - 1, NOW, NOW + 1, NOW + SOON - 1,
				       NOW + SOON, SLA_KEY_WAIT - 1, SLA_KEY_WAIT, SLA_KEY_IDLE};
	(void)state;
	for (unsigned mask = 1; mask < (1u << QUEUE_SLA__COUNT); mask++) {
		int64_t from[2], to[2];
		size_t n = queue_sla_ranges(mask, NOW, SOON, from, to);
		assert_true(n >= 1 && n <= 2);
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			bool in = false;
			for (size_t r = 0; r < n; r++)
				in |= keys[k] >= from[r] && keys[k] < to[r];
			bool want = mask & (1u << queue_sla_of(keys[k], NOW, SOON));
			if (in != want)
				fail_msg("mask %#x, key %" PRId64 ": in ranges %d, state says %d", mask,
					 keys[k], in, want);
		}
	}
	/* Adjacent states merge: breached + breaching soon is one range, ending at the window. */
	int64_t from[2], to[2];
	assert_int_equal(queue_sla_ranges((1u << QUEUE_SLA_BREACHED) | (1u << QUEUE_SLA_BREACHING_SOON),
					  NOW, SOON, from, to), 1);
	assert_int_equal(to[0], NOW + SOON);
	assert_int_equal(queue_sla_ranges(0, NOW, SOON, from, to), 0);
}

static void test_waiting_since(void **state)
{
	(void)state;
	assert_int_equal(queue_waiting_since(SLA_KEY_WAIT + NOW), NOW);
	assert_int_equal(queue_waiting_since(NOW), 0);
	assert_int_equal(queue_waiting_since(SLA_KEY_IDLE), 0);
}

static void test_visibility(void **state)
{
	(void)state;
	/* Shared views: everyone sees them; only those who manage shared views change them. */
	assert_true(queue_view_visible(0, 7));
	assert_true(queue_view_editable(0, 7, true));
	assert_false(queue_view_editable(0, 7, false));
	/* Personal: the owner only, whatever else they may manage. */
	assert_true(queue_view_visible(7, 7));
	assert_false(queue_view_visible(7, 8));
	assert_true(queue_view_editable(7, 7, false));
	assert_false(queue_view_editable(7, 8, true));
	/* The system (user 0) sees the shared ones only. */
	assert_false(queue_view_visible(7, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_ranges_match_states),
		cmocka_unit_test(test_waiting_since),
		cmocka_unit_test(test_visibility),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
