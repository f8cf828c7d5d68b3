/* imap.c - a mailbox's new messages over IMAP, through libcurl; see imap.h. */
#include "util/common.h"
#include "mail/imap.h"
#include "util/buf.h"

#include <curl/curl.h>
#include <pthread.h>

#define IMAP_MESSAGE_MAX (64u << 20) /* a message larger than this is refused */
#define IMAP_UIDS_MAX 100000         /* UIDs read from one SEARCH answer */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t collect(char *data, size_t size, size_t nmemb, void *p)
{
	struct buf *b = p;
	size_t n = size * nmemb;
	return buf_append(b, data, n) == 0 ? n : 0;
}

struct session {
	CURL *curl;
	const struct imap_conf *c;
	char base[1024];  /* imap://host:port/ */
	char mailbox[256]; /* MAILBOX, as in the URL (URL-encoded) */
	char errbuf[CURL_ERROR_SIZE];
};

/* Runs one request on url: a custom command, or a fetch when cmd is NULL. */
static enum err_code run(struct session *s, const char *url, const char *cmd, struct buf *out,
			 struct err *e)
{
	CURLcode cc;
	size_t max = out->max;

	buf_reset(out);
	s->errbuf[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_URL, url);
	curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, cmd);
	curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, out);
	cc = curl_easy_perform(s->curl);
	if (cc == CURLE_OK)
		return ERR_OK;
	/* A message past the size limit: what fits is handed over (the desk keeps it, cut). */
	if (cc == CURLE_WRITE_ERROR && !cmd && max && out->len + CURL_MAX_WRITE_SIZE >= max)
		return ERR_OK;
	return err_set(e, ERR_TRANSIENT, "imap %s: %s", cmd ? cmd : "fetch",
		       s->errbuf[0] ? s->errbuf : curl_easy_strerror(cc));
}

/* Splits c->url into the server part and the mailbox. */
static enum err_code split_url(struct session *s, struct err *e)
{
	const char *u = s->c->url ? s->c->url : "", *p;

	if (strncmp(u, "imap://", 7) != 0 && strncmp(u, "imaps://", 8) != 0)
		return err_set(e, ERR_INVALID, "imap.url '%s' is not imap://HOST/MAILBOX or "
			       "imaps://HOST/MAILBOX", u);
	p = strchr(u + (u[4] == 's' ? 8 : 7), '/');
	if (!p || !p[1])
		p = "/INBOX";
	if ((size_t)(p - u) + 1 >= sizeof(s->base) || strlen(p + 1) >= sizeof(s->mailbox) ||
	    strpbrk(p + 1, " \"\\\r\n;"))
		return err_set(e, ERR_INVALID, "imap.url '%s': the mailbox name is too long or has "
			       "characters this poller does not send", u);
	snprintf(s->base, sizeof(s->base), "%.*s/", (int)(p - u), u);
	snprintf(s->mailbox, sizeof(s->mailbox), "%s", p + 1);
	return ERR_OK;
}

/* The number after key in text ("UIDVALIDITY 123"); 0 when absent. */
static uint64_t number_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The UIDs in "* SEARCH 1 2 3" lines past last, ascending, at most max. */
static size_t search_uids(const char *text, uint64_t last, uint64_t *uids, size_t max)
{
	size_t n = 0;
	const char *p = text;

	while ((p = strstr(p, "* SEARCH"))) {
		p += 8;
		while (*p == ' ' || (*p >= '0' && *p <= '9')) {
			char *end;
			uint64_t v;
			if (*p == ' ') {
				p++;
				continue;
			}
			v = strtoull(p, &end, 10);
			p = end;
			if (v > last && n < max)
				uids[n++] = v;
		}
	}
	qsort(uids, n, sizeof(*uids), cmp_u64);
	return n;
}

enum err_code imap_poll(const struct imap_conf *c, uint64_t uidvalidity, uint64_t last_uid,
			imap_deliver_fn deliver, void *ctx, struct imap_poll_result *out,
			struct err *e)
{
	struct session s = {.c = c};
	struct buf text = BUF_INIT, msg = BUF_INIT, url = BUF_INIT, cmd = BUF_INIT;
	uint64_t *uids = NULL;
	size_t n = 0;
	int max = c->batch_max > 0 ? c->batch_max : 100;
	enum err_code rc;

