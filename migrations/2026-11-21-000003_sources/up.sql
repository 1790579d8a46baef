-- Where wanted tracks come from: Spotify (playlists, liked songs, watched
-- artists), imports and their Spotify backfill. Timestamps are Unix milliseconds (UTC).

-- The one authorized Spotify account. Tokens never leave this table through the API.
CREATE TABLE spotify_account (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    expires_at BIGINT NOT NULL,
    scope TEXT,
    -- Set after a refused refresh: the user must authorize again.
    revoked BOOLEAN NOT NULL DEFAULT 0,
    user_id TEXT,
    display_name TEXT,
    updated_at BIGINT NOT NULL
);

-- Authorizations started and not yet completed: `state` → PKCE verifier.
CREATE TABLE spotify_auth_requests (
    state TEXT PRIMARY KEY NOT NULL,
    code_verifier TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The user's playlists as last seen; `liked` stands for the saved tracks.
CREATE TABLE spotify_playlists (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    owner TEXT,
    track_count INTEGER NOT NULL DEFAULT 0,
    snapshot_id TEXT,
    -- Listing order on Spotify.
    position INTEGER NOT NULL DEFAULT 0,
    sync BOOLEAN NOT NULL DEFAULT 0,
    -- The snapshot whose tracks are all wanted; equal to snapshot_id → nothing to fetch.
    synced_snapshot_id TEXT,
    last_synced_at BIGINT,
    -- Spotify refuses the items (editorial playlists: 404) for this snapshot.
    unavailable_snapshot_id TEXT,
    last_error TEXT,
    -- No longer in the user's list (kept: its wanted tracks and files stay).
    removed BOOLEAN NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Tracks already taken from a playlist: only new ones become wanted.
CREATE TABLE spotify_playlist_tracks (
    playlist_id TEXT NOT NULL REFERENCES spotify_playlists (id) ON DELETE CASCADE,
    spotify_track_id TEXT NOT NULL,
    wanted_id BIGINT REFERENCES wanted_tracks (id) ON DELETE SET NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (playlist_id, spotify_track_id)
);

CREATE TABLE watchlist_artists (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    spotify_artist_id TEXT NOT NULL UNIQUE,
    name TEXT,
    -- Releases dated on or after this day count; advanced only by a successful check.
    last_checked BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL
);

-- Releases of a watched artist already turned into wanted tracks.
CREATE TABLE watchlist_releases (
    watch_id BIGINT NOT NULL REFERENCES watchlist_artists (id) ON DELETE CASCADE,
    spotify_album_id TEXT NOT NULL,
    name TEXT NOT NULL,
    release_date TEXT NOT NULL,
    tracks INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (watch_id, spotify_album_id)
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    accepted_tracks INTEGER NOT NULL,
    accepted_links INTEGER NOT NULL,
    -- JSON array of {input, reason}; skipped_total counts beyond the list.
    skipped TEXT NOT NULL DEFAULT '[]',
    skipped_total INTEGER NOT NULL DEFAULT 0,
    -- Set once none of its wanted tracks can change any more.
    finished_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX imports_unfinished ON imports (id) WHERE finished_at IS NULL;

-- The wanted tracks an import asked for (new or already wanted).
CREATE TABLE import_items (
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    wanted_id BIGINT NOT NULL REFERENCES wanted_tracks (id) ON DELETE CASCADE,
    PRIMARY KEY (import_id, wanted_id)
);
CREATE INDEX import_items_by_wanted ON import_items (wanted_id);

-- Spotify playlist links of an import, expanded by a backfill.
CREATE TABLE import_links (
    import_id BIGINT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    playlist_id TEXT NOT NULL,
    url TEXT NOT NULL,
    expanded_at BIGINT,
    last_error TEXT,
    PRIMARY KEY (import_id, playlist_id)
);

CREATE TABLE backfills (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'completed', 'failed')),
    max_items INTEGER NOT NULL,
    expand_playlists BOOLEAN NOT NULL DEFAULT 0,
    -- Wanted tracks with an id at or below this one are done (resume point after a crash).
    cursor BIGINT NOT NULL DEFAULT 0,
    processed INTEGER NOT NULL DEFAULT 0,
    matched INTEGER NOT NULL DEFAULT 0,
    cache_hits INTEGER NOT NULL DEFAULT 0,
    expanded_playlists INTEGER NOT NULL DEFAULT 0,
    expanded_tracks INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Spotify lookups by normalised artist|title|album; a row without a track id is "no match".
CREATE TABLE spotify_lookups (
    key TEXT PRIMARY KEY NOT NULL,
    spotify_track_id TEXT,
    track TEXT,
    looked_up_at BIGINT NOT NULL
);
