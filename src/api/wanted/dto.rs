//! What the wanted-track endpoints read and write (`api.md` §4), the
//! validation of what they read, and the order candidates are shown in.

use crate::domain::ids::DownloadId;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::error::{ApiError, FieldError};
use crate::db::wanted::{CandidateRow, RejectionRow, WantedRow};
use crate::domain::time::to_rfc3339;
use crate::domain::track::Track;

pub const MAX_ITEMS: usize = 1000;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateWanted {
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<WantedInput>,
}

/// One track as sent; strings are trimmed, empty optional ones dropped.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct WantedInput {
    /// Required; at most 500 characters once trimmed.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "\\S")]
    pub artist: Option<String>,
    /// Required; at most 500 characters once trimmed.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = "\\S")]
    pub title: Option<String>,
    pub album: Option<String>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    #[schema(minimum = 1, maximum = 9999)]
    pub track_number: Option<i64>,
    #[schema(minimum = 1, maximum = 999)]
    pub disc_number: Option<i64>,
    /// Higher is served first; default 0.
    #[schema(value_type = Option<i32>, minimum = -2147483648, maximum = 2147483647)]
    pub priority: Option<i64>,
}

/// One track, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidWanted {
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub priority: i32,
}

impl ValidWanted {
    /// The track data handed on to the download.
    pub fn track(&self) -> Track {
        Track {
            artist: Some(self.artist.clone()),
            title: Some(self.title.clone()),
            album: self.album.clone(),
            track_number: self.track_number,
            disc_number: self.disc_number,
            duration_ms: self.duration_ms,
            isrc: self.isrc.clone(),
            spotify_track_id: self.spotify_track_id.clone(),
            ..Track::default()
        }
    }
}

/// `pick` / `reject`: the exact Soulseek values, not trimmed.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct FileChoice {
    #[schema(min_length = 1)]
    pub username: String,
    #[schema(min_length = 1)]
    pub filename: String,
}

/// `POST /wanted/{id}/search`'s optional body.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct SearchAgain {
    /// Searched instead of the queries derived from the track, from now on
    /// (at most 200 characters); empty goes back to the derived ones;
    /// absent keeps what the track has.
    #[schema(max_length = 200)]
    pub query: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// Comma-separated states (`not_found,failed`); absent or empty: every state.
    #[param(value_type = Vec<crate::api::doc_schemas::WantedStateName>, required = false, style = Form, explode = false)]
    pub state: Option<String>,
    /// Exactly this source (`api`, `playlist:<id>`, `watchlist:<artist id>`, `import:<id>`).
    pub source: Option<String>,
    /// Words that must each appear in the artist, title or album (case-insensitive).
    pub q: Option<String>,
    /// Default 50; above 500 is read as 500.
    #[param(value_type = i64, required = false, minimum = 1)]
    pub limit: Option<String>,
    /// Default 0.
    #[param(value_type = i64, required = false, minimum = 0)]
    pub offset: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub username: String,
    pub filename: String,
    pub score: f64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WantedView {
    pub id: i64,
    #[schema(value_type = crate::api::doc_schemas::WantedStateName)]
    pub state: String,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub priority: i32,
    pub source: String,
    pub search_count: i32,
    pub next_search_at: Option<String>,
    pub last_error: Option<String>,
    pub download_id: Option<i64>,
    /// The indexed library file that already holds the track (a `completed`
    /// track found in the library index, issue 15); else `null`.
    pub library_path: Option<String>,
    #[serde(rename = "match")]
    pub match_: Option<MatchView>,
    pub created_at: String,
    pub updated_at: String,
    /// The user's own search text, searched instead of the queries derived
    /// from the track; null when the derived ones are used.
    pub search_query: Option<String>,
}

