//! How a worker's state for `/status` follows from what the registry knows.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerState {
    Running,
    Stale,
    Unavailable,
}

impl WorkerState {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerState::Running => "running",
            WorkerState::Stale => "stale",
            WorkerState::Unavailable => "unavailable",
        }
    }
}

/// `heartbeat_age` is `None` when the worker never heartbeated in its current life.
/// Idle is not stale: only a missing heartbeat is.
pub fn derive_state(
    enabled: bool,
    alive: bool,
    heartbeat_age: Option<Duration>,
    stale_after: Duration,
) -> WorkerState {
    if !enabled || !alive {
        return WorkerState::Unavailable;
    }
    match heartbeat_age {
        Some(age) if age < stale_after => WorkerState::Running,
        _ => WorkerState::Stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STALE: Duration = Duration::from_secs(60);

    #[test]
    fn disabled_or_dead_is_unavailable() {
        let fresh = Some(Duration::from_secs(1));
        assert_eq!(
            derive_state(false, true, fresh, STALE),
            WorkerState::Unavailable
        );
        assert_eq!(
            derive_state(true, false, fresh, STALE),
            WorkerState::Unavailable
        );
    }

    #[test]
    fn fresh_heartbeat_is_running_old_one_is_stale() {
        let fresh = Some(Duration::from_millis(59_999));
        assert_eq!(derive_state(true, true, fresh, STALE), WorkerState::Running);
        let old = Some(Duration::from_secs(60));
        assert_eq!(derive_state(true, true, old, STALE), WorkerState::Stale);
        assert_eq!(derive_state(true, true, None, STALE), WorkerState::Stale);
    }
}
