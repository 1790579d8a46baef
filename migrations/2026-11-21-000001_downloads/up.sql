-- Downloads: one file from one Soulseek user, fetched through slskd.
-- Timestamps are Unix milliseconds (UTC).

CREATE TABLE downloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'downloading', 'completed', 'failed', 'dead_letter', 'cancelled')),
    progress DOUBLE NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
    username TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT NOT NULL,
    bytes_transferred BIGINT NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0,
    retry_count INTEGER NOT NULL DEFAULT 0,
    next_retry_at BIGINT,
    last_error TEXT,
    -- The track this file is meant to be (JSON object, see domain::track).
    track TEXT NOT NULL DEFAULT '{}',
    spotify_track_id TEXT,
    wanted_id BIGINT,
    -- slskd's transfer GUID of the current attempt, once known.
    slskd_id TEXT,
    -- When the current attempt was handed to slskd (NULL: not yet submitted).
    submitted_at BIGINT,
    -- slskd reported success; the file is being moved into the library.
    transfer_done_at BIGINT,
    -- The library path chosen before the move, so a crash mid-move resumes it.
    organize_target TEXT,
    organized_path TEXT,
    metadata_status TEXT NOT NULL DEFAULT 'pending',
    artwork_status TEXT NOT NULL DEFAULT 'disabled',
    lyrics_status TEXT NOT NULL DEFAULT 'disabled',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX downloads_by_state ON downloads (state, id);
CREATE INDEX downloads_retry_due ON downloads (state, next_retry_at) WHERE state = 'failed';
CREATE INDEX downloads_spotify_track ON downloads (spotify_track_id) WHERE spotify_track_id IS NOT NULL;
-- One active download per Soulseek file.
CREATE UNIQUE INDEX downloads_active_file ON downloads (username, filename)
    WHERE state IN ('queued', 'downloading');
-- Lookups by file with the states as bound parameters cannot use the
-- partial index above; this one keeps them from scanning every active row.
CREATE INDEX downloads_by_file ON downloads (username, filename);
-- Same for the job queue's dedupe check.
CREATE INDEX worker_jobs_by_dedupe ON worker_jobs (worker, dedupe_key);

CREATE TABLE download_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    download_id BIGINT NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    type TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX download_events_by_download ON download_events (download_id, id);
