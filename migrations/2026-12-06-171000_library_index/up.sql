-- The library index (issue 15): every audio file under MUSIC_DIR and the
-- extra roots, with its tags and properties. `size` + `mtime_ms` decide
-- whether a file is read again; a file that could not be read keeps its row
-- with `error` set (so it is not retried until it changes) and counts as
-- unreadable, never as a track.
CREATE TABLE library_files (
    id INTEGER PRIMARY KEY NOT NULL,
    path TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL,
    size BIGINT NOT NULL,
    mtime_ms BIGINT NOT NULL,
    error TEXT,
    format TEXT,
    artist TEXT,
    album_artist TEXT,
    album TEXT,
    title TEXT,
    track_number INTEGER,
    disc_number INTEGER,
    duration_ms BIGINT,
    isrc TEXT,
    musicbrainz_recording_id TEXT,
    musicbrainz_release_id TEXT,
    spotify_track_id TEXT,
    spotify_album_id TEXT,
    bitrate INTEGER,
    sample_rate INTEGER,
    bit_depth INTEGER,
    -- Normalised artist + title (domain::wanted::track_key), for "already in the library".
    track_key TEXT,
    indexed_at BIGINT NOT NULL
);
CREATE INDEX library_files_isrc ON library_files (isrc) WHERE isrc IS NOT NULL;
CREATE INDEX library_files_spotify ON library_files (spotify_track_id) WHERE spotify_track_id IS NOT NULL;
CREATE INDEX library_files_track_key ON library_files (track_key) WHERE track_key IS NOT NULL;

-- One row per scan: its counters and, once finished, the library's
-- statistics at that time (the seeds' ScanWorker kept these).
CREATE TABLE library_scans (
    id INTEGER PRIMARY KEY NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    files_seen BIGINT NOT NULL DEFAULT 0,
    files_read BIGINT NOT NULL DEFAULT 0,
    files_skipped BIGINT NOT NULL DEFAULT 0,
    files_unreadable BIGINT NOT NULL DEFAULT 0,
    files_removed BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    -- JSON of domain::library::LibraryStats when finished.
    stats TEXT
);

-- Where a wanted track found in the index points.
ALTER TABLE wanted_tracks ADD COLUMN library_path TEXT;

-- A synced playlist's order on Spotify (0-based), for its .m3u8 file; NULL
-- for tracks no longer in the playlist (they are kept, never deleted).
ALTER TABLE spotify_playlist_tracks ADD COLUMN spotify_position INTEGER;
