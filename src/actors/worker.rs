//! The actor every worker runs in: heartbeats, claims its jobs from
//! `worker_jobs`, runs its periodic work, and tells the supervisor when it
//! stops and why.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use actix::prelude::*;
use futures_util::FutureExt;

use super::directory::WorkerControl;
use super::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use super::panic_capture::payload_message;
use super::registry::{Heartbeat, QueueSize, WorkerStarted, WorkerStopped};
use crate::db::jobs::{self, Claim, JobRow};
use crate::db::DbError;
use crate::domain::time::now_millis;
use crate::domain::workers::name::WorkerName;
use crate::jobs::decode;

/// Sent to the supervisor when a worker's actor stops.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct WorkerExited {
    pub name: WorkerName,
    pub generation: u64,
    /// `None` after a requested drain; otherwise why it stopped.
    pub failure: Option<String>,
}

/// A claim that failed on the database is tried again after this long.
const CLAIM_RETRY: Duration = Duration::from_secs(1);

pub struct WorkerActor<L: WorkerLogic> {
    logic: L,
    env: WorkerEnv,
    generation: u64,
    exits: Recipient<WorkerExited>,
    in_flight: usize,
    claiming: bool,
    claim_again: bool,
    recovered: bool,
    ticking: bool,
    /// Asked to run while running: run once more right after (a `RunNow`
    /// must not be lost, e.g. a playlist marked for sync during a sync).
    tick_again: bool,
    draining: bool,
    fatal: Option<String>,
    wake_timer: Option<SpawnHandle>,
    tick_timer: Option<SpawnHandle>,
    /// When `tick_timer` fires.
    tick_due: Option<Instant>,
}

impl<L: WorkerLogic> WorkerActor<L> {
    pub fn new(logic: L, env: WorkerEnv, generation: u64, exits: Recipient<WorkerExited>) -> Self {
        WorkerActor {
            logic,
            env,
            generation,
            exits,
            in_flight: 0,
            claiming: false,
            claim_again: false,
            recovered: false,
            ticking: false,
            tick_again: false,
            draining: false,
            fatal: None,
            wake_timer: None,
            tick_timer: None,
            tick_due: None,
        }
    }

    fn name(&self) -> WorkerName {
        self.env.name
    }

    fn heartbeat(&self) {
        self.env.registry.do_send(Heartbeat {
            name: self.name(),
            generation: self.generation,
        });
    }

    fn report_queue_size(&self, ctx: &mut Context<Self>) {
        let fut = self.logic.queue_size(&self.env);
        ctx.spawn(fut.into_actor(self).map(|res, act, _| match res {
            Ok(size) => act.env.registry.do_send(QueueSize {
                name: act.name(),
                generation: act.generation,
                size,
            }),
            Err(e) => tracing::warn!(worker = %act.name(), error = %e, "could not count the queue"),
        }));
    }

