/* queue.c - SLA states of a queue's sort key, and who sees which views. */
#include "util/common.h"
#include "rules/queue.h"
#include "rules/sla.h"

static const char *const names[QUEUE_SLA__COUNT] = {"breached", "breaching_soon", "on_track",
						     "none"};

const char *queue_sla_name(enum queue_sla s)
{
	return (unsigned)s < QUEUE_SLA__COUNT ? names[s] : "?";
}

int queue_sla_parse(const char *s)
{
	for (int i = 0; s && i < QUEUE_SLA__COUNT; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *queue_sla_names(void)
{
	return "breached, breaching_soon, on_track, none";
}

/* The lower bounds of the states' ranges, and the end of the last. */
static void bounds(int64_t now, int64_t soon_ms, int64_t b[QUEUE_SLA__COUNT + 1])
{
	b[0] = INT64_MIN;
	b[1] = now;
	b[2] = now + soon_ms;
	b[3] = SLA_KEY_WAIT;
	b[4] = INT64_MAX;
	if (b[2] > b[3])
		b[2] = b[3];
}

enum queue_sla queue_sla_of(int64_t key, int64_t now, int64_t soon_ms)
{
	int64_t b[QUEUE_SLA__COUNT + 1];

	bounds(now, soon_ms, b);
	for (int i = QUEUE_SLA__COUNT - 1; i > 0; i--)
		if (key >= b[i])
			return (enum queue_sla)i;
	return QUEUE_SLA_BREACHED;
}

size_t queue_sla_ranges(unsigned mask, int64_t now, int64_t soon_ms, int64_t from[2],
			int64_t to[2])
{
	int64_t b[QUEUE_SLA__COUNT + 1];
	size_t n = 0;

	bounds(now, soon_ms, b);
	for (int i = 0; i < QUEUE_SLA__COUNT; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (i > 0 && (mask & (1u << (i - 1)))) {
			to[n - 1] = b[i + 1]; /* extends the run before */
			continue;
		}
		from[n] = b[i];
		to[n] = b[i + 1];
		n++;
	}
	return n;
}

int64_t queue_waiting_since(int64_t key)
{
	return key >= SLA_KEY_WAIT && key < SLA_KEY_IDLE ? key - SLA_KEY_WAIT : 0;
}

bool queue_view_visible(int64_t owner_id, int64_t user_id)
{
	return owner_id == 0 || owner_id == user_id;
}

bool queue_view_editable(int64_t owner_id, int64_t user_id, bool manage_shared)
{
	return owner_id == 0 ? manage_shared : owner_id == user_id;
}
