/* test_arena.c - tests of src/util/arena.c: alignment, growth, cleanup hooks. */
#include "util/common.h"
#include "util/arena.h"
#include "testlib.h"

#define MAX_ALIGN _Alignof(max_align_t)

static void test_alignment(void **state)
{
	(void)state;
	struct arena a;

	arena_init(&a);
	/* Odd sizes would misalign the next block if the arena did not round up. */
	for (size_t size = 1; size < 300; size += 3) {
		void *p = arena_alloc(&a, size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % MAX_ALIGN, 0);
		memset(p, 0xab, size); /* the whole block is writable (ASan checks) */
	}
	/* A block bigger than a chunk is aligned too. */
	void *big = arena_alloc(&a, 100000);
	assert_int_equal((uintptr_t)big % MAX_ALIGN, 0);
	memset(big, 1, 100000);
	void *after = arena_alloc(&a, 1);
	assert_int_equal((uintptr_t)after % MAX_ALIGN, 0);
	arena_release(&a);
}

/* Many allocations of many sizes: none overlaps another. */
static void test_many_allocations(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct arena a;
	unsigned char **blocks = calloc(N, sizeof(*blocks));
	size_t *sizes = calloc(N, sizeof(*sizes));

	assert_non_null(blocks);
	assert_non_null(sizes);
	arena_init(&a);
	for (size_t i = 0; i < N; i++) {
		sizes[i] = 1 + (i * 7919) % 700 + (i % 997 == 0 ? 20000 : 0);
		blocks[i] = arena_alloc(&a, sizes[i]);
		memset(blocks[i], (int)(i & 0xff), sizes[i]);
	}
	for (size_t i = 0; i < N; i++)
		for (size_t k = 0; k < sizes[i]; k++)
			if (blocks[i][k] != (unsigned char)(i & 0xff))
				fail_msg("block %zu byte %zu was overwritten", i, k);
	assert_true(a.total > 0);
	arena_release(&a);
	assert_null(a.chunk);
	assert_int_equal(a.total, 0);
	free(blocks);
	free(sizes);
}

static void test_zalloc_and_array(void **state)
{
	(void)state;
	struct arena a;

	arena_init(&a);
	/* Dirty the arena first so zeroing is observable. */
	memset(arena_alloc(&a, 4096), 0xff, 4096);
	arena_release(&a);
	unsigned char *z = arena_zalloc(&a, 1000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(z[i], 0);
	int64_t *arr = arena_array(&a, 333, sizeof(int64_t));
	for (size_t i = 0; i < 333; i++)
		assert_int_equal(arr[i], 0);
	arr[332] = 7; /* the last element is inside the block */
	assert_int_equal((uintptr_t)arr % MAX_ALIGN, 0);
	arena_release(&a);
}

struct trace {
	int order[16];
	int n;
};

struct hook {
	struct trace *t;
	int id;
};

static void record(void *arg)
{
	struct hook *h = arg;
	h->t->order[h->t->n++] = h->id;
}

static void test_cleanup_lifo(void **state)
{
	(void)state;
	struct arena a;
	struct trace t = {.n = 0};
	struct hook hooks[5];

	arena_init(&a);
	for (int i = 0; i < 5; i++) {
		hooks[i] = (struct hook){&t, i + 1};
		arena_cleanup_add(&a, record, &hooks[i]);
		/* Interleave allocations, including chunk-sized ones. */
		arena_alloc(&a, i == 2 ? 50000 : 10);
	}
	assert_int_equal(t.n, 0); /* nothing runs before release */
	arena_release(&a);
	assert_int_equal(t.n, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(t.order[i], 5 - i);

	/* The released arena is reusable, and old hooks do not run again. */
	arena_cleanup_add(&a, record, &hooks[0]);
	arena_release(&a);
	assert_int_equal(t.n, 6);
	assert_int_equal(t.order[5], 1);
	arena_release(&a); /* releasing an empty arena is harmless */
	assert_int_equal(t.n, 6);
}

static void free_hook(void *p)
{
	free(p);
}

/* Hooks may free memory that is not the arena's: ASan reports a leak otherwise. */
static void test_cleanup_frees_outside_memory(void **state)
{
	(void)state;
	struct arena a;

	arena_init(&a);
	for (int i = 0; i < 100; i++)
		arena_cleanup_add(&a, free_hook, malloc(32));
	arena_release(&a);
}

struct str_case {
	const char *name;
	const char *in;
	size_t n; /* for strndup */
	const char *ndup;
};

static const struct str_case str_cases[] = {
	{"empty", "", 0, ""},
	{"prefix", "abcdef", 3, "abc"},
	{"whole", "abcdef", 6, "abcdef"},
	{"utf-8 bytes", "caf\xc3\xa9", 5, "caf\xc3\xa9"},
};

static void test_strdup_printf(void **state)
{
	(void)state;
	struct arena a;

	arena_init(&a);
	for (size_t i = 0; i < ARRAY_SIZE(str_cases); i++) {
		const struct str_case *c = &str_cases[i];
		char *d = arena_strdup(&a, c->in);
		assert_string_equal(d, c->in);
		assert_ptr_not_equal(d, c->in);
		char *nd = arena_strndup(&a, c->in, c->n);
		assert_string_equal(nd, c->ndup);
		assert_int_equal(nd[c->n], '\0');
	}
	assert_null(arena_strdup(&a, NULL));

	char *p = arena_printf(&a, "#%d %s %05.1f", 42, "ticket", 3.14159);
	assert_string_equal(p, "#42 ticket 003.1");
	assert_string_equal(arena_printf(&a, "%s", ""), "");

	/* A formatted string bigger than a chunk. */
	char *big = malloc(30001);
	assert_non_null(big);
	memset(big, 'z', 30000);
	big[30000] = '\0';
	char *q = arena_printf(&a, "<%s>", big);
	assert_int_equal(strlen(q), 30002);
	assert_int_equal(q[0], '<');
	assert_int_equal(q[30001], '>');
	free(big);
	/* Earlier strings survive later growth. */
	assert_string_equal(p, "#42 ticket 003.1");
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_many_allocations),
		cmocka_unit_test(test_zalloc_and_array),
		cmocka_unit_test(test_cleanup_lifo),
		cmocka_unit_test(test_cleanup_frees_outside_memory),
		cmocka_unit_test(test_strdup_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
