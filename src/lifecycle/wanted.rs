//! A wanted track's changes: wanted (or found in the library), searched,
//! choosing and downloading a candidate, a person's pick, rejection, new
//! search or cancel, and what its download's end means for it.

use std::collections::HashSet;

use super::downloads;
use super::events::Event;
use super::{Change, Refused};
use crate::db::downloads::{self as download_rows, DownloadRow, NewDownload};
use crate::db::wanted::{self as rows, CandidateRow, NewWanted, StoredCandidate, WantedRow};
use crate::db::{jobs, DbError};
use crate::domain::ids::{DownloadId, WantedId};
use crate::domain::matching::Refusal;
use crate::domain::time::UnixMillis;
use crate::domain::wanted::{
    after_nothing_found, album_key, choose_candidate, dedupe_key, track_key, DownloadDefaults,
    NothingFound, WantedState,
};
use crate::jobs::{MatchingJob, WorkerJob};

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

/// What choosing led to.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// A download was created (or the active one kept).
    Downloading { download_id: DownloadId },
    /// Nothing acceptable left: searched again at `next_search_at`.
    NotFound { next_search_at: UnixMillis },
    /// Nothing acceptable left and the schedule is used up.
    Failed,
    /// The track no longer wants a download (cancelled or completed).
    Nothing,
}

/// Why a pick was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickRefused {
    /// The file is not among the last search's candidates (404).
    NotACandidate,
    /// The track's state does not allow it (409).
    State(Refused),
}

fn refused(row: &WantedRow, reason: &str) -> Refused {
    Refused::new(row.state.as_str(), reason)
}

/// Queues (or brings forward) the track's search job.
pub(super) fn schedule_search(
    c: &mut Change<'_>,
    id: WantedId,
    priority: i32,
    run_at: UnixMillis,
) -> Result<(), DbError> {
    let now = c.now();
    // A later search already waiting (a `not_found` re-search) runs now instead.
    jobs::bring_forward(
        c.conn(),
        MatchingJob::WORKER.as_str(),
        &MatchingJob::search_key(id),
        run_at,
        Some(priority),
        now,
    )?;
    c.enqueue_at(
        &MatchingJob::Search {
            wanted_id: id,
            priority,
        },
        run_at,
    )?;
    Ok(())
}

/// Queues a `choose` job: the next candidate without a new search.
fn schedule_choice(c: &mut Change<'_>, id: WantedId) -> Result<(), DbError> {
    c.enqueue(&MatchingJob::Choose { wanted_id: id })?;
    Ok(())
}

/// The `completed` download already holding this track, if any (§13 "in the library").
pub(super) fn in_library(
    c: &mut Change<'_>,
    new: &NewWanted<'_>,
) -> Result<Option<DownloadRow>, DbError> {
    if let Some(spotify_id) = new.spotify_track_id {
        if let Some(found) = download_rows::completed_by_spotify_id(c.conn(), spotify_id)? {
            return Ok(Some(found));
        }
    }
    let Some(key) = track_key(new.artist, new.title) else {
        return Ok(None);
    };
    let album = album_key(new.album);
    download_rows::completed_by_track_key(c.conn(), &key, album.as_deref())
}

/// The wanted entry for this track: an existing one (dedupe by Spotify id,
/// else normalised artist + title + album), a `completed` one when the
/// library already has it, or a new `pending` one with its search job.
pub fn create_or_get(
    c: &mut Change<'_>,
    new: &NewWanted<'_>,
) -> Result<(WantedRow, Created), DbError> {
    let now = c.now();
    let key = dedupe_key(new.artist, new.title, new.album);
    let existing = match new.spotify_track_id {
        Some(spotify_id) => rows::find_by_spotify_id(c.conn(), spotify_id)?,
        None => None,
    };
    let existing = match existing {
        Some(row) => Some(row),
        None => rows::find_by_dedupe_key(c.conn(), &key)?,
    };
    if let Some(row) = existing {
        if !row.state.is_given_up() {
            return Ok((row, Created::Existing));
        }
        let row = rows::rearm(c.conn(), row.id, now)?;
        schedule_search(c, row.id, row.priority, now)?;
        return Ok((row, Created::Rearmed));
    }
    let library = in_library(c, new)?;
    // Not organized by Harmony, but one of the files the index knows.
    let indexed = match library {
        Some(_) => None,
        None => {
            let tolerance = c.library_tolerance_ms();
            super::in_index::find(c.conn(), new, tolerance)?
        }
    };
    let state = if library.is_some() || indexed.is_some() {
        WantedState::Completed
    } else {
        WantedState::Pending
    };
    let mut row = rows::insert(
        c.conn(),
        new,
        &key,
        state,
        library.as_ref().map(|d| d.id),
        now,
    )?;
    if let Some(path) = indexed {
        crate::db::library::set_wanted_library_path(c.conn(), row.id, &path)?;
        row.library_path = Some(path);
        return Ok((row, Created::InLibrary));
    }
    if library.is_some() {
        return Ok((row, Created::InLibrary));
    }
    schedule_search(c, row.id, row.priority, now)?;
    Ok((row, Created::New))
}

