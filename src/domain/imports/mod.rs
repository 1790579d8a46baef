//! Track-list imports (`api.md` §9): turns the body of `POST /api/v1/imports`
//! (a JSON request, or one uploaded CSV, JSON, plain-text or M3U file) into
//! accepted tracks, Spotify playlist links to expand later, and the items
//! that were skipped with a reason.
//!
//! Everything here is pure: the HTTP layer decodes the body and persists the
//! returned [`ParsedImport`], which is already normalised and deduplicated
//! (within this one import); an import over [`MAX_TRACKS`] / [`MAX_LINKS`]
//! is refused whole ([`ParsedImport::check_limits`]).
//!
//! Submodules, one idea each:
//! - [`normalize`]: the text clean-up every field goes through;
//! - [`duration`]: `m:ss`, `h:mm:ss` and millisecond durations;
//! - [`links`]: Spotify playlist links and URIs;
//! - [`line`](mod@line): one `Artist - Title | Album | 3:45` line (or M3U line);
//! - [`text`]: a whole text / M3U document;
//! - [`csv_file`]: CSV files with a header row (Exportify and friends);
//! - [`json_tracks`]: the JSON request and JSON files;
//! - [`request`]: uploaded files, kind detection and decoding;
//! - [`limits`]: how many tracks and links one import may hold;
//! - [`progress`]: where an import stands once its tracks are wanted;
//! - `collect` (private): dedupe, counting and the bounded skipped list.

pub mod backfill_state;
mod collect;
pub mod csv_file;
pub mod duration;
pub mod json_tracks;
pub mod limits;
pub mod line;
pub mod links;
pub mod normalize;
pub mod progress;
pub mod request;
pub mod text;

#[cfg(test)]
mod proptests;

use serde::Serialize;

pub use csv_file::parse_csv;
pub use duration::parse_duration;
pub use json_tracks::{parse_json_file, parse_json_request, JsonRequest};
pub use limits::{TooMany, MAX_LINKS, MAX_TRACKS};
pub use line::{parse_line, LineOutcome};
pub use links::parse_playlist_link;
pub use request::{parse_file, FileKind};
pub use text::parse_text;

/// Skipped items listed in [`ParsedImport::skipped`]; the rest are only counted.
pub const MAX_SKIPPED_LISTED: usize = 1_000;
/// Longest accepted artist, title or album, in characters (after normalisation).
pub const MAX_FIELD_CHARS: usize = 500;
/// Longest `input` echoed back in a [`Skipped`] entry, in characters.
pub const MAX_INPUT_CHARS: usize = 300;

/// One accepted track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTrack {
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
}

/// A Spotify playlist to expand later; `id` is 22 base-62 chars, `url`
/// canonical `https://open.spotify.com/playlist/<id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistLink {
    pub id: String,
    pub url: String,
}

/// An item that was not imported, echoed back to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Skipped {
    /// The original line, CSV row (re-joined with `,`) or JSON text of the
    /// item, cut to [`MAX_INPUT_CHARS`] characters.
    pub input: String,
    pub reason: SkipReason,
}

/// Why an item was skipped; serialised as a snake_case string. The wire
/// names are the contract's vocabulary (`api.md` §13 "Imports"), nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The same track (or playlist) already appears earlier in this import.
    Duplicate,
    MissingArtist,
    MissingTitle,
    /// Cannot be read as a track: not an `Artist - Title` shape, an extra
    /// `|` segment, a file path, or a wrong-typed item or field.
    Unparsable,
    InvalidDuration,
    /// Any link Harmony cannot use: not a Spotify playlist (a track, album
    /// or artist link, another site, a short link), a bad playlist id, or a
    /// `links` entry that is not a string.
    InvalidLink,
    /// A field longer than [`MAX_FIELD_CHARS`] characters.
    TooLong,
}

