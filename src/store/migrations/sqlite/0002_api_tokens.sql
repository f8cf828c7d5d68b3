-- 0002_api_tokens: tokens for the HTTP API (Authorization: Bearer).
-- Only a token's SHA-256 is stored; the token itself is shown once.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
