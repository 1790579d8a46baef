//! The Web API's catalog objects, read tolerantly: unknown fields are
//! ignored, missing fields and `null`s (local files have `id: null`, an
//! empty album, `release_date: null`…) become defaults.

use serde::{Deserialize, Deserializer};

/// A field that may be absent or `null`: both read as the default.
pub(super) fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// A list whose elements may be `null` (Spotify has served null playlists
/// in `me/playlists`): the nulls are dropped.
fn skip_nulls<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Option<Vec<Option<T>>> = Deserialize::deserialize(d)?;
    Ok(items.unwrap_or_default().into_iter().flatten().collect())
}

/// One page of a list; `next` is the absolute URL of the following page,
/// `None` on the last one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default, deserialize_with = "skip_nulls")]
    pub items: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub total: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub offset: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub limit: u32,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next: None,
            total: 0,
            offset: 0,
            limit: 0,
        }
    }
}

/// A simplified artist as tracks and albums carry it; `id` is empty for the
/// artist of a local file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ArtistRef {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Image {
    #[serde(default, deserialize_with = "nullable")]
    pub url: String,
    #[serde(default)]
    pub width: Option<u32>,
    #[serde(default)]
    pub height: Option<u32>,
}

/// `external_ids` of tracks (`isrc`) and albums (`upc`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExternalIds {
    #[serde(default)]
    pub isrc: Option<String>,
    #[serde(default)]
    pub upc: Option<String>,
}

/// An album inside a track or an artist's album list. `album_group` is only
/// present in artist-album lists; `id` is empty in a local file's track.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SimplifiedAlbum {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub album_type: String,
    #[serde(default)]
    pub album_group: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as `release_date_precision` says.
    #[serde(default, deserialize_with = "nullable")]
    pub release_date: String,
    #[serde(default, deserialize_with = "nullable")]
    pub release_date_precision: String,
    #[serde(default, deserialize_with = "nullable")]
    pub artists: Vec<ArtistRef>,
    #[serde(default, deserialize_with = "nullable")]
    pub images: Vec<Image>,
    #[serde(default, deserialize_with = "nullable")]
    pub total_tracks: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Copyright {
    #[serde(default, deserialize_with = "nullable")]
    pub text: String,
    /// `C` (copyright) or `P` (sound recording).
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    pub kind: String,
}

/// A full album (`GET albums/{id}`): the first page of its tracks included.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Album {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub album_type: String,
    #[serde(default, deserialize_with = "nullable")]
    pub release_date: String,
    #[serde(default, deserialize_with = "nullable")]
    pub release_date_precision: String,
    #[serde(default, deserialize_with = "nullable")]
    pub artists: Vec<ArtistRef>,
    #[serde(default, deserialize_with = "nullable")]
    pub images: Vec<Image>,
    #[serde(default, deserialize_with = "nullable")]
    pub total_tracks: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub copyrights: Vec<Copyright>,
    /// Always empty in practice, kept for the day Spotify fills it.
    #[serde(default, deserialize_with = "nullable")]
    pub genres: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub label: String,
    #[serde(default, deserialize_with = "nullable")]
    pub external_ids: ExternalIds,
    #[serde(default, deserialize_with = "nullable")]
    pub tracks: Page<SimplifiedTrack>,
}

/// A track of an album's track list: no album, no `external_ids`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SimplifiedTrack {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub duration_ms: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub track_number: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub disc_number: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub artists: Vec<ArtistRef>,
}

/// A full track; `id` is `None` for a local file in a playlist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct FullTrack {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub duration_ms: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub track_number: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub disc_number: u32,
    #[serde(default, deserialize_with = "nullable")]
    pub artists: Vec<ArtistRef>,
    #[serde(default)]
    pub album: Option<SimplifiedAlbum>,
    #[serde(default, deserialize_with = "nullable")]
    pub external_ids: ExternalIds,
    #[serde(default, deserialize_with = "nullable")]
    pub is_local: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Artist {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub genres: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub images: Vec<Image>,
}

/// A liked song (`me/tracks`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SavedTrack {
    #[serde(default)]
    pub added_at: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub track: FullTrack,
}

/// The account the token belongs to (`GET me`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SpotifyUser {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// `premium`, `free`…: since February 2026 a development-mode app's
    /// owner needs Premium.
    #[serde(default)]
    pub product: Option<String>,
}

/// The answer of `GET search?type=track`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct TrackSearch {
    #[serde(default, deserialize_with = "nullable")]
    pub tracks: Page<FullTrack>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_file_track_reads_with_its_nulls() {
        let json = r#"{"album":{"album_type":null,"artists":[],"id":null,"images":[],
            "name":"","release_date":null,"release_date_precision":null,"type":"album"},
            "artists":[{"id":null,"name":"Someone","type":"artist"}],"disc_number":0,
            "duration_ms":0,"external_ids":{},"id":null,"is_local":true,"name":"demo",
            "track_number":0,"type":"track","uri":"spotify:local:Someone::demo:0"}"#;
        let t: FullTrack = serde_json::from_str(json).unwrap();
        assert_eq!(t.id, None);
        assert!(t.is_local);
        assert_eq!(t.artists[0].name, "Someone");
        assert_eq!(t.album.unwrap().release_date, "");
    }

    #[test]
    fn pages_drop_null_items_and_tolerate_missing_fields() {
        let page: Page<Artist> =
            serde_json::from_str(r#"{"items":[null,{"id":"a","name":"A"}],"total":2}"#).unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.next, None);
        assert_eq!(page.total, 2);
    }
}
