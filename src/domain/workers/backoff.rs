//! Delays that grow with repeated failure.

use std::time::Duration;

/// Delay after the `n`-th consecutive failure (1-based) — of a worker before
/// its restart, of a job before its next attempt: `base × 2^(n − 1)`, capped
/// at `max`. Never a hot loop: the first retry already waits `base`.
pub fn doubling_delay(n: u32, base: Duration, max: Duration) -> Duration {
    let exponent = n.saturating_sub(1).min(20);
    base.saturating_mul(1u32 << exponent).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_and_caps() {
        let base = Duration::from_secs(1);
        let max = Duration::from_secs(60);
        let delays: Vec<u64> = (1..=8)
            .map(|n| doubling_delay(n, base, max).as_secs())
            .collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(doubling_delay(0, base, max), base);
        assert_eq!(doubling_delay(u32::MAX, base, max), max);
    }

    #[test]
    fn job_retry_delays_grow() {
        let d1 = doubling_delay(1, Duration::from_secs(5), Duration::from_secs(600));
        let d3 = doubling_delay(3, Duration::from_secs(5), Duration::from_secs(600));
        assert_eq!(d1, Duration::from_secs(5));
        assert_eq!(d3, Duration::from_secs(20));
    }
}
