//! LyricsWorker (`ENABLE_LYRICS`): fetches synced lyrics. Its jobs arrive with the artifacts issue.

use crate::actors::logic::WorkerLogic;

#[derive(Default)]
pub struct LyricsWorker;

impl WorkerLogic for LyricsWorker {}
