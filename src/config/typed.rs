//! The typed configuration and the validation of every key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tracing_subscriber::EnvFilter;

use super::error::ConfigError;
use super::raw::RawConfig;
use crate::domain::searches::retry_schedule::parse_delays;
use crate::domain::secret::{Secret, MASK};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything Harmony can be configured with. Secrets are [`Secret`]s, so
/// `Debug` never shows them.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// Path of the SQLite file.
    pub database_path: PathBuf,
    pub api_keys: Vec<Secret>,
    pub auth_disabled: bool,
    pub log_level: String,
    pub log_format: LogFormat,
    pub disable_workers: bool,
    pub http_workers: usize,
    pub enable_artwork: bool,
    pub enable_lyrics: bool,
    pub shutdown_grace: Duration,
    /// Empty when slskd is not configured.
    pub slskd_url: String,
    pub slskd_api_key: Secret,
    pub slskd_downloads_dir: PathBuf,
    pub music_dir: PathBuf,
    pub artwork_dir: PathBuf,
    pub spotify_client_id: String,
    pub spotify_client_secret: Secret,
    pub spotify_redirect_uri: String,
    pub spotify_api_url: String,
    pub spotify_accounts_url: String,
    pub lrclib_url: String,
    pub musicbrainz_url: String,
    pub coverart_url: String,
    pub sync_worker_concurrency: usize,
    pub sync_poll_interval: Duration,
    pub sync_idle_poll_interval: Duration,
    pub retry_max_attempts: u32,
    pub retry_base_seconds: f64,
    pub retry_jitter_pct: f64,
    pub retry_scan_interval: Duration,
    pub retry_scan_batch_limit: u32,
    pub worker_heartbeat: Duration,
    pub worker_stale_after: Duration,
    pub worker_restart_base: Duration,
    pub worker_restart_max: Duration,
    pub search_max_per_window: u32,
    pub search_window: Duration,
    pub search_timeout_ms: u64,
    /// Soulseek searches running at once (creation until slskd completes it).
    pub search_max_concurrent: u32,
    pub search_retry_schedule: Vec<Duration>,
    pub match_min_score: f64,
    pub match_duration_tolerance_sec: f64,
    pub match_preferred_formats: Vec<String>,
    pub match_min_bitrate: u32,
    pub playlist_sync_interval: Duration,
    pub watchlist_interval: Duration,
    pub artwork_min_edge: u32,
    pub artwork_min_bytes: u64,
    pub artwork_max_bytes: u64,
    pub artwork_http_timeout: Duration,
    pub artwork_fallback_enabled: bool,
    /// `TAG_ID3_VERSION` = 2.3: MP3 tags for players that read nothing newer.
    pub id3_v23: bool,
    pub ingest_max_pending_jobs: u32,
    pub backfill_max_items: u32,
    pub backfill_cache_ttl: Duration,
    /// Events of one kind within this window become one message.
    pub notify_batch: Duration,
    /// slskd unreachable this long is told.
    pub notify_outage_after: Duration,
    /// Per delivery attempt.
    pub notify_timeout: Duration,
    pub notify_retry_base: Duration,
    pub notify_retry_max: Duration,
    /// Targets declared in the settings file (`NOTIFY_TARGETS`).
    pub notify_targets: Vec<crate::domain::notify::target::ValidTarget>,
    /// Read-only library folders besides `music_dir`.
    pub library_extra_dirs: Vec<PathBuf>,
    pub library_scan_interval: Duration,
    /// Where `.m3u8` playlists go: `PLAYLISTS_DIR`, else `<MUSIC_DIR>/Playlists`.
    pub playlists_dir: PathBuf,
    pub write_playlists: bool,
    pub media_server_debounce: Duration,
    /// Empty when not configured.
    pub navidrome_url: String,
    pub navidrome_user: String,
    pub navidrome_password: Secret,
    pub jellyfin_url: String,
    pub jellyfin_api_key: Secret,
    pub plex_url: String,
    pub plex_token: Secret,
}

