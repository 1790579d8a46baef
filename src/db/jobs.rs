//! The persistent job queue (`worker_jobs`): enqueue, claim, complete, fail,
//! and recovery of jobs a crash left behind.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::worker_jobs;
use super::DbError;

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = worker_jobs)]
pub struct JobRow {
    pub id: i64,
    pub worker: String,
    pub kind: String,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub priority: i32,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub worker: &'a str,
    pub kind: &'a str,
    pub payload: &'a str,
    /// At most one unfinished job per worker with this key; enqueueing it
    /// again returns the unfinished one.
    pub dedupe_key: Option<&'a str>,
    pub priority: i32,
    pub max_attempts: i32,
    pub run_at: i64,
}

/// The columns of a new `queued` row (one insert or many).
macro_rules! new_job_values {
    ($job:expr, $now:expr) => {
        (
            worker_jobs::worker.eq($job.worker),
            worker_jobs::kind.eq($job.kind),
            worker_jobs::payload.eq($job.payload),
            worker_jobs::dedupe_key.eq($job.dedupe_key),
            worker_jobs::priority.eq($job.priority),
            worker_jobs::state.eq(QUEUED),
            worker_jobs::max_attempts.eq($job.max_attempts),
            worker_jobs::run_at.eq($job.run_at),
            worker_jobs::created_at.eq($now),
            worker_jobs::updated_at.eq($now),
        )
    };
}

/// Inserts the job, or returns the unfinished job with the same dedupe key.
/// Call inside a write transaction.
pub fn enqueue(conn: &mut SqliteConnection, job: &NewJob<'_>, now: i64) -> Result<JobRow, DbError> {
    if let Some(key) = job.dedupe_key {
        let existing = worker_jobs::table
            .filter(worker_jobs::worker.eq(job.worker))
            .filter(worker_jobs::dedupe_key.eq(key))
            .filter(worker_jobs::state.eq_any([QUEUED, RUNNING]))
            .select(JobRow::as_select())
            .first(conn)
            .optional()?;
        if let Some(row) = existing {
            return Ok(row);
        }
    }
    Ok(diesel::insert_into(worker_jobs::table)
        .values(new_job_values!(job, now))
        .returning(JobRow::as_returning())
        .get_result(conn)?)
}

/// What a claim found.
#[derive(Debug, Clone)]
pub enum Claim {
    Job(JobRow),
    /// Nothing due now; `next_run_at` is when the earliest queued job is due.
    Idle {
        next_run_at: Option<i64>,
    },
}

/// Takes the due job with the highest priority (then the oldest) and marks it
/// running, counting the attempt. Call inside a write transaction.
pub fn claim_next(conn: &mut SqliteConnection, worker: &str, now: i64) -> Result<Claim, DbError> {
    let next = worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(worker_jobs::state.eq(QUEUED))
        .filter(worker_jobs::run_at.le(now))
        .order((
            worker_jobs::priority.desc(),
            worker_jobs::run_at,
            worker_jobs::id,
        ))
        .select(worker_jobs::id)
        .first::<i64>(conn)
        .optional()?;
    match next {
        Some(id) => {
            let row = diesel::update(worker_jobs::table.find(id))
                .set((
                    worker_jobs::state.eq(RUNNING),
                    worker_jobs::attempts.eq(worker_jobs::attempts + 1),
                    worker_jobs::updated_at.eq(now),
                ))
                .returning(JobRow::as_returning())
                .get_result(conn)?;
            Ok(Claim::Job(row))
        }
        None => {
            let next_run_at = worker_jobs::table
                .filter(worker_jobs::worker.eq(worker))
                .filter(worker_jobs::state.eq(QUEUED))
                .select(diesel::dsl::min(worker_jobs::run_at))
                .first::<Option<i64>>(conn)?;
            Ok(Claim::Idle { next_run_at })
        }
    }
}

