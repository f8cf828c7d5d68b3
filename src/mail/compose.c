/* compose.c - a reply as RFC 5322 bytes, through GMime; see compose.h. */
#include "util/common.h"
#include "mail/compose.h"
#include "util/time.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <gmime/gmime.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

static pthread_once_t extensions_once = PTHREAD_ONCE_INIT;

static void register_extensions(void)
{
	cmark_gfm_core_extensions_ensure_registered();
}

void mail_markdown_html(const char *md, struct buf *out)
{
	static const char *const exts[] = {"table", "autolink", "strikethrough"};
	const int opts = CMARK_OPT_DEFAULT; /* safe: no raw HTML, no javascript: links */
	cmark_parser *p;
	cmark_node *doc;
	char *html;

	pthread_once(&extensions_once, register_extensions);
	p = cmark_parser_new(opts);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		cmark_syntax_extension *x = cmark_find_syntax_extension(exts[i]);
		if (x)
			cmark_parser_attach_syntax_extension(p, x);
	}
	cmark_parser_feed(p, md, strlen(md));
	doc = cmark_parser_finish(p);
	html = cmark_render_html(doc, opts, cmark_parser_get_syntax_extensions(p));
	buf_puts(out, html);
	cmark_get_default_mem_allocator()->free(html);
	cmark_node_free(doc);
	cmark_parser_free(p);
}

static void add_addresses(GMimeMessage *msg, GMimeAddressType type, const char *const *list,
			  size_t n)
{
	InternetAddressList *to = g_mime_message_get_addresses(msg, type);
	for (size_t i = 0; i < n; i++) {
		InternetAddressList *parsed = internet_address_list_parse(NULL, list[i]);
		if (!parsed)
			continue;
		internet_address_list_append(to, parsed);
		g_object_unref(parsed);
	}
}

static GMimeObject *text_part(const char *subtype, const char *text)
{
	GMimeTextPart *p = g_mime_text_part_new_with_subtype(subtype);
	g_mime_text_part_set_text(p, text);
	g_mime_part_set_content_encoding(
		GMIME_PART(p), g_mime_part_get_best_content_encoding(GMIME_PART(p),
								  GMIME_ENCODING_CONSTRAINT_7BIT));
	return GMIME_OBJECT(p);
}

/* The file as a base64 attachment part; NULL when it cannot be opened. */
static GMimeObject *file_part(const struct mail_compose_file *f)
{
	GMimeStream *fs = g_mime_stream_fs_open(f->path, O_RDONLY, 0, NULL);
	GMimeDataWrapper *w;
	GMimePart *p;
	const char *slash = f->content_type ? strchr(f->content_type, '/') : NULL;
	char type[128];

	if (!fs)
		return NULL;
	if (slash && (size_t)(slash - f->content_type) < sizeof(type)) {
		snprintf(type, sizeof(type), "%.*s", (int)(slash - f->content_type), f->content_type);
		p = g_mime_part_new_with_type(type, slash + 1);
	} else {
		p = g_mime_part_new_with_type("application", "octet-stream");
	}
	w = g_mime_data_wrapper_new_with_stream(fs, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(p, w);
	g_object_unref(w);
	g_object_unref(fs);
	g_mime_part_set_filename(p, f->filename ? f->filename : "attachment");
	g_mime_object_set_disposition(GMIME_OBJECT(p), GMIME_DISPOSITION_ATTACHMENT);
	g_mime_part_set_content_encoding(p, GMIME_CONTENT_ENCODING_BASE64);
	return GMIME_OBJECT(p);
}

int mail_compose(const struct mail_compose *m, struct buf *out)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
	GMimeObject *plain, *html;
	GMimeFormatOptions *fo;
	GMimeStream *mem;
	GByteArray *bytes;
	GDateTime *date;
	struct buf b = BUF_INIT;

	add_addresses(msg, GMIME_ADDRESS_TYPE_FROM, &m->from, 1);
	add_addresses(msg, GMIME_ADDRESS_TYPE_TO, m->to, m->n_to);
	add_addresses(msg, GMIME_ADDRESS_TYPE_CC, m->cc, m->n_cc);
	if (m->ticket_id) /* the ticket's number, for people and for threading */
		buf_printf(&b, "[#%" PRId64 "] ", m->ticket_id);
	buf_puts(&b, m->subject ? m->subject : "");
	g_mime_message_set_subject(msg, buf_str(&b), "utf-8");
	g_mime_message_set_message_id(msg, m->message_id);
	date = g_date_time_new_from_unix_utc(m->date / 1000);
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	if (m->in_reply_to) {
		buf_reset(&b);
		buf_printf(&b, "<%s>", m->in_reply_to);
		g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", buf_str(&b), NULL);
	}
	if (m->n_references) {
		buf_reset(&b);
		for (size_t i = 0; i < m->n_references; i++)
			buf_printf(&b, "%s<%s>", i ? " " : "", m->references[i]);
		g_mime_object_set_header(GMIME_OBJECT(msg), "References", buf_str(&b), NULL);
	}
	g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted",
				 m->automatic ? "auto-replied" : "no", NULL);

	plain = text_part("plain", m->body_markdown ? m->body_markdown : "");
	buf_reset(&b);
	buf_puts(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n");
	mail_markdown_html(m->body_markdown ? m->body_markdown : "", &b);
	buf_puts(&b, "</body></html>\n");
	html = text_part("html", buf_str(&b));
	g_mime_multipart_add(alt, plain);
	g_mime_multipart_add(alt, html);
	g_object_unref(plain);
	g_object_unref(html);
	if (m->n_files) {
		GMimeMultipart *mixed = g_mime_multipart_new_with_subtype("mixed");
		g_mime_multipart_add(mixed, GMIME_OBJECT(alt));
		for (size_t i = 0; i < m->n_files; i++) {
			GMimeObject *f = file_part(&m->files[i]);
			if (!f) {
				int err = errno;
				g_object_unref(mixed);
				g_object_unref(alt);
				g_object_unref(msg);
				buf_release(&b);
				errno = err;
				return -1;
			}
			g_mime_multipart_add(mixed, f);
			g_object_unref(f);
		}
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(mixed));
		g_object_unref(mixed);
	} else {
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(alt));
	}
	g_object_unref(alt);

	fo = g_mime_format_options_clone(NULL);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	mem = g_mime_stream_mem_new();
	g_mime_object_write_to_stream(GMIME_OBJECT(msg), fo, mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	buf_append(out, bytes->data, bytes->len);
	g_object_unref(mem);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	buf_release(&b);
	return 0;
}
