/*
 * fuzz_thread.c - a fuzz target for mail taken into the desk: each input
 * goes through mail_accept (parse, guard, store verbatim, thread or open a
 * ticket) on one desk that lives for the whole run, in a temporary
 * directory, seeded with a ticket whose messages carry known Message-IDs
 * (<seed1@fuzz>, <seed2@fuzz>, and the desk's own reply) and ticket #1 for
 * subject tags, so that inputs naming them exercise threading.
 *
 * Built two ways, like fuzz_mail.c: with -DCHAMPION_LIBFUZZER by
 * tests/fuzz/run.sh (clang, libFuzzer), or as a plain program that runs
 * every file (or directory of files) named on its command line once.
 * Invariants: every input is stored (mail_accept returns ERR_OK on a
 * private desk), a ticket-making state names its ticket, and the record
 * of it is in mail_inbound.
 */
#include "util/common.h"
#include "desk/desk.h"
#include "mail/accept.h"
#include "util/time.h"

#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct desk *desk;
static char dir[] = "/tmp/champion-fuzz-thread.XXXXXX";

static void seed(const char *raw)
{
	struct desk_mail_result r;
	struct err e = ERR_INIT;
	if (mail_accept(desk, NULL, raw, strlen(raw), 0, 0, &r, &e)) {
		fprintf(stderr, "fuzz_thread: seed: %s\n", e.msg);
		abort();
	}
}

static void cleanup(void)
{
	char cmd[128];
	desk_close(desk);
	desk = NULL;
	g_mime_shutdown();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_thread: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct store_options o = {.create = true, .sync = DB_SYNC_OFF, .busy_timeout_ms = 1000};
	struct message_in reply = {.kind = MSG_PUBLIC, .body = "An answer", .channel = CHANNEL_WEB,
				   .status = -1};
	struct message_out out;
	struct user_new_in agent = {.email = "agent@fuzz.example", .name = "Agent",
				    .role = ROLE_AGENT};
	struct actor who;
	struct err e = ERR_INIT;
	char path[64];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/desk.db", dir);
	o.target = path;
	g_mime_init();
	if (desk_open(&desk, &o, &e) || desk_set_mail(desk, "Desk <help@fuzz.example>", &e)) {
		fprintf(stderr, "fuzz_thread: %s\n", e.msg);
		abort();
	}
	atexit(cleanup);
	seed("From: Seed <seed@example.org>\r\nSubject: Seed ticket\r\nMessage-ID: <seed1@fuzz>\r\n"
	     "\r\nThe first seed.\r\n");
	seed("From: seed@example.org\r\nSubject: Re: Seed ticket\r\nMessage-ID: <seed2@fuzz>\r\n"
	     "In-Reply-To: <seed1@fuzz>\r\n\r\nThe second seed.\r\n");
	int64_t uid;

	if (desk_user_add(desk, &desk_system_actor, &agent, &uid, &e) ||
	    desk_actor_by_email(desk, "agent@fuzz.example", &who, &e) ||
	    desk_message_add(desk, &who, 1, &reply, &out, &e)) {
		fprintf(stderr, "fuzz_thread: seed reply: %s\n", e.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct desk_mail_result r;
	struct err e = ERR_INIT;

	if (mail_accept(desk, NULL, (const char *)data, size, 0, 0, &r, &e)) {
		fprintf(stderr, "fuzz_thread: not stored: %s\n", e.msg);
		abort();
	}
	if (!r.state || !r.inbound_id)
		abort();
	if ((strcmp(r.state, "new_ticket") == 0 || strcmp(r.state, "threaded") == 0 ||
	     strcmp(r.state, "bounce") == 0) &&
	    (r.ticket_id <= 0 || r.message_id <= 0))
		abort();
	return 0;
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
		fprintf(stderr, "fuzz_thread: cannot open '%s'\n", path);
		return 1;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			if (!(buf = realloc(buf, cap)))
				abort();
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += n;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			rc |= run_file(argv[i]);
			count++;
			continue;
		}
		if (!(d = opendir(argv[i])))
			return 1;
		while ((de = readdir(d))) {
			char p[4096];
			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
			rc |= run_file(p);
			count++;
		}
		closedir(d);
	}
	printf("fuzz_thread: %zu inputs stored, no crash\n", count);
	return rc;
}
#endif