impl Config {
    pub fn from_raw(raw: &RawConfig) -> Result<Config, ConfigError> {
        let r = Reader { raw };
        let data_dir = r.path("HARMONY_DATA_DIR")?;
        let database_path = match r.text("DATABASE_URL") {
            url if url.is_empty() => data_dir.join("harmony.db"),
            url => database_path_from_url(&url)
                .ok_or_else(|| r.invalid("DATABASE_URL", "sqlite://<path> or a plain file path"))?,
        };
        let artwork_dir = match r.text("ARTWORK_DIR") {
            dir if dir.is_empty() => data_dir.join("artwork"),
            dir => PathBuf::from(dir),
        };
        let heartbeat = r.secs("WORKER_HEARTBEAT_SEC", 0.001)?;
        let stale_after = r.secs("WORKER_STALE_AFTER_SEC", 0.001)?;
        Ok(Config {
            bind: r.parse("HARMONY_BIND", "an address such as 127.0.0.1:8080", |s| {
                s.parse().ok()
            })?,
            data_dir,
            database_path,
            api_keys: r
                .text("HARMONY_API_KEYS")
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(Secret::new)
                .collect(),
            auth_disabled: r.bool("HARMONY_AUTH_DISABLED")?,
            log_level: r.parse(
                "HARMONY_LOG_LEVEL",
                "error, warn, info, debug, trace or a tracing filter directive",
                |s| EnvFilter::builder().parse(s).ok().map(|_| s.to_string()),
            )?,
            log_format: r.parse("HARMONY_LOG_FORMAT", "text or json", |s| {
                match s.to_ascii_lowercase().as_str() {
                    "text" => Some(LogFormat::Text),
                    "json" => Some(LogFormat::Json),
                    _ => None,
                }
            })?,
            disable_workers: r.bool("HARMONY_DISABLE_WORKERS")?,
            http_workers: r.uint("HARMONY_HTTP_WORKERS", 1, 64)? as usize,
            enable_artwork: r.bool("ENABLE_ARTWORK")?,
            enable_lyrics: r.bool("ENABLE_LYRICS")?,
            shutdown_grace: r.secs("SHUTDOWN_GRACE_SEC", 0.0)?,
            slskd_url: r.url("SLSKD_URL", true)?,
            slskd_api_key: Secret::new(r.text("SLSKD_API_KEY")),
            slskd_downloads_dir: r.path("SLSKD_DOWNLOADS_DIR")?,
            music_dir: r.path("MUSIC_DIR")?,
            artwork_dir,
            spotify_client_id: r.text("SPOTIFY_CLIENT_ID"),
            spotify_client_secret: Secret::new(r.text("SPOTIFY_CLIENT_SECRET")),
            spotify_redirect_uri: r.url("SPOTIFY_REDIRECT_URI", true)?,
            spotify_api_url: r.url("SPOTIFY_API_URL", false)?,
            spotify_accounts_url: r.url("SPOTIFY_ACCOUNTS_URL", false)?,
            lrclib_url: r.url("LRCLIB_URL", false)?,
            musicbrainz_url: r.url("MUSICBRAINZ_URL", false)?,
            coverart_url: r.url("COVERART_URL", false)?,
            sync_worker_concurrency: r.uint("SYNC_WORKER_CONCURRENCY", 1, 64)? as usize,
            sync_poll_interval: r.secs("SYNC_POLL_INTERVAL_SEC", 0.001)?,
            sync_idle_poll_interval: r.secs("SYNC_IDLE_POLL_INTERVAL_SEC", 0.001)?,
            retry_max_attempts: r.uint("RETRY_MAX_ATTEMPTS", 0, 1000)? as u32,
            retry_base_seconds: r.float("RETRY_BASE_SECONDS", 0.0, f64::MAX)?,
            retry_jitter_pct: r.float("RETRY_JITTER_PCT", 0.0, 1.0)?,
            retry_scan_interval: r.secs("RETRY_SCAN_INTERVAL_SEC", 0.001)?,
            retry_scan_batch_limit: r.uint("RETRY_SCAN_BATCH_LIMIT", 1, 100_000)? as u32,
            worker_heartbeat: heartbeat,
            worker_stale_after: stale_after,
            worker_restart_base: r.secs("WORKER_RESTART_BASE_SEC", 0.001)?,
            worker_restart_max: r.secs("WORKER_RESTART_MAX_SEC", 0.001)?,
            search_max_per_window: r.uint("SEARCH_MAX_PER_WINDOW", 1, 10_000)? as u32,
            search_window: r.secs("SEARCH_WINDOW_SEC", 0.001)?,
            search_timeout_ms: r.uint("SEARCH_TIMEOUT_MS", 1, 3_600_000)?,
            search_max_concurrent: r.uint("SEARCH_MAX_CONCURRENT", 1, 1_000)? as u32,
            search_retry_schedule: r.parse(
                "SEARCH_RETRY_SCHEDULE",
                "comma-separated delays with unit s, m, h or d (e.g. 1h,6h,1d)",
                parse_delays,
            )?,
            match_min_score: r.float("MATCH_MIN_SCORE", 0.0, 1.0)?,
            match_duration_tolerance_sec: r.float("MATCH_DURATION_TOLERANCE_SEC", 0.0, 3600.0)?,
            match_preferred_formats: r.parse(
                "MATCH_PREFERRED_FORMATS",
                "comma-separated file extensions such as flac,mp3",
                parse_formats,
            )?,
            match_min_bitrate: r.uint("MATCH_MIN_BITRATE", 0, 100_000)? as u32,
            playlist_sync_interval: r.secs("PLAYLIST_SYNC_INTERVAL", 1.0)?,
            watchlist_interval: r.secs("WATCHLIST_INTERVAL", 60.0)?,
            artwork_min_edge: r.uint("ARTWORK_MIN_EDGE", 0, 100_000)? as u32,
            artwork_min_bytes: r.uint("ARTWORK_MIN_BYTES", 0, u64::MAX)?,
            artwork_max_bytes: r.uint("ARTWORK_MAX_BYTES", 1, u64::MAX)?,
            artwork_http_timeout: r.secs("ARTWORK_HTTP_TIMEOUT", 0.001)?,
            artwork_fallback_enabled: r.bool("ARTWORK_FALLBACK_ENABLED")?,
            id3_v23: r.parse("TAG_ID3_VERSION", "2.4 or 2.3", |s| {
                match s.trim().trim_start_matches(['v', 'V']) {
                    "2.4" => Some(false),
                    "2.3" => Some(true),
                    _ => None,
                }
            })?,
            ingest_max_pending_jobs: r.uint("INGEST_MAX_PENDING_JOBS", 1, 1_000_000)? as u32,
            backfill_max_items: r.uint("BACKFILL_MAX_ITEMS", 1, 10_000)? as u32,
            backfill_cache_ttl: r.secs("BACKFILL_CACHE_TTL_SEC", 0.0)?,
            notify_batch: r.secs("NOTIFY_BATCH_SEC", 0.0)?,
            notify_outage_after: r.secs("NOTIFY_OUTAGE_AFTER_SEC", 0.0)?,
            notify_timeout: r.secs("NOTIFY_TIMEOUT_SEC", 0.001)?,
            notify_retry_base: r.secs("NOTIFY_RETRY_BASE_SEC", 0.001)?,
            notify_retry_max: r.secs("NOTIFY_RETRY_MAX_SEC", 0.001)?,
            notify_targets: {
                let text = r.text("NOTIFY_TARGETS");
                crate::domain::notify::target::parse_declared(&text).map_err(|why| {
                    r.invalid(
                        "NOTIFY_TARGETS",
                        &format!("a JSON array of targets ({why})"),
                    )
                })?
            },
            library_extra_dirs: r.parse(
                "LIBRARY_EXTRA_DIRS",
                "comma-separated directory paths",
                |s| {
                    Some(
                        s.split(',')
                            .map(str::trim)
                            .filter(|d| !d.is_empty())
                            .map(PathBuf::from)
                            .collect(),
                    )
                    .filter(|dirs: &Vec<PathBuf>| {
                        dirs.iter()
                            .all(|d| !d.as_os_str().to_string_lossy().contains('\0'))
                    })
                },
            )?,
            library_scan_interval: r.secs("LIBRARY_SCAN_INTERVAL", 60.0)?,
            playlists_dir: match r.text("PLAYLISTS_DIR") {
                dir if dir.is_empty() => r.path("MUSIC_DIR")?.join("Playlists"),
                _ => r.path("PLAYLISTS_DIR")?,
            },
            write_playlists: r.bool("WRITE_PLAYLISTS")?,
            media_server_debounce: r.secs("MEDIA_SERVER_DEBOUNCE_SEC", 0.0)?,
            navidrome_url: r.url("NAVIDROME_URL", true)?,
            navidrome_user: r.text("NAVIDROME_USER"),
            navidrome_password: Secret::new(r.text("NAVIDROME_PASSWORD")),
            jellyfin_url: r.url("JELLYFIN_URL", true)?,
            jellyfin_api_key: Secret::new(r.text("JELLYFIN_API_KEY")),
            plex_url: r.url("PLEX_URL", true)?,
            plex_token: Secret::new(r.text("PLEX_TOKEN")),
        })
    }

