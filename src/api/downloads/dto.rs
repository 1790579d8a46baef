//! What the downloads endpoints read and write (`api.md` §3), and the
//! validation of what they read.

use crate::domain::ids::WantedId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::error::{ApiError, FieldError};
use crate::db::downloads::{DownloadRow, EventRow};
use crate::domain::time::to_rfc3339;
use crate::domain::track::Track;

pub const MAX_ITEMS: usize = 500;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateDownloads {
    #[schema(min_items = 1, max_items = 500)]
    pub items: Vec<CreateItem>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateItem {
    /// Exact Soulseek user name (not trimmed).
    #[schema(min_length = 1, max_length = 255, pattern = "^[^\\u0000]*$")]
    pub username: String,
    /// Exact remote path as slskd reports it (not trimmed).
    #[schema(min_length = 1, max_length = 4096, pattern = "^[^\\u0000]*$")]
    pub filename: String,
    /// Bytes.
    #[schema(minimum = 1)]
    pub size: i64,
    /// Higher is served first; default 0.
    #[schema(value_type = Option<i32>, minimum = -2147483648, maximum = 2147483647)]
    pub priority: Option<i64>,
    pub track: Option<TrackInput>,
}

/// Track fields as sent; strings are trimmed and empty ones dropped.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct TrackInput {
    pub artist: Option<String>,
    pub title: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    #[schema(minimum = 1, maximum = 9999)]
    pub track_number: Option<i64>,
    #[schema(minimum = 1, maximum = 999)]
    pub disc_number: Option<i64>,
    #[schema(minimum = 1, maximum = 999)]
    pub disc_count: Option<i64>,
    #[schema(minimum = 0, maximum = 9999)]
    pub year: Option<i64>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
}

