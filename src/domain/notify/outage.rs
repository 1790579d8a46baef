//! slskd outages worth telling: unreachable for longer than
//! `NOTIFY_OUTAGE_AFTER_SEC` (told once), then its recovery (told only
//! after a told outage). A short blip tells nothing.

use crate::domain::connections::state::ConnectionState;
use crate::domain::time::UnixMillis;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutageWatch {
    /// Since when the service has been failing.
    down_since: Option<UnixMillis>,
    told: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageNews {
    Unreachable { since: UnixMillis, seconds: i64 },
    Recovered { outage_seconds: i64 },
}

impl OutageWatch {
    /// Takes one observation; answers what became worth telling.
    pub fn observe(
        &mut self,
        state: ConnectionState,
        now: UnixMillis,
        after_ms: i64,
    ) -> Option<OutageNews> {
        match state {
            ConnectionState::Unreachable => {
                let since = *self.down_since.get_or_insert(now);
                if !self.told && now - since >= after_ms {
                    self.told = true;
                    return Some(OutageNews::Unreachable {
                        since,
                        seconds: (now - since) / 1000,
                    });
                }
                None
            }
            ConnectionState::Ok => {
                let was = self.down_since.take();
                let told = std::mem::take(&mut self.told);
                match was {
                    Some(since) if told => Some(OutageNews::Recovered {
                        outage_seconds: (now - since) / 1000,
                    }),
                    _ => None,
                }
            }
            // Not an outage of the service: a key or a setting to fix.
            ConnectionState::Unauthorized | ConnectionState::Unconfigured => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConnectionState::*;

    #[test]
    fn told_once_after_the_threshold_then_recovered() {
        let mut w = OutageWatch::default();
        assert_eq!(w.observe(Unreachable, 0, 600_000), None);
        assert_eq!(w.observe(Unreachable, 599_999, 600_000), None);
        assert_eq!(
            w.observe(Unreachable, 600_000, 600_000),
            Some(OutageNews::Unreachable {
                since: 0,
                seconds: 600
            })
        );
        assert_eq!(w.observe(Unreachable, 900_000, 600_000), None);
        assert_eq!(
            w.observe(Ok, 1_000_000, 600_000),
            Some(OutageNews::Recovered {
                outage_seconds: 1000
            })
        );
        assert_eq!(w.observe(Ok, 1_000_001, 600_000), None);
    }

    #[test]
    fn a_blip_tells_nothing() {
        let mut w = OutageWatch::default();
        assert_eq!(w.observe(Unreachable, 0, 600_000), None);
        assert_eq!(w.observe(Ok, 10_000, 600_000), None);
        assert_eq!(w.observe(Unreachable, 20_000, 600_000), None);
        assert_eq!(w.observe(Unreachable, 619_999, 600_000), None);
    }
}
