//! What happened, as typed events. Every state change records its events in
//! its transaction; they are announced on one in-process broadcast after the
//! commit that makes them true. The activity feed is their durable
//! projection, written in that same transaction (`Event::activity`).

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::broadcast;

use crate::domain::ids::{BackfillId, DownloadId, WantedId, WatchId};
use crate::domain::time::{to_rfc3339, UnixMillis};

/// The activity feed's types (`type` of its entries), as the contract lists them.
pub const ACTIVITY_TYPES: [&str; 12] = [
    "worker",
    "download",
    "matching",
    "spotify",
    "watchlist",
    "import",
    "backfill",
    "metadata",
    "artwork",
    "lyrics",
    "notify",
    "library",
];

/// How a download came to be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueuedBy {
    /// A new download.
    Created,
    /// A person asked for another try.
    ManualRetry,
    /// Its retry came due.
    ScheduledRetry,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    DownloadQueued {
        download_id: DownloadId,
        username: String,
        filename: String,
        by: QueuedBy,
    },
    /// Transfers moved: one event per poll, however many downloads (a poll
    /// of 10 000 transfers must not flood the broadcast past its buffer).
    DownloadsProgressed {
        downloads: Vec<Progress>,
    },
    DownloadStarted {
        download_id: DownloadId,
    },
    DownloadFailed {
        download_id: DownloadId,
        error: String,
        /// The wanted track that takes over (chooses its next candidate).
        wanted_id: Option<WantedId>,
    },
    DownloadRetryScheduled {
        download_id: DownloadId,
        retry_count: u32,
        next_retry_at: UnixMillis,
        error: String,
    },
    DownloadDeadLettered {
        download_id: DownloadId,
        error: String,
    },
    DownloadCancelled {
        download_id: DownloadId,
    },
    DownloadOrganized {
        download_id: DownloadId,
        path: String,
    },
    DownloadCompleted {
        download_id: DownloadId,
        path: String,
        wanted_id: Option<WantedId>,
    },
    WantedSearched {
        wanted_id: WantedId,
        queries: Vec<String>,
        candidates: usize,
        accepted: usize,
    },
    WantedMatched {
        wanted_id: WantedId,
        download_id: DownloadId,
        username: String,
        filename: String,
        score: f64,
    },
    WantedNotFound {
        wanted_id: WantedId,
        searches: u32,
        next_search_at: UnixMillis,
    },
    /// Nothing acceptable and the search schedule is used up.
    WantedFailed {
        wanted_id: WantedId,
        searches: u32,
    },
    /// Tags, cover or lyrics written, skipped or failed (`outcome`).
    ArtifactRecorded {
        download_id: DownloadId,
        artifact: &'static str,
        outcome: &'static str,
        details: Value,
    },
    PlaylistSynced {
        playlist_id: String,
        name: String,
        added: usize,
    },
    NewReleasesFound {
        watch_id: WatchId,
        spotify_artist_id: String,
        releases: usize,
        tracks: usize,
    },
    BackfillCompleted {
        backfill_id: BackfillId,
        details: Value,
    },
    /// Spotify refused the refresh token: a person must connect again.
    SpotifyAuthorizationNeeded,
    WorkerRestarted {
        worker: &'static str,
        error: String,
        delay_ms: u64,
    },
    WorkerStale {
        worker: &'static str,
        heartbeat_age_seconds: Option<f64>,
        threshold_seconds: f64,
    },
    WorkersStarted {
        workers: Vec<&'static str>,
    },
    WorkersStopped {
        workers: Vec<&'static str>,
        unfinished: Vec<&'static str>,
    },
    /// Every track of an import has ended (completed, failed or cancelled).
    ImportFinished {
        import_id: i64,
        counts: Value,
    },
    /// slskd has failed every call for `NOTIFY_OUTAGE_AFTER_SEC`.
    SlskdUnreachable {
        since: UnixMillis,
        seconds: i64,
    },
    /// slskd answers again after a told outage.
    SlskdRecovered {
        outage_seconds: i64,
    },
    /// More than 3 restarts of one worker within 10 minutes.
    WorkerRestartingRepeatedly {
        worker: &'static str,
        restarts: usize,
        window_seconds: i64,
        last_error: String,
    },
    /// A notification reached its target.
    NotificationSent {
        target_id: i64,
        target: String,
        kind: &'static str,
        about: String,
        count: usize,
        message_id: String,
    },
    /// A notification was given up (a refusal, or out of attempts).
    NotificationFailed {
        target_id: i64,
        target: String,
        kind: &'static str,
        about: String,
        count: usize,
        message_id: String,
        error: String,
    },
    /// A media server was asked to rescan and accepted (issue 15).
    MediaServerRescanned {
        server: &'static str,
        found: String,
    },
    /// A media server's rescan call failed (retried while attempts remain).
    MediaServerRescanFailed {
        server: &'static str,
        state: &'static str,
        error: String,
    },
}

