-- What the metadata, artwork and lyrics workers did to a completed
-- download's file. One row per download, created by the first of them.
-- Timestamps are Unix milliseconds (UTC).

CREATE TABLE download_artifacts (
    download_id BIGINT PRIMARY KEY NOT NULL REFERENCES downloads (id) ON DELETE CASCADE,
    -- The file the tags were written to, and the tags as read back from it
    -- (JSON, media::tags::TagSet): what GET …/metadata answers.
    metadata_path TEXT,
    tags TEXT,
    metadata_error TEXT,
    metadata_at BIGINT,
    -- The largest album image Spotify listed while tagging: a provider URL,
    -- never one from user input; saves the artwork worker a second call.
    spotify_image_url TEXT,
    -- The cover in the file: where it came from (spotify, coverartarchive,
    -- file = a good cover was already there) and its artwork_cache key.
    artwork_source TEXT,
    artwork_cache_key TEXT,
    artwork_mime TEXT,
    artwork_width INTEGER,
    artwork_height INTEGER,
    artwork_error TEXT,
    artwork_at BIGINT,
    -- The sidecar next to the audio file (.lrc when synced, .txt when plain).
    lyrics_path TEXT,
    lyrics_kind TEXT CHECK (lyrics_kind IN ('synced', 'plain')),
    lyrics_embedded BOOLEAN NOT NULL DEFAULT 0,
    lyrics_error TEXT,
    -- How many times a `not_found` has been looked up again.
    lyrics_rechecks INTEGER NOT NULL DEFAULT 0,
    lyrics_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- One cover per album in ARTWORK_DIR, shared by every track of the album.
CREATE TABLE artwork_cache (
    -- `spotify:<album id>` or `album:<normalised artist>/<normalised album>`.
    cache_key TEXT PRIMARY KEY NOT NULL,
    -- A file name inside ARTWORK_DIR (never a path).
    file_name TEXT NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    bytes BIGINT NOT NULL,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);
