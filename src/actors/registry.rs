//! The `WorkerRegistry`: what every worker last reported, kept in memory so
//! `GET /status` never touches the database or the network.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use actix::prelude::*;

use crate::domain::notify::outage::{OutageNews, OutageWatch};
use crate::domain::time::{now_millis, UnixMillis};
use crate::domain::workers::name::WorkerName;
use crate::domain::workers::state::{derive_state, WorkerState};
use crate::lifecycle::{Event, Lifecycle};

pub use crate::domain::connections::state::ConnectionState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Slskd,
    Spotify,
    /// A media server of the library worker (issue 15).
    Media(crate::domain::library::media_server::MediaServer),
}

#[derive(Debug, Clone, Default)]
struct Entry {
    enabled: bool,
    alive: bool,
    generation: u64,
    last_heartbeat: Option<(Instant, UnixMillis)>,
    queue_size: Option<u64>,
    restarts: u32,
    last_error: Option<String>,
    stale_reported: bool,
}

/// One worker as `/status` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerReport {
    pub name: WorkerName,
    pub state: WorkerState,
    pub enabled: bool,
    pub last_heartbeat: Option<UnixMillis>,
    pub queue_size: Option<u64>,
    pub restarts: u32,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct StatusReport {
    pub uptime: Duration,
    pub workers: Vec<WorkerReport>,
    pub slskd: ConnectionState,
    pub spotify: ConnectionState,
    /// navidrome, jellyfin, plex (in `MediaServer::ALL` order).
    pub media_servers: [ConnectionState; 3],
    /// `false` when workers are disabled on purpose.
    pub workers_enabled: bool,
}

impl StatusReport {
    /// Degraded when any enabled worker is not running.
    pub fn degraded(&self) -> bool {
        self.workers
            .iter()
            .any(|w| w.enabled && w.state != WorkerState::Running)
    }
}

pub struct WorkerRegistry {
    entries: BTreeMap<WorkerName, Entry>,
    started: Instant,
    stale_after: Duration,
    slskd: ConnectionState,
    spotify: ConnectionState,
    media_servers: [ConnectionState; 3],
    workers_enabled: bool,
    lifecycle: Lifecycle,
    /// slskd outages worth telling (`NOTIFY_OUTAGE_AFTER_SEC`).
    slskd_outage: OutageWatch,
    outage_after_ms: i64,
}

impl WorkerRegistry {
    /// slskd failing this long is announced (`slskd.unreachable`).
    pub fn with_outage_after(mut self, after: Duration) -> Self {
        self.outage_after_ms = i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
        self
    }

    pub fn new(
        enabled: &[WorkerName],
        workers_enabled: bool,
        stale_after: Duration,
        initial: (ConnectionState, ConnectionState),
        lifecycle: Lifecycle,
    ) -> Self {
        let entries = WorkerName::ALL
            .into_iter()
            .map(|name| {
                (
                    name,
                    Entry {
                        enabled: enabled.contains(&name),
                        ..Entry::default()
                    },
                )
            })
            .collect();
        WorkerRegistry {
            entries,
            started: Instant::now(),
            stale_after,
            slskd: initial.0,
            spotify: initial.1,
            media_servers: [ConnectionState::Unconfigured; 3],
            workers_enabled,
            lifecycle,
            slskd_outage: OutageWatch::default(),
            outage_after_ms: 600_000,
        }
    }

    fn report(&self) -> StatusReport {
        let now = Instant::now();
        let workers = self
            .entries
            .iter()
            .map(|(&name, e)| WorkerReport {
                name,
                state: self.state_of(e, now),
                enabled: e.enabled,
                last_heartbeat: e.last_heartbeat.map(|(_, wall)| wall),
                queue_size: if e.enabled { e.queue_size } else { None },
                restarts: e.restarts,
                last_error: e.last_error.clone(),
            })
            .collect();
        StatusReport {
            uptime: self.started.elapsed(),
            workers,
            slskd: self.slskd,
            spotify: self.spotify,
            media_servers: self.media_servers,
            workers_enabled: self.workers_enabled,
        }
    }