/// One item, checked.
pub struct ValidItem {
    pub username: String,
    pub filename: String,
    pub size: i64,
    pub priority: i32,
    pub track: Track,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PatchDownload {
    /// Any 32-bit integer; higher is served first.
    #[schema(value_type = i32, minimum = -2147483648, maximum = 2147483647)]
    pub priority: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Comma-separated states (`failed,dead_letter`); absent or empty: every state.
    #[param(value_type = Vec<crate::api::doc_schemas::DownloadStateName>, required = false, style = Form, explode = false)]
    pub state: Option<String>,
    /// Default 50; above 500 is read as 500.
    #[param(value_type = i64, required = false, minimum = 1)]
    pub limit: Option<String>,
    /// Default 0.
    #[param(value_type = i64, required = false, minimum = 0)]
    pub offset: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DownloadView {
    pub id: i64,
    #[schema(value_type = crate::api::doc_schemas::DownloadStateName)]
    pub state: String,
    pub progress: f64,
    pub username: String,
    pub filename: String,
    pub size: i64,
    pub bytes_transferred: i64,
    pub priority: i32,
    pub retry_count: i32,
    pub next_retry_at: Option<String>,
    pub last_error: Option<String>,
    pub organized_path: Option<String>,
    pub track: Track,
    pub wanted_id: Option<i64>,
    pub metadata_status: String,
    pub artwork_status: String,
    pub lyrics_status: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<DownloadRow> for DownloadView {
    fn from(r: DownloadRow) -> Self {
        DownloadView {
            id: r.id.get(),
            progress: r.progress.clamp(0.0, 100.0),
            track: Track::from_json(&r.track),
            next_retry_at: r.next_retry_at.map(to_rfc3339),
            created_at: to_rfc3339(r.created_at),
            updated_at: to_rfc3339(r.updated_at),
            state: r.state.as_str().to_string(),
            username: r.username,
            filename: r.filename,
            size: r.size,
            bytes_transferred: r.bytes_transferred,
            priority: r.priority,
            retry_count: r.retry_count,
            last_error: r.last_error,
            organized_path: r.organized_path,
            wanted_id: r.wanted_id.map(WantedId::get),
            metadata_status: r.metadata_status.as_str().to_string(),
            artwork_status: r.artwork_status.as_str().to_string(),
            lyrics_status: r.lyrics_status.as_str().to_string(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DownloadItems {
    pub items: Vec<DownloadView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DownloadPage {
    pub items: Vec<DownloadView>,
    pub total: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub at: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        EventView {
            at: to_rfc3339(e.at),
            type_: e.type_,
            details: serde_json::from_str(&e.details).unwrap_or(Value::Null),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EventItems {
    pub items: Vec<EventView>,
}

/// Checks every item and reports every problem at once.
pub fn validate(body: CreateDownloads) -> Result<Vec<ValidItem>, ApiError> {
    if body.items.is_empty() || body.items.len() > MAX_ITEMS {
        return Err(ApiError::validation(
            "items",
            format!("must hold 1 to {MAX_ITEMS} items"),
        ));
    }
    let mut problems = Vec::new();
    let mut valid = Vec::with_capacity(body.items.len());
    for (i, item) in body.items.into_iter().enumerate() {
        let mut bad = |field: &str, message: &str| {
            problems.push(FieldError {
                field: format!("items[{i}].{field}"),
                message: message.to_string(),
            })
        };
        let chars = item.username.chars().count();
        if chars == 0 || chars > 255 {
            bad("username", "must be 1 to 255 characters");
        }
        let chars = item.filename.chars().count();
        if chars == 0 || chars > 4096 {
            bad("filename", "must be 1 to 4096 characters");
        }
        if item.filename.contains('\0') || item.username.contains('\0') {
            bad("filename", "must not contain NUL");
        }
        if item.size <= 0 {
            bad("size", "must be greater than 0");
        }
        let priority = match item.priority.map(i32::try_from) {
            None => 0,
            Some(Ok(p)) => p,
            Some(Err(_)) => {
                bad("priority", "must be a 32-bit integer");
                0
            }
        };
        let track = track(item.track.unwrap_or_default(), &mut bad);
        valid.push(ValidItem {
            username: item.username,
            filename: item.filename,
            size: item.size,
            priority,
            track,
        });
    }
    if problems.is_empty() {
        Ok(valid)
    } else {
        Err(ApiError::Validation {
            message: format!("{} invalid field(s)", problems.len()),
            details: problems,
        })
    }
}

fn track(input: TrackInput, bad: &mut dyn FnMut(&str, &str)) -> Track {
    let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let mut number = |field: &str, v: Option<i64>, min: i64, max: i64| -> Option<i64> {
        match v {
            Some(n) if n < min || n > max => {
                bad(
                    &format!("track.{field}"),
                    &format!("must be between {min} and {max}"),
                );
                None
            }
            other => other,
        }
    };
    let small = |v: Option<i64>| v.and_then(|n| u32::try_from(n).ok());
    Track {
        track_number: small(number("track_number", input.track_number, 1, 9999)),
        disc_number: small(number("disc_number", input.disc_number, 1, 999)),
        disc_count: small(number("disc_count", input.disc_count, 1, 999)),
        year: number("year", input.year, 0, 9999).and_then(|n| i32::try_from(n).ok()),
        duration_ms: number("duration_ms", input.duration_ms, 0, i64::from(u32::MAX))
            .and_then(|n| u64::try_from(n).ok()),
        artist: text(input.artist),
        title: text(input.title),
        album: text(input.album),
        album_artist: text(input.album_artist),
        isrc: text(input.isrc),
        spotify_track_id: text(input.spotify_track_id),
        spotify_album_id: text(input.spotify_album_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(username: &str, filename: &str, size: i64) -> CreateItem {
        CreateItem {
            username: username.into(),
            filename: filename.into(),
            size,
            priority: None,
            track: None,
        }
    }

    #[test]
    fn reports_every_bad_field_with_its_index() {
        let body = CreateDownloads {
            items: vec![item("u", "f", 1), item("", "f\0", 0)],
        };
        let Err(ApiError::Validation { details, .. }) = validate(body) else {
            panic!("expected a validation error")
        };
        let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
        assert!(fields.contains(&"items[1].username"));
        assert!(fields.contains(&"items[1].filename"));
        assert!(fields.contains(&"items[1].size"));
        assert!(!fields.iter().any(|f| f.starts_with("items[0]")));
    }

    #[test]
    fn keeps_names_exact_and_trims_track_text() {
        let mut it = item(" dj x ", " a\\b.mp3", 5);
        it.track = Some(TrackInput {
            artist: Some("  Daft Punk ".into()),
            album: Some("   ".into()),
            ..TrackInput::default()
        });
        let valid = validate(CreateDownloads { items: vec![it] }).unwrap_or_default();
        assert_eq!(valid[0].username, " dj x ");
        assert_eq!(valid[0].filename, " a\\b.mp3");
        assert_eq!(valid[0].track.artist.as_deref(), Some("Daft Punk"));
        assert_eq!(valid[0].track.album, None);
    }

    #[test]
    fn limits_the_batch_and_the_priority() {
        assert!(validate(CreateDownloads { items: vec![] }).is_err());
        let many = (0..501).map(|i| item("u", &format!("f{i}"), 1)).collect();
        assert!(validate(CreateDownloads { items: many }).is_err());
        let mut big = item("u", "f", 1);
        big.priority = Some(i64::from(i32::MAX) + 1);
        assert!(validate(CreateDownloads { items: vec![big] }).is_err());
    }
}
