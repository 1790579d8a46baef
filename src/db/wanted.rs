//! Wanted tracks, their candidate lists, per-track blocklists and the peers
//! seen failing. Every state change commits the job that follows it (a
//! `search` or `choose` row for the matching worker, a download with its
//! submit job for the sync worker) in the same transaction.

use std::collections::HashSet;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::downloads::{self, DownloadRow, NewDownload, Refused};
use super::schema::{downloads as downloads_table, peer_failures, wanted_candidates};
use super::schema::{wanted_rejections, wanted_tracks, worker_jobs};
use super::{activity, jobs, DbError};
use crate::domain::matching::{Candidate, Components, Refusal};
use crate::domain::time::{to_rfc3339, UnixMillis};
use crate::domain::track::Track;
use crate::domain::wanted::{
    after_nothing_found, album_key, dedupe_key, track_key, DownloadDefaults, NothingFound,
    WantedState, PEER_PENALTY,
};

/// The matching worker's job kinds.
pub mod job {
    pub const WORKER: &str = "matching";
    /// Search Soulseek for the track, rank the candidates, choose.
    pub const SEARCH: &str = "search";
    /// Choose the next acceptable candidate of the last search (after a
    /// failed transfer or a rejection), without searching again.
    pub const CHOOSE: &str = "choose";
    /// Searches wait out slskd outages; the retry scheduler re-creates a job
    /// for a track left without one.
    pub const SEARCH_ATTEMPTS: i32 = 10;
    pub const CHOOSE_ATTEMPTS: i32 = 5;
}

/// Stored candidates per search: every accepted one (up to this many) and
/// the best refused ones, so a person can see why they were refused.
pub const MAX_STORED_ACCEPTED: usize = 200;
pub const MAX_STORED_REFUSED: usize = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wanted_tracks)]
pub struct WantedRow {
    pub id: i64,
    pub state: String,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub priority: i32,
    pub source: String,
    pub track: String,
    pub dedupe_key: String,
    pub search_count: i32,
    pub next_search_at: Option<i64>,
    pub last_searched_at: Option<i64>,
    pub last_error: Option<String>,
    pub download_id: Option<i64>,
    pub match_username: Option<String>,
    pub match_filename: Option<String>,
    pub match_score: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl WantedRow {
    pub fn state(&self) -> WantedState {
        // The CHECK constraint keeps unknown values out of the table.
        WantedState::parse(&self.state).unwrap_or(WantedState::Failed)
    }

    /// What the track's download is meant to be.
    pub fn track(&self) -> Track {
        Track::from_json(&self.track)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wanted_candidates)]
pub struct CandidateRow {
    pub id: i64,
    pub wanted_id: i64,
    pub rank: i32,
    pub username: String,
    pub filename: String,
    pub size: Option<i64>,
    pub extension: Option<String>,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    pub length: Option<i32>,
    pub has_free_upload_slot: Option<bool>,
    pub queue_length: Option<i64>,
    pub upload_speed: Option<i64>,
    pub locked: bool,
    pub score: f64,
    pub accepted: bool,
    pub rejected_by: String,
    pub components: String,
}

impl CandidateRow {
    pub fn rejected_by(&self) -> Vec<String> {
        serde_json::from_str(&self.rejected_by).unwrap_or_default()
    }

    pub fn components(&self) -> Value {
        serde_json::from_str(&self.components).unwrap_or_else(|_| json!({}))
    }
}

/// A file never to choose again for a track, and why.
#[derive(Debug, Clone, Queryable)]
pub struct RejectionRow {
    pub wanted_id: i64,
    pub username: String,
    pub filename: String,
    pub reason: String,
    pub created_at: i64,
}

pub struct NewWanted<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub album: Option<&'a str>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<&'a str>,
    pub spotify_track_id: Option<&'a str>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub priority: i32,
    pub source: &'a str,
    /// Everything else known (album artist, year, Spotify ids…).
    pub track: &'a Track,
}

impl<'a> NewWanted<'a> {
    /// A track its source knows fully (Spotify); `None` without artist or title.
    pub fn from_track(track: &'a Track, source: &'a str) -> Option<NewWanted<'a>> {
        Some(NewWanted {
            artist: track.artist.as_deref()?,
            title: track.title.as_deref()?,
            album: track.album.as_deref(),
            duration_ms: track.duration_ms,
            isrc: track.isrc.as_deref(),
            spotify_track_id: track.spotify_track_id.as_deref(),
            track_number: track.track_number,
            disc_number: track.disc_number,
            priority: 0,
            source,
            track,
        })
    }
}

