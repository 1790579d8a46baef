//! A download's own changes: created, re-prioritised, cancelled, retried,
//! submitted to slskd, requeued when its retry is due. What its end means
//! for a wanted track is in `download_outcomes`.

use serde_json::json;

use super::events::{Event, QueuedBy};
use super::{Change, Refused};
use crate::db::downloads::{self as rows, DownloadRow, NewDownload};
use crate::db::{jobs, DbError};
use crate::domain::downloads::state::{cancel_effect, CancelEffect, DownloadState};
use crate::domain::ids::DownloadId;
use crate::jobs::{SyncJob, WorkerJob};

fn refused(row: &DownloadRow, reason: &str) -> Refused {
    Refused::new(row.state.as_str(), reason)
}

fn submit(c: &mut Change<'_>, row: &DownloadRow) -> Result<(), DbError> {
    c.enqueue(&SyncJob::Submit {
        download_id: row.id,
        priority: row.priority,
    })?;
    Ok(())
}

/// Creates a download (and its submit job), or returns the active download
/// of the same file. The bool says whether it was created.
pub fn create_or_get_active(
    c: &mut Change<'_>,
    new: &NewDownload<'_>,
) -> Result<(DownloadRow, bool), DbError> {
    let now = c.now();
    if let Some(row) = rows::active_for_file(c.conn(), new.username, new.filename)? {
        return Ok((row, false));
    }
    let row = rows::insert(c.conn(), new, now)?;
    c.emit(Event::DownloadQueued {
        download_id: row.id,
        username: row.username.clone(),
        filename: row.filename.clone(),
        by: QueuedBy::Created,
    });
    submit(c, &row)?;
    Ok((row, true))
}

pub fn set_priority(
    c: &mut Change<'_>,
    id: DownloadId,
    priority: i32,
) -> Result<Result<DownloadRow, Refused>, DbError> {
    let now = c.now();
    let row = rows::get(c.conn(), id)?;
    if !row.state.accepts_priority_change() {
        return Ok(Err(refused(&row, "the download is finished")));
    }
    let row = rows::set_priority(c.conn(), id, priority, now)?;
    // A submission still waiting is served in the new order.
    jobs::set_waiting_priority(
        c.conn(),
        SyncJob::WORKER.as_str(),
        &SyncJob::submit_key(id),
        priority,
    )?;
    Ok(Ok(row))
}

/// What a cancel did; `cancel_transfer` says a job will cancel it in slskd.
pub struct Cancelled {
    /// The download before the cancel.
    pub before: DownloadRow,
    pub row: DownloadRow,
    pub cancel_transfer: bool,
    /// False when it already was cancelled.
    pub changed: bool,
}

/// The download's own part of a cancel: `cancelled`, and its transfer
/// cancelled in slskd when one may be live. The wanted track's part is
/// `download_outcomes::cancel`.
pub fn cancel(c: &mut Change<'_>, id: DownloadId) -> Result<Result<Cancelled, Refused>, DbError> {
    let now = c.now();
    let row = rows::get(c.conn(), id)?;
    let effect = cancel_effect(row.state);
    match effect {
        CancelEffect::Refused => {
            return Ok(Err(refused(
                &row,
                "a completed download cannot be cancelled",
            )))
        }
        CancelEffect::AlreadyCancelled => {
            return Ok(Ok(Cancelled {
                before: row.clone(),
                row,
                cancel_transfer: false,
                changed: false,
            }))
        }
        CancelEffect::CancelTransfer | CancelEffect::MarkCancelled => {}
    }
    let updated = rows::mark_cancelled(c.conn(), id, now)?;
    rows::state_changed(c.conn(), id, now, row.state, DownloadState::Cancelled)?;
    rows::add_event(c.conn(), id, now, "cancelled", json!({"by": "user"}))?;
    c.emit(Event::DownloadCancelled { download_id: id });
    let cancel_transfer = effect == CancelEffect::CancelTransfer
        && (row.submitted_at.is_some() || row.slskd_id.is_some());
    if cancel_transfer {
        cancel_transfer_of(c, &row)?;
    }
    Ok(Ok(Cancelled {
        before: row,
        row: updated,
        cancel_transfer,
        changed: true,
    }))
}

