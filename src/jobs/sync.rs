//! The sync worker's jobs: hand a download to slskd, move its finished file
//! into the library, cancel its transfer.

use serde::{Deserialize, Serialize};

use super::{kind_of, WorkerJob, URGENT};
use crate::domain::ids::DownloadId;
use crate::domain::workers::name::WorkerName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum SyncJob {
    Submit {
        download_id: DownloadId,
        /// The download's priority, which orders waiting submissions.
        #[serde(skip)]
        priority: i32,
    },
    Organize {
        download_id: DownloadId,
    },
    CancelTransfer {
        download_id: DownloadId,
        username: String,
        filename: String,
        slskd_id: Option<String>,
        /// When the cancelled attempt was submitted (its transfer is younger).
        since: Option<i64>,
    },
}

impl SyncJob {
    pub fn download_id(&self) -> DownloadId {
        match self {
            SyncJob::Submit { download_id, .. }
            | SyncJob::Organize { download_id }
            | SyncJob::CancelTransfer { download_id, .. } => *download_id,
        }
    }

    /// The dedupe key of a download's submission (its priority follows the download's).
    pub fn submit_key(id: DownloadId) -> String {
        format!("submit:{id}")
    }
}

impl WorkerJob for SyncJob {
    const WORKER: WorkerName = WorkerName::Sync;

    fn dedupe_key(&self) -> Option<String> {
        Some(format!("{}:{}", kind_of(self), self.download_id()))
    }

    fn priority(&self) -> i32 {
        match self {
            SyncJob::Submit { priority, .. } => *priority,
            SyncJob::Organize { .. } | SyncJob::CancelTransfer { .. } => URGENT,
        }
    }

    fn max_attempts(&self) -> i32 {
        match self {
            // Submissions wait out slskd outages (delays grow to minutes)
            // before the retry scheduler's reconciler takes over.
            SyncJob::Submit { .. } => 20,
            SyncJob::Organize { .. } => 3,
            SyncJob::CancelTransfer { .. } => 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{decode, encode};

    #[test]
    fn rows_written_before_typed_jobs_still_decode() {
        let job: SyncJob = decode("submit", r#"{"download_id":3}"#).unwrap();
        assert_eq!(job.download_id(), DownloadId(3));
        let job: SyncJob = decode(
            "cancel_transfer",
            r#"{"download_id":3,"filename":"a\\b.flac","since":5,"slskd_id":null,"username":"u"}"#,
        )
        .unwrap();
        assert!(matches!(job, SyncJob::CancelTransfer { ref username, .. } if username == "u"));
    }

    #[test]
    fn a_payload_without_its_fields_is_an_error_not_a_default() {
        let err = decode::<SyncJob>("cancel_transfer", r#"{"download_id":3}"#).unwrap_err();
        assert!(err.to_string().contains("username"), "{err}");
        assert!(decode::<SyncJob>("sink", r#"{"download_id":3}"#).is_err());
        assert!(decode::<SyncJob>("submit", "not json").is_err());
    }

    #[test]
    fn kind_and_payload_are_the_columns() {
        let encoded = encode(&SyncJob::Organize {
            download_id: DownloadId(9),
        })
        .unwrap();
        assert_eq!(encoded.kind, "organize");
        assert_eq!(encoded.payload, r#"{"download_id":9}"#);
        let job = SyncJob::Submit {
            download_id: DownloadId(9),
            priority: 4,
        };
        assert_eq!(job.dedupe_key().as_deref(), Some("submit:9"));
        assert_eq!(job.priority(), 4);
    }
}
