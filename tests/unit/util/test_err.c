/* test_err.c - tests of src/util/err.c: names, exit codes, messages. */
#include "util/common.h"
#include "util/err.h"
#include "testlib.h"

#include <sysexits.h>

/*
 * The sysexits.h values, written out so a change to the mapping (or a
 * platform with other numbers) shows here.
 */
static const struct {
	enum err_code code;
	const char *name;
	int exit_code;
} codes[] = {
	{ERR_OK, "ok", 0},                    /* EX_OK */
	{ERR_INVALID, "invalid", 65},         /* EX_DATAERR */
	{ERR_NOT_FOUND, "not_found", 66},     /* EX_NOINPUT */
	{ERR_FORBIDDEN, "forbidden", 77},     /* EX_NOPERM */
	{ERR_CONFLICT, "conflict", 73},       /* EX_CANTCREAT */
	{ERR_TRANSIENT, "transient", 75},     /* EX_TEMPFAIL: the mail server retries */
	{ERR_INTERNAL, "internal", 70},       /* EX_SOFTWARE */
};

static void test_names_and_exit_codes(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		assert_string_equal(err_code_name(codes[i].code), codes[i].name);
		assert_int_equal(err_exit_code(codes[i].code), codes[i].exit_code);
		/* Every failure has its own exit status. */
		for (size_t k = 0; k < i; k++)
			assert_int_not_equal(err_exit_code(codes[i].code),
					     err_exit_code(codes[k].code));
	}
	assert_int_equal(ERR_OK, 0);
}

static void test_sysexits_macros(void **state)
{
	(void)state;
	assert_int_equal(err_exit_code(ERR_OK), EX_OK);
	assert_int_equal(err_exit_code(ERR_INVALID), EX_DATAERR);
	assert_int_equal(err_exit_code(ERR_NOT_FOUND), EX_NOINPUT);
	assert_int_equal(err_exit_code(ERR_FORBIDDEN), EX_NOPERM);
	assert_int_equal(err_exit_code(ERR_CONFLICT), EX_CANTCREAT);
	assert_int_equal(err_exit_code(ERR_TRANSIENT), EX_TEMPFAIL);
	assert_int_equal(err_exit_code(ERR_INTERNAL), EX_SOFTWARE);
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(err_code_name((enum err_code)99), "internal");
	assert_int_equal(err_exit_code((enum err_code)99), 70);
	assert_string_equal(err_code_name((enum err_code)-1), "internal");
	assert_int_equal(err_exit_code((enum err_code)-1), 70);
}

static void test_set_and_clear(void **state)
{
	(void)state;
	struct err e = ERR_INIT;

	assert_int_equal(e.code, ERR_OK);
	assert_string_equal(e.msg, "");
	assert_int_equal(err_set(&e, ERR_NOT_FOUND, "no ticket #%d", 42), ERR_NOT_FOUND);
	assert_int_equal(e.code, ERR_NOT_FOUND);
	assert_string_equal(e.msg, "no ticket #42");
	/* A NULL err is allowed: the code still comes back. */
	assert_int_equal(err_set(NULL, ERR_CONFLICT, "x %s", "y"), ERR_CONFLICT);
	err_clear(&e);
	assert_int_equal(e.code, ERR_OK);
	assert_string_equal(e.msg, "");
}

static void test_long_message_truncated(void **state)
{
	(void)state;
	struct err e = ERR_INIT;
	char big[2 * ERR_MSG_MAX];

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, ERR_INVALID, "'%s'", big);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
	assert_int_equal(e.msg[0], '\'');
	assert_int_equal(e.msg[ERR_MSG_MAX - 2], 'm');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_exit_codes),
		cmocka_unit_test(test_sysexits_macros),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_set_and_clear),
		cmocka_unit_test(test_long_message_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
