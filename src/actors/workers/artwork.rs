//! ArtworkWorker (`ENABLE_ARTWORK`): fetches and embeds cover art. Its jobs arrive with the artifacts issue.

use crate::actors::logic::WorkerLogic;

#[derive(Default)]
pub struct ArtworkWorker;

impl WorkerLogic for ArtworkWorker {}
