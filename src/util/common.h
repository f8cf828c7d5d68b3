/*
 * common.h - the first include of every Champion source file.
 *
 * Pulls in the standard headers nearly every file needs, then banned.h, so
 * that unsafe libc calls are compile errors everywhere in the project.
 */
#ifndef CHAMPION_COMMON_H
#define CHAMPION_COMMON_H

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* BUG() is for states no input can cause: it logs and aborts. */
NORETURN void bug_at(const char *file, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

#include "util/banned.h"

#endif
