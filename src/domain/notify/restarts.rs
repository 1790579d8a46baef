//! A worker restarting repeatedly: more than `LIMIT` restarts within
//! `WINDOW`. Told once per storm: again only after a quiet window.

use std::collections::VecDeque;

use crate::domain::time::UnixMillis;

pub const LIMIT: usize = 3;
pub const WINDOW_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, Default)]
pub struct RestartWatch {
    recent: VecDeque<UnixMillis>,
    told: bool,
}

impl RestartWatch {
    /// Records a restart; `Some(restarts in the window)` when it is worth telling.
    pub fn restarted(&mut self, now: UnixMillis) -> Option<usize> {
        while self.recent.front().is_some_and(|&t| now - t >= WINDOW_MS) {
            self.recent.pop_front();
        }
        if self.recent.is_empty() {
            self.told = false;
        }
        self.recent.push_back(now);
        if self.recent.len() > LIMIT && !self.told {
            self.told = true;
            return Some(self.recent.len());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fourth_restart_within_ten_minutes_is_told_once() {
        let mut w = RestartWatch::default();
        assert_eq!(w.restarted(0), None);
        assert_eq!(w.restarted(1_000), None);
        assert_eq!(w.restarted(2_000), None);
        assert_eq!(w.restarted(3_000), Some(4));
        assert_eq!(w.restarted(4_000), None);
        // A quiet window later, a new storm is told again.
        let later = 4_000 + WINDOW_MS;
        for i in 0..3 {
            assert_eq!(w.restarted(later + i), None);
        }
        assert_eq!(w.restarted(later + 3), Some(4));
    }

    #[test]
    fn spread_out_restarts_are_not_a_storm() {
        let mut w = RestartWatch::default();
        for i in 0..10 {
            assert_eq!(w.restarted(i * (WINDOW_MS / 3)), None);
        }
    }
}
