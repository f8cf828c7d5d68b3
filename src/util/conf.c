/* conf.c - defaults, champion.conf, environment and flags, with sources. */
#include "util/common.h"
#include "util/conf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <ini.h>
#include <unistd.h>

const struct conf_key conf_keys[] = {
	{"db.path", "CHAMPION_DB", "champion.db",
	 "the desk's database: a SQLite file path, or a postgresql:// URL (then "
	 "attachments.dir must be set)"},
	{"db.synchronous", "CHAMPION_DB_SYNCHRONOUS", "full",
	 "commit durability: full (an acknowledged write survives power loss), normal "
	 "(survives a crash of champion, may lose the last commits on power loss), off"},
	{"db.busy_timeout_ms", "CHAMPION_DB_BUSY_TIMEOUT_MS", "5000",
	 "how long a command waits for a locked database before giving up"},
	{"attachments.dir", "CHAMPION_ATTACHMENTS_DIR", "",
	 "where attachment files are stored (empty: DB_PATH.files)"},
	{"attachments.max_bytes", "CHAMPION_ATTACHMENTS_MAX_BYTES", "26214400",
	 "the largest attachment accepted, in bytes (an upload may carry 10)"},
	{"log.level", "CHAMPION_LOG_LEVEL", "warn", "debug, info, warn, error or off"},
	{"server.listen", "CHAMPION_SERVER_LISTEN", "127.0.0.1:8080",
	 "the address 'champion serve' listens on: HOST:PORT or [IPV6]:PORT"},
	{"server.threads", "CHAMPION_SERVER_THREADS", "0",
	 "event loops (each on its own SO_REUSEPORT listener); 0: one per core"},
	{"server.body_max_bytes", "CHAMPION_SERVER_BODY_MAX_BYTES", "2097152",
	 "the largest JSON request body any route accepts (413 past it; uploads: "
	 "attachments.max_bytes)"},
	{"server.request_timeout_ms", "CHAMPION_SERVER_REQUEST_TIMEOUT_MS", "10000",
	 "a client that takes longer to send its request is disconnected"},
	{"server.shutdown_grace_ms", "CHAMPION_SERVER_SHUTDOWN_GRACE_MS", "10000",
	 "on SIGTERM, how long requests in flight may take to finish"},
	{"server.batch_max", "CHAMPION_SERVER_BATCH_MAX", "256",
	 "the most writes one group commit takes"},
	{"server.live_poll_ms", "CHAMPION_SERVER_LIVE_POLL_MS", "250",
	 "how often a loop with live streams reads the desk's changes; on PostgreSQL, "
	 "where the desk signals them at once (LISTEN/NOTIFY), 20 times less often"},
	{"web.url", "CHAMPION_WEB_URL", "",
	 "where people open the desk (https://help.example.com): the links Champion mails "
	 "start with it, never with a request's Host; empty: no sign-in links by mail"},
	{"mail.from", "CHAMPION_MAIL_FROM", "",
	 "the desk's address (\"Support <help@example.com>\"): public replies are mailed "
	 "from it; empty: replies are not mailed"},
	{"smtp.url", "CHAMPION_SMTP_URL", "",
	 "the SMTP server: smtp://HOST[:PORT] (STARTTLS when offered) or smtps://HOST[:PORT]"},
	{"smtp.user", "CHAMPION_SMTP_USER", "", "SMTP user name; empty: no authentication"},
	{"smtp.password", "CHAMPION_SMTP_PASSWORD", "", "SMTP password"},
	{"smtp.require_tls", "CHAMPION_SMTP_REQUIRE_TLS", "0",
	 "1: with smtp://, refuse to send unless STARTTLS succeeds"},
	{"smtp.ca_file", "CHAMPION_SMTP_CA_FILE", "",
	 "a PEM file of the authorities whose certificates the SMTP server's may chain to (an "
	 "internal CA); empty: the system's"},
	{"smtp.timeout_ms", "CHAMPION_SMTP_TIMEOUT_MS", "60000", "the longest one send may take"},
	{"mail.outbox_poll_ms", "CHAMPION_MAIL_OUTBOX_POLL_MS", "1000",
	 "how often champion serve looks for mail to send"},
	{"mail.new_tickets_per_hour", "CHAMPION_MAIL_NEW_TICKETS_PER_HOUR", "60",
	 "new tickets one sender may open by mail in an hour; past it their mail is held"},
	{"mail.cc_followers", "CHAMPION_MAIL_CC_FOLLOWERS", "1",
	 "1: the Cc addresses of a mail that opens a ticket become its followers"},
	{"mail.acknowledge", "CHAMPION_MAIL_ACKNOWLEDGE", "",
	 "the text mailed back when mail opens a ticket ({ticket} is its number), never to "
	 "automatic or bulk mail; empty: no acknowledgement"},
	{"jobs.lease_ms", "CHAMPION_JOBS_LEASE_MS", "300000",
	 "how long a worker holds a job (mail to send...) before another may take it over"},
	{"imap.url", "CHAMPION_IMAP_URL", "",
	 "a mailbox champion serve reads: imaps://HOST[:PORT]/MAILBOX (or imap://, STARTTLS "
	 "when offered); empty: none"},
	{"imap.user", "CHAMPION_IMAP_USER", "", "IMAP user name"},
	{"imap.password", "CHAMPION_IMAP_PASSWORD", "", "IMAP password"},
	{"imap.mailbox", "CHAMPION_IMAP_MAILBOX", "imap",
	 "the desk's name for that mailbox (duplicates are found by Message-ID within it)"},
	{"imap.move_to", "CHAMPION_IMAP_MOVE_TO", "",
	 "a folder to move messages to once stored; empty: leave them marked read"},
	{"imap.require_tls", "CHAMPION_IMAP_REQUIRE_TLS", "0",
	 "1: with imap://, refuse to log in unless STARTTLS succeeds"},
	{"imap.ca_file", "CHAMPION_IMAP_CA_FILE", "",
	 "a PEM file of the authorities whose certificates the IMAP server's may chain to (an "
	 "internal CA); empty: the system's"},
	{"imap.poll_ms", "CHAMPION_IMAP_POLL_MS", "30000", "how often the mailbox is read"},
};
const size_t conf_nkeys = ARRAY_SIZE(conf_keys);