/// The download of the track's current choice, when it is still active.
fn active_download(c: &mut Change<'_>, row: &WantedRow) -> Result<Option<DownloadRow>, DbError> {
    let Some(download_id) = row.download_id else {
        return Ok(None);
    };
    let download = download_rows::get(c.conn(), download_id)?;
    Ok(download.state.is_active().then_some(download))
}

/// `DELETE /wanted/{id}`: `cancelled`, and its active download with it.
/// A completed track is refused; a cancelled one stays as it is.
pub fn cancel(c: &mut Change<'_>, id: WantedId) -> Result<Result<WantedRow, Refused>, DbError> {
    let now = c.now();
    let row = rows::get(c.conn(), id)?;
    match row.state {
        WantedState::Cancelled => return Ok(Ok(row)),
        WantedState::Completed => {
            return Ok(Err(refused(&row, "the track is already in the library")))
        }
        _ => {}
    }
    let download = active_download(c, &row)?;
    let updated = rows::mark_cancelled(c.conn(), id, now)?;
    if let Some(download) = download {
        // The track is cancelled first: nothing falls through to a next candidate.
        let _ = downloads::cancel(c, download.id)?;
    }
    Ok(Ok(updated))
}

/// `POST /wanted/{id}/search`: search again now. A track given up on is
/// searched for again; one with an active download keeps it unless the new
/// search's choice differs.
/// Searches again now; `query`: `Some` stores the person's own search text
/// first (`Some(None)` goes back to the queries derived from the track).
pub fn request_search_with(
    c: &mut Change<'_>,
    id: WantedId,
    query: Option<Option<&str>>,
) -> Result<Result<WantedRow, Refused>, DbError> {
    let row = rows::get(c.conn(), id)?;
    if !row.state.accepts_user_choice() {
        return Ok(Err(refused(
            &row,
            "a completed or cancelled track is not searched again",
        )));
    }
    if let Some(query) = query {
        let now = c.now();
        rows::set_search_query(c.conn(), id, query, now)?;
    }
    request_search(c, id)
}

pub fn request_search(
    c: &mut Change<'_>,
    id: WantedId,
) -> Result<Result<WantedRow, Refused>, DbError> {
    let now = c.now();
    let row = rows::get(c.conn(), id)?;
    if !row.state.accepts_user_choice() {
        return Ok(Err(refused(
            &row,
            "a completed or cancelled track is not searched again",
        )));
    }
    let row = if matches!(row.state, WantedState::NotFound | WantedState::Failed) {
        // A track given up on starts its schedule over.
        let searches = if row.state == WantedState::Failed {
            0
        } else {
            row.search_count
        };
        rows::set_pending(c.conn(), id, searches, now)?
    } else {
        row
    };
    schedule_search(c, id, i32::MAX, now)?;
    Ok(Ok(row))
}

/// A search job starts: `searching`, unless the track has an active
/// download (a search the user asked for while it downloads) or no longer
/// wants one. `None`: nothing to do.
pub fn begin_search(c: &mut Change<'_>, id: WantedId) -> Result<Option<WantedRow>, DbError> {
    let now = c.now();
    let Some(row) = rows::find(c.conn(), id)? else {
        return Ok(None);
    };
    if !row.state.wants_search() {
        return Ok(None);
    }
    if row.state == WantedState::Downloading {
        return Ok(Some(row));
    }
    Ok(Some(rows::set_searching(c.conn(), id, now)?))
}

/// A search could not run (slskd unreachable…): back to `pending` with the
/// reason; its job is tried again.
pub fn search_failed(c: &mut Change<'_>, id: WantedId, error: &str) -> Result<(), DbError> {
    let now = c.now();
    rows::search_failed(c.conn(), id, error, now)
}

