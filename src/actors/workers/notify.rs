//! The notify worker: turns closed grouping windows into delivery jobs and
//! announces imports whose last track ended (its periodic work) and delivers each message to its target (its jobs), with
//! retries on connect errors, timeouts, 5xx and 429 (`Retry-After`). It
//! runs apart from the other workers: a slow or dead target only holds its
//! own deliveries, each bounded by `NOTIFY_TIMEOUT_SEC`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::db::notify as store;
use crate::domain::notify::answer::Verdict;
use crate::domain::notify::grouping::due_groups;
use crate::domain::notify::kind::TargetKind;
use crate::domain::notify::render::{request, Destination};
use crate::domain::time::now_millis;
use crate::domain::workers::backoff::doubling_delay;
use crate::integrations::notify::NotifySender;
use crate::jobs::{NotifyJob, WorkerJob};
use crate::lifecycle::notify as notify_change;

/// Deliveries at once: a hanging target holds one slot, the others go on.
const CONCURRENCY: usize = 4;

#[derive(Default)]
pub struct NotifyWorker {
    sender: Option<(Duration, NotifySender)>,
    /// `Retry-After` of the last answer, by job, for `retry_delay`.
    waits: Rc<RefCell<HashMap<String, Duration>>>,
    retry: Option<(Duration, Duration)>,
}

impl NotifyWorker {
    fn sender(&mut self, timeout: Duration) -> NotifySender {
        match &self.sender {
            Some((t, s)) if *t == timeout => s.clone(),
            _ => {
                let s = NotifySender::new(timeout);
                self.sender = Some((timeout, s.clone()));
                s
            }
        }
    }
}

fn job_key(job: &NotifyJob) -> String {
    job.dedupe_key().unwrap_or_default()
}

impl WorkerLogic for NotifyWorker {
    type Job = NotifyJob;

    fn concurrency(&self, _config: &Config) -> usize {
        CONCURRENCY
    }

    /// Looks for closed windows often enough that a message leaves soon
    /// after its window closes.
    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some((config.notify_batch / 4).clamp(Duration::from_millis(50), Duration::from_secs(1)))
    }

    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            let batch_ms =
                i64::try_from(env.config.current().notify_batch.as_millis()).unwrap_or(i64::MAX);
            // Imports whose last track ended since the last look.
            let finished = env
                .db
                .read(crate::db::imports::newly_finished)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            if !finished.is_empty() {
                env.lifecycle
                    .change(crate::lifecycle::sources::finish_imports)
                    .await
                    .map_err(|e| JobError::Retry(e.to_string()))?;
            }
            // Most looks find nothing: read first, write only when a window closed.
            let pending = env
                .db
                .read(store::pending)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            if due_groups(&pending, batch_ms, now_millis()).is_empty() {
                return Ok(());
            }
            env.lifecycle
                .change(move |c| notify_change::group_due(c, batch_ms))
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            Ok(())
        })
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: NotifyJob,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let config = env.config.current();
        self.retry = Some((config.notify_retry_base, config.notify_retry_max));
        let sender = self.sender(config.notify_timeout);
        let waits = Rc::clone(&self.waits);
        let env = env.clone();
        Box::pin(async move {
            let target_id = job.target_id();
            let target = env
                .db
                .read(move |c| store::find_target(c, target_id))
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            let Some(target) = target.filter(|t| t.enabled) else {
                // Deleted or switched off since: nobody to tell.
                return Ok(());
            };
            let kind: TargetKind =
                target
                    .kind
                    .parse()
                    .map_err(|e: crate::domain::notify::kind::UnknownKind| {
                        JobError::Permanent(e.to_string())
                    })?;
            let req = request(
                Destination {
                    kind,
                    url: &target.url,
                    secret: target.secret.as_deref(),
                    apprise_key: target.apprise_key.as_deref(),
                },
                job.message(),
            );
            let verdict = sender.send(&req).await;
            let (error, given_up, outcome) = match verdict {
                Verdict::Sent => {
                    env.metrics.notification(kind.as_str(), "sent");
                    let (t, j) = (target.clone(), job.clone());
                    env.lifecycle
                        .change(move |c| notify_change::record_sent(c, &t, &j))
                        .await
                        .map_err(|e| JobError::Retry(e.to_string()))?;
                    tracing::debug!(target = %target.name, kind = %kind, event = %job.message().event, "notification sent");
                    return Ok(());
                }
                Verdict::Retry { reason, after } => {
                    let last = meta.attempt >= meta.max_attempts;
                    if let Some(after) = after.filter(|_| !last) {
                        waits.borrow_mut().insert(job_key(&job), after);
                    }
                    let outcome = if last { "failed" } else { "retried" };
                    (reason, last, outcome)
                }
                Verdict::GiveUp { reason } => (reason, true, "failed"),
            };
            env.metrics.notification(kind.as_str(), outcome);
            tracing::warn!(target = %target.name, kind = %kind, event = %job.message().event, error = %error, given_up, "notification not delivered");
            let (t, j, e) = (target.clone(), job.clone(), error.clone());
            env.lifecycle
                .change(move |c| notify_change::record_failed(c, &t, &j, &e, given_up))
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            if given_up {
                Err(JobError::Permanent(error))
            } else {
                Err(JobError::Retry(error))
            }
        })
    }

    fn retry_delay(&self, job: &NotifyJob, attempt: u32) -> Duration {
        let (base, max) = self
            .retry
            .unwrap_or((Duration::from_secs(5), Duration::from_secs(600)));
        match self.waits.borrow_mut().remove(&job_key(job)) {
            // The target said when; never sooner than asked.
            Some(after) => after.max(Duration::from_millis(50)),
            None => doubling_delay(attempt, base, max),
        }
    }
}
