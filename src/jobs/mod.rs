//! Typed jobs. Each worker's jobs are one serde enum (in the style of
//! pict-rs's queue): a `worker_jobs` row holds the variant's serde name in
//! `kind` and its fields in `payload`. The worker runtime decodes a row once;
//! a row that does not decode fails its job with the reason, never with a
//! silent default. Where and how often a job is queued (dedupe key, priority,
//! attempts) is part of the job, here, not of the code that enqueues it.

mod codec;
pub mod library;
pub mod matching;
pub mod media;
pub mod notify;
pub mod sources;
pub mod sync;

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use codec::{decode, encode, kind_of, Encoded, JobDecodeError};
pub use library::LibraryJob;
pub use matching::MatchingJob;
pub use media::{ArtifactJob, ArtworkJob, LyricsJob, MetadataJob};
pub use notify::NotifyJob;
pub use sources::{BackfillJob, WatchlistJob};
pub use sync::SyncJob;

use crate::domain::workers::name::WorkerName;

/// A job of one worker, as it is queued.
pub trait WorkerJob: Serialize + DeserializeOwned + Debug + Send + 'static {
    /// The worker that runs it.
    const WORKER: WorkerName;

    /// At most one unfinished job per worker with this key: enqueueing it
    /// again returns the unfinished one.
    fn dedupe_key(&self) -> Option<String>;

    /// Higher first; ties by due time, then age.
    fn priority(&self) -> i32 {
        0
    }

    /// Attempts before the job is given up.
    fn max_attempts(&self) -> i32;
}

/// The job type of a worker that only does periodic work.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum NoJob {}

/// Finishing and cancelling come before anything new.
pub const URGENT: i32 = i32::MAX;
