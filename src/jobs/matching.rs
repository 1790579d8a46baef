//! The matching worker's jobs: search Soulseek for a wanted track and
//! choose, or choose the next candidate of the last search without searching.

use serde::{Deserialize, Serialize};

use super::{kind_of, WorkerJob, URGENT};
use crate::domain::ids::WantedId;
use crate::domain::workers::name::WorkerName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum MatchingJob {
    Search {
        wanted_id: WantedId,
        /// The track's priority (the highest when a person asks).
        #[serde(skip)]
        priority: i32,
    },
    /// After a failed transfer or a rejection.
    Choose { wanted_id: WantedId },
}

impl MatchingJob {
    pub fn wanted_id(&self) -> WantedId {
        match self {
            MatchingJob::Search { wanted_id, .. } | MatchingJob::Choose { wanted_id } => *wanted_id,
        }
    }

    /// The dedupe key of a track's search.
    pub fn search_key(id: WantedId) -> String {
        Self::Search {
            wanted_id: id,
            priority: 0,
        }
        .key()
    }

    /// The dedupe key of a track's choice.
    pub fn choose_key(id: WantedId) -> String {
        Self::Choose { wanted_id: id }.key()
    }

    fn key(&self) -> String {
        format!("{}:{}", kind_of(self), self.wanted_id())
    }
}

impl WorkerJob for MatchingJob {
    const WORKER: WorkerName = WorkerName::Matching;

    fn dedupe_key(&self) -> Option<String> {
        Some(self.key())
    }

    fn priority(&self) -> i32 {
        match self {
            MatchingJob::Search { priority, .. } => *priority,
            MatchingJob::Choose { .. } => URGENT,
        }
    }

    fn max_attempts(&self) -> i32 {
        match self {
            // Searches wait out slskd outages; the retry scheduler re-creates
            // a job for a track left without one.
            MatchingJob::Search { .. } => 10,
            MatchingJob::Choose { .. } => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::decode;

    #[test]
    fn keys_and_rows_keep_their_names() {
        assert_eq!(MatchingJob::search_key(WantedId(4)), "search:4");
        assert_eq!(MatchingJob::choose_key(WantedId(4)), "choose:4");
        let job: MatchingJob = decode("choose", r#"{"wanted_id":4}"#).unwrap();
        assert_eq!(job.wanted_id(), WantedId(4));
        assert!(decode::<MatchingJob>("search", r#"{"wanted":4}"#).is_err());
    }
}
