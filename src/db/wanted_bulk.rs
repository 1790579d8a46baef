//! The batched queries behind `lifecycle::wanted_bulk`: lookups and inserts
//! of thousands of wanted tracks in a few statements.

use crate::domain::ids::WantedId;
use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{downloads, wanted_tracks};
use super::wanted::NewWanted;
use super::DbError;
use crate::domain::downloads::state::DownloadState;
use crate::domain::time::UnixMillis;
use crate::domain::wanted::{album_key, track_key, WantedState};

/// Rows per statement (well below SQLite's variable limit).
pub const CHUNK: usize = 250;

/// The oldest wanted row per dedupe key among `keys`.
pub fn existing_by_key(
    conn: &mut SqliteConnection,
    keys: &[String],
) -> Result<HashMap<String, (WantedId, WantedState)>, DbError> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let rows: Vec<(WantedId, WantedState, String)> = wanted_tracks::table
            .filter(wanted_tracks::dedupe_key.eq_any(chunk))
            .order(wanted_tracks::id)
            .select((
                wanted_tracks::id,
                wanted_tracks::state,
                wanted_tracks::dedupe_key,
            ))
            .load(conn)?;
        for (id, state, key) in rows {
            found.entry(key).or_insert((id, state));
        }
    }
    Ok(found)
}

/// Completed downloads holding these tracks (same rule as
/// `create_or_get`: same artist + title, and the same album when both have one).
pub fn in_library(
    conn: &mut SqliteConnection,
    news: &[NewWanted<'_>],
    candidates: &[usize],
) -> Result<HashMap<usize, i64>, DbError> {
    let wanted_keys: Vec<(usize, String, Option<String>)> = candidates
        .iter()
        .filter_map(|&i| {
            let n = &news[i];
            track_key(n.artist, n.title).map(|k| (i, k, album_key(n.album)))
        })
        .collect();
    let mut by_track: HashMap<String, Vec<(i64, Option<String>)>> = HashMap::new();
    for chunk in wanted_keys.chunks(CHUNK) {
        let keys: Vec<&str> = chunk.iter().map(|(_, k, _)| k.as_str()).collect();
        let rows: Vec<(i64, Option<String>, Option<String>)> = downloads::table
            .filter(downloads::state.eq(DownloadState::Completed))
            .filter(downloads::track_key.eq_any(keys))
            .order(downloads::id.desc())
            .select((downloads::id, downloads::track_key, downloads::album_key))
            .load(conn)?;
        for (id, track, album) in rows {
            if let Some(track) = track {
                by_track.entry(track).or_default().push((id, album));
            }
        }
    }
    let mut found = HashMap::new();
    for (i, key, album) in wanted_keys {
        let hit = by_track.get(&key).and_then(|downloads| {
            downloads
                .iter()
                .find(|(_, theirs)| album.is_none() || theirs.is_none() || *theirs == album)
        });
        if let Some((id, _)) = hit {
            found.insert(i, *id);
        }
    }
    Ok(found)
}

/// Inserts one chunk of new tracks (`completed` when in the library,
/// else `pending`); returns (input index, new id).
pub fn insert_chunk(
    conn: &mut SqliteConnection,
    news: &[NewWanted<'_>],
    keys: &[String],
    chunk: &[usize],
    library: &HashMap<usize, i64>,
    indexed: &HashMap<usize, String>,
    now: UnixMillis,
) -> Result<Vec<(usize, WantedId)>, DbError> {
    let rows: Vec<_> = chunk
        .iter()
        .map(|&i| {
            let n = &news[i];
            let state = if library.contains_key(&i) || indexed.contains_key(&i) {
                WantedState::Completed
            } else {
                WantedState::Pending
            };
            (
                wanted_tracks::state.eq(state),
                wanted_tracks::artist.eq(n.artist),
                wanted_tracks::title.eq(n.title),
                wanted_tracks::album.eq(n.album),
                wanted_tracks::duration_ms.eq(n.duration_ms.and_then(|d| i64::try_from(d).ok())),
                wanted_tracks::isrc.eq(n.isrc),
                wanted_tracks::track_number.eq(n.track_number.and_then(|v| i32::try_from(v).ok())),
                wanted_tracks::disc_number.eq(n.disc_number.and_then(|v| i32::try_from(v).ok())),
                wanted_tracks::priority.eq(n.priority),
                wanted_tracks::source.eq(n.source),
                wanted_tracks::track.eq(n.track.to_json()),
                wanted_tracks::dedupe_key.eq(keys[i].as_str()),
                wanted_tracks::download_id.eq(library.get(&i).copied()),
                wanted_tracks::library_path.eq(indexed.get(&i).map(String::as_str)),
                wanted_tracks::created_at.eq(now),
                wanted_tracks::updated_at.eq(now),
            )
        })
        .collect();
    let inserted: Vec<(WantedId, String)> = diesel::insert_into(wanted_tracks::table)
        .values(rows)
        .returning((wanted_tracks::id, wanted_tracks::dedupe_key))
        .get_results(conn)?;
    // RETURNING order is not guaranteed: match rows by their (unique in this chunk) key.
    let by_key: HashMap<&str, usize> = chunk.iter().map(|&i| (keys[i].as_str(), i)).collect();
    let mut out = Vec::with_capacity(inserted.len());
    for (id, key) in &inserted {
        if let Some(&i) = by_key.get(key.as_str()) {
            out.push((i, *id));
        }
    }
    Ok(out)
}
