//! LyricsWorker (`ENABLE_LYRICS`): lyrics for every finished file. The
//! `fetch` job (committed with the file's tags) asks LRCLIB (see
//! `look_up`), then writes synced lyrics as `<audio name>.lrc` (with
//! `[ti:]`, `[ar:]`, `[al:]`, `[length:]`) or plain ones as `.txt`, and
//! embeds the words in the file too (USLT / LYRICS): music servers differ
//! in which they read. Nothing found is `not_found`, looked up again a week
//! later (a job row due then), a few times.

mod look_up;
mod sidecar;

use crate::domain::ids::DownloadId;
use std::path::PathBuf;
use std::time::Duration;

use super::completed_file::{db_error, download_id, load, off_thread, CompletedFile, Job};
use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::db::artifacts::{self as artifact_rows, LyricsOutcome};
use crate::db::DbError;
use crate::domain::lyrics::{format_lrc, plain_text, Found, LrcHeader};
use crate::domain::time::now_millis;
use crate::domain::workers::name::WorkerName;
use crate::integrations::lrclib::LrclibClient;
use crate::jobs::LyricsJob;
use crate::lifecycle::artifacts;
use crate::media::tags::{self, FileChanges};

/// Look-ups at once (LRCLIB answers slowly when it searches elsewhere).
const CONCURRENCY: usize = 2;
/// When a `not_found` track is looked up again: lyrics appear on LRCLIB over time.
pub const RECHECK_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);
/// Look-ups after the first before `not_found` is left as it is.
pub const MAX_RECHECKS: i32 = 4;

#[derive(Default)]
pub struct LyricsWorker;

impl WorkerLogic for LyricsWorker {
    type Job = LyricsJob;

    fn concurrency(&self, _config: &Config) -> usize {
        CONCURRENCY
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: LyricsJob,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let job = Job::new(job.artifact(), meta);
        let env = env.clone();
        Box::pin(async move { fetch(&env, &job).await })
    }

    /// Look-ups due now: next week's re-checks are not waiting work.
    fn queue_size(&self, env: &WorkerEnv) -> WorkFuture<Result<Option<u64>, DbError>> {
        let db = env.db.clone();
        Box::pin(async move {
            let n = db
                .read(|c| artifact_rows::count_due(c, WorkerName::Lyrics.as_str(), now_millis()))
                .await?;
            Ok(Some(u64::try_from(n).unwrap_or(0)))
        })
    }
}