/// Where one transfer stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub download_id: DownloadId,
    pub progress: f64,
    pub bytes_transferred: i64,
}

/// One row of the activity feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    pub type_: &'static str,
    pub status: &'static str,
    pub details: Value,
}

fn entry(type_: &'static str, status: &'static str, details: Value) -> Option<ActivityEntry> {
    Some(ActivityEntry {
        type_,
        status,
        details,
    })
}

impl Event {
    /// A stable dotted name (`download.completed`), for metrics and subscribers.
    pub fn name(&self) -> &'static str {
        match self {
            Event::DownloadQueued { .. } => "download.queued",
            Event::DownloadsProgressed { .. } => "download.progressed",
            Event::DownloadStarted { .. } => "download.started",
            Event::DownloadFailed { .. } => "download.failed",
            Event::DownloadRetryScheduled { .. } => "download.retry_scheduled",
            Event::DownloadDeadLettered { .. } => "download.dead_lettered",
            Event::DownloadCancelled { .. } => "download.cancelled",
            Event::DownloadOrganized { .. } => "download.organized",
            Event::DownloadCompleted { .. } => "download.completed",
            Event::WantedSearched { .. } => "wanted.searched",
            Event::WantedMatched { .. } => "wanted.matched",
            Event::WantedNotFound { .. } => "wanted.not_found",
            Event::WantedFailed { .. } => "wanted.failed",
            Event::ArtifactRecorded { .. } => "artifact.recorded",
            Event::PlaylistSynced { .. } => "playlist.synced",
            Event::NewReleasesFound { .. } => "watchlist.new_releases",
            Event::BackfillCompleted { .. } => "backfill.completed",
            Event::SpotifyAuthorizationNeeded => "spotify.authorization_needed",
            Event::WorkerRestarted { .. } => "worker.restarted",
            Event::WorkerStale { .. } => "worker.stale",
            Event::WorkersStarted { .. } => "worker.started",
            Event::WorkersStopped { .. } => "worker.stopped",
            Event::ImportFinished { .. } => "import.finished",
            Event::SlskdUnreachable { .. } => "slskd.unreachable",
            Event::SlskdRecovered { .. } => "slskd.recovered",
            Event::WorkerRestartingRepeatedly { .. } => "worker.restarting_repeatedly",
            Event::NotificationSent { .. } => "notification.sent",
            Event::NotificationFailed { .. } => "notification.failed",
            Event::MediaServerRescanned { .. } => "library.media_server_rescanned",
            Event::MediaServerRescanFailed { .. } => "library.media_server_rescan_failed",
        }
    }

    /// The event's line in the activity feed, if it has one (progress has none).
    pub fn activity(&self) -> Option<ActivityEntry> {
        match self {
            Event::DownloadQueued {
                download_id,
                username,
                filename,
                by,
            } => match by {
                QueuedBy::Created => entry(
                    "download",
                    "queued",
                    json!({"download_id": download_id, "username": username, "filename": filename}),
                ),
                QueuedBy::ManualRetry => entry(
                    "download",
                    "queued",
                    json!({"download_id": download_id, "retry": "manual"}),
                ),
                QueuedBy::ScheduledRetry => None,
            },
            // Progress is for live views; the account's state shows in `/status`.
            Event::DownloadsProgressed { .. } | Event::SpotifyAuthorizationNeeded => None,
            Event::DownloadStarted { download_id } => {
                entry("download", "started", json!({"download_id": download_id}))
            }
            Event::DownloadFailed {
                download_id,
                error,
                wanted_id,
            } => {
                let mut details = json!({"download_id": download_id, "error": error});
                if let Some(wanted_id) = wanted_id {
                    details["wanted_id"] = json!(wanted_id);
                }
                entry("download", "failed", details)
            }
            Event::DownloadRetryScheduled {
                download_id,
                retry_count,
                next_retry_at,
                error,
            } => entry(
                "download",
                "retry_scheduled",
                json!({"download_id": download_id, "retry_count": retry_count,
                       "next_retry_at": to_rfc3339(*next_retry_at), "error": error}),
            ),
            Event::DownloadDeadLettered { download_id, error } => entry(
                "download",
                "dead_lettered",
                json!({"download_id": download_id, "error": error}),
            ),
            Event::DownloadCancelled { download_id } => {
                entry("download", "cancelled", json!({"download_id": download_id}))
            }
            Event::DownloadOrganized { download_id, path } => entry(
                "download",
                "organized",
                json!({"download_id": download_id, "path": path}),
            ),
            Event::DownloadCompleted {
                download_id, path, ..
            } => entry(
                "download",
                "completed",
                json!({"download_id": download_id, "path": path}),
            ),
            Event::WantedSearched {
                wanted_id,
                queries,
                candidates,
                accepted,
            } => entry(
                "matching",
                "searched",
                json!({"wanted_id": wanted_id, "queries": queries, "candidates": candidates,
                       "accepted": accepted}),
            ),
            Event::WantedMatched {
                wanted_id,
                download_id,
                username,
                filename,
                score,
            } => entry(
                "matching",
                "matched",
                json!({"wanted_id": wanted_id, "download_id": download_id, "username": username,
                       "filename": filename, "score": score}),
            ),
            Event::WantedNotFound {
                wanted_id,
                searches,
                next_search_at,
            } => entry(
                "matching",
                "not_found",
                json!({"wanted_id": wanted_id, "next_search_at": to_rfc3339(*next_search_at),
                       "searches": searches}),
            ),
            Event::WantedFailed {
                wanted_id,
                searches,
            } => entry(
                "matching",
                "not_found",
                json!({"wanted_id": wanted_id, "searches": searches, "given_up": true}),
            ),
            Event::ArtifactRecorded {
                download_id,
                artifact,
                outcome,
                details,
            } => {
                let mut details = details.clone();
                details["download_id"] = json!(download_id);
                entry(artifact, outcome, details)
            }
            Event::PlaylistSynced {
                playlist_id,
                name,
                added,
            } => entry(
                "spotify",
                "playlist_synced",
                json!({"playlist_id": playlist_id, "name": name, "added": added}),
            ),
            Event::NewReleasesFound {
                watch_id,
                spotify_artist_id,
                releases,
                tracks,
            } => entry(
                "watchlist",
                "new_releases",
                json!({"watch_id": watch_id, "spotify_artist_id": spotify_artist_id,
                       "releases": releases, "tracks": tracks}),
            ),
            Event::BackfillCompleted {
                backfill_id,
                details,
            } => {
                let mut details = details.clone();
                details["backfill_id"] = json!(backfill_id);
                entry("backfill", "completed", details)
            }
            Event::WorkerRestarted {
                worker,
                error,
                delay_ms,
            } => entry(
                "worker",
                "restarted",
                json!({"worker": worker, "error": error, "delay_ms": delay_ms}),
            ),
            Event::WorkerStale {
                worker,
                heartbeat_age_seconds,
                threshold_seconds,
            } => entry(
                "worker",
                "stale",
                json!({"worker": worker, "heartbeat_age_seconds": heartbeat_age_seconds,
                       "threshold_seconds": threshold_seconds}),
            ),
            Event::WorkersStarted { workers } => {
                entry("worker", "started", json!({"workers": workers}))
            }
            Event::WorkersStopped {
                workers,
                unfinished,
            } => entry(
                "worker",
                "stopped",
                json!({"workers": workers, "unfinished": unfinished}),
            ),
            Event::ImportFinished { import_id, counts } => entry(
                "import",
                "finished",
                json!({"import_id": import_id, "counts": counts}),
            ),
            // The connection's state shows in `/status`; the notification tells it.
            Event::SlskdUnreachable { .. } | Event::SlskdRecovered { .. } => None,
            Event::WorkerRestartingRepeatedly {
                worker,
                restarts,
                window_seconds,
                last_error,
            } => entry(
                "worker",
                "restarting_repeatedly",
                json!({"worker": worker, "restarts": restarts,
                       "window_seconds": window_seconds, "last_error": last_error}),
            ),
            Event::NotificationSent {
                target_id,
                target,
                kind,
                about,
                count,
                message_id,
            } => entry(
                "notify",
                "sent",
                json!({"target_id": target_id, "target": target, "kind": kind,
                       "event": about, "count": count, "message_id": message_id}),
            ),
            Event::NotificationFailed {
                target_id,
                target,
                kind,
                about,
                count,
                message_id,
                error,
            } => entry(
                "notify",
                "failed",
                json!({"target_id": target_id, "target": target, "kind": kind,
                       "event": about, "count": count, "message_id": message_id,
                       "error": error}),
            ),
            Event::MediaServerRescanned { server, found } => entry(
                "library",
                "media_server_rescanned",
                json!({"server": server, "found": found}),
            ),
            Event::MediaServerRescanFailed {
                server,
                state,
                error,
            } => entry(
                "library",
                "media_server_rescan_failed",
                json!({"server": server, "state": state, "error": error}),
            ),
        }
    }
}

