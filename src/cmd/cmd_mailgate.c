/* cmd_mailgate.c - champion mailgate: one message from a mail server's pipe. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "mail/accept.h"

#include <gmime/gmime.h>
#include <unistd.h>

#define MAILGATE_MAX (64u << 20) /* the largest message taken, in bytes */

static const char usage[] =
	"usage: champion mailgate [--mailbox NAME]\n"
	"\n"
	"Reads one RFC 5322 message on standard input, as a mail server's pipe\n"
	"transport hands it over, stores it verbatim (content-addressed), and threads\n"
	"it onto its ticket or opens a new one, in one transaction. Exit status:\n"
	"   0   stored (as a new ticket, a reply, a duplicate, a bounce, or held)\n"
	"  65   larger than 64 MiB: the mail server returns it to its sender\n"
	"  75   not stored (the desk busy or unreachable, the disk full): the mail\n"
	"       server keeps it and tries again later\n"
	"A message that cannot be read is still stored, as a ticket with the original\n"
	"attached as message.eml. Set mail.from (the desk's address) so replies are\n"
	"mailed and mail from the desk itself is never answered.\n"
	"\n"
	"   --mailbox NAME   the mailbox it came to (default: \"default\"); duplicates\n"
	"                    are found by Message-ID within one mailbox\n"
	"\n"
	"Postfix (/etc/aliases):   support: \"|/usr/bin/champion --db /var/lib/champion/desk.db mailgate\"\n"
	"Exim (a pipe transport):  command = /usr/bin/champion --db ... mailgate --mailbox support\n"
	"The program runs as the mail server's user: it must be able to write the desk.\n";

/* Reads all of fd into *out (malloc'd); -1 past max or on a read error. */
static int read_all(int fd, char **out, size_t *len, size_t max)
{
	size_t cap = 64 << 10, n = 0;
	char *p = malloc(cap);

	if (!p)
		return -1;
	for (;;) {
		ssize_t r;
		if (n == cap) {
			char *q;
			if (cap >= max + 1 || !(q = realloc(p, cap * 2 > max + 1 ? max + 1 : cap * 2))) {
				free(p);
				return -2;
			}
			p = q;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(p);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			free(p);
			return -2;
		}
	}
	*out = p;
	*len = n;
	return 0;
}

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"mailbox", required_argument, NULL, 'm'},
		{0},
	};
	const char *mailbox = NULL;
	bool started = false;
	struct desk *d = NULL;
	struct desk_mail_result r;
	struct err e = ERR_INIT;
	char *raw = NULL;
	size_t len = 0;
	int opt, status, rd;

	while ((opt = cmd_getopt("mailgate", argc, argv, "", opts, &started)) != -1) {
		if (opt == 'm')
			mailbox = optarg;
		else
			return EX_USAGE;
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_mailgate, "unexpected argument '%s'", argv[optind]);
	if ((rd = read_all(STDIN_FILENO, &raw, &len, MAILGATE_MAX)) == -2) {
		fprintf(stderr, "champion: mailgate: the message is larger than %u bytes\n",
			MAILGATE_MAX);
		return EX_DATAERR;
	}
	if (rd < 0) {
		fprintf(stderr, "champion: mailgate: cannot read the message: %s\n", strerror(errno));
		return EX_TEMPFAIL;
	}
	/*
	 * Any failure to open the desk is the mail server's to retry: nothing is
	 * lost. One delivery, one commit: the log stays for the next one.
	 */
	if ((status = cmd_open_desk_as(ctx, &(struct store_options){.keep_wal = true}, &d))) {
		free(raw);
		return EX_TEMPFAIL;
	}
	g_mime_init();
	if (mail_accept(d, mailbox, raw, len, 0, 0, &r, &e)) {
		fprintf(stderr, "champion: mailgate: not stored (the mail server will retry): %s\n",
			e.msg);
		status = EX_TEMPFAIL;
	} else {
		fprintf(stderr, "champion: mailgate: %s", r.state);
		if (r.ticket_id)
			fprintf(stderr, ", ticket #%" PRId64, r.ticket_id);
		fprintf(stderr, "\n");
		status = 0;
	}
	g_mime_shutdown();
	desk_close(d);
	free(raw);
	return status;
}

const struct cmd cmd_mailgate = {"mailgate", "store one message from a mail server (stdin)",
				 usage, run};
