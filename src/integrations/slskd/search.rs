//! slskd searches (`slskd-api.md` §1.4): create with a client-chosen id, poll
//! the state, read the responses once complete, delete. These are the raw
//! calls; the lifecycle, the one-at-a-time rule and the search budget live in
//! the search scheduler (`actors::search_scheduler`), the only caller.

use std::time::Duration;

use awc::http::{Method, StatusCode};
use serde::{Deserialize, Deserializer};

use super::{encode_segment, status_error, Endpoint, Retry, SlskdClient, SlskdError};
use crate::domain::matching::Candidate;
use crate::metrics::Metrics;

/// Creating a search answers once slskd has started it: quick, but slskd may
/// be busy talking to the Soulseek server.
const CREATE_TIMEOUT: Duration = Duration::from_secs(30);
const SEARCH_TIMEOUT: Duration = Duration::from_secs(30);

/// A random version-4 GUID in .NET's "D" form (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`),
/// chosen by the client so it can follow the search without reading the POST answer.
pub fn new_search_id() -> String {
    let v = (fastrand::u128(..) & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A search as `POST searches` and `GET searches/{id}` describe it (without responses).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SearchInfo {
    #[serde(deserialize_with = "or_default")]
    pub id: String,
    #[serde(deserialize_with = "or_default")]
    pub search_text: String,
    /// SearchStates flags, e.g. `InProgress`, `Completed, TimedOut`.
    #[serde(deserialize_with = "or_default")]
    pub state: String,
    #[serde(deserialize_with = "or_default")]
    pub is_complete: bool,
    #[serde(deserialize_with = "count")]
    pub response_count: u64,
    #[serde(deserialize_with = "count")]
    pub file_count: u64,
    #[serde(deserialize_with = "count")]
    pub locked_file_count: u64,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
}

impl SearchInfo {
    /// Finished: `isComplete`, or — should that field be missing — the
    /// `Completed` flag in the state.
    pub fn is_completed(&self) -> bool {
        self.is_complete || self.has_flag("Completed")
    }

    /// The state contains this flag name (flags are joined with ", ").
    pub fn has_flag(&self, flag: &str) -> bool {
        self.state.split(',').any(|f| f.trim() == flag)
    }
}

/// One peer's answer to a search.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SearchResponse {
    #[serde(deserialize_with = "or_default")]
    pub username: String,
    #[serde(deserialize_with = "or_default")]
    pub has_free_upload_slot: Option<bool>,
    #[serde(deserialize_with = "number")]
    pub queue_length: Option<u64>,
    /// Bytes per second, as the peer reports it.
    #[serde(deserialize_with = "number")]
    pub upload_speed: Option<u64>,
    #[serde(deserialize_with = "or_default")]
    pub files: Vec<SearchFile>,
    /// Only privileged users may download these: never candidates.
    #[serde(deserialize_with = "or_default")]
    pub locked_files: Vec<SearchFile>,
}

/// One file of a response. Unknown values are absent (slskd omits nulls).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SearchFile {
    /// The full remote path with backslashes; needed byte for byte to download.
    #[serde(deserialize_with = "or_default")]
    pub filename: String,
    #[serde(deserialize_with = "number")]
    pub size: Option<u64>,
    #[serde(deserialize_with = "or_default")]
    pub extension: Option<String>,
    /// kbps (`bitRate`); usually absent for lossless files.
    #[serde(deserialize_with = "number")]
    pub bit_rate: Option<u32>,
    #[serde(deserialize_with = "number")]
    pub bit_depth: Option<u32>,
    #[serde(deserialize_with = "number")]
    pub sample_rate: Option<u32>,
    /// Seconds.
    #[serde(deserialize_with = "number")]
    pub length: Option<u32>,
    #[serde(deserialize_with = "or_default")]
    pub is_variable_bit_rate: Option<bool>,
    #[serde(deserialize_with = "or_default")]
    pub is_locked: bool,
}

/// `null` reads as the default, like a missing field.
fn or_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Any JSON value; a non-negative whole number that fits becomes `Some`,
/// anything else (negative, fractional, a string…) `None`, so one odd value
/// from a peer does not lose the whole answer.
fn number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    let value = serde_json::Value::deserialize(d)?;
    let whole = match &value {
        serde_json::Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    Ok(whole.and_then(|n| T::try_from(n).ok()))
}

