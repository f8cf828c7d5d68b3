-- 0020_partial_lists: the same partial indexes, without IN lists.
--
-- What 0019 did for CHECK constraints, for the WHERE of three partial
-- indexes: SQLite decides whether a row written belongs in a partial
-- index by evaluating its WHERE, and "col IN ('a', 'b', 'c')" builds a
-- temporary in-memory table of the values each time. A new ticket paid
-- five of them (its row for the two unsolved-queue indexes, each of its
-- events for events_sla): some 60,000 of its 820,000 instructions in the
-- writer. Written as "col = 'a' OR col = 'b' ..." the WHERE selects the
-- same rows, so the indexes' contents stay as they are.
--
-- A query uses a partial index only if its WHERE holds the index's
-- condition as written: the queue filters (repo_ticket.c) and the SLA's
-- facts (repo_sla.c) now write the same OR chains, in the same order.
-- Changed in place as 0019 does: writable_schema, RESET, and a throwaway
-- table to move the schema cookie on for every other connection.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = 'CREATE INDEX tickets_unsolved_assignee ON tickets (assignee_id, sla_sort_key, id)
    WHERE status = ''new'' OR status = ''open'' OR status = ''pending'' OR status = ''on_hold'''
    WHERE type = 'index' AND name = 'tickets_unsolved_assignee';

UPDATE sqlite_schema SET sql = 'CREATE INDEX tickets_unsolved_group ON tickets (group_id, sla_sort_key, id)
    WHERE status = ''new'' OR status = ''open'' OR status = ''pending'' OR status = ''on_hold'''
    WHERE type = 'index' AND name = 'tickets_unsolved_group';

UPDATE sqlite_schema SET sql = 'CREATE INDEX events_sla ON events (entity, entity_id, id, kind, old_value, new_value, data,
    created_at) WHERE kind = ''ticket.created'' OR kind = ''field.status'' OR kind = ''field.priority''
    OR kind = ''message.public'''
    WHERE type = 'index' AND name = 'events_sla';

PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
