//! Where an import stands, from the states of the wanted tracks it asked for
//! (`api.md` §9): its counters follow those tracks to completion.

use serde::Serialize;

use crate::domain::wanted::WantedState;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportCounts {
    /// Accepted tracks (plus tracks expanded from its playlist links).
    pub registered: u64,
    /// Accepted after normalisation (every registered track is normalised at once).
    pub normalized: u64,
    /// Wanted and not finished yet (waiting, searching, downloading, not found yet).
    pub queued: u64,
    pub completed: u64,
    /// Given up on (`failed`) or cancelled.
    pub failed: u64,
}

impl ImportCounts {
    /// Adds `n` wanted tracks in `state`.
    pub fn add(&mut self, state: WantedState, n: u64) {
        self.registered += n;
        self.normalized += n;
        match state {
            WantedState::Completed => self.completed += n,
            WantedState::Failed | WantedState::Cancelled => self.failed += n,
            _ => self.queued += n,
        }
    }

    /// `queued` while anything may still change (a track still wanted, or a
    /// playlist link not expanded yet), then `completed` when at least one
    /// track arrived, else `failed`.
    pub fn state(&self, links_pending: bool) -> &'static str {
        if self.registered == 0 {
            return if links_pending {
                "normalized"
            } else {
                "failed"
            };
        }
        if self.queued > 0 || links_pending {
            "queued"
        } else if self.completed > 0 {
            "completed"
        } else {
            "failed"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_tracks() {
        let mut c = ImportCounts::default();
        c.add(WantedState::Pending, 2);
        c.add(WantedState::NotFound, 1);
        c.add(WantedState::Completed, 3);
        c.add(WantedState::Cancelled, 1);
        assert_eq!(
            c,
            ImportCounts {
                registered: 7,
                normalized: 7,
                queued: 3,
                completed: 3,
                failed: 1
            }
        );
        assert_eq!(c.state(false), "queued");
    }

    #[test]
    fn finishes_when_nothing_can_change() {
        let mut done = ImportCounts::default();
        done.add(WantedState::Completed, 1);
        done.add(WantedState::Failed, 1);
        assert_eq!(done.state(false), "completed");
        assert_eq!(done.state(true), "queued", "a link still to expand");
        let mut lost = ImportCounts::default();
        lost.add(WantedState::Failed, 2);
        assert_eq!(lost.state(false), "failed");
        assert_eq!(ImportCounts::default().state(true), "normalized");
    }
}