/// Durable request to cancel the download's transfer in slskd.
pub fn cancel_transfer_of(c: &mut Change<'_>, row: &DownloadRow) -> Result<(), DbError> {
    c.enqueue(&SyncJob::CancelTransfer {
        download_id: row.id,
        username: row.username.clone(),
        filename: row.filename.clone(),
        slskd_id: row.slskd_id.clone(),
        since: row.submitted_at,
    })?;
    Ok(())
}

pub fn manual_retry(
    c: &mut Change<'_>,
    id: DownloadId,
) -> Result<Result<DownloadRow, Refused>, DbError> {
    let now = c.now();
    let row = rows::get(c.conn(), id)?;
    if !row.state.accepts_manual_retry() {
        return Ok(Err(refused(
            &row,
            "only failed, cancelled or dead-lettered downloads can be retried",
        )));
    }
    if let Some(other) = rows::active_for_file(c.conn(), &row.username, &row.filename)? {
        return Ok(Err(refused(
            &row,
            &format!("download {} is already fetching this file", other.id),
        )));
    }
    let updated = rows::requeue(c.conn(), id, true, now)?;
    rows::state_changed(c.conn(), id, now, row.state, DownloadState::Queued)?;
    c.emit(Event::DownloadQueued {
        download_id: id,
        username: row.username.clone(),
        filename: row.filename.clone(),
        by: QueuedBy::ManualRetry,
    });
    submit(c, &updated)?;
    Ok(Ok(updated))
}

/// Marks the start of a submission and returns the row, or `None` when the
/// download no longer waits for one. A submission interrupted by a crash
/// keeps its first `submitted_at`, so the transfer it may have created is
/// still recognised as its own.
pub fn begin_submission(
    c: &mut Change<'_>,
    id: DownloadId,
) -> Result<Option<DownloadRow>, DbError> {
    let now = c.now();
    let Some(row) = rows::find(c.conn(), id)? else {
        return Ok(None);
    };
    if row.state != DownloadState::Queued || row.slskd_id.is_some() {
        return Ok(None);
    }
    if row.submitted_at.is_some() {
        return Ok(Some(row));
    }
    Ok(Some(rows::set_submitted(c.conn(), id, now)?))
}

/// slskd accepted (or already had) the transfer. When the download was
/// cancelled meanwhile, its transfer is cancelled in slskd; false then.
pub fn record_enqueued(
    c: &mut Change<'_>,
    id: DownloadId,
    slskd_id: Option<&str>,
    adopted: bool,
) -> Result<bool, DbError> {
    let now = c.now();
    if !rows::set_enqueued(c.conn(), id, slskd_id, now)? {
        let mut row = rows::get(c.conn(), id)?;
        row.slskd_id = slskd_id.map(str::to_string);
        cancel_transfer_of(c, &row)?;
        return Ok(false);
    }
    if let Some(sid) = slskd_id {
        rows::mark_taken(c.conn(), id, sid, now)?;
    }
    rows::add_event(
        c.conn(),
        id,
        now,
        "enqueued",
        json!({"slskd_id": slskd_id, "existing_transfer": adopted}),
    )?;
    Ok(true)
}

