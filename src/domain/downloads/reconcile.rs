//! One poll of slskd's transfer list against Harmony's active downloads:
//! which download is which transfer, and what changed. Pure, so a poll of
//! 10 000 transfers is just a hash join.

use crate::domain::ids::DownloadId;
use std::collections::HashMap;

use crate::domain::downloads::state::DownloadState;
use crate::domain::downloads::transfer_state::{phase, TransferPhase};
use crate::domain::time::UnixMillis;

/// How far before our submission a transfer's `requestedAt` may be and still
/// be ours (clocks of two processes on one NAS, a crash between the call and
/// its commit).
pub const CORRELATION_SLACK_MS: i64 = 120_000;

/// A download handed to slskd and not finished yet.
#[derive(Debug, Clone)]
pub struct Tracked {
    pub id: DownloadId,
    pub username: String,
    pub filename: String,
    pub slskd_id: Option<String>,
    pub submitted_at: UnixMillis,
    pub state: DownloadState,
    pub progress: f64,
    pub bytes_transferred: i64,
    /// Transfers of the same file earlier attempts took (only filled while
    /// `slskd_id` is unknown): history, never this attempt's.
    pub taken: Vec<String>,
}

/// A transfer as slskd reported it (already flattened).
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub filename: &'a str,
    pub state: &'a str,
    pub percent: Option<f64>,
    pub bytes: Option<i64>,
    pub requested_at: Option<UnixMillis>,
    pub exception: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Still waiting or transferring.
    Progress {
        id: DownloadId,
        from: DownloadState,
        to: DownloadState,
        progress: f64,
        bytes: i64,
        slskd_id: String,
        /// The transfer id was not known before (correlated by user + file).
        learned_id: bool,
    },
    /// slskd finished the file: move it into the library next.
    Succeeded {
        id: DownloadId,
        from: DownloadState,
        slskd_id: String,
    },
    /// Ended without the file (errored, timed out, rejected, aborted, or
    /// cancelled without the user asking).
    Failed {
        id: DownloadId,
        from: DownloadState,
        error: String,
    },
}

#[derive(Debug, Default)]
pub struct Reconciled {
    pub changes: Vec<Change>,
    /// (download id, the state string) for states Harmony does not know.
    pub unknown_states: Vec<(DownloadId, String)>,
    /// Downloads whose known transfer id is not in the list (removed from
    /// slskd's view, e.g. "clear completed"): to be looked up by id.
    pub missing: Vec<DownloadId>,
}

/// Matches downloads with transfers — by slskd id when known, else by user
/// and file name among transfers requested since the submission (the latest
/// wins) — and says what changed. Transfers nobody tracks are ignored.
pub fn reconcile(tracked: &[Tracked], reports: &[Report<'_>]) -> Reconciled {
    let mut by_id: HashMap<&str, &Report<'_>> = HashMap::with_capacity(reports.len());
    let mut by_file: HashMap<(&str, &str), Vec<&Report<'_>>> = HashMap::new();
    for r in reports {
        by_id.insert(r.id, r);
        by_file.entry((r.username, r.filename)).or_default().push(r);
    }
    let mut out = Reconciled::default();
    for d in tracked {
        let found = match &d.slskd_id {
            Some(id) => by_id.get(id.as_str()).copied(),
            None => by_file
                .get(&(d.username.as_str(), d.filename.as_str()))
                .and_then(|candidates| latest_since(candidates, d.submitted_at, &d.taken)),
        };
        let Some(report) = found else {
            if d.slskd_id.is_some() {
                out.missing.push(d.id);
            }
            continue;
        };
        match phase(report.state) {
            Err(_) => out.unknown_states.push((d.id, report.state.to_string())),
            Ok(p) => {
                if let Some(change) = change_for(d, report, p) {
                    out.changes.push(change);
                }
            }
        }
    }
    out
}

fn latest_since<'r, 'a>(
    candidates: &[&'r Report<'a>],
    since: UnixMillis,
    taken: &[String],
) -> Option<&'r Report<'a>> {
    candidates
        .iter()
        .copied()
        .filter(|r| !taken.iter().any(|t| t == r.id))
        .filter(|r| {
            r.requested_at
                .is_none_or(|at| at >= since - CORRELATION_SLACK_MS)
        })
        .max_by_key(|r| r.requested_at.unwrap_or(i64::MIN))
}

fn change_for(d: &Tracked, r: &Report<'_>, p: TransferPhase) -> Option<Change> {
    let slskd_id = r.id.to_string();
    match p {
        TransferPhase::Waiting | TransferPhase::InProgress => {
            let to = if p == TransferPhase::InProgress {
                DownloadState::Downloading
            } else {
                DownloadState::Queued
            };
            let progress = clamp_progress(r.percent).unwrap_or(d.progress);
            let bytes = r.bytes.filter(|b| *b >= 0).unwrap_or(d.bytes_transferred);
            let unchanged = to == d.state
                && (progress - d.progress).abs() < 0.01
                && bytes == d.bytes_transferred
                && d.slskd_id.as_deref() == Some(r.id);
            (!unchanged).then_some(Change::Progress {
                id: d.id,
                from: d.state,
                to,
                progress,
                bytes,
                learned_id: d.slskd_id.as_deref() != Some(r.id),
                slskd_id,
            })
        }
        TransferPhase::Succeeded => Some(Change::Succeeded {
            id: d.id,
            from: d.state,
            slskd_id,
        }),
        TransferPhase::Cancelled | TransferPhase::Failed => {
            let reason = r.exception.filter(|e| !e.trim().is_empty());
            let error = match (p, reason) {
                (_, Some(e)) => format!("transfer ended '{}': {e}", r.state),
                (TransferPhase::Cancelled, None) => {
                    format!("transfer ended '{}' without Harmony asking", r.state)
                }
                _ => format!("transfer ended '{}'", r.state),
            };
            Some(Change::Failed {
                id: d.id,
                from: d.state,
                error,
            })
        }
    }
}

/// Before enqueueing: a transfer of this file that is still live, or that
/// succeeded since our submission began, is the one a crashed attempt
/// created, so it is used instead of asking slskd for a second one —
/// unless a download attempt already took it (`taken`): slskd keeps
/// finished transfers listed, and one an earlier download completed,
/// failed or cancelled is history, not this submission's.
pub fn adoptable<'r, 'a>(
    reports: &'r [Report<'a>],
    filename: &str,
    since: UnixMillis,
    taken: &[String],
) -> Option<&'r Report<'a>> {
    reports
        .iter()
        .filter(|r| r.filename == filename)
        .filter(|r| !taken.iter().any(|t| t == r.id))
        .filter(|r| match phase(r.state) {
            Ok(TransferPhase::Waiting | TransferPhase::InProgress) => true,
            Ok(TransferPhase::Succeeded) => r
                .requested_at
                .is_some_and(|at| at >= since - CORRELATION_SLACK_MS),
            _ => false,
        })
        .max_by_key(|r| r.requested_at.unwrap_or(i64::MIN))
}

