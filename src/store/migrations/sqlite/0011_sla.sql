-- 0011_sla: business calendars, SLA policies and the clocks they run on
-- each ticket (issue 5). The clocks and the tickets' sla_* columns are
-- derived: `champion sla recompute` rebuilds them from the events.

-- A weekly schedule in an IANA zone, less holidays (rules/calendar.h).
-- hours is calendar_week_parse's text: "mon-fri 09:00-17:00; sat 10:00-14:00".
CREATE TABLE calendars (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_norm  TEXT    NOT NULL UNIQUE,
    zone       TEXT    NOT NULL,
    hours      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- A civil date in the calendar's zone closed all day (0, 0) or from
-- start_minute to end_minute after midnight.
CREATE TABLE calendar_holidays (
    calendar_id  INTEGER NOT NULL REFERENCES calendars (id),
    day          TEXT    NOT NULL,  -- YYYY-MM-DD
    start_minute INTEGER NOT NULL DEFAULT 0 CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute   INTEGER NOT NULL DEFAULT 0 CHECK (end_minute BETWEEN 0 AND 1440),
    PRIMARY KEY (calendar_id, day, start_minute, end_minute)
);

-- Policies are tried in position order; the first whose conditions all
-- match applies. conditions is JSON: {"priority":"urgent","group_id":3,
-- "organisation_id":7,"tag":"vip","channel":"email","requester_role":"customer"},
-- each key optional. pause is the statuses that stop the resolution clock.
CREATE TABLE sla_policies (
    id           INTEGER PRIMARY KEY,
    position     INTEGER NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    name_norm    TEXT    NOT NULL UNIQUE,
    conditions   TEXT    NOT NULL DEFAULT '{}',
    calendar_id  INTEGER REFERENCES calendars (id),  -- NULL: calendar time only
    pause        TEXT    NOT NULL DEFAULT 'pending,on_hold',
    warn_percent INTEGER NOT NULL DEFAULT 75 CHECK (warn_percent BETWEEN 1 AND 99),
    -- on a breach, a ticket below this priority is raised to it; NULL: never
    escalate_to  TEXT CHECK (escalate_to IN ('low', 'normal', 'high', 'urgent')),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   INTEGER NOT NULL
);

CREATE TABLE sla_targets (
    policy_id INTEGER NOT NULL REFERENCES sla_policies (id),
    priority  TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    metric    TEXT    NOT NULL
        CHECK (metric IN ('first_reply', 'next_reply', 'periodic_update', 'resolution')),
    minutes   INTEGER NOT NULL CHECK (minutes > 0),
    business  INTEGER NOT NULL DEFAULT 1 CHECK (business IN (0, 1)),
    PRIMARY KEY (policy_id, priority, metric)
);

-- One row per ticket and metric: its latest cycle (next_reply and
-- periodic_update start a new cycle on each exchange). Times in ms; NULL
-- when not set. due_at is NULL while paused or once ended in time.
CREATE TABLE sla_clocks (
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id),
    metric       TEXT    NOT NULL
        CHECK (metric IN ('first_reply', 'next_reply', 'periodic_update', 'resolution')),
    policy_id    INTEGER NOT NULL REFERENCES sla_policies (id),
    business     INTEGER NOT NULL CHECK (business IN (0, 1)),
    target_ms    INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    due_at       INTEGER,
    warn_at      INTEGER,
    paused_ms    INTEGER NOT NULL DEFAULT 0,
    paused_since INTEGER,
    achieved_at  INTEGER,
    ended_at     INTEGER,
    breached_at  INTEGER,
    cycles       INTEGER NOT NULL DEFAULT 1,
    breaches     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, metric)
);
CREATE INDEX sla_clocks_policy ON sla_clocks (policy_id);

-- The queue's order, denormalised from the clocks (rules/sla.h,
-- sla_sort_key): the earliest due time of a running clock (overdue ones
-- are breaches: they come first, oldest first), else 10^13 plus the start
-- of the customer's wait, else 3 * 10^13 when nobody waits. An index on
-- (key, id) makes "ordered by what is due" a walk of the first entries.
ALTER TABLE tickets ADD COLUMN sla_policy_id INTEGER REFERENCES sla_policies (id);
ALTER TABLE tickets ADD COLUMN sla_due_at INTEGER;
ALTER TABLE tickets ADD COLUMN sla_sort_key INTEGER NOT NULL DEFAULT 30000000000000;
CREATE INDEX tickets_sla_queue ON tickets (sla_sort_key, id);
CREATE INDEX tickets_status_sla_queue ON tickets (status, sla_sort_key, id);

-- Existing tickets a customer waits on: since their first public customer
-- message after the last public staff reply (no policy exists yet).
UPDATE tickets SET sla_sort_key = 10000000000000 + (
        SELECT min(m.created_at) FROM messages m
        WHERE m.ticket_id = tickets.id AND m.kind = 'public' AND m.author_role = 'customer'
          AND m.created_at >= coalesce((SELECT max(r.created_at) FROM messages r
               WHERE r.ticket_id = tickets.id AND r.kind = 'public'
                 AND r.author_role IN ('admin', 'agent')), 0))
WHERE status IN ('new', 'open', 'on_hold') AND EXISTS (
        SELECT 1 FROM messages m
        WHERE m.ticket_id = tickets.id AND m.kind = 'public' AND m.author_role = 'customer'
          AND m.created_at >= coalesce((SELECT max(r.created_at) FROM messages r
               WHERE r.ticket_id = tickets.id AND r.kind = 'public'
                 AND r.author_role IN ('admin', 'agent')), 0));
