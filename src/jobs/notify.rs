//! The notify worker's job: deliver one message to one target. The message
//! is in the row, so a restart sends exactly what was decided.

use serde::{Deserialize, Serialize};

use super::{kind_of, WorkerJob};
use crate::domain::notify::message::Message;
use crate::domain::workers::name::WorkerName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum NotifyJob {
    Deliver { target_id: i64, message: Message },
}

impl NotifyJob {
    pub fn target_id(&self) -> i64 {
        match self {
            NotifyJob::Deliver { target_id, .. } => *target_id,
        }
    }

    /// How every delivery key to this target ends (`…:<target id>`).
    pub fn target_key_suffix(target_id: i64) -> String {
        format!(":{target_id}")
    }

    pub fn message(&self) -> &Message {
        match self {
            NotifyJob::Deliver { message, .. } => message,
        }
    }
}

impl WorkerJob for NotifyJob {
    const WORKER: WorkerName = WorkerName::Notify;

    /// One delivery per message and target.
    fn dedupe_key(&self) -> Option<String> {
        Some(format!(
            "{}:{}{}",
            kind_of(self),
            self.message().id,
            Self::target_key_suffix(self.target_id())
        ))
    }

    /// A target down for a day still gets its messages: attempts back off
    /// up to `NOTIFY_RETRY_MAX_SEC` (10 min), so 200 attempts span days.
    fn max_attempts(&self) -> i32 {
        200
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{decode, encode};

    #[test]
    fn a_delivery_round_trips_through_its_row() {
        let job = NotifyJob::Deliver {
            target_id: 3,
            message: Message::group(9, "wanted.failed", "t".into(), vec![serde_json::json!({})]),
        };
        let row = encode(&job).unwrap();
        assert_eq!(row.kind, "deliver");
        assert_eq!(decode::<NotifyJob>(&row.kind, &row.payload).unwrap(), job);
        assert_eq!(job.dedupe_key().unwrap(), "deliver:hm-9:3");
    }
}
