//! What the artifact endpoints answer (`api.md` §3).

use crate::domain::ids::DownloadId;
use serde::Serialize;

use crate::media::tags::TagSet;

/// The tags as written to the file (read back after the write).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TagsView {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub composer: Option<String>,
    pub producer: Option<String>,
    pub isrc: Option<String>,
    pub copyright: Option<String>,
    pub track_total: Option<u32>,
    pub disc_total: Option<u32>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
}

impl From<TagSet> for TagsView {
    fn from(t: TagSet) -> Self {
        TagsView {
            title: t.title,
            artist: t.artist,
            album: t.album,
            album_artist: t.album_artist,
            track_number: t.track_number,
            disc_number: t.disc_number,
            year: t.year,
            genre: t.genre,
            composer: t.composer,
            producer: t.producer,
            isrc: t.isrc,
            copyright: t.copyright,
            track_total: t.track_total,
            disc_total: t.disc_total,
            spotify_track_id: t.spotify_track_id,
            spotify_album_id: t.spotify_album_id,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MetadataView {
    pub id: i64,
    /// The file the tags were written to.
    pub path: String,
    pub tags: TagsView,
}

/// A refresh was queued, or the answer is still being worked on.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PendingView {
    pub id: i64,
    /// Always `pending`.
    pub status: String,
}

impl PendingView {
    pub fn new(id: DownloadId) -> Self {
        PendingView {
            id: id.get(),
            status: "pending".into(),
        }
    }
}