    /// API keys are configured: every request but the health checks needs one.
    pub fn auth_required(&self) -> bool {
        !self.api_keys.is_empty()
    }

    /// Without API keys only a loopback address may be bound, unless the
    /// operator explicitly trusts the network.
    pub fn check_bind_is_safe(&self) -> Result<(), ConfigError> {
        if self.api_keys.is_empty() && !self.auth_disabled && !self.bind.ip().is_loopback() {
            return Err(ConfigError::Unsafe(format!(
                "HARMONY_BIND = {} is not a loopback address and HARMONY_API_KEYS is empty; \
                 set HARMONY_API_KEYS, bind 127.0.0.1, or set HARMONY_AUTH_DISABLED=1 on a trusted network",
                self.bind
            )));
        }
        Ok(())
    }
}

struct Reader<'a> {
    raw: &'a RawConfig,
}

impl Reader<'_> {
    fn text(&self, key: &str) -> String {
        self.raw.get(key).trim().to_string()
    }

    fn invalid(&self, key: &str, expected: &str) -> ConfigError {
        let secret = super::keys::find(key).is_some_and(|k| k.secret);
        ConfigError::Invalid {
            key: key.to_string(),
            value: if secret {
                MASK.to_string()
            } else {
                self.raw.get(key).to_string()
            },
            origin: self.raw.source(key).to_string(),
            expected: expected.to_string(),
        }
    }

    fn parse<T>(
        &self,
        key: &str,
        expected: &str,
        f: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, ConfigError> {
        f(&self.text(key)).ok_or_else(|| self.invalid(key, expected))
    }

    fn bool(&self, key: &str) -> Result<bool, ConfigError> {
        self.parse(
            key,
            "a boolean (1/0, true/false, yes/no, on/off)",
            |s| match s.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Some(true),
                "0" | "false" | "no" | "off" | "" => Some(false),
                _ => None,
            },
        )
    }

    fn uint(&self, key: &str, min: u64, max: u64) -> Result<u64, ConfigError> {
        let expected = if max == u64::MAX {
            format!("a whole number ≥ {min}")
        } else {
            format!("a whole number from {min} to {max}")
        };
        self.parse(key, &expected, |s| {
            s.parse::<u64>().ok().filter(|n| (min..=max).contains(n))
        })
    }

    fn float(&self, key: &str, min: f64, max: f64) -> Result<f64, ConfigError> {
        let expected = if max == f64::MAX {
            format!("a number ≥ {min}")
        } else {
            format!("a number from {min} to {max}")
        };
        self.parse(key, &expected, |s| {
            s.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= min && *n <= max)
        })
    }

    /// Seconds as a decimal number, at least `min`.
    fn secs(&self, key: &str, min: f64) -> Result<Duration, ConfigError> {
        let expected = if min > 0.0 {
            format!("a number of seconds ≥ {min}")
        } else {
            "a number of seconds ≥ 0".to_string()
        };
        self.parse(key, &expected, |s| {
            s.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= min)
                .and_then(|n| Duration::try_from_secs_f64(n).ok())
        })
    }

    fn path(&self, key: &str) -> Result<PathBuf, ConfigError> {
        self.parse(key, "a directory path", |s| {
            (!s.is_empty() && !s.contains('\0')).then(|| PathBuf::from(s))
        })
    }

    /// An http(s) URL without a trailing slash; empty allowed where the
    /// integration can be left unconfigured.
    fn url(&self, key: &str, allow_empty: bool) -> Result<String, ConfigError> {
        let expected = if allow_empty {
            "an http(s) URL or empty"
        } else {
            "an http(s) URL"
        };
        self.parse(key, expected, |s| {
            if s.is_empty() {
                return allow_empty.then(String::new);
            }
            is_http_url(s).then(|| s.trim_end_matches('/').to_string())
        })
    }
}

fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"));
    match rest {
        Some(rest) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            !host.is_empty() && !host.starts_with(':') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn parse_formats(s: &str) -> Option<Vec<String>> {
    let formats: Vec<String> = s
        .split(',')
        .map(|f| f.trim().trim_start_matches('.').to_ascii_lowercase())
        .collect();
    let valid = formats
        .iter()
        .all(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric()));
    (valid && !formats.is_empty()).then_some(formats)
}

fn database_path_from_url(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    (!path.is_empty() && !path.contains("://")).then(|| PathBuf::from(path))
}

impl Config {
    /// How failed downloads are retried (`api.md` §3 "Retries").
    pub fn retry_policy(&self) -> crate::domain::downloads::state::RetryPolicy {
        crate::domain::downloads::state::RetryPolicy {
            max_attempts: self.retry_max_attempts,
            base: Duration::try_from_secs_f64(self.retry_base_seconds).unwrap_or(Duration::ZERO),
            jitter: self.retry_jitter_pct,
        }
    }

    /// The matching engine's defaults (`MATCH_*`).
    pub fn match_preferences(&self) -> crate::domain::matching::Preferences {
        crate::domain::matching::Preferences {
            formats: self.match_preferred_formats.clone(),
            min_bitrate: self.match_min_bitrate,
            duration_tolerance_sec: self.match_duration_tolerance_sec,
            min_score: self.match_min_score,
        }
    }

