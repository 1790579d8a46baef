//! LibraryWorker (issue 15, heir of the seeds' ScanWorker): indexes the
//! audio files under `MUSIC_DIR` and `LIBRARY_EXTRA_DIRS` — at start, every
//! `LIBRARY_SCAN_INTERVAL`, on demand (`POST /library/scan` runs the tick
//! now) — and each file Harmony organizes as it lands (`LibraryJob::Index`).
//! The walk and the tag reads run on a blocking thread with a few
//! low-priority readers (`scan.rs`), never on the async threads.

pub mod media;
pub mod playlists;
pub mod scan;

use std::time::Duration;

use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::jobs::LibraryJob;

#[derive(Default)]
pub struct LibraryWorker {
    landed: media::Landed,
}

fn roots(config: &Config) -> Vec<std::path::PathBuf> {
    scan::configured_roots(&config.music_dir, &config.library_extra_dirs)
}

impl WorkerLogic for LibraryWorker {
    type Job = LibraryJob;

    /// A media server back after an outage is asked again soon.
    fn retry_delay(&self, job: &LibraryJob, attempt: u32) -> Duration {
        let first = match job {
            LibraryJob::Rescan { .. } => Duration::from_secs(2),
            _ => Duration::from_secs(5),
        };
        crate::domain::workers::backoff::doubling_delay(attempt, first, Duration::from_secs(600))
    }

    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.library_scan_interval)
    }

    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            // First, so /status knows the servers before a long first scan ends.
            media::probe(&env).await;
            let (db, dirs) = (env.db.clone(), roots(&env.config.current()));
            let summary = actix_web::web::block(move || scan::scan(&db, &dirs))
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?
                .map_err(|e| JobError::Retry(e.to_string()))?;
            env.metrics.library.scanned(
                u64::try_from(summary.counts.read).unwrap_or(0),
                summary.seconds,
            );
            let c = summary.counts;
            tracing::info!(
                seen = c.seen,
                read = c.read,
                skipped = c.skipped,
                unreadable = c.unreadable,
                removed = c.removed,
                seconds = summary.seconds,
                "library scanned"
            );
            for error in &summary.root_errors {
                tracing::warn!(%error, "library root not fully scanned");
            }
            if c.read + c.removed > 0 {
                // Files came or went: the playlists may list others now.
                enqueue_playlists(&env).await?;
            }
            Ok(())
        })
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: LibraryJob,
        _meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        let landed = self.landed.clone();
        Box::pin(async move {
            match job {
                LibraryJob::Rescan { server } => media::rescan(&env, &landed, &server).await,
                LibraryJob::Index { path } => {
                    let (db, dirs) = (env.db.clone(), roots(&env.config.current()));
                    let path = std::path::PathBuf::from(path);
                    let file = path.clone();
                    let indexed = actix_web::web::block(move || scan::index_one(&db, &dirs, &path))
                        .await
                        .map_err(|e| JobError::Retry(e.to_string()))?
                        .map_err(|e| JobError::Retry(e.to_string()))?;
                    if indexed {
                        env.metrics.library.indexed(1);
                        enqueue_playlists(&env).await?;
                        if file.exists() {
                            media::file_landed(&env, &landed, file).await?;
                        }
                    }
                    Ok(())
                }
                LibraryJob::WritePlaylists {} => {
                    let config = env.config.current();
                    if !config.write_playlists {
                        return Ok(());
                    }
                    let (db, dir) = (env.db.clone(), config.playlists_dir.clone());
                    let done = actix_web::web::block(move || playlists::write_all(&db, &dir))
                        .await
                        .map_err(|e| JobError::Retry(e.to_string()))?
                        .map_err(|e| JobError::Retry(e.to_string()))?;
                    env.metrics.library.playlists(
                        u64::try_from(done.written).unwrap_or(0),
                        u64::try_from(done.unchanged).unwrap_or(0),
                    );
                    if done.written > 0 {
                        tracing::info!(
                            written = done.written,
                            unchanged = done.unchanged,
                            "playlist files written"
                        );
                    }
                    Ok(())
                }
            }
        })
    }
}

/// Queues a rewrite of the playlist files (one waits at most).
async fn enqueue_playlists(env: &WorkerEnv) -> Result<(), JobError> {
    env.lifecycle
        .enqueue(LibraryJob::WritePlaylists {})
        .await
        .map(|_| ())
        .map_err(|e| JobError::Retry(e.to_string()))
}
