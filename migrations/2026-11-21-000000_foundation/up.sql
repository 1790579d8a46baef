-- Foundation: settings (+ history), the persistent job queue, activity events.
-- Timestamps are Unix milliseconds (UTC).

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE settings_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    key TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    changed_at BIGINT NOT NULL
);

CREATE TABLE activity_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX activity_events_by_type ON activity_events (type, id);

-- Every unit of background work is a row before it is a message.
CREATE TABLE worker_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    worker TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    dedupe_key TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    run_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX worker_jobs_claim ON worker_jobs (worker, state, priority DESC, run_at, id);
-- At most one unfinished job per (worker, dedupe_key).
CREATE UNIQUE INDEX worker_jobs_active_dedupe ON worker_jobs (worker, dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('queued', 'running');
