//! PlaylistSyncWorker: refreshes Spotify playlists every `PLAYLIST_SYNC_INTERVAL`. The sync itself arrives with the Spotify issue.

use std::time::Duration;

use crate::actors::logic::WorkerLogic;
use crate::config::Config;

#[derive(Default)]
pub struct PlaylistSyncWorker;

impl WorkerLogic for PlaylistSyncWorker {
    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.playlist_sync_interval)
    }
}
