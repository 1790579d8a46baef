//! What notifications cost the rest of the service, and how fast a burst
//! becomes messages.
//!
//! ```sh
//! cargo run --release --example notify_bench
//! ```
//! Figure 1: a state change that emits `download.completed` (the download
//! row looked up for artist, title and source), 2 000 times, with no
//! notification target (nothing is written) and with one (a pending row in
//! the same transaction). Figure 2: grouping 10 000 pending completions
//! into messages for two targets (`group_due`: one transaction). Figure 3:
//! the app in-process with a webhook target on the tests' fake receiver,
//! 300 completions announced back to back with `NOTIFY_BATCH_SEC` = 1: the
//! messages it takes and the time from the last event to the last
//! delivery. Temporary directories only; traffic to 127.0.0.1 only.

use std::time::{Duration, Instant};

use harmony::app::WorkerOverrides;
use harmony::db::notify::{self as store, TargetFields};
use harmony::db::Db;
use harmony::domain::ids::DownloadId;
use harmony::domain::time::now_millis;
use harmony::lifecycle::{notify as notify_change, Event, Lifecycle};
use harmony_testkit::fake_notify::{Credentials, FakeNotify};
use serde_json::json;

const CHANGES: usize = 2_000;
const PENDING: usize = 10_000;
const BURST: usize = 300;

fn target(name: &str, url: &str) -> TargetFields {
    TargetFields {
        name: name.into(),
        kind: "webhook".into(),
        url: url.into(),
        secret: Some("s".into()),
        apprise_key: None,
        events: vec!["*".into()],
        enabled: true,
    }
}

fn completed(i: usize) -> Event {
    Event::DownloadCompleted {
        download_id: DownloadId(i as i64),
        path: format!("/music/A/B/{i:05}.flac"),
        wanted_id: None,
    }
}

async fn changes(lifecycle: &Lifecycle) -> Duration {
    let started = Instant::now();
    for i in 0..CHANGES {
        lifecycle.announce(completed(i)).await.expect("change");
    }
    started.elapsed() / CHANGES as u32
}

fn main() {
    actix_rt::System::new().block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("h.db")).expect("db");
        let lifecycle = Lifecycle::without_workers(db.clone());

        let without = changes(&lifecycle).await;
        db.write(|c| store::insert_target(c, &target("a", "http://127.0.0.1:9/a"), false, now_millis()))
            .await
            .expect("target");
        let with = changes(&lifecycle).await;
        println!("1. change with download.completed: {without:?} without a target, {with:?} with one ({CHANGES} changes each)");

        db.write(|c| store::insert_target(c, &target("b", "http://127.0.0.1:9/b"), false, now_millis()))
            .await
            .expect("target");
        for i in CHANGES..PENDING {
            db.write(move |c| store::insert_event(c, "download.completed", &json!({"i": i}).to_string(), 0))
                .await
                .expect("event");
        }
        let started = Instant::now();
        lifecycle
            .change(|c| notify_change::group_due(c, 60_000))
            .await
            .expect("group");
        println!(
            "2. grouping {PENDING} pending events for 2 targets: {:?}",
            started.elapsed()
        );

        let fake = FakeNotify::start(Credentials::default()).await;
        let app_dir = tempfile::tempdir().expect("temp dir");
        let data = app_dir.path().join("data").display().to_string();
        let env = [
            ("HARMONY_BIND", "127.0.0.1:0".to_string()),
            ("HARMONY_DATA_DIR", data),
            ("HARMONY_LOG_LEVEL", "warn".to_string()),
            ("SLSKD_URL", String::new()),
            ("NOTIFY_BATCH_SEC", "1".to_string()),
            (
                "NOTIFY_TARGETS",
                json!([{"name": "hook", "kind": "webhook", "url": fake.webhook_url("b"),
                        "secret": "hook-secret-1"}])
                .to_string(),
            ),
        ];
        let raw = harmony::config::load(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .expect("config");
        let (config, raw, db) = harmony::app::prepare(raw).expect("prepare");
        let app = harmony::app::start(config, raw, db, WorkerOverrides::default())
            .await
            .expect("start");
        for i in 0..BURST {
            app.lifecycle.announce(completed(i)).await.expect("announce");
        }
        let last_event = Instant::now();
        let deadline = last_event + Duration::from_secs(60);
        loop {
            let counted: u64 = fake
                .delivered("webhook")
                .iter()
                .map(|r| r.json()["count"].as_u64().unwrap_or(0))
                .sum();
            if counted as usize == BURST {
                break;
            }
            assert!(Instant::now() < deadline, "not delivered within 60 s");
            actix_rt::time::sleep(Duration::from_millis(5)).await;
        }
        println!(
            "3. {BURST} completions → {} message(s); last event → last delivery {:?}",
            fake.delivered("webhook").len(),
            last_event.elapsed()
        );
        app.shutdown().await;
    });
}
