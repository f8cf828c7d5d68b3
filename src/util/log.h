/*
 * log.h - one logfmt line per event, on standard error.
 *
 *   ts=2026-11-22T04:20:25.123Z level=warn msg="cannot open desk" path=x.db
 *
 * Levels mean something: error is our fault or the environment's, warn is
 * a degraded but served request, info is a lifecycle event, debug is for
 * developers. A line is formatted only when its level is on. Client
 * mistakes log at info or lower, never as error.
 */
#ifndef CHAMPION_LOG_H
#define CHAMPION_LOG_H

#include "util/common.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "debug", "info", "warn", "error", "off"; -1 for anything else. */
int log_parse_level(const char *s);

/*
 * kv is a printf format for the key=value pairs after msg, or NULL.
 * Values that may hold spaces or quotes should be passed through %s of
 * log_quote()'d strings.
 */
void log_write(enum log_level level, const char *msg, const char *kv, ...) PRINTF_LIKE(3, 4);

#define log_debug(...) log_write(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
