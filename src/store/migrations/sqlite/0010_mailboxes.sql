-- 0010_mailboxes: where the IMAP poller is in each mailbox it reads.
--
-- A message is fetched by UID, committed, and only then counted here:
-- last_uid is the newest UID whose message is in the desk. A crash before
-- that fetches it again, and (mailbox, Message-ID) makes the second copy a
-- duplicate. A new UIDVALIDITY (the server renumbered the mailbox) starts
-- from UID 1 again, the duplicates found the same way.
CREATE TABLE mailboxes (
    name        TEXT    PRIMARY KEY,
    uidvalidity INTEGER NOT NULL DEFAULT 0,
    last_uid    INTEGER NOT NULL DEFAULT 0,
    polled_at   INTEGER,
    last_error  TEXT
);
