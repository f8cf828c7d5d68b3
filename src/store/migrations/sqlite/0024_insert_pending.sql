-- 0024_insert_pending: new tickets and messages noted by the desk.
--
-- doc_ticket_added, doc_message_added (0015) and search_message_added
-- (0006) noted each new ticket and message in docs_pending and
-- search_pending. A trigger on INSERT into tickets or messages, which
-- other tables refer to, costs SQLite twice: the insert becomes a
-- statement it must be able to undo alone, so each page it touches is
-- first copied to a statement journal; and for each foreign key naming
-- the table (messages, events, tags, followers, links, attachments, a
-- merged ticket) it looks up the rows that name the new id. The desk's
-- writes now note them (desk_ticket_insert, desk_insert_message), the only
-- way the desk adds either. Changes and deletions are still noted by
-- their triggers. Rows inserted by hand are not noted: insert their ids
-- into docs_pending (or delete their tickets' ticket_docs rows) and
-- search_pending in the same transaction.
DROP TRIGGER IF EXISTS doc_ticket_added;
DROP TRIGGER IF EXISTS doc_message_added;
DROP TRIGGER IF EXISTS search_message_added;
