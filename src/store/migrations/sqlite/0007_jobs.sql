-- 0007_jobs: durable work. A job is written in the transaction of the
-- change that causes it (a reply's outbound mail, an SLA timer, a
-- notification), so the work is never lost and never done for a change
-- that rolled back. Workers claim a due job, run it, and mark it done;
-- a claim is a lease: a worker that dies mid-job leaves it to be claimed
-- again when the lease ends (at least once: jobs are idempotent by kind).
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,            -- 'mail.send', 'sla.timer', ...
    ticket_id    INTEGER REFERENCES tickets (id),
    ref_id       INTEGER,                     -- the row the job is about (a message...)
    payload      TEXT,                        -- the kind's own JSON
    dedupe_key   TEXT    UNIQUE,              -- one job per key: a timer fires once
    state        TEXT    NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    run_at       INTEGER NOT NULL,            -- not before (ms)
    attempts     INTEGER NOT NULL DEFAULT 0,  -- claims so far
    max_attempts INTEGER NOT NULL,
    lease_until  INTEGER,                     -- a running job's claim ends then
    worker       TEXT,                        -- who holds (or last held) it
    last_error   TEXT,                        -- the last failure, as the kind said it
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_ticket ON jobs (ticket_id) WHERE ticket_id IS NOT NULL;
