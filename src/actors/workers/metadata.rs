//! MetadataWorker: writes tags into finished downloads. The sync worker hands
//! it every completed download as a `tag` job (a row, committed with the
//! completion). Writing the tags arrives with the artifacts issue; until
//! then the job is acknowledged and `metadata_status` stays `pending`.

use crate::actors::logic::{Job, JobError, WorkFuture, WorkerEnv, WorkerLogic};
use crate::db::downloads::job;

#[derive(Default)]
pub struct MetadataWorker;

impl WorkerLogic for MetadataWorker {
    fn run_job(&mut self, env: &WorkerEnv, job: Job) -> WorkFuture<Result<(), JobError>> {
        let name = env.name;
        Box::pin(async move {
            match job.kind.as_str() {
                job::TAG => {
                    tracing::debug!(
                        download = job.payload["download_id"].as_i64(),
                        "download ready for tagging"
                    );
                    Ok(())
                }
                other => Err(JobError::Permanent(format!(
                    "{name} has no job of kind '{other}'"
                ))),
            }
        })
    }
}
