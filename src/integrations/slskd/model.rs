//! slskd's JSON, read tolerantly: unknown fields are ignored, missing ones
//! default, and field drift between versions (0.23 … 0.26) does not matter.

use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::domain::downloads::reconcile::Report;
use crate::domain::time::UnixMillis;

/// One transfer (`GET transfers/downloads`, enqueue answers of 0.24+).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Transfer {
    pub id: String,
    pub username: String,
    pub filename: String,
    pub size: Option<i64>,
    pub state: String,
    pub bytes_transferred: Option<i64>,
    pub percent_complete: Option<f64>,
    pub requested_at: Option<String>,
    pub ended_at: Option<String>,
    pub exception: Option<String>,
}

impl Transfer {
    pub fn requested_at_millis(&self) -> Option<UnixMillis> {
        self.requested_at.as_deref().and_then(parse_datetime)
    }

    /// The view the reconciliation works on.
    pub fn report(&self) -> Report<'_> {
        Report {
            id: &self.id,
            username: &self.username,
            filename: &self.filename,
            state: &self.state,
            percent: self.percent_complete,
            bytes: self.bytes_transferred,
            requested_at: self.requested_at_millis(),
            exception: self.exception.as_deref(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Directory {
    files: Vec<Transfer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserGroup {
    username: String,
    directories: Vec<Directory>,
}

/// Flattens slskd's user → directory → file grouping. A transfer without its
/// own `username` takes its group's.
pub fn parse_user_groups(body: &[u8]) -> Result<Vec<Transfer>, serde_json::Error> {
    let groups: Vec<UserGroup> = serde_json::from_slice(body)?;
    Ok(flatten(groups))
}

/// `GET transfers/downloads/{username}`: one user group.
pub fn parse_user_group(body: &[u8]) -> Result<Vec<Transfer>, serde_json::Error> {
    let group: UserGroup = serde_json::from_slice(body)?;
    Ok(flatten(vec![group]))
}

fn flatten(groups: Vec<UserGroup>) -> Vec<Transfer> {
    let mut out = Vec::new();
    for group in groups {
        for dir in group.directories {
            for mut t in dir.files {
                if t.username.is_empty() {
                    t.username.clone_from(&group.username);
                }
                out.push(t);
            }
        }
    }
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EnqueueBody {
    enqueued: Vec<Transfer>,
    failed: Vec<serde_json::Value>,
}

/// What slskd said to `POST transfers/downloads/{username}` with status 201.
#[derive(Debug, Clone, PartialEq)]
pub enum EnqueueAnswer {
    /// Accepted; 0.24+ names the transfer, 0.23 answers with an empty body.
    Accepted { transfer_id: Option<String> },
    /// 0.24+: listed under `failed` (offline peer, rejection…).
    Refused(String),
    /// The connection closed before any answer (a pooled connection the
    /// server had closed): the request may or may not have arrived, so the
    /// caller asks slskd's list before sending it again.
    Unanswered(String),
}

pub fn parse_enqueue_answer(body: &[u8], filename: &str) -> EnqueueAnswer {
    if body.iter().all(u8::is_ascii_whitespace) {
        return EnqueueAnswer::Accepted { transfer_id: None };
    }
    let Ok(parsed) = serde_json::from_slice::<EnqueueBody>(body) else {
        // Something else answered 201: the request was accepted all the same.
        return EnqueueAnswer::Accepted { transfer_id: None };
    };
    if let Some(t) = parsed.enqueued.iter().find(|t| t.filename == filename) {
        return EnqueueAnswer::Accepted {
            transfer_id: Some(t.id.clone()).filter(|id| !id.is_empty()),
        };
    }
    if let Some(failure) = parsed.failed.first() {
        return EnqueueAnswer::Refused(describe_failure(failure));
    }
    EnqueueAnswer::Accepted { transfer_id: None }
}

fn describe_failure(value: &serde_json::Value) -> String {
    let text = ["error", "exception", "message", "reason"]
        .iter()
        .find_map(|k| value.get(*k).and_then(|v| v.as_str()))
        .map(str::to_string)
        .or_else(|| value.as_str().map(str::to_string));
    text.unwrap_or_else(|| format!("slskd could not enqueue the file: {value}"))
}

/// slskd's datetimes: `2025-08-10T12:34:56.1234567`, with or without `Z` or
/// an offset; no offset means UTC.
pub fn parse_datetime(text: &str) -> Option<UnixMillis> {
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(dt.timestamp_millis());
    }
    let naive =
        NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(Utc.from_utc_datetime(&naive).timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = r#"[{"username":"daftfan","directories":[{"directory":"@@abcde\\Music\\Daft Punk\\Discovery",
      "fileCount":1,"files":[{"id":"3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90","username":"daftfan",
      "direction":"Download","filename":"@@abcde\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac",
      "size":35651584,"startOffset":0,"state":"InProgress","stateDescription":"InProgress",
      "requestedAt":"2025-08-10T12:00:20.1234567","enqueuedAt":"2025-08-10T12:00:21.0000000",
      "bytesTransferred":17825792,"averageSpeed":1048576.0,"percentComplete":50.0,
      "elapsedTime":"00:00:17.0000000","batchId":"x","attempts":1}]}]},
      {"username":"other","directories":[{"directory":"d","files":[{"id":"g","filename":"d\\f.mp3","state":"Requested"}]}]}]"#;

    #[test]
    fn flattens_user_groups_and_ignores_unknown_fields() {
        let transfers = parse_user_groups(LISTING.as_bytes()).unwrap();
        assert_eq!(transfers.len(), 2);
        let t = &transfers[0];
        assert_eq!(t.id, "3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90");
        assert_eq!(t.percent_complete, Some(50.0));
        assert_eq!(t.bytes_transferred, Some(17_825_792));
        assert_eq!(t.requested_at_millis(), Some(1_754_827_220_123));
        // Missing username and missing fields default.
        assert_eq!(transfers[1].username, "other");
        assert_eq!(transfers[1].percent_complete, None);
    }

    #[test]
    fn reads_both_enqueue_answers() {
        assert_eq!(
            parse_enqueue_answer(b"", "f"),
            EnqueueAnswer::Accepted { transfer_id: None }
        );
        let v24 = br#"{"enqueued":[{"id":"abc","filename":"f","state":"Requested"}],"failed":[]}"#;
        assert_eq!(
            parse_enqueue_answer(v24, "f"),
            EnqueueAnswer::Accepted {
                transfer_id: Some("abc".into())
            }
        );
        let refused = br#"{"enqueued":[],"failed":[{"filename":"f","error":"User u appears to be offline"}]}"#;
        assert_eq!(
            parse_enqueue_answer(refused, "f"),
            EnqueueAnswer::Refused("User u appears to be offline".into())
        );
        let bare = br#"{"enqueued":[],"failed":["f"]}"#;
        assert_eq!(
            parse_enqueue_answer(bare, "f"),
            EnqueueAnswer::Refused("f".into())
        );
    }

    #[test]
    fn datetimes_with_and_without_offset_are_utc() {
        assert_eq!(parse_datetime("1970-01-01T00:00:01.5000000"), Some(1500));
        assert_eq!(parse_datetime("1970-01-01T00:00:01.5000000Z"), Some(1500));
        assert_eq!(parse_datetime("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_datetime("1970-01-01T01:00:01+01:00"), Some(1000));
        assert_eq!(parse_datetime("yesterday"), None);
    }
}
