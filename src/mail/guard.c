/* guard.c - whether an inbound message may get an automatic reply, and its kind. */
#include "util/common.h"
#include "mail/guard.h"

#include <strings.h>

/* s without surrounding blanks and angle brackets: [*p, *p + *n). */
static void bare(const char *s, const char **p, size_t *n)
{
	size_t a = 0, e = strlen(s);

	while (a < e && (s[a] == ' ' || s[a] == '\t' || s[a] == '<'))
		a++;
	while (e > a && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '>'))
		e--;
	*p = s + a;
	*n = e - a;
}

static bool same_addr(const char *x, const char *y)
{
	const char *px, *py;
	size_t nx, ny;

	bare(x, &px, &nx);
	bare(y, &py, &ny);
	return nx && nx == ny && strncasecmp(px, py, nx) == 0;
}

static bool is_own(const char *addr, const char *const *own, size_t nown)
{
	for (size_t i = 0; addr && i < nown; i++)
		if (own[i] && same_addr(addr, own[i]))
			return true;
	return false;
}

/* Whether an X-Loop value names one of the desk's addresses. */
static bool loop_names_own(const char *v, const char *const *own, size_t nown)
{
	for (size_t i = 0; v && i < nown; i++) {
		const char *p;
		size_t n;
		if (!own[i])
			continue;
		bare(own[i], &p, &n);
		for (const char *s = v; n && *s; s++)
			if (strncasecmp(s, p, n) == 0)
				return true;
	}
	return false;
}

/* The first word of a header value, compared without case. */
static bool word_is(const char *v, const char *w)
{
	size_t n = strlen(w);

	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, w, n) == 0 &&
	       (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t' || v[n] == '(');
}

/* X-Auto-Response-Suppress is a comma list: All, DR, NDR, RN, NRN, OOF, AutoReply. */
static bool suppresses_auto_reply(const char *v)
{
	static const char *const words[] = {"all", "autoreply", "oof"};
	const char *p = v;

	while (p && *p) {
		size_t n;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		n = strcspn(p, ", \t");
		for (size_t i = 0; i < ARRAY_SIZE(words); i++)
			if (n == strlen(words[i]) && strncasecmp(p, words[i], n) == 0)
				return true;
		p += n;
	}
	return false;
}

static bool auto_subject(const char *s)
{
	static const char *const prefixes[] = {
		"out of office", "automatic reply", "auto reply", "autoreply", "auto-reply",
		"abwesenheitsnotiz", "automatische antwort", "réponse automatique",
		"absence du bureau", "respuesta automática", "fuera de la oficina",
		"vacation reply", "i am out of the office", "i'm out of the office",
	};

	if (!s)
		return false;
	while (*s == ' ')
		s++;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++)
		if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static void verdict(struct mail_guard *out, enum mail_guard_reason r, enum mail_kind k)
{
	out->auto_reply_allowed = false;
	out->reason = r;
	out->kind = k;
}

void mail_guard_check(const struct mail_inbound *m, const char *const *own, size_t nown,
		      struct mail_guard *out)
{
	const char *prec = m->precedence;

	out->auto_reply_allowed = true;
	out->reason = MAIL_GUARD_OK;
	out->kind = MAIL_KIND_PERSON;
	if (!own)
		nown = 0;
	if (is_own(m->from.addr, own, nown) || loop_names_own(m->x_loop, own, nown))
		verdict(out, MAIL_GUARD_OWN_ADDRESS, MAIL_KIND_AUTOMATIC);
	else if (m->bounce)
		verdict(out, MAIL_GUARD_BOUNCE, MAIL_KIND_BOUNCE);
	else if (m->null_return_path)
		verdict(out, MAIL_GUARD_NULL_RETURN_PATH, MAIL_KIND_AUTOMATIC);
	else if (m->auto_submitted && !word_is(m->auto_submitted, "no"))
		verdict(out, MAIL_GUARD_AUTO_SUBMITTED, MAIL_KIND_AUTOMATIC);
	else if (m->x_autoreply || m->x_autorespond)
		verdict(out, MAIL_GUARD_AUTO_REPLY_HEADER, MAIL_KIND_AUTOMATIC);
	else if (prec && word_is(prec, "auto_reply"))
		verdict(out, MAIL_GUARD_PRECEDENCE, MAIL_KIND_AUTOMATIC);
	else if (prec && (word_is(prec, "bulk") || word_is(prec, "junk") || word_is(prec, "list")))
		verdict(out, MAIL_GUARD_PRECEDENCE, MAIL_KIND_BULK);
	else if (m->list_id || m->list_unsubscribe)
		verdict(out, MAIL_GUARD_LIST, MAIL_KIND_BULK);
	else if (m->x_auto_response_suppress && suppresses_auto_reply(m->x_auto_response_suppress))
		verdict(out, MAIL_GUARD_SUPPRESS, MAIL_KIND_PERSON);
	else if (auto_subject(m->subject))
		verdict(out, MAIL_GUARD_AUTO_SUBJECT, MAIL_KIND_AUTOMATIC);
	else if (!m->from.addr)
		verdict(out, MAIL_GUARD_NO_SENDER, MAIL_KIND_PERSON);
	if (out->kind == MAIL_KIND_PERSON && auto_subject(m->subject))
		out->kind = MAIL_KIND_AUTOMATIC; /* Outlook's "Automatic reply:" with only Suppress */
}

const char *mail_guard_reason_name(enum mail_guard_reason r)
{
	switch (r) {
	case MAIL_GUARD_OK: return "ok";
	case MAIL_GUARD_OWN_ADDRESS: return "own-address";
	case MAIL_GUARD_BOUNCE: return "bounce";
	case MAIL_GUARD_NULL_RETURN_PATH: return "null-return-path";
	case MAIL_GUARD_AUTO_SUBMITTED: return "auto-submitted";
	case MAIL_GUARD_AUTO_REPLY_HEADER: return "auto-reply-header";
	case MAIL_GUARD_PRECEDENCE: return "precedence";
	case MAIL_GUARD_LIST: return "list";
	case MAIL_GUARD_SUPPRESS: return "suppress";
	case MAIL_GUARD_AUTO_SUBJECT: return "auto-subject";
	case MAIL_GUARD_NO_SENDER: return "no-sender";
	}
	return "ok";
}

const char *mail_guard_kind_name(enum mail_kind k)
{
	switch (k) {
	case MAIL_KIND_PERSON: return "person";
	case MAIL_KIND_AUTOMATIC: return "automatic";
	case MAIL_KIND_BULK: return "bulk";
	case MAIL_KIND_BOUNCE: return "bounce";
	}
	return "person";
}
