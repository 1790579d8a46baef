//! ArtworkWorker (`ENABLE_ARTWORK`): gives a finished file a good cover.
//! The `embed` job (committed with the file's tags) looks at the cover the
//! file has and stops when it is good (`ARTWORK_MIN_EDGE` /
//! `ARTWORK_MIN_BYTES`); otherwise it takes the album's cover from the
//! cache in `ARTWORK_DIR` (one file per album, shared by all its tracks),
//! or finds one (see `sources`), caches it and embeds it with the media
//! layer's verified safe write on the blocking pool.

mod album_locks;
mod cache_file;
mod sources;

use crate::domain::ids::DownloadId;
use std::path::Path;

use super::completed_file::{db_error, download_id, is_final, is_refresh, load, off_thread, Job};
use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::db::artifacts::{self as artifact_rows, ArtworkOutcome, CachedCover};
use crate::domain::artwork::cache_key::{cache_key, file_name};
use crate::domain::artwork::rules::needs_cover;
use crate::domain::time::now_millis;
use crate::integrations::covers::Pace;
use crate::jobs::ArtworkJob;
use crate::lifecycle::artifacts;
use crate::media::tags::{self, CoverInfo, FileChanges, TagError};
use album_locks::AlbumLocks;

/// Covers fetched and embedded at once.
const CONCURRENCY: usize = 2;

#[derive(Default)]
pub struct ArtworkWorker {
    albums: AlbumLocks,
    musicbrainz: Pace,
}

impl WorkerLogic for ArtworkWorker {
    type Job = ArtworkJob;

    fn concurrency(&self, _config: &Config) -> usize {
        CONCURRENCY
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: ArtworkJob,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let job = Job::new(job.artifact(), meta);
        let (env, albums, pace) = (env.clone(), self.albums.clone(), self.musicbrainz.clone());
        Box::pin(async move { embed(&env, &job, &albums, pace).await })
    }
}

/// A cover ready to embed.
struct Cover {
    bytes: Vec<u8>,
    mime: String,
    width: Option<u32>,
    height: Option<u32>,
    source: String,
}

/// How a job ends without a cover.
#[derive(Clone, Copy)]
enum NoCover {
    /// Nothing to do (the format cannot carry one, no album known).
    Skipped,
    Failed,
}

async fn record_no_cover(
    env: &WorkerEnv,
    id: DownloadId,
    kind: NoCover,
    reason: String,
) -> Result<(), JobError> {
    env.lifecycle
        .change(move |c| {
            let outcome = match kind {
                NoCover::Skipped => ArtworkOutcome::Skipped { reason: &reason },
                NoCover::Failed => ArtworkOutcome::Failed { reason: &reason },
            };
            artifacts::record_artwork(c, id, &outcome)
        })
        .await
        .map_err(db_error)
}

/// A file error: tried again while it may pass, else the file's answer.
async fn file_refused(
    env: &WorkerEnv,
    job: &Job,
    id: DownloadId,
    e: TagError,
) -> Result<(), JobError> {
    if !is_final(&e, job) {
        return Err(JobError::Retry(e.to_string()));
    }
    let kind = match e {
        TagError::Unsupported(_) => NoCover::Skipped,
        _ => NoCover::Failed,
    };
    record_no_cover(env, id, kind, e.to_string()).await
}

