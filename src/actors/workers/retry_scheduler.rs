//! RetryScheduler: every `RETRY_SCAN_INTERVAL_SEC`, due `failed` downloads go
//! back to `queued` (up to `RETRY_SCAN_BATCH_LIMIT`, oldest due first), each
//! with its submit job in the same transaction. It also gives queued
//! downloads whose submit job was used up (a long slskd outage) a new one,
//! and wanted tracks left without a search job a new one.

use std::time::Duration;

use crate::actors::logic::{JobError, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::jobs::NoJob;
use crate::lifecycle::{downloads, wanted};

/// A submission silent this long without a job is taken up again.
const ORPHAN_AFTER_MS: i64 = 10 * 60 * 1000;

#[derive(Default)]
pub struct RetryScheduler;

impl WorkerLogic for RetryScheduler {
    type Job = NoJob;

    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.retry_scan_interval)
    }

    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            let limit = i64::from(env.config.current().retry_scan_batch_limit);
            let (requeued, resubmitted, searches) = env
                .lifecycle
                .change(move |c| {
                    Ok((
                        downloads::requeue_due(c, limit)?,
                        downloads::resubmit_orphans(c, ORPHAN_AFTER_MS)?,
                        wanted::resubmit_orphans(c)?,
                    ))
                })
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            if requeued + resubmitted > 0 {
                tracing::info!(
                    requeued,
                    resubmitted,
                    "downloads handed back to the sync worker"
                );
            }
            if searches > 0 {
                tracing::info!(searches, "wanted tracks handed back to the matching worker");
            }
            Ok(())
        })
    }
}