/// Events kept for a subscriber that is behind; one that falls further
/// behind skips ahead (and learns how many it missed: the UI then refreshes
/// every part). The ring is allocated whole at start and keeps the last
/// events until they are overwritten, so it is kept small, and events travel
/// behind an `Arc` (a slot is a pointer, not a whole event): 4096 inline
/// events were 0.6 MiB resident from the start.
const BUFFERED_EVENTS: usize = 1024;

/// The one in-process broadcast of committed events.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            sender: broadcast::channel(BUFFERED_EVENTS).0,
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// Nobody listening is fine: the feed already has what matters.
    pub fn publish(&self, event: Event) {
        let _ = self.sender.send(Arc::new(event));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_activity_feed_keeps_its_shape() {
        let failed = Event::DownloadFailed {
            download_id: DownloadId(3),
            error: "refused".into(),
            wanted_id: Some(WantedId(9)),
        };
        let a = failed.activity().unwrap();
        assert_eq!((a.type_, a.status), ("download", "failed"));
        assert_eq!(
            a.details,
            json!({"download_id": 3, "error": "refused", "wanted_id": 9})
        );
        let progressed = Event::DownloadsProgressed {
            downloads: vec![Progress {
                download_id: DownloadId(3),
                progress: 10.0,
                bytes_transferred: 5,
            }],
        };
        assert!(progressed.activity().is_none());
        assert_eq!(progressed.name(), "download.progressed");
    }

    #[actix_rt::test]
    async fn subscribers_receive_what_is_published_after_they_subscribe() {
        let bus = EventBus::default();
        bus.publish(Event::DownloadStarted {
            download_id: DownloadId(1),
        });
        let mut rx = bus.subscribe();
        bus.publish(Event::DownloadStarted {
            download_id: DownloadId(2),
        });
        assert_eq!(
            *rx.recv().await.unwrap(),
            Event::DownloadStarted {
                download_id: DownloadId(2)
            }
        );
    }
}
