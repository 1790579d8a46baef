//! The jobs of the three workers that finish a completed download: tags
//! (metadata), cover (artwork), lyrics. Each takes the same payload.

use serde::{Deserialize, Serialize};

use super::{kind_of, WorkerJob};
use crate::domain::ids::DownloadId;
use crate::domain::workers::name::WorkerName;

/// What a tag, cover or lyrics job works on. Fields in alphabetical order:
/// a waiting job is compared with a new request by its stored payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactJob {
    pub download_id: DownloadId,
    /// Where the file landed (set when the download completes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A scheduled re-check (lyrics not found last time).
    #[serde(default, skip_serializing_if = "is_false")]
    pub recheck: bool,
    /// Asked for by a person: write again what is already written.
    #[serde(default, skip_serializing_if = "is_false")]
    pub refresh: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

impl ArtifactJob {
    pub fn new(download_id: DownloadId) -> Self {
        ArtifactJob {
            download_id,
            path: None,
            recheck: false,
            refresh: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum MetadataJob {
    /// Write the tags.
    Tag(ArtifactJob),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum ArtworkJob {
    /// Find, cache and embed the cover.
    Embed(ArtifactJob),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum LyricsJob {
    /// Look lyrics up, write the sidecar, embed them.
    Fetch(ArtifactJob),
}

macro_rules! artifact_job {
    ($job:ident, $variant:ident, $worker:expr, $attempts:expr) => {
        impl $job {
            pub fn of(job: ArtifactJob) -> Self {
                $job::$variant(job)
            }

            pub fn artifact(&self) -> &ArtifactJob {
                match self {
                    $job::$variant(job) => job,
                }
            }
        }

        impl WorkerJob for $job {
            const WORKER: WorkerName = $worker;

            /// `tag:<id>`, `embed:<id>`, `fetch:<id>`.
            fn dedupe_key(&self) -> Option<String> {
                Some(format!("{}:{}", kind_of(self), self.artifact().download_id))
            }

            fn max_attempts(&self) -> i32 {
                $attempts
            }
        }
    };
}

artifact_job!(MetadataJob, Tag, WorkerName::Metadata, 5);
artifact_job!(ArtworkJob, Embed, WorkerName::Artwork, 4);
artifact_job!(LyricsJob, Fetch, WorkerName::Lyrics, 4);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{decode, encode};

    #[test]
    fn payloads_are_written_as_before() {
        let mut job = ArtifactJob::new(DownloadId(2));
        job.refresh = true;
        let encoded = encode(&LyricsJob::of(job)).unwrap();
        assert_eq!(encoded.kind, "fetch");
        assert_eq!(encoded.payload, r#"{"download_id":2,"refresh":true}"#);
        let tag: MetadataJob = decode("tag", r#"{"download_id":2,"path":"/m/a.flac"}"#).unwrap();
        assert_eq!(tag.artifact().path.as_deref(), Some("/m/a.flac"));
        assert_eq!(tag.dedupe_key().as_deref(), Some("tag:2"));
        assert!(decode::<ArtworkJob>("embed", r#"{}"#).is_err());
    }
}
