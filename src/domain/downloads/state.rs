//! The download state machine: which states exist, which user actions fit
//! which state, and what a failure leads to (`api.md` §3 "Retries").

use std::time::Duration;

/// Stored as its name (`as_str`) through `db::sql_types`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum DownloadState {
    Queued,
    Downloading,
    Completed,
    Failed,
    DeadLetter,
    Cancelled,
}

impl DownloadState {
    pub const ALL: [DownloadState; 6] = [
        DownloadState::Queued,
        DownloadState::Downloading,
        DownloadState::Completed,
        DownloadState::Failed,
        DownloadState::DeadLetter,
        DownloadState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DownloadState::Queued => "queued",
            DownloadState::Downloading => "downloading",
            DownloadState::Completed => "completed",
            DownloadState::Failed => "failed",
            DownloadState::DeadLetter => "dead_letter",
            DownloadState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<DownloadState> {
        DownloadState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Work in progress: counted in the sync worker's queue, one per file.
    pub fn is_active(self) -> bool {
        matches!(self, DownloadState::Queued | DownloadState::Downloading)
    }

    pub fn accepts_priority_change(self) -> bool {
        !matches!(
            self,
            DownloadState::Completed | DownloadState::Cancelled | DownloadState::DeadLetter
        )
    }

    pub fn accepts_manual_retry(self) -> bool {
        matches!(
            self,
            DownloadState::Failed | DownloadState::Cancelled | DownloadState::DeadLetter
        )
    }
}

/// What `DELETE /downloads/{id}` does in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelEffect {
    /// The transfer may be live in slskd: cancel it there too.
    CancelTransfer,
    /// Nothing runs (failed, dead letter): just mark it cancelled.
    MarkCancelled,
    AlreadyCancelled,
    /// A completed download is in the library; cancelling means nothing.
    Refused,
}

pub fn cancel_effect(state: DownloadState) -> CancelEffect {
    match state {
        DownloadState::Queued | DownloadState::Downloading => CancelEffect::CancelTransfer,
        DownloadState::Failed | DownloadState::DeadLetter => CancelEffect::MarkCancelled,
        DownloadState::Cancelled => CancelEffect::AlreadyCancelled,
        DownloadState::Completed => CancelEffect::Refused,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries before `dead_letter` (0: dead letter at the first failure).
    pub max_attempts: u32,
    pub base: Duration,
    /// ± fraction, 0…1.
    pub jitter: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AfterFailure {
    Retry { retry_count: u32, delay: Duration },
    DeadLetter { retry_count: u32 },
}

/// After the n-th failure (`n = previous + 1`): retry after
/// `base × 2^min(n−1, 6) × U(1−j, 1+j)` while `n ≤ max`, else dead letter.
/// `draw` is a uniform sample from [0, 1), passed in to keep this pure.
pub fn after_failure(previous_retries: u32, policy: &RetryPolicy, draw: f64) -> AfterFailure {
    let n = previous_retries.saturating_add(1);
    if n > policy.max_attempts {
        return AfterFailure::DeadLetter { retry_count: n };
    }
    let jitter = policy.jitter.clamp(0.0, 1.0);
    let factor = 1.0 - jitter + 2.0 * jitter * draw.clamp(0.0, 1.0);
    let exponent = (n - 1).min(6);
    let seconds = policy.base.as_secs_f64() * f64::from(1u32 << exponent) * factor;
    AfterFailure::Retry {
        retry_count: n,
        delay: Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX),
    }
}

/// An error as the download keeps it: trimmed, at most `max_chars`
/// characters (an ellipsis marks the cut).
pub fn error_summary(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_errors_are_cut_with_an_ellipsis() {
        assert_eq!(error_summary("  short \n", 10), "short");
        let cut = error_summary(&"é".repeat(600), 512);
        assert_eq!(cut.chars().count(), 512);
        assert!(cut.ends_with('…'));
    }

    fn policy(max: u32, jitter: f64) -> RetryPolicy {
        RetryPolicy {
            max_attempts: max,
            base: Duration::from_secs(60),
            jitter,
        }
    }

    #[test]
    fn states_round_trip() {
        for s in DownloadState::ALL {
            assert_eq!(DownloadState::parse(s.as_str()), Some(s));
        }
        assert_eq!(DownloadState::parse("running"), None);
    }

    #[test]
    fn delays_double_from_the_base_and_cap_at_two_to_the_sixth() {
        let p = policy(10, 0.0);
        let secs: Vec<u64> = (0..9)
            .map(|prev| match after_failure(prev, &p, 0.5) {
                AfterFailure::Retry { delay, .. } => delay.as_secs(),
                AfterFailure::DeadLetter { .. } => 0,
            })
            .collect();
        assert_eq!(secs, vec![60, 120, 240, 480, 960, 1920, 3840, 3840, 3840]);
    }

    #[test]
    fn jitter_stays_within_its_band() {
        let p = policy(10, 0.2);
        let delay = |draw| match after_failure(2, &p, draw) {
            AfterFailure::Retry { delay, .. } => delay.as_secs_f64(),
            AfterFailure::DeadLetter { .. } => 0.0,
        };
        assert!((delay(0.0) - 192.0).abs() < 1e-6);
        assert!((delay(0.5) - 240.0).abs() < 1e-6);
        assert!(delay(0.999_999) < 288.0 && delay(0.999_999) > 287.9);
    }

    #[test]
    fn dead_letter_after_the_last_retry() {
        let p = policy(2, 0.0);
        assert!(matches!(
            after_failure(0, &p, 0.0),
            AfterFailure::Retry { retry_count: 1, .. }
        ));
        assert!(matches!(
            after_failure(1, &p, 0.0),
            AfterFailure::Retry { retry_count: 2, .. }
        ));
        assert_eq!(
            after_failure(2, &p, 0.0),
            AfterFailure::DeadLetter { retry_count: 3 }
        );
        assert_eq!(
            after_failure(0, &policy(0, 0.0), 0.0),
            AfterFailure::DeadLetter { retry_count: 1 }
        );
    }

    #[test]
    fn actions_fit_states() {
        use DownloadState::*;
        assert_eq!(cancel_effect(Completed), CancelEffect::Refused);
        assert_eq!(cancel_effect(Cancelled), CancelEffect::AlreadyCancelled);
        assert_eq!(cancel_effect(Failed), CancelEffect::MarkCancelled);
        assert_eq!(cancel_effect(Downloading), CancelEffect::CancelTransfer);
        assert!(Failed.accepts_manual_retry() && DeadLetter.accepts_manual_retry());
        assert!(!Queued.accepts_manual_retry() && !Completed.accepts_manual_retry());
        assert!(Queued.accepts_priority_change() && Failed.accepts_priority_change());
        assert!(!DeadLetter.accepts_priority_change());
    }
}
