/*
 * conf.h - the effective configuration and where each value came from.
 *
 * Every key has a default; champion.conf (INI) overrides it, then the
 * environment (CHAMPION_SECTION_KEY, and CHAMPION_DB for db.path), then
 * a flag (an empty variable counts as unset). `champion config` prints the result with each value's source.
 * The file is --config FILE, else $CHAMPION_CONFIG, else ./champion.conf
 * when it exists. Unknown keys in the file are errors (a typo must not be
 * silently ignored).
 */
#ifndef CHAMPION_CONF_H
#define CHAMPION_CONF_H

#include "util/common.h"
#include "util/err.h"

enum conf_source { CONF_DEFAULT, CONF_FILE, CONF_ENV, CONF_FLAG };

struct conf_key {
	const char *name; /* "section.key" */
	const char *env;  /* environment variable */
	const char *def;  /* default value */
	const char *help;
};

/* Also names db.path, as hosting platforms name a database's URL. */
#define CONF_DATABASE_URL_ENV "CHAMPION_DATABASE_URL"

extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

struct conf {
	char **values;              /* one per conf_keys entry, malloc'd */
	enum conf_source *sources;
	char *file;                 /* the file read, or NULL */
};

/*
 * Defaults, then file (when file is NULL: $CHAMPION_CONFIG, else
 * ./champion.conf if present), then the environment. A named file that
 * cannot be read, a syntax error or an unknown key is ERR_INVALID with
 * the file and line.
 */
enum err_code conf_load(struct conf *c, const char *file, struct err *e);
void conf_release(struct conf *c);

/* Sets key to value from src; ERR_INVALID for an unknown key. */
enum err_code conf_set(struct conf *c, const char *key, const char *value, enum conf_source src,
		       struct err *e);
/* The value of a known key (BUG for an unknown one). */
const char *conf_get(const struct conf *c, const char *key);
enum conf_source conf_source_of(const struct conf *c, const char *key);
const char *conf_source_name(enum conf_source s);
/* The value as an integer in [min, max], or ERR_INVALID naming the key. */
enum err_code conf_get_int(const struct conf *c, const char *key, int64_t min, int64_t max,
			   int64_t *out, struct err *e);

#endif