    /// The artifact statuses a download starts with, from the feature flags.
    pub fn download_defaults(&self) -> crate::domain::wanted::DownloadDefaults {
        use crate::domain::downloads::artifact_status::ArtifactStatus;
        crate::domain::wanted::DownloadDefaults {
            artwork_status: ArtifactStatus::initial(self.enable_artwork),
            lyrics_status: ArtifactStatus::initial(self.enable_lyrics),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::keys;
    use crate::config::raw::Source;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let mut raw = RawConfig::defaults();
        for (k, v) in pairs {
            let spec = keys::find(k).unwrap();
            raw.set(spec, v.to_string(), Source::Environment);
        }
        Config::from_raw(&raw)
    }

    #[test]
    fn declared_notification_targets_are_checked_and_their_secrets_masked() {
        let ok = with(&[(
            "NOTIFY_TARGETS",
            r#"[{"name":"p","kind":"ntfy","url":"http://n/t","secret":"tk-123"}]"#,
        )])
        .unwrap();
        assert_eq!(ok.notify_targets.len(), 1);
        assert!(!format!("{ok:?}").contains("tk-123"));
        let err = with(&[(
            "NOTIFY_TARGETS",
            r#"[{"name":"p","kind":"pager","url":"http://n/t","secret":"tk-123"}]"#,
        )])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("NOTIFY_TARGETS") && err.contains("kind"),
            "{err}"
        );
        assert!(!err.contains("tk-123"), "{err}");
    }

    #[test]
    fn embedded_defaults_are_valid() {
        let c = with(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_path, Path::new("./data").join("harmony.db"));
        assert_eq!(c.artwork_dir, Path::new("./data").join("artwork"));
        assert_eq!(c.search_retry_schedule.len(), 6);
        assert_eq!(c.match_preferred_formats, vec!["flac", "mp3"]);
        assert!(!c.auth_required());
    }

