//! Delays that grow with repeated failure.

use std::time::Duration;

/// Delay before restarting a worker after its `failures`-th consecutive failure
/// (1-based): `base × 2^(failures − 1)`, capped at `max`. Never a hot loop: the
/// first restart already waits `base`.
pub fn restart_delay(failures: u32, base: Duration, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(20);
    base.saturating_mul(1u32 << exponent).min(max)
}

/// Delay before a failed job is tried again after its `attempts`-th attempt:
/// `base × 2^(attempts − 1)`, capped at `max`.
pub fn job_retry_delay(attempts: u32, base: Duration, max: Duration) -> Duration {
    restart_delay(attempts, base, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_delay_doubles_and_caps() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(60);
        let delays: Vec<u64> = (1..=8)
            .map(|n| restart_delay(n, base, max).as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(restart_delay(0, base, max), base);
        assert_eq!(restart_delay(u32::MAX, base, max), max);
    }

    #[test]
    fn job_retry_delay_grows() {
        let d1 = job_retry_delay(1, Duration::from_secs(5), Duration::from_secs(600));
        let d3 = job_retry_delay(3, Duration::from_secs(5), Duration::from_secs(600));
        assert_eq!(d1, Duration::from_secs(5));
        assert_eq!(d3, Duration::from_secs(20));
    }
}
