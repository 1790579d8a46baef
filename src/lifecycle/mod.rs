//! The one home of state changes. Each change of the contract (create,
//! cancel, retry, fail, complete a download; search, choose, pick, reject a
//! wanted track; record tags, covers, lyrics; …) is one function over a
//! `Change`: it loads rows through `db`, decides through `domain`, writes
//! through `db`, and records the jobs it queues and the events it makes
//! true. `Lifecycle::change` runs it in one transaction and, only once that
//! has committed, wakes the workers that got jobs and announces the events.

pub mod artifacts;
mod change;
pub mod download_outcomes;
pub mod downloads;
pub mod events;
pub mod sources;
pub mod wanted;
pub mod wanted_bulk;

use std::sync::Arc;

pub use change::{Change, Effects};
pub use events::{Event, EventBus};

use crate::db::jobs::JobRow;
use crate::db::{Db, DbError};
use crate::domain::time::now_millis;
use crate::domain::worker_name::WorkerName;
use crate::jobs::WorkerJob;

/// How committed jobs reach their workers (the worker directory).
pub trait WorkerWaker: Send + Sync + 'static {
    /// New jobs may be waiting.
    fn wake(&self, worker: WorkerName);
    /// Run the periodic work now.
    fn run_now(&self, worker: WorkerName);
}

#[derive(Clone)]
pub struct Lifecycle {
    db: Db,
    waker: Arc<dyn WorkerWaker>,
    events: EventBus,
}

impl Lifecycle {
    pub fn new(db: Db, waker: Arc<dyn WorkerWaker>, events: EventBus) -> Self {
        Lifecycle { db, waker, events }
    }

    /// A lifecycle whose jobs wake no one (tools, benchmarks, unit tests):
    /// workers started later find the rows.
    pub fn without_workers(db: Db) -> Self {
        struct Nobody;
        impl WorkerWaker for Nobody {
            fn wake(&self, _: WorkerName) {}
            fn run_now(&self, _: WorkerName) {}
        }
        Lifecycle::new(db, Arc::new(Nobody), EventBus::default())
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Runs `f` in one write transaction; after the commit, wakes the
    /// workers it queued jobs for and announces its events. Nothing leaves
    /// a change that rolled back.
    pub async fn change<T, F>(&self, f: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut Change<'_>) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let (value, effects) = self
            .db
            .write(move |conn| {
                let mut change = Change::new(conn, now_millis());
                let value = f(&mut change)?;
                Ok((value, change.finish()?))
            })
            .await?;
        self.publish(effects);
        Ok(value)
    }

    /// Queues one job (and wakes its worker after the commit).
    pub async fn enqueue<J: WorkerJob + Sync>(&self, job: J) -> Result<JobRow, DbError> {
        self.change(move |c| c.enqueue(&job)).await
    }

    /// A person asks a periodic worker to run now (a sync): no row changes,
    /// so nothing waits for a commit.
    pub fn request_run(&self, worker: WorkerName) {
        self.waker.run_now(worker);
    }

    /// An event that changes no row (a worker restarted): its activity
    /// entry is written, then it is announced.
    pub async fn announce(&self, event: Event) -> Result<(), DbError> {
        self.change(move |c| {
            c.emit(event);
            Ok(())
        })
        .await
    }

    /// `announce` without waiting; a failure is logged, never fatal.
    pub fn spawn_announce(&self, event: Event) {
        let lifecycle = self.clone();
        actix_rt::spawn(async move {
            let name = event.name();
            if let Err(e) = lifecycle.announce(event).await {
                tracing::warn!(error = %e, event = name, "could not record the event");
            }
        });
    }

    fn publish(&self, effects: Effects) {
        for worker in effects.wake {
            self.waker.wake(worker);
        }
        for worker in effects.run_now {
            self.waker.run_now(worker);
        }
        for event in effects.events {
            self.events.publish(event);
        }
    }
}

/// A person's action that does not fit the row's state (409).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub state: &'static str,
    pub reason: String,
}

impl Refused {
    pub fn new(state: &'static str, reason: impl Into<String>) -> Self {
        Refused {
            state,
            reason: reason.into(),
        }
    }
}
