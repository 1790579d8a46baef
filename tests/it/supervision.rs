//! A failing worker is restarted with growing delays; the others carry on.

use crate::common;
use common::JobRequest;

use std::time::Duration;

use common::{eventually, scripted, Journal, TestApp};
use harmony::app::WorkerOverrides;
use harmony::domain::workers::name::WorkerName;
use serde_json::json;

async fn app_with_scripted_metadata(journal: &Journal) -> TestApp {
    let overrides = WorkerOverrides::default().with(WorkerName::Metadata, scripted(journal, 1));
    TestApp::start_with(&[], overrides).await
}

async fn restarted_events(app: &TestApp) -> Vec<serde_json::Value> {
    let (_, body) = app.get("/api/v1/activity?type=worker").await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "restarted")
        .cloned()
        .collect()
}

/// The registry counts a restart at once; its activity row is written by the
/// database threads a moment later.
async fn at_least_restarted_events(app: &TestApp, n: usize) -> Vec<serde_json::Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let events = restarted_events(app).await;
        if events.len() >= n || std::time::Instant::now() > deadline {
            return events;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_panicking_worker_is_restarted_and_the_others_keep_working() {
    let journal = Journal::default();
    let app = app_with_scripted_metadata(&journal).await;
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    let sync_before = app.worker("sync").await;

    let job = app
        .app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "panic", json!({})).max_attempts(1))
        .await
        .unwrap();
    let w = app
        .wait_for_worker("metadata", Duration::from_secs(5), |w| {
            w["restarts"] == 1 && w["state"] == "running"
        })
        .await;
    let error = w["last_error"].as_str().unwrap();
    assert!(error.contains("scripted panic in job"), "{error}");

    // The restarted worker works: a new job runs to completion.
    let ok = app
        .app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "ok", json!({})))
        .await
        .unwrap();
    eventually(Duration::from_secs(5), "job after restart", || async {
        journal.completions(ok.id) == 1
    })
    .await;
    // The poisoned job used its only attempt and is not run again.
    assert_eq!(journal.started(job.id), 1);

    let status = app.status().await;
    for other in [
        "sync",
        "matching",
        "playlist_sync",
        "backfill",
        "watchlist",
        "retry_scheduler",
    ] {
        let w = &status["workers"][other];
        assert_eq!(
            (w["state"].as_str(), w["restarts"].as_u64()),
            (Some("running"), Some(0)),
            "{other}"
        );
    }
    assert_ne!(
        status["workers"]["sync"]["last_heartbeat"], sync_before["last_heartbeat"],
        "sync kept heartbeating"
    );

    let events = at_least_restarted_events(&app, 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["details"]["worker"], "metadata");
    assert!(events[0]["details"]["error"]
        .as_str()
        .unwrap()
        .contains("scripted panic"));
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics.contains("harmony_worker_restarts_total{worker=\"metadata\"} 1"),
        "{metrics}"
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_panic_after_an_await_and_a_fatal_error_also_restart() {
    let journal = Journal::default();
    let app = app_with_scripted_metadata(&journal).await;
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;

    app.app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "async_panic", json!({})).max_attempts(1))
        .await
        .unwrap();
    let w = app
        .wait_for_worker("metadata", Duration::from_secs(5), |w| w["restarts"] == 1)
        .await;
    assert!(
        w["last_error"]
            .as_str()
            .unwrap()
            .contains("scripted async panic"),
        "{w}"
    );

    let fatal = app
        .app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "fatal", json!({})).max_attempts(1))
        .await
        .unwrap();
    let w = app
        .wait_for_worker("metadata", Duration::from_secs(5), |w| w["restarts"] == 2)
        .await;
    assert!(
        w["last_error"]
            .as_str()
            .unwrap()
            .contains(&format!("scripted fatal error in job {}", fatal.id)),
        "{w}"
    );
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_worker_that_keeps_failing_is_restarted_with_growing_delays() {
    let journal = Journal::default();
    let app = app_with_scripted_metadata(&journal).await;
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    // Each job kills the worker once; three in a row.
    for _ in 0..3 {
        app.app
            .lifecycle
            .enqueue(JobRequest::new(WorkerName::Metadata, "panic", json!({})).max_attempts(1))
            .await
            .unwrap();
    }
    app.wait_for_worker("metadata", Duration::from_secs(10), |w| {
        w["restarts"] == 3 && w["state"] == "running"
    })
    .await;
    let mut delays: Vec<u64> = at_least_restarted_events(&app, 3)
        .await
        .iter()
        .map(|e| e["details"]["delay_ms"].as_u64().unwrap())
        .collect();
    delays.reverse(); // the feed is newest first
                      // WORKER_RESTART_BASE_SEC = 0.1, doubling: 100, 200, 400 ms.
    assert_eq!(delays, vec![100, 200, 400]);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_blocked_worker_shows_stale_then_recovers() {
    let journal = Journal::default();
    let app = app_with_scripted_metadata(&journal).await;
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    // Blocks the worker's thread for 4× WORKER_STALE_AFTER_SEC.
    let job = app
        .app
        .lifecycle
        .enqueue(JobRequest::new(
            WorkerName::Metadata,
            "block",
            json!({"ms": 2000}),
        ))
        .await
        .unwrap();
    let w = app
        .wait_for_worker("metadata", Duration::from_secs(5), |w| {
            w["state"] == "stale"
        })
        .await;
    assert_eq!(w["restarts"], 0);
    // The workers share one thread (they only route messages; blocking work
    // belongs on the blocking pool), so a blocked thread stalls them all and
    // `/status` says so — it answers from the HTTP threads all the same.
    let status = app.status().await;
    assert_eq!(status["status"], "degraded");
    app.wait_for_worker("sync", Duration::from_secs(5), |w| w["state"] == "stale")
        .await;
    // Once unblocked it heartbeats again, finishes the job, and is running;
    // one stale event was written for it.
    app.wait_for_worker("metadata", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    eventually(Duration::from_secs(3), "blocked job completes", || async {
        journal.completions(job.id) == 1
    })
    .await;
    let (_, body) = app.get("/api/v1/activity?type=worker").await;
    let stale: Vec<_> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "stale" && e["details"]["worker"] == "metadata")
        .collect();
    assert_eq!(stale.len(), 1, "{body}");
    app.app.shutdown().await;
}
