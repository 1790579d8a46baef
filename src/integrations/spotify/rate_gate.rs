//! One process-wide "no request before" instant: a 429 from Spotify applies to
//! the whole app (the quota is per client id), so every client shares it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Set by a 429's `Retry-After`; consulted before every request.
#[derive(Clone, Debug, Default)]
pub struct RateGate {
    not_before: Arc<Mutex<Option<Instant>>>,
}

impl RateGate {
    fn lock(&self) -> MutexGuard<'_, Option<Instant>> {
        // A panic elsewhere must not turn the gate into a permanent failure.
        self.not_before.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The instant before which no request may be sent, if it is still ahead.
    pub fn not_before(&self) -> Option<Instant> {
        let guard = self.lock();
        guard.filter(|at| *at > Instant::now())
    }

    /// No request for `d` from now; never shortens an earlier, longer block.
    pub fn block_for(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut guard = self.lock();
        if guard.is_none_or(|at| at < until) {
            *guard = Some(until);
        }
    }

    /// How long the gate stays closed, if it is closed.
    pub fn remaining(&self) -> Option<Duration> {
        self.not_before()
            .map(|at| at.saturating_duration_since(Instant::now()))
            .filter(|d| !d.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_when_the_time_has_passed() {
        let gate = RateGate::default();
        assert!(gate.not_before().is_none());
        gate.block_for(Duration::from_secs(60));
        let shared = gate.clone();
        assert!(shared.remaining().unwrap() > Duration::from_secs(59));
        gate.block_for(Duration::ZERO);
        assert!(
            shared.not_before().is_some(),
            "a shorter block keeps the longer one"
        );
        let short = RateGate::default();
        short.block_for(Duration::from_millis(1));
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.not_before().is_none());
        assert!(short.remaining().is_none());
    }
}