impl SkipReason {
    pub const ALL: [SkipReason; 7] = [
        SkipReason::Duplicate,
        SkipReason::MissingArtist,
        SkipReason::MissingTitle,
        SkipReason::Unparsable,
        SkipReason::InvalidDuration,
        SkipReason::InvalidLink,
        SkipReason::TooLong,
    ];

    /// The wire name (same as the serde form).
    pub fn as_str(&self) -> &'static str {
        match self {
            SkipReason::Duplicate => "duplicate",
            SkipReason::MissingArtist => "missing_artist",
            SkipReason::MissingTitle => "missing_title",
            SkipReason::Unparsable => "unparsable",
            SkipReason::InvalidDuration => "invalid_duration",
            SkipReason::InvalidLink => "invalid_link",
            SkipReason::TooLong => "too_long",
        }
    }
}

/// The result of one import: normalised and deduplicated, in input order.
/// Check [`ParsedImport::check_limits`] before persisting it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParsedImport {
    pub tracks: Vec<ImportTrack>,
    pub links: Vec<PlaylistLink>,
    /// The first [`MAX_SKIPPED_LISTED`] skipped items.
    pub skipped: Vec<Skipped>,
    /// Every skipped item, including those not listed in `skipped`.
    pub skipped_total: usize,
    /// Links the input named (a `links` entry or a link line), valid or
    /// not, duplicates included: what [`MAX_LINKS`] limits.
    pub given_links: usize,
    /// Tracks the input named (a `tracks` item, a track line, a CSV row),
    /// readable or not, duplicates included: what [`MAX_TRACKS`] limits.
    pub given_tracks: usize,
}

/// A whole-request error (HTTP 422 for the caller).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    #[error("the CSV file is empty: it needs a header row with `artist` and `title` columns")]
    CsvEmpty,
    #[error("the CSV header row has no `{0}` column (it needs `artist` and `title` columns)")]
    CsvMissingColumn(&'static str),
    #[error("the CSV file could not be read: {0}")]
    Csv(String),
    #[error("the file is not valid JSON: {0}")]
    Json(String),
    #[error("the JSON file must be an array of tracks or an object with `tracks`, `links` and `text`: {0}")]
    JsonShape(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_reasons_serialise_as_their_wire_names() {
        for reason in SkipReason::ALL {
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                serde_json::Value::String(reason.as_str().into())
            );
        }
        let skipped = Skipped {
            input: "x".into(),
            reason: SkipReason::MissingArtist,
        };
        assert_eq!(
            serde_json::to_string(&skipped).unwrap(),
            r#"{"input":"x","reason":"missing_artist"}"#
        );
    }

    #[test]
    fn errors_read_as_one_line() {
        let errors = [
            ImportError::NotUtf8,
            ImportError::CsvEmpty,
            ImportError::CsvMissingColumn("artist"),
            ImportError::Csv("x".into()),
            ImportError::Json("expected value at line 1 column 1".into()),
            ImportError::JsonShape("x".into()),
        ];
        for error in errors {
            let text = error.to_string();
            assert!(!text.is_empty() && !text.contains('\n'), "{text}");
        }
    }

    #[test]
    fn end_to_end_text_request() {
        let req = JsonRequest {
            links: vec![serde_json::json!(
                "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M"
            )],
            tracks: vec![serde_json::json!({"artist": "A-ha", "title": "Take On Me"})],
            text: Some("Jay-Z - 99 Problems | The Black Album | 3:54\na-ha - take on me".into()),
        };
        let parsed = parse_json_request(&req);
        assert_eq!(parsed.links.len(), 1);
        assert_eq!(parsed.tracks.len(), 2);
        assert_eq!(parsed.tracks[0].artist, "A-ha");
        assert_eq!(parsed.tracks[1].artist, "Jay-Z");
        assert_eq!(parsed.tracks[1].duration_ms, Some(234_000));
        assert_eq!(
            parsed.skipped,
            vec![Skipped {
                input: "a-ha - take on me".into(),
                reason: SkipReason::Duplicate
            }]
        );
        assert_eq!(parsed.skipped_total, 1);
    }
}
