//! Jobs of the workers that bring tracks in: a watched artist's check, a
//! backfill run.

use serde::{Deserialize, Serialize};

use super::{kind_of, WorkerJob};
use crate::domain::ids::{BackfillId, WatchId};
use crate::domain::workers::name::WorkerName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum WatchlistJob {
    /// Look for the artist's new releases (one job per artist).
    Check { watch_id: WatchId },
}

impl WatchlistJob {
    pub fn watch_id(&self) -> WatchId {
        match self {
            WatchlistJob::Check { watch_id } => *watch_id,
        }
    }
}

impl WorkerJob for WatchlistJob {
    const WORKER: WorkerName = WorkerName::Watchlist;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", kind_of(self), self.watch_id()))
    }

    fn max_attempts(&self) -> i32 {
        5
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum BackfillJob {
    /// One run, resumed from its cursor after a crash or a rate limit.
    Backfill { backfill_id: BackfillId },
}

impl BackfillJob {
    pub fn backfill_id(&self) -> BackfillId {
        match self {
            BackfillJob::Backfill { backfill_id } => *backfill_id,
        }
    }
}

impl WorkerJob for BackfillJob {
    const WORKER: WorkerName = WorkerName::Backfill;

    fn dedupe_key(&self) -> Option<String> {
        None
    }

    fn max_attempts(&self) -> i32 {
        10
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{decode, encode};

    #[test]
    fn rows_keep_their_names() {
        let job = WatchlistJob::Check {
            watch_id: WatchId(3),
        };
        assert_eq!(job.dedupe_key().as_deref(), Some("check:3"));
        assert_eq!(encode(&job).unwrap().payload, r#"{"watch_id":3}"#);
        let run: BackfillJob = decode("backfill", r#"{"backfill_id":8}"#).unwrap();
        assert_eq!(run.backfill_id(), BackfillId(8));
    }
}
