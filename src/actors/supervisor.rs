//! The `WorkerSupervisor`: starts the workers on one arbiter (thread) of their
//! own, and restarts one that fails — a fatal error or a panic — after a delay
//! that grows while it keeps failing. Other workers are not touched.
//!
//! One thread is enough: a worker's thread only routes messages and timers —
//! database, file and CPU work runs on the blocking pool — and a panic ends
//! only the task of the actor that panicked, not the thread. A thread and a
//! runtime per worker cost memory and bought nothing.
//!
//! actix's own `Supervisor` restarts only actors that stop themselves; a panic
//! leaves a dead address behind. So this supervisor learns of every exit from
//! the worker (`WorkerExited`) and also watches addresses, in case an exit
//! notice is lost in a panic.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::directory::WorkerControl;
use super::logic::{WorkerEnv, WorkerLogic};
use super::panic_capture::{bind_current_thread, PanicSlot};
use super::registry::{WorkerRestarted, WorkerStopped};
use super::worker::{WorkerActor, WorkerExited};
use crate::actors::services::Services;
use crate::domain::notify::restarts::{RestartWatch, WINDOW_MS};
use crate::domain::time::now_millis;
use crate::domain::workers::backoff::doubling_delay;
use crate::domain::workers::name::WorkerName;
use crate::lifecycle::Event;

const WATCH_EVERY: Duration = Duration::from_millis(250);

/// Starts one life of a worker on the given arbiter.
pub type SpawnWorker = Box<
    dyn Fn(&ArbiterHandle, WorkerEnv, u64, Recipient<WorkerExited>) -> Recipient<WorkerControl>
        + Send,
>;

/// A [`SpawnWorker`] for a logic type; `factory` builds a fresh logic for each
/// life, on the worker's own thread.
pub fn spawner<L, F>(factory: F) -> SpawnWorker
where
    L: WorkerLogic,
    F: Fn() -> L + Send + Sync + 'static,
{
    let factory = Arc::new(factory);
    Box::new(move |arbiter, env, generation, exits| {
        let factory = Arc::clone(&factory);
        let addr = WorkerActor::start_in_arbiter(arbiter, move |_| {
            WorkerActor::new(factory(), env, generation, exits)
        });
        addr.recipient()
    })
}

struct Slot {
    spawn: SpawnWorker,
    generation: u64,
    current: Option<Recipient<WorkerControl>>,
    failures: u32,
    started_at: Instant,
    restart_pending: bool,
    /// Restarts in the last ten minutes, for `worker.restarting_repeatedly`.
    storm: RestartWatch,
}

pub struct WorkerSupervisor {
    slots: BTreeMap<WorkerName, Slot>,
    deps: Services,
    /// The workers' thread.
    arbiter: Arbiter,
    /// The last panic message on that thread: one thread runs one actor at a
    /// time, so it belongs to the worker whose failure is reported next.
    panic_slot: PanicSlot,
    shutting_down: bool,
}

impl WorkerSupervisor {
    pub fn new(workers: Vec<(WorkerName, SpawnWorker)>, deps: Services) -> Self {
        let arbiter = Arbiter::new();
        let panic_slot = PanicSlot::default();
        let bound = panic_slot.clone();
        arbiter.spawn_fn(move || bind_current_thread(bound));
        let slots = workers
            .into_iter()
            .map(|(name, spawn)| {
                let slot = Slot {
                    spawn,
                    generation: 0,
                    current: None,
                    failures: 0,
                    started_at: Instant::now(),
                    restart_pending: false,
                    storm: RestartWatch::default(),
                };
                (name, slot)
            })
            .collect();
        WorkerSupervisor {
            slots,
            deps,
            arbiter,
            panic_slot,
            shutting_down: false,
        }
    }

    fn spawn(&mut self, name: WorkerName, ctx: &mut Context<Self>) {
        let exits = ctx.address().recipient();
        let deps = self.deps.clone();
        let Some(slot) = self.slots.get_mut(&name) else {
            return;
        };
        slot.generation += 1;
        let env = WorkerEnv {
            name,
            services: deps.clone(),
        };
        let recipient = (slot.spawn)(&self.arbiter.handle(), env, slot.generation, exits);
        deps.directory.set(name, recipient.clone());
        slot.current = Some(recipient);
        slot.started_at = Instant::now();
        slot.restart_pending = false;
    }