    /// Jobs a previous life left `running` are queued again before anything is claimed.
    fn recover(&mut self, ctx: &mut Context<Self>) {
        let (db, name) = (self.env.db.clone(), self.name());
        let fut = async move {
            db.write(move |c| jobs::recover_abandoned(c, name.as_str(), now_millis()))
                .await
        };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| match res {
            Ok((requeued, given_up)) => {
                if requeued + given_up > 0 {
                    tracing::info!(worker = %act.name(), requeued, given_up, "recovered unfinished jobs");
                }
                act.recovered = true;
                act.fill(ctx);
                act.report_queue_size(ctx);
            }
            Err(e) => {
                tracing::warn!(worker = %act.name(), error = %e, "could not recover unfinished jobs; retrying");
                ctx.run_later(CLAIM_RETRY, |act, ctx| act.recover(ctx));
            }
        }));
    }

    /// Claims jobs until the concurrency limit is reached or nothing is due.
    fn fill(&mut self, ctx: &mut Context<Self>) {
        if self.draining || self.fatal.is_some() || !self.recovered {
            return;
        }
        if self.claiming {
            self.claim_again = true;
            return;
        }
        let limit = self.logic.concurrency(&self.env.config.current()).max(1);
        if self.in_flight >= limit {
            return;
        }
        self.claiming = true;
        self.claim_again = false;
        let (db, name) = (self.env.db.clone(), self.name());
        let fut = async move {
            db.write(move |c| jobs::claim_next(c, name.as_str(), now_millis()))
                .await
        };
        ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
            act.claiming = false;
            match res {
                // Claimed just before a drain: the row says running, so finish it.
                Ok(Claim::Job(row)) => {
                    act.start_job(row, ctx);
                    act.fill(ctx);
                }
                Ok(Claim::Idle { .. }) | Err(_) if act.draining => {
                    if act.idle() {
                        ctx.stop();
                    }
                }
                Ok(Claim::Idle { next_run_at }) => {
                    if act.claim_again {
                        act.fill(ctx);
                    } else if let Some(at) = next_run_at {
                        act.wake_at(at, ctx);
                    }
                }
                Err(e) => {
                    tracing::warn!(worker = %act.name(), error = %e, "could not claim a job; retrying");
                    ctx.run_later(CLAIM_RETRY, |act, ctx| act.fill(ctx));
                }
            }
        }));
    }

    fn wake_at(&mut self, at_millis: i64, ctx: &mut Context<Self>) {
        if let Some(timer) = self.wake_timer.take() {
            ctx.cancel_future(timer);
        }
        let wait = u64::try_from(at_millis.saturating_sub(now_millis())).unwrap_or(0);
        self.wake_timer = Some(ctx.run_later(Duration::from_millis(wait), |act, ctx| {
            act.wake_timer = None;
            act.fill(ctx);
        }));
    }

    fn start_job(&mut self, row: JobRow, ctx: &mut Context<Self>) {
        self.in_flight += 1;
        let meta = JobMeta {
            id: row.id,
            attempt: u32::try_from(row.attempts.max(1)).unwrap_or(1),
            max_attempts: u32::try_from(row.max_attempts.max(1)).unwrap_or(1),
        };
        let (work, job): (WorkFuture<Result<(), JobError>>, _) = match decode::<L::Job>(
            &row.kind,
            &row.payload,
        ) {
            Ok(job) => {
                tracing::debug!(worker = %self.name(), job = meta.id, kind = %row.kind, attempt = meta.attempt, "job started");
                let work = guarded(self.logic.run_job(&self.env, job.clone(), meta));
                (work, Some(job))
            }
            Err(e) => {
                let work: WorkFuture<_> =
                    Box::pin(async move { Err(JobError::Permanent(e.to_string())) });
                (work, None)
            }
        };
        ctx.spawn(work.into_actor(self).map(move |result, act, ctx| {
            act.finish_job(meta, job.as_ref(), result, ctx);
        }));
    }

    fn finish_job(
        &mut self,
        meta: JobMeta,
        job: Option<&L::Job>,
        result: Result<(), JobError>,
        ctx: &mut Context<Self>,
    ) {
        let name = self.name();
        let JobMeta {
            id,
            attempt,
            max_attempts,
        } = meta;
        let retry_at = match (&result, job) {
            (Err(JobError::Retry(_) | JobError::Fatal(_)), Some(job)) if attempt < max_attempts => {
                let delay = self.logic.retry_delay(job, attempt);
                Some(
                    now_millis()
                        .saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)),
                )
            }
            _ => None,
        };
        if let Err(e) = &result {
            tracing::warn!(worker = %name, job = id, attempt, error = %e, retry = retry_at.is_some(), "job failed");
        }
        if let Err(JobError::Fatal(message)) = &result {
            self.fatal = Some(message.clone());
        }
        let db = self.env.db.clone();
        let record = async move {
            db.write(move |c| {
                let now = now_millis();
                match &result {
                    Ok(()) => jobs::complete(c, id, now),
                    Err(e) => jobs::fail(c, id, &e.to_string(), retry_at, now),
                }
            })
            .await
        };
        ctx.spawn(record.into_actor(self).map(move |res: Result<(), DbError>, act, ctx| {
            act.in_flight = act.in_flight.saturating_sub(1);
            if let Err(e) = res {
                // The row stays `running`; it is recovered when the worker next starts.
                tracing::error!(worker = %act.name(), job = id, error = %e, "could not record the job's outcome");
            }
            act.report_queue_size(ctx);
            if act.fatal.is_some() || (act.draining && act.idle()) {
                ctx.stop();
            } else {
                act.fill(ctx);
            }
        }));
    }

    fn run_tick(&mut self, ctx: &mut Context<Self>) {
        if self.ticking {
            self.tick_again = true;
            return;
        }
        if self.draining || self.fatal.is_some() {
            return;
        }
        if let Some(timer) = self.tick_timer.take() {
            ctx.cancel_future(timer);
        }
        self.tick_due = None;
        self.ticking = true;
        let work = guarded(self.logic.tick(&self.env));
        ctx.spawn(work.into_actor(self).map(|result, act, ctx| {
            act.ticking = false;
            match result {
                Ok(()) => {}
                Err(JobError::Fatal(message)) => {
                    tracing::error!(worker = %act.name(), error = %message, "periodic work failed fatally");
                    act.fatal = Some(message);
                    ctx.stop();
                    return;
                }
                Err(e) => tracing::warn!(worker = %act.name(), error = %e, "periodic work failed"),
            }
            act.report_queue_size(ctx);
            if act.draining {
                if act.idle() {
                    ctx.stop();
                }
                return;
            }
            if std::mem::take(&mut act.tick_again) {
                act.run_tick(ctx);
                return;
            }
            act.schedule_tick(ctx);
        }));
    }

    fn schedule_tick(&mut self, ctx: &mut Context<Self>) {
        if let Some(every) = self.logic.tick_interval(&self.env.config.current()) {
            self.tick_due = Some(Instant::now() + every);
            self.tick_timer = Some(ctx.run_later(every, |act, ctx| {
                act.tick_timer = None;
                act.tick_due = None;
                act.run_tick(ctx);
            }));
        }
    }

    /// Re-plans the next periodic run when the interval became shorter.
    fn hurry(&mut self, ctx: &mut Context<Self>) {
        let Some(every) = self.logic.tick_interval(&self.env.config.current()) else {
            return;
        };
        let later = self
            .tick_due
            .is_some_and(|due| due > Instant::now() + every);
        if later && !self.ticking && !self.draining {
            if let Some(timer) = self.tick_timer.take() {
                ctx.cancel_future(timer);
            }
            self.schedule_tick(ctx);
        }
    }

    fn idle(&self) -> bool {
        self.in_flight == 0 && !self.ticking && !self.claiming
    }
}

