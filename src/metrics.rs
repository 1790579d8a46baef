//! Counters behind `/metrics`, shared by the HTTP layer and the workers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How a request to slskd ended, as counted in `harmony_slskd_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    ClientError,
    ServerError,
    NetworkError,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::ClientError,
        Outcome::ServerError,
        Outcome::NetworkError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::ClientError => "client_error",
            Outcome::ServerError => "server_error",
            Outcome::NetworkError => "network_error",
        }
    }

    pub fn from_status(status: u16) -> Outcome {
        match status {
            500.. => Outcome::ServerError,
            400..=499 => Outcome::ClientError,
            _ => Outcome::Ok,
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    http_requests: Mutex<BTreeMap<u16, u64>>,
    slskd_requests: [AtomicU64; 4],
    searches: AtomicU64,
    /// Announced events by name (a subscriber of the event broadcast).
    events: Mutex<BTreeMap<&'static str, u64>>,
    /// Notification attempts by target kind and outcome (`sent`, `retried`, `failed`).
    notifications: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    /// The library index and the media servers (issue 15).
    pub library: crate::metrics_library::LibraryMetrics,
}

impl Metrics {
    pub fn http_request(&self, status: u16) {
        if let Ok(mut map) = self.http_requests.lock() {
            *map.entry(status).or_default() += 1;
        }
    }

    pub fn http_requests(&self) -> BTreeMap<u16, u64> {
        self.http_requests
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    pub fn slskd_request(&self, outcome: Outcome) {
        self.slskd_requests[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn slskd_requests(&self, outcome: Outcome) -> u64 {
        self.slskd_requests[outcome as usize].load(Ordering::Relaxed)
    }

    pub fn search(&self) {
        self.searches.fetch_add(1, Ordering::Relaxed);
    }

    pub fn searches(&self) -> u64 {
        self.searches.load(Ordering::Relaxed)
    }

    pub fn event(&self, name: &'static str) {
        if let Ok(mut map) = self.events.lock() {
            *map.entry(name).or_default() += 1;
        }
    }

    pub fn events(&self) -> BTreeMap<&'static str, u64> {
        self.events.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Outcomes of a notification attempt, as `harmony_notifications_total` counts them.
pub const NOTIFY_OUTCOMES: [&str; 3] = ["sent", "retried", "failed"];

impl Metrics {
    pub fn notification(&self, kind: &'static str, outcome: &'static str) {
        if let Ok(mut map) = self.notifications.lock() {
            *map.entry((kind, outcome)).or_default() += 1;
        }
    }

    pub fn notifications(&self, kind: &str, outcome: &str) -> u64 {
        self.notifications
            .lock()
            .ok()
            .and_then(|m| {
                m.iter()
                    .find(|((k, o), _)| *k == kind && *o == outcome)
                    .map(|(_, n)| *n)
            })
            .unwrap_or(0)
    }
}