	memset(out, 0, sizeof(*out));
	out->uidvalidity = uidvalidity;
	out->last_uid = last_uid;
	pthread_once(&curl_once, curl_start);
	if ((rc = split_url(&s, e)))
		return rc;
	if (!(s.curl = curl_easy_init()))
		return err_set(e, ERR_TRANSIENT, "cannot start an IMAP session (libcurl)");
	buf_init(&msg, IMAP_MESSAGE_MAX);
	curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(s.curl, CURLOPT_USERNAME, c->user ? c->user : "");
	curl_easy_setopt(s.curl, CURLOPT_PASSWORD, c->password ? c->password : "");
	curl_easy_setopt(s.curl, CURLOPT_USE_SSL, c->require_tls ? (long)CURLUSESSL_ALL
							       : (long)CURLUSESSL_TRY);
	if (c->ca_file && *c->ca_file)
		curl_easy_setopt(s.curl, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(s.curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(s.curl, CURLOPT_ERRORBUFFER, s.errbuf);
	curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s.curl, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : 60000L);

	/* Where the mailbox is: UIDVALIDITY says whether our UIDs still mean anything. */
	buf_printf(&cmd, "STATUS \"%s\" (UIDVALIDITY UIDNEXT)", s.mailbox);
	if ((rc = run(&s, s.base, buf_str(&cmd), &text, e)))
		goto out;
	out->uidvalidity = number_after(buf_str(&text), "UIDVALIDITY ");
	if (!out->uidvalidity) {
		rc = err_set(e, ERR_TRANSIENT, "imap: no UIDVALIDITY for mailbox '%s' (%.100s)",
			     s.mailbox, buf_str(&text));
		goto out;
	}
	if (out->uidvalidity != uidvalidity) {
		out->renumbered = uidvalidity != 0;
		out->last_uid = 0;
	}
	if (number_after(buf_str(&text), "UIDNEXT ") == out->last_uid + 1)
		goto out; /* nothing new */

	buf_printf(&url, "%s%s", s.base, s.mailbox);
	buf_reset(&cmd);
	buf_printf(&cmd, "UID SEARCH UID %" PRIu64 ":*", out->last_uid + 1);
	if ((rc = run(&s, buf_str(&url), buf_str(&cmd), &text, e)))
		goto out;
	uids = calloc(IMAP_UIDS_MAX, sizeof(*uids));
	if (!uids) {
		rc = err_set(e, ERR_TRANSIENT, "imap: out of memory");
		goto out;
	}
	n = search_uids(buf_str(&text), out->last_uid, uids, IMAP_UIDS_MAX);

	for (size_t i = 0; i < n && (int)i < max; i++) {
		buf_reset(&url);
		buf_printf(&url, "%s%s;UID=%" PRIu64, s.base, s.mailbox, uids[i]);
		if ((rc = run(&s, buf_str(&url), NULL, &msg, e)))
			goto out;
		rc = deliver(ctx, out->uidvalidity, uids[i], msg.data ? msg.data : "", msg.len, e);
		buf_reset(&url);
		buf_printf(&url, "%s%s", s.base, s.mailbox);
		buf_reset(&cmd);
		if (rc) {
			/* Not in the desk: unread again, for the next poll (and for people). */
			struct err ignored = ERR_INIT;
			buf_printf(&cmd, "UID STORE %" PRIu64 " -FLAGS (\\Seen)", uids[i]);
			run(&s, buf_str(&url), buf_str(&cmd), &text, &ignored);
			goto out;
		}
		out->last_uid = uids[i];
		out->fetched++;
		if (c->move_to && *c->move_to) {
			buf_printf(&cmd, "UID MOVE %" PRIu64 " \"%s\"", uids[i], c->move_to);
			if ((rc = run(&s, buf_str(&url), buf_str(&cmd), &text, e)))
				goto out;
		}
	}
	rc = ERR_OK;
out:
	free(uids);
	buf_release(&text);
	buf_release(&msg);
	buf_release(&url);
	buf_release(&cmd);
	curl_easy_cleanup(s.curl);
	return rc;
}
