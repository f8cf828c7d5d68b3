/* log.c - logfmt lines on standard error. */
#include "util/common.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

static enum log_level current = LOG_WARN;
static const char *const names[] = {"debug", "info", "warn", "error", "off"};

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

int log_parse_level(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

static void quoted(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		if (*s == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

void log_write(enum log_level level, const char *msg, const char *kv, ...)
{
	struct buf b = BUF_INIT;
	char ts[TIME_ISO_MAX];
	va_list ap;

	if (level < current || level >= LOG_OFF)
		return;
	buf_printf(&b, "ts=%s level=%s msg=", time_format_iso(time_now_ms(), ts), names[level]);
	quoted(&b, msg);
	if (kv) {
		buf_putc(&b, ' ');
		va_start(ap, kv);
		buf_vprintf(&b, kv, ap);
		va_end(ap);
	}
	buf_putc(&b, '\n');
	fwrite(b.data, 1, b.len, stderr);
	buf_release(&b);
}
