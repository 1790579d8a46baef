//! Enqueueing work: the row first, then a message that only wakes the worker.

use std::time::Duration;

use super::directory::{WorkerControl, WorkerDirectory};
use crate::db::jobs::{self, JobRow, NewJob};
use crate::db::{Db, DbError};
use crate::domain::time::now_millis;
use crate::domain::worker_name::WorkerName;

#[derive(Debug, Clone)]
pub struct JobRequest {
    pub worker: WorkerName,
    pub kind: String,
    pub payload: serde_json::Value,
    pub dedupe_key: Option<String>,
    pub priority: i32,
    pub max_attempts: u32,
    pub delay: Duration,
}

impl JobRequest {
    pub fn new(worker: WorkerName, kind: impl Into<String>, payload: serde_json::Value) -> Self {
        JobRequest {
            worker,
            kind: kind.into(),
            payload,
            dedupe_key: None,
            priority: 0,
            max_attempts: 5,
            delay: Duration::ZERO,
        }
    }

    pub fn dedupe_key(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }

    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = priority;
        self
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

#[derive(Clone)]
pub struct JobQueue {
    db: Db,
    directory: WorkerDirectory,
}

impl JobQueue {
    pub fn new(db: Db, directory: WorkerDirectory) -> Self {
        JobQueue { db, directory }
    }

    /// Commits the job, then wakes its worker. Returns the unfinished job with
    /// the same dedupe key instead, when there is one.
    pub async fn enqueue(&self, request: JobRequest) -> Result<JobRow, DbError> {
        let worker = request.worker;
        let row = self
            .db
            .write(move |c| {
                let now = now_millis();
                let payload = request.payload.to_string();
                let delay_ms = i64::try_from(request.delay.as_millis()).unwrap_or(i64::MAX);
                jobs::enqueue(
                    c,
                    &NewJob {
                        worker: worker.as_str(),
                        kind: &request.kind,
                        payload: &payload,
                        dedupe_key: request.dedupe_key.as_deref(),
                        priority: request.priority,
                        max_attempts: i32::try_from(request.max_attempts).unwrap_or(i32::MAX),
                        run_at: now.saturating_add(delay_ms),
                    },
                    now,
                )
            })
            .await?;
        self.directory.send(worker, WorkerControl::Wake);
        Ok(row)
    }
}
