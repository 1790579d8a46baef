//! MetadataWorker: writes tags into finished downloads. Its jobs arrive with the artifacts issue.

use crate::actors::logic::WorkerLogic;

#[derive(Default)]
pub struct MetadataWorker;

impl WorkerLogic for MetadataWorker {}
