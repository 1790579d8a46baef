-- Wanted tracks: music the user wants, found on Soulseek by the matching worker.
-- Timestamps are Unix milliseconds (UTC).

CREATE TABLE wanted_tracks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'searching', 'downloading', 'completed', 'not_found', 'failed', 'cancelled')),
    artist TEXT NOT NULL,
    title TEXT NOT NULL,
    album TEXT,
    duration_ms BIGINT,
    isrc TEXT,
    spotify_track_id TEXT,
    track_number INTEGER,
    disc_number INTEGER,
    priority INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'api',
    -- Everything known about the track (JSON, see domain::track), handed to its download.
    track TEXT NOT NULL DEFAULT '{}',
    -- Normalised artist + title + album (NFKC, case-folded, spaces collapsed) for dedupe.
    dedupe_key TEXT NOT NULL,
    search_count INTEGER NOT NULL DEFAULT 0,
    next_search_at BIGINT,
    last_searched_at BIGINT,
    last_error TEXT,
    download_id BIGINT REFERENCES downloads (id),
    match_username TEXT,
    match_filename TEXT,
    match_score DOUBLE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX wanted_by_state ON wanted_tracks (state, id);
CREATE INDEX wanted_by_key ON wanted_tracks (dedupe_key);
CREATE INDEX wanted_by_spotify_track ON wanted_tracks (spotify_track_id) WHERE spotify_track_id IS NOT NULL;
CREATE INDEX wanted_by_download ON wanted_tracks (download_id) WHERE download_id IS NOT NULL;

-- The last search's candidates of a wanted track, in the engine's order.
CREATE TABLE wanted_candidates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    wanted_id BIGINT NOT NULL REFERENCES wanted_tracks (id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    username TEXT NOT NULL,
    filename TEXT NOT NULL,
    size BIGINT,
    extension TEXT,
    bitrate INTEGER,
    sample_rate INTEGER,
    bit_depth INTEGER,
    length INTEGER,
    has_free_upload_slot BOOLEAN,
    queue_length BIGINT,
    upload_speed BIGINT,
    locked BOOLEAN NOT NULL DEFAULT 0,
    score DOUBLE NOT NULL,
    accepted BOOLEAN NOT NULL,
    -- JSON array of refusal names, JSON object of score components.
    rejected_by TEXT NOT NULL DEFAULT '[]',
    components TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX wanted_candidates_by_wanted ON wanted_candidates (wanted_id, rank);

-- Files never to choose again for a track: rejected by the user, or failed to transfer.
CREATE TABLE wanted_rejections (
    wanted_id BIGINT NOT NULL REFERENCES wanted_tracks (id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    filename TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('user_rejected', 'transfer_failed')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (wanted_id, username, filename)
);

-- Soulseek users seen failing (refused enqueue, failed transfer): ranked lower for a while.
CREATE TABLE peer_failures (
    username TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_failed_at BIGINT NOT NULL
);

-- What a download is, normalised like wanted tracks, so "already in the library" is one lookup.
ALTER TABLE downloads ADD COLUMN track_key TEXT;
ALTER TABLE downloads ADD COLUMN album_key TEXT;
CREATE INDEX downloads_by_track_key ON downloads (track_key) WHERE track_key IS NOT NULL;
