//! Backfill runs (imported tracks enriched with Spotify data, playlist links
//! expanded) and the Spotify lookup cache. A run is a `backfill` job of the
//! backfill worker; its counters and resume point are committed with each
//! track, so a crash neither loses nor repeats work.

use crate::domain::ids::{BackfillId, WantedId};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{backfills, spotify_lookups, wanted_tracks};
use super::wanted::WantedRow;
use super::DbError;
use crate::domain::imports::backfill_state::BackfillState;
use crate::domain::time::UnixMillis;
use crate::domain::track::Track;
use crate::domain::wanted::WantedState;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = backfills)]
pub struct BackfillRow {
    pub id: BackfillId,
    pub state: BackfillState,
    pub max_items: i32,
    pub expand_playlists: bool,
    pub cursor: i64,
    pub processed: i32,
    pub matched: i32,
    pub cache_hits: i32,
    pub expanded_playlists: i32,
    pub expanded_tracks: i32,
    pub errors: i32,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Creates a run (its job is queued by `lifecycle::sources`).
pub fn create(
    conn: &mut SqliteConnection,
    max_items: i32,
    expand_playlists: bool,
    now: UnixMillis,
) -> Result<BackfillRow, DbError> {
    let row: BackfillRow = diesel::insert_into(backfills::table)
        .values((
            backfills::max_items.eq(max_items),
            backfills::expand_playlists.eq(expand_playlists),
            backfills::created_at.eq(now),
            backfills::updated_at.eq(now),
        ))
        .returning(BackfillRow::as_returning())
        .get_result(conn)?;
    Ok(row)
}

pub fn get(conn: &mut SqliteConnection, id: BackfillId) -> Result<BackfillRow, DbError> {
    Ok(backfills::table
        .find(id)
        .select(BackfillRow::as_select())
        .first(conn)?)
}

pub fn set_state(
    conn: &mut SqliteConnection,
    id: BackfillId,
    state: BackfillState,
    error: Option<&str>,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(backfills::table.find(id))
        .set((
            backfills::state.eq(state),
            backfills::last_error.eq(error),
            backfills::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A run that went through: `completed`. A run that counted errors keeps
/// the last one (which track or link failed, and why); otherwise the error
/// of an earlier, interrupted attempt is cleared.
pub fn complete(
    conn: &mut SqliteConnection,
    id: BackfillId,
    now: UnixMillis,
) -> Result<(), DbError> {
    let errors: i32 = backfills::table
        .find(id)
        .select(backfills::errors)
        .first(conn)?;
    if errors == 0 {
        return set_state(conn, id, BackfillState::Completed, None, now);
    }
    diesel::update(backfills::table.find(id))
        .set((
            backfills::state.eq(BackfillState::Completed),
            backfills::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The next imported tracks without Spotify data after the run's cursor.
pub fn next_tracks(
    conn: &mut SqliteConnection,
    after_id: i64,
    limit: i64,
) -> Result<Vec<WantedRow>, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::id.gt(after_id))
        .filter(wanted_tracks::source.like("import:%"))
        .filter(wanted_tracks::spotify_track_id.is_null())
        .filter(wanted_tracks::state.ne(WantedState::Cancelled))
        .order(wanted_tracks::id)
        .limit(limit)
        .select(WantedRow::as_select())
        .load(conn)?)
}

/// What a lookup found, for one wanted track.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The Spotify track's data (cached or fresh).
    Matched(Track),
    NoMatch,
    /// Spotify could not be asked; the track is tried by a later run.
    Error(String),
}

/// Counts one processed track and moves the run's cursor past it.
pub fn count_processed(
    conn: &mut SqliteConnection,
    run: BackfillId,
    wanted_id: WantedId,
    outcome: &Outcome,
    cache_hit: bool,
    now: UnixMillis,
) -> Result<(), DbError> {
    let matched = i32::from(matches!(outcome, Outcome::Matched(_)));
    let errors = i32::from(matches!(outcome, Outcome::Error(_)));
    let error = match outcome {
        Outcome::Error(e) => Some(e.as_str()),
        _ => None,
    };
    diesel::update(backfills::table.find(run))
        .set((
            backfills::cursor.eq(wanted_id.get()),
            backfills::processed.eq(backfills::processed + 1),
            backfills::matched.eq(backfills::matched + matched),
            backfills::cache_hits.eq(backfills::cache_hits + i32::from(cache_hit)),
            backfills::errors.eq(backfills::errors + errors),
            backfills::updated_at.eq(now),
        ))
        .execute(conn)?;
    remember_error(conn, run, error)
}

/// Keeps the latest error of a run (counted in `errors`) for its answer.
fn remember_error(
    conn: &mut SqliteConnection,
    run: BackfillId,
    error: Option<&str>,
) -> Result<(), DbError> {
    if let Some(error) = error {
        diesel::update(backfills::table.find(run))
            .set(backfills::last_error.eq(error))
            .execute(conn)?;
    }
    Ok(())
}

/// Spotify fills what the import did not know; ids and ISRC always come from Spotify.
pub fn merge(track: &mut Track, found: &Track) {
    track.spotify_track_id = found.spotify_track_id.clone();
    track.spotify_album_id = found.spotify_album_id.clone();
    track.isrc = found.isrc.clone().or(track.isrc.take());
    track.album = track.album.take().or(found.album.clone());
    track.album_artist = track.album_artist.take().or(found.album_artist.clone());
    track.track_number = track.track_number.or(found.track_number);
    track.disc_number = track.disc_number.or(found.disc_number);
    track.year = track.year.or(found.year);
    track.duration_ms = track.duration_ms.or(found.duration_ms);
}

/// Counts an expanded playlist link and its tracks.
pub fn count_expansion(
    conn: &mut SqliteConnection,
    run: BackfillId,
    tracks: usize,
    error: Option<&str>,
    now: UnixMillis,
) -> Result<(), DbError> {
    let expanded = i32::from(error.is_none());
    let failed = i32::from(error.is_some());
    diesel::update(backfills::table.find(run))
        .set((
            backfills::expanded_playlists.eq(backfills::expanded_playlists + expanded),
            backfills::expanded_tracks
                .eq(backfills::expanded_tracks + i32::try_from(tracks).unwrap_or(i32::MAX)),
            backfills::errors.eq(backfills::errors + failed),
            backfills::updated_at.eq(now),
        ))
        .execute(conn)?;
    remember_error(conn, run, error)
}

/// A cached lookup younger than `fresh_after`: `Some(None)` is a cached "no match".
pub fn cached_lookup(
    conn: &mut SqliteConnection,
    key: &str,
    fresh_after: UnixMillis,
) -> Result<Option<Option<Track>>, DbError> {
    let found: Option<(Option<String>, Option<String>)> = spotify_lookups::table
        .find(key)
        .filter(spotify_lookups::looked_up_at.ge(fresh_after))
        .select((spotify_lookups::spotify_track_id, spotify_lookups::track))
        .first(conn)
        .optional()?;
    Ok(found.map(|(id, track)| match (id, track) {
        (Some(_), Some(track)) => Some(Track::from_json(&track)),
        _ => None,
    }))
}

pub fn store_lookup(
    conn: &mut SqliteConnection,
    key: &str,
    found: Option<&Track>,
    now: UnixMillis,
) -> Result<(), DbError> {
    let id = found.and_then(|t| t.spotify_track_id.clone());
    let track = found.map(Track::to_json);
    diesel::replace_into(spotify_lookups::table)
        .values((
            spotify_lookups::key.eq(key),
            spotify_lookups::spotify_track_id.eq(id),
            spotify_lookups::track.eq(track),
            spotify_lookups::looked_up_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
