/* smtp.c - one message to an SMTP server through libcurl; see smtp.h. */
#include "util/common.h"
#include "mail/smtp.h"

#include <curl/curl.h>
#include <pthread.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *p)
{
	struct upload *u = p;
	size_t n = size * nmemb, left = u->len - u->off;

	if (n > left)
		n = left;
	memcpy(dst, u->data + u->off, n);
	u->off += n;
	return n;
}

/* Every reply line of the server passes here: the first refusal, else the last line, is kept. */
static size_t reply_cb(char *line, size_t size, size_t nmemb, void *p)
{
	struct smtp_result *r = p;
	size_t n = size * nmemb, k = n;

	while (k && (line[k - 1] == '\r' || line[k - 1] == '\n'))
		k--;
	if (r->detail[0] == '4' || r->detail[0] == '5')
		return n; /* the answer that failed the transfer, not QUIT's */
	if (k >= 3 && line[0] >= '2' && line[0] <= '5') {
		if (k >= sizeof(r->detail))
			k = sizeof(r->detail) - 1;
		memcpy(r->detail, line, k);
		r->detail[k] = '\0';
	}
	return n;
}

const char *smtp_outcome_name(enum smtp_outcome o)
{
	switch (o) {
	case SMTP_SENT: return "sent";
	case SMTP_TRANSIENT: return "transient";
	case SMTP_PERMANENT: return "permanent";
	}
	return "?";
}

void smtp_send(const struct smtp_conf *c, const char *from, const char *const *rcpt, size_t n,
	       const char *data, size_t len, struct smtp_result *r)
{
	struct upload u = {data, len, 0};
	struct curl_slist *to = NULL;
	char errbuf[CURL_ERROR_SIZE] = "", addr[512];
	CURL *curl;
	CURLcode cc;

	memset(r, 0, sizeof(*r));
	pthread_once(&curl_once, curl_start);
	if (!(curl = curl_easy_init())) {
		r->outcome = SMTP_TRANSIENT;
		snprintf(r->detail, sizeof(r->detail), "cannot start a mail transfer (libcurl)");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(addr, sizeof(addr), "<%s>", rcpt[i]);
		to = curl_slist_append(to, addr);
	}
	snprintf(addr, sizeof(addr), "<%s>", from);
	curl_easy_setopt(curl, CURLOPT_URL, c->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, reply_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, c->timeout_ms > 0 ? c->timeout_ms : 60000L);
	curl_easy_setopt(curl, CURLOPT_USE_SSL, c->require_tls ? (long)CURLUSESSL_ALL
							       : (long)CURLUSESSL_TRY);
	if (c->ca_file && *c->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_file);
	if (c->user && *c->user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->code);
	if (cc == CURLE_OK) {
		r->outcome = SMTP_SENT;
	} else {
		r->outcome = r->code >= 500 && r->code < 600 ? SMTP_PERMANENT : SMTP_TRANSIENT;
		/* Past a good answer (250 to MAIL FROM, say) the failure is curl's to tell. */
		if (r->code < 400 || !r->detail[0])
			snprintf(r->detail, sizeof(r->detail), "%s",
				 errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	curl_slist_free_all(to);
	curl_easy_cleanup(curl);
}
