-- 0023_tickets_created: no index of tickets by creation time alone.
--
-- 0013 made tickets_created for the first-response report; since 0016 the
-- report reads tickets_first_reply (created_at first, then what it
-- counts), and no query reads tickets by created_at otherwise. Every new
-- ticket still wrote an entry in it: some 10,000 of the server writer's
-- 537,000 instructions per ticket (callgrind, 20,000-ticket demo desk).
DROP INDEX IF EXISTS tickets_created;
