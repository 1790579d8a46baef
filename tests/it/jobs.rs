//! The persistent job queue: nothing lost on a crash, nothing done twice,
//! in-flight work finished on a graceful shutdown.

use crate::common;
use common::JobRequest;

use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::{eventually, scripted, Journal, TestApp};
use harmony::app::WorkerOverrides;
use harmony::db::{jobs, Db};
use harmony::domain::workers::name::WorkerName;
use serde_json::json;

fn overrides(journal: &Journal, concurrency: usize) -> WorkerOverrides {
    WorkerOverrides::default().with(WorkerName::Metadata, scripted(journal, concurrency))
}

async fn job_row(db: &Db, id: i64) -> jobs::JobRow {
    db.read(move |c| jobs::get(c, id)).await.unwrap()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn jobs_survive_a_crash_and_completed_jobs_never_run_again() {
    let journal = Journal::default();
    let dir = Arc::new(tempfile::tempdir().unwrap());

    // First life, on its own actix system that is torn down without any
    // shutdown, like a killed process: one job done, one running, one waiting.
    let (tx, rx) = mpsc::channel();
    let (j1, d1) = (journal.clone(), Arc::clone(&dir));
    let first = std::thread::spawn(move || {
        let system = actix_rt::System::new();
        system.block_on(async move {
            let app = TestApp::start_in(d1, &[], overrides(&j1, 1)).await;
            let q = app.app.lifecycle.clone();
            let done = q
                .enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})))
                .await
                .unwrap();
            eventually(Duration::from_secs(5), "first job done", || async {
                j1.completions(done.id) == 1
            })
            .await;
            let hanging = q
                .enqueue(JobRequest::new(WorkerName::Metadata, "hang", json!({})))
                .await
                .unwrap();
            eventually(Duration::from_secs(5), "hanging job started", || async {
                j1.started(hanging.id) == 1
            })
            .await;
            let waiting = q
                .enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})))
                .await
                .unwrap();
            tx.send((done.id, hanging.id, waiting.id)).unwrap();
            actix_rt::System::current().stop();
            std::mem::forget(app); // no graceful shutdown: the process "dies" here
        });
        system.run().ok();
    });
    let (done, hanging, waiting) = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    first.join().unwrap();
    assert_eq!(
        journal.completions(waiting),
        0,
        "the waiting job must not have run in the first life"
    );

    // Second life on the same database: the job left running is recovered and
    // tried again (it hangs again, so two slots), the waiting one runs, the
    // finished one does not run again.
    let app = TestApp::start_in(Arc::clone(&dir), &[], overrides(&journal, 2)).await;
    eventually(Duration::from_secs(5), "waiting job ran", || async {
        journal.completions(waiting) == 1
    })
    .await;
    assert_eq!(
        journal.completions(done),
        1,
        "a completed job never runs again"
    );
    assert_eq!(journal.started(done), 1);
    eventually(
        Duration::from_secs(5),
        "interrupted job retried",
        || async { journal.started(hanging) == 2 },
    )
    .await;
    let row = job_row(&app.app.db, hanging).await;
    assert_eq!((row.state.as_str(), row.attempts), ("running", 2));
    assert_eq!(job_row(&app.app.db, done).await.state, "done");
    assert_eq!(job_row(&app.app.db, waiting).await.state, "done");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn graceful_shutdown_lets_running_jobs_finish() {
    let journal = Journal::default();
    let app = TestApp::start_with(&[("SHUTDOWN_GRACE_SEC", "5")], overrides(&journal, 2)).await;
    let q = app.app.lifecycle.clone();
    let a = q
        .enqueue(JobRequest::new(
            WorkerName::Metadata,
            "sleep",
            json!({"ms": 300}),
        ))
        .await
        .unwrap();
    let b = q
        .enqueue(JobRequest::new(
            WorkerName::Metadata,
            "sleep",
            json!({"ms": 300}),
        ))
        .await
        .unwrap();
    eventually(Duration::from_secs(5), "both started", || async {
        journal.started(a.id) == 1 && journal.started(b.id) == 1
    })
    .await;
    let db = app.app.db.clone();
    let late = app.app.shutdown().await;
    assert!(
        late.is_empty(),
        "workers still running after the grace period: {late:?}"
    );
    for id in [a.id, b.id] {
        assert_eq!(journal.completions(id), 1);
        assert_eq!(job_row(&db, id).await.state, "done");
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn shutdown_does_not_wait_past_the_grace_period() {
    let journal = Journal::default();
    let app = TestApp::start_with(&[("SHUTDOWN_GRACE_SEC", "0.3")], overrides(&journal, 1)).await;
    let hang = app
        .app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "hang", json!({})))
        .await
        .unwrap();
    eventually(Duration::from_secs(5), "hang started", || async {
        journal.started(hang.id) == 1
    })
    .await;
    let db = app.app.db.clone();
    let late = app.app.shutdown().await;
    assert_eq!(late, vec![WorkerName::Metadata]);
    // Left running: the next start recovers it.
    assert_eq!(job_row(&db, hang.id).await.state, "running");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn transient_failures_are_retried_then_given_up() {
    let journal = Journal::default();
    let app = TestApp::start_with(&[], overrides(&journal, 1)).await;
    let job = app
        .app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "retry", json!({})).max_attempts(3))
        .await
        .unwrap();
    eventually(Duration::from_secs(5), "three attempts", || async {
        journal.started(job.id) == 3
    })
    .await;
    let db = app.app.db.clone();
    eventually(Duration::from_secs(5), "given up", || {
        let db = db.clone();
        async move { job_row(&db, job.id).await.state == "failed" }
    })
    .await;
    let row = job_row(&app.app.db, job.id).await;
    assert_eq!(row.attempts, 3);
    assert_eq!(
        row.last_error.as_deref(),
        Some("scripted transient failure")
    );
    assert_eq!(
        app.worker("metadata").await["restarts"],
        0,
        "a job failure is not a worker failure"
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn queue_size_follows_the_jobs() {
    let journal = Journal::default();
    let app = TestApp::start_with(&[], overrides(&journal, 1)).await;
    let q = app.app.lifecycle.clone();
    let hang = q
        .enqueue(JobRequest::new(WorkerName::Metadata, "hang", json!({})))
        .await
        .unwrap();
    q.enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})))
        .await
        .unwrap();
    q.enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})))
        .await
        .unwrap();
    // Dedupe: the same key while unfinished is the same job.
    let d1 = q
        .enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})).dedupe_key("k"))
        .await
        .unwrap();
    let d2 = q
        .enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})).dedupe_key("k"))
        .await
        .unwrap();
    assert_eq!(d1.id, d2.id);
    eventually(Duration::from_secs(5), "hang started", || async {
        journal.started(hang.id) == 1
    })
    .await;
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| w["queue_size"] == 4)
        .await;
    app.app.shutdown().await;
}
