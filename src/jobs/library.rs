//! Jobs of the library worker: index one file that just landed, write the
//! playlist files again.

use serde::{Deserialize, Serialize};

use super::{kind_of, WorkerJob};
use crate::domain::workers::name::WorkerName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "snake_case")]
pub enum LibraryJob {
    /// Read one file into the index (a file Harmony organized or tagged).
    Index { path: String },
    /// Write the playlist files whose tracks changed.
    WritePlaylists {},
    /// Ask one media server (`navidrome`, `jellyfin`, `plex`) to rescan.
    Rescan { server: String },
}

impl WorkerJob for LibraryJob {
    const WORKER: WorkerName = WorkerName::Library;

    /// None for `index`: a file changed again while its job runs (tagged
    /// right after it landed) must be read again, not folded into the
    /// running job.
    fn dedupe_key(&self) -> Option<String> {
        match self {
            LibraryJob::Index { .. } => None,
            LibraryJob::WritePlaylists {} => Some(kind_of(self)),
            // One waiting call per server: a burst of files is one rescan.
            LibraryJob::Rescan { server } => Some(format!("{}:{server}", kind_of(self))),
        }
    }

    fn max_attempts(&self) -> i32 {
        match self {
            // A server down for a while (a NAS restarting): keep trying ~1 h.
            LibraryJob::Rescan { .. } => 12,
            _ => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{decode, encode};

    #[test]
    fn payloads_and_keys() {
        let job = LibraryJob::Index {
            path: "/m/A/B/01 - X.flac".into(),
        };
        let encoded = encode(&job).unwrap();
        assert_eq!(encoded.kind, "index");
        assert_eq!(encoded.payload, r#"{"path":"/m/A/B/01 - X.flac"}"#);
        assert_eq!(job.dedupe_key(), None);
        assert_eq!(
            LibraryJob::WritePlaylists {}.dedupe_key().as_deref(),
            Some("write_playlists")
        );
        assert_eq!(
            decode::<LibraryJob>("write_playlists", "{}").unwrap(),
            LibraryJob::WritePlaylists {}
        );
    }
}
