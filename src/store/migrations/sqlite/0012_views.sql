-- 0012_views: saved ticket views (queues) with counts (issue 5).
--
-- A view is a filter and an order. owner_id NULL: shared by the desk
-- (admins manage it); else personal to that user. filter is JSON in
-- desk/views.c's canonical form (keys sorted), each key optional:
--   {"status":["new","open"], "priority":["high","urgent"],
--    "assignee":"me"|"none"|USER_ID, "group":"mine"|"none"|GROUP_ID,
--    "tags":["vip"], "sla":["breached","breaching_soon","on_track","none"],
--    "sla_soon_minutes":60, "organisation":ORG_ID}
-- builtin names a default view, so that later migrations can find it
-- (the escalation capability takes over "waiting_on_engineering").
CREATE TABLE views (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_norm  TEXT    NOT NULL,
    owner_id   INTEGER REFERENCES users (id),
    position   INTEGER NOT NULL,
    filter     TEXT    NOT NULL DEFAULT '{}',
    sort       TEXT    NOT NULL DEFAULT 'due' CHECK (sort IN ('due', 'newest')),
    builtin    TEXT    UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- Names are unique among the shared views and among one user's.
CREATE UNIQUE INDEX views_name ON views (coalesce(owner_id, 0), name_norm);
CREATE INDEX views_owner ON views (owner_id, position);

-- The default views' counts and pages walk these: an unsolved ticket's
-- entries by assignee (Mine, Unassigned) and by group (My groups), in
-- the queue's order, so a count reads one range and a page its first
-- entries, sorting nothing. The filter's status term must read exactly
-- like this one for SQLite to use them (repo_ticket.c writes it so).
CREATE INDEX tickets_unsolved_assignee ON tickets (assignee_id, sla_sort_key, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');
CREATE INDEX tickets_unsolved_group ON tickets (group_id, sla_sort_key, id)
    WHERE status IN ('new', 'open', 'pending', 'on_hold');

-- The defaults, shared, on new and existing desks alike.
INSERT INTO views (name, name_norm, owner_id, position, filter, sort, builtin, created_at,
                   updated_at)
VALUES
    ('Mine', 'mine', NULL, 1,
     '{"assignee":"me","status":["new","open","pending","on_hold"]}', 'due', 'mine',
     CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    ('Unassigned', 'unassigned', NULL, 2,
     '{"assignee":"none","status":["new","open","pending","on_hold"]}', 'due', 'unassigned',
     CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    ('My groups', 'my groups', NULL, 3,
     '{"group":"mine","status":["new","open","pending","on_hold"]}', 'due', 'my_groups',
     CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    ('Breaching soon', 'breaching soon', NULL, 4,
     '{"sla":["breached","breaching_soon"],"sla_soon_minutes":60}', 'due', 'breaching_soon',
     CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
    ('Waiting on engineering', 'waiting on engineering', NULL, 5,
     '{"status":["on_hold"],"tags":["engineering"]}', 'due', 'waiting_on_engineering',
     CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
