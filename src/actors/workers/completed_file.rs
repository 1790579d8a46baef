//! What the metadata, artwork and lyrics jobs share: the completed
//! download whose file they work on, and the way their errors become job
//! errors.

use crate::domain::ids::DownloadId;
use std::path::PathBuf;

use crate::actors::logic::{JobError, JobMeta, WorkerEnv};
use crate::db::artifacts::{self, ArtifactsRow};
use crate::db::downloads::{self, DownloadRow};
use crate::db::DbError;
use crate::domain::downloads::state::DownloadState;
use crate::domain::track::Track;
use crate::jobs::ArtifactJob;
use crate::media::tags::TagError;

/// A completed download's file.
pub struct CompletedFile {
    pub row: DownloadRow,
    pub path: PathBuf,
    pub track: Track,
    pub artifacts: Option<ArtifactsRow>,
}

pub fn db_error(e: DbError) -> JobError {
    JobError::Retry(e.to_string())
}

/// A claimed tag, cover or lyrics job.
pub struct Job {
    pub id: i64,
    pub attempt: u32,
    pub max_attempts: u32,
    pub artifact: ArtifactJob,
}

impl Job {
    pub fn new(artifact: &ArtifactJob, meta: JobMeta) -> Self {
        Job {
            id: meta.id,
            attempt: meta.attempt,
            max_attempts: meta.max_attempts,
            artifact: artifact.clone(),
        }
    }
}

pub fn download_id(job: &Job) -> Result<DownloadId, JobError> {
    Ok(job.artifact.download_id)
}

/// Asked for by a person (the refresh endpoints).
pub fn is_refresh(job: &Job) -> bool {
    job.artifact.refresh
}

/// The download and its file; `None` when it is gone or no longer
/// completed (nothing to do: the job ends quietly).
pub async fn load(env: &WorkerEnv, id: DownloadId) -> Result<Option<CompletedFile>, JobError> {
    let found = env
        .db
        .read(move |c| match downloads::get(c, id) {
            Ok(row) => Ok(Some((row, artifacts::get(c, id)?))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        })
        .await
        .map_err(db_error)?;
    Ok(found.and_then(|(row, artifacts)| {
        let path = row
            .organized_path
            .clone()
            .filter(|_| row.state == DownloadState::Completed)?;
        Some(CompletedFile {
            track: Track::from_json(&row.track),
            path: PathBuf::from(path),
            row,
            artifacts,
        })
    }))
}

/// Runs file work on the blocking pool, never on the worker's thread.
pub async fn off_thread<T, F>(f: F) -> Result<T, JobError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    actix_web::web::block(f)
        .await
        .map_err(|e| JobError::Retry(format!("file task failed: {e}")))
}

/// How a file error ends the job: an I/O error may be the disk's moment
/// and is tried again while attempts remain; anything else is the file's
/// nature and final (the file was left as it was).
pub fn is_final(e: &TagError, job: &Job) -> bool {
    !matches!(e, TagError::Io(_)) || job.attempt >= job.max_attempts
}
