//! Watched artists and the releases already turned into wanted tracks.
//! A check is a `check` job of the watchlist worker (one per artist), so one
//! failing artist never holds up the others and a crash loses no check.

use crate::domain::ids::WatchId;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{watchlist_artists, watchlist_releases};
use super::DbError;
use crate::domain::time::UnixMillis;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = watchlist_artists)]
pub struct WatchRow {
    pub id: WatchId,
    pub spotify_artist_id: String,
    pub name: Option<String>,
    pub last_checked: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// How `add` answered.
pub enum Added {
    New(WatchRow),
    AlreadyWatched(WatchRow),
}

/// Watches an artist from now on: only releases from today on count.
pub fn add(
    conn: &mut SqliteConnection,
    spotify_artist_id: &str,
    name: Option<&str>,
    now: UnixMillis,
) -> Result<Added, DbError> {
    let existing = watchlist_artists::table
        .filter(watchlist_artists::spotify_artist_id.eq(spotify_artist_id))
        .select(WatchRow::as_select())
        .first(conn)
        .optional()?;
    if let Some(row) = existing {
        return Ok(Added::AlreadyWatched(row));
    }
    let row = diesel::insert_into(watchlist_artists::table)
        .values((
            watchlist_artists::spotify_artist_id.eq(spotify_artist_id),
            watchlist_artists::name.eq(name),
            watchlist_artists::last_checked.eq(now),
            watchlist_artists::created_at.eq(now),
        ))
        .returning(WatchRow::as_returning())
        .get_result(conn)?;
    Ok(Added::New(row))
}

/// Newest first (by creation, then id), as every list (`api.md` §1).
pub fn list(
    conn: &mut SqliteConnection,
    limit: i64,
    offset: i64,
) -> Result<(Vec<WatchRow>, i64), DbError> {
    conn.transaction(|conn| {
        let rows = watchlist_artists::table
            .order((
                watchlist_artists::created_at.desc(),
                watchlist_artists::id.desc(),
            ))
            .limit(limit)
            .offset(offset)
            .select(WatchRow::as_select())
            .load(conn)?;
        let total = watchlist_artists::table.count().get_result(conn)?;
        Ok((rows, total))
    })
}

pub fn get(conn: &mut SqliteConnection, id: WatchId) -> Result<WatchRow, DbError> {
    Ok(watchlist_artists::table
        .find(id)
        .select(WatchRow::as_select())
        .first(conn)?)
}

/// Stops watching; the wanted tracks it created stay. `false` when unknown.
pub fn remove(conn: &mut SqliteConnection, id: WatchId) -> Result<bool, DbError> {
    Ok(diesel::delete(watchlist_artists::table.find(id)).execute(conn)? > 0)
}

/// Artists not checked successfully since `before`.
pub fn due_for_check(
    conn: &mut SqliteConnection,
    before: UnixMillis,
) -> Result<Vec<WatchId>, DbError> {
    Ok(watchlist_artists::table
        .filter(watchlist_artists::last_checked.le(before))
        .select(watchlist_artists::id)
        .load(conn)?)
}

/// Releases of this watch already taken.
pub fn known_releases(
    conn: &mut SqliteConnection,
    watch_id: WatchId,
) -> Result<std::collections::HashSet<String>, DbError> {
    Ok(watchlist_releases::table
        .filter(watchlist_releases::watch_id.eq(watch_id))
        .select(watchlist_releases::spotify_album_id)
        .load(conn)?
        .into_iter()
        .collect())
}

/// Remembers a release; false when it was already known.
pub fn insert_release(
    conn: &mut SqliteConnection,
    watch_id: WatchId,
    album_id: &str,
    name: &str,
    release_date: &str,
    tracks: usize,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_into(watchlist_releases::table)
        .values((
            watchlist_releases::watch_id.eq(watch_id),
            watchlist_releases::spotify_album_id.eq(album_id),
            watchlist_releases::name.eq(name),
            watchlist_releases::release_date.eq(release_date),
            watchlist_releases::tracks.eq(i32::try_from(tracks).unwrap_or(i32::MAX)),
            watchlist_releases::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(inserted == 1)
}

/// A successful check that started at `started_at`: later releases count next time.
pub fn checked(
    conn: &mut SqliteConnection,
    watch_id: WatchId,
    started_at: UnixMillis,
    name: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(watchlist_artists::table.find(watch_id))
        .set((
            watchlist_artists::last_checked.eq(started_at),
            watchlist_artists::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    if let Some(name) = name {
        diesel::update(
            watchlist_artists::table
                .find(watch_id)
                .filter(watchlist_artists::name.is_null()),
        )
        .set(watchlist_artists::name.eq(name))
        .execute(conn)?;
    }
    Ok(())
}

/// A failed check: `last_checked` stays, so nothing released meanwhile is missed.
pub fn check_failed(
    conn: &mut SqliteConnection,
    watch_id: WatchId,
    error: &str,
) -> Result<(), DbError> {
    diesel::update(watchlist_artists::table.find(watch_id))
        .set(watchlist_artists::last_error.eq(error))
        .execute(conn)?;
    Ok(())
}
