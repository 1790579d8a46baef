//! Where wanted tracks come from: imports, Spotify playlists, watched
//! artists' new releases, backfill runs. Each turns tracks into wanted
//! ones and records its own progress in the same transaction.

use serde_json::json;

use super::events::Event;
use super::wanted::{self, Created};
use super::{wanted_bulk, Change};
use crate::db::backfill::{self as backfill_rows, BackfillRow, Outcome};
use crate::db::imports::{self as import_rows, ImportRow};
use crate::db::wanted::{self as wanted_rows, NewWanted, WantedRow};
use crate::db::{jobs, playlist_order, spotify as playlist_rows, watchlist as watch_rows, DbError};
use crate::domain::ids::{BackfillId, WatchId};
use crate::domain::imports::{ImportTrack, PlaylistLink, Skipped};
use crate::domain::time::UnixMillis;
use crate::domain::track::Track;
use crate::domain::wanted::WantedState;
use crate::jobs::{BackfillJob, WatchlistJob, WorkerJob};

/// Registers an import: every accepted track becomes wanted (`source`
/// `import:<id>`; one already wanted is linked, not duplicated) and the
/// playlist links are kept for a backfill to expand.
pub fn create_import(
    c: &mut Change<'_>,
    tracks: &[ImportTrack],
    links: &[PlaylistLink],
    skipped: &[Skipped],
    skipped_total: usize,
) -> Result<ImportRow, DbError> {
    let now = c.now();
    let row = import_rows::create(c.conn(), tracks, links, skipped, skipped_total, now)?;
    add_import_tracks(c, row.id, tracks)?;
    Ok(row)
}

/// Imports whose every track has ended (completed, failed, cancelled) are
/// marked finished and announced (`import.finished`, with their counts).
/// Runs before anything else marks them (`count_unfinished`), so none is
/// marked silently.
pub fn finish_imports(c: &mut Change<'_>) -> Result<usize, DbError> {
    let now = c.now();
    let ids = import_rows::newly_finished(c.conn())?;
    for &id in &ids {
        import_rows::mark_finished(c.conn(), id, now)?;
        let view = import_rows::get(c.conn(), id)?;
        c.emit(Event::ImportFinished {
            import_id: id,
            counts: json!(view.counts),
        });
    }
    Ok(ids.len())
}

/// Makes tracks wanted on behalf of import `import_id` and links them to it
/// (in batches: a 10 000-track import is one short transaction).
pub fn add_import_tracks(
    c: &mut Change<'_>,
    import_id: i64,
    tracks: &[ImportTrack],
) -> Result<usize, DbError> {
    let source = format!("import:{import_id}");
    let known: Vec<Track> = tracks.iter().map(import_rows::track_of).collect();
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
    let ids = wanted_bulk::create_many(c, &news)?;
    import_rows::link_items(c.conn(), import_id, &ids)
}

/// Creates (or finds) one wanted track and links it to the import; 1 when
/// the link is new.
pub fn link_to_import(
    c: &mut Change<'_>,
    import_id: i64,
    new: &NewWanted<'_>,
) -> Result<usize, DbError> {
    let (wanted, _) = wanted::create_or_get(c, new)?;
    import_rows::link_items(c.conn(), import_id, &[wanted.id])
}

