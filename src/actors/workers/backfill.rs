//! BackfillWorker: completes imported tracks with Spotify data. Its jobs arrive with the Spotify issue.

use crate::actors::logic::WorkerLogic;

#[derive(Default)]
pub struct BackfillWorker;

impl WorkerLogic for BackfillWorker {}
