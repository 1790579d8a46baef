//! WatchlistWorker: checks watched artists every `WATCHLIST_INTERVAL`. The check arrives with the Spotify issue.

use std::time::Duration;

use crate::actors::logic::WorkerLogic;
use crate::config::Config;

#[derive(Default)]
pub struct WatchlistWorker;

impl WorkerLogic for WatchlistWorker {
    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.watchlist_interval)
    }
}