fn known(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

async fn record(
    env: &WorkerEnv,
    id: DownloadId,
    job_id: i64,
    outcome: LyricsOutcome<'static>,
) -> Result<(), JobError> {
    env.lifecycle
        .change(move |c| artifacts::record_lyrics(c, id, job_id, &outcome))
        .await
        .map_err(db_error)
}

async fn record_failed(
    env: &WorkerEnv,
    id: DownloadId,
    job_id: i64,
    reason: String,
) -> Result<(), JobError> {
    env.lifecycle
        .change(move |c| {
            let outcome = LyricsOutcome::Failed { reason: &reason };
            artifacts::record_lyrics(c, id, job_id, &outcome)
        })
        .await
        .map_err(db_error)
}

async fn fetch(env: &WorkerEnv, job: &Job) -> Result<(), JobError> {
    let id = download_id(job)?;
    let Some(file) = load(env, id).await? else {
        return Ok(());
    };
    let track = &file.track;
    let (Some(artist), Some(title)) = (known(&track.artist), known(&track.title)) else {
        // Nothing to look up by, now or later.
        return record(
            env,
            id,
            job.id,
            LyricsOutcome::NotFound { recheck_at: None },
        )
        .await;
    };
    let duration_ms = match track.duration_ms.filter(|d| *d > 0) {
        Some(d) => Some(d),
        None => file_duration(&file.path).await?,
    };
    let config = env.config.current();
    let client = LrclibClient::new(&config.lrclib_url);
    let query = look_up::Query {
        artist,
        title,
        album: known(&track.album),
        duration_ms,
    };
    let found = match look_up::find(&client, &query).await {
        Ok(found) => found,
        Err(e) if e.is_transient() && job.attempt < job.max_attempts => {
            return Err(JobError::Retry(e.to_string()))
        }
        Err(e) => return record_failed(env, id, job.id, e.to_string()).await,
    };
    let header = LrcHeader {
        title: title.to_string(),
        artist: artist.to_string(),
        album: known(&track.album).map(str::to_string),
        length_ms: duration_ms,
    };
    match found {
        None => {
            let rechecks = file.artifacts.as_ref().map_or(0, |a| a.lyrics_rechecks);
            let later = i64::try_from(RECHECK_AFTER.as_millis()).unwrap_or(i64::MAX);
            let recheck_at = (rechecks < MAX_RECHECKS).then(|| now_millis().saturating_add(later));
            record(env, id, job.id, LyricsOutcome::NotFound { recheck_at }).await
        }
        Some(Found::Instrumental) => record(env, id, job.id, LyricsOutcome::Instrumental).await,
        Some(Found::Synced(lines)) => {
            let lrc = format_lrc(&header, &lines);
            write(env, job, &file, "synced", "lrc", lrc, plain_text(&lines)).await
        }
        Some(Found::Plain(text)) => {
            let contents = format!("{text}\n");
            write(env, job, &file, "plain", "txt", contents, text).await
        }
    }
}

/// The file's own length, when the track does not say.
async fn file_duration(path: &std::path::Path) -> Result<Option<u64>, JobError> {
    let path = path.to_path_buf();
    let read = off_thread(move || tags::apply(&path, &FileChanges::default())).await?;
    Ok(read
        .ok()
        .map(|applied| applied.audio.duration_ms)
        .filter(|d| *d > 0))
}

/// The sidecar, then the embedded words. The sidecar is the result; an
/// audio file that cannot hold lyrics keeps the sidecar alone.
async fn write(
    env: &WorkerEnv,
    job: &Job,
    file: &CompletedFile,
    kind: &'static str,
    extension: &'static str,
    contents: String,
    words: String,
) -> Result<(), JobError> {
    let id = file.row.id;
    let audio = file.path.clone();
    let target = sidecar::path_for(&audio, extension);
    let previous: Option<PathBuf> = file
        .artifacts
        .as_ref()
        .and_then(|a| a.lyrics_path.clone())
        .map(PathBuf::from);
    let (at, from) = (target.clone(), audio.clone());
    let written = off_thread(move || {
        sidecar::write(&at, &contents)?;
        if let Some(previous) = previous {
            sidecar::remove_stale(&from, &previous, &at);
        }
        Ok::<(), std::io::Error>(())
    })
    .await?;
    if let Err(e) = written {
        if job.attempt < job.max_attempts {
            return Err(JobError::Retry(format!(
                "writing {}: {e}",
                target.display()
            )));
        }
        let reason = format!("could not write the lyrics file: {e}");
        return record_failed(env, id, job.id, reason).await;
    }
    let changes = FileChanges {
        lyrics: Some(words),
        ..FileChanges::default()
    };
    let embedded = off_thread(move || tags::apply(&audio, &changes)).await?;
    let embed_error = embedded.as_ref().err().map(ToString::to_string);
    if let Some(e) = &embed_error {
        tracing::info!(download = %id, error = %e, "lyrics not embedded; the sidecar has them");
    }
    let path = target.display().to_string();
    let job_id = job.id;
    env.lifecycle
        .change(move |c| {
            let outcome = LyricsOutcome::Written {
                kind,
                path: &path,
                embedded: embed_error.is_none(),
                embed_error: embed_error.as_deref(),
            };
            artifacts::record_lyrics(c, id, job_id, &outcome)
        })
        .await
        .map_err(db_error)
}
