-- 0003_sessions: browser sessions (a cookie) and the login throttle.
-- A session's cookie value is shown once; only its SHA-256 is stored. The
-- CSRF token is a per-session value the browser sends back in a header.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    secret_hash  TEXT    NOT NULL UNIQUE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One row per failed sign-in, per key ('user:EMAIL' and 'addr:ADDRESS').
CREATE TABLE login_failures (
    key        TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);
