-- 0021_in_lists: mail_inbound's CHECK on state and events_sla's WHERE
-- without IN lists.
--
-- SQLite evaluates "x IN (three values or more)" by building a temporary
-- table of the values, each time a statement runs: for a CHECK or a
-- partial index's WHERE, for every row written. 0019 rewrote the CHECKs
-- but missed mail_inbound's (its list starts on a line of its own), and
-- events_sla's WHERE (four kinds) built one for every event: callgrind,
-- champion import of 3,000 messages, 9,790 such tables (6,554 of them for
-- events, the rest the unsolved-ticket indexes'), and 65,000 instructions
-- per mail_inbound row, half of them for its list. Written as comparisons
-- they accept and refuse, and keep in the index, exactly the same rows, so
-- the stored rows and index entries stay valid: changed in place as 0019
-- changes its CHECKs. The one query that reads events_sla
-- (repo_sla_facts) names the same comparisons, so SQLite still knows the
-- index covers it.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (state IN
                    (''new_ticket'', ''threaded'', ''duplicate'', ''held'', ''bounce'', ''ignored''))',
        'CHECK (state = ''new_ticket'' OR state = ''threaded'' OR state = ''duplicate'' OR state = ''held'' OR state = ''bounce'' OR state = ''ignored'')')
    WHERE type = 'table' AND name = 'mail_inbound';

UPDATE sqlite_schema SET sql = replace(sql,
        'WHERE kind IN (''ticket.created'', ''field.status'', ''field.priority'',
    ''message.public'')',
        'WHERE kind = ''ticket.created'' OR kind = ''field.status'' OR kind = ''field.priority'' OR kind = ''message.public''')
    WHERE type = 'index' AND name = 'events_sla';

PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
