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
pub mod in_index;
pub mod library;
pub mod notify;
pub mod sources;
pub mod wanted;
pub mod wanted_bulk;

use std::sync::Arc;

pub use change::{Change, Effects};
pub use events::{Event, EventBus};

use crate::db::jobs::JobRow;
use crate::db::{Db, DbError};
use crate::domain::time::now_millis;
use crate::domain::workers::name::WorkerName;
use crate::jobs::WorkerJob;

/// How committed jobs reach their workers (the worker directory).
pub trait WorkerWaker: Send + Sync + 'static {
    /// New jobs may be waiting.
    fn wake(&self, worker: WorkerName);
    /// Run the periodic work now.
    fn run_now(&self, worker: WorkerName);
}

/// Reads the live `MATCH_DURATION_TOLERANCE_SEC` in milliseconds (the
/// lifecycle does not know the configuration; the app hands it this).
pub type ToleranceReader = Arc<dyn Fn() -> u64 + Send + Sync>;

#[derive(Clone)]
pub struct Lifecycle {
    db: Db,
    waker: Arc<dyn WorkerWaker>,
    events: EventBus,
    library_tolerance: ToleranceReader,
}

impl Lifecycle {
    pub fn new(db: Db, waker: Arc<dyn WorkerWaker>, events: EventBus) -> Self {
        Lifecycle {
            db,
            waker,
            events,
            library_tolerance: Arc::new(|| change::DEFAULT_LIBRARY_TOLERANCE_MS),
        }
    }

    /// Where each change reads the tolerance of "already in the library".
    pub fn with_library_tolerance(mut self, read: ToleranceReader) -> Self {
        self.library_tolerance = read;
        self
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
        let tolerance = (self.library_tolerance)();
        let (value, effects) = self
            .db
            .write(move |conn| {
                let mut change =
                    Change::new(conn, now_millis()).with_library_tolerance_ms(tolerance);
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::db::jobs::count_pending;
    use crate::domain::ids::WantedId;
    use crate::jobs::MatchingJob;

    /// Records each wake with the worker's pending jobs as another
    /// connection sees them at that moment.
    struct Witness {
        db: Db,
        seen: Mutex<Vec<(WorkerName, i64)>>,
    }

    impl WorkerWaker for Witness {
        fn wake(&self, worker: WorkerName) {
            let pending = self
                .db
                .read_blocking(move |c| count_pending(c, worker.as_str()))
                .unwrap();
            self.seen.lock().unwrap().push((worker, pending));
        }
        fn run_now(&self, _: WorkerName) {}
    }

    fn search(id: i64) -> MatchingJob {
        MatchingJob::Search {
            wanted_id: WantedId(id),
            priority: 0,
        }
    }

    fn event() -> Event {
        Event::WantedFailed {
            wanted_id: WantedId(1),
            searches: 3,
        }
    }

    #[actix_rt::test]
    async fn workers_are_woken_and_events_announced_only_after_the_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let witness = Arc::new(Witness {
            db: db.clone(),
            seen: Mutex::new(Vec::new()),
        });
        let lifecycle = Lifecycle::new(db.clone(), witness.clone(), EventBus::default());
        let mut events = lifecycle.events().subscribe();

        lifecycle
            .change(|c| {
                c.enqueue(&search(1))?;
                c.enqueue(&search(2))?;
                c.emit(event());
                Ok(())
            })
            .await
            .unwrap();
        // One wake for the worker, when both rows were already visible.
        assert_eq!(
            *witness.seen.lock().unwrap(),
            vec![(WorkerName::Matching, 2)]
        );
        assert_eq!(*events.try_recv().unwrap(), event());
        // The feed has the event's line, written in the same transaction.
        let feed = db
            .read(|c| crate::db::activity::list(c, Some("matching"), None, 10))
            .await
            .unwrap();
        assert_eq!(feed.len(), 1);
    }

    #[actix_rt::test]
    async fn a_change_that_rolls_back_wakes_no_one_and_announces_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let witness = Arc::new(Witness {
            db: db.clone(),
            seen: Mutex::new(Vec::new()),
        });
        let lifecycle = Lifecycle::new(db.clone(), witness.clone(), EventBus::default());
        let mut events = lifecycle.events().subscribe();

        let failed = lifecycle
            .change(|c| {
                c.enqueue(&search(1))?;
                c.emit(event());
                Err::<(), _>(DbError::Task("refused halfway".into()))
            })
            .await;
        assert!(failed.is_err());
        assert!(witness.seen.lock().unwrap().is_empty());
        assert!(events.try_recv().is_err());
        let pending = db.read(|c| count_pending(c, "matching")).await.unwrap();
        assert_eq!(pending, 0, "the job rolled back with the change");
    }
}
