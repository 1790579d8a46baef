//! One poll: slskd's transfer list against the active downloads, applied in
//! one transaction.

use super::{db_error, Ctx};
use crate::actors::logic::JobError;
use crate::db::downloads;
use crate::domain::connections::state::ConnectionState;
use crate::domain::downloads::reconcile::{reconcile, Change, Report, Tracked};
use crate::domain::ids::DownloadId;
use crate::integrations::slskd::{parse_user_groups, Transfer};
use crate::lifecycle::download_outcomes;

/// Unlisted transfers looked up one by one per poll (the rest wait for the next).
const MISSING_LOOKUPS_PER_POLL: usize = 20;

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
    let body = match ctx.slskd.list_downloads(&endpoint, &env.metrics).await {
        Ok(body) => body,
        Err(e) => {
            tracing::warn!(error = %e, "could not read slskd's transfers; will try again");
            ctx.observe(e.connection_state());
            return Ok(());
        }
    };
    ctx.observe(ConnectionState::Ok);
    let parsed = actix_web::web::block(move || {
        let transfers = parse_user_groups(&body)?;
        let (changes, missing) = changes_for(&tracked, &transfers);
        let missing: Vec<Tracked> = tracked
            .into_iter()
            .filter(|t| missing.contains(&t.id))
            .take(MISSING_LOOKUPS_PER_POLL)
            .collect();
        Ok::<_, serde_json::Error>((changes, missing))
    })
    .await
    .map_err(|e| JobError::Retry(e.to_string()))?;
    let (mut changes, missing) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            tracing::warn!(error = %e, "slskd's transfer list could not be read; will try again");
            return Ok(());
        }
    };
    changes.extend(look_up_missing(&ctx, &missing).await);
    if changes.is_empty() {
        return Ok(());
    }
    let policy = env.config.current().retry_policy();
    env.lifecycle
        .change(move |c| download_outcomes::apply_poll(c, &changes, &policy, &mut fastrand::f64))
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Correlates the transfers with the tracked downloads and logs what cannot
/// be understood. Also returns the downloads whose transfer is not listed.
pub fn changes_for(tracked: &[Tracked], transfers: &[Transfer]) -> (Vec<Change>, Vec<DownloadId>) {
    let reports: Vec<Report<'_>> = transfers.iter().map(Transfer::report).collect();
    let out = reconcile(tracked, &reports);
    for (id, state) in &out.unknown_states {
        tracing::warn!(download = %id, state = %state, "unknown slskd transfer state; this transfer is left as it was");
    }
    (out.changes, out.missing)
}

/// Transfers removed from slskd's list (someone cleared completed transfers
/// before Harmony saw them finish) are read by id, which slskd still
/// answers; one it does not know at all is a failed attempt.
async fn look_up_missing(ctx: &Ctx, missing: &[Tracked]) -> Vec<Change> {
    let endpoint = ctx.endpoint();
    let mut changes = Vec::new();
    for d in missing {
        let Some(slskd_id) = d.slskd_id.as_deref() else {
            continue;
        };
        match ctx
            .slskd
            .transfer(&endpoint, &d.username, slskd_id, &ctx.env.metrics)
            .await
        {
            Ok(Some(t)) => {
                changes.extend(changes_for(std::slice::from_ref(d), std::slice::from_ref(&t)).0)
            }
            Ok(None) => changes.push(Change::Failed {
                id: d.id,
                from: d.state,
                error: format!("slskd no longer knows transfer {slskd_id}"),
            }),
            Err(e) => {
                tracing::warn!(download = %d.id, error = %e, "could not look up a transfer missing from slskd's list");
                break;
            }
        }
    }
    changes
}