/// Marks a running job done. Idempotent: a job already finished stays as it
/// is, so a handler may complete its job inside its own transaction.
pub fn complete(conn: &mut SqliteConnection, id: i64, now: i64) -> Result<(), DbError> {
    diesel::update(
        worker_jobs::table
            .find(id)
            .filter(worker_jobs::state.eq(RUNNING)),
    )
    .set((
        worker_jobs::state.eq(DONE),
        worker_jobs::last_error.eq(None::<String>),
        worker_jobs::updated_at.eq(now),
        worker_jobs::finished_at.eq(Some(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: back to `queued` at `retry_at`, or `failed` for
/// good when `retry_at` is `None`.
pub fn fail(
    conn: &mut SqliteConnection,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), DbError> {
    let target = worker_jobs::table
        .find(id)
        .filter(worker_jobs::state.eq(RUNNING));
    match retry_at {
        Some(at) => diesel::update(target)
            .set((
                worker_jobs::state.eq(QUEUED),
                worker_jobs::run_at.eq(at),
                worker_jobs::last_error.eq(error),
                worker_jobs::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                worker_jobs::state.eq(FAILED),
                worker_jobs::last_error.eq(error),
                worker_jobs::updated_at.eq(now),
                worker_jobs::finished_at.eq(Some(now)),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Jobs left `running` by a crash or a restart of their worker: queued again,
/// or failed for good once they have used all their attempts (a job that
/// kills its worker every time must not keep it in a restart loop).
/// Returns (requeued, given up).
pub fn recover_abandoned(
    conn: &mut SqliteConnection,
    worker: &str,
    now: i64,
) -> Result<(usize, usize), DbError> {
    let abandoned = worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(worker_jobs::state.eq(RUNNING));
    let given_up =
        diesel::update(abandoned.filter(worker_jobs::attempts.ge(worker_jobs::max_attempts)))
            .set((
                worker_jobs::state.eq(FAILED),
                worker_jobs::last_error
                    .eq("abandoned: the worker stopped while running it, and no attempts are left"),
                worker_jobs::updated_at.eq(now),
                worker_jobs::finished_at.eq(Some(now)),
            ))
            .execute(conn)?;
    let requeued = diesel::update(abandoned)
        .set((
            worker_jobs::state.eq(QUEUED),
            worker_jobs::run_at.eq(now),
            worker_jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok((requeued, given_up))
}

/// Jobs waiting or in progress for a worker.
pub fn count_pending(conn: &mut SqliteConnection, worker: &str) -> Result<i64, DbError> {
    Ok(worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(worker_jobs::state.eq_any([QUEUED, RUNNING]))
        .count()
        .get_result(conn)?)
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> Result<JobRow, DbError> {
    Ok(worker_jobs::table
        .find(id)
        .select(JobRow::as_select())
        .first(conn)?)
}

/// Forgets finished jobs older than `before`, so the table does not grow forever.
pub fn prune_finished(conn: &mut SqliteConnection, before: i64) -> Result<usize, DbError> {
    Ok(diesel::delete(
        worker_jobs::table
            .filter(worker_jobs::state.eq_any([DONE, FAILED]))
            .filter(worker_jobs::finished_at.lt(before)),
    )
    .execute(conn)?)
}

/// The unfinished (queued or running) job of `worker` with this dedupe key.
pub fn unfinished(
    conn: &mut SqliteConnection,
    worker: &str,
    dedupe_key: &str,
) -> Result<Option<JobRow>, DbError> {
    Ok(worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(worker_jobs::dedupe_key.eq(dedupe_key))
        .filter(worker_jobs::state.eq_any([QUEUED, RUNNING]))
        .select(JobRow::as_select())
        .first(conn)
        .optional()?)
}

/// Dedupe keys of `worker`'s unfinished jobs.
pub fn unfinished_keys(
    conn: &mut SqliteConnection,
    worker: &str,
) -> Result<std::collections::HashSet<String>, DbError> {
    Ok(worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(worker_jobs::state.eq_any([QUEUED, RUNNING]))
        .select(worker_jobs::dedupe_key)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect())
}

/// A waiting job with this key is served with the new priority.
pub fn set_waiting_priority(
    conn: &mut SqliteConnection,
    worker: &str,
    dedupe_key: &str,
    priority: i32,
) -> Result<(), DbError> {
    diesel::update(
        worker_jobs::table
            .filter(worker_jobs::worker.eq(worker))
            .filter(worker_jobs::dedupe_key.eq(dedupe_key))
            .filter(worker_jobs::state.eq(QUEUED)),
    )
    .set(worker_jobs::priority.eq(priority))
    .execute(conn)?;
    Ok(())
}

/// A waiting job with this key due after `run_at` is due at `run_at`
/// instead, with this priority.
/// Moves the waiting job with this key to `run_at`, later or earlier (a
/// debounce: each new reason to run pushes the run back).
pub fn reschedule(
    conn: &mut SqliteConnection,
    worker: &str,
    dedupe_key: &str,
    run_at: i64,
    now: i64,
) -> Result<(), DbError> {
    diesel::update(
        worker_jobs::table
            .filter(worker_jobs::worker.eq(worker))
            .filter(worker_jobs::dedupe_key.eq(dedupe_key))
            .filter(worker_jobs::state.eq(QUEUED)),
    )
    .set((
        worker_jobs::run_at.eq(run_at),
        worker_jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn bring_forward(
    conn: &mut SqliteConnection,
    worker: &str,
    dedupe_key: &str,
    run_at: i64,
    priority: Option<i32>,
    now: i64,
) -> Result<(), DbError> {
    let waiting = worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(worker_jobs::dedupe_key.eq(dedupe_key))
        .filter(worker_jobs::state.eq(QUEUED))
        .filter(worker_jobs::run_at.gt(run_at));
    match priority {
        Some(priority) => diesel::update(waiting)
            .set((
                worker_jobs::run_at.eq(run_at),
                worker_jobs::priority.eq(priority),
                worker_jobs::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(waiting)
            .set((
                worker_jobs::run_at.eq(run_at),
                worker_jobs::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Waiting jobs of `worker` whose dedupe key ends with `key_suffix` are due
/// now (a target that answered again gets its backlog at once); how many.
pub fn bring_forward_by_key_suffix(
    conn: &mut SqliteConnection,
    worker: &str,
    key_suffix: &str,
    now: i64,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        worker_jobs::table
            .filter(worker_jobs::worker.eq(worker))
            .filter(worker_jobs::state.eq(QUEUED))
            .filter(worker_jobs::dedupe_key.like(format!("%{key_suffix}")))
            .filter(worker_jobs::run_at.gt(now)),
    )
    .set((worker_jobs::run_at.eq(now), worker_jobs::updated_at.eq(now)))
    .execute(conn)?)
}

/// A waiting job takes a newer request's payload and the earlier due time.
pub fn update_waiting(
    conn: &mut SqliteConnection,
    id: i64,
    payload: &str,
    run_at: i64,
    now: i64,
) -> Result<(), DbError> {
    diesel::update(
        worker_jobs::table
            .find(id)
            .filter(worker_jobs::state.eq(QUEUED)),
    )
    .set((
        worker_jobs::payload.eq(payload),
        worker_jobs::run_at.eq(run_at),
        worker_jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Inserts many new jobs at once (no dedupe lookup: the caller knows they
/// are new).
pub fn insert_many(
    conn: &mut SqliteConnection,
    new: &[NewJob<'_>],
    now: i64,
) -> Result<(), DbError> {
    let rows: Vec<_> = new.iter().map(|job| new_job_values!(job, now)).collect();
    // 10 columns × 250 rows stays below SQLite's bound-parameter limit.
    for chunk in rows.chunks(250) {
        diesel::insert_into(worker_jobs::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    fn job<'a>(kind: &'a str, priority: i32, dedupe: Option<&'a str>) -> NewJob<'a> {
        NewJob {
            worker: "metadata",
            kind,
            payload: "{}",
            dedupe_key: dedupe,
            priority,
            max_attempts: 2,
            run_at: 0,
        }
    }

    #[actix_rt::test]
    async fn claims_by_priority_then_age_and_never_twice() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            enqueue(c, &job("a", 0, None), 1)?;
            enqueue(c, &job("b", 5, None), 2)?;
            enqueue(c, &job("c", 0, None), 3)?;
            let order: Vec<String> = (0..3)
                .map(|_| match claim_next(c, "metadata", 10).unwrap() {
                    Claim::Job(j) => j.kind,
                    Claim::Idle { .. } => panic!("expected a job"),
                })
                .collect();
            assert_eq!(order, vec!["b", "a", "c"]);
            assert!(matches!(
                claim_next(c, "metadata", 10)?,
                Claim::Idle { next_run_at: None }
            ));
            assert!(matches!(claim_next(c, "sync", 10)?, Claim::Idle { .. }));
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_rt::test]
    async fn dedupe_complete_fail_and_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let a = enqueue(c, &job("tag", 0, Some("download:1")), 1)?;
            let again = enqueue(c, &job("tag", 0, Some("download:1")), 2)?;
            assert_eq!(a.id, again.id);
            assert_eq!(count_pending(c, "metadata")?, 1);

            let Claim::Job(running) = claim_next(c, "metadata", 5)? else {
                panic!()
            };
            assert_eq!(running.attempts, 1);
            // Retry later: not claimable before its time, but reported as next.
            fail(c, running.id, "flaky", Some(100), 6)?;
            assert!(matches!(
                claim_next(c, "metadata", 50)?,
                Claim::Idle {
                    next_run_at: Some(100)
                }
            ));
            let Claim::Job(second) = claim_next(c, "metadata", 100)? else {
                panic!()
            };
            assert_eq!(second.attempts, 2);

            // A crash leaves it running; with no attempts left recovery gives up on it.
            assert_eq!(recover_abandoned(c, "metadata", 120)?, (0, 1));
            assert_eq!(get(c, second.id)?.state, FAILED);

            // Once finished, the same dedupe key can be queued again, and completing is idempotent.
            let b = enqueue(c, &job("tag", 0, Some("download:1")), 130)?;
            assert_ne!(b.id, a.id);
            let Claim::Job(_) = claim_next(c, "metadata", 130)? else {
                panic!()
            };
            assert_eq!(recover_abandoned(c, "metadata", 131)?, (1, 0));
            let Claim::Job(b) = claim_next(c, "metadata", 132)? else {
                panic!()
            };
            complete(c, b.id, 140)?;
            complete(c, b.id, 150)?;
            let done = get(c, b.id)?;
            assert_eq!((done.state.as_str(), done.finished_at), (DONE, Some(140)));
            assert_eq!(count_pending(c, "metadata")?, 0);
            assert!(matches!(
                claim_next(c, "metadata", 1000)?,
                Claim::Idle { next_run_at: None }
            ));
            assert_eq!(prune_finished(c, 145)?, 2);
            Ok(())
        })
        .await
        .unwrap();
    }
}
