-- Signed-in browsers of the web UI: the SHA-256 of each session's token
-- (the token itself lives only in the browser's cookie).
CREATE TABLE ui_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX ui_sessions_expires ON ui_sessions (expires_at);
