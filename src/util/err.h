/*
 * err.h - the one error taxonomy of Champion.
 *
 * Every fallible function below the channels returns an enum err_code
 * (ERR_OK is 0) and, on failure, fills a struct err with a human message.
 * Each channel maps the code once: the CLI to a sysexits.h exit status
 * (err_exit_code), HTTP to a status and an RFC 7807 body, the mailgate to
 * EX_TEMPFAIL for transient failures so the mail server retries.
 *
 * Messages are lower-case, name the failing thing first and quote it:
 * "no ticket #42", "priority 'hi' is not one of low, normal, high, urgent".
 */
#ifndef CHAMPION_ERR_H
#define CHAMPION_ERR_H

#include "util/common.h"

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,   /* the input is wrong: fix it and try again */
	ERR_NOT_FOUND, /* no such thing, or the caller may not see it */
	ERR_FORBIDDEN, /* the caller sees it but may not do this */
	ERR_CONFLICT,  /* the state forbids it now (exists, closed, newer) */
	ERR_TRANSIENT, /* try again later: busy, locked, unreachable */
	ERR_INTERNAL,  /* our bug or a broken environment */
};

#define ERR_MSG_MAX 512

struct err {
	enum err_code code;
	char msg[ERR_MSG_MAX];
};

#define ERR_INIT {ERR_OK, ""}

/* Fill e (when not NULL) and return code, so callers can 'return err_set(...)'. */
enum err_code err_set(struct err *e, enum err_code code, const char *fmt, ...) PRINTF_LIKE(3, 4);
void err_clear(struct err *e);

/* Stable short name: "ok", "invalid", "not_found", ... */
const char *err_code_name(enum err_code code);
/* The sysexits.h status a command exits with for this code. */
int err_exit_code(enum err_code code);

#endif
