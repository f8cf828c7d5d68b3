/*
 * str.h - small string helpers: UTF-8 validation, parsing numbers,
 * ASCII case folding and trimming. All pure; none allocates.
 */
#ifndef CHAMPION_STR_H
#define CHAMPION_STR_H

#include "util/common.h"

/*
 * True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing past U+10FFFF). When it is not and bad_offset is not NULL, the
 * byte offset of the first bad sequence is stored there.
 */
bool str_utf8_valid(const char *s, size_t len, size_t *bad_offset);
/* Number of code points in well-formed UTF-8. */
size_t str_utf8_count(const char *s, size_t len);
/* True when s (UTF-8) holds a control character other than tab, CR and LF:
 * C0, DEL or C1 (U+0080..U+009F). */
bool str_has_control(const char *s, size_t len);

/* Strict decimal parse of all of s into [min, max]; 0 or -1. */
int str_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* ASCII lower-case in place; returns s. */
char *str_lower_ascii(char *s);
/* Pointer to the first non-space of s, and length without trailing space. */
const char *str_trim(const char *s, size_t *len);
bool str_starts_with(const char *s, const char *prefix);

#endif
