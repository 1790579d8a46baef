//! The shared services, in one container: the HTTP handlers and every
//! worker reach the database, the settings, the lifecycle of state changes
//! and the outside world through it.

use std::sync::Arc;

use actix::Addr;

use crate::actors::directory::WorkerDirectory;
use crate::actors::registry::WorkerRegistry;
use crate::actors::search_scheduler::SearchHandle;
use crate::config::SharedConfig;
use crate::db::Db;
use crate::integrations::spotify::session::SpotifyAccess;
use crate::lifecycle::Lifecycle;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct Services {
    /// Reads; writes that change state go through `lifecycle`.
    pub db: Db,
    pub config: SharedConfig,
    /// Every state change, its jobs and its events.
    pub lifecycle: Lifecycle,
    /// Worker states for `/status`, from memory.
    pub registry: Addr<WorkerRegistry>,
    pub directory: WorkerDirectory,
    pub metrics: Arc<Metrics>,
    /// The only way to Soulseek searches.
    pub searches: SearchHandle,
    /// The user's Spotify account (tokens, refresh, rate limits).
    pub spotify: SpotifyAccess,
}
