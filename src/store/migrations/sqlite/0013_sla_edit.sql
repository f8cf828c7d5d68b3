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

-- The first-response report reads the tickets created in a period.
CREATE INDEX tickets_created ON tickets (created_at);
