-- 0005_search: the full-text index (FTS5) behind GET /api/v1/search.
--
-- One document per message: the ticket's subject and the message's body,
-- so a query's words may be spread over the two. External content: the
-- index stores no text of its own; snippets read it back from
-- search_documents. The tokenizer 'champion' (src/store/search_sqlite.c)
-- is registered on every connection champion opens: other tools can read
-- this desk, but writing tickets or messages needs champion.
--
-- The triggers keep the index in the transaction of every write: a new
-- message, a ticket's new subject, a message moved by a merge.

CREATE VIEW search_documents AS
    SELECT m.id AS id, t.subject AS subject, m.body_text AS body
    FROM messages m JOIN tickets t ON t.id = m.ticket_id;

CREATE VIRTUAL TABLE search_index USING fts5(
    subject, body,
    content = 'search_documents', content_rowid = 'id',
    tokenize = 'champion'
);

CREATE TRIGGER search_message_added AFTER INSERT ON messages
BEGIN
    INSERT INTO search_index (rowid, subject, body)
        SELECT new.id, t.subject, new.body_text FROM tickets t WHERE t.id = new.ticket_id;
END;

CREATE TRIGGER search_message_changed AFTER UPDATE OF ticket_id, body_text ON messages
BEGIN
    INSERT INTO search_index (search_index, rowid, subject, body)
        SELECT 'delete', old.id, t.subject, old.body_text FROM tickets t WHERE t.id = old.ticket_id;
    INSERT INTO search_index (rowid, subject, body)
        SELECT new.id, t.subject, new.body_text FROM tickets t WHERE t.id = new.ticket_id;
END;

CREATE TRIGGER search_message_removed AFTER DELETE ON messages
BEGIN
    INSERT INTO search_index (search_index, rowid, subject, body)
        SELECT 'delete', old.id, t.subject, old.body_text FROM tickets t WHERE t.id = old.ticket_id;
END;

CREATE TRIGGER search_subject_changed AFTER UPDATE OF subject ON tickets
    WHEN old.subject IS NOT new.subject
BEGIN
    INSERT INTO search_index (search_index, rowid, subject, body)
        SELECT 'delete', m.id, old.subject, m.body_text FROM messages m WHERE m.ticket_id = old.id;
    INSERT INTO search_index (rowid, subject, body)
        SELECT m.id, new.subject, m.body_text FROM messages m WHERE m.ticket_id = new.id;
END;

-- The desk's existing messages.
INSERT INTO search_index (search_index) VALUES ('rebuild');
