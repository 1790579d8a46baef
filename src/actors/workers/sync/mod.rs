//! SyncWorker: downloads through slskd. Jobs (rows in `worker_jobs`):
//! `submit` hands a download to slskd, `organize` moves a finished file into
//! the library, `cancel_transfer` cancels a transfer in slskd. The periodic
//! tick polls slskd's transfer list — every `SYNC_POLL_INTERVAL_SEC` while
//! anything is active, else it only probes slskd every
//! `SYNC_IDLE_POLL_INTERVAL_SEC` — so `connections.slskd` stays current.

mod cancel;
mod organize;
mod poll;
mod submit;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::lock::Mutex;

use crate::actors::logic::{Job, JobError, WorkFuture, WorkerEnv, WorkerLogic};
use crate::actors::registry::{ConnectionObserved, Service};
use crate::config::Config;
use crate::db::downloads::{self, job};
use crate::db::DbError;
use crate::domain::backoff::doubling_delay;
use crate::domain::connection::ConnectionState;
use crate::integrations::slskd::{Endpoint, SlskdClient};

#[derive(Default)]
pub struct SyncWorker {
    slskd: Rc<SlskdClient>,
    /// Something is queued or downloading: poll at the fast interval.
    active: Rc<Cell<bool>>,
    /// Moves run one at a time, so two files never pick the same free name.
    organizing: Rc<Mutex<()>>,
}

/// What the jobs and the poll share.
#[derive(Clone)]
struct Ctx {
    env: WorkerEnv,
    slskd: Rc<SlskdClient>,
    active: Rc<Cell<bool>>,
}

impl Ctx {
    fn endpoint(&self) -> Endpoint {
        let config = self.env.config.current();
        Endpoint {
            base_url: config.slskd_url.clone(),
            api_key: config.slskd_api_key.clone(),
        }
    }

    fn observe(&self, state: ConnectionState) {
        self.env.registry.do_send(ConnectionObserved {
            service: Service::Slskd,
            state,
        });
    }

    /// A failed download of a wanted track falls through to its next
    /// candidate: the matching worker's `choose` job is committed; wake it.
    fn failures_recorded(&self) {
        self.env.directory.send(
            crate::domain::worker_name::WorkerName::Matching,
            crate::actors::directory::WorkerControl::Wake,
        );
    }

    /// There is something to watch: poll at the fast interval from now on.
    fn mark_active(&self) {
        if !self.active.replace(true) {
            self.env.directory.send(
                self.env.name,
                crate::actors::directory::WorkerControl::Hurry,
            );
        }
    }
}

fn db_error(e: DbError) -> JobError {
    JobError::Retry(e.to_string())
}

fn download_id(job: &Job) -> Result<i64, JobError> {
    job.payload["download_id"]
        .as_i64()
        .ok_or_else(|| JobError::Permanent("job without a download_id".into()))
}

impl WorkerLogic for SyncWorker {
    fn concurrency(&self, config: &Config) -> usize {
        config.sync_worker_concurrency
    }

    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(if self.active.get() {
            config.sync_poll_interval
        } else {
            config.sync_idle_poll_interval
        })
    }

    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        Box::pin(poll::poll(self.ctx(env)))
    }

    fn run_job(&mut self, env: &WorkerEnv, job: Job) -> WorkFuture<Result<(), JobError>> {
        let ctx = self.ctx(env);
        let organizing = Rc::clone(&self.organizing);
        Box::pin(async move {
            let id = download_id(&job)?;
            match job.kind.as_str() {
                job::SUBMIT => submit::submit(&ctx, id).await,
                job::ORGANIZE => {
                    let _one_at_a_time = organizing.lock().await;
                    organize::organize(&ctx, id, job.attempt, job.max_attempts).await
                }
                job::CANCEL_TRANSFER => cancel::cancel_transfer(&ctx, &job.payload).await,
                other => Err(JobError::Permanent(format!(
                    "sync has no job of kind '{other}'"
                ))),
            }
        })
    }

    fn retry_delay(&self, kind: &str, attempt: u32) -> Duration {
        match kind {
            // The file usually appears within a second of slskd's "Succeeded".
            job::ORGANIZE => Duration::from_secs(u64::from(attempt.min(10))),
            _ => doubling_delay(attempt, Duration::from_secs(2), Duration::from_secs(300)),
        }
    }

    /// Queued + downloading downloads.
    fn queue_size(&self, env: &WorkerEnv) -> WorkFuture<Result<Option<u64>, DbError>> {
        let db = env.db.clone();
        Box::pin(async move {
            let n = db.read(downloads::count_active).await?;
            Ok(Some(u64::try_from(n).unwrap_or(0)))
        })
    }
}

impl SyncWorker {
    fn ctx(&self, env: &WorkerEnv) -> Ctx {
        Ctx {
            env: env.clone(),
            slskd: Rc::clone(&self.slskd),
            active: Rc::clone(&self.active),
        }
    }
}