/// New tracks of a synced playlist become wanted (each linked to the
/// wanted entry it became). Returns how many were new to the playlist.
/// `first_position` is the place of `tracks[0]` in Spotify's order (0 on
/// the first page: the places of the last sync are forgotten).
pub fn take_playlist_tracks(
    c: &mut Change<'_>,
    playlist_id: &str,
    tracks: &[(String, NewWanted<'_>)],
    first_position: i32,
) -> Result<usize, DbError> {
    let now = c.now();
    if first_position == 0 {
        playlist_order::clear_positions(c.conn(), playlist_id)?;
    }
    let ids: Vec<&str> = tracks.iter().map(|(id, _)| id.as_str()).collect();
    let known = playlist_rows::known_tracks(c.conn(), playlist_id, &ids)?;
    let mut added = 0;
    for (n, (spotify_id, new)) in tracks.iter().enumerate() {
        let position = first_position.saturating_add(i32::try_from(n).unwrap_or(i32::MAX));
        if known.contains(spotify_id) {
            playlist_order::set_position(c.conn(), playlist_id, spotify_id, position)?;
            continue;
        }
        if !playlist_rows::insert_track(c.conn(), playlist_id, spotify_id, now)? {
            // The same track twice in one playlist.
            continue;
        }
        playlist_order::set_position(c.conn(), playlist_id, spotify_id, position)?;
        let (row, _) = wanted::create_or_get(c, new)?;
        playlist_rows::set_track_wanted(c.conn(), playlist_id, spotify_id, row.id)?;
        added += 1;
    }
    Ok(added)
}

/// Queues a check of this artist (at most one waiting per artist).
pub fn request_check(c: &mut Change<'_>, id: WatchId) -> Result<(), DbError> {
    c.enqueue(&WatchlistJob::Check { watch_id: id })?;
    Ok(())
}

/// A check asked for by the user runs now: a check already waiting (a retry
/// after a failure, due later) is brought forward instead of being kept.
pub fn request_check_now(c: &mut Change<'_>, id: WatchId) -> Result<(), DbError> {
    let now = c.now();
    let job = WatchlistJob::Check { watch_id: id };
    c.enqueue(&job)?;
    if let Some(key) = job.dedupe_key() {
        jobs::bring_forward(
            c.conn(),
            WatchlistJob::WORKER.as_str(),
            &key,
            now,
            None,
            now,
        )?;
    }
    Ok(())
}

/// Queues a check of every artist not checked successfully since `before`.
pub fn request_due_checks(c: &mut Change<'_>, before: UnixMillis) -> Result<usize, DbError> {
    let due = watch_rows::due_for_check(c.conn(), before)?;
    for id in &due {
        request_check(c, *id)?;
    }
    Ok(due.len())
}

/// A new release: its tracks become wanted (unless already wanted or in the
/// library; a failed or cancelled one is wanted again) and the release is
/// remembered, in one transaction. Returns the tracks newly wanted.
pub fn take_release(
    c: &mut Change<'_>,
    watch_id: WatchId,
    album_id: &str,
    name: &str,
    release_date: &str,
    tracks: &[NewWanted<'_>],
) -> Result<usize, DbError> {
    let now = c.now();
    let new = watch_rows::insert_release(
        c.conn(),
        watch_id,
        album_id,
        name,
        release_date,
        tracks.len(),
        now,
    )?;
    if !new {
        return Ok(0);
    }
    let mut wanted_now = 0;
    for track in tracks {
        let (_, created) = wanted::create_or_get(c, track)?;
        if matches!(created, Created::New | Created::Rearmed) {
            wanted_now += 1;
        }
    }
    Ok(wanted_now)
}

/// Creates a backfill run and its job.
pub fn create_backfill(
    c: &mut Change<'_>,
    max_items: i32,
    expand_playlists: bool,
) -> Result<BackfillRow, DbError> {
    let now = c.now();
    let row = backfill_rows::create(c.conn(), max_items, expand_playlists, now)?;
    c.enqueue(&BackfillJob::Backfill {
        backfill_id: row.id,
    })?;
    Ok(row)
}

/// The run is done: `completed`, and announced with its counters.
pub fn complete_backfill(c: &mut Change<'_>, id: BackfillId) -> Result<(), DbError> {
    let now = c.now();
    backfill_rows::complete(c.conn(), id, now)?;
    let done = backfill_rows::get(c.conn(), id)?;
    c.emit(Event::BackfillCompleted {
        backfill_id: id,
        details: json!({"processed": done.processed, "matched": done.matched,
                        "cache_hits": done.cache_hits, "expanded_tracks": done.expanded_tracks,
                        "errors": done.errors}),
    });
    Ok(())
}

/// Records one processed track: the wanted track gets the Spotify data
/// (what the import already knew wins over nothing, Spotify's ids and ISRC
/// are added), the counters and the cursor move, all in one transaction.
pub fn record_backfill(
    c: &mut Change<'_>,
    run: BackfillId,
    wanted: &WantedRow,
    outcome: &Outcome,
    cache_hit: bool,
) -> Result<(), DbError> {
    let now = c.now();
    let merged = match outcome {
        Outcome::Matched(found) => merge_into_existing(c, wanted, found)?,
        _ => false,
    };
    if let (Outcome::Matched(found), false) = (outcome, merged) {
        let mut track = wanted.track();
        backfill_rows::merge(&mut track, found);
        wanted_rows::set_track_data(c.conn(), wanted.id, &track, now)?;
    }
    backfill_rows::count_processed(c.conn(), run, wanted.id, outcome, cache_hit, now)
}

/// The imported track turns out to be one already wanted under its Spotify
/// id (e.g. from a playlist, with its album): instead of two entries and two
/// downloads, the import now follows the existing one and the imported
/// entry is cancelled with the reason. Only while the imported entry has
/// not started downloading, and only onto an entry still wanted or done.
fn merge_into_existing(
    c: &mut Change<'_>,
    wanted_row: &WantedRow,
    found: &Track,
) -> Result<bool, DbError> {
    let Some(spotify_id) = found.spotify_track_id.as_deref() else {
        return Ok(false);
    };
    if !matches!(
        wanted_row.state,
        WantedState::Pending | WantedState::Searching | WantedState::NotFound
    ) {
        return Ok(false);
    }
    let Some(other) = wanted_rows::other_with_spotify_id(c.conn(), spotify_id, wanted_row.id)?
    else {
        return Ok(false);
    };
    import_rows::relink_items(c.conn(), wanted_row.id, other)?;
    if wanted::cancel(c, wanted_row.id)?.is_ok() {
        let reason = format!("same Spotify track as wanted track {other}");
        wanted_rows::set_last_error(c.conn(), wanted_row.id, &reason)?;
    }
    Ok(true)
}
