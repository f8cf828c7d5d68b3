-- 0019_check_lists: the same CHECK constraints, without IN lists.
--
-- SQLite checks "col IN ('a', 'b', 'c')" (more than two values) by
-- building a temporary table of the values, every time a statement writes
-- a row: a whole in-memory database opened and filled, for each such
-- CHECK, for each row. A new ticket ran some ten of them (tickets,
-- messages, events): a ninth of the instructions of creating it (callgrind,
-- champion ticket create: 2.72 M -> 2.38 M without the checks). Written
-- as "col = 'a' OR col = 'b' OR col = 'c'" they are a few comparisons and
-- accept and refuse exactly the same values (NULL included: it passes
-- both, as a CHECK passes what is not false).
--
-- A CHECK is changed in place, as SQLite's documentation allows for
-- constraints the stored rows already meet: the table definitions in
-- sqlite_schema are edited with writable_schema, the connection reparses
-- them (RESET), and a throwaway table moves the schema cookie on so every
-- other connection reparses too. Tables made after this migration write
-- their CHECKs without IN lists of more than two values.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (role IN (''admin'', ''agent'', ''engineer'', ''customer''))',
        'CHECK (role = ''admin'' OR role = ''agent'' OR role = ''engineer'' OR role = ''customer'')')
    WHERE type = 'table' AND name = 'users';

UPDATE sqlite_schema SET sql = replace(replace(replace(sql,
        'CHECK (status IN (''new'', ''open'', ''pending'', ''on_hold'', ''solved'', ''closed''))',
        'CHECK (status = ''new'' OR status = ''open'' OR status = ''pending'' OR status = ''on_hold'' OR status = ''solved'' OR status = ''closed'')'),
        'CHECK (priority IN (''low'', ''normal'', ''high'', ''urgent''))',
        'CHECK (priority = ''low'' OR priority = ''normal'' OR priority = ''high'' OR priority = ''urgent'')'),
        'CHECK (channel IN (''email'', ''web'', ''api'', ''cli'', ''portal'', ''phone''))',
        'CHECK (channel = ''email'' OR channel = ''web'' OR channel = ''api'' OR channel = ''cli'' OR channel = ''portal'' OR channel = ''phone'')')
    WHERE type = 'table' AND name = 'tickets';

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (kind IN (''related'', ''incident'', ''follow_up'', ''merged''))',
        'CHECK (kind = ''related'' OR kind = ''incident'' OR kind = ''follow_up'' OR kind = ''merged'')')
    WHERE type = 'table' AND name = 'ticket_links';

UPDATE sqlite_schema SET sql = replace(replace(replace(sql,
        'CHECK (author_role IN (''admin'', ''agent'', ''engineer'', ''customer''))',
        'CHECK (author_role = ''admin'' OR author_role = ''agent'' OR author_role = ''engineer'' OR author_role = ''customer'')'),
        'CHECK (channel IN (''email'', ''web'', ''api'', ''cli'', ''portal'', ''phone''))',
        'CHECK (channel = ''email'' OR channel = ''web'' OR channel = ''api'' OR channel = ''cli'' OR channel = ''portal'' OR channel = ''phone'')'),
        'CHECK (delivery IN (''queued'', ''sent'', ''failed''))',
        'CHECK (delivery = ''queued'' OR delivery = ''sent'' OR delivery = ''failed'')')
    WHERE type = 'table' AND name = 'messages';

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (entity IN (''ticket'', ''user'', ''organisation'', ''group''))',
        'CHECK (entity = ''ticket'' OR entity = ''user'' OR entity = ''organisation'' OR entity = ''group'')')
    WHERE type = 'table' AND name = 'events';

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (state IN (''queued'', ''running'', ''done'', ''failed'', ''cancelled''))',
        'CHECK (state = ''queued'' OR state = ''running'' OR state = ''done'' OR state = ''failed'' OR state = ''cancelled'')')
    WHERE type = 'table' AND name = 'jobs';

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (escalate_to IN (''low'', ''normal'', ''high'', ''urgent''))',
        'CHECK (escalate_to = ''low'' OR escalate_to = ''normal'' OR escalate_to = ''high'' OR escalate_to = ''urgent'')')
    WHERE type = 'table' AND name = 'sla_policies';

UPDATE sqlite_schema SET sql = replace(replace(sql,
        'CHECK (priority IN (''low'', ''normal'', ''high'', ''urgent''))',
        'CHECK (priority = ''low'' OR priority = ''normal'' OR priority = ''high'' OR priority = ''urgent'')'),
        'CHECK (metric IN (''first_reply'', ''next_reply'', ''periodic_update'', ''resolution''))',
        'CHECK (metric = ''first_reply'' OR metric = ''next_reply'' OR metric = ''periodic_update'' OR metric = ''resolution'')')
    WHERE type = 'table' AND name = 'sla_targets';

UPDATE sqlite_schema SET sql = replace(sql,
        'CHECK (metric IN (''first_reply'', ''next_reply'', ''periodic_update'', ''resolution''))',
        'CHECK (metric = ''first_reply'' OR metric = ''next_reply'' OR metric = ''periodic_update'' OR metric = ''resolution'')')
    WHERE type = 'table' AND name = 'sla_clocks';

PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