/// A panic inside the work becomes a fatal error: the job is recorded, then
/// the worker is restarted by its supervisor.
fn guarded(work: WorkFuture<Result<(), JobError>>) -> WorkFuture<Result<(), JobError>> {
    Box::pin(async move {
        match AssertUnwindSafe(work).catch_unwind().await {
            Ok(result) => result,
            Err(payload) => Err(JobError::Fatal(format!(
                "panic: {}",
                payload_message(&*payload)
            ))),
        }
    })
}

impl<L: WorkerLogic> Actor for WorkerActor<L> {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(256);
        tracing::debug!(worker = %self.name(), generation = self.generation, "worker started");
        self.env.registry.do_send(WorkerStarted {
            name: self.name(),
            generation: self.generation,
        });
        let every = self.env.config.current().worker_heartbeat;
        ctx.run_interval(every, |act, _| act.heartbeat());
        self.recover(ctx);
        if self
            .logic
            .tick_interval(&self.env.config.current())
            .is_some()
        {
            self.run_tick(ctx);
        }
    }

    fn stopped(&mut self, _: &mut Self::Context) {
        let failure = if self.draining && self.fatal.is_none() {
            None
        } else if let Some(message) = self.fatal.take() {
            Some(message)
        } else if std::thread::panicking() {
            Some("panic".to_string())
        } else {
            Some("worker stopped unexpectedly".to_string())
        };
        tracing::debug!(worker = %self.name(), generation = self.generation, ?failure, "worker stopped");
        // The supervisor reports the failure itself, with the panic message when there is one.
        self.env.registry.do_send(WorkerStopped {
            name: self.name(),
            generation: self.generation,
            error: None,
        });
        self.exits.do_send(WorkerExited {
            name: self.name(),
            generation: self.generation,
            failure,
        });
    }
}

impl<L: WorkerLogic> Handler<WorkerControl> for WorkerActor<L> {
    type Result = ();

    fn handle(&mut self, msg: WorkerControl, ctx: &mut Self::Context) {
        match msg {
            WorkerControl::Wake => {
                self.report_queue_size(ctx);
                self.fill(ctx);
            }
            WorkerControl::RunNow => self.run_tick(ctx),
            WorkerControl::Hurry => self.hurry(ctx),
            WorkerControl::Drain => {
                self.draining = true;
                if self.idle() {
                    ctx.stop();
                }
            }
        }
    }
}
