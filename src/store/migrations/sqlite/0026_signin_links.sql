-- 0026_signin_links: a customer signs in to the portal by a link mailed
-- to them (issue 6). Only the SHA-256 of the link's secret is stored, as
-- for sessions; the secret itself lives in the mail alone (and in its
-- job's payload until the mail is sent or given up: see desk/auth.c).
-- A link works once (used_at) and only until expires_at. Requests for
-- links are counted in login_failures under 'link:' keys, so the one
-- throttle table bounds both guessing and mail bombing.
CREATE TABLE IF NOT EXISTS signin_links (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER,
    address      TEXT                         -- who asked for it
);
CREATE INDEX IF NOT EXISTS signin_links_user ON signin_links (user_id);
CREATE INDEX IF NOT EXISTS signin_links_expires ON signin_links (expires_at);
