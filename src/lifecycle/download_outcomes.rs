//! How a download ends, and what that means for the wanted track waiting on
//! it: a person cancels it, a transfer fails, a poll of slskd moves it on,
//! its file lands in the library. Above both `downloads` and `wanted`, so
//! neither needs the other's consequences.

use serde_json::json;

use super::downloads::{self, Cancelled};
use super::events::{Event, Progress};
use super::{wanted, Change, Refused};
use crate::db::downloads as rows;
use crate::db::downloads::FailedAttempt;
use crate::db::DbError;
use crate::domain::downloads::reconcile::Change as TransferChange;
use crate::domain::downloads::state::{
    after_failure, error_summary, AfterFailure, DownloadState, RetryPolicy,
};
use crate::domain::ids::DownloadId;
use crate::domain::time::to_rfc3339;
use crate::jobs::{ArtifactJob, MetadataJob, SyncJob};

/// Errors longer than this are cut when stored.
const MAX_ERROR_CHARS: usize = 512;

/// `DELETE /downloads/{id}`: the download is cancelled; a wanted track
/// waiting on it rejects the file and chooses its next candidate.
pub fn cancel(c: &mut Change<'_>, id: DownloadId) -> Result<Result<Cancelled, Refused>, DbError> {
    let cancelled = match downloads::cancel(c, id)? {
        Ok(cancelled) => cancelled,
        Err(refused) => return Ok(Err(refused)),
    };
    if cancelled.changed {
        wanted::on_download_cancelled(c, &cancelled.before)?;
    }
    Ok(Ok(cancelled))
}

/// Any failure of an active download (refused enqueue, failed transfer,
/// missing file): a wanted track waiting on it takes over (the download is
/// `failed`, not retried, and the track tries its next candidate);
/// otherwise `failed` with a due retry, or `dead_letter`. False when the
/// download is no longer active (cancelled meanwhile).
pub fn fail(
    c: &mut Change<'_>,
    id: DownloadId,
    error: &str,
    policy: &RetryPolicy,
    draw: f64,
) -> Result<bool, DbError> {
    let now = c.now();
    let Some(row) = rows::find(c.conn(), id)? else {
        return Ok(false);
    };
    if !row.state.is_active() {
        return Ok(false);
    }
    let error = error_summary(error, MAX_ERROR_CHARS);
    let download_id = id;
    if wanted::on_download_failed(c, &row)? {
        let failed = FailedAttempt {
            state: DownloadState::Failed,
            retry_count: row.retry_count.saturating_add(1),
            error: &error,
            next_retry_at: None,
        };
        rows::mark_failed(c.conn(), id, &failed, now)?;
        rows::state_changed(c.conn(), id, now, row.state, DownloadState::Failed)?;
        rows::add_event(
            c.conn(),
            id,
            now,
            "failed",
            json!({"error": error, "next": "wanted_track_candidate"}),
        )?;
        c.emit(Event::DownloadFailed {
            download_id,
            error,
            wanted_id: row.wanted_id,
        });
        return Ok(true);
    }
    let outcome = after_failure(u32::try_from(row.retry_count).unwrap_or(0), policy, draw);
    let (state, retry_count, next) = match outcome {
        AfterFailure::Retry { retry_count, delay } => (
            DownloadState::Failed,
            retry_count,
            Some(now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))),
        ),
        AfterFailure::DeadLetter { retry_count } => (DownloadState::DeadLetter, retry_count, None),
    };
    let failed = FailedAttempt {
        state,
        retry_count: i32::try_from(retry_count).unwrap_or(i32::MAX),
        error: &error,
        next_retry_at: next,
    };
    rows::mark_failed(c.conn(), id, &failed, now)?;
    rows::state_changed(c.conn(), id, now, row.state, state)?;
    rows::add_event(c.conn(), id, now, "failed", json!({"error": error}))?;
    c.emit(Event::DownloadFailed {
        download_id,
        error: error.clone(),
        wanted_id: None,
    });
    match next {
        Some(at) => {
            rows::add_event(
                c.conn(),
                id,
                now,
                "retry_scheduled",
                json!({"retry_count": retry_count, "next_retry_at": to_rfc3339(at), "error": error}),
            )?;
            c.emit(Event::DownloadRetryScheduled {
                download_id,
                retry_count,
                next_retry_at: at,
                error,
            });
        }
        None => {
            rows::add_event(
                c.conn(),
                id,
                now,
                "dead_lettered",
                json!({"error": error, "retry_count": retry_count}),
            )?;
            c.emit(Event::DownloadDeadLettered { download_id, error });
        }
    }
    Ok(true)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PollApplied {
    pub updated: usize,
    pub finished_transfers: usize,
    pub failed: usize,
}

