//! Downloads and their event timeline. Every state change writes its events
//! and activity entries in the same transaction, and every follow-up job
//! (submit, organize, cancel, tag) is a `worker_jobs` row committed with it.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::schema::{download_events, downloads, slskd_transfers_taken, worker_jobs};
use super::{activity, jobs, DbError};
use crate::domain::download_state::{after_failure, AfterFailure, DownloadState, RetryPolicy};
use crate::domain::reconcile::{Change, Tracked};
use crate::domain::time::{to_rfc3339, UnixMillis};
use crate::domain::track::Track;
use crate::domain::wanted::{album_key, track_key};

const ACTIVE: [&str; 2] = ["queued", "downloading"];

/// Job kinds of the sync worker and the metadata worker.
pub mod job {
    pub const SYNC: &str = "sync";
    pub const SUBMIT: &str = "submit";
    pub const ORGANIZE: &str = "organize";
    pub const CANCEL_TRANSFER: &str = "cancel_transfer";
    pub const METADATA: &str = "metadata";
    pub const TAG: &str = "tag";
    /// Submissions wait out slskd outages (delays grow to minutes) before
    /// the retry scheduler's reconciler takes over.
    pub const SUBMIT_ATTEMPTS: i32 = 20;
    pub const ORGANIZE_ATTEMPTS: i32 = 3;
    pub const CANCEL_ATTEMPTS: i32 = 10;
    /// Finishing and cancelling come before new submissions.
    pub const URGENT: i32 = i32::MAX;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = downloads)]
pub struct DownloadRow {
    pub id: i64,
    pub state: String,
    pub progress: f64,
    pub username: String,
    pub filename: String,
    pub size: i64,
    pub bytes_transferred: i64,
    pub priority: i32,
    pub retry_count: i32,
    pub next_retry_at: Option<i64>,
    pub last_error: Option<String>,
    pub track: String,
    pub spotify_track_id: Option<String>,
    pub wanted_id: Option<i64>,
    pub slskd_id: Option<String>,
    pub submitted_at: Option<i64>,
    pub transfer_done_at: Option<i64>,
    pub organize_target: Option<String>,
    pub organized_path: Option<String>,
    pub metadata_status: String,
    pub artwork_status: String,
    pub lyrics_status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DownloadRow {
    pub fn state(&self) -> DownloadState {
        // The CHECK constraint keeps unknown values out of the table.
        DownloadState::parse(&self.state).unwrap_or(DownloadState::Failed)
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub download_id: i64,
    pub at: i64,
    pub type_: String,
    pub details: String,
}

pub struct NewDownload<'a> {
    pub username: &'a str,
    pub filename: &'a str,
    pub size: i64,
    pub priority: i32,
    pub track: &'a Track,
    pub wanted_id: Option<i64>,
    pub artwork_status: &'a str,
    pub lyrics_status: &'a str,
}

/// A user action that does not fit the download's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub state: String,
    pub reason: String,
}

