//! The background workers of the contract, by name: the nine of the seeds
//! and `library` (issue 15).

use std::fmt;
use std::str::FromStr;

/// One of the workers. The order is the order `/status` lists them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkerName {
    Sync,
    Matching,
    PlaylistSync,
    Artwork,
    Lyrics,
    Metadata,
    Backfill,
    Watchlist,
    RetryScheduler,
    Library,
    Notify,
}

impl WorkerName {
    pub const ALL: [WorkerName; 11] = [
        WorkerName::Sync,
        WorkerName::Matching,
        WorkerName::PlaylistSync,
        WorkerName::Artwork,
        WorkerName::Lyrics,
        WorkerName::Metadata,
        WorkerName::Backfill,
        WorkerName::Watchlist,
        WorkerName::RetryScheduler,
        WorkerName::Library,
        WorkerName::Notify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkerName::Sync => "sync",
            WorkerName::Matching => "matching",
            WorkerName::PlaylistSync => "playlist_sync",
            WorkerName::Artwork => "artwork",
            WorkerName::Lyrics => "lyrics",
            WorkerName::Metadata => "metadata",
            WorkerName::Backfill => "backfill",
            WorkerName::Watchlist => "watchlist",
            WorkerName::RetryScheduler => "retry_scheduler",
            WorkerName::Library => "library",
            WorkerName::Notify => "notify",
        }
    }

    /// Workers that own a queue of jobs report an integer `queue_size`
    /// (the watchlist: its per-artist checks); purely periodic ones `null`.
    pub fn has_queue(self) -> bool {
        !matches!(self, WorkerName::PlaylistSync | WorkerName::RetryScheduler)
    }
}

impl fmt::Display for WorkerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown worker '{0}'")]
pub struct UnknownWorker(pub String);

impl FromStr for WorkerName {
    type Err = UnknownWorker;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WorkerName::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| UnknownWorker(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in WorkerName::ALL {
            assert_eq!(w.as_str().parse::<WorkerName>(), Ok(w));
        }
        assert!("stale".parse::<WorkerName>().is_err());
    }

    #[test]
    fn periodic_workers_have_no_queue() {
        let without: Vec<_> = WorkerName::ALL
            .into_iter()
            .filter(|w| !w.has_queue())
            .collect();
        assert_eq!(
            without,
            vec![WorkerName::PlaylistSync, WorkerName::RetryScheduler]
        );
    }
}
