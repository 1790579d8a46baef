//! SyncWorker: downloads through slskd. For now it probes slskd every
//! `SYNC_IDLE_POLL_INTERVAL_SEC`, so `connections.slskd` in `/status` is
//! always from a recent real call; submitting and polling transfers come with
//! the downloads issue.

use std::rc::Rc;
use std::time::Duration;

use crate::actors::logic::{JobError, WorkFuture, WorkerEnv, WorkerLogic};
use crate::actors::registry::{ConnectionObserved, Service};
use crate::config::Config;
use crate::integrations::slskd::SlskdClient;

#[derive(Default)]
pub struct SyncWorker {
    slskd: Rc<SlskdClient>,
}

impl WorkerLogic for SyncWorker {
    fn concurrency(&self, config: &Config) -> usize {
        config.sync_worker_concurrency
    }

    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.sync_idle_poll_interval)
    }

    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let (slskd, env) = (Rc::clone(&self.slskd), env.clone());
        Box::pin(async move {
            let config = env.config.current();
            let state = slskd
                .probe(&config.slskd_url, &config.slskd_api_key, &env.metrics)
                .await;
            env.registry.do_send(ConnectionObserved {
                service: Service::Slskd,
                state,
            });
            Ok(())
        })
    }
}
