//! One state change: a write transaction that also records the jobs it
//! queues and the events it makes true. Its effects leave only once it has
//! committed (see `Lifecycle::change`).

use std::collections::BTreeSet;

use diesel::sqlite::SqliteConnection;

use super::events::Event;
use crate::db::jobs::{self, JobRow, NewJob};
use crate::db::{activity, DbError};
use crate::domain::time::UnixMillis;
use crate::domain::workers::name::WorkerName;
use crate::jobs::{encode, WorkerJob};

pub struct Change<'c> {
    conn: &'c mut SqliteConnection,
    now: UnixMillis,
    effects: Effects,
    library_tolerance_ms: u64,
}

/// `MATCH_DURATION_TOLERANCE_SEC`'s default, for changes made without a configuration.
pub const DEFAULT_LIBRARY_TOLERANCE_MS: u64 = 5_000;

/// What a committed change hands on.
#[derive(Debug, Default)]
pub struct Effects {
    /// Workers that received jobs.
    pub wake: BTreeSet<WorkerName>,
    /// Periodic workers asked to run now.
    pub run_now: BTreeSet<WorkerName>,
    pub events: Vec<Event>,
}

impl<'c> Change<'c> {
    /// Call inside a write transaction (`Db::write`).
    pub fn new(conn: &'c mut SqliteConnection, now: UnixMillis) -> Self {
        Change {
            conn,
            now,
            effects: Effects::default(),
            library_tolerance_ms: DEFAULT_LIBRARY_TOLERANCE_MS,
        }
    }

    /// The largest length difference of "already in the library" by artist
    /// and title (`MATCH_DURATION_TOLERANCE_SEC`, read when the change began).
    pub fn with_library_tolerance_ms(mut self, ms: u64) -> Self {
        self.library_tolerance_ms = ms;
        self
    }

    pub fn library_tolerance_ms(&self) -> u64 {
        self.library_tolerance_ms
    }

    pub fn conn(&mut self) -> &mut SqliteConnection {
        self.conn
    }

    pub fn now(&self) -> UnixMillis {
        self.now
    }

    /// Queues the job now; its worker is woken after the commit.
    pub fn enqueue<J: WorkerJob>(&mut self, job: &J) -> Result<JobRow, DbError> {
        self.enqueue_at(job, self.now)
    }

    /// Queues the job due at `run_at` (or returns the unfinished one with
    /// its dedupe key); its worker is woken after the commit to plan for it.
    pub fn enqueue_at<J: WorkerJob>(
        &mut self,
        job: &J,
        run_at: UnixMillis,
    ) -> Result<JobRow, DbError> {
        let encoded = encode(job).map_err(|e| DbError::Task(format!("unwritable job: {e}")))?;
        let dedupe_key = job.dedupe_key();
        let row = jobs::enqueue(
            self.conn,
            &NewJob {
                worker: J::WORKER.as_str(),
                kind: &encoded.kind,
                payload: &encoded.payload,
                dedupe_key: dedupe_key.as_deref(),
                priority: job.priority(),
                max_attempts: job.max_attempts(),
                run_at,
            },
            self.now,
        )?;
        self.effects.wake.insert(J::WORKER);
        Ok(row)
    }

    /// Jobs of `worker` were written or brought forward in bulk.
    pub fn wake(&mut self, worker: WorkerName) {
        self.effects.wake.insert(worker);
    }

    /// A periodic worker has new work (a playlist marked for sync).
    pub fn run_now(&mut self, worker: WorkerName) {
        self.effects.run_now.insert(worker);
    }

    pub fn emit(&mut self, event: Event) {
        self.effects.events.push(event);
    }

    /// Writes the events' activity entries (still inside the transaction)
    /// and hands the effects on for after the commit.
    pub fn finish(self) -> Result<Effects, DbError> {
        for event in &self.effects.events {
            if let Some(entry) = event.activity() {
                activity::insert(
                    self.conn,
                    self.now,
                    entry.type_,
                    entry.status,
                    &entry.details.to_string(),
                )?;
            }
        }
        // Notifications are a projection too: a crash after the commit loses none.
        super::notify::project(self.conn, self.now, &self.effects.events)?;
        Ok(self.effects)
    }
}
