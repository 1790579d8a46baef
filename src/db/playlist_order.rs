//! A synced playlist's order on Spotify and the files its tracks are in:
//! what its `.m3u8` file lists.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{downloads, spotify_playlist_tracks, spotify_playlists, wanted_tracks};
use super::DbError;
use crate::domain::downloads::state::DownloadState;
use crate::domain::wanted::WantedState;

/// A sync of the whole playlist begins: no track has a place yet.
pub fn clear_positions(conn: &mut SqliteConnection, playlist_id: &str) -> Result<(), DbError> {
    diesel::update(
        spotify_playlist_tracks::table.filter(spotify_playlist_tracks::playlist_id.eq(playlist_id)),
    )
    .set(spotify_playlist_tracks::spotify_position.eq(None::<i32>))
    .execute(conn)?;
    Ok(())
}

/// The track's place, unless it already has one in this sync (a track
/// twice in a playlist keeps its first place).
pub fn set_position(
    conn: &mut SqliteConnection,
    playlist_id: &str,
    spotify_id: &str,
    position: i32,
) -> Result<(), DbError> {
    diesel::update(
        spotify_playlist_tracks::table
            .find((playlist_id, spotify_id))
            .filter(spotify_playlist_tracks::spotify_position.is_null()),
    )
    .set(spotify_playlist_tracks::spotify_position.eq(position))
    .execute(conn)?;
    Ok(())
}

/// A playlist whose file is written: synced, still on Spotify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedPlaylist {
    pub id: String,
    pub name: String,
}

pub fn synced_playlists(conn: &mut SqliteConnection) -> Result<Vec<SyncedPlaylist>, DbError> {
    let rows: Vec<(String, String)> = spotify_playlists::table
        .filter(spotify_playlists::sync.eq(true))
        .filter(spotify_playlists::removed.eq(false))
        .order(spotify_playlists::position)
        .select((spotify_playlists::id, spotify_playlists::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| SyncedPlaylist { id, name })
        .collect())
}

/// One track of a playlist that is in the library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedTrack {
    pub artist: String,
    pub title: String,
    pub duration_ms: Option<i64>,
    /// Where Harmony organized it, else the indexed file that held it.
    pub path: String,
}

/// artist, title, length, organized path, indexed path.
type OwnedRow = (String, String, Option<i64>, Option<String>, Option<String>);

/// The playlist's completed tracks in Spotify's order.
pub fn owned_tracks(
    conn: &mut SqliteConnection,
    playlist_id: &str,
) -> Result<Vec<OwnedTrack>, DbError> {
    let rows: Vec<OwnedRow> = spotify_playlist_tracks::table
        .inner_join(wanted_tracks::table)
        .left_join(
            downloads::table.on(wanted_tracks::download_id
                .eq(downloads::id.nullable())
                .and(downloads::state.eq(DownloadState::Completed))),
        )
        .filter(spotify_playlist_tracks::playlist_id.eq(playlist_id))
        .filter(spotify_playlist_tracks::spotify_position.is_not_null())
        .filter(wanted_tracks::state.eq(WantedState::Completed))
        .order(spotify_playlist_tracks::spotify_position)
        .select((
            wanted_tracks::artist,
            wanted_tracks::title,
            wanted_tracks::duration_ms,
            downloads::organized_path.nullable(),
            wanted_tracks::library_path,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(artist, title, duration_ms, organized, indexed)| {
            Some(OwnedTrack {
                artist,
                title,
                duration_ms,
                path: organized.or(indexed)?,
            })
        })
        .collect())
}
