/*
 * queue.h - what a saved view's SLA filter means, and who sees which
 * views. Pure: no I/O, no allocation.
 *
 * A ticket's SLA state, read from its queue sort key (rules/sla.h,
 * sla_sort_key) at an instant now, with a window of soon_ms:
 *   breached        a running clock is past its due time (key < now);
 *   breaching_soon  a running clock is due within the window
 *                   (now <= key < now + soon_ms);
 *   on_track        a running clock is due later;
 *   none            no running target (key >= SLA_KEY_WAIT): the
 *                   customer waits without a target, or nobody waits.
 * Each state is one range of the key, so a set of states is at most a
 * few ranges of the index on (sla_sort_key, id): counting them walks the
 * index, never the table.
 */
#ifndef CHAMPION_QUEUE_H
#define CHAMPION_QUEUE_H

#include "util/common.h"

enum queue_sla {
	QUEUE_SLA_BREACHED,
	QUEUE_SLA_BREACHING_SOON,
	QUEUE_SLA_ON_TRACK,
	QUEUE_SLA_NONE,
	QUEUE_SLA__COUNT
};

#define QUEUE_SOON_MINUTES 60          /* the window of breaching_soon by default */
#define QUEUE_SOON_MINUTES_MAX (7 * 24 * 60)

/* "breached", "breaching_soon", "on_track", "none"; "?" otherwise. */
const char *queue_sla_name(enum queue_sla s);
/* The state of a name, or -1. */
int queue_sla_parse(const char *s);
/* "breached, breaching_soon, on_track, none" (for messages). */
const char *queue_sla_names(void);

/* The state of a ticket whose sort key is key, at now. */
enum queue_sla queue_sla_of(int64_t key, int64_t now, int64_t soon_ms);

/*
 * The key ranges [from[i], to[i]) of the states in mask (1u << state),
 * adjacent states merged; returns how many (0 for an empty mask, at most
 * 2 since four states alternate at worst as two runs).
 */
size_t queue_sla_ranges(unsigned mask, int64_t now, int64_t soon_ms, int64_t from[2],
			int64_t to[2]);

/* When the customer started waiting without a target (0: a target runs, or nobody waits). */
int64_t queue_waiting_since(int64_t key);

/*
 * Views: owner 0 is shared by the desk. A user sees the shared views and
 * their own; shared ones are changed by those who manage shared views
 * (manage_shared), personal ones by their owner only.
 */
bool queue_view_visible(int64_t owner_id, int64_t user_id);
bool queue_view_editable(int64_t owner_id, int64_t user_id, bool manage_shared);

#endif
