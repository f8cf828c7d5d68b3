-- 0018_ticket_items: each ticket's entry in a list, rendered when it changes.
--
-- A queue page is fifty tickets' rows turned into JSON: nineteen columns
-- read and converted per ticket, four timestamps formatted, seventeen
-- keys written. ticket_items keeps each ticket's entry as it was rendered
-- at its last change, next to its document (0015_ticket_docs.sql) and by
-- the same code at the same moment (just before the commit), so a page is
-- fifty short rows copied out. The entry shows the ticket row alone (ids,
-- not names): it is the same for every reader and never goes stale the
-- way a document does when a user is renamed.
--
-- Like the documents it is a cache: a missing row means "render it now".
-- The doc_* triggers of 0015 note the tickets whose entries change too.
CREATE TABLE ticket_items (
    ticket_id INTEGER PRIMARY KEY,
    item      TEXT    NOT NULL
);

CREATE TRIGGER doc_item_removed AFTER DELETE ON tickets
BEGIN
    DELETE FROM ticket_items WHERE ticket_id = old.id;
END;

-- A desk made before this migration has no entries yet: the server
-- renders them (with the documents) a batch at a time; lists render the
-- missing ones live meanwhile.
INSERT OR IGNORE INTO docs_stale (ticket_id) SELECT id FROM tickets;
