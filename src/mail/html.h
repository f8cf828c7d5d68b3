/*
 * html.h - HTML mail made safe to show and readable as text, through gumbo
 * (an HTML5-conformant parser, so what we clean is what a browser sees).
 *
 * mail_html_to_text renders readable text: blocks and line breaks become
 * new lines, list items "- " or "1. ", links "text (url)", blockquotes
 * "> " lines (so rules/text finds the quoted history), and nothing of
 * script, style, head or template elements.
 *
 * mail_html_sanitize keeps an allow-list of tags and attributes and drops
 * everything else: no scripts, no event handlers, no style (it can load
 * remote content), no forms or frames, links only to http, https and
 * mailto, images only from "cid:" references to parts of the message; a
 * remote image becomes <img alt="..." data-blocked="remote"> with no src.
 * Elements not on the list are unwrapped (their text kept) unless they are
 * of the kind whose content is code (script, style, iframe, ...), which
 * go whole.
 *
 * Input is UTF-8 (convert first); output is UTF-8, NUL-terminated, in the
 * arena. Both cap their output at max bytes (the rest is cut) and set
 * *truncated when they cut (truncated may be NULL). Never fail: any bytes
 * parse as HTML. Markup nested past about a thousand elements (counted
 * from its tags before parsing: gumbo's time grows with the square of the
 * depth) is not parsed but read as text, its tags dropped; sanitising then
 * gives that text, escaped, in one <div>.
 */
#ifndef CHAMPION_MAIL_HTML_H
#define CHAMPION_MAIL_HTML_H

#include "util/arena.h"

char *mail_html_to_text(const char *html, size_t len, size_t max, struct arena *a,
			size_t *out_len, bool *truncated);
char *mail_html_sanitize(const char *html, size_t len, size_t max, struct arena *a,
			 size_t *out_len, bool *truncated);

#endif
