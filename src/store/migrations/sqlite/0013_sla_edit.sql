-- 0013_sla_edit: what a policy does at a warning and at a breach,
-- calendars that can change, and the report's walk by creation time.

-- What happens when a warning or a breach fires, as a list of actions
-- (rules/sla.h, sla_actions_parse): 'notify' mails the assignee (or the
-- group's members when unassigned; the group's leads too at a breach),
-- 'assign-lead' gives a breached ticket to its group's lead; '' does
-- nothing but record the event. Raising the priority is escalate_to.
ALTER TABLE sla_policies ADD COLUMN on_warn TEXT NOT NULL DEFAULT 'notify';
ALTER TABLE sla_policies ADD COLUMN on_breach TEXT NOT NULL DEFAULT 'notify';

-- Bumped by every edit, so a desk connection that built a calendar
-- builds it again when it changed (desk/sla.c keeps the built ones).
ALTER TABLE calendars ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The first-response report reads the tickets created in a period, and
-- each one's ticket.first_response event: one probe of a partial index
-- instead of a walk over all the ticket's events.
CREATE INDEX tickets_created ON tickets (created_at);
CREATE INDEX events_first_response ON events (entity, entity_id, id)
    WHERE kind = 'ticket.first_response';

-- The clocks keyed by (ticket, metric) alone, without a rowid: reading a
-- ticket's clocks (recompute compares before it writes) is one B-tree
-- range instead of an index range and a lookup per row, and a write
-- touches two B-trees instead of three.
CREATE TABLE sla_clocks_new (
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    metric       TEXT    NOT NULL
        CHECK (metric IN ('first_reply', 'next_reply', 'periodic_update', 'resolution')),
    policy_id    INTEGER NOT NULL REFERENCES sla_policies (id),
    business     INTEGER NOT NULL CHECK (business IN (0, 1)),
    target_ms    INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    due_at       INTEGER,
    warn_at      INTEGER,
    paused_ms    INTEGER NOT NULL DEFAULT 0,
    paused_since INTEGER,
    achieved_at  INTEGER,
    ended_at     INTEGER,
    breached_at  INTEGER,
    cycles       INTEGER NOT NULL DEFAULT 1,
    breaches     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, metric)
) WITHOUT ROWID;
INSERT INTO sla_clocks_new SELECT ticket_id, metric, policy_id, business, target_ms, started_at,
    due_at, warn_at, paused_ms, paused_since, achieved_at, ended_at, breached_at, cycles,
    breaches FROM sla_clocks;
DROP TABLE sla_clocks;
ALTER TABLE sla_clocks_new RENAME TO sla_clocks;
CREATE INDEX sla_clocks_policy ON sla_clocks (policy_id);
