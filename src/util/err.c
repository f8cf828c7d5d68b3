/* err.c - error taxonomy and its mapping to exit codes. */
#include "util/common.h"
#include "util/err.h"

#include <sysexits.h>

static const struct {
	const char *name;
	int exit_code;
} codes[] = {
	[ERR_OK] = {"ok", EX_OK},
	[ERR_INVALID] = {"invalid", EX_DATAERR},
	[ERR_NOT_FOUND] = {"not_found", EX_NOINPUT},
	[ERR_FORBIDDEN] = {"forbidden", EX_NOPERM},
	[ERR_CONFLICT] = {"conflict", EX_CANTCREAT},
	[ERR_TRANSIENT] = {"transient", EX_TEMPFAIL},
	[ERR_INTERNAL] = {"internal", EX_SOFTWARE},
};

enum err_code err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct err *e)
{
	e->code = ERR_OK;
	e->msg[0] = '\0';
}

const char *err_code_name(enum err_code code)
{
	if ((size_t)code >= ARRAY_SIZE(codes))
		return "internal";
	return codes[code].name;
}

int err_exit_code(enum err_code code)
{
	if ((size_t)code >= ARRAY_SIZE(codes))
		return EX_SOFTWARE;
	return codes[code].exit_code;
}
