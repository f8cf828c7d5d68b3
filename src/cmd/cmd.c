/* cmd.c - what the subcommands share: opening the desk, actors, errors, input. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "util/str.h"
#include "util/time.h"
#include "util/xalloc.h"

#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

const struct cmd *const cmd_table[] = {
	&cmd_init, &cmd_serve, &cmd_mailgate, &cmd_ticket, &cmd_queue, &cmd_view, &cmd_user, &cmd_org, &cmd_group, &cmd_token,
	&cmd_calendar, &cmd_sla, &cmd_report, &cmd_import, &cmd_job, &cmd_config, &cmd_demo,
	&cmd_migrate_store, NULL,
};

int cmd_fail(const struct err *e)
{
	fprintf(stderr, "champion: %s\n", e->msg[0] ? e->msg : err_code_name(e->code));
	return err_exit_code(e->code ? e->code : ERR_INTERNAL);
}

int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "champion %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'champion %s --help'\n", c->name);
	return EX_USAGE;
}

bool cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

int cmd_getopt(const char *cmdname, int argc, char **argv, const char *shortopts,
	       const struct option *longopts, bool *started)
{
	char spec[128];
	int opt;

	if (!*started) {
		optind = 0; /* GNU getopt: reinitialise */
		*started = true;
	}
	snprintf(spec, sizeof(spec), ":%s", shortopts);
	opterr = 0;
	opt = getopt_long(argc, argv, spec, longopts, NULL);
	if (opt == '?') {
		fprintf(stderr, "champion %s: unknown option '%s'\nsee 'champion %s --help'\n",
			cmdname, argv[optind - 1], cmdname);
		return -2;
	}
	if (opt == ':') {
		fprintf(stderr, "champion %s: option '%s' needs a value\nsee 'champion %s --help'\n",
			cmdname, argv[optind - 1], cmdname);
		return -2;
	}
	return opt;
}

int cmd_open_desk(struct cmd_ctx *ctx, bool create, struct desk **out)
{
	struct store_options o = {.create = create};
	return cmd_open_desk_as(ctx, &o, out);
}

int cmd_open_desk_as(struct cmd_ctx *ctx, const struct store_options *how, struct desk **out)
{
	struct store_options o = *how;
	struct err e = ERR_INIT;
	int status = cmd_store_options(ctx, &o);

	if (status)
		return status;
	if (desk_open(out, &o, &e))
		return cmd_fail(&e);
	struct desk_settings ds;
	if ((status = cmd_desk_settings(ctx, &ds)) || desk_configure(*out, &ds, &e)) {
		desk_close(*out);
		*out = NULL;
		return status ? status : cmd_fail(&e);
	}
	return 0;
}

int cmd_desk_settings(struct cmd_ctx *ctx, struct desk_settings *out)
{
	struct err e = ERR_INIT;
	int64_t per_hour, lease;

	memset(out, 0, sizeof(*out));
	if (conf_get_int(&ctx->conf, "mail.new_tickets_per_hour", 1, 1000000, &per_hour, &e) ||
	    conf_get_int(&ctx->conf, "jobs.lease_ms", 100, 86400000, &lease, &e))
		return cmd_fail(&e);
	out->mail_from = conf_get(&ctx->conf, "mail.from");
	out->mail_new_per_hour = (int)per_hour;
	out->mail_cc_followers = strcmp(conf_get(&ctx->conf, "mail.cc_followers"), "0") != 0;
	out->mail_ack_text = conf_get(&ctx->conf, "mail.acknowledge");
	out->job_lease_ms = lease;
	out->web_url = conf_get(&ctx->conf, "web.url");
	return 0;
}

