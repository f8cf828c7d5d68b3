/* cmd_serve.c - champion serve: the HTTP API. */
#include "util/common.h"
#include "cmd/cmd.h"
#include "http/http.h"
#include "desk/worker.h"
#include "mail/outbox.h"
#include "mail/poller.h"

static const char usage[] =
	"usage: champion serve [--listen HOST:PORT] [--threads N]\n"
	"\n"
	"Serves the desk over HTTP: the agent workspace at /, the customer portal\n"
	"at /portal (both sign in with a password: champion user set EMAIL\n"
	"--password -), the JSON API under /api/v1 (docs/openapi.yaml),\n"
	"/healthz, /readyz and Prometheus /metrics. Clients authenticate with\n"
	"'Authorization: Bearer TOKEN' (champion token create), or sign in with a\n"
	"password (POST /api/v1/session: a cookie, and a CSRF token for writes).\n"
	"GET /api/v1/stream sends live updates (server-sent events): changes to\n"
	"tickets, by any process sharing the desk, and who is on a ticket.\n"
	"GET /api/v1/search?q= finds tickets by their words. Tickets, replies and\n"
	"notes take files as multipart/form-data (attachments.max_bytes each, 10 at\n"
	"most), served back by /api/v1/tickets/ID/attachments/ID. Writes from all\n"
	"connections are committed in groups: each answer is durable when sent.\n"
	"Due SLA warning and breach timers fire every second (sla.timer jobs).\n"
	"Ticket documents gone stale (a renamed user or group) are rendered again\n"
	"in the background.\n"
	"SIGTERM or SIGINT stops accepting, closes idle connections, lets requests\n"
	"in flight finish (server.shutdown_grace_ms), and exits.\n"
	"\n"
	"   --listen HOST:PORT   address to listen on (server.listen; 127.0.0.1:8080)\n"
	"   --threads N          event loops (server.threads; 0 = one per core)\n"
	"   --routes             print the route table and exit\n"
	"\n"
	"One access-log line per request goes to standard error with log.level=info.\n";

static int run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"threads", required_argument, NULL, 't'},
		{"routes", no_argument, NULL, 'r'},
		{0},
	};
	struct server_options o = {0};
	struct err e = ERR_INIT;
	bool started = false, routes = false;
	int64_t threads, body, timeout, grace, batch, live_poll, smtp_timeout, poll, imap_poll;
	struct smtp_conf smtp = {0};
	struct imap_conf imap = {0};
	struct outbox outbox = {0};
	struct poller poller = {0};
	struct desk_worker timers = {0};
	struct desk_worker docs = {0};
	int opt, status;

	while ((opt = cmd_getopt("serve", argc, argv, "", opts, &started)) != -1) {
		if (opt == 'l')
			conf_set(&ctx->conf, "server.listen", optarg, CONF_FLAG, NULL);
		else if (opt == 't')
			conf_set(&ctx->conf, "server.threads", optarg, CONF_FLAG, NULL);
		else if (opt == 'r')
			routes = true;
		else
			return EX_USAGE;
	}
	if (optind < argc)
		return cmd_usage_error(&cmd_serve, "unexpected argument '%s'", argv[optind]);
	if (routes) {
		for (size_t i = 0; i < http_nroutes; i++)
			printf("%s %s%s\n", http_routes[i].method, http_routes[i].pattern,
			       http_routes[i].flags & ROUTE_PUBLIC ? " public" : "");
		return 0;
	}
	if (conf_get_int(&ctx->conf, "server.threads", 0, 256, &threads, &e) ||
	    conf_get_int(&ctx->conf, "server.body_max_bytes", 1024, (int64_t)1 << 30, &body, &e) ||
	    conf_get_int(&ctx->conf, "server.request_timeout_ms", 100, 3600000, &timeout, &e) ||
	    conf_get_int(&ctx->conf, "server.shutdown_grace_ms", 0, 3600000, &grace, &e) ||
	    conf_get_int(&ctx->conf, "server.batch_max", 1, 100000, &batch, &e) ||
	    conf_get_int(&ctx->conf, "server.live_poll_ms", 10, 600000, &live_poll, &e) ||
	    conf_get_int(&ctx->conf, "smtp.timeout_ms", 100, 3600000, &smtp_timeout, &e) ||
	    conf_get_int(&ctx->conf, "mail.outbox_poll_ms", 10, 3600000, &poll, &e) ||
	    conf_get_int(&ctx->conf, "imap.poll_ms", 10, 86400000, &imap_poll, &e))
		return cmd_fail(&e);
	if ((status = cmd_store_options(ctx, &o.store)) || (status = cmd_desk_settings(ctx, &o.desk)))
		return status;
	o.listen = conf_get(&ctx->conf, "server.listen");
	o.threads = (int)threads;
	o.body_max = (size_t)body;
	o.request_timeout_ms = (int)timeout;
	o.shutdown_grace_ms = (int)grace;
	o.batch_max = (int)batch;
	o.live_poll_ms = (int)live_poll;
	smtp.url = conf_get(&ctx->conf, "smtp.url");
	smtp.user = conf_get(&ctx->conf, "smtp.user");
	smtp.password = conf_get(&ctx->conf, "smtp.password");
	smtp.require_tls = strcmp(conf_get(&ctx->conf, "smtp.require_tls"), "1") == 0;
	smtp.ca_file = conf_get(&ctx->conf, "smtp.ca_file");
	smtp.timeout_ms = (long)smtp_timeout;
	/* Replies are queued for mail whenever mail.from is set; sent when there is a server. */
	if (*o.desk.mail_from && *smtp.url &&
	    mail_outbox_start(&outbox, &o.store, &o.desk, &smtp, (int)poll, &e))
		return cmd_fail(&e);
	imap.url = conf_get(&ctx->conf, "imap.url");
	imap.user = conf_get(&ctx->conf, "imap.user");
	imap.password = conf_get(&ctx->conf, "imap.password");
	imap.move_to = conf_get(&ctx->conf, "imap.move_to");
	imap.require_tls = strcmp(conf_get(&ctx->conf, "imap.require_tls"), "1") == 0;
	imap.ca_file = conf_get(&ctx->conf, "imap.ca_file");
	imap.timeout_ms = (long)smtp_timeout;
	if (*imap.url &&
	    mail_poller_start(&poller, &o.store, &o.desk, conf_get(&ctx->conf, "imap.mailbox"),
			      &imap, (int)imap_poll, &e)) {
		mail_outbox_stop(&outbox);
		return cmd_fail(&e);
	}
	/* SLA warnings and breaches fire from here (jobs: many servers may share the work). */
	if (desk_sla_timers_start(&timers, &o.store, &o.desk, DESK_SLA_TIMERS_POLL_MS, &e)) {
		mail_poller_stop(&poller);
		mail_outbox_stop(&outbox);
		return cmd_fail(&e);
	}
	/* Ticket documents that went stale in bulk (a renamed user, an older desk). */
	if (desk_docs_worker_start(&docs, &o.store, &o.desk, &e)) {
		desk_worker_stop(&timers);
		mail_poller_stop(&poller);
		mail_outbox_stop(&outbox);
		return cmd_fail(&e);
	}
	status = server_run(&o, &e) ? EX_SOFTWARE : 0;
	desk_worker_stop(&docs);
	mail_poller_stop(&poller);
	desk_worker_stop(&timers);
	mail_outbox_stop(&outbox);
	if (status)
		return cmd_fail(&e);
	return 0;
}

const struct cmd cmd_serve = {"serve", CMD_SERVE_SUMMARY, usage, run};
