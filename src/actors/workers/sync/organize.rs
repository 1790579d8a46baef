//! A finished transfer's file into the library: find it in slskd's downloads
//! folder, record where it goes, move it, then mark the download completed
//! and hand it to the metadata worker — each step safe to repeat.

use crate::domain::ids::DownloadId;
use std::path::PathBuf;

use super::{db_error, Ctx};
use crate::actors::logic::JobError;
use crate::db::downloads as download_rows;
use crate::domain::track::Track;
use crate::lifecycle::{download_outcomes, downloads};
use crate::media::organize::{execute, plan, Finished, Plan};

pub async fn organize(
    ctx: &Ctx,
    id: DownloadId,
    attempt: u32,
    max_attempts: u32,
) -> Result<(), JobError> {
    let env = &ctx.env;
    let Some(row) = env
        .db
        .read(move |c| download_rows::awaiting_organize(c, id))
        .await
        .map_err(db_error)?
    else {
        return Ok(()); // cancelled, or already done
    };
    let config = env.config.current();
    let (downloads_dir, music_dir) = (config.slskd_downloads_dir.clone(), config.music_dir.clone());
    let finished = Finished {
        filename: row.filename.clone(),
        size: row.size,
        track: Track::from_json(&row.track),
        target: row.organize_target.as_ref().map(PathBuf::from),
    };
    let planned = blocking(move || plan(&downloads_dir, &music_dir, &finished)).await;
    let moved: Result<PathBuf, String> = match planned {
        Ok(Plan::Done(path)) => Ok(path),
        Ok(Plan::Move {
            source,
            target,
            new_target,
        }) => {
            if new_target {
                let text = target.to_string_lossy().into_owned();
                env.lifecycle
                    .change(move |c| downloads::set_organize_target(c, id, &text))
                    .await
                    .map_err(db_error)?;
            }
            blocking(move || execute(&source, &target))
                .await
                .map_err(|e| format!("moving the file into MUSIC_DIR failed: {e}"))
        }
        Ok(Plan::Missing { looked_in }) => Err(format!(
            "the finished file was not found in SLSKD_DOWNLOADS_DIR ({})",
            looked_in.display()
        )),
        Err(e) => Err(format!("reading the downloads folder failed: {e}")),
    };
    let path = match moved {
        Ok(path) => path,
        Err(error) => return give_up_or_retry(ctx, id, attempt, max_attempts, error).await,
    };
    let text = path.to_string_lossy().into_owned();
    let completed = env
        .lifecycle
        .change(move |c| download_outcomes::complete(c, id, &text))
        .await
        .map_err(db_error)?;
    if completed {
        tracing::info!(download = %id, path = %path.display(), "download completed");
    }
    Ok(())
}

/// A missing file or a failed move is tried again a few times (slskd may
/// still be moving it); after the last attempt the download fails and the
/// retry policy takes over.
async fn give_up_or_retry(
    ctx: &Ctx,
    id: DownloadId,
    attempt: u32,
    max_attempts: u32,
    error: String,
) -> Result<(), JobError> {
    if attempt < max_attempts {
        return Err(JobError::Retry(error));
    }
    tracing::warn!(download = %id, error = %error, "could not organize the download");
    let policy = ctx.env.config.current().retry_policy();
    ctx.env
        .lifecycle
        .change(move |c| download_outcomes::fail(c, id, &error, &policy, fastrand::f64()))
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> std::io::Result<T> {
    actix_web::web::block(f)
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
}