impl From<WantedRow> for WantedView {
    fn from(r: WantedRow) -> Self {
        let match_ = match (r.match_username, r.match_filename) {
            (Some(username), Some(filename)) => Some(MatchView {
                username,
                filename,
                score: r.match_score.unwrap_or(0.0),
            }),
            _ => None,
        };
        WantedView {
            id: r.id.get(),
            state: r.state.as_str().to_string(),
            artist: r.artist,
            title: r.title,
            album: r.album,
            duration_ms: r.duration_ms,
            isrc: r.isrc,
            spotify_track_id: r.spotify_track_id,
            track_number: r.track_number,
            disc_number: r.disc_number,
            priority: r.priority,
            source: r.source,
            search_count: r.search_count,
            next_search_at: r.next_search_at.map(to_rfc3339),
            last_error: r.last_error,
            download_id: r.download_id.map(DownloadId::get),
            match_,
            created_at: to_rfc3339(r.created_at),
            updated_at: to_rfc3339(r.updated_at),
            search_query: r.search_query,
            library_path: r.library_path,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WantedItems {
    pub items: Vec<WantedView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WantedPage {
    pub items: Vec<WantedView>,
    pub total: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub username: String,
    pub filename: String,
    pub size: Option<i64>,
    pub extension: Option<String>,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    /// Seconds, as slskd reports it.
    pub length: Option<i32>,
    pub has_free_upload_slot: Option<bool>,
    pub queue_length: Option<i64>,
    pub upload_speed: Option<i64>,
    pub score: f64,
    pub accepted: bool,
    pub rejected_by: Vec<String>,
    #[schema(value_type = Object)]
    pub components: Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidateItems {
    pub items: Vec<CandidateView>,
}

/// The contract's order (§13): accepted first — the chosen one first, then
/// by descending score — then the refused ones by descending score. A file
/// on the track's blocklist shows its mark at once, without a new search.
pub fn candidate_views(
    rows: Vec<CandidateRow>,
    rejections: &[RejectionRow],
    chosen: Option<(&str, &str)>,
) -> Vec<CandidateView> {
    let marks: HashMap<(&str, &str), &str> = rejections
        .iter()
        .map(|r| {
            (
                (r.username.as_str(), r.filename.as_str()),
                r.reason.as_str(),
            )
        })
        .collect();
    let mut keyed: Vec<(bool, bool, i32, CandidateView)> = rows
        .into_iter()
        .map(|row| {
            let mark = marks
                .get(&(row.username.as_str(), row.filename.as_str()))
                .copied();
            let mut rejected_by = row.rejected_by();
            if let Some(reason) = mark {
                if !rejected_by.iter().any(|r| r == reason) {
                    rejected_by.push(reason.to_string());
                }
            }
            let accepted = row.accepted && mark.is_none();
            let is_chosen =
                chosen.is_some_and(|(u, f)| accepted && row.username == u && row.filename == f);
            let view = CandidateView {
                components: row.components(),
                username: row.username,
                filename: row.filename,
                size: row.size,
                extension: row.extension,
                bitrate: row.bitrate,
                sample_rate: row.sample_rate,
                bit_depth: row.bit_depth,
                length: row.length,
                has_free_upload_slot: row.has_free_upload_slot,
                queue_length: row.queue_length,
                upload_speed: row.upload_speed,
                score: row.score,
                accepted,
                rejected_by,
            };
            (accepted, is_chosen, row.rank, view)
        })
        .collect();
    keyed.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(b.3.score.total_cmp(&a.3.score))
            .then(a.2.cmp(&b.2))
    });
    keyed.into_iter().map(|(.., view)| view).collect()
}

/// Checks every item and reports every problem at once.
pub fn validate(body: CreateWanted) -> Result<Vec<ValidWanted>, ApiError> {
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
        let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let artist = text(item.artist);
        let title = text(item.title);
        if artist.is_none() {
            bad("artist", "is required");
        }
        if title.is_none() {
            bad("title", "is required");
        }
        for (field, value) in [("artist", &artist), ("title", &title)] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 500) {
                bad(field, "must be at most 500 characters");
            }
        }
        let mut number = |field: &str, v: Option<i64>, min: i64, max: i64| -> Option<i64> {
            match v {
                Some(n) if n < min || n > max => {
                    bad(field, &format!("must be between {min} and {max}"));
                    None
                }
                other => other,
            }
        };
        let duration_ms = number("duration_ms", item.duration_ms, 0, i64::from(u32::MAX))
            .and_then(|n| u64::try_from(n).ok());
        let track_number =
            number("track_number", item.track_number, 1, 9999).and_then(|n| u32::try_from(n).ok());
        let disc_number =
            number("disc_number", item.disc_number, 1, 999).and_then(|n| u32::try_from(n).ok());
        let priority = number(
            "priority",
            item.priority,
            i64::from(i32::MIN),
            i64::from(i32::MAX),
        )
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0);
        if let (Some(artist), Some(title)) = (artist, title) {
            valid.push(ValidWanted {
                artist,
                title,
                album: text(item.album),
                duration_ms,
                isrc: text(item.isrc),
                spotify_track_id: text(item.spotify_track_id),
                track_number,
                disc_number,
                priority,
            });
        }
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

/// `pick` / `reject` bodies: both values present, kept exact.
pub fn validate_choice(body: &FileChoice) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    for (field, value) in [("username", &body.username), ("filename", &body.filename)] {
        if value.is_empty() {
            problems.push(FieldError {
                field: field.to_string(),
                message: "must not be empty".into(),
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation {
            message: format!("{} invalid field(s)", problems.len()),
            details: problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(artist: &str, title: &str) -> WantedInput {
        WantedInput {
            artist: Some(artist.into()),
            title: Some(title.into()),
            ..WantedInput::default()
        }
    }

    #[test]
    fn reports_every_bad_field_with_its_index() {
        let mut bad = input(" ", "t");
        bad.track_number = Some(0);
        bad.priority = Some(i64::from(i32::MAX) + 1);
        let body = CreateWanted {
            items: vec![input("a", "t"), bad, WantedInput::default()],
        };
        let Err(ApiError::Validation { details, .. }) = validate(body) else {
            panic!("expected a validation error")
        };
        let fields: Vec<&str> = details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "items[1].artist",
                "items[1].track_number",
                "items[1].priority",
                "items[2].artist",
                "items[2].title"
            ]
        );
    }

    #[test]
    fn trims_text_and_drops_empty_options() {
        let mut item = input("  Daft Punk ", " One More Time");
        item.album = Some("  ".into());
        item.duration_ms = Some(320_357);
        let valid = validate(CreateWanted { items: vec![item] }).unwrap_or_default();
        assert_eq!(valid[0].artist, "Daft Punk");
        assert_eq!(valid[0].title, "One More Time");
        assert_eq!(valid[0].album, None);
        assert_eq!(valid[0].track().duration_ms, Some(320_357));
        assert!(validate(CreateWanted { items: vec![] }).is_err());
    }

    fn row(rank: i32, user: &str, score: f64, accepted: bool) -> CandidateRow {
        CandidateRow {
            id: i64::from(rank),
            wanted_id: crate::domain::ids::WantedId(1),
            rank,
            username: user.into(),
            filename: "f".into(),
            size: Some(1),
            extension: None,
            bitrate: None,
            sample_rate: None,
            bit_depth: None,
            length: None,
            has_free_upload_slot: None,
            queue_length: None,
            upload_speed: None,
            locked: false,
            score,
            accepted,
            rejected_by: if accepted { "[]" } else { r#"["version"]"# }.into(),
            components: "{}".into(),
        }
    }

    #[test]
    fn candidates_show_the_choice_first_then_scores_and_marks_at_once() {
        let rows = vec![
            row(0, "best", 0.95, true),
            row(1, "second", 0.9, true),
            row(2, "chosen", 0.8, true),
            row(3, "refused-high", 0.85, false),
            row(4, "refused-low", 0.3, false),
        ];
        let rejections = vec![RejectionRow {
            wanted_id: crate::domain::ids::WantedId(1),
            username: "best".into(),
            filename: "f".into(),
            reason: "transfer_failed".into(),
            created_at: 0,
        }];
        let views = candidate_views(rows, &rejections, Some(("chosen", "f")));
        let order: Vec<(&str, bool)> = views
            .iter()
            .map(|v| (v.username.as_str(), v.accepted))
            .collect();
        assert_eq!(
            order,
            vec![
                ("chosen", true),
                ("second", true),
                ("best", false),
                ("refused-high", false),
                ("refused-low", false)
            ]
        );
        assert_eq!(views[2].rejected_by, vec!["transfer_failed"]);
        assert_eq!(views[3].rejected_by, vec!["version"]);
    }
}
