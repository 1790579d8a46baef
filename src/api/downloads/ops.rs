//! What a person can do with a download, shared by the JSON API and the web
//! UI: each is one lifecycle change, answered with the row after it.

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db::downloads::DownloadRow;
use crate::domain::ids::DownloadId;
use crate::lifecycle::{download_outcomes, downloads};

/// Cancels it (a wanted track whose choice this was takes its next candidate).
pub async fn cancel(state: &AppState, id: DownloadId) -> Result<DownloadRow, ApiError> {
    let done = state
        .lifecycle
        .change(move |c| download_outcomes::cancel(c, id))
        .await??;
    Ok(done.row)
}

/// Back in `queued` with no retries counted.
pub async fn retry(state: &AppState, id: DownloadId) -> Result<DownloadRow, ApiError> {
    Ok(state
        .lifecycle
        .change(move |c| downloads::manual_retry(c, id))
        .await??)
}

pub async fn set_priority(
    state: &AppState,
    id: DownloadId,
    priority: i64,
) -> Result<DownloadRow, ApiError> {
    let priority = i32::try_from(priority)
        .map_err(|_| ApiError::validation("priority", "must be a 32-bit integer"))?;
    Ok(state
        .lifecycle
        .change(move |c| downloads::set_priority(c, id, priority))
        .await??)
}