/// Progress is always within 0…100; a missing or non-numeric value keeps the
/// previous one.
pub fn clamp_progress(percent: Option<f64>) -> Option<f64> {
    percent
        .filter(|p| p.is_finite())
        .map(|p| p.clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tracked(id: i64, file: &str, slskd_id: Option<&str>) -> Tracked {
        let id = DownloadId(id);
        Tracked {
            id,
            username: "u".into(),
            filename: file.into(),
            slskd_id: slskd_id.map(str::to_string),
            submitted_at: 1_000_000,
            state: DownloadState::Queued,
            progress: 0.0,
            bytes_transferred: 0,
            taken: Vec::new(),
        }
    }

    fn report<'a>(id: &'a str, file: &'a str, state: &'a str, percent: f64) -> Report<'a> {
        Report {
            id,
            username: "u",
            filename: file,
            state,
            percent: Some(percent),
            bytes: Some(10),
            requested_at: Some(1_000_500),
            exception: None,
        }
    }

    #[test]
    fn correlates_by_id_then_by_user_and_file() {
        let t = [tracked(1, "a", Some("g1")), tracked(2, "b", None)];
        let r = [
            report("g1", "zzz", "InProgress", 40.0),
            report("g2", "b", "InProgress", 60.0),
        ];
        let out = reconcile(&t, &r);
        assert_eq!(out.changes.len(), 2);
        assert!(
            matches!(&out.changes[0], Change::Progress { id: DownloadId(1), progress, .. } if *progress == 40.0)
        );
        assert!(
            matches!(&out.changes[1], Change::Progress { id: DownloadId(2), slskd_id, .. } if slskd_id == "g2")
        );
    }

    #[test]
    fn old_transfers_of_the_same_file_are_not_ours() {
        let t = [tracked(1, "a", None)];
        let mut old = report("old", "a", "Completed, Succeeded", 100.0);
        old.requested_at = Some(1_000_000 - CORRELATION_SLACK_MS - 1);
        let newer = report("new", "a", "Requested", 0.0);
        let out = reconcile(&t, &[old.clone(), newer]);
        assert!(matches!(&out.changes[0], Change::Progress { slskd_id, .. } if slskd_id == "new"));
        assert!(reconcile(&t, &[old]).changes.is_empty());
    }

    #[test]
    fn live_or_fresh_transfers_are_adopted_old_failures_are_not() {
        let live = report("live", "a", "Queued, Remotely", 0.0);
        assert_eq!(
            adoptable(&[live], "a", 1_000_000, &[]).map(|r| r.id),
            Some("live")
        );
        let mut old_ok = report("old", "a", "Completed, Succeeded", 100.0);
        old_ok.requested_at = Some(1);
        assert!(adoptable(&[old_ok.clone()], "a", 1_000_000, &[]).is_none());
        let fresh_ok = report("fresh", "a", "Completed, Succeeded", 100.0);
        assert_eq!(
            adoptable(&[old_ok, fresh_ok], "a", 1_000_000, &[]).map(|r| r.id),
            Some("fresh")
        );
        let failed = report("f", "a", "Completed, Errored", 10.0);
        assert!(adoptable(&[failed], "a", 1_000_000, &[]).is_none());
        assert!(adoptable(&[report("x", "other", "InProgress", 1.0)], "a", 0, &[]).is_none());
    }

    #[test]
    fn transfers_taken_by_earlier_attempts_are_never_adopted_nor_correlated() {
        // slskd still lists the transfer an earlier download completed, just now.
        let done = report("done", "a", "Completed, Succeeded", 100.0);
        let taken = vec!["done".to_string()];
        assert!(adoptable(std::slice::from_ref(&done), "a", 1_000_000, &taken).is_none());
        let live = report("live", "a", "Queued, Remotely", 0.0);
        assert!(adoptable(&[live], "a", 1_000_000, &["live".to_string()]).is_none());
        // A new transfer of the same file is still found.
        let mut fresh = report("fresh", "a", "Requested", 0.0);
        fresh.requested_at = Some(1_000_000);
        let both = [done.clone(), fresh];
        assert_eq!(
            adoptable(&both, "a", 1_000_000, &taken).map(|r| r.id),
            Some("fresh")
        );

        // A download correlated by file ignores the taken transfer even when it is the latest.
        let mut t = tracked(1, "a", None);
        t.taken = taken;
        let mut newest_old = done;
        newest_old.requested_at = Some(1_000_900);
        assert!(reconcile(std::slice::from_ref(&t), &[newest_old.clone()])
            .changes
            .is_empty());
        let mut requested = report("mine", "a", "Requested", 0.0);
        requested.requested_at = Some(1_000_100);
        let out = reconcile(&[t], &[newest_old, requested]);
        assert!(matches!(&out.changes[0], Change::Progress { slskd_id, .. } if slskd_id == "mine"));
    }

    #[test]
    fn known_transfers_absent_from_the_list_are_reported_missing() {
        let t = [tracked(1, "a", Some("gone")), tracked(2, "b", None)];
        let out = reconcile(&t, &[report("other", "zzz", "InProgress", 1.0)]);
        assert_eq!(out.missing, vec![DownloadId(1)]);
        assert!(out.changes.is_empty());
    }

    #[test]
    fn progress_is_clamped() {
        let t = [tracked(1, "a", Some("g"))];
        let high = reconcile(&t, &[report("g", "a", "InProgress", 150.0)]);
        assert!(
            matches!(&high.changes[0], Change::Progress { progress, .. } if *progress == 100.0)
        );
        let low = reconcile(&t, &[report("g", "a", "InProgress", -5.0)]);
        assert!(matches!(&low.changes[0], Change::Progress { progress, .. } if *progress == 0.0));
        let nan = reconcile(&t, &[report("g", "a", "InProgress", f64::NAN)]);
        assert!(matches!(&nan.changes[0], Change::Progress { progress, .. } if *progress == 0.0));
        assert_eq!(clamp_progress(Some(42.5)), Some(42.5));
    }

    #[test]
    fn unknown_states_are_reported_and_do_not_spoil_the_rest() {
        let t = [tracked(1, "a", Some("g1")), tracked(2, "b", Some("g2"))];
        let r = [
            report("g1", "a", "Teleporting", 50.0),
            report("g2", "b", "InProgress", 50.0),
        ];
        let out = reconcile(&t, &r);
        assert_eq!(
            out.unknown_states,
            vec![(DownloadId(1), "Teleporting".to_string())]
        );
        assert_eq!(out.changes.len(), 1);
    }

    #[test]
    fn foreign_transfers_are_ignored_and_unchanged_rows_skipped() {
        let mut d = tracked(1, "a", Some("g"));
        d.state = DownloadState::Downloading;
        d.progress = 50.0;
        d.bytes_transferred = 10;
        let r = [
            report("g", "a", "InProgress", 50.0),
            report("x", "foreign", "InProgress", 1.0),
        ];
        assert!(reconcile(&[d], &r).changes.is_empty());
    }

    #[test]
    fn terminal_states_become_success_or_failure_with_the_reason() {
        let t = [
            tracked(1, "a", Some("g1")),
            tracked(2, "b", Some("g2")),
            tracked(3, "c", Some("g3")),
        ];
        let mut errored = report("g2", "b", "Completed, Errored", 30.0);
        errored.exception =
            Some("Transfer aborted: the remote size of 5 does not match expected size 6");
        let r = [
            report("g1", "a", "Completed, Succeeded", 100.0),
            errored,
            report("g3", "c", "Completed, Cancelled", 0.0),
        ];
        let out = reconcile(&t, &r);
        assert!(matches!(
            &out.changes[0],
            Change::Succeeded {
                id: DownloadId(1),
                ..
            }
        ));
        assert!(
            matches!(&out.changes[1], Change::Failed { id: DownloadId(2), error, .. } if error.contains("remote size of 5"))
        );
        assert!(
            matches!(&out.changes[2], Change::Failed { id: DownloadId(3), error, .. } if error.contains("without Harmony asking"))
        );
    }
}