/// Stores a finished search's ranked candidates (replacing the previous
/// list) and counts the search. `false` when the track no longer wants it.
pub fn store_search(
    c: &mut Change<'_>,
    id: WantedId,
    ranked: &[StoredCandidate<'_>],
    queries: &[String],
) -> Result<bool, DbError> {
    let now = c.now();
    let Some(row) = rows::find(c.conn(), id)? else {
        return Ok(false);
    };
    if !row.state.wants_search() {
        return Ok(false);
    }
    rows::replace_candidates(c.conn(), id, ranked)?;
    rows::count_search(c.conn(), id, now)?;
    c.emit(Event::WantedSearched {
        wanted_id: id,
        queries: queries.to_vec(),
        candidates: ranked.len(),
        accepted: ranked.iter().filter(|c| c.accepted).count(),
    });
    Ok(true)
}

/// Chooses what to download for the track from its stored candidates
/// (`choose_candidate`). Keeps an active download; without any acceptable
/// candidate the track is `not_found` (searched again per the schedule) or
/// `failed`.
pub fn choose(
    c: &mut Change<'_>,
    id: WantedId,
    schedule: &[std::time::Duration],
    defaults: DownloadDefaults,
) -> Result<Choice, DbError> {
    let now = c.now();
    let Some(row) = rows::find(c.conn(), id)? else {
        return Ok(Choice::Nothing);
    };
    if !row.state.wants_search() {
        return Ok(Choice::Nothing);
    }
    if let Some(download) = active_download(c, &row)? {
        if row.state != WantedState::Downloading {
            rows::set_state(c.conn(), id, WantedState::Downloading, now)?;
        }
        return Ok(Choice::Downloading {
            download_id: download.id,
        });
    }
    let (ranked, rejected) = rows::candidates(c.conn(), id)?;
    let blocked: HashSet<(&str, &str)> = rejected
        .iter()
        .map(|r| (r.username.as_str(), r.filename.as_str()))
        .collect();
    let penalized = rows::penalized_users(c.conn(), now)?;
    match choose_candidate(&ranked, &blocked, &penalized) {
        Some(best) => {
            let download_id = start_download(c, &row, best, defaults)?;
            Ok(Choice::Downloading { download_id })
        }
        None => nothing_left(c, &row, schedule),
    }
}

/// Creates the download of a candidate and points the track at it.
fn start_download(
    c: &mut Change<'_>,
    row: &WantedRow,
    candidate: &CandidateRow,
    defaults: DownloadDefaults,
) -> Result<DownloadId, DbError> {
    let now = c.now();
    let track = row.download_track();
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
    let (download, _) = downloads::create_or_get_active(c, &new)?;
    rows::set_choice(c.conn(), row.id, download.id, candidate, now)?;
    c.emit(Event::WantedMatched {
        wanted_id: row.id,
        download_id: download.id,
        username: candidate.username.clone(),
        filename: candidate.filename.clone(),
        score: candidate.score,
    });
    Ok(download.id)
}

fn nothing_left(
    c: &mut Change<'_>,
    row: &WantedRow,
    schedule: &[std::time::Duration],
) -> Result<Choice, DbError> {
    let now = c.now();
    let searches = u32::try_from(row.search_count).unwrap_or(0);
    let error = if row.download_id.is_some() {
        "every acceptable candidate failed"
    } else {
        "no acceptable candidate"
    };
    match after_nothing_found(searches, schedule) {
        NothingFound::SearchAgainIn(delay) => {
            let at = now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
            rows::set_nothing_found(c.conn(), row.id, Some(at), error, now)?;
            schedule_search(c, row.id, row.priority, at)?;
            c.emit(Event::WantedNotFound {
                wanted_id: row.id,
                searches,
                next_search_at: at,
            });
            Ok(Choice::NotFound { next_search_at: at })
        }
        NothingFound::GiveUp => {
            rows::set_nothing_found(c.conn(), row.id, None, error, now)?;
            c.emit(Event::WantedFailed {
                wanted_id: row.id,
                searches,
            });
            Ok(Choice::Failed)
        }
    }
}

/// `POST /wanted/{id}/pick`: download this candidate instead of the current
/// choice (whose active download is cancelled). The user's choice also
/// lifts a rejection of that file.
pub fn pick(
    c: &mut Change<'_>,
    id: WantedId,
    username: &str,
    filename: &str,
    defaults: DownloadDefaults,
) -> Result<Result<WantedRow, PickRefused>, DbError> {
    let row = rows::get(c.conn(), id)?;
    if !row.state.accepts_user_choice() {
        return Ok(Err(PickRefused::State(refused(
            &row,
            "a completed or cancelled track cannot change its file",
        ))));
    }
    let candidate = rows::candidate(c.conn(), id, username, filename)?;
    let Some(candidate) = candidate.filter(|c| c.size.is_some()) else {
        return Ok(Err(PickRefused::NotACandidate));
    };
    let current = active_download(c, &row)?;
    if let Some(download) = &current {
        if download.username == username && download.filename == filename {
            return Ok(Ok(row));
        }
    }
    rows::remove_rejection(c.conn(), id, username, filename)?;
    // Detach first, so cancelling the old download does not fall through.
    rows::detach_download(c.conn(), id)?;
    if let Some(download) = current {
        let _ = downloads::cancel(c, download.id)?;
    }
    start_download(c, &row, &candidate, defaults)?;
    Ok(Ok(rows::get(c.conn(), id)?))
}

/// `POST /wanted/{id}/reject`: never choose this file for the track again;
/// when it is the current choice, its download is cancelled and the next
/// candidate is chosen.
pub fn reject(
    c: &mut Change<'_>,
    id: WantedId,
    username: &str,
    filename: &str,
) -> Result<Result<WantedRow, Refused>, DbError> {
    let now = c.now();
    let row = rows::get(c.conn(), id)?;
    if !row.state.accepts_user_choice() {
        return Ok(Err(refused(
            &row,
            "a completed or cancelled track cannot change its file",
        )));
    }
    rows::add_rejection(c.conn(), id, username, filename, Refusal::UserRejected, now)?;
    if let Some(download) = active_download(c, &row)? {
        if download.username == username && download.filename == filename {
            if let Ok(cancelled) = downloads::cancel(c, download.id)? {
                if cancelled.changed {
                    on_download_cancelled(c, &cancelled.before)?;
                }
            }
        }
    }
    Ok(Ok(rows::get(c.conn(), id)?))
}

/// The track whose current choice is this download, if it is downloading it.
fn waiting_on(c: &mut Change<'_>, download: &DownloadRow) -> Result<Option<WantedRow>, DbError> {
    let Some(wanted_id) = download.wanted_id else {
        return Ok(None);
    };
    Ok(rows::find(c.conn(), wanted_id)?
        .filter(|w| w.state == WantedState::Downloading && w.download_id == Some(download.id)))
}

/// A download of a wanted track failed: the file is marked `transfer_failed`,
/// its user ranks lower for a while, and the next candidate is chosen. True
/// when the download belongs to a track that takes it from here (the
/// download is then not retried).
pub fn on_download_failed(c: &mut Change<'_>, download: &DownloadRow) -> Result<bool, DbError> {
    let now = c.now();
    let Some(row) = waiting_on(c, download)? else {
        return Ok(false);
    };
    rows::add_rejection(
        c.conn(),
        row.id,
        &download.username,
        &download.filename,
        Refusal::TransferFailed,
        now,
    )?;
    rows::record_peer_failure(c.conn(), &download.username, now)?;
    schedule_choice(c, row.id)?;
    Ok(true)
}

/// The user cancelled the download of a wanted track's current choice: the
/// file is rejected and the next candidate chosen.
pub fn on_download_cancelled(c: &mut Change<'_>, download: &DownloadRow) -> Result<(), DbError> {
    let now = c.now();
    if let Some(row) = waiting_on(c, download)? {
        rows::add_rejection(
            c.conn(),
            row.id,
            &download.username,
            &download.filename,
            Refusal::UserRejected,
            now,
        )?;
        schedule_choice(c, row.id)?;
    }
    Ok(())
}

/// The download of a wanted track is in the library: the track is `completed`.
pub fn on_download_completed(c: &mut Change<'_>, download: &DownloadRow) -> Result<(), DbError> {
    let now = c.now();
    if let Some(wanted_id) = download.wanted_id {
        rows::mark_completed(c.conn(), wanted_id, download.id, now)?;
    }
    Ok(())
}

/// Tracks left `pending`, `searching` or `not_found` without a job (its
/// attempts ran out during a long slskd outage) get a new search job, at
/// their `next_search_at` when they have one. Returns how many.
pub fn resubmit_orphans(c: &mut Change<'_>) -> Result<usize, DbError> {
    let now = c.now();
    let with_job = jobs::unfinished_keys(c.conn(), MatchingJob::WORKER.as_str())?;
    let waiting = rows::waiting_for_search(c.conn())?;
    let mut added = 0;
    for (id, priority, next_search_at) in waiting {
        let search = MatchingJob::search_key(id);
        let choice = MatchingJob::choose_key(id);
        if !with_job.contains(&search) && !with_job.contains(&choice) {
            schedule_search(c, id, priority, next_search_at.unwrap_or(now).max(now))?;
            added += 1;
        }
    }
    Ok(added)
}
