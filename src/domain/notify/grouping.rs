//! Bursts become one message: the first pending event of a kind opens a
//! window of `NOTIFY_BATCH_SEC`; when it has closed, every event of that
//! kind that arrived within it becomes one message. Later events wait for
//! the next window.

use std::collections::BTreeMap;

use crate::domain::time::UnixMillis;

/// One event waiting for its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    pub event: String,
    pub at: UnixMillis,
}

/// Events that become one message, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub event: String,
    pub ids: Vec<i64>,
}

/// The groups whose window has closed at `now`. `pending` in any order.
pub fn due_groups(pending: &[Pending], batch_ms: i64, now: UnixMillis) -> Vec<Group> {
    let mut by_event: BTreeMap<&str, Vec<&Pending>> = BTreeMap::new();
    for p in pending {
        by_event.entry(p.event.as_str()).or_default().push(p);
    }
    let mut groups = Vec::new();
    for (event, mut events) in by_event {
        events.sort_by_key(|p| (p.at, p.id));
        let Some(first) = events.first() else {
            continue;
        };
        let closes = first.at.saturating_add(batch_ms.max(0));
        if now < closes {
            continue;
        }
        // With no window (0) every event is a group of its own making: all due now.
        let ids = events
            .iter()
            .filter(|p| batch_ms <= 0 || p.at < closes)
            .map(|p| p.id)
            .collect();
        groups.push(Group {
            event: event.to_string(),
            ids,
        });
    }
    groups
}

/// When the next window closes (to plan the next look), if anything waits.
pub fn next_due(pending: &[Pending], batch_ms: i64) -> Option<UnixMillis> {
    let mut first: BTreeMap<&str, UnixMillis> = BTreeMap::new();
    for p in pending {
        let at = first.entry(p.event.as_str()).or_insert(p.at);
        *at = (*at).min(p.at);
    }
    first
        .values()
        .map(|at| at.saturating_add(batch_ms.max(0)))
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, event: &str, at: i64) -> Pending {
        Pending {
            id,
            event: event.into(),
            at,
        }
    }

    #[test]
    fn a_burst_within_the_window_is_one_group() {
        let pending: Vec<Pending> = (1..=300)
            .map(|i| p(i, "download.completed", 1_000 + i))
            .collect();
        assert!(due_groups(&pending, 60_000, 30_000).is_empty());
        let groups = due_groups(&pending, 60_000, 61_001);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].ids.len(), 300);
    }

    #[test]
    fn events_after_the_window_wait_for_the_next() {
        let pending = vec![
            p(1, "wanted.failed", 0),
            p(2, "wanted.failed", 59_999),
            p(3, "wanted.failed", 60_000),
            p(4, "download.completed", 50_000),
        ];
        let groups = due_groups(&pending, 60_000, 60_000);
        assert_eq!(
            groups,
            vec![Group {
                event: "wanted.failed".into(),
                ids: vec![1, 2]
            }]
        );
        assert_eq!(next_due(&pending, 60_000), Some(60_000));
        assert_eq!(next_due(&[], 60_000), None);
    }

    #[test]
    fn kinds_are_grouped_apart_and_no_window_sends_at_once() {
        let pending = vec![p(1, "a", 5), p(2, "b", 5), p(3, "a", 6)];
        let groups = due_groups(&pending, 0, 6);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].ids, vec![1, 3]);
    }
}
