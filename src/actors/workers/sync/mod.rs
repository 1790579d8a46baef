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

use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::actors::registry::{ConnectionObserved, Service};
use crate::config::Config;
use crate::db::downloads;
use crate::db::DbError;
use crate::domain::connections::state::ConnectionState;
use crate::domain::workers::backoff::doubling_delay;
use crate::integrations::slskd::{Endpoint, SlskdClient};
use crate::jobs::SyncJob;

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

impl WorkerLogic for SyncWorker {
    type Job = SyncJob;

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

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: SyncJob,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let ctx = self.ctx(env);
        let organizing = Rc::clone(&self.organizing);
        Box::pin(async move {
            match job {
                SyncJob::Submit { download_id, .. } => submit::submit(&ctx, download_id).await,
                SyncJob::Organize { download_id } => {
                    let _one_at_a_time = organizing.lock().await;
                    organize::organize(&ctx, download_id, meta.attempt, meta.max_attempts).await
                }
                cancel @ SyncJob::CancelTransfer { .. } => {
                    cancel::cancel_transfer(&ctx, &cancel).await
                }
            }
        })
    }

    fn retry_delay(&self, job: &SyncJob, attempt: u32) -> Duration {
        match job {
            // The file usually appears within a second of slskd's "Succeeded".
            SyncJob::Organize { .. } => Duration::from_secs(u64::from(attempt.min(10))),
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
