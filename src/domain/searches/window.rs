//! The Soulseek search budget: at most `max` search creations within any
//! `window` (`SEARCH_MAX_PER_WINDOW` per `SEARCH_WINDOW_SEC`; the network bans
//! faster clients). Pure: the caller passes the clock and the live limits.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The instants of recent creations, oldest first.
#[derive(Debug, Clone, Default)]
pub struct SearchWindow {
    recent: VecDeque<Instant>,
}

impl SearchWindow {
    pub fn new() -> Self {
        SearchWindow::default()
    }

    /// How long to wait before the next creation may start: zero when it may
    /// start now. `max` and `window` are read for every call, so a settings
    /// change applies at once (a lower `max` simply means a longer wait).
    ///
    /// A creation at `t` counts until `t + window` (half-open), so after
    /// waiting, no interval of length `window` holds more than `max` creations.
    pub fn wait_before_next(&mut self, now: Instant, max: u32, window: Duration) -> Duration {
        self.forget_older(now, window);
        let max = max.max(1) as usize;
        if self.recent.len() < max {
            return Duration::ZERO;
        }
        // The creation that must leave the window before one more fits.
        let blocking = self.recent[self.recent.len() - max];
        (blocking + window).saturating_duration_since(now)
    }

    /// Forgets the creations that no longer count at `now`.
    pub fn forget_older(&mut self, now: Instant, window: Duration) {
        while let Some(&oldest) = self.recent.front() {
            if now.saturating_duration_since(oldest) >= window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }

    /// A creation happened (its request was answered) at `at`.
    pub fn record(&mut self, at: Instant) {
        // Keep the list sorted even if a caller's clock reading is late.
        let position = self.recent.partition_point(|&t| t <= at);
        self.recent.insert(position, at);
    }

    /// Creations that count against the budget at `now` (what a person sees
    /// as "used in the current window").
    pub fn used_at(&self, now: Instant, window: Duration) -> usize {
        self.recent
            .iter()
            .filter(|&&t| now.saturating_duration_since(t) < window)
            .count()
    }

    /// Creations still inside the window as of the last `wait_before_next`.
    pub fn len(&self) -> usize {
        self.recent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recent.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn older_creations_are_forgotten() {
        let start = Instant::now();
        let window = Duration::from_secs(60);
        let mut w = SearchWindow::new();
        w.record(start);
        w.record(start + Duration::from_secs(30));
        w.forget_older(start + Duration::from_secs(60), window);
        assert_eq!(
            w.len(),
            1,
            "the first no longer counts at exactly one window"
        );
        w.forget_older(start + Duration::from_secs(200), window);
        assert!(w.is_empty());
    }

    #[test]
    fn what_is_used_counts_only_creations_inside_the_window() {
        let start = Instant::now();
        let window = Duration::from_secs(220);
        let mut w = SearchWindow::new();
        w.record(start);
        w.record(start + Duration::from_secs(100));
        assert_eq!(w.used_at(start + Duration::from_secs(150), window), 2);
        assert_eq!(w.used_at(start + Duration::from_secs(220), window), 1);
        assert_eq!(w.used_at(start + Duration::from_secs(400), window), 0);
    }

    use super::*;

    const W: Duration = Duration::from_secs(10);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn free_until_the_budget_is_used() {
        let t0 = Instant::now();
        let mut w = SearchWindow::new();
        for i in 0..3 {
            assert_eq!(w.wait_before_next(t0 + ms(i), 3, W), Duration::ZERO);
            w.record(t0 + ms(i));
        }
        assert_eq!(w.len(), 3);
        // The fourth waits until the first leaves the window.
        assert_eq!(w.wait_before_next(t0 + ms(5), 3, W), W - ms(5));
        assert_eq!(w.wait_before_next(t0 + W - ms(1), 3, W), ms(1));
        assert_eq!(w.wait_before_next(t0 + W, 3, W), Duration::ZERO);
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn no_window_ever_holds_more_than_max() {
        let t0 = Instant::now();
        let mut w = SearchWindow::new();
        let mut now = t0;
        let mut created = Vec::new();
        for _ in 0..20 {
            now += w.wait_before_next(now, 4, W);
            assert_eq!(w.wait_before_next(now, 4, W), Duration::ZERO);
            w.record(now);
            created.push(now);
            now += ms(7);
        }
        for (i, &start) in created.iter().enumerate() {
            let inside = created[i..].iter().filter(|&&t| t - start < W).count();
            assert!(inside <= 4, "{inside} creations within one window");
        }
        // 20 creations at 4 per window need at least 4 full windows.
        assert!(*created.last().unwrap() - t0 >= 4 * W);
    }

    #[test]
    fn limits_apply_as_they_are_given() {
        let t0 = Instant::now();
        let mut w = SearchWindow::new();
        for i in 0..5 {
            w.record(t0 + ms(i * 100));
        }
        // Lowered to 2: the fourth-newest (index 3 of 5) must leave first.
        assert_eq!(
            w.wait_before_next(t0 + ms(500), 2, W),
            W + ms(300) - ms(500)
        );
        // Raised to 10: free at once.
        assert_eq!(w.wait_before_next(t0 + ms(500), 10, W), Duration::ZERO);
        // A shorter window forgets older creations.
        assert_eq!(w.wait_before_next(t0 + ms(500), 2, ms(150)), Duration::ZERO);
        assert_eq!(w.len(), 1);
        // Zero is treated as one.
        assert_eq!(w.wait_before_next(t0 + ms(500), 0, ms(150)), ms(50));
    }

    #[test]
    fn late_records_keep_the_order() {
        let t0 = Instant::now();
        let mut w = SearchWindow::new();
        w.record(t0 + ms(300));
        w.record(t0 + ms(100));
        w.record(t0 + ms(200));
        assert_eq!(w.wait_before_next(t0 + ms(300), 3, W), W - ms(200));
        assert_eq!(w.wait_before_next(t0 + ms(300), 2, W), W - ms(100));
    }
}
