-- 0021_mail_inbound_check: mail_inbound's CHECK on state without its IN list.
--
-- 0019 rewrote every CHECK of three values or more as comparisons, but
-- missed this one: its list starts on a line of its own. SQLite checks
-- "state IN (six values)" by building a temporary table of the values for
-- every row written: a fifth of the instructions of storing a received
-- message's row (callgrind, champion import of 3,000 messages: 65,000 per
-- mail_inbound row, of which some 50,000 for the list). Written as
-- comparisons it accepts and refuses the same values (NULL included: the
-- column is NOT NULL anyway). Changed in place as 0019 changes the others.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (state IN
                    (''new_ticket'', ''threaded'', ''duplicate'', ''held'', ''bounce'', ''ignored''))',
        'CHECK (state = ''new_ticket'' OR state = ''threaded'' OR state = ''duplicate'' OR state = ''held'' OR state = ''bounce'' OR state = ''ignored'')')
    WHERE type = 'table' AND name = 'mail_inbound';

PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
