//! LRCLIB (`providers.md` §3.3): `GET /api/get` by names and duration,
//! `GET /api/search` by names. Key-less; requests identify Harmony.

use std::time::Duration;

use awc::http::StatusCode;
use serde::Deserialize;

use crate::domain::lyrics::LyricsCandidate;

/// LRCLIB looks missing tracks up elsewhere before answering a 404: seconds.
const TIMEOUT: Duration = Duration::from_secs(20);
/// `/api/search` answers at most 20 records, each a few kB of text.
const MAX_BODY: usize = 4 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LrclibError {
    #[error("LRCLIB is unreachable: {0}")]
    Network(String),
    #[error("LRCLIB answered HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("unexpected answer from LRCLIB: {0}")]
    Decode(String),
}

impl LrclibError {
    /// Worth trying again later (the service, not the request, was the problem).
    pub fn is_transient(&self) -> bool {
        match self {
            LrclibError::Network(_) => true,
            LrclibError::Status { status, .. } => *status >= 500 || *status == 429,
            LrclibError::Decode(_) => false,
        }
    }
}

/// One LRCLIB record (same shape from both endpoints).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LrclibRecord {
    pub id: i64,
    pub track_name: Option<String>,
    pub artist_name: Option<String>,
    pub album_name: Option<String>,
    /// Seconds.
    pub duration: Option<f64>,
    pub instrumental: bool,
    pub plain_lyrics: Option<String>,
    pub synced_lyrics: Option<String>,
}

impl LrclibRecord {
    pub fn candidate(&self) -> LyricsCandidate {
        LyricsCandidate {
            duration_ms: self
                .duration
                .filter(|d| d.is_finite() && *d >= 0.0)
                .map(|d| (d * 1000.0).round() as u64),
            instrumental: self.instrumental,
            plain: self.plain_lyrics.clone(),
            synced: self.synced_lyrics.clone(),
        }
    }
}

/// What `/api/get` is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookUp<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub album: Option<&'a str>,
    /// Whole seconds (LRCLIB matches within ±2 s).
    pub duration_s: Option<u64>,
}

pub struct LrclibClient {
    base: String,
    http: awc::Client,
}

impl LrclibClient {
    /// `base`: `LRCLIB_URL` (`https://lrclib.net`).
    pub fn new(base: &str) -> Self {
        LrclibClient {
            base: base.trim_end_matches('/').to_string(),
            http: super::http::client(TIMEOUT),
        }
    }

    /// The record matching names (and duration); `None` on LRCLIB's 404.
    pub async fn get(&self, q: &LookUp<'_>) -> Result<Option<LrclibRecord>, LrclibError> {
        let duration = q.duration_s.map(|d| d.to_string());
        let mut params = vec![("artist_name", q.artist), ("track_name", q.title)];
        if let Some(album) = q.album {
            params.push(("album_name", album));
        }
        if let Some(d) = &duration {
            params.push(("duration", d));
        }
        match self.fetch("/api/get", &params).await? {
            None => Ok(None),
            Some(body) => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| LrclibError::Decode(e.to_string())),
        }
    }

    /// Records whose names match (LRCLIB's own ranking, up to 20).
    pub async fn search(
        &self,
        artist: &str,
        title: &str,
    ) -> Result<Vec<LrclibRecord>, LrclibError> {
        let params = [("track_name", title), ("artist_name", artist)];
        match self.fetch("/api/search", &params).await? {
            None => Ok(Vec::new()),
            Some(body) => {
                serde_json::from_slice(&body).map_err(|e| LrclibError::Decode(e.to_string()))
            }
        }
    }

    /// The body of a 2xx answer, `None` for a 404.
    async fn fetch(
        &self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Option<Vec<u8>>, LrclibError> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .query(&params)
            .map_err(|e| LrclibError::Decode(e.to_string()))?;
        let mut res = request
            .send()
            .await
            .map_err(|e| LrclibError::Network(e.to_string()))?;
        let status = res.status();
        let body = res
            .body()
            .limit(MAX_BODY)
            .await
            .map_err(|e| LrclibError::Network(e.to_string()))?;
        match status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => Ok(Some(body.to_vec())),
            s => Err(LrclibError::Status {
                status: s.as_u16(),
                message: message_of(&body),
            }),
        }
    }
}

/// LRCLIB's error `message`, else the start of the body.
fn message_of(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Error {
        message: String,
    }
    serde_json::from_slice::<Error>(body)
        .map(|e| e.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_decode_with_missing_and_null_fields() {
        let json = r#"{"id":3,"trackName":"One More Time","artistName":"Daft Punk",
            "albumName":null,"duration":320.36,"instrumental":false,
            "plainLyrics":"One more time","syncedLyrics":null}"#;
        let record: LrclibRecord = serde_json::from_str(json).unwrap();
        assert_eq!(record.id, 3);
        let c = record.candidate();
        assert_eq!(c.duration_ms, Some(320_360));
        assert_eq!(c.plain.as_deref(), Some("One more time"));
        assert_eq!(c.synced, None);
        let bare: LrclibRecord = serde_json::from_str(r#"{"id":1}"#).unwrap();
        assert_eq!(bare.candidate().duration_ms, None);
        assert!(!bare.instrumental);
    }

    #[test]
    fn transient_errors() {
        assert!(LrclibError::Network("x".into()).is_transient());
        let status = |s| LrclibError::Status {
            status: s,
            message: String::new(),
        };
        assert!(status(503).is_transient());
        assert!(status(429).is_transient());
        assert!(!status(400).is_transient());
        assert_eq!(
            message_of(br#"{"message":"bad","name":"ValidationError"}"#),
            "bad"
        );
    }
}
