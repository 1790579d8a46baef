//! Imports: track lists turned into wanted tracks in one transaction, with
//! the links to expand later and the counters that follow the tracks.

use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{import_items, import_links, imports, wanted_tracks};
use super::wanted::{self, NewWanted};
use super::wanted_bulk;
use super::DbError;
use crate::domain::import_progress::ImportCounts;
use crate::domain::imports::{ImportTrack, PlaylistLink, Skipped};
use crate::domain::time::UnixMillis;
use crate::domain::track::Track;
use crate::domain::wanted::WantedState;

/// Wanted states in which an import is not finished.
const UNFINISHED: [&str; 4] = ["pending", "searching", "downloading", "not_found"];

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
fn track_of(t: &ImportTrack) -> Track {
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
    add_tracks(conn, row.id, tracks, now)?;
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

/// Makes tracks wanted on behalf of import `import_id` and links them to it
/// (in batches: a 10 000-track import is one short transaction).
pub fn add_tracks(
    conn: &mut SqliteConnection,
    import_id: i64,
    tracks: &[ImportTrack],
    now: UnixMillis,
) -> Result<usize, DbError> {
    let source = format!("import:{import_id}");
    let known: Vec<Track> = tracks.iter().map(track_of).collect();
    let news: Vec<NewWanted<'_>> = tracks
        .iter()
        .zip(&known)
        .map(|(t, track)| NewWanted {
            artist: &t.artist,
            title: &t.title,
            album: t.album.as_deref(),
            duration_ms: t.duration_ms,
            isrc: None,
            spotify_track_id: None,
            track_number: None,
            disc_number: None,
            priority: 0,
            source: &source,
            track,
        })
        .collect();
    let ids = wanted_bulk::create_many(conn, &news, now)?;
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

/// Creates (or finds) one wanted track and links it to the import; 1 when
/// the link is new.
pub fn link_wanted(
    conn: &mut SqliteConnection,
    import_id: i64,
    new: &NewWanted<'_>,
    now: UnixMillis,
) -> Result<usize, DbError> {
    let (wanted, _) = wanted::create_or_get(conn, new, now)?;
    Ok(diesel::insert_or_ignore_into(import_items::table)
        .values((
            import_items::import_id.eq(import_id),
            import_items::wanted_id.eq(wanted.id),
        ))
        .execute(conn)?)
}

/// The import has new tracks: not finished any more.
pub fn reopen(conn: &mut SqliteConnection, import_id: i64) -> Result<(), DbError> {
    diesel::update(imports::table.find(import_id))
        .set(imports::finished_at.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> Result<ImportView, DbError> {
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
