//! The library's changes that queue work: media-server rescans, debounced.

use super::Change;
use crate::db::{jobs, DbError};
use crate::domain::library::media_server::MediaServer;
use crate::domain::time::UnixMillis;
use crate::jobs::{LibraryJob, WorkerJob};

/// A file landed: each server's rescan runs at `run_at` — a rescan already
/// waiting is pushed back there, so a burst of files makes one call, made
/// once the burst has been quiet for the debounce.
pub fn request_rescans(
    c: &mut Change<'_>,
    servers: &[MediaServer],
    run_at: UnixMillis,
) -> Result<(), DbError> {
    let now = c.now();
    for server in servers {
        let job = LibraryJob::Rescan {
            server: server.as_str().to_string(),
        };
        c.enqueue_at(&job, run_at)?;
        if let Some(key) = job.dedupe_key() {
            jobs::reschedule(c.conn(), LibraryJob::WORKER.as_str(), &key, run_at, now)?;
        }
    }
    Ok(())
}
