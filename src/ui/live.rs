//! `/ui/live`: the lifecycle's events as server-sent events, one named
//! event per kind of page part (`downloads`, `wanted`, `workers`,
//! `sources`, `activity`), at most one per kind every 300 ms, plus a `tick`
//! after 15 s without one for what changes without an event (heartbeats).
//! Pages re-fetch only the part that a kind concerns; the data itself is
//! never in the stream.

use std::collections::BTreeSet;
use std::time::Duration;

use actix_rt::time::Instant;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::future::{select, Either};
use futures_util::stream::{self, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};

use crate::api::AppState;
use crate::lifecycle::events::Event;

const TICK: Duration = Duration::from_secs(15);
/// A kind is announced at most this often: a burst of events (a poll every
/// 50 ms, a playlist of 300 tracks) becomes one refresh, the last state
/// included.
const FLUSH: Duration = Duration::from_millis(300);
const TOPICS: [&str; 5] = ["downloads", "wanted", "workers", "sources", "activity"];

/// The part kind an event concerns, from its dotted name.
pub fn topic(event_name: &str) -> &'static str {
    match event_name.split('.').next().unwrap_or("") {
        "download" | "downloads" | "artifact" => "downloads",
        "wanted" => "wanted",
        "worker" | "workers" | "slskd" => "workers",
        _ => "sources",
    }
}

/// The kinds one event makes out of date: its own, and `activity` when it
/// has a line in the feed.
fn topics_of(event: &Event) -> impl Iterator<Item = &'static str> {
    let activity = event.activity().is_some().then_some("activity");
    std::iter::once(topic(event.name())).chain(activity)
}

fn message(name: &str) -> String {
    format!("event: {name}\ndata: {name}\n\n")
}

/// One connection's state: what changed since the last flush, and when the
/// next flush and tick are due.
struct Live {
    rx: broadcast::Receiver<std::sync::Arc<Event>>,
    dirty: BTreeSet<&'static str>,
    flush_at: Option<Instant>,
    tick_at: Instant,
}

impl Live {
    /// The next bytes to send; `None` when the broadcast has closed.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            let due = self.flush_at.unwrap_or(self.tick_at).min(self.tick_at);
            let timer = Box::pin(actix_rt::time::sleep_until(due));
            let received = {
                let recv = Box::pin(self.rx.recv());
                match select(recv, timer).await {
                    Either::Left((received, _)) => Some(received),
                    Either::Right(((), _)) => None,
                }
            };
            match received {
                Some(Ok(event)) => self.mark(topics_of(&event)),
                // Fell behind: every part refreshes once instead.
                Some(Err(RecvError::Lagged(_))) => self.mark(TOPICS.into_iter()),
                Some(Err(RecvError::Closed)) => return None,
                None => return Some(self.flush()),
            }
        }
    }

    fn mark(&mut self, topics: impl Iterator<Item = &'static str>) {
        self.dirty.extend(topics);
        if self.flush_at.is_none() {
            self.flush_at = Some(Instant::now() + FLUSH);
        }
    }

    fn flush(&mut self) -> Bytes {
        self.flush_at = None;
        self.tick_at = Instant::now() + TICK;
        if self.dirty.is_empty() {
            return Bytes::from(message("tick"));
        }
        let out: String = self.dirty.iter().map(|t| message(t)).collect();
        self.dirty.clear();
        Bytes::from(out)
    }
}

pub async fn stream(state: web::Data<AppState>) -> HttpResponse {
    let live = Live {
        rx: state.lifecycle.events().subscribe(),
        dirty: BTreeSet::new(),
        flush_at: None,
        tick_at: Instant::now() + TICK,
    };
    let updates = stream::unfold(live, |mut live| async move {
        live.next().await.map(|bytes| (bytes, live))
    });
    // The first bytes open the stream at once (and set the reconnect delay).
    let opening = stream::once(async { Bytes::from_static(b"retry: 3000\n\n") });
    let body = opening.chain(updates).map(Ok::<Bytes, actix_web::Error>);
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_goes_to_the_part_it_concerns() {
        assert_eq!(topic("download.progressed"), "downloads");
        assert_eq!(topic("artifact.recorded"), "downloads");
        assert_eq!(topic("wanted.matched"), "wanted");
        assert_eq!(topic("worker.restarted"), "workers");
        assert_eq!(topic("playlist.synced"), "sources");
        assert_eq!(topic("import.finished"), "sources");
    }
}
