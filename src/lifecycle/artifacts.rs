//! What happens to a completed download's file after it lands: its tags,
//! cover and lyrics are written (or skipped, or failed), each step handing
//! on to the next; a person can ask for any of them again.

use serde_json::{json, Value};

use super::events::Event;
use super::{Change, Refused};
use crate::db::artifacts::{
    self as rows, Artifact, ArtworkOutcome, FollowUps, LyricsOutcome, MetadataOutcome,
};
use crate::db::downloads as download_rows;
use crate::db::{jobs, DbError};
use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::downloads::state::DownloadState;
use crate::domain::ids::DownloadId;
use crate::domain::time::{to_rfc3339, UnixMillis};
use crate::jobs::{encode, ArtifactJob, ArtworkJob, LyricsJob, MetadataJob, WorkerJob};

/// The download's timeline entry and the activity event of one outcome.
fn note(
    c: &mut Change<'_>,
    id: DownloadId,
    artifact: Artifact,
    outcome: &'static str,
    details: Value,
) -> Result<(), DbError> {
    let now = c.now();
    download_rows::add_event(c.conn(), id, now, outcome, details.clone())?;
    c.emit(Event::ArtifactRecorded {
        download_id: id,
        artifact: artifact.as_str(),
        outcome,
        details,
    });
    Ok(())
}

/// Queues the job, due at `run_at`. A job already waiting (a re-check due
/// next week) becomes this one: the newer request and the earlier time win.
/// A first tag job keeps its payload: it writes the tags a refresh asks
/// for, and hands on.
fn enqueue<J: WorkerJob>(c: &mut Change<'_>, job: &J, run_at: UnixMillis) -> Result<(), DbError> {
    let now = c.now();
    let waiting = c.enqueue_at(job, run_at)?;
    if waiting.state != jobs::QUEUED {
        return Ok(());
    }
    let payload = if J::WORKER == MetadataJob::WORKER {
        waiting.payload.clone()
    } else {
        encode(job)
            .map_err(|e| DbError::Task(format!("unwritable job: {e}")))?
            .payload
    };
    if waiting.payload != payload || waiting.run_at > run_at {
        jobs::update_waiting(
            c.conn(),
            waiting.id,
            &payload,
            waiting.run_at.min(run_at),
            now,
        )?;
    }
    Ok(())
}

fn set_status(
    c: &mut Change<'_>,
    id: DownloadId,
    artifact: Artifact,
    status: ArtifactStatus,
) -> Result<(), DbError> {
    let now = c.now();
    rows::set_status(c.conn(), id, artifact, status, now)
}

/// The tag job's outcome, and the artwork and lyrics jobs it hands on.
pub fn record_metadata(
    c: &mut Change<'_>,
    id: DownloadId,
    outcome: &MetadataOutcome<'_>,
    follow: FollowUps,
) -> Result<(), DbError> {
    let now = c.now();
    rows::write_metadata(c.conn(), id, outcome, now)?;
    let status = match outcome {
        MetadataOutcome::Written { path, .. } => {
            let details = json!({"path": path});
            note(c, id, Artifact::Metadata, "metadata_written", details)?;
            // Its tags changed: the index reads them again.
            c.enqueue(&crate::jobs::LibraryJob::Index {
                path: path.to_string(),
            })?;
            ArtifactStatus::Done
        }
        MetadataOutcome::Skipped { reason } => {
            let details = json!({"error": reason});
            note(c, id, Artifact::Metadata, "metadata_skipped", details)?;
            ArtifactStatus::Skipped
        }
        MetadataOutcome::Failed { reason } => {
            let details = json!({"error": reason});
            note(c, id, Artifact::Metadata, "metadata_failed", details)?;
            ArtifactStatus::Failed
        }
    };
    set_status(c, id, Artifact::Metadata, status)?;

    let job = ArtifactJob::new(id);
    if follow.artwork {
        if let MetadataOutcome::Skipped { reason } = outcome {
            // A file that cannot carry tags cannot carry a cover either.
            record_artwork(c, id, &ArtworkOutcome::Skipped { reason })?;
        } else {
            set_status(c, id, Artifact::Artwork, ArtifactStatus::Pending)?;
            enqueue(c, &ArtworkJob::of(job.clone()), now)?;
        }
    }
    if follow.lyrics {
        set_status(c, id, Artifact::Lyrics, ArtifactStatus::Pending)?;
        enqueue(c, &LyricsJob::of(job), now)?;
    }
    Ok(())
}

