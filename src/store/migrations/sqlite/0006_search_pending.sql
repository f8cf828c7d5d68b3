-- 0006_search_pending: new messages reach the search index once per
-- commit, not once per statement.
--
-- FTS5 writes its pending terms out as a new segment at every savepoint
-- and at the end of every statement that fires a trigger into it, so
-- indexing each message as it was inserted cost a segment (and merge
-- work) per message: five times the cost of the rest of a new ticket.
-- Now the insert trigger only notes the message in search_pending, and
-- the store indexes everything noted just before the transaction commits
-- (search_flush_pending, called by db_commit): one segment per commit,
-- in the same transaction, so search still never sees a half-written
-- change and never misses a committed one.
--
-- The other triggers leave a noted message to that flush (it reads the
-- message and its subject as they are then) and must not delete from the
-- index what was never added to it.
CREATE TABLE search_pending (
    message_id INTEGER PRIMARY KEY
);

DROP TRIGGER search_message_added;
CREATE TRIGGER search_message_added AFTER INSERT ON messages
BEGIN
    INSERT OR IGNORE INTO search_pending (message_id) VALUES (new.id);
END;

DROP TRIGGER search_message_changed;
CREATE TRIGGER search_message_changed AFTER UPDATE OF ticket_id, body_text ON messages
    WHEN NOT EXISTS (SELECT 1 FROM search_pending p WHERE p.message_id = old.id)
BEGIN
    INSERT INTO search_index (search_index, rowid, subject, body)
        SELECT 'delete', old.id, t.subject, old.body_text FROM tickets t WHERE t.id = old.ticket_id;
    INSERT INTO search_index (rowid, subject, body)
        SELECT new.id, t.subject, new.body_text FROM tickets t WHERE t.id = new.ticket_id;
END;

DROP TRIGGER search_message_removed;
CREATE TRIGGER search_message_removed AFTER DELETE ON messages
BEGIN
    INSERT INTO search_index (search_index, rowid, subject, body)
        SELECT 'delete', old.id, t.subject, old.body_text FROM tickets t WHERE t.id = old.ticket_id
        AND NOT EXISTS (SELECT 1 FROM search_pending p WHERE p.message_id = old.id);
    DELETE FROM search_pending WHERE message_id = old.id;
END;

DROP TRIGGER search_subject_changed;
CREATE TRIGGER search_subject_changed AFTER UPDATE OF subject ON tickets
    WHEN old.subject IS NOT new.subject
BEGIN
    INSERT INTO search_index (search_index, rowid, subject, body)
        SELECT 'delete', m.id, old.subject, m.body_text FROM messages m WHERE m.ticket_id = old.id
        AND m.id NOT IN (SELECT message_id FROM search_pending);
    INSERT INTO search_index (rowid, subject, body)
        SELECT m.id, new.subject, m.body_text FROM messages m WHERE m.ticket_id = new.id
        AND m.id NOT IN (SELECT message_id FROM search_pending);
END;
