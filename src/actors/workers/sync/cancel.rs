//! Cancelling a transfer in slskd after the user cancelled its download.

use super::Ctx;
use crate::actors::logic::JobError;
use crate::domain::connections::state::ConnectionState;
use crate::domain::downloads::reconcile::{Report, CORRELATION_SLACK_MS};
use crate::domain::downloads::transfer_state::phase;
use crate::integrations::slskd::Transfer;
use crate::jobs::SyncJob;

pub async fn cancel_transfer(ctx: &Ctx, job: &SyncJob) -> Result<(), JobError> {
    let SyncJob::CancelTransfer {
        download_id,
        username,
        filename,
        slskd_id,
        since,
    } = job
    else {
        return Err(JobError::Permanent(format!("not a cancel: {job:?}")));
    };
    let since = since.unwrap_or(0);
    let endpoint = ctx.endpoint();
    let env = &ctx.env;
    let slskd_id = match slskd_id {
        Some(id) => id.clone(),
        None => {
            // slskd 0.23 names no transfer when it accepts one: find it.
            let transfers = ctx
                .slskd
                .user_downloads(&endpoint, username, &env.metrics)
                .await
                .map_err(|e| retry(ctx, e))?;
            let reports: Vec<Report<'_>> = transfers.iter().map(Transfer::report).collect();
            let live = reports
                .iter()
                .filter(|r| r.filename == filename.as_str())
                .filter(|r| phase(r.state).is_ok_and(|p| !p.is_terminal()))
                .filter(|r| {
                    r.requested_at
                        .is_none_or(|at| at >= since - CORRELATION_SLACK_MS)
                })
                .max_by_key(|r| r.requested_at);
            match live {
                Some(r) => r.id.to_string(),
                None => return Ok(()), // nothing running to cancel
            }
        }
    };
    ctx.slskd
        .cancel(&endpoint, username, &slskd_id, &env.metrics)
        .await
        .map_err(|e| retry(ctx, e))?;
    ctx.observe(ConnectionState::Ok);
    tracing::info!(download = %download_id, slskd_id = %slskd_id, "transfer cancelled in slskd");
    Ok(())
}

fn retry(ctx: &Ctx, e: crate::integrations::slskd::SlskdError) -> JobError {
    ctx.observe(e.connection_state());
    JobError::Retry(e.to_string())
}
