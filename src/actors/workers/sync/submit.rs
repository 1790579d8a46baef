//! Handing one download to slskd — exactly once, even across crashes: a
//! transfer of the same file that slskd already has (and no download attempt
//! took before) is adopted instead of enqueued again.

use super::{db_error, Ctx};
use crate::actors::logic::JobError;
use crate::db::downloads as download_rows;
use crate::domain::connections::state::ConnectionState;
use crate::domain::downloads::reconcile::{adoptable, Report};
use crate::domain::ids::DownloadId;
use crate::domain::time::now_millis;
use crate::integrations::slskd::{EnqueueAnswer, SlskdError, Transfer, Via};
use crate::lifecycle::{download_outcomes, downloads};

pub async fn submit(ctx: &Ctx, id: DownloadId) -> Result<(), JobError> {
    let env = &ctx.env;
    let Some(row) = env
        .lifecycle
        .change(move |c| downloads::begin_submission(c, id))
        .await
        .map_err(db_error)?
    else {
        return Ok(()); // cancelled, or already handed over
    };
    let endpoint = ctx.endpoint();
    let since = row.submitted_at.unwrap_or_else(now_millis);
    let (username, filename) = (row.username.clone(), row.filename.clone());
    let taken = env
        .db
        .read(move |c| download_rows::taken_transfers(c, &username, &filename))
        .await
        .map_err(db_error)?;

    // An enqueue whose connection closed before any answer may have arrived:
    // slskd's list says whether it did, and only then is it sent again, on a
    // fresh connection.
    let mut unanswered = None;
    for via in [Via::Pool, Via::FreshConnection] {
        let existing = ctx
            .slskd
            .user_downloads(&endpoint, &row.username, &env.metrics)
            .await
            .map_err(|e| unavailable(ctx, e))?;
        ctx.observe(ConnectionState::Ok);
        let reports: Vec<Report<'_>> = existing.iter().map(Transfer::report).collect();
        if let Some(found) = adoptable(&reports, &row.filename, since, &taken) {
            let slskd_id = found.id.to_string();
            tracing::info!(download = %id, slskd_id = %slskd_id, "slskd already has this transfer; using it");
            return accepted(ctx, id, Some(slskd_id), true).await;
        }

        let answer = ctx
            .slskd
            .enqueue(
                &endpoint,
                &row.username,
                &row.filename,
                row.size,
                via,
                &env.metrics,
            )
            .await;
        return match answer {
            Ok(EnqueueAnswer::Accepted { transfer_id }) => {
                ctx.observe(ConnectionState::Ok);
                accepted(ctx, id, transfer_id, false).await
            }
            Ok(EnqueueAnswer::Refused(reason)) => {
                ctx.observe(ConnectionState::Ok);
                failed(ctx, id, reason).await
            }
            Ok(EnqueueAnswer::Unanswered(message)) => {
                tracing::info!(download = %id, error = %message, "the enqueue got no answer; asking slskd whether it arrived");
                unanswered = Some(message);
                continue;
            }
            // The request itself was wrong (4xx): trying again cannot help.
            Err(e @ SlskdError::Status { .. }) if !e.is_transient() => {
                ctx.observe(ConnectionState::Ok);
                failed(ctx, id, e.to_string()).await
            }
            Err(e) => Err(unavailable(ctx, e)),
        };
    }
    // Fresh connections closed unanswered too: slskd is not well after all.
    let message = unanswered.unwrap_or_default();
    Err(unavailable(ctx, SlskdError::Network(message)))
}

/// slskd is down, busy or refuses our key: not the download's fault, so the
/// job (not the download) is tried again later.
fn unavailable(ctx: &Ctx, e: SlskdError) -> JobError {
    ctx.observe(e.connection_state());
    JobError::Retry(e.to_string())
}

async fn accepted(
    ctx: &Ctx,
    id: DownloadId,
    slskd_id: Option<String>,
    adopted: bool,
) -> Result<(), JobError> {
    // Cancelled while slskd was being asked: the change cancels what it created.
    let still_wanted = ctx
        .env
        .lifecycle
        .change(move |c| downloads::record_enqueued(c, id, slskd_id.as_deref(), adopted))
        .await
        .map_err(db_error)?;
    if still_wanted {
        ctx.mark_active();
    }
    Ok(())
}

async fn failed(ctx: &Ctx, id: DownloadId, reason: String) -> Result<(), JobError> {
    let policy = ctx.env.config.current().retry_policy();
    tracing::info!(download = %id, reason = %reason, "slskd did not take the download");
    ctx.env
        .lifecycle
        .change(move |c| download_outcomes::fail(c, id, &reason, &policy, fastrand::f64()))
        .await
        .map_err(db_error)?;
    Ok(())
}
