//! RetryScheduler: re-queues due downloads every `RETRY_SCAN_INTERVAL_SEC`. The scan arrives with the downloads issue.

use std::time::Duration;

use crate::actors::logic::WorkerLogic;
use crate::config::Config;

#[derive(Default)]
pub struct RetryScheduler;

impl WorkerLogic for RetryScheduler {
    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.retry_scan_interval)
    }
}
