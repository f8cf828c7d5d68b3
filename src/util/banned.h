/*
 * banned.h - libc functions Champion never calls.
 *
 * Each has a bounded or clearer replacement: buf_* or snprintf for
 * sprintf/strcpy/strcat, strtol-based util_parse_* for atoi, strtok_r
 * for strtok. Included last by common.h, after the system headers.
 */
#ifndef CHAMPION_BANNED_H
#define CHAMPION_BANNED_H

#define BANNED(func) sorry_##func##_is_banned_in_champion

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gets
#define gets(x) BANNED(gets)

#endif
