//! Tags, covers and lyrics inside audio files (MP3, FLAC, M4A, Ogg Vorbis, Ogg Opus), with
//! lofty.
//!
//! Every change goes through [`safe_write`]: the original is copied to a hidden temp file in
//! the same directory, the change is written to the copy, the copy is re-read and verified,
//! synced and atomically renamed over the original. On any failure the original is left
//! byte-identical.
//!
//! Field mapping (lofty's standard keys; see `mapping.rs` for the table and the tests that
//! pin it to lofty's own `ItemKey::map_key`):
//!
//! | TagSet | ID3v2 (MP3) | Vorbis comment (FLAC/Ogg/Opus) | MP4 (M4A) |
//! |---|---|---|---|
//! | title | `TIT2` | `TITLE` | `©nam` |
//! | artist | `TPE1` | `ARTIST` | `©ART` |
//! | album | `TALB` | `ALBUM` | `©alb` |
//! | album_artist | `TPE2` | `ALBUMARTIST` | `aART` |
//! | track_number / track_total | `TRCK` "n/total" | `TRACKNUMBER` / `TRACKTOTAL` | `trkn` |
//! | disc_number / disc_total | `TPOS` "n/total" | `DISCNUMBER` / `DISCTOTAL` | `disk` |
//! | year | `TDRC` (v2.3: `TYER`) | `DATE` | `©day` |
//! | genre | `TCON` | `GENRE` | `©gen` |
//! | composer | `TCOM` | `COMPOSER` | `©wrt` |
//! | producer | `TIPL` "producer" (v2.3: `IPLS`) | `PRODUCER` | `----:com.apple.iTunes:PRODUCER` |
//! | isrc | `TSRC` | `ISRC` | `----:com.apple.iTunes:ISRC` |
//! | copyright | `TCOP` | `COPYRIGHT` | `cprt` |
//! | spotify_track_id | `TXXX:SPOTIFY_TRACK_ID` | `SPOTIFY_TRACK_ID` | `----:com.apple.iTunes:SPOTIFY_TRACK_ID` |
//! | spotify_album_id | `TXXX:SPOTIFY_ALBUM_ID` | `SPOTIFY_ALBUM_ID` | `----:com.apple.iTunes:SPOTIFY_ALBUM_ID` |
//! | lyrics | `USLT` (lang `XXX`, no description) | `LYRICS` | `©lyr` |
//! | cover | one `APIC` type 3 | one `METADATA_BLOCK_PICTURE` type 3 (FLAC: picture block) | one `covr` item |

mod apply;
mod cover;
mod format;
mod id3;
mod index_read;
mod lyrics;
mod mapping;
mod mp4;
mod read;
mod safe_write;
mod vorbis;
mod write;

pub use apply::{apply, embed_cover, Applied, FileChanges};
pub use cover::{existing_cover, read_cover, Cover, CoverInfo};
pub use format::{AudioFormat, AudioSummary};
pub use index_read::{read_for_index, IndexedTags};
pub use lyrics::{embed_lyrics, read_lyrics};
pub use read::read_tags;
pub use safe_write::TEMP_SUFFIX;
pub use write::write_tags;

use serde::{Deserialize, Serialize};

/// The metadata Harmony writes. `None` means "leave whatever the file has".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSet {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_total: Option<u32>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub composer: Option<String>,
    pub producer: Option<String>,
    pub isrc: Option<String>,
    pub copyright: Option<String>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
}

/// ID3v2 version used when an MP3 is saved (ignored for other formats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Id3Version {
    #[default]
    V24,
    V23,
}

/// Why a file could not be read or changed. The original file is never modified when one of
/// these is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// The file type is not one of MP3, FLAC, M4A/MP4, Ogg Vorbis, Ogg Opus (or the change is
    /// not possible for this format, e.g. a WebP cover in MP4).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// lofty could not parse the file (corrupt, truncated, not audio).
    #[error("unreadable audio file: {0}")]
    Unreadable(String),
    /// A requested value cannot be stored (year out of range, bytes that are not an image, …).
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The written copy did not read back as expected; the original was kept.
    #[error("verification failed: {0}")]
    Verify(String),
    /// Reading, copying, syncing or renaming failed.
    #[error("i/o error: {0}")]
    Io(String),
}

impl TagError {
    pub(crate) fn io(context: &str, err: std::io::Error) -> Self {
        TagError::Io(format!("{context}: {err}"))
    }
}