/// `POST …/{metadata,artwork,lyrics}/refresh`: the status back to `pending`
/// and a job with `refresh: true`. Only a download whose file is in the
/// library can be refreshed.
pub fn request_refresh(
    c: &mut Change<'_>,
    id: DownloadId,
    artifact: Artifact,
) -> Result<Result<(), Refused>, DbError> {
    let now = c.now();
    let download = download_rows::get(c.conn(), id)?;
    if download.state != DownloadState::Completed || download.organized_path.is_none() {
        return Ok(Err(Refused::new(
            download.state.as_str(),
            "only a completed download's file can be refreshed",
        )));
    }
    set_status(c, id, artifact, ArtifactStatus::Pending)?;
    let mut job = ArtifactJob::new(id);
    job.refresh = true;
    match artifact {
        Artifact::Metadata => enqueue(c, &MetadataJob::of(job), now)?,
        Artifact::Artwork => enqueue(c, &ArtworkJob::of(job), now)?,
        Artifact::Lyrics => enqueue(c, &LyricsJob::of(job), now)?,
    }
    Ok(Ok(()))
}

pub fn record_artwork(
    c: &mut Change<'_>,
    id: DownloadId,
    outcome: &ArtworkOutcome<'_>,
) -> Result<(), DbError> {
    let now = c.now();
    rows::write_artwork(c.conn(), id, outcome, now)?;
    let (status, event, details) = match outcome {
        ArtworkOutcome::Embedded {
            source,
            width,
            height,
            replaced,
            ..
        } => (
            ArtifactStatus::Done,
            "artwork_embedded",
            json!({"source": source, "width": width, "height": height, "replaced": replaced}),
        ),
        ArtworkOutcome::Kept { width, height, .. } => (
            ArtifactStatus::Done,
            "artwork_kept",
            json!({"width": width, "height": height}),
        ),
        ArtworkOutcome::Skipped { reason } => (
            ArtifactStatus::Skipped,
            "artwork_skipped",
            json!({"error": reason}),
        ),
        ArtworkOutcome::Failed { reason } => (
            ArtifactStatus::Failed,
            "artwork_failed",
            json!({"error": reason}),
        ),
    };
    note(c, id, Artifact::Artwork, event, details)?;
    set_status(c, id, Artifact::Artwork, status)
}

