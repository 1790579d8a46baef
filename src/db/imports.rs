//! Imports: track lists turned into wanted tracks in one transaction, with
//! the links to expand later and the counters that follow the tracks.

use crate::domain::ids::WantedId;
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{import_items, import_links, imports, wanted_tracks};
use super::DbError;
use crate::domain::imports::progress::ImportCounts;
use crate::domain::imports::{ImportTrack, PlaylistLink, Skipped};
use crate::domain::time::UnixMillis;
use crate::domain::track::Track;
use crate::domain::wanted::WantedState;

/// Wanted states in which an import is not finished.
const UNFINISHED: [WantedState; 4] = [
    WantedState::Pending,
    WantedState::Searching,
    WantedState::Downloading,
    WantedState::NotFound,
];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: i64,
    pub accepted_tracks: i32,
    pub accepted_links: i32,
    pub skipped: String,
    pub skipped_total: i32,
    pub finished_at: Option<i64>,
    pub created_at: i64,
}

/// An import and where its tracks stand.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub row: ImportRow,
    pub counts: ImportCounts,
    pub links_pending: bool,
}

/// What Harmony knows of an imported track.
pub fn track_of(t: &ImportTrack) -> Track {
    Track {
        artist: Some(t.artist.clone()),
        title: Some(t.title.clone()),
        album: t.album.clone(),
        duration_ms: t.duration_ms,
        ..Track::default()
    }
}

/// Imports not finished yet (`INGEST_MAX_PENDING_JOBS`). Imports whose
/// tracks have all finished are marked so first, which keeps this cheap.
pub fn count_unfinished(conn: &mut SqliteConnection, now: UnixMillis) -> Result<i64, DbError> {
    let still_wanted = import_items::table
        .inner_join(wanted_tracks::table)
        .filter(import_items::import_id.eq(imports::id))
        .filter(wanted_tracks::state.eq_any(UNFINISHED));
    diesel::update(
        imports::table
            .filter(imports::finished_at.is_null())
            .filter(diesel::dsl::not(exists(still_wanted))),
    )
    .set(imports::finished_at.eq(now))
    .execute(conn)?;
    Ok(imports::table
        .filter(imports::finished_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Imports whose tracks have all ended, not marked finished yet.
pub fn newly_finished(conn: &mut SqliteConnection) -> Result<Vec<i64>, DbError> {
    let still_wanted = import_items::table
        .inner_join(wanted_tracks::table)
        .filter(import_items::import_id.eq(imports::id))
        .filter(wanted_tracks::state.eq_any(UNFINISHED));
    Ok(imports::table
        .filter(imports::finished_at.is_null())
        .filter(diesel::dsl::not(exists(still_wanted)))
        .select(imports::id)
        .load(conn)?)
}

pub fn mark_finished(conn: &mut SqliteConnection, id: i64, now: UnixMillis) -> Result<(), DbError> {
    diesel::update(imports::table.find(id))
        .set(imports::finished_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Registers an import: every accepted track becomes wanted (`source`
/// `import:<id>`; one already wanted is linked, not duplicated) and the
/// playlist links are kept for a backfill to expand.
pub fn create(
    conn: &mut SqliteConnection,
    tracks: &[ImportTrack],
    links: &[PlaylistLink],
    skipped: &[Skipped],
    skipped_total: usize,
    now: UnixMillis,
) -> Result<ImportRow, DbError> {
    let skipped_json = serde_json::to_string(skipped).unwrap_or_else(|_| "[]".into());
    let row: ImportRow = diesel::insert_into(imports::table)
        .values((
            imports::accepted_tracks.eq(count_i32(tracks.len())),
            imports::accepted_links.eq(count_i32(links.len())),
            imports::skipped.eq(skipped_json),
            imports::skipped_total.eq(count_i32(skipped_total)),
            imports::created_at.eq(now),
        ))
        .returning(ImportRow::as_returning())
        .get_result(conn)?;
    for link in links {
        diesel::insert_into(import_links::table)
            .values((
                import_links::import_id.eq(row.id),
                import_links::playlist_id.eq(&link.id),
                import_links::url.eq(&link.url),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
    }
    Ok(row)
}

/// Links wanted tracks to the import (in batches); the number of new links.
pub fn link_items(
    conn: &mut SqliteConnection,
    import_id: i64,
    ids: &[WantedId],
) -> Result<usize, DbError> {
    let mut added = 0;
    for chunk in ids.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| {
                (
                    import_items::import_id.eq(import_id),
                    import_items::wanted_id.eq(*id),
                )
            })
            .collect();
        added += diesel::insert_or_ignore_into(import_items::table)
            .values(rows)
            .execute(conn)?;
    }
    if added > 0 {
        reopen(conn, import_id)?;
    }
    Ok(added)
}

/// Moves the import links of one wanted track to another.
pub fn relink_items(
    conn: &mut SqliteConnection,
    from: WantedId,
    to: WantedId,
) -> Result<(), DbError> {
    let imports: Vec<i64> = import_items::table
        .filter(import_items::wanted_id.eq(from))
        .select(import_items::import_id)
        .load(conn)?;
    for import_id in imports {
        diesel::insert_or_ignore_into(import_items::table)
            .values((
                import_items::import_id.eq(import_id),
                import_items::wanted_id.eq(to),
            ))
            .execute(conn)?;
    }
    diesel::delete(import_items::table.filter(import_items::wanted_id.eq(from))).execute(conn)?;
    Ok(())
}

/// The import has new tracks: not finished any more.
pub fn reopen(conn: &mut SqliteConnection, import_id: i64) -> Result<(), DbError> {
    diesel::update(imports::table.find(import_id))
        .set(imports::finished_at.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> Result<ImportView, DbError> {
    // The state is derived from all three reads: one snapshot.
    conn.transaction(|conn| view(conn, id))
}

fn view(conn: &mut SqliteConnection, id: i64) -> Result<ImportView, DbError> {
    let row: ImportRow = imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)?;
    let by_state: Vec<(String, i64)> = import_items::table
        .inner_join(wanted_tracks::table)
        .filter(import_items::import_id.eq(id))
        .group_by(wanted_tracks::state)
        .select((wanted_tracks::state, count_star()))
        .load(conn)?;
    let mut counts = ImportCounts::default();
    for (state, n) in by_state {
        let state = WantedState::parse(&state).unwrap_or(WantedState::Failed);
        counts.add(state, u64::try_from(n).unwrap_or(0));
    }
    let links_pending = diesel::select(exists(
        import_links::table
            .filter(import_links::import_id.eq(id))
            .filter(import_links::expanded_at.is_null()),
    ))
    .get_result(conn)?;
    Ok(ImportView {
        row,
        counts,
        links_pending,
    })
}

/// A playlist link waiting to be expanded.
#[derive(Debug, Clone, Queryable)]
pub struct PendingLink {
    pub import_id: i64,
    pub playlist_id: String,
}

pub fn pending_links(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<PendingLink>, DbError> {
    Ok(import_links::table
        .filter(import_links::expanded_at.is_null())
        .order((import_links::import_id, import_links::playlist_id))
        .limit(limit)
        .select((import_links::import_id, import_links::playlist_id))
        .load(conn)?)
}

/// The link's tracks are wanted (or the link cannot be expanded: `error`).
pub fn link_done(
    conn: &mut SqliteConnection,
    link: &PendingLink,
    error: Option<&str>,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(import_links::table.find((link.import_id, &link.playlist_id)))
        .set((
            import_links::expanded_at.eq(now),
            import_links::last_error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

fn count_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}
