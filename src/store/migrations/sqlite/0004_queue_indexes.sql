-- 0004_queue_indexes: the index behind a queue page.
-- Queues are read newest first (ORDER BY id DESC) within a status. An index
-- on (status) alone holds the rowid as its last column, so "status = ?
-- ORDER BY id DESC LIMIT n" reads n entries; (status, updated_at) made
-- SQLite either sort every ticket of that status or walk the whole table.
-- updated_since has its own index (tickets_updated).
DROP INDEX tickets_status;
CREATE INDEX tickets_status ON tickets (status);
