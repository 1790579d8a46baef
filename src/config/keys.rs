//! Every configuration key: its default, whether it can be changed through
//! `PUT /api/v1/settings`, and whether it is a secret. `config/default.toml`
//! documents the same keys (a test keeps the two in step).

/// How a key may be changed at runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settable {
    /// Only through files and the environment.
    No,
    /// Through the settings API; applies to work that starts afterwards.
    Live,
    /// Through the settings API; applies at the next start.
    Restart,
}

#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub name: &'static str,
    /// The default as text, as it would be written in a file. An empty default
    /// means "unset" (some keys derive their value from others then).
    pub default: &'static str,
    pub settable: Settable,
    pub secret: bool,
}

const fn key(name: &'static str, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        default,
        settable: Settable::No,
        secret: false,
    }
}

const fn live(name: &'static str, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        default,
        settable: Settable::Live,
        secret: false,
    }
}

const fn restart(name: &'static str, default: &'static str) -> KeySpec {
    KeySpec {
        name,
        default,
        settable: Settable::Restart,
        secret: false,
    }
}

const fn live_secret(name: &'static str) -> KeySpec {
    KeySpec {
        name,
        default: "",
        settable: Settable::Live,
        secret: true,
    }
}

pub const KEYS: &[KeySpec] = &[
    key("HARMONY_BIND", "127.0.0.1:8080"),
    key("HARMONY_DATA_DIR", "./data"),
    key("DATABASE_URL", ""),
    KeySpec {
        name: "HARMONY_API_KEYS",
        default: "",
        settable: Settable::No,
        secret: true,
    },
    key("HARMONY_AUTH_DISABLED", "false"),
    key("HARMONY_LOG_LEVEL", "info"),
    key("HARMONY_LOG_FORMAT", "text"),
    key("HARMONY_DISABLE_WORKERS", "false"),
    key("HARMONY_HTTP_WORKERS", "1"),
    restart("ENABLE_ARTWORK", "false"),
    restart("ENABLE_LYRICS", "false"),
    key("SHUTDOWN_GRACE_SEC", "10"),
    live("SLSKD_URL", "http://localhost:5030"),
    live_secret("SLSKD_API_KEY"),
    live("SLSKD_DOWNLOADS_DIR", "./downloads"),
    live("MUSIC_DIR", "./music"),
    key("ARTWORK_DIR", ""),
    live("SPOTIFY_CLIENT_ID", ""),
    live_secret("SPOTIFY_CLIENT_SECRET"),
    live("SPOTIFY_REDIRECT_URI", ""),
    key("SPOTIFY_API_URL", "https://api.spotify.com/v1"),
    key("SPOTIFY_ACCOUNTS_URL", "https://accounts.spotify.com"),
    key("LRCLIB_URL", "https://lrclib.net"),
    key("MUSICBRAINZ_URL", "https://musicbrainz.org"),
    key("COVERART_URL", "https://coverartarchive.org"),
    live("SYNC_WORKER_CONCURRENCY", "2"),
    key("SYNC_POLL_INTERVAL_SEC", "2"),
    key("SYNC_IDLE_POLL_INTERVAL_SEC", "15"),
    live("RETRY_MAX_ATTEMPTS", "10"),
    live("RETRY_BASE_SECONDS", "60"),
    live("RETRY_JITTER_PCT", "0.2"),
    key("RETRY_SCAN_INTERVAL_SEC", "60"),
    key("RETRY_SCAN_BATCH_LIMIT", "100"),
    key("WORKER_HEARTBEAT_SEC", "10"),
    key("WORKER_STALE_AFTER_SEC", "60"),
    key("WORKER_RESTART_BASE_SEC", "1"),
    key("WORKER_RESTART_MAX_SEC", "60"),
    key("SEARCH_MAX_PER_WINDOW", "34"),
    key("SEARCH_WINDOW_SEC", "220"),
    key("SEARCH_TIMEOUT_MS", "15000"),
    key("SEARCH_MAX_CONCURRENT", "2"),
    live("SEARCH_RETRY_SCHEDULE", "1h,6h,1d,3d,7d,30d"),
    live("MATCH_MIN_SCORE", "0.7"),
    live("MATCH_DURATION_TOLERANCE_SEC", "5"),
    live("MATCH_PREFERRED_FORMATS", "flac,mp3"),
    live("MATCH_MIN_BITRATE", "192"),
    live("PLAYLIST_SYNC_INTERVAL", "900"),
    live("WATCHLIST_INTERVAL", "86400"),
    key("ARTWORK_MIN_EDGE", "600"),
    key("ARTWORK_MIN_BYTES", "150000"),
    key("ARTWORK_MAX_BYTES", "10485760"),
    key("ARTWORK_HTTP_TIMEOUT", "15"),
    live("ARTWORK_FALLBACK_ENABLED", "true"),
    live("TAG_ID3_VERSION", "2.4"),
    key("INGEST_MAX_PENDING_JOBS", "100"),
    key("BACKFILL_MAX_ITEMS", "2000"),
    key("BACKFILL_CACHE_TTL_SEC", "604800"),
    key("NOTIFY_BATCH_SEC", "60"),
    key("NOTIFY_OUTAGE_AFTER_SEC", "600"),
    key("NOTIFY_TIMEOUT_SEC", "10"),
    key("NOTIFY_RETRY_BASE_SEC", "5"),
    key("NOTIFY_RETRY_MAX_SEC", "600"),
    KeySpec {
        name: "NOTIFY_TARGETS",
        default: "",
        settable: Settable::No,
        secret: true,
    },
    live("LIBRARY_EXTRA_DIRS", ""),
    live("LIBRARY_SCAN_INTERVAL", "21600"),
    live("PLAYLISTS_DIR", ""),
    live("WRITE_PLAYLISTS", "true"),
    live("MEDIA_SERVER_DEBOUNCE_SEC", "60"),
    live("NAVIDROME_URL", ""),
    live("NAVIDROME_USER", ""),
    live_secret("NAVIDROME_PASSWORD"),
    live("JELLYFIN_URL", ""),
    live_secret("JELLYFIN_API_KEY"),
    live("PLEX_URL", ""),
    live_secret("PLEX_TOKEN"),
];

pub fn find(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name.eq_ignore_ascii_case(name))
}

pub fn settable() -> impl Iterator<Item = &'static KeySpec> {
    KEYS.iter().filter(|k| k.settable != Settable::No)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_upper_case() {
        let mut names: Vec<_> = KEYS.iter().map(|k| k.name).collect();
        assert!(names.iter().all(|n| n
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), KEYS.len());
    }

    #[test]
    fn find_is_case_insensitive() {
        assert_eq!(find("slskd_url").map(|k| k.name), Some("SLSKD_URL"));
        assert!(find("NOPE").is_none());
    }
}
