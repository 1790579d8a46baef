//! `/ui/live`: the lifecycle's events as server-sent events, one named
//! event per kind of page part (`downloads`, `wanted`, `workers`,
//! `sources`, `activity`), plus a `tick` every 15 s for what changes
//! without an event (heartbeats). Pages re-fetch only the part that a kind
//! concerns; the data itself is never in the stream.

use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use futures_util::stream::{self, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use crate::api::AppState;
use crate::lifecycle::events::Event;

const TICK: Duration = Duration::from_secs(15);
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

fn message(name: &str, data: &str) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

/// What one event is sent as: its kind, and `activity` when it has a line
/// in the feed.
fn messages(event: &Event) -> Bytes {
    let name = event.name();
    let mut out = String::new();
    out.push_str(&format!("event: {}\ndata: {name}\n\n", topic(name)));
    if event.activity().is_some() {
        out.push_str(&format!("event: activity\ndata: {name}\n\n"));
    }
    Bytes::from(out)
}

pub async fn stream(state: web::Data<AppState>) -> HttpResponse {
    let receiver = state.lifecycle.events().subscribe();
    let events = stream::unfold(receiver, |mut rx| async move {
        match rx.recv().await {
            Ok(event) => Some((messages(&event), rx)),
            // Fell behind: every part refreshes once instead.
            Err(RecvError::Lagged(_)) => {
                let all: Vec<Bytes> = TOPICS.iter().map(|t| message(t, "resync")).collect();
                Some((Bytes::from(all.concat()), rx))
            }
            Err(RecvError::Closed) => None,
        }
    });
    let ticks = stream::unfold((), |()| async {
        actix_rt::time::sleep(TICK).await;
        Some((message("tick", "tick"), ()))
    });
    // The first bytes open the stream at once (and set the reconnect delay).
    let opening = stream::once(async { Bytes::from_static(b"retry: 3000\n\n") });
    let body = opening
        .chain(stream::select(events, ticks))
        .map(Ok::<Bytes, actix_web::Error>);
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