/// How `create_or_get` answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// A new track, waiting for its search.
    New,
    /// Already wanted: the existing entry, unchanged.
    Existing,
    /// Wanted before but given up on or cancelled: searched for again.
    Rearmed,
    /// Already in the library: a `completed` entry pointing at its download.
    InLibrary,
}

/// One ranked candidate of a search, as the engine judged it.
pub struct StoredCandidate<'a> {
    pub candidate: &'a Candidate,
    pub score: f64,
    pub accepted: bool,
    pub rejected_by: &'a [Refusal],
    pub components: &'a Components,
}

/// What choosing led to.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// A download was created (or the active one kept).
    Downloading { download_id: i64 },
    /// Nothing acceptable left: searched again at `next_search_at`.
    NotFound { next_search_at: UnixMillis },
    /// Nothing acceptable left and the schedule is used up.
    Failed,
    /// The track no longer wants a download (cancelled or completed).
    Nothing,
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> Result<WantedRow, DbError> {
    Ok(wanted_tracks::table
        .find(id)
        .select(WantedRow::as_select())
        .first(conn)?)
}

fn find(conn: &mut SqliteConnection, id: i64) -> Result<Option<WantedRow>, DbError> {
    Ok(wanted_tracks::table
        .find(id)
        .select(WantedRow::as_select())
        .first(conn)
        .optional()?)
}

fn record_activity(
    conn: &mut SqliteConnection,
    now: UnixMillis,
    status: &str,
    details: Value,
) -> Result<(), DbError> {
    activity::insert(conn, now, "matching", status, &details.to_string())?;
    Ok(())
}

fn refused(row: &WantedRow, reason: &str) -> Refused {
    Refused {
        state: row.state.clone(),
        reason: reason.to_string(),
    }
}

