-- 0001_init: the ticket model.
-- Times are INTEGER milliseconds since the epoch, UTC. Enumerations are
-- TEXT with CHECK constraints, so the database refuses what the rules do.

CREATE TABLE organisations (
    id             INTEGER PRIMARY KEY,
    name           TEXT    NOT NULL,
    name_norm      TEXT    NOT NULL UNIQUE,
    domain         TEXT,
    shares_tickets INTEGER NOT NULL DEFAULT 0 CHECK (shares_tickets IN (0, 1)),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT    NOT NULL,
    email_norm      TEXT    NOT NULL UNIQUE,  -- case-folded: unique case-insensitively
    name            TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('admin', 'agent', 'engineer', 'customer')),
    organisation_id INTEGER REFERENCES organisations (id),
    password_hash   TEXT,
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX users_organisation ON users (organisation_id);
CREATE INDEX users_role ON users (role, id);

CREATE TABLE agent_groups (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_norm  TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES agent_groups (id),
    user_id  INTEGER NOT NULL REFERENCES users (id),
    is_lead  INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY,
    subject           TEXT    NOT NULL,
    status            TEXT    NOT NULL
        CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')),
    priority          TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    requester_id      INTEGER NOT NULL REFERENCES users (id),
    assignee_id       INTEGER REFERENCES users (id),
    group_id          INTEGER REFERENCES agent_groups (id),
    organisation_id   INTEGER REFERENCES organisations (id),
    channel           TEXT    NOT NULL
        CHECK (channel IN ('email', 'web', 'api', 'cli', 'portal', 'phone')),
    opened_by_agent   INTEGER NOT NULL DEFAULT 0 CHECK (opened_by_agent IN (0, 1)),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    solved_at         INTEGER,            -- the last solve; NULL while unsolved
    closed_at         INTEGER,
    first_response_at INTEGER,            -- set once, by the first public agent reply
    merged_into_id    INTEGER REFERENCES tickets (id),
    version           INTEGER NOT NULL DEFAULT 1  -- bumped by every change (ETag)
);
CREATE INDEX tickets_status ON tickets (status, updated_at);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX tickets_group ON tickets (group_id, status);
CREATE INDEX tickets_requester ON tickets (requester_id);
CREATE INDEX tickets_organisation ON tickets (organisation_id);
CREATE INDEX tickets_updated ON tickets (updated_at);

CREATE TABLE ticket_tags (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    tag       TEXT    NOT NULL,
    PRIMARY KEY (ticket_id, tag)
);
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, ticket_id);

CREATE TABLE ticket_followers (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (ticket_id, user_id)
);
CREATE INDEX ticket_followers_user ON ticket_followers (user_id);

-- kind: related (both ways), incident (ticket_id is an incident of the
-- problem other_id), follow_up (ticket_id follows the closed other_id),
-- merged (ticket_id was merged into other_id).
CREATE TABLE ticket_links (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id),
    other_id   INTEGER NOT NULL REFERENCES tickets (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('related', 'incident', 'follow_up', 'merged')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, other_id, kind),
    CHECK (ticket_id <> other_id)
);
CREATE INDEX ticket_links_other ON ticket_links (other_id);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id),
    author_id   INTEGER NOT NULL REFERENCES users (id),
    author_role TEXT    NOT NULL CHECK (author_role IN ('admin', 'agent', 'engineer', 'customer')),
    kind        TEXT    NOT NULL CHECK (kind IN ('public', 'internal')),
    channel     TEXT    NOT NULL
        CHECK (channel IN ('email', 'web', 'api', 'cli', 'portal', 'phone')),
    body_text   TEXT    NOT NULL,
    body_html   TEXT,                     -- sanitised; NULL when the message had none
    created_at  INTEGER NOT NULL
);
CREATE INDEX messages_ticket ON messages (ticket_id, id);

-- Content-addressed: one row per distinct content, however many messages
-- carry it. The bytes live in the attachments directory under the hash.
CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT    NOT NULL UNIQUE,
    size         INTEGER NOT NULL CHECK (size >= 0),
    created_at   INTEGER NOT NULL
);

CREATE TABLE message_attachments (
    message_id    INTEGER NOT NULL REFERENCES messages (id),
    attachment_id INTEGER NOT NULL REFERENCES attachments (id),
    filename      TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    PRIMARY KEY (message_id, attachment_id, filename)
);
CREATE INDEX message_attachments_attachment ON message_attachments (attachment_id);

-- The history. Append-only: every change to a ticket, user, organisation
-- or group writes its rows here in the same transaction as the change.
-- entity: ticket | user | organisation | group. kind names the change
-- (ticket.created, message.public, field.status, ...); field, old_value
-- and new_value carry before/after for field changes; data is JSON.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    entity     TEXT    NOT NULL CHECK (entity IN ('ticket', 'user', 'organisation', 'group')),
    entity_id  INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    actor_id   INTEGER REFERENCES users (id),
    field      TEXT,
    old_value  TEXT,
    new_value  TEXT,
    data       TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX events_entity ON events (entity, entity_id, id);
CREATE INDEX events_created ON events (created_at);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
