-- 0015_ticket_docs: each ticket's staff document, rendered when it changes.
--
-- GET /api/v1/tickets/{id} for staff is the ticket with its requester,
-- assignee, group, tags, followers, links, messages and attachments: a
-- dozen lookups scattered over the desk's pages. ticket_docs keeps that
-- JSON as it was rendered at the last change (for admins and agents, who
-- see every ticket and every note), so the read is one lookup. It is a
-- cache: a missing row means "render it now", never "no ticket"; the
-- desk can drop every row at any time.
--
-- The triggers below note each ticket a statement touches in
-- docs_pending; the desk renders those tickets just before the
-- transaction commits (db_before_commit), so a committed document is
-- never older than the rows it shows. A change that touches many tickets
-- at once (a user's name or email, a group's name) deletes their
-- documents and notes them in docs_stale instead, for the server to
-- render a batch at a time; until then the reads render them live.
--
-- The triggers are named doc_* so that a bulk load can drop and make
-- them again (champion demo).
CREATE TABLE ticket_docs (
    ticket_id INTEGER PRIMARY KEY,
    version   INTEGER NOT NULL,   -- tickets.version it shows (the ETag)
    body      TEXT    NOT NULL
);

CREATE TABLE docs_pending (
    ticket_id INTEGER PRIMARY KEY
);

CREATE TABLE docs_stale (
    ticket_id INTEGER PRIMARY KEY
);

-- A desk made before this migration has no documents yet.
INSERT INTO docs_stale (ticket_id) SELECT id FROM tickets;

CREATE TRIGGER doc_ticket_added AFTER INSERT ON tickets
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (new.id);
END;

-- Only the columns the document shows: the SLA columns change on their own.
CREATE TRIGGER doc_ticket_changed AFTER UPDATE OF subject, status, priority, requester_id,
    assignee_id, group_id, organisation_id, channel, opened_by_agent, created_at, updated_at,
    solved_at, closed_at, first_response_at, merged_into_id, version ON tickets
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (new.id);
END;

CREATE TRIGGER doc_ticket_removed AFTER DELETE ON tickets
BEGIN
    DELETE FROM ticket_docs WHERE ticket_id = old.id;
END;

CREATE TRIGGER doc_message_added AFTER INSERT ON messages
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (new.ticket_id);
END;

CREATE TRIGGER doc_message_changed AFTER UPDATE ON messages
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (old.ticket_id), (new.ticket_id);
END;

CREATE TRIGGER doc_message_removed AFTER DELETE ON messages
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (old.ticket_id);
END;

CREATE TRIGGER doc_attachment_added AFTER INSERT ON message_attachments
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id)
        SELECT ticket_id FROM messages WHERE id = new.message_id;
END;

CREATE TRIGGER doc_attachment_removed AFTER DELETE ON message_attachments
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id)
        SELECT ticket_id FROM messages WHERE id = old.message_id;
END;

CREATE TRIGGER doc_tag_added AFTER INSERT ON ticket_tags
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (new.ticket_id);
END;

CREATE TRIGGER doc_tag_removed AFTER DELETE ON ticket_tags
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (old.ticket_id);
END;

CREATE TRIGGER doc_follower_added AFTER INSERT ON ticket_followers
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (new.ticket_id);
END;

CREATE TRIGGER doc_follower_removed AFTER DELETE ON ticket_followers
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (old.ticket_id);
END;

-- A link shows on both of its tickets.
CREATE TRIGGER doc_link_added AFTER INSERT ON ticket_links
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (new.ticket_id), (new.other_id);
END;

CREATE TRIGGER doc_link_changed AFTER UPDATE ON ticket_links
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id)
        VALUES (old.ticket_id), (old.other_id), (new.ticket_id), (new.other_id);
END;

CREATE TRIGGER doc_link_removed AFTER DELETE ON ticket_links
BEGIN
    INSERT OR IGNORE INTO docs_pending (ticket_id) VALUES (old.ticket_id), (old.other_id);
END;

-- Names shown on many tickets: their documents go stale, rendered later.
CREATE TRIGGER doc_user_renamed AFTER UPDATE OF email, name ON users
    WHEN old.email IS NOT new.email OR old.name IS NOT new.name
BEGIN
    INSERT OR IGNORE INTO docs_stale (ticket_id)
        SELECT id FROM tickets WHERE requester_id = new.id
        UNION SELECT id FROM tickets WHERE assignee_id = new.id
        UNION SELECT ticket_id FROM ticket_followers WHERE user_id = new.id;
    DELETE FROM ticket_docs WHERE ticket_id IN (
        SELECT id FROM tickets WHERE requester_id = new.id
        UNION SELECT id FROM tickets WHERE assignee_id = new.id
        UNION SELECT ticket_id FROM ticket_followers WHERE user_id = new.id);
END;

CREATE TRIGGER doc_group_renamed AFTER UPDATE OF name ON agent_groups
    WHEN old.name IS NOT new.name
BEGIN
    INSERT OR IGNORE INTO docs_stale (ticket_id) SELECT id FROM tickets WHERE group_id = new.id;
    DELETE FROM ticket_docs WHERE ticket_id IN (SELECT id FROM tickets WHERE group_id = new.id);
END;