/// Queues (or brings forward) the track's search job.
fn schedule_search(
    conn: &mut SqliteConnection,
    id: i64,
    priority: i32,
    run_at: UnixMillis,
    now: UnixMillis,
) -> Result<(), DbError> {
    let dedupe = format!("{}:{id}", job::SEARCH);
    let waiting = worker_jobs::table
        .filter(worker_jobs::worker.eq(job::WORKER))
        .filter(worker_jobs::dedupe_key.eq(&dedupe))
        .filter(worker_jobs::state.eq(jobs::QUEUED));
    // A later search already waiting (a `not_found` re-search) runs now instead.
    diesel::update(waiting.filter(worker_jobs::run_at.gt(run_at)))
        .set((
            worker_jobs::run_at.eq(run_at),
            worker_jobs::priority.eq(priority),
            worker_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    jobs::enqueue(
        conn,
        &jobs::NewJob {
            worker: job::WORKER,
            kind: job::SEARCH,
            payload: &json!({"wanted_id": id}).to_string(),
            dedupe_key: Some(&dedupe),
            priority,
            max_attempts: job::SEARCH_ATTEMPTS,
            run_at,
        },
        now,
    )?;
    Ok(())
}

/// Queues a `choose` job: the next candidate without a new search.
fn schedule_choice(conn: &mut SqliteConnection, id: i64, now: UnixMillis) -> Result<(), DbError> {
    let dedupe = format!("{}:{id}", job::CHOOSE);
    jobs::enqueue(
        conn,
        &jobs::NewJob {
            worker: job::WORKER,
            kind: job::CHOOSE,
            payload: &json!({"wanted_id": id}).to_string(),
            dedupe_key: Some(&dedupe),
            priority: i32::MAX,
            max_attempts: job::CHOOSE_ATTEMPTS,
            run_at: now,
        },
        now,
    )?;
    Ok(())
}

/// The `completed` download already holding this track, if any (§13 "in the library").
fn in_library(
    conn: &mut SqliteConnection,
    new: &NewWanted<'_>,
) -> Result<Option<DownloadRow>, DbError> {
    if let Some(spotify_id) = new.spotify_track_id {
        let found = downloads_table::table
            .filter(downloads_table::state.eq("completed"))
            .filter(downloads_table::spotify_track_id.eq(spotify_id))
            .order(downloads_table::id.desc())
            .select(DownloadRow::as_select())
            .first(conn)
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let Some(key) = track_key(new.artist, new.title) else {
        return Ok(None);
    };
    let mut query = downloads_table::table
        .filter(downloads_table::state.eq("completed"))
        .filter(downloads_table::track_key.eq(key))
        .into_boxed();
    if let Some(album) = album_key(new.album) {
        query = query.filter(
            downloads_table::album_key
                .is_null()
                .or(downloads_table::album_key.eq(album)),
        );
    }
    Ok(query
        .order(downloads_table::id.desc())
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// The wanted entry for this track: an existing one (dedupe by Spotify id,
/// else normalised artist + title + album), a `completed` one when the
/// library already has it, or a new `pending` one with its search job.
pub fn create_or_get(
    conn: &mut SqliteConnection,
    new: &NewWanted<'_>,
    now: UnixMillis,
) -> Result<(WantedRow, Created), DbError> {
    let key = dedupe_key(new.artist, new.title, new.album);
    let existing = match new.spotify_track_id {
        Some(spotify_id) => wanted_tracks::table
            .filter(wanted_tracks::spotify_track_id.eq(spotify_id))
            .order(wanted_tracks::id)
            .select(WantedRow::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    let existing = match existing {
        Some(row) => Some(row),
        None => wanted_tracks::table
            .filter(wanted_tracks::dedupe_key.eq(&key))
            .order(wanted_tracks::id)
            .select(WantedRow::as_select())
            .first(conn)
            .optional()?,
    };
    if let Some(row) = existing {
        if !row.state().is_given_up() {
            return Ok((row, Created::Existing));
        }
        let row = diesel::update(wanted_tracks::table.find(row.id))
            .set((
                wanted_tracks::state.eq(WantedState::Pending.as_str()),
                wanted_tracks::search_count.eq(0),
                wanted_tracks::next_search_at.eq(None::<i64>),
                wanted_tracks::last_error.eq(None::<String>),
                wanted_tracks::updated_at.eq(now),
            ))
            .returning(WantedRow::as_returning())
            .get_result(conn)?;
        schedule_search(conn, row.id, row.priority, now, now)?;
        return Ok((row, Created::Rearmed));
    }
    let library = in_library(conn, new)?;
    let state = if library.is_some() {
        WantedState::Completed
    } else {
        WantedState::Pending
    };
    let row: WantedRow = diesel::insert_into(wanted_tracks::table)
        .values((
            wanted_tracks::state.eq(state.as_str()),
            wanted_tracks::artist.eq(new.artist),
            wanted_tracks::title.eq(new.title),
            wanted_tracks::album.eq(new.album),
            wanted_tracks::duration_ms.eq(new.duration_ms.and_then(|d| i64::try_from(d).ok())),
            wanted_tracks::isrc.eq(new.isrc),
            wanted_tracks::spotify_track_id.eq(new.spotify_track_id),
            wanted_tracks::track_number.eq(new.track_number.and_then(|n| i32::try_from(n).ok())),
            wanted_tracks::disc_number.eq(new.disc_number.and_then(|n| i32::try_from(n).ok())),
            wanted_tracks::priority.eq(new.priority),
            wanted_tracks::source.eq(new.source),
            wanted_tracks::track.eq(new.track.to_json()),
            wanted_tracks::dedupe_key.eq(&key),
            wanted_tracks::download_id.eq(library.as_ref().map(|d| d.id)),
            wanted_tracks::created_at.eq(now),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?;
    if library.is_some() {
        return Ok((row, Created::InLibrary));
    }
    schedule_search(conn, row.id, row.priority, now, now)?;
    Ok((row, Created::New))
}

/// Newest first; `states` empty means all, `source` `None` any source.
pub fn list(
    conn: &mut SqliteConnection,
    states: &[&str],
    source: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<WantedRow>, i64), DbError> {
    let mut query = wanted_tracks::table.into_boxed();
    let mut count = wanted_tracks::table.into_boxed();
    if !states.is_empty() {
        query = query.filter(wanted_tracks::state.eq_any(states.to_vec()));
        count = count.filter(wanted_tracks::state.eq_any(states.to_vec()));
    }
    if let Some(source) = source {
        query = query.filter(wanted_tracks::source.eq(source.to_string()));
        count = count.filter(wanted_tracks::source.eq(source.to_string()));
    }
    let rows = query
        .order((wanted_tracks::created_at.desc(), wanted_tracks::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(WantedRow::as_select())
        .load(conn)?;
    let total = count.count().get_result(conn)?;
    Ok((rows, total))
}

/// Tracks waiting for or in a search: the matching worker's queue.
pub fn count_to_search(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::state.eq_any([
            WantedState::Pending.as_str(),
            WantedState::Searching.as_str(),
        ]))
        .count()
        .get_result(conn)?)
}

pub fn count_by_state(conn: &mut SqliteConnection) -> Result<Vec<(String, i64)>, DbError> {
    Ok(wanted_tracks::table
        .group_by(wanted_tracks::state)
        .select((wanted_tracks::state, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The last search's candidates in the engine's order, and the track's blocklist.
pub fn candidates(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<(Vec<CandidateRow>, Vec<RejectionRow>), DbError> {
    let rows = wanted_candidates::table
        .filter(wanted_candidates::wanted_id.eq(id))
        .order(wanted_candidates::rank)
        .select(CandidateRow::as_select())
        .load(conn)?;
    Ok((rows, rejections(conn, id)?))
}

pub fn rejections(conn: &mut SqliteConnection, id: i64) -> Result<Vec<RejectionRow>, DbError> {
    Ok(wanted_rejections::table
        .filter(wanted_rejections::wanted_id.eq(id))
        .load(conn)?)
}

/// Users seen failing within the penalty window.
pub fn penalized_users(
    conn: &mut SqliteConnection,
    now: UnixMillis,
) -> Result<HashSet<String>, DbError> {
    let since = now.saturating_sub(i64::try_from(PEER_PENALTY.as_millis()).unwrap_or(i64::MAX));
    Ok(peer_failures::table
        .filter(peer_failures::last_failed_at.gt(since))
        .select(peer_failures::username)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

fn add_rejection(
    conn: &mut SqliteConnection,
    id: i64,
    username: &str,
    filename: &str,
    reason: Refusal,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_or_ignore_into(wanted_rejections::table)
        .values((
            wanted_rejections::wanted_id.eq(id),
            wanted_rejections::username.eq(username),
            wanted_rejections::filename.eq(filename),
            wanted_rejections::reason.eq(reason.as_str()),
            wanted_rejections::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

fn record_peer_failure(
    conn: &mut SqliteConnection,
    username: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_into(peer_failures::table)
        .values((
            peer_failures::username.eq(username),
            peer_failures::failures.eq(1),
            peer_failures::last_failed_at.eq(now),
        ))
        .on_conflict(peer_failures::username)
        .do_update()
        .set((
            peer_failures::failures.eq(peer_failures::failures + 1),
            peer_failures::last_failed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The download of the track's current choice, when it is still active.
fn active_download(
    conn: &mut SqliteConnection,
    row: &WantedRow,
) -> Result<Option<DownloadRow>, DbError> {
    let Some(download_id) = row.download_id else {
        return Ok(None);
    };
    let download = downloads::get(conn, download_id)?;
    Ok(download.state().is_active().then_some(download))
}

/// `DELETE /wanted/{id}`: `cancelled`, and its active download with it.
/// A completed track is refused; a cancelled one stays as it is.
pub fn cancel(
    conn: &mut SqliteConnection,
    id: i64,
    now: UnixMillis,
) -> Result<Result<WantedRow, Refused>, DbError> {
    let row = get(conn, id)?;
    match row.state() {
        WantedState::Cancelled => return Ok(Ok(row)),
        WantedState::Completed => {
            return Ok(Err(refused(&row, "the track is already in the library")))
        }
        _ => {}
    }
    let download = active_download(conn, &row)?;
    let updated = diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(WantedState::Cancelled.as_str()),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?;
    if let Some(download) = download {
        // The track is cancelled first, so the download's cancel does not fall through.
        let _ = downloads::cancel(conn, download.id, now)?;
    }
    Ok(Ok(updated))
}

/// `POST /wanted/{id}/search`: search again now. A track given up on is
/// searched for again; one with an active download keeps it unless the new
/// search's choice differs.
pub fn request_search(
    conn: &mut SqliteConnection,
    id: i64,
    now: UnixMillis,
) -> Result<Result<WantedRow, Refused>, DbError> {
    let row = get(conn, id)?;
    if !row.state().accepts_user_choice() {
        return Ok(Err(refused(
            &row,
            "a completed or cancelled track is not searched again",
        )));
    }
    let row = if matches!(row.state(), WantedState::NotFound | WantedState::Failed) {
        // A track given up on starts its schedule over.
        let searches = if row.state() == WantedState::Failed {
            0
        } else {
            row.search_count
        };
        diesel::update(wanted_tracks::table.find(id))
            .set((
                wanted_tracks::state.eq(WantedState::Pending.as_str()),
                wanted_tracks::search_count.eq(searches),
                wanted_tracks::next_search_at.eq(None::<i64>),
                wanted_tracks::updated_at.eq(now),
            ))
            .returning(WantedRow::as_returning())
            .get_result(conn)?
    } else {
        row
    };
    schedule_search(conn, id, i32::MAX, now, now)?;
    Ok(Ok(row))
}

/// A search job starts: `searching`, unless the track has an active
/// download (a search the user asked for while it downloads) or no longer
/// wants one. `None`: nothing to do.
pub fn begin_search(
    conn: &mut SqliteConnection,
    id: i64,
    now: UnixMillis,
) -> Result<Option<WantedRow>, DbError> {
    let Some(row) = find(conn, id)? else {
        return Ok(None);
    };
    if !row.state().wants_search() {
        return Ok(None);
    }
    if row.state() == WantedState::Downloading {
        return Ok(Some(row));
    }
    Ok(Some(
        diesel::update(wanted_tracks::table.find(id))
            .set((
                wanted_tracks::state.eq(WantedState::Searching.as_str()),
                wanted_tracks::next_search_at.eq(None::<i64>),
                wanted_tracks::updated_at.eq(now),
            ))
            .returning(WantedRow::as_returning())
            .get_result(conn)?,
    ))
}

/// A search could not run (slskd unreachable…): back to `pending` with the
/// reason; its job is tried again.
pub fn search_failed(
    conn: &mut SqliteConnection,
    id: i64,
    error: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(
        wanted_tracks::table
            .find(id)
            .filter(wanted_tracks::state.eq(WantedState::Searching.as_str())),
    )
    .set((
        wanted_tracks::state.eq(WantedState::Pending.as_str()),
        wanted_tracks::last_error.eq(Some(error)),
        wanted_tracks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Stores a finished search's ranked candidates (replacing the previous
/// list) and counts the search. `false` when the track no longer wants it.
pub fn store_search(
    conn: &mut SqliteConnection,
    id: i64,
    ranked: &[StoredCandidate<'_>],
    queries: &[String],
    now: UnixMillis,
) -> Result<bool, DbError> {
    let Some(row) = find(conn, id)? else {
        return Ok(false);
    };
    if !row.state().wants_search() {
        return Ok(false);
    }
    diesel::delete(wanted_candidates::table.filter(wanted_candidates::wanted_id.eq(id)))
        .execute(conn)?;
    let accepted = ranked
        .iter()
        .filter(|c| c.accepted)
        .take(MAX_STORED_ACCEPTED);
    let refused = ranked
        .iter()
        .filter(|c| !c.accepted)
        .take(MAX_STORED_REFUSED);
    let to_i32 = |v: Option<u32>| v.and_then(|n| i32::try_from(n).ok());
    let to_i64 = |v: Option<u64>| v.and_then(|n| i64::try_from(n).ok());
    let rows: Vec<_> = accepted
        .chain(refused)
        .enumerate()
        .map(|(rank, c)| {
            let names: Vec<&str> = c.rejected_by.iter().map(|r| r.as_str()).collect();
            let components = c.components.to_json();
            (
                wanted_candidates::wanted_id.eq(id),
                wanted_candidates::rank.eq(i32::try_from(rank).unwrap_or(i32::MAX)),
                wanted_candidates::username.eq(c.candidate.username.clone()),
                wanted_candidates::filename.eq(c.candidate.filename.clone()),
                wanted_candidates::size.eq(to_i64(c.candidate.size)),
                wanted_candidates::extension.eq(c.candidate.extension.clone()),
                wanted_candidates::bitrate.eq(to_i32(c.candidate.bitrate)),
                wanted_candidates::sample_rate.eq(to_i32(c.candidate.sample_rate)),
                wanted_candidates::bit_depth.eq(to_i32(c.candidate.bit_depth)),
                wanted_candidates::length.eq(to_i32(c.candidate.length)),
                wanted_candidates::has_free_upload_slot.eq(c.candidate.has_free_upload_slot),
                wanted_candidates::queue_length.eq(to_i64(c.candidate.queue_length)),
                wanted_candidates::upload_speed.eq(to_i64(c.candidate.upload_speed)),
                wanted_candidates::locked.eq(c.candidate.locked),
                wanted_candidates::score.eq(c.score),
                wanted_candidates::accepted.eq(c.accepted),
                wanted_candidates::rejected_by.eq(json!(names).to_string()),
                wanted_candidates::components.eq(components.to_string()),
            )
        })
        .collect();
    // SQLite limits bound parameters per statement; 19 columns × 50 rows stays well below it.
    for chunk in rows.chunks(50) {
        diesel::insert_into(wanted_candidates::table)
            .values(chunk)
            .execute(conn)?;
    }
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::search_count.eq(wanted_tracks::search_count + 1),
            wanted_tracks::last_searched_at.eq(Some(now)),
            wanted_tracks::last_error.eq(None::<String>),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    let accepted = ranked.iter().filter(|c| c.accepted).count();
    record_activity(
        conn,
        now,
        "searched",
        json!({"wanted_id": id, "queries": queries, "candidates": ranked.len(), "accepted": accepted}),
    )?;
    Ok(true)
}

/// Chooses what to download for the track from its stored candidates: the
/// best accepted one not on its blocklist, users seen failing last. Keeps an
/// active download; without any acceptable candidate the track is
/// `not_found` (searched again per the schedule) or `failed`.
pub fn choose(
    conn: &mut SqliteConnection,
    id: i64,
    schedule: &[std::time::Duration],
    defaults: DownloadDefaults,
    now: UnixMillis,
) -> Result<Choice, DbError> {
    let Some(row) = find(conn, id)? else {
        return Ok(Choice::Nothing);
    };
    if !row.state().wants_search() {
        return Ok(Choice::Nothing);
    }
    if let Some(download) = active_download(conn, &row)? {
        if row.state() != WantedState::Downloading {
            set_state(conn, id, WantedState::Downloading, now)?;
        }
        return Ok(Choice::Downloading {
            download_id: download.id,
        });
    }
    let (rows, rejected) = candidates(conn, id)?;
    let blocked: HashSet<(&str, &str)> = rejected
        .iter()
        .map(|r| (r.username.as_str(), r.filename.as_str()))
        .collect();
    let penalized = penalized_users(conn, now)?;
    let mut acceptable: Vec<&CandidateRow> = rows
        .iter()
        .filter(|c| c.accepted && c.size.is_some())
        .filter(|c| !blocked.contains(&(c.username.as_str(), c.filename.as_str())))
        .collect();
    // Stable: the engine's order within each group.
    acceptable.sort_by_key(|c| penalized.contains(&c.username));
    match acceptable.first() {
        Some(best) => {
            let download_id = start_download(conn, &row, best, defaults, now)?;
            Ok(Choice::Downloading { download_id })
        }
        None => nothing_left(conn, &row, schedule, now),
    }
}

fn set_state(
    conn: &mut SqliteConnection,
    id: i64,
    state: WantedState,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(state.as_str()),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Creates the download of a candidate and points the track at it.
fn start_download(
    conn: &mut SqliteConnection,
    row: &WantedRow,
    candidate: &CandidateRow,
    defaults: DownloadDefaults,
    now: UnixMillis,
) -> Result<i64, DbError> {
    let track = download_track(row);
    let new = NewDownload {
        username: &candidate.username,
        filename: &candidate.filename,
        size: candidate.size.unwrap_or(0),
        priority: row.priority,
        track: &track,
        wanted_id: Some(row.id),
        artwork_status: defaults.artwork_status,
        lyrics_status: defaults.lyrics_status,
    };
    let (download, _) = downloads::create_or_get_active(conn, &new, now)?;
    diesel::update(wanted_tracks::table.find(row.id))
        .set((
            wanted_tracks::state.eq(WantedState::Downloading.as_str()),
            wanted_tracks::download_id.eq(Some(download.id)),
            wanted_tracks::match_username.eq(Some(&candidate.username)),
            wanted_tracks::match_filename.eq(Some(&candidate.filename)),
            wanted_tracks::match_score.eq(Some(candidate.score)),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::last_error.eq(None::<String>),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    record_activity(
        conn,
        now,
        "matched",
        json!({
            "wanted_id": row.id,
            "download_id": download.id,
            "username": candidate.username,
            "filename": candidate.filename,
            "score": candidate.score,
        }),
    )?;
    Ok(download.id)
}

/// The track as its download should know it: the stored track data, with
/// the wanted fields filled in.
fn download_track(row: &WantedRow) -> Track {
    let mut track = row.track();
    track.artist = Some(row.artist.clone());
    track.title = Some(row.title.clone());
    if row.album.is_some() {
        track.album = row.album.clone();
    }
    track.duration_ms = row
        .duration_ms
        .and_then(|d| u64::try_from(d).ok())
        .or(track.duration_ms);
    track.track_number = row
        .track_number
        .and_then(|n| u32::try_from(n).ok())
        .or(track.track_number);
    track.disc_number = row
        .disc_number
        .and_then(|n| u32::try_from(n).ok())
        .or(track.disc_number);
    if row.isrc.is_some() {
        track.isrc = row.isrc.clone();
    }
    if row.spotify_track_id.is_some() {
        track.spotify_track_id = row.spotify_track_id.clone();
    }
    track
}

fn nothing_left(
    conn: &mut SqliteConnection,
    row: &WantedRow,
    schedule: &[std::time::Duration],
    now: UnixMillis,
) -> Result<Choice, DbError> {
    let searches = u32::try_from(row.search_count).unwrap_or(0);
    let error = if row.download_id.is_some() {
        "every acceptable candidate failed"
    } else {
        "no acceptable candidate"
    };
    match after_nothing_found(searches, schedule) {
        NothingFound::SearchAgainIn(delay) => {
            let at = now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
            diesel::update(wanted_tracks::table.find(row.id))
                .set((
                    wanted_tracks::state.eq(WantedState::NotFound.as_str()),
                    wanted_tracks::next_search_at.eq(Some(at)),
                    wanted_tracks::last_error.eq(Some(error)),
                    wanted_tracks::updated_at.eq(now),
                ))
                .execute(conn)?;
            schedule_search(conn, row.id, row.priority, at, now)?;
            record_activity(
                conn,
                now,
                "not_found",
                json!({"wanted_id": row.id, "next_search_at": to_rfc3339(at), "searches": searches}),
            )?;
            Ok(Choice::NotFound { next_search_at: at })
        }
        NothingFound::GiveUp => {
            diesel::update(wanted_tracks::table.find(row.id))
                .set((
                    wanted_tracks::state.eq(WantedState::Failed.as_str()),
                    wanted_tracks::next_search_at.eq(None::<i64>),
                    wanted_tracks::last_error.eq(Some(error)),
                    wanted_tracks::updated_at.eq(now),
                ))
                .execute(conn)?;
            record_activity(
                conn,
                now,
                "not_found",
                json!({"wanted_id": row.id, "searches": searches, "given_up": true}),
            )?;
            Ok(Choice::Failed)
        }
    }
}

/// Why a pick was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickRefused {
    /// The file is not among the last search's candidates (404).
    NotACandidate,
    /// The track's state does not allow it (409).
    State(Refused),
}

/// `POST /wanted/{id}/pick`: download this candidate instead of the current
/// choice (whose active download is cancelled). The user's choice also
/// lifts a rejection of that file.
pub fn pick(
    conn: &mut SqliteConnection,
    id: i64,
    username: &str,
    filename: &str,
    defaults: DownloadDefaults,
    now: UnixMillis,
) -> Result<Result<WantedRow, PickRefused>, DbError> {
    let row = get(conn, id)?;
    if !row.state().accepts_user_choice() {
        return Ok(Err(PickRefused::State(refused(
            &row,
            "a completed or cancelled track cannot change its file",
        ))));
    }
    let candidate = wanted_candidates::table
        .filter(wanted_candidates::wanted_id.eq(id))
        .filter(wanted_candidates::username.eq(username))
        .filter(wanted_candidates::filename.eq(filename))
        .select(CandidateRow::as_select())
        .first(conn)
        .optional()?;
    let Some(candidate) = candidate.filter(|c| c.size.is_some()) else {
        return Ok(Err(PickRefused::NotACandidate));
    };
    let current = active_download(conn, &row)?;
    if let Some(download) = &current {
        if download.username == username && download.filename == filename {
            return Ok(Ok(row));
        }
    }
    diesel::delete(
        wanted_rejections::table
            .filter(wanted_rejections::wanted_id.eq(id))
            .filter(wanted_rejections::username.eq(username))
            .filter(wanted_rejections::filename.eq(filename)),
    )
    .execute(conn)?;
    // Detach first, so cancelling the old download does not fall through.
    diesel::update(wanted_tracks::table.find(id))
        .set(wanted_tracks::download_id.eq(None::<i64>))
        .execute(conn)?;
    if let Some(download) = current {
        let _ = downloads::cancel(conn, download.id, now)?;
    }
    start_download(conn, &row, &candidate, defaults, now)?;
    Ok(Ok(get(conn, id)?))
}

/// `POST /wanted/{id}/reject`: never choose this file for the track again;
/// when it is the current choice, its download is cancelled and the next
/// candidate is chosen.
pub fn reject(
    conn: &mut SqliteConnection,
    id: i64,
    username: &str,
    filename: &str,
    now: UnixMillis,
) -> Result<Result<WantedRow, Refused>, DbError> {
    let row = get(conn, id)?;
    if !row.state().accepts_user_choice() {
        return Ok(Err(refused(
            &row,
            "a completed or cancelled track cannot change its file",
        )));
    }
    add_rejection(conn, id, username, filename, Refusal::UserRejected, now)?;
    if let Some(download) = active_download(conn, &row)? {
        if download.username == username && download.filename == filename {
            // The cancel's hook marks the file and queues the next choice.
            let _ = downloads::cancel(conn, download.id, now)?;
        }
    }
    Ok(Ok(get(conn, id)?))
}

/// The track whose current choice is this download, if it is downloading it.
fn waiting_on(
    conn: &mut SqliteConnection,
    download: &DownloadRow,
) -> Result<Option<WantedRow>, DbError> {
    let Some(wanted_id) = download.wanted_id else {
        return Ok(None);
    };
    Ok(find(conn, wanted_id)?
        .filter(|w| w.state() == WantedState::Downloading && w.download_id == Some(download.id)))
}

/// A download of a wanted track failed: the file is marked `transfer_failed`,
/// its user ranks lower for a while, and the next candidate is chosen. True
/// when the download belongs to a track that takes it from here (the
/// download is then not retried).
pub fn on_download_failed(
    conn: &mut SqliteConnection,
    download: &DownloadRow,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let Some(row) = waiting_on(conn, download)? else {
        return Ok(false);
    };
    add_rejection(
        conn,
        row.id,
        &download.username,
        &download.filename,
        Refusal::TransferFailed,
        now,
    )?;
    record_peer_failure(conn, &download.username, now)?;
    schedule_choice(conn, row.id, now)?;
    Ok(true)
}

/// The user cancelled the download of a wanted track's current choice: the
/// file is rejected and the next candidate chosen.
pub fn on_download_cancelled(
    conn: &mut SqliteConnection,
    download: &DownloadRow,
    now: UnixMillis,
) -> Result<(), DbError> {
    if let Some(row) = waiting_on(conn, download)? {
        add_rejection(
            conn,
            row.id,
            &download.username,
            &download.filename,
            Refusal::UserRejected,
            now,
        )?;
        schedule_choice(conn, row.id, now)?;
    }
    Ok(())
}

/// The download of a wanted track is in the library: the track is `completed`.
pub fn on_download_completed(
    conn: &mut SqliteConnection,
    download: &DownloadRow,
    now: UnixMillis,
) -> Result<(), DbError> {
    let Some(wanted_id) = download.wanted_id else {
        return Ok(());
    };
    diesel::update(
        wanted_tracks::table
            .find(wanted_id)
            .filter(wanted_tracks::state.ne(WantedState::Cancelled.as_str())),
    )
    .set((
        wanted_tracks::state.eq(WantedState::Completed.as_str()),
        wanted_tracks::download_id.eq(Some(download.id)),
        wanted_tracks::next_search_at.eq(None::<i64>),
        wanted_tracks::last_error.eq(None::<String>),
        wanted_tracks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Tracks left `pending`, `searching` or `not_found` without a job (its
/// attempts ran out during a long slskd outage) get a new search job, at
/// their `next_search_at` when they have one. Returns how many.
pub fn resubmit_orphans(conn: &mut SqliteConnection, now: UnixMillis) -> Result<usize, DbError> {
    let with_job: HashSet<String> = worker_jobs::table
        .filter(worker_jobs::worker.eq(job::WORKER))
        .filter(worker_jobs::state.eq_any([jobs::QUEUED, jobs::RUNNING]))
        .select(worker_jobs::dedupe_key)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    let waiting: Vec<(i64, i32, Option<i64>)> = wanted_tracks::table
        .filter(wanted_tracks::state.eq_any([
            WantedState::Pending.as_str(),
            WantedState::Searching.as_str(),
            WantedState::NotFound.as_str(),
        ]))
        .select((
            wanted_tracks::id,
            wanted_tracks::priority,
            wanted_tracks::next_search_at,
        ))
        .load(conn)?;
    let mut added = 0;
    for (id, priority, next_search_at) in waiting {
        let search = format!("{}:{id}", job::SEARCH);
        let choice = format!("{}:{id}", job::CHOOSE);
        if !with_job.contains(&search) && !with_job.contains(&choice) {
            schedule_search(
                conn,
                id,
                priority,
                next_search_at.unwrap_or(now).max(now),
                now,
            )?;
            added += 1;
        }
    }
    Ok(added)
}
