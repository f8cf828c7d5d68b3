-- 0021_in_lists: mail_inbound's CHECK on state without an IN list.
--
-- SQLite evaluates "x IN (three values or more)" by building a temporary
-- table of the values, each time a statement runs: for a CHECK, for every
-- row written. 0019 rewrote the CHECKs but missed mail_inbound's (its list
-- starts on a line of its own): 65,000 instructions per mail_inbound row
-- (callgrind, champion import of 3,000 messages), half of them for its
-- list. Written as comparisons it accepts and refuses exactly the same
-- rows: changed in place as 0019 changes its CHECKs. (events_sla's WHERE,
-- the other list an import paid for, is 0020's.)
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (state IN
                    (''new_ticket'', ''threaded'', ''duplicate'', ''held'', ''bounce'', ''ignored''))',
        'CHECK (state = ''new_ticket'' OR state = ''threaded'' OR state = ''duplicate'' OR state = ''held'' OR state = ''bounce'' OR state = ''ignored'')')
    WHERE type = 'table' AND name = 'mail_inbound';

PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
