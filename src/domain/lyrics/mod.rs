//! Lyrics as text: LRC parsing, validation and formatting (providers.md §3, api.md §13).
//!
//! - [`parse`] reads LRC (as served by LRCLIB `syncedLyrics` or found in `.lrc` files).
//! - [`validate`] checks parsed lines before they are written next to a track.
//! - [`choose`] picks among provider records (duration window, synced first).
//! - [`format_lrc`] writes a normalised `.lrc` file; [`plain_text`] the unsynced text that is
//!   embedded in the audio file.

mod choice;
mod format;
mod lrc;
mod validate;

pub use choice::{choose, evaluate, within_window, Found, LyricsCandidate, DURATION_WINDOW_MS};
pub use format::{format_lrc, format_timestamp, plain_text};
pub use lrc::parse;
pub use validate::{validate, LyricsProblem, END_SLACK_MS};

use serde::{Deserialize, Serialize};

/// One timed lyric line. `text` may be empty: LRC uses timed blank lines for breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LrcLine {
    /// Start of the line in milliseconds from the beginning of the track.
    pub at_ms: u64,
    pub text: String,
}

/// Header of a generated `.lrc` file. Empty strings and `None` are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LrcHeader {
    pub title: String,
    pub artist: String,
    pub album: Option<String>,
    pub length_ms: Option<u64>,
}
