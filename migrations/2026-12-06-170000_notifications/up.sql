-- Where notifications go (issue 16). `secret` is the webhook's HMAC key, the
-- ntfy access token or the Gotify app token; it never leaves the service.
-- `events` is a JSON array of event names (`["*"]`: all of them).
-- `from_config`: declared in the settings file (`NOTIFY_TARGETS`), read-only
-- through the API and re-seeded at every start.
CREATE TABLE notification_targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT,
    apprise_key TEXT,
    events TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT 1,
    from_config BOOLEAN NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at BIGINT,
    last_sent_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Events waiting to be grouped into messages: written in the transaction
-- that makes them true, removed in the one that turns them into delivery
-- jobs (`worker_jobs`, worker `notify`).
CREATE TABLE notification_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX notification_events_by_event ON notification_events (event, id);