    fn state_of(&self, e: &Entry, now: Instant) -> WorkerState {
        let age = e
            .last_heartbeat
            .map(|(at, _)| now.saturating_duration_since(at));
        derive_state(e.enabled, e.alive, age, self.stale_after)
    }

    /// Writes one `worker/stale` event per stale episode (never from `/status`).
    fn watch_for_stale(&mut self) {
        let now = Instant::now();
        let mut newly_stale = Vec::new();
        for (&name, e) in &self.entries {
            let stale = self.state_of(e, now) == WorkerState::Stale;
            if stale && !e.stale_reported {
                newly_stale.push((
                    name,
                    e.last_heartbeat
                        .map(|(at, _)| now.saturating_duration_since(at)),
                ));
            }
        }
        for (name, age) in newly_stale {
            if let Some(e) = self.entries.get_mut(&name) {
                e.stale_reported = true;
            }
            let seconds = age.map(|a| a.as_secs_f64());
            tracing::warn!(worker = %name, heartbeat_age_sec = ?seconds, "worker is stale");
            self.lifecycle.spawn_announce(Event::WorkerStale {
                worker: name.as_str(),
                heartbeat_age_seconds: seconds,
                threshold_seconds: self.stale_after.as_secs_f64(),
            });
        }
    }

    fn entry(&mut self, name: WorkerName, generation: u64) -> Option<&mut Entry> {
        self.entries
            .get_mut(&name)
            .filter(|e| e.generation == generation)
    }
}

impl Actor for WorkerRegistry {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(1024);
        let every = (self.stale_after / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
        ctx.run_interval(every, |act, _| act.watch_for_stale());
    }
}

/// A worker (re)started; `generation` tells its lives apart.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WorkerStarted {
    pub name: WorkerName,
    pub generation: u64,
}

