-- 0009_mail_in: every message received by mail, stored verbatim first.
--
-- The raw bytes are in mail_raw under their SHA-256 (content-addressed: the
-- same message twice is stored once), written in the transaction that
-- threads the message, so a message is either wholly taken or not at all
-- (and the mail server retries). mail_inbound says where each delivery
-- came from and what the desk made of it. Duplicates are found by
-- (mailbox, message_id): a message fetched twice threads once.
CREATE TABLE mail_raw (
    sha256 TEXT    PRIMARY KEY,
    size   INTEGER NOT NULL,
    bytes  BLOB    NOT NULL
) WITHOUT ROWID;

CREATE TABLE mail_inbound (
    id          INTEGER PRIMARY KEY,
    mailbox     TEXT    NOT NULL,
    raw_sha256  TEXT    NOT NULL REFERENCES mail_raw (sha256),
    raw_size    INTEGER NOT NULL,
    message_id  TEXT,                      -- its Message-ID without <>, NULL when none
    sender      TEXT,                      -- the From address, normalised
    received_at INTEGER NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN
                    ('new_ticket', 'threaded', 'duplicate', 'held', 'bounce', 'ignored')),
    ticket_id   INTEGER REFERENCES tickets (id),
    message     INTEGER REFERENCES messages (id),
    detail      TEXT                       -- why: held over the rate, a bounce's recipient...
);
CREATE UNIQUE INDEX mail_inbound_once ON mail_inbound (mailbox, message_id)
    WHERE message_id IS NOT NULL AND state != 'duplicate';
CREATE INDEX mail_inbound_sender ON mail_inbound (sender, received_at);

-- Where a reader may fold a mailed message's text (rules/text): the byte
-- offsets of its signature and of its quoted history; NULL: nothing to fold.
ALTER TABLE messages ADD COLUMN signature_at INTEGER;
ALTER TABLE messages ADD COLUMN quote_at INTEGER;

-- A recipient whose mail bounced: the desk shows it, agents fix the address.
ALTER TABLE users ADD COLUMN mail_bounced_at INTEGER;