/// Applies one poll's changes (one transaction). Each update is guarded by
/// the state it was computed from, so a cancel that landed meanwhile wins.
pub fn apply_poll(
    c: &mut Change<'_>,
    changes: &[TransferChange],
    policy: &RetryPolicy,
    draw: &mut dyn FnMut() -> f64,
) -> Result<PollApplied, DbError> {
    let now = c.now();
    let mut applied = PollApplied::default();
    let mut moved = Vec::new();
    for change in changes {
        match change {
            TransferChange::Progress {
                id,
                from,
                to,
                progress,
                bytes,
                learned_id: false,
                ..
            } if from == to => {
                let n = rows::set_progress(c.conn(), *id, *from, *progress, *bytes, now)?;
                if n == 1 {
                    moved.push(Progress {
                        download_id: *id,
                        progress: *progress,
                        bytes_transferred: *bytes,
                    });
                }
                applied.updated += n;
            }
            TransferChange::Progress {
                id,
                from,
                to,
                progress,
                bytes,
                slskd_id,
                ..
            } => {
                let n = rows::set_transfer(
                    c.conn(),
                    *id,
                    *from,
                    *to,
                    *progress,
                    *bytes,
                    slskd_id,
                    now,
                )?;
                if n == 1 {
                    rows::mark_taken(c.conn(), *id, slskd_id, now)?;
                    moved.push(Progress {
                        download_id: *id,
                        progress: *progress,
                        bytes_transferred: *bytes,
                    });
                }
                if n == 1 && from != to {
                    rows::state_changed(c.conn(), *id, now, *from, *to)?;
                    if *to == DownloadState::Downloading {
                        c.emit(Event::DownloadStarted { download_id: *id });
                    }
                }
                applied.updated += n;
            }
            TransferChange::Succeeded { id, from, slskd_id } => {
                let n = rows::set_transfer_done(c.conn(), *id, *from, slskd_id, now)?;
                if n == 1 {
                    rows::mark_taken(c.conn(), *id, slskd_id, now)?;
                    if *from != DownloadState::Downloading {
                        // Finished between two polls: it started all the same.
                        rows::state_changed(c.conn(), *id, now, *from, DownloadState::Downloading)?;
                        c.emit(Event::DownloadStarted { download_id: *id });
                    }
                    c.enqueue(&SyncJob::Organize { download_id: *id })?;
                    applied.finished_transfers += 1;
                }
            }
            TransferChange::Failed { id, error, .. } => {
                if fail(c, *id, error, policy, draw())? {
                    applied.failed += 1;
                }
            }
        }
    }
    if !moved.is_empty() {
        c.emit(Event::DownloadsProgressed { downloads: moved });
    }
    Ok(applied)
}

/// The file is in the library: `completed`, its wanted track too, and the
/// metadata worker gets its job. False when the download was cancelled
/// meanwhile.
pub fn complete(c: &mut Change<'_>, id: DownloadId, path: &str) -> Result<bool, DbError> {
    let now = c.now();
    if !rows::mark_completed(c.conn(), id, path, now)? {
        return Ok(false);
    }
    let row = rows::get(c.conn(), id)?;
    wanted::on_download_completed(c, &row)?;
    rows::add_event(c.conn(), id, now, "organized", json!({"path": path}))?;
    rows::state_changed(
        c.conn(),
        id,
        now,
        DownloadState::Downloading,
        DownloadState::Completed,
    )?;
    let download_id = id;
    c.emit(Event::DownloadOrganized {
        download_id,
        path: path.to_string(),
    });
    c.emit(Event::DownloadCompleted {
        download_id,
        path: path.to_string(),
        wanted_id: row.wanted_id,
    });
    let mut tag = ArtifactJob::new(download_id);
    tag.path = Some(path.to_string());
    c.enqueue(&MetadataJob::of(tag))?;
    // The library index learns of the file as it lands (issue 15).
    c.enqueue(&crate::jobs::LibraryJob::Index {
        path: path.to_string(),
    })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::downloads::NewDownload;
    use crate::db::Db;
    use crate::domain::downloads::artifact_status::ArtifactStatus;
    use crate::domain::track::Track;

    #[actix_rt::test]
    async fn a_poll_announces_its_progress_as_one_event() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let events = db
            .write(|conn| {
                let track = Track::default();
                let mut changes = Vec::new();
                for file in ["a.flac", "b.flac", "c.flac"] {
                    let new = NewDownload {
                        username: "u",
                        filename: file,
                        size: 100,
                        priority: 0,
                        track: &track,
                        wanted_id: None,
                        artwork_status: ArtifactStatus::Disabled,
                        lyrics_status: ArtifactStatus::Disabled,
                    };
                    let row = rows::insert(conn, &new, 0)?;
                    changes.push(TransferChange::Progress {
                        id: row.id,
                        from: DownloadState::Queued,
                        to: DownloadState::Queued,
                        progress: 10.0,
                        bytes: 10,
                        slskd_id: format!("t-{file}"),
                        learned_id: false,
                    });
                }
                let policy = RetryPolicy {
                    max_attempts: 3,
                    base: std::time::Duration::ZERO,
                    jitter: 0.0,
                };
                let mut change = Change::new(conn, 1);
                let applied = apply_poll(&mut change, &changes, &policy, &mut || 0.5)?;
                assert_eq!(applied.updated, 3);
                Ok(change.finish()?.events)
            })
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        match &events[0] {
            Event::DownloadsProgressed { downloads } => assert_eq!(downloads.len(), 3),
            other => panic!("unexpected {other:?}"),
        }
    }
}