async fn embed(
    env: &WorkerEnv,
    job: &Job,
    albums: &AlbumLocks,
    pace: Pace,
) -> Result<(), JobError> {
    let id = download_id(job)?;
    let Some(file) = load(env, id).await? else {
        return Ok(());
    };
    let config = env.config.current();

    let path = file.path.clone();
    let existing = match off_thread(move || tags::existing_cover(&path)).await? {
        Ok(existing) => existing,
        Err(e) => return file_refused(env, job, id, e).await,
    };
    let wanted = needs_cover(
        existing.as_ref().map(CoverInfo::as_existing).as_ref(),
        config.artwork_min_edge,
        config.artwork_min_bytes,
        is_refresh(job),
    );
    if let (false, Some(kept)) = (wanted, &existing) {
        let (mime, width, height) = (kept.mime.clone(), kept.width, kept.height);
        return env
            .lifecycle
            .change(move |c| {
                let outcome = ArtworkOutcome::Kept {
                    mime: mime.as_deref(),
                    width,
                    height,
                };
                artifacts::record_artwork(c, id, &outcome)
            })
            .await
            .map_err(db_error);
    }
    let Some(key) = cache_key(&file.track) else {
        let reason = "no album known to look a cover up for".to_string();
        return record_no_cover(env, id, NoCover::Skipped, reason).await;
    };

    let cover = {
        // Held until the cover is cached: the album's other tracks wait, then hit the cache.
        let _album = albums.lock(&key).await;
        match cached(env, &key, is_refresh(job), &config.artwork_dir).await? {
            Some(cover) => cover,
            None => {
                let stored = file.artifacts.and_then(|a| a.spotify_image_url);
                let search = sources::find(env, &file.track, stored, pace).await;
                let Some(found) = search.found else {
                    let reason = search.problems.join("; ");
                    if search.transient && job.attempt < job.max_attempts {
                        return Err(JobError::Retry(reason));
                    }
                    tracing::info!(download = %id, %reason, "no cover found");
                    return record_no_cover(env, id, NoCover::Failed, reason).await;
                };
                let cover = Cover {
                    mime: found.image.mime.to_string(),
                    width: found.image.width,
                    height: found.image.height,
                    source: found.source.to_string(),
                    bytes: found.image.bytes,
                };
                store(env, &key, &found.image.url, &cover, &config.artwork_dir).await?;
                cover
            }
        }
    };

    let path = file.path.clone();
    let changes = FileChanges {
        cover: Some(cover.bytes),
        ..FileChanges::default()
    };
    match off_thread(move || tags::apply(&path, &changes)).await? {
        Ok(applied) => {
            let embedded = applied.cover.unwrap_or(CoverInfo {
                width: cover.width,
                height: cover.height,
                bytes: 0,
                mime: Some(cover.mime.clone()),
            });
            let replaced = existing.is_some();
            env.lifecycle
                .change(move |c| {
                    let outcome = ArtworkOutcome::Embedded {
                        source: &cover.source,
                        cache_key: &key,
                        mime: embedded.mime.as_deref().unwrap_or(&cover.mime),
                        width: embedded.width,
                        height: embedded.height,
                        replaced,
                    };
                    artifacts::record_artwork(c, id, &outcome)
                })
                .await
                .map_err(db_error)
        }
        Err(e) => file_refused(env, job, id, e).await,
    }
}

/// The album's cached cover, unless a refresh asks for a new one or the
/// file has gone.
async fn cached(
    env: &WorkerEnv,
    key: &str,
    refresh: bool,
    dir: &Path,
) -> Result<Option<Cover>, JobError> {
    if refresh {
        return Ok(None);
    }
    let lookup = key.to_string();
    let Some(row) = env
        .db
        .read(move |c| artifact_rows::cached_cover(c, &lookup))
        .await
        .map_err(db_error)?
    else {
        return Ok(None);
    };
    let (dir, name) = (dir.to_path_buf(), row.file_name.clone());
    let bytes = off_thread(move || cache_file::read(&dir, &name)).await?;
    Ok(bytes.map(|bytes| Cover {
        bytes,
        mime: row.mime,
        width: row.width.and_then(|w| u32::try_from(w).ok()),
        height: row.height.and_then(|h| u32::try_from(h).ok()),
        source: row.source,
    }))
}

/// Caches the album's cover: the file first, then its row. A cache that
/// cannot be written costs a later download, not this embed.
async fn store(
    env: &WorkerEnv,
    key: &str,
    url: &str,
    cover: &Cover,
    dir: &Path,
) -> Result<(), JobError> {
    let name = file_name(key, &cover.mime);
    let (dir, file, bytes) = (dir.to_path_buf(), name.clone(), cover.bytes.clone());
    if let Err(e) = off_thread(move || cache_file::write(&dir, &file, &bytes)).await? {
        tracing::warn!(error = %e, "could not cache the cover");
        return Ok(());
    }
    let dim = |v: Option<u32>| v.and_then(|v| i32::try_from(v).ok());
    let row = CachedCover {
        cache_key: key.to_string(),
        file_name: name,
        mime: cover.mime.clone(),
        width: dim(cover.width),
        height: dim(cover.height),
        bytes: i64::try_from(cover.bytes.len()).unwrap_or(i64::MAX),
        source: cover.source.clone(),
        url: url.to_string(),
        fetched_at: now_millis(),
    };
    env.db
        .write(move |c| artifact_rows::store_cover(c, &row))
        .await
        .map_err(db_error)
}