    #[test]
    fn bad_values_name_key_value_and_expectation() {
        let err = with(&[("SYNC_POLL_INTERVAL_SEC", "abc")]).unwrap_err();
        let line = err.to_string();
        assert!(
            line.contains("SYNC_POLL_INTERVAL_SEC")
                && line.contains("\"abc\"")
                && line.contains("expected"),
            "{line}"
        );
        assert!(line.contains("environment"), "{line}");
        assert!(!line.contains('\n'));
        for (k, v) in [
            ("RETRY_SCAN_INTERVAL_SEC", "-1"),
            ("HARMONY_LOG_LEVEL", "loud[["),
            ("HARMONY_LOG_FORMAT", "xml"),
            ("SLSKD_URL", "localhost:5030"),
            ("WATCHLIST_INTERVAL", "59"),
            ("RETRY_JITTER_PCT", "1.5"),
            ("SYNC_WORKER_CONCURRENCY", "0"),
            ("ENABLE_LYRICS", "maybe"),
            ("SEARCH_RETRY_SCHEDULE", "1w"),
            ("HARMONY_BIND", "nowhere"),
            ("TAG_ID3_VERSION", "2.2"),
        ] {
            let err = with(&[(k, v)]).unwrap_err();
            assert_eq!(err.key(), Some(k), "{k}={v}: {err}");
        }
    }

    #[test]
    fn decimals_and_boolean_spellings_are_accepted() {
        let c = with(&[
            ("WORKER_HEARTBEAT_SEC", "0.2"),
            ("ENABLE_ARTWORK", "YES"),
            ("ENABLE_LYRICS", "On"),
        ])
        .unwrap();
        assert_eq!(c.worker_heartbeat, Duration::from_millis(200));
        assert!(c.enable_artwork && c.enable_lyrics);
        assert!(with(&[("HARMONY_LOG_LEVEL", "harmony=debug,actix_web=warn")]).is_ok());
    }

    #[test]
    fn secrets_are_masked_in_debug_and_errors() {
        let c = with(&[
            ("SLSKD_API_KEY", "s3cr3t-key"),
            ("HARMONY_API_KEYS", "k1,k2"),
        ])
        .unwrap();
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("s3cr3t-key") && !debug.contains("k1"),
            "{debug}"
        );
        assert_eq!(c.api_keys.len(), 2);
    }

    #[test]
    fn database_url_forms() {
        let c = with(&[("DATABASE_URL", "sqlite:///var/lib/harmony/h.db")]).unwrap();
        assert_eq!(c.database_path, Path::new("/var/lib/harmony/h.db"));
        let c = with(&[("DATABASE_URL", "/tmp/x.db")]).unwrap();
        assert_eq!(c.database_path, Path::new("/tmp/x.db"));
        assert!(with(&[("DATABASE_URL", "postgres://x")]).is_err());
    }

    #[test]
    fn non_loopback_bind_needs_keys_or_explicit_opt_out() {
        let c = with(&[("HARMONY_BIND", "0.0.0.0:8080")]).unwrap();
        assert!(matches!(
            c.check_bind_is_safe(),
            Err(ConfigError::Unsafe(_))
        ));
        let c = with(&[("HARMONY_BIND", "0.0.0.0:8080"), ("HARMONY_API_KEYS", "k")]).unwrap();
        assert!(c.check_bind_is_safe().is_ok());
        let c = with(&[
            ("HARMONY_BIND", "0.0.0.0:8080"),
            ("HARMONY_AUTH_DISABLED", "1"),
        ])
        .unwrap();
        assert!(c.check_bind_is_safe().is_ok());
        let c = with(&[("HARMONY_BIND", "[::1]:8080")]).unwrap();
        assert!(c.check_bind_is_safe().is_ok());
    }

    #[test]
    fn shipped_default_file_documents_every_key_with_the_code_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/default.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let table: toml::Table = text.parse().unwrap();
        for spec in keys::KEYS {
            let value = table
                .get(spec.name)
                .unwrap_or_else(|| panic!("{} missing from default.toml", spec.name));
            let as_text = match value {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(as_text, spec.default, "{}", spec.name);
            let lines: Vec<&str> = text.lines().collect();
            let at = lines
                .iter()
                .position(|l| l.starts_with(&format!("{} =", spec.name)))
                .unwrap();
            assert!(
                at > 0 && lines[at - 1].starts_with('#'),
                "{} has no comment above it",
                spec.name
            );
        }
        assert_eq!(table.len(), keys::KEYS.len());
        let mut raw = RawConfig::defaults();
        raw.merge_toml_str(&text, &path).unwrap();
        Config::from_raw(&raw).unwrap();
    }
}