    fn on_failure(&mut self, name: WorkerName, failure: String, ctx: &mut Context<Self>) {
        let config = self.deps.config.current();
        let Some(slot) = self.slots.get_mut(&name) else {
            return;
        };
        // The panic hook kept the real message; prefer it to a generic one.
        let error = match self.panic_slot.take() {
            Some(message) if !failure.starts_with("panic: ") => format!("panic: {message}"),
            _ => failure,
        };
        slot.restart_pending = true;
        slot.current = None;
        self.deps.directory.remove(name);
        // A worker that ran well for a while starts its backoff again from the beginning.
        slot.failures = if slot.started_at.elapsed() >= config.worker_restart_max {
            1
        } else {
            slot.failures + 1
        };
        let delay = doubling_delay(
            slot.failures,
            config.worker_restart_base,
            config.worker_restart_max,
        );
        tracing::error!(worker = %name, error = %error, restart_in_ms = delay.as_millis() as u64, "worker failed");
        self.deps.registry.do_send(WorkerStopped {
            name,
            generation: slot.generation,
            error: Some(error.clone()),
        });
        ctx.run_later(delay, move |act, ctx| act.restart(name, error, delay, ctx));
    }

    fn restart(
        &mut self,
        name: WorkerName,
        error: String,
        delay: Duration,
        ctx: &mut Context<Self>,
    ) {
        if self.shutting_down {
            return;
        }
        self.spawn(name, ctx);
        self.deps.registry.do_send(WorkerRestarted { name });
        tracing::warn!(worker = %name, "worker restarted");
        self.deps.lifecycle.spawn_announce(Event::WorkerRestarted {
            worker: name.as_str(),
            error: error.to_string(),
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        });
        let storm = self
            .slots
            .get_mut(&name)
            .and_then(|slot| slot.storm.restarted(now_millis()));
        if let Some(restarts) = storm {
            self.deps
                .lifecycle
                .spawn_announce(Event::WorkerRestartingRepeatedly {
                    worker: name.as_str(),
                    restarts,
                    window_seconds: WINDOW_MS / 1000,
                    last_error: error.to_string(),
                });
        }
    }

    /// Catches deaths whose exit notice never came.
    fn watch(&mut self, ctx: &mut Context<Self>) {
        if self.shutting_down {
            return;
        }
        let dead: Vec<WorkerName> = self
            .slots
            .iter()
            .filter(|(_, s)| {
                !s.restart_pending && s.current.as_ref().is_some_and(|r| !r.connected())
            })
            .map(|(&name, _)| name)
            .collect();
        for name in dead {
            self.on_failure(name, "worker died".to_string(), ctx);
        }
    }
}

impl Actor for WorkerSupervisor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        let names: Vec<WorkerName> = self.slots.keys().copied().collect();
        for &name in &names {
            self.spawn(name, ctx);
        }
        let workers = names.iter().map(|n| n.as_str()).collect();
        self.deps
            .lifecycle
            .spawn_announce(Event::WorkersStarted { workers });
        ctx.run_interval(WATCH_EVERY, |act, ctx| act.watch(ctx));
    }
}

impl Handler<WorkerExited> for WorkerSupervisor {
    type Result = ();

    fn handle(&mut self, msg: WorkerExited, ctx: &mut Self::Context) {
        if self.shutting_down {
            return;
        }
        let current = self
            .slots
            .get(&msg.name)
            .is_some_and(|s| s.generation == msg.generation && !s.restart_pending);
        if !current {
            return;
        }
        let failure = msg.failure.unwrap_or_else(|| "worker stopped".to_string());
        self.on_failure(msg.name, failure, ctx);
    }
}

/// Drains every worker, waiting at most `grace`; answers the workers that did
/// not finish in time.
#[derive(Message)]
#[rtype(result = "Vec<WorkerName>")]
pub struct ShutdownWorkers {
    pub grace: Duration,
}

impl Handler<ShutdownWorkers> for WorkerSupervisor {
    type Result = ResponseActFuture<Self, Vec<WorkerName>>;

    fn handle(&mut self, msg: ShutdownWorkers, _: &mut Self::Context) -> Self::Result {
        self.shutting_down = true;
        let running: Vec<(WorkerName, Recipient<WorkerControl>)> = self
            .slots
            .iter()
            .filter_map(|(&name, s)| s.current.clone().map(|r| (name, r)))
            .collect();
        for (_, r) in &running {
            r.do_send(WorkerControl::Drain);
        }
        let lifecycle = self.deps.lifecycle.clone();
        let deadline = Instant::now() + msg.grace;
        let wait = async move {
            while Instant::now() < deadline && running.iter().any(|(_, r)| r.connected()) {
                actix_rt::time::sleep(Duration::from_millis(20)).await;
            }
            let late: Vec<WorkerName> = running
                .iter()
                .filter(|(_, r)| r.connected())
                .map(|(name, _)| *name)
                .collect();
            let stopped = Event::WorkersStopped {
                workers: running.iter().map(|(n, _)| n.as_str()).collect(),
                unfinished: late.iter().map(|n| n.as_str()).collect(),
            };
            if let Err(e) = lifecycle.announce(stopped).await {
                tracing::warn!(error = %e, "could not record the shutdown");
            }
            late
        };
        Box::pin(wait.into_actor(self).map(|late, act, _| {
            act.arbiter.stop();
            late
        }))
    }
}
