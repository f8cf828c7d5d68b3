/*
 * fuzz_mail.c - a fuzz target for inbound mail: mail_inbound_parse, then
 * mail_guard_check and text_fold_points on what it gave, and mail/html and
 * rules/text straight on the raw bytes, each freeing all it made.
 *
 * Built two ways:
 *  - with -DCHAMPION_LIBFUZZER and clang -fsanitize=fuzzer (tests/fuzz/run.sh):
 *    libFuzzer calls LLVMFuzzerTestOneInput with generated inputs;
 *  - as a plain program (meson, the unit suite): main runs every file named
 *    on the command line, or every file of a directory named, once; with -v
 *    it prints what each message was read into, which helps when writing
 *    an .expect file.
 * Invariants it asserts: strings are valid UTF-8, fold points are in order
 * and in bounds, degraded messages keep their source, every attachment's
 * bytes are readable.
 */
#include "util/common.h"
#include "mail/guard.h"
#include "mail/html.h"
#include "mail/inbound.h"
#include "rules/text.h"
#include "util/arena.h"
#include "util/str.h"

#include <gmime/gmime.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool verbose;

/* Small caps so that the fuzzer explores them. */
static const struct mail_limits limits = {.part_max = 64 * 1024, .total_max = 256 * 1024,
					  .parts_max = 100};

static void check_fold(const char *text, size_t len)
{
	struct text_fold f;

	text_fold_points(text, len, &f);
	if (!(f.body_end <= f.sig_at && f.sig_at <= f.quote_at && f.quote_at <= len))
		BUG("fold points out of order: %zu %zu %zu of %zu", f.body_end, f.sig_at,
		    f.quote_at, len);
}

static void check_utf8(const char *what, const char *s, size_t len)
{
	if (s && !str_utf8_valid(s, len, NULL))
		BUG("%s is not UTF-8", what);
}

static void show(const struct mail_inbound *m, const struct mail_guard *g)
{
	printf("  subject: %s\n  message_id: %s\n  from: \"%s\" <%s>\n  ticket_tag: %" PRId64
	       "\n  date_ms: %" PRId64 "\n  degraded: %s%s%s\n  guard: %s %s %s\n"
	       "  bounce: %s %s rcpts %zu\n  quote: %s at %zu, sig at %zu, body_end %zu\n"
	       "  html: %s\n  text (%zu bytes):\n%s\n",
	       m->subject, m->message_id ? m->message_id : "(none)", m->from.name,
	       m->from.addr ? m->from.addr : "(none)", m->ticket_tag, m->date_ms,
	       m->degraded ? "yes, " : "no", m->degraded ? m->degraded_reason : "",
	       m->truncated ? " (truncated)" : "", g->auto_reply_allowed ? "allowed" : "refused",
	       mail_guard_reason_name(g->reason), mail_guard_kind_name(g->kind),
	       m->bounce ? "yes" : "no", m->bounce_message_id ? m->bounce_message_id : "-",
	       m->nbounce_rcpts, text_quote_name(m->fold.quote), m->fold.quote_at, m->fold.sig_at,
	       m->fold.body_end, m->html ? m->html : "(none)", m->text_len, m->text);
	for (size_t i = 0; i < m->nattachments; i++)
		printf("  attachment %zu: %s %s %zu bytes%s%s%s\n", i + 1, m->attachments[i].filename,
		       m->attachments[i].content_type, m->attachments[i].len,
		       m->attachments[i].is_inline ? " inline" : "",
		       m->attachments[i].content_id ? " cid " : "",
		       m->attachments[i].content_id ? m->attachments[i].content_id : "");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	g_mime_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const own[] = {"support@desk.example"};
	const char *raw = (const char *)data;
	struct mail_inbound m;
	struct mail_guard g;
	struct arena a;
	unsigned sum = 0;

	arena_init(&a);
	mail_inbound_parse(&m, raw, size, &limits, &a);
	mail_guard_check(&m, own, ARRAY_SIZE(own), &g);
	check_utf8("subject", m.subject, strlen(m.subject));
	check_utf8("text", m.text, m.text_len);
	check_utf8("from name", m.from.name, strlen(m.from.name));
	check_utf8("html", m.html, m.html_len);
	check_fold(m.text, m.text_len);
	if (m.degraded && (!m.nattachments ||
			   strcmp(m.attachments[m.nattachments - 1].filename, "message.eml") != 0))
		BUG("a degraded message without its source");
	for (size_t i = 0; i < m.nattachments; i++) {
		const struct mail_attachment *at = &m.attachments[i];
		if (!at->filename || !*at->filename || strchr(at->filename, '/') ||
		    strchr(at->filename, '\\') || strstr(at->filename, ".."))
			BUG("unsafe file name '%s'", at->filename ? at->filename : "(null)");
		for (size_t k = 0; k < at->len; k++)
			sum += (unsigned char)at->data[k];
	}
	if (verbose)
		show(&m, &g);
	/* The pure parts straight on the bytes, too. */
	(void)text_ticket_tag(raw, size);
	check_fold(raw, size);
	(void)mail_html_sanitize(raw, size, 64 * 1024, &a, NULL, NULL);
	(void)mail_html_to_text(raw, size, 64 * 1024, &a, NULL, NULL);
	arena_release(&a);
	return (int)(sum & 0); /* sum only makes the bytes read */
}

#ifndef CHAMPION_LIBFUZZER
#include <dirent.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!fp) {
		fprintf(stderr, "fuzz_mail: cannot open '%s'\n", path);
		return 1;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		n = fread(buf + len, 1, cap - len, fp);
		if (n == 0)
			break;
		len += n;
	}
	fclose(fp);
	if (verbose)
		printf("%s\n", path);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

static int run_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "fuzz_mail: cannot open '%s'\n", dir);
		return 1;
	}
	while ((de = readdir(d))) {
		char path[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rc |= run_file(path);
		(*count)++;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
			continue;
		}
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			rc |= run_dir(argv[i], &count);
		} else {
			rc |= run_file(argv[i]);
			count++;
		}
	}
	g_mime_shutdown();
	if (!verbose)
		printf("fuzz_mail: %zu inputs, no crash\n", count);
	return rc;
}
#endif
