/* accept.c - a received message read, judged and handed to the desk; see accept.h. */
#include "util/common.h"
#include "mail/accept.h"
#include "mail/guard.h"
#include "mail/inbound.h"
#include "util/buf.h"

/* The addresses of a list, into the arena. */
static const char *const *addresses(struct arena *a, const struct mail_addr_list *l, size_t *n)
{
	const char **v = arena_alloc(a, sizeof(*v) * (l->n + 1));

	*n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].addr)
			v[(*n)++] = l->v[i].addr;
	return v;
}

/* A delivery report's words for the ticket: each recipient's status and diagnostic. */
static const char *bounce_text(struct arena *a, const struct mail_inbound *m)
{
	struct buf b = BUF_INIT;
	const char *out;

	for (size_t i = 0; i < m->nbounce_rcpts; i++) {
		const struct mail_dsn_rcpt *r = &m->bounce_rcpts[i];
		buf_printf(&b, "%s: %s %s %s\n", r->recipient ? r->recipient : "?", r->action,
			   r->status, r->diagnostic);
	}
	if (m->text && *m->text)
		buf_printf(&b, "\n%s", m->text);
	out = arena_strdup(a, buf_str(&b));
	buf_release(&b);
	return out;
}

void mail_read(struct desk_mail_in *in, const char *raw, size_t len, const char *own,
	       struct arena *a)
{
	struct mail_inbound m;
	struct mail_guard g;
	const char *own_v[1] = {own};
	struct attachment_in *att;
	const char **rcpts;

	memset(in, 0, sizeof(*in));
	in->raw = raw;
	in->raw_len = len;
	mail_inbound_parse(&m, raw, len, NULL, a);
	mail_guard_check(&m, own_v, own ? 1 : 0, &g);

	in->unreadable = m.degraded;
	in->unreadable_reason = m.degraded_reason;
	in->message_id = m.message_id;
	in->in_reply_to = m.in_reply_to.n ? m.in_reply_to.v[0] : NULL;
	in->references = m.references.v;
	in->n_references = m.references.n;
	in->subject = m.subject;
	in->ticket_tag = m.ticket_tag;
	in->from = m.from.addr;
	in->from_name = m.from.name && *m.from.name ? m.from.name : NULL;
	in->cc = addresses(a, &m.cc, &in->n_cc);
	in->body_text = m.text;
	in->body_html = m.html;
	att = arena_alloc(a, sizeof(*att) * (m.nattachments + 1));
	for (size_t i = 0; i < m.nattachments; i++) {
		const struct mail_attachment *x = &m.attachments[i];
		if (x->dropped)
			continue;
		att[in->nattachments++] = (struct attachment_in){
			.filename = x->filename, .content_type = x->content_type,
			.data = x->data ? x->data : "", .len = x->len};
	}
	in->attachments = att;
	in->bounce = m.bounce || g.kind == MAIL_KIND_BOUNCE;
	in->bounce_of = m.bounce_message_id;
	rcpts = arena_alloc(a, sizeof(*rcpts) * (m.nbounce_rcpts + 1));
	for (size_t i = 0; i < m.nbounce_rcpts; i++)
		if (m.bounce_rcpts[i].recipient)
			rcpts[in->n_bounce_recipients++] = m.bounce_rcpts[i].recipient;
	in->bounce_recipients = rcpts;
	in->bounce_text = in->bounce ? bounce_text(a, &m) : NULL;
	/* Mail from the desk's own address is a loop: kept, never a ticket. */
	in->loop = g.reason == MAIL_GUARD_OWN_ADDRESS;
	in->automatic = !g.auto_reply_allowed;
}

enum err_code mail_accept(struct desk *d, const char *mailbox, const char *raw, size_t len,
			  uint64_t uidvalidity, uint64_t uid, struct desk_mail_result *out,
			  struct err *e)
{
	struct desk_mail_in in;
	struct arena a;
	enum err_code rc;

	arena_init(&a);
	mail_read(&in, raw, len, d->mail_address, &a);
	in.mailbox = mailbox;
	in.imap_uidvalidity = uidvalidity;
	in.imap_uid = uid;
	rc = desk_mail_receive(d, &in, out, e);
	arena_release(&a);
	return rc;
}