static const char *const source_names[] = {"default", "file", "env", "flag"};

static int key_index(const char *key)
{
	for (size_t i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].name, key) == 0)
			return (int)i;
	return -1;
}

static void put(struct conf *c, int i, const char *value, enum conf_source src)
{
	free(c->values[i]);
	c->values[i] = xstrdup(value);
	c->sources[i] = src;
}

struct ini_ctx {
	struct conf *c;
	FILE *f;
	int line;     /* the line inih is on: counted by read_line */
	int bad_line; /* the first unknown key's line, and what it was */
	char bad[200];
};

/* inih's reader: fgets that counts lines, so the handler knows where it is. */
static char *read_line(char *str, int num, void *stream)
{
	struct ini_ctx *x = stream;
	char *s = fgets(str, num, x->f);
	if (s)
		x->line++;
	return s;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = user;
	char key[160];
	int i;

	snprintf(key, sizeof(key), "%s.%s", section, name);
	i = key_index(key);
	if (i < 0) {
		if (!x->bad_line) {
			x->bad_line = x->line;
			if (!*section)
				snprintf(x->bad, sizeof(x->bad), "key '%s' is outside a [section]",
					 name);
			else
				snprintf(x->bad, sizeof(x->bad), "unknown key '%s'", key);
		}
		return 0;
	}
	put(x->c, i, value, CONF_FILE);
	return 1;
}

enum err_code conf_load(struct conf *c, const char *file, struct err *e)
{
	bool named = file != NULL;

	c->values = xcalloc(conf_nkeys, sizeof(*c->values));
	c->sources = xcalloc(conf_nkeys, sizeof(*c->sources));
	c->file = NULL;
	for (size_t i = 0; i < conf_nkeys; i++)
		put(c, (int)i, conf_keys[i].def, CONF_DEFAULT);

	if (!file) {
		file = getenv("CHAMPION_CONFIG");
		named = file && *file;
		if (!named)
			file = access("champion.conf", F_OK) == 0 ? "champion.conf" : NULL;
	}
	if (file) {
		struct ini_ctx x = {.c = c, .bad = ""};
		int line;

		if (!(x.f = fopen(file, "r")))
			return err_set(e, ERR_INVALID, "cannot read configuration '%s': %s", file,
				       strerror(errno));
		line = ini_parse_stream(read_line, &x, on_ini, &x);
		fclose(x.f);
		/* inih reports the first error's line: name the key only if it is that one. */
		if (line != 0)
			return err_set(e, ERR_INVALID, "%s:%d: %s", file, line,
				       line == x.bad_line ? x.bad : "syntax error");
		c->file = xstrdup(file);
	}
	(void)named;
	for (size_t i = 0; i < conf_nkeys; i++) {
		const char *v = getenv(conf_keys[i].env);
		if (v && *v) /* an empty variable counts as unset */
			put(c, (int)i, v, CONF_ENV);
	}
	/* The name hosts give a database's URL: db.path too, unless CHAMPION_DB says otherwise. */
	{
		const char *url = getenv(CONF_DATABASE_URL_ENV), *db = getenv("CHAMPION_DB");
		if (url && *url && db && *db && strcmp(url, db) != 0)
			return err_set(e, ERR_INVALID, "both CHAMPION_DB ('%s') and %s ('%s') name the "
				       "desk: unset one", db, CONF_DATABASE_URL_ENV, url);
		if (url && *url)
			put(c, key_index("db.path"), url, CONF_ENV);
	}
	return ERR_OK;
}

void conf_release(struct conf *c)
{
	if (c->values)
		for (size_t i = 0; i < conf_nkeys; i++)
			free(c->values[i]);
	free(c->values);
	free(c->sources);
	free(c->file);
	memset(c, 0, sizeof(*c));
}

enum err_code conf_set(struct conf *c, const char *key, const char *value, enum conf_source src,
		       struct err *e)
{
	int i = key_index(key);
	if (i < 0)
		return err_set(e, ERR_INVALID, "unknown configuration key '%s'", key);
	put(c, i, value, src);
	return ERR_OK;
}

const char *conf_get(const struct conf *c, const char *key)
{
	int i = key_index(key);
	if (i < 0)
		BUG("unknown configuration key '%s'", key);
	return c->values[i];
}

enum conf_source conf_source_of(const struct conf *c, const char *key)
{
	int i = key_index(key);
	if (i < 0)
		BUG("unknown configuration key '%s'", key);
	return c->sources[i];
}

const char *conf_source_name(enum conf_source s)
{
	return (size_t)s < ARRAY_SIZE(source_names) ? source_names[s] : "?";
}

enum err_code conf_get_int(const struct conf *c, const char *key, int64_t min, int64_t max,
			   int64_t *out, struct err *e)
{
	const char *v = conf_get(c, key);
	if (str_parse_int64(v, min, max, out) < 0)
		return err_set(e, ERR_INVALID,
			       "configuration %s = '%s' (from %s) is not a whole number in "
			       "%" PRId64 "..%" PRId64,
			       key, v, conf_source_name(conf_source_of(c, key)), min, max);
	return ERR_OK;
}