/// The lyrics job's outcome. A `not_found` with a `recheck_at` completes the
/// running job (`job_id`) and queues the next look-up, due then.
pub fn record_lyrics(
    c: &mut Change<'_>,
    id: DownloadId,
    job_id: i64,
    outcome: &LyricsOutcome<'_>,
) -> Result<(), DbError> {
    let now = c.now();
    rows::write_lyrics(c.conn(), id, outcome, now)?;
    let (status, event, details) = match outcome {
        LyricsOutcome::Written {
            kind,
            path,
            embedded,
            ..
        } => (
            ArtifactStatus::Done,
            "lyrics_written",
            json!({"kind": kind, "path": path, "embedded": embedded}),
        ),
        LyricsOutcome::Instrumental => (
            ArtifactStatus::Instrumental,
            "lyrics_instrumental",
            json!({}),
        ),
        LyricsOutcome::NotFound { recheck_at } => {
            if let Some(at) = recheck_at {
                // Finished first, so that the dedupe key is free for the next one.
                jobs::complete(c.conn(), job_id, now)?;
                let mut job = ArtifactJob::new(id);
                job.recheck = true;
                enqueue(c, &LyricsJob::of(job), *at)?;
            }
            (
                ArtifactStatus::NotFound,
                "lyrics_not_found",
                json!({"next_check_at": recheck_at.map(to_rfc3339)}),
            )
        }
        LyricsOutcome::Failed { reason } => (
            ArtifactStatus::Failed,
            "lyrics_failed",
            json!({"error": reason}),
        ),
    };
    note(c, id, Artifact::Lyrics, event, details)?;
    set_status(c, id, Artifact::Lyrics, status)
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;

    use super::*;
    use crate::db::artifacts::{cached_cover, count_due, get, store_cover, CachedCover};
    use crate::db::downloads::NewDownload;
    use crate::db::schema::{downloads, worker_jobs};
    use crate::db::Db;
    use crate::domain::track::Track;

    fn download(c: &mut SqliteConnection, completed: bool) -> DownloadId {
        let track = Track::default();
        let new = NewDownload {
            username: "u",
            filename: "f.flac",
            size: 1,
            priority: 0,
            track: &track,
            wanted_id: None,
            artwork_status: ArtifactStatus::Pending,
            lyrics_status: ArtifactStatus::Pending,
        };
        let row = download_rows::insert(c, &new, 1).unwrap();
        if completed {
            diesel::update(downloads::table.find(row.id))
                .set((
                    downloads::state.eq(DownloadState::Completed),
                    downloads::organized_path.eq(Some("/music/a/b/f.flac")),
                ))
                .execute(c)
                .unwrap();
        }
        row.id
    }

    fn jobs_of(c: &mut SqliteConnection, worker: &str) -> Vec<(String, String, i64)> {
        worker_jobs::table
            .filter(worker_jobs::worker.eq(worker))
            .filter(worker_jobs::state.eq(jobs::QUEUED))
            .select((worker_jobs::kind, worker_jobs::payload, worker_jobs::run_at))
            .load(c)
            .unwrap()
    }

    fn statuses(
        c: &mut SqliteConnection,
        id: DownloadId,
    ) -> (&'static str, &'static str, &'static str) {
        let row = download_rows::get(c, id).unwrap();
        (
            row.metadata_status.as_str(),
            row.artwork_status.as_str(),
            row.lyrics_status.as_str(),
        )
    }

    #[actix_rt::test]
    async fn written_tags_hand_on_in_the_same_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            let outcome = MetadataOutcome::Written {
                path: "/music/a/b/f.flac",
                tags: r#"{"title":"T"}"#,
                spotify_image_url: Some("https://i.scdn.co/image/x"),
            };
            let both = FollowUps {
                artwork: true,
                lyrics: true,
            };
            record_metadata(&mut Change::new(c, 10), id, &outcome, both)?;
            assert_eq!(statuses(c, id), ("done", "pending", "pending"));
            assert_eq!(jobs_of(c, "artwork").len(), 1);
            assert_eq!(jobs_of(c, "lyrics")[0].0, "fetch");
            let row = get(c, id)?.unwrap();
            assert_eq!(row.tags.as_deref(), Some(r#"{"title":"T"}"#));
            assert_eq!(
                row.spotify_image_url.as_deref(),
                Some("https://i.scdn.co/image/x")
            );

            // A file that cannot carry tags cannot carry a cover: no artwork job.
            let other = download(c, true);
            let skipped = MetadataOutcome::Skipped {
                reason: "unsupported: wav",
            };
            record_metadata(&mut Change::new(c, 11), other, &skipped, both)?;
            assert_eq!(statuses(c, other), ("skipped", "skipped", "pending"));
            assert_eq!(jobs_of(c, "artwork").len(), 1);
            assert_eq!(jobs_of(c, "lyrics").len(), 2);
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_rt::test]
    async fn a_refresh_brings_next_weeks_recheck_forward() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            let week = 7 * 24 * 3600 * 1000;
            let lookup = LyricsJob::of(ArtifactJob::new(id));
            let running = Change::new(c, 0).enqueue(&lookup)?;
            let jobs::Claim::Job(claimed) = jobs::claim_next(c, "lyrics", 1)? else {
                panic!("expected the job")
            };
            assert_eq!(claimed.id, running.id);
            let not_found = LyricsOutcome::NotFound {
                recheck_at: Some(week),
            };
            record_lyrics(&mut Change::new(c, 5), id, claimed.id, &not_found)?;
            assert_eq!(statuses(c, id).2, "not_found");
            assert_eq!(jobs::get(c, claimed.id)?.state, jobs::DONE);
            assert_eq!(jobs_of(c, "lyrics")[0].2, week);
            assert_eq!(count_due(c, "lyrics", 6)?, 0, "not work waiting now");
            assert_eq!(get(c, id)?.unwrap().lyrics_rechecks, 1);

            assert_eq!(
                request_refresh(&mut Change::new(c, 20), id, Artifact::Lyrics)?,
                Ok(())
            );
            let queued = jobs_of(c, "lyrics");
            assert_eq!(queued.len(), 1, "still one job");
            assert_eq!(queued[0].2, 20, "due now");
            assert!(queued[0].1.contains("\"refresh\":true"));
            assert_eq!(statuses(c, id).2, "pending");
            assert_eq!(count_due(c, "lyrics", 20)?, 1);

            let queued_download = download(c, false);
            let refused =
                request_refresh(&mut Change::new(c, 21), queued_download, Artifact::Artwork)?;
            assert_eq!(refused.map_err(|r| r.state), Err("queued"));
            assert!(request_refresh(
                &mut Change::new(c, 22),
                DownloadId(9999),
                Artifact::Metadata
            )
            .is_err_and(|e| e.is_not_found()));
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_rt::test]
    async fn a_refresh_brings_a_waiting_tag_job_forward_and_keeps_its_payload() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            // The first tag job, waiting for its retry.
            let mut first = ArtifactJob::new(id);
            first.path = Some("/music/a/b/f.flac".into());
            let waiting = Change::new(c, 0).enqueue_at(&MetadataJob::of(first), 5_000)?;
            assert_eq!(
                request_refresh(&mut Change::new(c, 10), id, Artifact::Metadata)?,
                Ok(())
            );
            let job = jobs::get(c, waiting.id)?;
            assert_eq!(job.run_at, 10, "due now");
            assert!(job.payload.contains("\"path\""), "{}", job.payload);
            assert!(!job.payload.contains("refresh"), "{}", job.payload);
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_rt::test]
    async fn a_failed_artwork_keeps_what_an_earlier_success_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            let embedded = ArtworkOutcome::Embedded {
                source: "spotify",
                cache_key: "spotify:x",
                mime: "image/jpeg",
                width: Some(1400),
                height: Some(1400),
                replaced: false,
            };
            record_artwork(&mut Change::new(c, 1), id, &embedded)?;
            let failed = ArtworkOutcome::Failed {
                reason: "spotify: HTTP 503",
            };
            record_artwork(&mut Change::new(c, 2), id, &failed)?;
            let row = get(c, id)?.unwrap();
            assert_eq!(row.artwork_source.as_deref(), Some("spotify"));
            assert_eq!(row.artwork_width, Some(1400));
            assert_eq!(row.artwork_error.as_deref(), Some("spotify: HTTP 503"));
            assert_eq!(statuses(c, id).1, "failed");

            let cover = CachedCover {
                cache_key: "spotify:x".into(),
                file_name: "ab.jpg".into(),
                mime: "image/jpeg".into(),
                width: Some(1400),
                height: Some(1400),
                bytes: 10,
                source: "spotify".into(),
                url: "https://i.scdn.co/image/x".into(),
                fetched_at: 3,
            };
            store_cover(c, &cover)?;
            store_cover(c, &cover)?;
            assert_eq!(cached_cover(c, "spotify:x")?, Some(cover));
            assert_eq!(cached_cover(c, "spotify:y")?, None);
            Ok(())
        })
        .await
        .unwrap();
    }
}
