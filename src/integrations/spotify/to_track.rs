//! What Harmony keeps of a Spotify track: the fields of `domain::track::Track`.

use super::model::{FullTrack, SimplifiedAlbum, SimplifiedTrack};
use crate::domain::track::Track;

/// A catalog track (local files and episodes have no id and give `None`).
pub fn full_track(track: &FullTrack) -> Option<(String, Track)> {
    let id = track.id.clone().filter(|id| !id.is_empty())?;
    let album = track.album.as_ref();
    let t = Track {
        artist: track.artists.first().map(|a| a.name.clone()),
        title: Some(track.name.clone()).filter(|n| !n.trim().is_empty()),
        album: album.map(|a| a.name.clone()),
        album_artist: album
            .and_then(|a| a.artists.first())
            .map(|a| a.name.clone()),
        track_number: Some(track.track_number).filter(|n| *n > 0),
        disc_number: Some(track.disc_number).filter(|n| *n > 0),
        disc_count: None,
        year: album.and_then(release_year),
        duration_ms: Some(track.duration_ms).filter(|d| *d > 0),
        isrc: track.external_ids.isrc.clone(),
        spotify_track_id: Some(id.clone()),
        spotify_album_id: album.map(|a| a.id.clone()).filter(|a| !a.is_empty()),
    };
    (t.artist.is_some() && t.title.is_some()).then_some((id, t))
}

/// A track of an album listing (no album inside: the caller's album).
pub fn album_track(track: &SimplifiedTrack, album: &SimplifiedAlbum) -> Option<(String, Track)> {
    let id = Some(track.id.clone()).filter(|id| !id.is_empty())?;
    let t = Track {
        artist: track.artists.first().map(|a| a.name.clone()),
        title: Some(track.name.clone()).filter(|n| !n.trim().is_empty()),
        album: Some(album.name.clone()),
        album_artist: album.artists.first().map(|a| a.name.clone()),
        track_number: Some(track.track_number).filter(|n| *n > 0),
        disc_number: Some(track.disc_number).filter(|n| *n > 0),
        disc_count: None,
        year: release_year(album),
        duration_ms: Some(track.duration_ms).filter(|d| *d > 0),
        isrc: None,
        spotify_track_id: Some(id.clone()),
        spotify_album_id: Some(album.id.clone()).filter(|a| !a.is_empty()),
    };
    (t.artist.is_some() && t.title.is_some()).then_some((id, t))
}

fn release_year(album: &SimplifiedAlbum) -> Option<i32> {
    album.release_date.get(..4)?.parse().ok()
}
