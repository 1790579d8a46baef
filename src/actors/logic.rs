//! What a worker does, separated from how it is run (mailbox, heartbeats,
//! job claiming, supervision: see `worker.rs`).

use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

use crate::actors::services::Services;
use crate::config::Config;
use crate::db::{jobs, DbError};
use crate::domain::workers::backoff::doubling_delay;
use crate::domain::workers::name::WorkerName;

/// Futures run on the worker's own arbiter, so they need not be `Send`
/// (HTTP clients are not).
pub type WorkFuture<T> = LocalBoxFuture<'static, T>;

/// Everything a worker may use (the shared services, and its own name);
/// cheap to clone into futures.
#[derive(Clone)]
pub struct WorkerEnv {
    pub name: WorkerName,
    pub services: Services,
}

impl std::ops::Deref for WorkerEnv {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

/// What the runtime knows of a claimed job besides its typed content.
#[derive(Debug, Clone, Copy)]
pub struct JobMeta {
    pub id: i64,
    /// This attempt's number, from 1.
    pub attempt: u32,
    pub max_attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// Transient: try the job again later while attempts remain.
    #[error("{0}")]
    Retry(String),
    /// The job cannot succeed: give up on it, the worker carries on.
    #[error("{0}")]
    Permanent(String),
    /// The worker itself is broken: it is restarted (the job is tried again
    /// while attempts remain).
    #[error("{0}")]
    Fatal(String),
}

pub trait WorkerLogic: Unpin + 'static {
    /// This worker's jobs (`jobs::NoJob` for purely periodic workers). The
    /// runtime decodes each claimed row once; a row that does not decode
    /// fails its job with the reason.
    type Job: DeserializeOwned + Clone + Debug + 'static;

    /// Jobs run at once; read before every claim, so a settings change
    /// applies to the next job.
    fn concurrency(&self, _config: &Config) -> usize {
        1
    }

    /// Periodic work (polls, scans, syncs), first run at start.
    fn tick_interval(&self, _config: &Config) -> Option<Duration> {
        None
    }

    fn tick(&mut self, _env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        Box::pin(async { Ok(()) })
    }

    /// Runs one job. It may run again after a crash, so its effect must be
    /// idempotent (or committed together with `jobs::complete`).
    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: Self::Job,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let name = env.name;
        Box::pin(async move {
            Err(JobError::Permanent(format!(
                "{name} takes no jobs (job {}: {job:?})",
                meta.id
            )))
        })
    }

    /// When a failed job (its `attempt`-th attempt) is tried again.
    fn retry_delay(&self, _job: &Self::Job, attempt: u32) -> Duration {
        doubling_delay(attempt, Duration::from_secs(5), Duration::from_secs(600))
    }

    /// `queue_size` for `/status`: by default the worker's unfinished jobs,
    /// `None` for purely periodic workers.
    fn queue_size(&self, env: &WorkerEnv) -> WorkFuture<Result<Option<u64>, DbError>> {
        pending_jobs(env)
    }
}

/// Unfinished `worker_jobs` rows of this worker (`None` for periodic workers).
pub fn pending_jobs(env: &WorkerEnv) -> WorkFuture<Result<Option<u64>, DbError>> {
    let (db, name) = (env.db.clone(), env.name);
    Box::pin(async move {
        if !name.has_queue() {
            return Ok(None);
        }
        let n = db
            .read(move |c| jobs::count_pending(c, name.as_str()))
            .await?;
        Ok(Some(u64::try_from(n).unwrap_or(0)))
    })
}