fn count<'de, D>(d: D) -> Result<u64, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(number::<D, u64>(d)?.unwrap_or(0))
}

impl SlskdError {
    /// slskd refused the search text (HTTP 400: blank, only exclusions…):
    /// the query, not the service, is wrong. The message, when it is one.
    pub fn bad_query(&self) -> Option<&str> {
        match self {
            SlskdError::Status {
                status: 400,
                message,
            } => Some(message),
            _ => None,
        }
    }
}

/// Every downloadable file of every response, in slskd's order. Locked files
/// (`lockedFiles`) are never candidates.
pub fn to_candidates(responses: &[SearchResponse]) -> Vec<Candidate> {
    responses
        .iter()
        .flat_map(|r| {
            r.files.iter().map(move |f| Candidate {
                username: r.username.clone(),
                filename: f.filename.clone(),
                size: f.size,
                extension: f.extension.clone(),
                bitrate: f.bit_rate,
                length: f.length,
                sample_rate: f.sample_rate,
                bit_depth: f.bit_depth,
                has_free_upload_slot: r.has_free_upload_slot,
                queue_length: r.queue_length,
                upload_speed: r.upload_speed,
                locked: f.is_locked,
            })
        })
        .collect()
}

/// `GET searches/{id}/responses`, element by element: a response that does
/// not read is skipped, not the whole answer.
pub fn parse_responses(body: &[u8]) -> Result<Vec<SearchResponse>, serde_json::Error> {
    let items: Vec<serde_json::Value> = serde_json::from_slice(body)?;
    let total = items.len();
    let parsed: Vec<SearchResponse> = items
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    if parsed.len() < total {
        tracing::warn!(
            skipped = total - parsed.len(),
            "slskd search responses that could not be read were skipped"
        );
    }
    Ok(parsed)
}

