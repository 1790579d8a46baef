//! The lifecycle layer seen from outside: typed jobs that cannot be read
//! fail with the reason, and committed changes are announced on the event
//! broadcast (and counted in `/metrics`) only once they are true.

use crate::common;

use std::time::Duration;

use common::{eventually, TestApp};
use harmony::db::jobs::{self, NewJob};
use harmony::domain::workers::name::WorkerName;
use harmony::lifecycle::Event;
use serde_json::json;

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_job_row_that_does_not_decode_fails_with_the_reason_and_is_not_retried() {
    let app = TestApp::start(&[]).await;
    // A cancel written without the peer's name (an old or broken row): it
    // must not run with an empty user name.
    let row = app
        .app
        .lifecycle
        .change(|c| {
            let now = c.now();
            let row = jobs::enqueue(
                c.conn(),
                &NewJob {
                    worker: "sync",
                    kind: "cancel_transfer",
                    payload: r#"{"download_id":1,"filename":"a.flac","slskd_id":null,"since":1}"#,
                    dedupe_key: None,
                    priority: 0,
                    max_attempts: 5,
                    run_at: now,
                },
                now,
            )?;
            c.wake(WorkerName::Sync);
            Ok(row)
        })
        .await
        .unwrap();
    let db = app.app.db.clone();
    eventually(Duration::from_secs(5), "the job failed", || {
        let db = db.clone();
        async move { db.read(move |c| jobs::get(c, row.id)).await.unwrap().state == jobs::FAILED }
    })
    .await;
    let failed = db.read(move |c| jobs::get(c, row.id)).await.unwrap();
    assert_eq!(failed.attempts, 1, "an unreadable job is not tried again");
    let error = failed.last_error.unwrap_or_default();
    assert!(error.contains("username"), "{error}");
    assert_eq!(app.worker("sync").await["restarts"], 0);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_committed_change_is_announced_and_counted() {
    let app = TestApp::start(&[]).await;
    let mut events = app.app.lifecycle.events().subscribe();
    let body =
        json!({"items": [{"username": "u", "filename": "Music\\A\\01 - T.flac", "size": 100}]});
    let (status, created) = app.send_json("POST", "/api/v1/downloads", &body).await;
    assert_eq!(status, 202, "{created}");
    let id = created["items"][0]["id"].as_i64().unwrap();
    let queued = actix_rt::time::timeout(Duration::from_secs(5), async {
        loop {
            // Other events (the workers starting) come and go around it.
            if let Event::DownloadQueued { download_id, .. } = *events.recv().await.unwrap() {
                return download_id;
            }
        }
    })
    .await
    .expect("the download's event");
    assert_eq!(queued.get(), id);
    // Announced after the commit: what it says is already there to read.
    let (status, row) = app.get(&format!("/api/v1/downloads/{id}")).await;
    assert_eq!((status, row["state"].as_str()), (200, Some("queued")));

    eventually(Duration::from_secs(5), "the event counted", || async {
        let (_, text) = app.get_text("/metrics").await;
        text.contains("harmony_events_total{event=\"download.queued\"} 1")
    })
    .await;
    app.app.shutdown().await;
}
