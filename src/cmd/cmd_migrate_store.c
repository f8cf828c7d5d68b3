/* cmd_migrate_store.c - champion migrate-store: move a desk into PostgreSQL. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "store/copy.h"
#include "util/time.h"

#include <sodium.h>
#include <unistd.h>

static const char usage[] =
	"usage: champion migrate-store [--from SOURCE] --to URL [--from-files DIR]\n"
	"                              [--to-files DIR] [--quiet]\n"
	"\n"
	"Copies a whole desk into a PostgreSQL database and checks the copy: every\n"
	"table with its ids, every attachment file, then the search index rebuilt\n"
	"there. Each table is read back from the destination and compared with the\n"
	"source, row count and checksum, before anything is committed: the copy is\n"
	"whole or not at all. Stop the desk's servers and mail deliveries first;\n"
	"what they write during the copy is not carried over.\n"
	"\n"
	"   --from SOURCE    the desk to copy: sqlite:PATH, a path, or a postgresql://\n"
	"                    URL (default: the configured desk, db.path)\n"
	"   --to URL         the destination: postgresql://USER@HOST:PORT/DATABASE. An\n"
	"                    empty database becomes a desk; one that already holds a\n"
	"                    desk is refused if it has any user or ticket\n"
	"   --from-files DIR the source's attachment directory (default: attachments.dir\n"
	"                    if set, else SOURCE.files beside an SQLite desk)\n"
	"   --to-files DIR   the destination's attachment directory, shared by every\n"
	"                    host that will serve it (default: attachments.dir). The\n"
	"                    same directory as the source's is checked, not copied\n"
	"   --quiet          no progress on standard error\n"
	"\n"
	"Prints a line per table: its rows and checksum (the same on both sides, or\n"
	"the command fails). Exit status 0 when the desk was copied whole; 73 when the\n"
	"destination holds a desk in use; 70 when a table reads back different; 65\n"
	"when the two schemas differ; 66 when an attachment file is missing; 75 when\n"
	"a database cannot be reached. Then point db.path (or CHAMPION_DATABASE_URL)\n"
	"and attachments.dir at the new desk.\n";

struct progress {
	struct store_copy_progress p;
	bool quiet, tty, ended;
	char what[64];
	int64_t last_ms;
};

static void on_progress(struct store_copy_progress *sp, const char *what, int64_t done,
			int64_t total)
{
	struct progress *pr = (struct progress *)sp;
	int64_t now = time_mono_ms();
	bool new_part = strcmp(pr->what, what) != 0, end = done >= total;

	if (pr->quiet || (!new_part && (end ? pr->ended : now - pr->last_ms < 1000)))
		return;
	if (new_part)
		snprintf(pr->what, sizeof(pr->what), "%s", what);
	pr->last_ms = now;
	pr->ended = end;
	fprintf(stderr, "%smigrate-store: %s: %" PRId64 " of %" PRId64 "%s", pr->tty ? "\r" : "",
		what, done, total, pr->tty ? "\033[K" : "\n");
	if (pr->tty && end)
		fputc('\n', stderr);
	fflush(stderr);
}

/* "sqlite:PATH" and "sqlite://PATH" name a path; anything else is as given. */
static const char *source_target(const char *s)
{
	if (strncmp(s, "sqlite:", 7) != 0)
		return s;
	s += 7;
	return strncmp(s, "//", 2) == 0 ? s + 2 : s;
}

static void print_report(const struct store_copy_report *r)
{
	char hex[2 * STORE_COPY_SUM + 1];

	printf("%-22s %10s  %-32s  %s\n", "table", "rows", "checksum", "destination");
	for (size_t i = 0; i < r->ntables; i++) {
		const struct store_copy_table *t = &r->tables[i];
		bool same = store_copy_same(t);
		sodium_bin2hex(hex, sizeof(hex), t->sum_from, sizeof(t->sum_from));
		printf("%-22s %10" PRId64 "  %s  ", t->name, t->rows_from, hex);
		if (same) {
			printf("same\n");
		} else if (t->rows_to != t->rows_from) {
			printf("DIFFERENT: %" PRId64 " rows\n", t->rows_to);
		} else {
			sodium_bin2hex(hex, sizeof(hex), t->sum_to, sizeof(t->sum_to));
			printf("DIFFERENT: %s\n", hex);
		}
	}
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"from", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"from-files", required_argument, NULL, 'F'},
		{"to-files", required_argument, NULL, 'T'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	const char *from = NULL, *to = NULL, *from_files = NULL, *to_files = NULL;
	struct progress pr = {.p = {on_progress}, .tty = isatty(STDERR_FILENO) == 1};
	struct store src = {0}, dst = {0};
	struct store_options so, dop;
	struct store_copy_report r = {0};
	struct err e = ERR_INIT;
	bool started = false;
	int opt, status;

	while ((opt = cmd_getopt("migrate-store", argc, argv, "", opts, &started)) != -1) {
		switch (opt) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'F':
			from_files = optarg;
			break;
		case 'T':
			to_files = optarg;
			break;
		case 'q':
			pr.quiet = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_migrate_store, "unexpected argument '%s'", argv[optind]);
	if (!to)
		return cmd_usage_error(&cmd_migrate_store, "--to URL is required");
	if (strncmp(to, "postgresql://", 13) != 0 && strncmp(to, "postgres://", 11) != 0)
		return cmd_usage_error(&cmd_migrate_store, "--to '%s' is not a postgresql:// URL",
				       to);
	memset(&so, 0, sizeof(so));
	if ((status = cmd_store_options(ctx, &so)))
		return status;
	dop = so;
	if (from)
		so.target = source_target(from);
	if (from_files)
		so.blob_dir = from_files;
	if (strcmp(so.target, to) == 0)
		return cmd_usage_error(&cmd_migrate_store, "--from and --to name the same desk");
	dop.target = to;
	dop.create = true;
	if (to_files)
		dop.blob_dir = to_files;
	if (!dop.blob_dir || !*dop.blob_dir)
		return cmd_usage_error(&cmd_migrate_store, "the destination needs its attachment "
				       "directory: --to-files DIR or attachments.dir");
	if (store_open(&src, &so, &e))
		return cmd_fail(&e);
	if (store_open(&dst, &dop, &e)) {
		store_release(&src);
		return cmd_fail(&e);
	}
	if (store_copy(&src, &dst, &pr.p, &r, &e)) {
		if (r.checked)
			print_report(&r);
		status = cmd_fail(&e);
	} else {
		print_report(&r);
		printf("files: %" PRId64 " (%" PRId64 " bytes) %s %s\n", r.files, r.file_bytes,
		       r.files_shared ? "found in the shared directory" : "copied into",
		       dst.blob_dir);
		printf("copied desk '%s' into '%s' in %.1f s; the search index was rebuilt there\n",
		       src.target, dst.target, (double)r.seconds_ms / 1000.0);
	}
	store_copy_release(&r);
	store_release(&dst);
	store_release(&src);
	return status;
}

const struct cmd cmd_migrate_store = {"migrate-store", "copy a whole desk into PostgreSQL",
				      usage, run};