impl Handler<WorkerStarted> for WorkerRegistry {
    type Result = ();
    fn handle(&mut self, msg: WorkerStarted, _: &mut Self::Context) {
        if let Some(e) = self.entries.get_mut(&msg.name) {
            e.alive = true;
            e.generation = msg.generation;
            e.last_heartbeat = Some((Instant::now(), now_millis()));
            e.stale_reported = false;
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct Heartbeat {
    pub name: WorkerName,
    pub generation: u64,
}

impl Handler<Heartbeat> for WorkerRegistry {
    type Result = ();
    fn handle(&mut self, msg: Heartbeat, _: &mut Self::Context) {
        if let Some(e) = self.entry(msg.name, msg.generation) {
            e.last_heartbeat = Some((Instant::now(), now_millis()));
            e.stale_reported = false;
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct QueueSize {
    pub name: WorkerName,
    pub generation: u64,
    pub size: Option<u64>,
}

impl Handler<QueueSize> for WorkerRegistry {
    type Result = ();
    fn handle(&mut self, msg: QueueSize, _: &mut Self::Context) {
        if let Some(e) = self.entry(msg.name, msg.generation) {
            e.queue_size = msg.size;
        }
    }
}

/// The worker of this generation is gone; `error` is why, when it failed.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WorkerStopped {
    pub name: WorkerName,
    pub generation: u64,
    pub error: Option<String>,
}

impl Handler<WorkerStopped> for WorkerRegistry {
    type Result = ();
    fn handle(&mut self, msg: WorkerStopped, _: &mut Self::Context) {
        if let Some(e) = self.entries.get_mut(&msg.name) {
            if e.generation <= msg.generation {
                e.alive = false;
            }
            if msg.error.is_some() {
                e.last_error = msg.error;
            }
        }
    }
}

/// The supervisor started a new life of a failed worker.
#[derive(Message)]
#[rtype(result = "()")]
pub struct WorkerRestarted {
    pub name: WorkerName,
}

impl Handler<WorkerRestarted> for WorkerRegistry {
    type Result = ();
    fn handle(&mut self, msg: WorkerRestarted, _: &mut Self::Context) {
        if let Some(e) = self.entries.get_mut(&msg.name) {
            e.restarts += 1;
        }
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct ConnectionObserved {
    pub service: Service,
    pub state: ConnectionState,
}

impl Handler<ConnectionObserved> for WorkerRegistry {
    type Result = ();
    fn handle(&mut self, msg: ConnectionObserved, _: &mut Self::Context) {
        match msg.service {
            Service::Slskd => {
                self.slskd = msg.state;
                let news = self
                    .slskd_outage
                    .observe(msg.state, now_millis(), self.outage_after_ms);
                match news {
                    Some(OutageNews::Unreachable { since, seconds }) => self
                        .lifecycle
                        .spawn_announce(Event::SlskdUnreachable { since, seconds }),
                    Some(OutageNews::Recovered { outage_seconds }) => self
                        .lifecycle
                        .spawn_announce(Event::SlskdRecovered { outage_seconds }),
                    None => {}
                }
            }
            Service::Spotify => self.spotify = msg.state,
            Service::Media(server) => self.media_servers[server as usize] = msg.state,
        }
    }
}

#[derive(Message)]
#[rtype(result = "StatusReport")]
pub struct GetStatus;

impl Handler<GetStatus> for WorkerRegistry {
    type Result = MessageResult<GetStatus>;
    fn handle(&mut self, _: GetStatus, _: &mut Self::Context) -> Self::Result {
        MessageResult(self.report())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn reports_follow_the_messages() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::Db::open(&dir.path().join("h.db")).unwrap();
        let registry = WorkerRegistry::new(
            &[WorkerName::Sync, WorkerName::Matching],
            true,
            Duration::from_millis(200),
            (ConnectionState::Unreachable, ConnectionState::Unconfigured),
            Lifecycle::without_workers(db),
        )
        .start();
        let status = registry.send(GetStatus).await.unwrap();
        assert!(status.degraded());
        let sync = |s: &StatusReport| {
            s.workers
                .iter()
                .find(|w| w.name == WorkerName::Sync)
                .cloned()
                .unwrap()
        };
        assert_eq!(sync(&status).state, WorkerState::Unavailable);

        registry.do_send(WorkerStarted {
            name: WorkerName::Sync,
            generation: 1,
        });
        registry.do_send(QueueSize {
            name: WorkerName::Sync,
            generation: 1,
            size: Some(3),
        });
        // A late report from an older life changes nothing.
        registry.do_send(QueueSize {
            name: WorkerName::Sync,
            generation: 0,
            size: Some(99),
        });
        let status = registry.send(GetStatus).await.unwrap();
        assert_eq!(sync(&status).state, WorkerState::Running);
        assert_eq!(sync(&status).queue_size, Some(3));

        actix_rt::time::sleep(Duration::from_millis(250)).await;
        let status = registry.send(GetStatus).await.unwrap();
        assert_eq!(sync(&status).state, WorkerState::Stale);
        registry.do_send(Heartbeat {
            name: WorkerName::Sync,
            generation: 1,
        });
        let status = registry.send(GetStatus).await.unwrap();
        assert_eq!(sync(&status).state, WorkerState::Running);

        registry.do_send(WorkerStopped {
            name: WorkerName::Sync,
            generation: 1,
            error: Some("boom".into()),
        });
        registry.do_send(WorkerRestarted {
            name: WorkerName::Sync,
        });
        let status = registry.send(GetStatus).await.unwrap();
        let s = sync(&status);
        assert_eq!(
            (s.state, s.restarts, s.last_error.as_deref()),
            (WorkerState::Unavailable, 1, Some("boom"))
        );

        let disabled = status
            .workers
            .iter()
            .find(|w| w.name == WorkerName::Lyrics)
            .unwrap();
        assert_eq!((disabled.enabled, disabled.queue_size), (false, None));
    }
}
