//! The library's statistics, as `GET /library` shows them and a finished
//! scan stores them (the seeds' ScanWorker kept the same numbers).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FormatCount {
    pub tracks: i64,
    pub size_bytes: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LibraryStats {
    /// Distinct album artists (the track artist when a file has none), normalised.
    pub artists: i64,
    /// Distinct (album artist, album) pairs, normalised.
    pub albums: i64,
    /// Readable audio files.
    pub tracks: i64,
    pub total_size_bytes: i64,
    pub total_duration_ms: i64,
    /// By format (`mp3`, `flac`, `mp4`, `ogg_vorbis`, `ogg_opus`, …).
    pub by_format: BTreeMap<String, FormatCount>,
    /// Files that could not be read.
    pub unreadable: i64,
}