int cmd_store_options(struct cmd_ctx *ctx, struct store_options *out)
{
	struct store_options o = *out;
	struct err e = ERR_INIT;
	int64_t busy, max;
	int sync;

	o.target = conf_get(&ctx->conf, "db.path");
	sync = db_parse_sync(conf_get(&ctx->conf, "db.synchronous"));
	if (sync < 0) {
		err_set(&e, ERR_INVALID, "db.synchronous = '%s' (from %s) is not one of full, "
			"normal, off", conf_get(&ctx->conf, "db.synchronous"),
			conf_source_name(conf_source_of(&ctx->conf, "db.synchronous")));
		return cmd_fail(&e);
	}
	o.sync = (enum db_sync)sync;
	if (conf_get_int(&ctx->conf, "db.busy_timeout_ms", 0, 3600000, &busy, &e) ||
	    conf_get_int(&ctx->conf, "attachments.max_bytes", 0, (int64_t)1 << 40, &max, &e))
		return cmd_fail(&e);
	o.busy_timeout_ms = (int)busy;
	o.blob_max = (size_t)max;
	o.blob_dir = conf_get(&ctx->conf, "attachments.dir");
	*out = o;
	return 0;
}

int cmd_actor(struct cmd_ctx *ctx, struct desk *d, struct actor *out)
{
	struct err e = ERR_INIT;

	if (!ctx->as_email) {
		*out = desk_system_actor;
		return 0;
	}
	if (desk_actor_by_email(d, ctx->as_email, out, &e)) {
		if (e.code == ERR_NOT_FOUND)
			err_set(&e, ERR_NOT_FOUND, "--as '%s': no such user", ctx->as_email);
		return cmd_fail(&e);
	}
	return 0;
}

int cmd_parse_ticket_id(const char *s, int64_t *id)
{
	if (s && *s == '#')
		s++;
	return str_parse_int64(s, 1, INT64_MAX, id);
}

/* Reads fd to the end, refusing more than max bytes. */
static char *read_all(int fd, const char *what, size_t max, size_t *len, struct err *e)
{
	size_t cap = 4096, n = 0;
	char *p = xmalloc(cap + 1);

	for (;;) {
		if (n == cap) {
			if (cap > max) {
				free(p);
				err_set(e, ERR_INVALID, "%s is larger than %zu bytes", what, max);
				return NULL;
			}
			cap *= 2;
			p = xrealloc(p, cap + 1);
		}
		ssize_t r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(e, ERR_INVALID, "cannot read %s: %s", what, strerror(errno));
			free(p);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(p);
		err_set(e, ERR_INVALID, "%s is larger than %zu bytes", what, max);
		return NULL;
	}
	p[n] = '\0';
	*len = n;
	return p;
}

char *cmd_read_stdin(size_t max, size_t *len, struct err *e)
{
	return read_all(STDIN_FILENO, "standard input", max, len, e);
}

char *cmd_read_file(const char *path, size_t max, size_t *len, struct err *e)
{
	struct stat sb;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_INVALID, "cannot open '%s': %s",
			path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		close(fd);
		err_set(e, ERR_INVALID, "'%s' is a directory", path);
		return NULL;
	}
	p = read_all(fd, path, max, len, e);
	close(fd);
	return p;
}

const char *cmd_time(struct cmd_ctx *ctx, int64_t ms)
{
	char iso[TIME_ISO_MAX];

	if (!ms)
		return "-";
	time_format_iso(ms, iso);
	/* "2026-11-22T04:20:25.123Z" -> "2026-11-22 04:20" */
	iso[10] = ' ';
	iso[16] = '\0';
	return arena_strdup(&ctx->arena, iso);
}

int cmd_handoff(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0) {
		fprintf(stderr, "champion: cannot find the running binary: %s\n", strerror(errno));
		return EX_OSERR;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	snprintf(path, sizeof(path), "%.*s/champion-serve", slash ? (int)(slash - self) : 0, self);
	execv(path, argv);
	fprintf(stderr, "champion: cannot run '%s' (installed with champion): %s\n", path,
		strerror(errno));
	return EX_UNAVAILABLE;
}

void cmd_print_json(struct buf *b)
{
	json_t *j = json_loads(buf_str(b), 0, NULL);
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(j);
	buf_release(b);
}
