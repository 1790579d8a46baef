//! MatchingWorker: searches Soulseek for wanted tracks and picks the right file. Its jobs arrive with the wanted-tracks issue; until then it claims from its queue like every job worker.

use crate::actors::logic::WorkerLogic;

#[derive(Default)]
pub struct MatchingWorker;

impl WorkerLogic for MatchingWorker {}
