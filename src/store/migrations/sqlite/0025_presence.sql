-- 0025_presence: who is on a ticket now (issue 6: collision detection).
-- One row per staff member and ticket, changed in place as they view it,
-- type on it, or leave; seq orders every change desk-wide, so that every
-- champion serve sharing the desk follows the changes from the last seq
-- it saw (as it follows events from the last id), whichever process wrote
-- them. A row's at says when it was last confirmed: a viewer who vanished
-- without leaving fades out when at grows old. Rows are not history: old
-- ones are deleted, but never the one with the largest seq, so that a
-- seq is never handed out twice. (IF NOT EXISTS: applied again, it changes nothing.)
CREATE TABLE IF NOT EXISTS presence (
    ticket_id INTEGER NOT NULL,
    user_id   INTEGER NOT NULL REFERENCES users (id),
    state     TEXT    NOT NULL CHECK (state = 'viewing' OR state = 'typing' OR state = 'left'),
    seq       INTEGER NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS presence_seq ON presence (seq);