fn refused(row: &DownloadRow, reason: &str) -> Refused {
    Refused {
        state: row.state.clone(),
        reason: reason.to_string(),
    }
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> Result<DownloadRow, DbError> {
    Ok(downloads::table
        .find(id)
        .select(DownloadRow::as_select())
        .first(conn)?)
}

/// The download, or `None` when there is no such id.
fn find(conn: &mut SqliteConnection, id: i64) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .find(id)
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// The `queued`/`downloading` download of this Soulseek file, if any.
fn active_for_file(
    conn: &mut SqliteConnection,
    username: &str,
    filename: &str,
) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .filter(downloads::username.eq(username))
        .filter(downloads::filename.eq(filename))
        .filter(downloads::state.eq_any(ACTIVE))
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

fn add_event(
    conn: &mut SqliteConnection,
    id: i64,
    at: UnixMillis,
    type_: &str,
    details: Value,
) -> Result<(), DbError> {
    diesel::insert_into(download_events::table)
        .values((
            download_events::download_id.eq(id),
            download_events::at.eq(at),
            download_events::type_.eq(type_),
            download_events::details.eq(details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

fn state_changed(
    conn: &mut SqliteConnection,
    id: i64,
    at: UnixMillis,
    from: &str,
    to: &str,
) -> Result<(), DbError> {
    add_event(
        conn,
        id,
        at,
        "state_changed",
        json!({"from": from, "to": to}),
    )
}

fn record_activity(
    conn: &mut SqliteConnection,
    at: UnixMillis,
    status: &str,
    details: Value,
) -> Result<(), DbError> {
    activity::insert(conn, at, "download", status, &details.to_string())?;
    Ok(())
}

fn enqueue_sync_job(
    conn: &mut SqliteConnection,
    kind: &str,
    id: i64,
    payload: Value,
    priority: i32,
    max_attempts: i32,
    now: UnixMillis,
) -> Result<(), DbError> {
    let dedupe = format!("{kind}:{id}");
    jobs::enqueue(
        conn,
        &jobs::NewJob {
            worker: job::SYNC,
            kind,
            payload: &payload.to_string(),
            dedupe_key: Some(&dedupe),
            priority,
            max_attempts,
            run_at: now,
        },
        now,
    )?;
    Ok(())
}

fn enqueue_submit(
    conn: &mut SqliteConnection,
    id: i64,
    priority: i32,
    now: UnixMillis,
) -> Result<(), DbError> {
    enqueue_sync_job(
        conn,
        job::SUBMIT,
        id,
        json!({"download_id": id}),
        priority,
        job::SUBMIT_ATTEMPTS,
        now,
    )
}

/// Creates a download (and its submit job), or returns the active download
/// of the same file. The bool says whether it was created.
pub fn create_or_get_active(
    conn: &mut SqliteConnection,
    new: &NewDownload<'_>,
    now: UnixMillis,
) -> Result<(DownloadRow, bool), DbError> {
    if let Some(row) = active_for_file(conn, new.username, new.filename)? {
        return Ok((row, false));
    }
    let row: DownloadRow = diesel::insert_into(downloads::table)
        .values((
            downloads::state.eq("queued"),
            downloads::username.eq(new.username),
            downloads::filename.eq(new.filename),
            downloads::size.eq(new.size),
            downloads::priority.eq(new.priority),
            downloads::track.eq(new.track.to_json()),
            downloads::spotify_track_id.eq(new.track.spotify_track_id.as_deref()),
            downloads::wanted_id.eq(new.wanted_id),
            downloads::track_key.eq(track_key(
                new.track.artist.as_deref().unwrap_or(""),
                new.track.title.as_deref().unwrap_or(""),
            )),
            downloads::album_key.eq(album_key(new.track.album.as_deref())),
            downloads::artwork_status.eq(new.artwork_status),
            downloads::lyrics_status.eq(new.lyrics_status),
            downloads::created_at.eq(now),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?;
    add_event(
        conn,
        row.id,
        now,
        "created",
        json!({"username": row.username, "filename": row.filename, "size": row.size}),
    )?;
    record_activity(
        conn,
        now,
        "queued",
        json!({"download_id": row.id, "username": row.username, "filename": row.filename}),
    )?;
    enqueue_submit(conn, row.id, row.priority, now)?;
    Ok((row, true))
}

/// Newest first; `states` empty means all.
pub fn list(
    conn: &mut SqliteConnection,
    states: &[&str],
    limit: i64,
    offset: i64,
) -> Result<(Vec<DownloadRow>, i64), DbError> {
    let mut query = downloads::table.into_boxed();
    let mut count = downloads::table.into_boxed();
    if !states.is_empty() {
        query = query.filter(downloads::state.eq_any(states.to_vec()));
        count = count.filter(downloads::state.eq_any(states.to_vec()));
    }
    let rows = query
        .order((downloads::created_at.desc(), downloads::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(DownloadRow::as_select())
        .load(conn)?;
    let total = count.count().get_result(conn)?;
    Ok((rows, total))
}

/// Oldest first.
pub fn events(conn: &mut SqliteConnection, id: i64) -> Result<Vec<EventRow>, DbError> {
    Ok(download_events::table
        .filter(download_events::download_id.eq(id))
        .order(download_events::id)
        .load(conn)?)
}

/// Queued and downloading downloads: the sync worker's queue.
pub fn count_active(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    Ok(downloads::table
        .filter(downloads::state.eq_any(ACTIVE))
        .count()
        .get_result(conn)?)
}

/// Downloads per state, every state present (for `/metrics`).
pub fn count_by_state(conn: &mut SqliteConnection) -> Result<Vec<(String, i64)>, DbError> {
    let counted: Vec<(String, i64)> = downloads::table
        .group_by(downloads::state)
        .select((downloads::state, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(DownloadState::ALL
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .find(|(name, _)| name == s.as_str())
                .map_or(0, |(_, n)| *n);
            (s.as_str().to_string(), n)
        })
        .collect())
}

pub fn set_priority(
    conn: &mut SqliteConnection,
    id: i64,
    priority: i32,
    now: UnixMillis,
) -> Result<Result<DownloadRow, Refused>, DbError> {
    let row = get(conn, id)?;
    if !row.state().accepts_priority_change() {
        return Ok(Err(refused(&row, "the download is finished")));
    }
    let row = diesel::update(downloads::table.find(id))
        .set((
            downloads::priority.eq(priority),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?;
    // A submission still waiting is served in the new order.
    diesel::update(
        worker_jobs::table
            .filter(worker_jobs::worker.eq(job::SYNC))
            .filter(worker_jobs::dedupe_key.eq(format!("{}:{id}", job::SUBMIT)))
            .filter(worker_jobs::state.eq(jobs::QUEUED)),
    )
    .set(worker_jobs::priority.eq(priority))
    .execute(conn)?;
    Ok(Ok(row))
}

/// What a cancel did; `cancel_transfer` says a job will cancel it in slskd.
pub struct Cancelled {
    pub row: DownloadRow,
    pub cancel_transfer: bool,
}

pub fn cancel(
    conn: &mut SqliteConnection,
    id: i64,
    now: UnixMillis,
) -> Result<Result<Cancelled, Refused>, DbError> {
    use crate::domain::download_state::{cancel_effect, CancelEffect};
    let row = get(conn, id)?;
    let effect = cancel_effect(row.state());
    match effect {
        CancelEffect::Refused => {
            return Ok(Err(refused(
                &row,
                "a completed download cannot be cancelled",
            )))
        }
        CancelEffect::AlreadyCancelled => {
            return Ok(Ok(Cancelled {
                row,
                cancel_transfer: false,
            }))
        }
        CancelEffect::CancelTransfer | CancelEffect::MarkCancelled => {}
    }
    let updated = diesel::update(downloads::table.find(id))
        .set((
            downloads::state.eq("cancelled"),
            downloads::next_retry_at.eq(None::<i64>),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?;
    state_changed(conn, id, now, &row.state, "cancelled")?;
    add_event(conn, id, now, "cancelled", json!({"by": "user"}))?;
    super::wanted::on_download_cancelled(conn, &row, now)?;
    record_activity(conn, now, "cancelled", json!({"download_id": id}))?;
    let cancel_transfer = effect == CancelEffect::CancelTransfer
        && (row.submitted_at.is_some() || row.slskd_id.is_some());
    if cancel_transfer {
        enqueue_cancel_transfer(conn, &row, now)?;
    }
    Ok(Ok(Cancelled {
        row: updated,
        cancel_transfer,
    }))
}

/// Durable request to cancel the download's transfer in slskd.
pub fn enqueue_cancel_transfer(
    conn: &mut SqliteConnection,
    row: &DownloadRow,
    now: UnixMillis,
) -> Result<(), DbError> {
    enqueue_sync_job(
        conn,
        job::CANCEL_TRANSFER,
        row.id,
        json!({
            "download_id": row.id,
            "username": row.username,
            "filename": row.filename,
            "slskd_id": row.slskd_id,
            "since": row.submitted_at,
        }),
        job::URGENT,
        job::CANCEL_ATTEMPTS,
        now,
    )
}

/// The fields of a fresh attempt (`next_retry_at` is set by each caller).
macro_rules! fresh_attempt {
    ($now:expr) => {
        (
            downloads::progress.eq(0.0),
            downloads::bytes_transferred.eq(0_i64),
            downloads::slskd_id.eq(None::<String>),
            downloads::submitted_at.eq(None::<i64>),
            downloads::transfer_done_at.eq(None::<i64>),
            downloads::organize_target.eq(None::<String>),
            downloads::updated_at.eq($now),
        )
    };
}

pub fn manual_retry(
    conn: &mut SqliteConnection,
    id: i64,
    now: UnixMillis,
) -> Result<Result<DownloadRow, Refused>, DbError> {
    let row = get(conn, id)?;
    if !row.state().accepts_manual_retry() {
        return Ok(Err(refused(
            &row,
            "only failed, cancelled or dead-lettered downloads can be retried",
        )));
    }
    if let Some(other) = active_for_file(conn, &row.username, &row.filename)? {
        return Ok(Err(refused(
            &row,
            &format!("download {} is already fetching this file", other.id),
        )));
    }
    let updated = diesel::update(downloads::table.find(id))
        .set((
            downloads::state.eq("queued"),
            downloads::retry_count.eq(0),
            downloads::last_error.eq(None::<String>),
            downloads::next_retry_at.eq(None::<i64>),
            fresh_attempt!(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?;
    state_changed(conn, id, now, &row.state, "queued")?;
    record_activity(
        conn,
        now,
        "queued",
        json!({"download_id": id, "retry": "manual"}),
    )?;
    enqueue_submit(conn, id, updated.priority, now)?;
    Ok(Ok(updated))
}

/// Marks the start of a submission and returns the row, or `None` when the
/// download no longer waits for one. A submission interrupted by a crash
/// keeps its first `submitted_at`, so the transfer it may have created is
/// still recognised as its own.
pub fn begin_submission(
    conn: &mut SqliteConnection,
    id: i64,
    now: UnixMillis,
) -> Result<Option<DownloadRow>, DbError> {
    let Some(row) = find(conn, id)? else {
        return Ok(None);
    };
    if row.state() != DownloadState::Queued || row.slskd_id.is_some() {
        return Ok(None);
    }
    if row.submitted_at.is_some() {
        return Ok(Some(row));
    }
    Ok(Some(
        diesel::update(downloads::table.find(id))
            .set((
                downloads::submitted_at.eq(Some(now)),
                downloads::updated_at.eq(now),
            ))
            .returning(DownloadRow::as_returning())
            .get_result(conn)?,
    ))
}

/// slskd accepted (or already had) the transfer. False when the download was
/// cancelled meanwhile: the caller then cancels the transfer.
pub fn record_enqueued(
    conn: &mut SqliteConnection,
    id: i64,
    slskd_id: Option<&str>,
    adopted: bool,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let target = downloads::table
        .find(id)
        .filter(downloads::state.eq("queued"));
    let n = match slskd_id {
        Some(sid) => diesel::update(target)
            .set((
                downloads::slskd_id.eq(Some(sid)),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(downloads::updated_at.eq(now))
            .execute(conn)?,
    };
    if n == 1 {
        if let Some(sid) = slskd_id {
            mark_taken(conn, id, sid, now)?;
        }
        add_event(
            conn,
            id,
            now,
            "enqueued",
            json!({"slskd_id": slskd_id, "existing_transfer": adopted}),
        )?;
    }
    Ok(n == 1)
}

/// The transfer is this download's: from now on it is history for every
/// later submission of the same file (and for this download's next attempt).
fn mark_taken(
    conn: &mut SqliteConnection,
    id: i64,
    transfer_id: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_or_ignore_into(slskd_transfers_taken::table)
        .values((
            slskd_transfers_taken::transfer_id.eq(transfer_id),
            slskd_transfers_taken::download_id.eq(id),
            slskd_transfers_taken::taken_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Transfers of this Soulseek file that download attempts already took:
/// never to be adopted or correlated again.
pub fn taken_transfers(
    conn: &mut SqliteConnection,
    username: &str,
    filename: &str,
) -> Result<Vec<String>, DbError> {
    Ok(slskd_transfers_taken::table
        .inner_join(downloads::table)
        .filter(downloads::username.eq(username))
        .filter(downloads::filename.eq(filename))
        .select(slskd_transfers_taken::transfer_id)
        .load(conn)?)
}

/// Retry bookkeeping for any failure of an active download (refused enqueue,
/// failed transfer, missing file): `failed` with a due time, or `dead_letter`.
/// A download a wanted track is waiting on is not retried: the track falls
/// through to its next candidate instead (`failed`, no due time). False when
/// the download is no longer active (cancelled meanwhile).
pub fn record_failure(
    conn: &mut SqliteConnection,
    id: i64,
    error: &str,
    policy: &RetryPolicy,
    draw: f64,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let Some(row) = find(conn, id)? else {
        return Ok(false);
    };
    if !row.state().is_active() {
        return Ok(false);
    }
    let error = truncate(error, 512);
    if super::wanted::on_download_failed(conn, &row, now)? {
        diesel::update(downloads::table.find(id))
            .set((
                downloads::state.eq("failed"),
                downloads::retry_count.eq(row.retry_count.saturating_add(1)),
                downloads::last_error.eq(Some(&error)),
                downloads::next_retry_at.eq(None::<i64>),
                fresh_attempt!(now),
            ))
            .execute(conn)?;
        state_changed(conn, id, now, &row.state, "failed")?;
        add_event(
            conn,
            id,
            now,
            "failed",
            json!({"error": error, "next": "wanted_track_candidate"}),
        )?;
        record_activity(
            conn,
            now,
            "failed",
            json!({"download_id": id, "error": error, "wanted_id": row.wanted_id}),
        )?;
        return Ok(true);
    }
    let outcome = after_failure(u32::try_from(row.retry_count).unwrap_or(0), policy, draw);
    let (state, retry_count, next) = match outcome {
        AfterFailure::Retry { retry_count, delay } => (
            "failed",
            retry_count,
            Some(now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))),
        ),
        AfterFailure::DeadLetter { retry_count } => ("dead_letter", retry_count, None),
    };
    diesel::update(downloads::table.find(id))
        .set((
            downloads::state.eq(state),
            downloads::retry_count.eq(i32::try_from(retry_count).unwrap_or(i32::MAX)),
            downloads::last_error.eq(Some(&error)),
            downloads::next_retry_at.eq(next),
            fresh_attempt!(now),
        ))
        .execute(conn)?;
    state_changed(conn, id, now, &row.state, state)?;
    add_event(conn, id, now, "failed", json!({"error": error}))?;
    record_activity(
        conn,
        now,
        "failed",
        json!({"download_id": id, "error": error}),
    )?;
    match next {
        Some(at) => {
            let details = json!({"retry_count": retry_count, "next_retry_at": to_rfc3339(at), "error": error});
            add_event(conn, id, now, "retry_scheduled", details.clone())?;
            let mut activity_details = details;
            activity_details["download_id"] = json!(id);
            record_activity(conn, now, "retry_scheduled", activity_details)?;
        }
        None => {
            add_event(
                conn,
                id,
                now,
                "dead_lettered",
                json!({"error": error, "retry_count": retry_count}),
            )?;
            record_activity(
                conn,
                now,
                "dead_lettered",
                json!({"download_id": id, "error": error}),
            )?;
        }
    }
    Ok(true)
}

fn truncate(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

/// Downloads handed to slskd whose transfer is not finished.
pub fn tracked_for_poll(conn: &mut SqliteConnection) -> Result<Vec<Tracked>, DbError> {
    type Cols = (
        i64,
        String,
        String,
        Option<String>,
        Option<i64>,
        String,
        f64,
        i64,
    );
    let rows: Vec<Cols> = downloads::table
        .filter(downloads::state.eq_any(ACTIVE))
        .filter(downloads::submitted_at.is_not_null())
        .filter(downloads::transfer_done_at.is_null())
        .select((
            downloads::id,
            downloads::username,
            downloads::filename,
            downloads::slskd_id,
            downloads::submitted_at,
            downloads::state,
            downloads::progress,
            downloads::bytes_transferred,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, username, filename, slskd_id, submitted_at, state, progress, bytes)| {
                // Only a download still correlated by file needs to know which
                // transfers of that file are history (few: 0.23, before its first poll).
                let taken = match slskd_id {
                    None => taken_transfers(conn, &username, &filename)?,
                    Some(_) => Vec::new(),
                };
                Ok(Tracked {
                    id,
                    username,
                    filename,
                    slskd_id,
                    submitted_at: submitted_at.unwrap_or(0),
                    state: DownloadState::parse(&state).unwrap_or(DownloadState::Queued),
                    progress,
                    bytes_transferred: bytes,
                    taken,
                })
            },
        )
        .collect()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollApplied {
    pub updated: usize,
    pub finished_transfers: usize,
    pub failed: usize,
}

/// Applies one poll's changes (call inside one write transaction). Each update
/// is guarded by the state it was computed from, so a cancel that landed
/// meanwhile wins.
pub fn apply_poll(
    conn: &mut SqliteConnection,
    changes: &[Change],
    policy: &RetryPolicy,
    draw: &mut dyn FnMut() -> f64,
    now: UnixMillis,
) -> Result<PollApplied, DbError> {
    let mut applied = PollApplied::default();
    for change in changes {
        match change {
            Change::Progress {
                id,
                from,
                to,
                progress,
                bytes,
                learned_id: false,
                ..
            } if from == to => {
                // The common case: only the numbers moved. Touching no indexed
                // column keeps a 10 000-transfer poll cheap.
                applied.updated += diesel::update(
                    downloads::table
                        .find(*id)
                        .filter(downloads::state.eq(from.as_str()))
                        .filter(downloads::transfer_done_at.is_null()),
                )
                .set((
                    downloads::progress.eq(*progress),
                    downloads::bytes_transferred.eq(*bytes),
                    downloads::updated_at.eq(now),
                ))
                .execute(conn)?;
            }
            Change::Progress {
                id,
                from,
                to,
                progress,
                bytes,
                slskd_id,
                ..
            } => {
                let n = diesel::update(
                    downloads::table
                        .find(*id)
                        .filter(downloads::state.eq(from.as_str()))
                        .filter(downloads::transfer_done_at.is_null()),
                )
                .set((
                    downloads::state.eq(to.as_str()),
                    downloads::progress.eq(*progress),
                    downloads::bytes_transferred.eq(*bytes),
                    downloads::slskd_id.eq(Some(slskd_id)),
                    downloads::updated_at.eq(now),
                ))
                .execute(conn)?;
                if n == 1 {
                    mark_taken(conn, *id, slskd_id, now)?;
                }
                if n == 1 && from != to {
                    state_changed(conn, *id, now, from.as_str(), to.as_str())?;
                    if *to == DownloadState::Downloading {
                        record_activity(conn, now, "started", json!({"download_id": id}))?;
                    }
                }
                applied.updated += n;
            }
            Change::Succeeded { id, from, slskd_id } => {
                let n = diesel::update(
                    downloads::table
                        .find(*id)
                        .filter(downloads::state.eq(from.as_str()))
                        .filter(downloads::transfer_done_at.is_null()),
                )
                .set((
                    downloads::state.eq("downloading"),
                    downloads::progress.eq(100.0),
                    downloads::bytes_transferred.eq(downloads::size),
                    downloads::slskd_id.eq(Some(slskd_id)),
                    downloads::transfer_done_at.eq(Some(now)),
                    downloads::updated_at.eq(now),
                ))
                .execute(conn)?;
                if n == 1 {
                    mark_taken(conn, *id, slskd_id, now)?;
                    if *from != DownloadState::Downloading {
                        // Finished between two polls: it started all the same.
                        state_changed(conn, *id, now, from.as_str(), "downloading")?;
                        record_activity(conn, now, "started", json!({"download_id": id}))?;
                    }
                    enqueue_sync_job(
                        conn,
                        job::ORGANIZE,
                        *id,
                        json!({"download_id": id}),
                        job::URGENT,
                        job::ORGANIZE_ATTEMPTS,
                        now,
                    )?;
                    applied.finished_transfers += 1;
                }
            }
            Change::Failed { id, error, .. } => {
                if record_failure(conn, *id, error, policy, draw(), now)? {
                    applied.failed += 1;
                }
            }
        }
    }
    Ok(applied)
}

/// The download whose finished file is to be moved, if it still is.
pub fn awaiting_organize(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .find(id)
        .filter(downloads::state.eq("downloading"))
        .filter(downloads::transfer_done_at.is_not_null())
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// Remembers the library path before the move, so a crash mid-move resumes
/// with the same path instead of picking a second one.
pub fn set_organize_target(
    conn: &mut SqliteConnection,
    id: i64,
    path: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(downloads::table.find(id))
        .set((
            downloads::organize_target.eq(Some(path)),
            downloads::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The file is in the library: `completed`, and the metadata worker gets its
/// job. False when the download was cancelled meanwhile.
pub fn complete(
    conn: &mut SqliteConnection,
    id: i64,
    path: &str,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let n = diesel::update(
        downloads::table
            .find(id)
            .filter(downloads::state.eq("downloading")),
    )
    .set((
        downloads::state.eq("completed"),
        downloads::progress.eq(100.0),
        downloads::organized_path.eq(Some(path)),
        downloads::organize_target.eq(Some(path)),
        downloads::next_retry_at.eq(None::<i64>),
        downloads::last_error.eq(None::<String>),
        downloads::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Ok(false);
    }
    let row = get(conn, id)?;
    super::wanted::on_download_completed(conn, &row, now)?;
    add_event(conn, id, now, "organized", json!({"path": path}))?;
    state_changed(conn, id, now, "downloading", "completed")?;
    record_activity(
        conn,
        now,
        "organized",
        json!({"download_id": id, "path": path}),
    )?;
    record_activity(
        conn,
        now,
        "completed",
        json!({"download_id": id, "path": path}),
    )?;
    let dedupe = format!("{}:{id}", job::TAG);
    jobs::enqueue(
        conn,
        &jobs::NewJob {
            worker: job::METADATA,
            kind: job::TAG,
            payload: &json!({"download_id": id, "path": path}).to_string(),
            dedupe_key: Some(&dedupe),
            priority: 0,
            max_attempts: 5,
            run_at: now,
        },
        now,
    )?;
    Ok(true)
}

/// The retry scheduler's scan: due `failed` downloads back to `queued`, oldest
/// due first, each with its submit job in the same transaction (the job is
/// the claim). Returns how many were re-queued.
pub fn requeue_due(
    conn: &mut SqliteConnection,
    now: UnixMillis,
    limit: i64,
) -> Result<usize, DbError> {
    let due: Vec<(i64, i32, String, String)> = downloads::table
        .filter(downloads::state.eq("failed"))
        .filter(downloads::next_retry_at.le(now))
        .order((downloads::next_retry_at, downloads::id))
        .limit(limit)
        .select((
            downloads::id,
            downloads::priority,
            downloads::username,
            downloads::filename,
        ))
        .load(conn)?;
    let mut requeued = 0;
    for (id, priority, username, filename) in due {
        // Another download may have taken this file meanwhile: leave this one failed.
        if active_for_file(conn, &username, &filename)?.is_some() {
            diesel::update(downloads::table.find(id))
                .set(downloads::next_retry_at.eq(None::<i64>))
                .execute(conn)?;
            continue;
        }
        diesel::update(downloads::table.find(id))
            .set((
                downloads::state.eq("queued"),
                downloads::next_retry_at.eq(None::<i64>),
                fresh_attempt!(now),
            ))
            .execute(conn)?;
        state_changed(conn, id, now, "failed", "queued")?;
        enqueue_submit(conn, id, priority, now)?;
        requeued += 1;
    }
    Ok(requeued)
}

/// Queued downloads that lost their submit job (it used up its attempts
/// during a long slskd outage) get a new one. The pre-enqueue check of the
/// sync worker keeps this from duplicating a transfer.
pub fn resubmit_orphans(
    conn: &mut SqliteConnection,
    now: UnixMillis,
    stale_after_ms: i64,
) -> Result<usize, DbError> {
    let candidates: Vec<(i64, i32)> = downloads::table
        .filter(downloads::state.eq("queued"))
        .filter(downloads::slskd_id.is_null())
        .filter(
            downloads::submitted_at
                .is_null()
                .or(downloads::submitted_at.lt(now - stale_after_ms)),
        )
        .select((downloads::id, downloads::priority))
        .load(conn)?;
    let mut added = 0;
    for (id, priority) in candidates {
        let has_job = worker_jobs::table
            .filter(worker_jobs::worker.eq(job::SYNC))
            .filter(worker_jobs::dedupe_key.eq(format!("{}:{id}", job::SUBMIT)))
            .filter(worker_jobs::state.eq_any([jobs::QUEUED, jobs::RUNNING]))
            .count()
            .get_result::<i64>(conn)?;
        if has_job == 0 {
            enqueue_submit(conn, id, priority, now)?;
            added += 1;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn fail_at(conn: &mut SqliteConnection, file: &str, due: UnixMillis) -> i64 {
        let track = Track::default();
        let new = NewDownload {
            username: "u",
            filename: file,
            size: 1,
            priority: 0,
            track: &track,
            wanted_id: None,
            artwork_status: "disabled",
            lyrics_status: "disabled",
        };
        let (row, _) = create_or_get_active(conn, &new, 0).unwrap();
        // Its first submission ran and failed.
        diesel::update(worker_jobs::table)
            .set(worker_jobs::state.eq(jobs::DONE))
            .execute(conn)
            .unwrap();
        let policy = RetryPolicy {
            max_attempts: 5,
            base: std::time::Duration::ZERO,
            jitter: 0.0,
        };
        record_failure(conn, row.id, "boom", &policy, 0.5, 0).unwrap();
        diesel::update(downloads::table.find(row.id))
            .set(downloads::next_retry_at.eq(Some(due)))
            .execute(conn)
            .unwrap();
        row.id
    }

    #[actix_rt::test]
    async fn the_scan_requeues_due_downloads_oldest_first_up_to_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let (states, jobs_for) = db
            .write(|c| {
                let later = fail_at(c, "later", 300);
                let oldest = fail_at(c, "oldest", 100);
                let second = fail_at(c, "second", 200);
                let not_due = fail_at(c, "not-due", 5_000);
                assert_eq!(requeue_due(c, 1_000, 2)?, 2);
                let states: Vec<String> = [oldest, second, later, not_due]
                    .iter()
                    .map(|id| get(c, *id).map(|r| r.state))
                    .collect::<Result<_, _>>()?;
                let jobs_for = [oldest, second, later]
                    .iter()
                    .map(|id| {
                        worker_jobs::table
                            .filter(worker_jobs::dedupe_key.eq(format!("submit:{id}")))
                            .filter(worker_jobs::state.eq(jobs::QUEUED))
                            .count()
                            .get_result::<i64>(c)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((states, jobs_for))
            })
            .await
            .unwrap();
        assert_eq!(states, vec!["queued", "queued", "failed", "failed"]);
        // Each re-queued download got its submit job in the same transaction.
        assert_eq!(jobs_for, vec![1, 1, 0]);
    }
}
