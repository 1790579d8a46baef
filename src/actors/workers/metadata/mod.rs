//! MetadataWorker (always on): writes the full tag set into every finished
//! download. The `tag` job row is committed with the completion; it takes
//! the download's track (filled in from Spotify's album when the account is
//! authorized, best effort), writes it with the media layer's verified safe
//! write on the blocking pool, stores what the file now says, and commits
//! the artwork and lyrics jobs with that outcome.

mod tag_plan;

use super::completed_file::{db_error, download_id, is_final, is_refresh, load, off_thread, Job};
use super::spotify_album;
use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::db::artifacts::{FollowUps, MetadataOutcome};
use crate::jobs::MetadataJob;
use crate::lifecycle::artifacts;
use crate::media::tags::{self, FileChanges, Id3Version, TagError};

/// Files tagged at once: each is a copy, a write, a re-read and a rename.
const CONCURRENCY: usize = 2;

#[derive(Default)]
pub struct MetadataWorker;

impl WorkerLogic for MetadataWorker {
    type Job = MetadataJob;

    fn concurrency(&self, _config: &Config) -> usize {
        CONCURRENCY
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: MetadataJob,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move { tag(&env, &Job::new(job.artifact(), meta)).await })
    }
}

async fn tag(env: &WorkerEnv, job: &Job) -> Result<(), JobError> {
    let id = download_id(job)?;
    let Some(file) = load(env, id).await? else {
        return Ok(());
    };
    let info = spotify_album::lookup(env, &file.track).await;
    let tags = tag_plan::tag_set(&file.track, info.as_ref());
    let image_url = info.as_ref().and_then(spotify_album::AlbumInfo::image_url);

    let path = file.path.clone();
    let id3 = if env.config.current().id3_v23 {
        Id3Version::V23
    } else {
        Id3Version::V24
    };
    let changes = FileChanges {
        tags: Some(tags),
        id3,
        ..FileChanges::default()
    };
    let written = off_thread(move || tags::apply(&path, &changes)).await?;

    let config = env.config.current();
    // A refresh rewrites the tags only; the first run hands on.
    let follow = if is_refresh(job) {
        FollowUps::default()
    } else {
        FollowUps {
            artwork: config.enable_artwork,
            lyrics: config.enable_lyrics,
        }
    };
    let path_text = file.path.display().to_string();
    let (tags_json, reason) = match &written {
        Ok(applied) => (
            serde_json::to_string(&applied.tags).map_err(|e| JobError::Permanent(e.to_string()))?,
            String::new(),
        ),
        Err(e) if !is_final(e, job) => return Err(JobError::Retry(e.to_string())),
        Err(e) => (String::new(), e.to_string()),
    };
    let unsupported = matches!(written, Err(TagError::Unsupported(_)));
    let ok = written.is_ok();
    env.lifecycle
        .change(move |c| {
            let outcome = if ok {
                MetadataOutcome::Written {
                    path: &path_text,
                    tags: &tags_json,
                    spotify_image_url: image_url.as_deref(),
                }
            } else if unsupported {
                MetadataOutcome::Skipped { reason: &reason }
            } else {
                MetadataOutcome::Failed { reason: &reason }
            };
            artifacts::record_metadata(c, id, &outcome, follow)
        })
        .await
        .map_err(db_error)?;
    if let Err(e) = &written {
        tracing::warn!(download = %id, error = %e, "file not tagged; left as it was");
    }
    Ok(())
}