/// The retry scheduler's scan: due `failed` downloads back to `queued`,
/// oldest due first, each with its submit job in the same transaction (the
/// job is the claim). Returns how many were re-queued.
pub fn requeue_due(c: &mut Change<'_>, limit: i64) -> Result<usize, DbError> {
    let now = c.now();
    let due = rows::due_retries(c.conn(), now, limit)?;
    let mut requeued = 0;
    for row in due {
        // Another download may have taken this file meanwhile: leave this one failed.
        if rows::active_for_file(c.conn(), &row.username, &row.filename)?.is_some() {
            rows::clear_retry(c.conn(), row.id)?;
            continue;
        }
        let updated = rows::requeue(c.conn(), row.id, false, now)?;
        rows::state_changed(c.conn(), row.id, now, row.state, DownloadState::Queued)?;
        c.emit(Event::DownloadQueued {
            download_id: row.id,
            username: row.username.clone(),
            filename: row.filename.clone(),
            by: QueuedBy::ScheduledRetry,
        });
        submit(c, &updated)?;
        requeued += 1;
    }
    Ok(requeued)
}

/// Queued downloads that lost their submit job (it used up its attempts
/// during a long slskd outage) get a new one. The pre-enqueue check of the
/// sync worker keeps this from duplicating a transfer.
pub fn resubmit_orphans(c: &mut Change<'_>, stale_after_ms: i64) -> Result<usize, DbError> {
    let now = c.now();
    let candidates = rows::unsubmitted(c.conn(), now - stale_after_ms)?;
    let mut added = 0;
    for (id, priority) in candidates {
        let key = SyncJob::submit_key(id);
        if jobs::unfinished(c.conn(), SyncJob::WORKER.as_str(), &key)?.is_none() {
            c.enqueue(&SyncJob::Submit {
                download_id: id,
                priority,
            })?;
            added += 1;
        }
    }
    Ok(added)
}

/// Remembers the library path before the move (see `rows::set_organize_target`).
pub fn set_organize_target(c: &mut Change<'_>, id: DownloadId, path: &str) -> Result<(), DbError> {
    let now = c.now();
    rows::set_organize_target(c.conn(), id, path, now)
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::*;
    use crate::db::schema::{downloads, worker_jobs};
    use crate::db::Db;
    use crate::domain::downloads::state::RetryPolicy;
    use crate::domain::time::UnixMillis;
    use crate::domain::track::Track;
    use crate::lifecycle::download_outcomes;

    fn fail_at(conn: &mut SqliteConnection, file: &str, due: UnixMillis) -> DownloadId {
        let track = Track::default();
        let new = NewDownload {
            username: "u",
            filename: file,
            size: 1,
            priority: 0,
            track: &track,
            wanted_id: None,
            artwork_status: crate::domain::downloads::artifact_status::ArtifactStatus::Disabled,
            lyrics_status: crate::domain::downloads::artifact_status::ArtifactStatus::Disabled,
        };
        let (row, _) = create_or_get_active(&mut Change::new(conn, 0), &new).unwrap();
        // Its first submission ran and failed.
        diesel::update(worker_jobs::table)
            .set(worker_jobs::state.eq(crate::db::jobs::DONE))
            .execute(conn)
            .unwrap();
        let policy = RetryPolicy {
            max_attempts: 5,
            base: std::time::Duration::ZERO,
            jitter: 0.0,
        };
        download_outcomes::fail(&mut Change::new(conn, 0), row.id, "boom", &policy, 0.5).unwrap();
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
                assert_eq!(requeue_due(&mut Change::new(c, 1_000), 2)?, 2);
                let states: Vec<DownloadState> = [oldest, second, later, not_due]
                    .iter()
                    .map(|id| rows::get(c, *id).map(|r| r.state))
                    .collect::<Result<_, _>>()?;
                let jobs_for = [oldest, second, later]
                    .iter()
                    .map(|id| {
                        worker_jobs::table
                            .filter(worker_jobs::dedupe_key.eq(format!("submit:{id}")))
                            .filter(worker_jobs::state.eq(crate::db::jobs::QUEUED))
                            .count()
                            .get_result::<i64>(c)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((states, jobs_for))
            })
            .await
            .unwrap();
        use DownloadState::{Failed, Queued};
        assert_eq!(states, vec![Queued, Queued, Failed, Failed]);
        // Each re-queued download got its submit job in the same transaction.
        assert_eq!(jobs_for, vec![1, 1, 0]);
    }
}
