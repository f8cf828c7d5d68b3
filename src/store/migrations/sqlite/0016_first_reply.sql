-- 0016_first_reply: the first-response report as one index range scan.
--
-- The report reads, for each ticket created in a period, its first reply
-- (the ticket.first_response event), its first_reply clock and the
-- business time of its wait. Joining a million tickets to an event, a
-- clock, a policy and a calendar took seconds; these columns keep what
-- the report needs on the ticket row, and tickets_first_reply covers
-- them, so the report walks one index. All of it is derived: the events
-- and `champion sla recompute` rebuild it.

-- The ticket.first_response event's time and actor (the first such event:
-- events are append-only), kept by the trigger below whoever writes the
-- event. first_response_at is the ticket's own field, which may differ.
ALTER TABLE tickets ADD COLUMN fr_at INTEGER;
ALTER TABLE tickets ADD COLUMN fr_by INTEGER;

-- The wait from created_at to fr_at in business time, on the calendar
-- (id and version) it was measured on: the policy's, else the one named
-- "default"; 0 and 0 when there was none (then it is calendar time).
-- NULL: not measured yet. Written with the SLA columns (desk/sla.c); the
-- report measures again when the calendar is no longer the one it names.
ALTER TABLE tickets ADD COLUMN fr_business_ms INTEGER;
ALTER TABLE tickets ADD COLUMN fr_calendar_id INTEGER;
ALTER TABLE tickets ADD COLUMN fr_calendar_version INTEGER;

-- The first_reply clock (sla_clocks) as the report counts it: NULL when
-- the ticket has none, 0 running or paused (breached once fr_sla_due_at
-- passes), 1 met, 2 breached; written with the clocks.
ALTER TABLE tickets ADD COLUMN fr_sla INTEGER;
ALTER TABLE tickets ADD COLUMN fr_sla_due_at INTEGER;

CREATE TRIGGER first_reply_recorded AFTER INSERT ON events
WHEN new.kind = 'ticket.first_response' AND new.entity = 'ticket'
BEGIN
    UPDATE tickets SET fr_at = new.created_at, fr_by = new.actor_id
    WHERE id = new.entity_id AND fr_at IS NULL;
END;

-- The desk's first replies so far (one probe of events_first_response each).
UPDATE tickets SET fr_at = fr.created_at, fr_by = fr.actor_id
FROM (SELECT entity_id, created_at, actor_id, min(id) FROM events
      WHERE entity = 'ticket' AND kind = 'ticket.first_response' GROUP BY entity_id) fr
WHERE fr.entity_id = tickets.id;

-- Its clocks so far; the business times wait for the next recompute.
UPDATE tickets SET fr_sla = CASE WHEN k.breached_at IS NOT NULL THEN 2
                                 WHEN k.achieved_at IS NOT NULL THEN 1 ELSE 0 END,
                   fr_sla_due_at = k.due_at
FROM sla_clocks k WHERE k.ticket_id = tickets.id AND k.metric = 'first_reply';

CREATE INDEX tickets_first_reply ON tickets (created_at, sla_policy_id, group_id, priority,
    channel, fr_at, fr_by, fr_business_ms, fr_calendar_id, fr_calendar_version, fr_sla,
    fr_sla_due_at) WHERE opened_by_agent = 0;

-- What `champion sla recompute` reads of each ticket, without a lookup
-- of each row: its status, priority and public-message events, and its
-- public messages' authors' roles (repo_sla_facts, repo_message_roles).
CREATE INDEX events_sla ON events (entity, entity_id, id, kind, old_value, new_value, data,
    created_at) WHERE kind IN ('ticket.created', 'field.status', 'field.priority',
    'message.public');
CREATE INDEX messages_public_role ON messages (ticket_id, id, author_role) WHERE kind = 'public';

-- No query reads the clocks by policy (policies are never deleted), and
-- writing the first clocks of a million tickets paid for it row by row.
DROP INDEX sla_clocks_policy;
