//! Kill the real binary with SIGKILL while downloads are being handed to
//! slskd and transferred; start it again: every download completes, and no
//! file was enqueued twice.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fake_slskd::{FakeOptions, FakeSlskd};
use serde_json::{json, Value};

#[allow(clippy::zombie_processes)] // the caller kills and waits for the child
fn spawn(dir: &Path, fake: &FakeSlskd) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_harmony"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HARMONY_DATA_DIR", dir.join("data"))
        .env("HARMONY_BIND", "127.0.0.1:0")
        .env("HARMONY_LOG_FORMAT", "json")
        .env("SLSKD_URL", &fake.url)
        .env("SLSKD_DOWNLOADS_DIR", &fake.downloads_dir)
        .env("MUSIC_DIR", dir.join("music"))
        .env("SYNC_POLL_INTERVAL_SEC", "0.05")
        .env("SYNC_IDLE_POLL_INTERVAL_SEC", "0.2")
        .env("SYNC_WORKER_CONCURRENCY", "2")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no start line");
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            if v["fields"]["message"] == "harmony started" {
                let bind = v["fields"]["bind"].as_str().unwrap().to_string();
                return (child, format!("http://{bind}"));
            }
        }
    }
}

async fn get(base: &str, path: &str) -> Value {
    let mut res = common::client()
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap();
    serde_json::from_slice(&res.body().await.unwrap()).unwrap()
}

/// `enqueued` events committed in the database the killed process left.
async fn recorded_enqueues(path: &Path) -> usize {
    let db = harmony::db::Db::open(path).unwrap();
    db.read(|c| {
        use diesel::prelude::*;
        use harmony::db::schema::download_events::dsl::*;
        Ok(download_events
            .filter(type_.eq("enqueued"))
            .count()
            .get_result::<i64>(c)?)
    })
    .await
    .unwrap() as usize
}

fn enqueue_posts(fake: &FakeSlskd) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.starts_with("/api/v0/transfers/downloads/"))
        .count()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn sigkill_with_downloads_in_flight_loses_nothing_and_enqueues_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlskd::start(
        FakeOptions {
            enqueue_latency: Duration::from_millis(300),
            ..FakeOptions::default()
        },
        dir.path().join("slskd"),
    )
    .await;
    // Transfers wait in slskd until the restart.
    fake.hold(true);
    let (mut first, base) = spawn(dir.path(), &fake);
    let files: Vec<String> = (1..=8)
        .map(|i| format!("@@s\\Music\\Artist\\Album\\{i:02} - Song {i}.flac"))
        .collect();
    let items: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(i, f)| json!({"username": "peer", "filename": f, "size": 2000 + i, "track": {"artist": "Artist", "album": "Album"}}))
        .collect();
    let mut res = common::client()
        .post(format!("{base}/api/v1/downloads"))
        .send_json(&json!({ "items": items }))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let _ = res.body().await;

    // Kill while enqueue calls are in flight (each takes 300 ms, two at a time).
    let deadline = Instant::now() + Duration::from_secs(20);
    while enqueue_posts(&fake) < 3 {
        assert!(Instant::now() < deadline, "slskd never saw the enqueues");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let before_restart = enqueue_posts(&fake);
    assert!(
        before_restart < files.len(),
        "the kill came too late to prove anything"
    );
    // slskd got more enqueues than Harmony had recorded: at least one was in
    // flight when the process died.
    let recorded = recorded_enqueues(&dir.path().join("data").join("harmony.db")).await;
    assert!(
        recorded < before_restart,
        "no enqueue was in flight ({recorded} of {before_restart} recorded)"
    );

    let (mut second, base) = spawn(dir.path(), &fake);
    fake.hold(false);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = get(&base, "/api/v1/downloads?state=completed").await;
        if page["total"] == files.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not all completed: {}",
            get(&base, "/api/v1/downloads").await
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    for f in &files {
        assert_eq!(
            fake.enqueue_count("peer", f),
            1,
            "{f} was enqueued more than once"
        );
    }
    let page = get(&base, "/api/v1/downloads").await;
    assert_eq!(page["total"], files.len());
    for d in page["items"].as_array().unwrap() {
        let path = Path::new(d["organized_path"].as_str().unwrap());
        assert!(path.exists(), "{path:?}");
        assert!(path.starts_with(dir.path().join("music").join("Artist").join("Album")));
    }
    second.kill().unwrap();
    second.wait().unwrap();
}
