//! One poll: slskd's transfer list against the active downloads, applied in
//! one transaction.

use super::{db_error, Ctx};
use crate::actors::directory::WorkerControl;
use crate::actors::logic::JobError;
use crate::db::downloads;
use crate::domain::connection::ConnectionState;
use crate::domain::reconcile::{reconcile, Change, Report};
use crate::domain::time::now_millis;
use crate::integrations::slskd::Transfer;

pub async fn poll(ctx: Ctx) -> Result<(), JobError> {
    let env = &ctx.env;
    let (tracked, active) = env
        .db
        .read(|c| Ok((downloads::tracked_for_poll(c)?, downloads::count_active(c)?)))
        .await
        .map_err(db_error)?;
    ctx.active.set(active > 0);
    let endpoint = ctx.endpoint();
    if tracked.is_empty() {
        // Nothing in slskd to watch: a cheap probe keeps the connection state fresh.
        ctx.observe(ctx.slskd.probe(&endpoint, &env.metrics).await);
        return Ok(());
    }
    let transfers = match ctx.slskd.list_downloads(&endpoint, &env.metrics).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "could not read slskd's transfers; will try again");
            ctx.observe(e.connection_state());
            return Ok(());
        }
    };
    ctx.observe(ConnectionState::Ok);
    let changes = actix_web::web::block(move || changes_for(&tracked, &transfers))
        .await
        .map_err(|e| JobError::Retry(e.to_string()))?;
    if changes.is_empty() {
        return Ok(());
    }
    let policy = env.config.current().retry_policy();
    let applied = env
        .db
        .write(move |c| {
            downloads::apply_poll(c, &changes, &policy, &mut fastrand::f64, now_millis())
        })
        .await
        .map_err(db_error)?;
    if applied.finished_transfers > 0 {
        env.directory.send(env.name, WorkerControl::Wake);
    }
    Ok(())
}

/// Parse-side of a poll: correlate, log what cannot be understood.
pub fn changes_for(
    tracked: &[crate::domain::reconcile::Tracked],
    transfers: &[Transfer],
) -> Vec<Change> {
    let reports: Vec<Report<'_>> = transfers.iter().map(report).collect();
    let out = reconcile(tracked, &reports);
    for (id, state) in &out.unknown_states {
        tracing::warn!(download = id, state = %state, "unknown slskd transfer state; this transfer is left as it was");
    }
    out.changes
}

pub fn report(t: &Transfer) -> Report<'_> {
    Report {
        id: &t.id,
        username: &t.username,
        filename: &t.filename,
        state: &t.state,
        percent: t.percent_complete,
        bytes: t.bytes_transferred,
        requested_at: t.requested_at_millis(),
        exception: t.exception.as_deref(),
    }
}