fn search_path(id: &str) -> String {
    format!("searches/{}", encode_segment(id))
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, SlskdError> {
    serde_json::from_slice(body).map_err(|e| SlskdError::Decode(e.to_string()))
}

impl SlskdClient {
    /// `POST searches` with a client-chosen `id`. Never repeated after a 5xx
    /// or a lost connection (the search may exist); only a 429, which slskd
    /// answers before doing anything, is tried again — in place for short
    /// waits, else `RateLimited(wait)` comes back. A refused text (400) gives
    /// an error whose [`SlskdError::bad_query`] is `Some`; slskd not logged
    /// in to Soulseek (409) a `Status` error.
    pub async fn create_search(
        &self,
        endpoint: &Endpoint,
        id: &str,
        text: &str,
        search_timeout_ms: u64,
        metrics: &Metrics,
    ) -> Result<SearchInfo, SlskdError> {
        let body = serde_json::json!({
            "id": id,
            "searchText": text,
            "searchTimeout": search_timeout_ms,
            "filterResponses": true,
        });
        let answer = self
            .call(
                endpoint,
                Method::POST,
                "searches",
                Some(body),
                CREATE_TIMEOUT,
                Retry::OnlyRateLimit,
                metrics,
            )
            .await?;
        if !answer.status.is_success() {
            return Err(status_error(&answer));
        }
        let info: SearchInfo = decode(&answer.body)?;
        Ok(info)
    }

    /// `GET searches/{id}` (without responses); `None` when slskd does not know it.
    pub async fn search(
        &self,
        endpoint: &Endpoint,
        id: &str,
        metrics: &Metrics,
    ) -> Result<Option<SearchInfo>, SlskdError> {
        let answer = self
            .get(endpoint, &search_path(id), SEARCH_TIMEOUT, metrics)
            .await?;
        match answer.status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => decode(&answer.body).map(Some),
            _ => Err(status_error(&answer)),
        }
    }

    /// `GET searches/{id}/responses`: empty while the search runs (slskd 0.23
    /// stores them when it completes).
    pub async fn search_responses(
        &self,
        endpoint: &Endpoint,
        id: &str,
        metrics: &Metrics,
    ) -> Result<Vec<SearchResponse>, SlskdError> {
        let path = format!("{}/responses", search_path(id));
        let answer = self.get(endpoint, &path, SEARCH_TIMEOUT, metrics).await?;
        if !answer.status.is_success() {
            return Err(status_error(&answer));
        }
        parse_responses(&answer.body).map_err(|e| SlskdError::Decode(e.to_string()))
    }

    /// `PUT searches/{id}`: stops a running search; it completes as
    /// `Completed, Cancelled` with the responses received so far. A search
    /// slskd does not know, or that already ended, is fine (404).
    pub async fn stop_search(
        &self,
        endpoint: &Endpoint,
        id: &str,
        metrics: &Metrics,
    ) -> Result<(), SlskdError> {
        self.idempotent_end(
            endpoint,
            Method::PUT,
            &search_path(id),
            SEARCH_TIMEOUT,
            metrics,
        )
        .await
    }

    /// `DELETE searches/{id}`: 204, or 404 when it is already gone.
    pub async fn delete_search(
        &self,
        endpoint: &Endpoint,
        id: &str,
        metrics: &Metrics,
    ) -> Result<(), SlskdError> {
        self.idempotent_end(
            endpoint,
            Method::DELETE,
            &search_path(id),
            SEARCH_TIMEOUT,
            metrics,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNNING: &str = r#"{"fileCount":0,"id":"9b2c7c55-5a0e-4c36-9a52-0f3f5d7f1c11","isComplete":false,
        "lockedFileCount":0,"responseCount":0,"responses":[],"searchText":"daft punk one more time",
        "startedAt":"2025-08-10T12:00:00.0000000Z","state":"InProgress","token":123456}"#;

    const RESPONSES: &str = r#"[{"fileCount":1,"files":[{"bitDepth":16,"code":1,"extension":"flac",
        "filename":"@@abcde\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac",
        "length":320,"sampleRate":44100,"size":35651584,"isLocked":false}],
        "hasFreeUploadSlot":true,"lockedFileCount":1,"lockedFiles":[{"filename":"@@abcde\\Locked\\x.mp3",
        "size":5,"bitRate":320,"isLocked":true}],"queueLength":0,
        "token":123456,"uploadSpeed":1250000,"username":"daftfan"},
        {"username":"mp3peer","hasFreeUploadSlot":false,"queueLength":12,"uploadSpeed":80000,
         "files":[{"filename":"@@x\\Daft Punk - One More Time.mp3","size":7340032,"extension":"",
         "bitRate":320,"length":321,"isVariableBitRate":false,"futureField":{"a":1}}]}]"#;

    #[test]
    fn a_running_search_reads() {
        let info: SearchInfo = serde_json::from_str(RUNNING).unwrap();
        assert_eq!(info.id, "9b2c7c55-5a0e-4c36-9a52-0f3f5d7f1c11");
        assert_eq!(info.search_text, "daft punk one more time");
        assert_eq!(info.state, "InProgress");
        assert!(!info.is_completed());
        assert_eq!((info.response_count, info.file_count), (0, 0));
        assert_eq!(info.ended_at, None);
    }

    #[test]
    fn completion_reads_from_the_flag_or_the_state() {
        let done: SearchInfo = serde_json::from_str(
            r#"{"id":"x","state":"Completed, TimedOut","isComplete":true,"responseCount":2,
                "fileCount":3,"endedAt":"2025-08-10T12:00:08.1234567"}"#,
        )
        .unwrap();
        assert!(done.is_completed());
        assert!(done.has_flag("TimedOut"));
        assert!(!done.has_flag("Cancelled"));
        assert_eq!((done.response_count, done.file_count), (2, 3));
        assert_eq!(
            done.ended_at.as_deref(),
            Some("2025-08-10T12:00:08.1234567")
        );
        // `isComplete` missing: the state decides.
        let no_flag: SearchInfo =
            serde_json::from_str(r#"{"id":"x","state":"Completed, Cancelled"}"#).unwrap();
        assert!(no_flag.is_completed());
        let running: SearchInfo =
            serde_json::from_str(r#"{"id":"x","state":"InProgress","isComplete":null}"#).unwrap();
        assert!(!running.is_completed());
        // `Completed` must be a whole flag.
        let odd: SearchInfo = serde_json::from_str(r#"{"state":"NotCompletedYet"}"#).unwrap();
        assert!(!odd.is_completed());
    }

    #[test]
    fn responses_read_with_missing_and_unknown_fields() {
        let responses = parse_responses(RESPONSES.as_bytes()).unwrap();
        assert_eq!(responses.len(), 2);
        let r = &responses[0];
        assert_eq!(r.username, "daftfan");
        assert_eq!(r.has_free_upload_slot, Some(true));
        assert_eq!((r.queue_length, r.upload_speed), (Some(0), Some(1_250_000)));
        let f = &r.files[0];
        assert_eq!(
            f.filename,
            r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac"
        );
        assert_eq!(f.size, Some(35_651_584));
        assert_eq!(f.extension.as_deref(), Some("flac"));
        assert_eq!(f.bit_rate, None, "FLAC hits carry no bitRate");
        assert_eq!(
            (f.bit_depth, f.sample_rate, f.length),
            (Some(16), Some(44100), Some(320))
        );
        assert_eq!(r.locked_files.len(), 1);
        let mp3 = &responses[1].files[0];
        assert_eq!(mp3.bit_rate, Some(320));
        assert_eq!(mp3.extension.as_deref(), Some(""));
        assert_eq!(mp3.is_variable_bit_rate, Some(false));
        assert!(responses[1].locked_files.is_empty());
    }

    #[test]
    fn odd_values_do_not_lose_the_answer() {
        let body = br#"[{"username":"a","queueLength":-1,"uploadSpeed":1.5e3,
            "files":[{"filename":"a\\b.mp3","size":"12","bitRate":320.0,"length":99999999999}]},
            "not a response", {"username":"b","files":null}]"#;
        let responses = parse_responses(body).unwrap();
        assert_eq!(responses.len(), 2, "the string is skipped");
        let f = &responses[0].files[0];
        assert_eq!((f.size, f.bit_rate, f.length), (None, Some(320), None));
        assert_eq!(responses[0].queue_length, None);
        assert_eq!(responses[0].upload_speed, Some(1500));
        assert!(responses[1].files.is_empty());
        assert!(parse_responses(b"{}").is_err());
    }

    #[test]
    fn candidates_come_from_unlocked_files_only() {
        let responses = parse_responses(RESPONSES.as_bytes()).unwrap();
        let candidates = to_candidates(&responses);
        assert_eq!(candidates.len(), 2);
        assert!(candidates.iter().all(|c| !c.filename.contains("Locked")));
        let c = &candidates[0];
        assert_eq!(c.username, "daftfan");
        assert_eq!(c.size, Some(35_651_584));
        assert_eq!(c.extension.as_deref(), Some("flac"));
        assert_eq!((c.bitrate, c.length), (None, Some(320)));
        assert_eq!((c.sample_rate, c.bit_depth), (Some(44100), Some(16)));
        assert_eq!(c.has_free_upload_slot, Some(true));
        assert_eq!((c.queue_length, c.upload_speed), (Some(0), Some(1_250_000)));
        assert!(!c.locked);
        let m = &candidates[1];
        assert_eq!((m.username.as_str(), m.bitrate), ("mp3peer", Some(320)));
        assert_eq!(
            (m.has_free_upload_slot, m.queue_length),
            (Some(false), Some(12))
        );
        // A file slskd marks locked inside `files` keeps the mark.
        let marked = SearchResponse {
            username: "u".into(),
            files: vec![SearchFile {
                filename: "f".into(),
                is_locked: true,
                ..SearchFile::default()
            }],
            ..SearchResponse::default()
        };
        assert!(to_candidates(&[marked])[0].locked);
    }

    #[test]
    fn search_ids_are_v4_guids() {
        let a = new_search_id();
        assert_eq!(a.len(), 36);
        for (i, c) in a.chars().enumerate() {
            match i {
                8 | 13 | 18 | 23 => assert_eq!(c, '-'),
                14 => assert_eq!(c, '4'),
                19 => assert!("89ab".contains(c), "{a}"),
                _ => assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{a}"),
            }
        }
        assert_ne!(a, new_search_id());
    }

    #[test]
    fn only_a_400_is_a_bad_query() {
        let bad = SlskdError::Status {
            status: 400,
            message: "SearchText may not be null or empty".into(),
        };
        assert_eq!(bad.bad_query(), Some("SearchText may not be null or empty"));
        let not_logged_in = SlskdError::Status {
            status: 409,
            message: "x".into(),
        };
        assert_eq!(not_logged_in.bad_query(), None);
        assert_eq!(SlskdError::Unconfigured.bad_query(), None);
    }
}
