//! Cancelling a transfer in slskd after the user cancelled its download.

use super::Ctx;
use crate::actors::logic::JobError;
use crate::domain::connection::ConnectionState;
use crate::domain::reconcile::{Report, CORRELATION_SLACK_MS};
use crate::domain::transfer_state::phase;
use crate::integrations::slskd::Transfer;

pub async fn cancel_transfer(ctx: &Ctx, payload: &serde_json::Value) -> Result<(), JobError> {
    let username = payload["username"].as_str().unwrap_or_default().to_string();
    let filename = payload["filename"].as_str().unwrap_or_default();
    let since = payload["since"].as_i64().unwrap_or(0);
    let endpoint = ctx.endpoint();
    let env = &ctx.env;
    let slskd_id = match payload["slskd_id"].as_str() {
        Some(id) => id.to_string(),
        None => {
            // slskd 0.23 names no transfer when it accepts one: find it.
            let transfers = ctx
                .slskd
                .user_downloads(&endpoint, &username, &env.metrics)
                .await
                .map_err(|e| retry(ctx, e))?;
            let reports: Vec<Report<'_>> = transfers.iter().map(Transfer::report).collect();
            let live = reports
                .iter()
                .filter(|r| r.filename == filename)
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
        .cancel(&endpoint, &username, &slskd_id, &env.metrics)
        .await
        .map_err(|e| retry(ctx, e))?;
    ctx.observe(ConnectionState::Ok);
    tracing::info!(download = payload["download_id"].as_i64(), slskd_id = %slskd_id, "transfer cancelled in slskd");
    Ok(())
}

fn retry(ctx: &Ctx, e: crate::integrations::slskd::SlskdError) -> JobError {
    ctx.observe(e.connection_state());
    JobError::Retry(e.to_string())
}
