//! The workers of the contract (the nine of the seeds, `library` and `notify`).

mod artwork;
mod backfill;
mod completed_file;
pub mod library;
mod lyrics;
mod matching;
mod metadata;
mod notify;
mod playlist_sync;
mod retry_scheduler;
mod spotify_album;
mod sync;
mod watchlist;

pub use artwork::ArtworkWorker;
pub use backfill::BackfillWorker;
pub use library::LibraryWorker;
pub use lyrics::LyricsWorker;
pub use matching::MatchingWorker;
pub use metadata::MetadataWorker;
pub use notify::NotifyWorker;
pub use playlist_sync::PlaylistSyncWorker;
pub use retry_scheduler::RetryScheduler;
pub use sync::SyncWorker;
pub use watchlist::WatchlistWorker;

use super::supervisor::{spawner, SpawnWorker};
use crate::domain::workers::name::WorkerName;

/// The production logic of a worker.
pub fn spawner_for(name: WorkerName) -> SpawnWorker {
    match name {
        WorkerName::Sync => spawner(SyncWorker::default),
        WorkerName::Matching => spawner(MatchingWorker::default),
        WorkerName::PlaylistSync => spawner(PlaylistSyncWorker::default),
        WorkerName::Artwork => spawner(ArtworkWorker::default),
        WorkerName::Lyrics => spawner(LyricsWorker::default),
        WorkerName::Metadata => spawner(MetadataWorker::default),
        WorkerName::Backfill => spawner(BackfillWorker::default),
        WorkerName::Watchlist => spawner(WatchlistWorker::default),
        WorkerName::RetryScheduler => spawner(RetryScheduler::default),
        WorkerName::Notify => spawner(NotifyWorker::default),
        WorkerName::Library => spawner(LibraryWorker::default),
    }
}
