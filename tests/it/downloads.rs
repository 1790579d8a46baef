//! Downloads end to end against a fake slskd that behaves like the real one:
//! submission, polling, completion into the library, failures, retries,
//! cancel, outages and hostile remote names.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::fake_slskd::{FakeOptions, FakeSlskd, Outcome, Version};
use common::idle_proxy::IdleClosingProxy;
use common::{eventually, TestApp};
use serde_json::{json, Value};

const FLAC: &str = "@@abcde\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";

struct Setup {
    app: TestApp,
    fake: FakeSlskd,
    music: PathBuf,
}

const DEFAULTS: [(&str, &str); 3] = [
    ("RETRY_SCAN_INTERVAL_SEC", "0.05"),
    ("RETRY_BASE_SECONDS", "0.2"),
    ("RETRY_JITTER_PCT", "0"),
];

async fn setup(options: FakeOptions, extra: &[(&str, &str)]) -> Setup {
    let (app, fake, music) = common::start_with_fake(options, &DEFAULTS, extra).await;
    Setup { app, fake, music }
}

/// The app reaches slskd through a proxy that closes connections idle for `idle`.
async fn setup_behind_idle_closing(
    options: FakeOptions,
    idle: Duration,
    extra: &[(&str, &str)],
) -> (Setup, IdleClosingProxy) {
    let (app, fake, music, proxy) =
        common::start_with_fake_behind(options, Some(idle), &DEFAULTS, extra).await;
    (Setup { app, fake, music }, proxy.unwrap())
}

impl Setup {
    async fn create(&self, items: Value) -> Vec<Value> {
        let (code, body) = self
            .app
            .send_json("POST", "/api/v1/downloads", &json!({ "items": items }))
            .await;
        assert_eq!(code, 202, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    async fn download(&self, id: i64) -> Value {
        let (code, body) = self.app.get(&format!("/api/v1/downloads/{id}")).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    /// Polls the download until `check` holds.
    async fn wait(
        &self,
        id: i64,
        within: Duration,
        what: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let d = self.download(id).await;
            if check(&d) {
                return d;
            }
            assert!(
                Instant::now() < deadline,
                "download {id} never got {what}: {d}"
            );
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_state(&self, id: i64, state: &str) -> Value {
        self.wait(id, Duration::from_secs(15), state, |d| d["state"] == state)
            .await
    }

    async fn events(&self, id: i64) -> Vec<Value> {
        let (code, body) = self
            .app
            .get(&format!("/api/v1/downloads/{id}/events"))
            .await;
        assert_eq!(code, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    /// The files slskd was asked for, in the order it was asked.
    fn enqueued_filenames(&self) -> Vec<String> {
        self.enqueue_posts()
            .iter()
            .map(|r| {
                serde_json::from_str::<Value>(&r.body).unwrap()[0]["filename"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    /// A download handed to slskd (0.24: its transfer id is known) whose
    /// transfer is frozen until the caller releases `fake.hold`.
    async fn submitted_and_held(&self, file: &str) -> i64 {
        self.fake.hold(true);
        let id = self.create(json!([item("u", file, 5000)])).await[0]["id"]
            .as_i64()
            .unwrap();
        eventually(Duration::from_secs(5), "submitted", || async {
            self.fake.enqueue_count("u", file) == 1
        })
        .await;
        id
    }

    /// The submit jobs of a download: (state, attempts).
    async fn submit_jobs(&self, id: i64) -> Vec<(String, i32)> {
        let key = format!("submit:{id}");
        self.app
            .app
            .db
            .read(move |c| {
                use diesel::prelude::*;
                use harmony::db::schema::worker_jobs::dsl::*;
                Ok(worker_jobs
                    .filter(worker.eq("sync"))
                    .filter(dedupe_key.eq(key))
                    .select((state, attempts))
                    .load::<(String, i32)>(c)?)
            })
            .await
            .unwrap()
    }

    fn enqueue_posts(&self) -> Vec<common::fake_slskd::LoggedRequest> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.starts_with("/api/v0/transfers/downloads/"))
            .collect()
    }
}

fn item(username: &str, filename: &str, size: u64) -> Value {
    json!({"username": username, "filename": filename, "size": size})
}

fn discovery_track() -> Value {
    json!({"artist": "Daft Punk", "title": "One More Time", "album": "Discovery", "track_number": 1, "year": 2001})
}

fn canonical_music(music: &Path) -> PathBuf {
    std::path::absolute(music).unwrap()
}

fn event_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_known_file_lands_in_the_library_end_to_end() {
    let s = setup(
        FakeOptions {
            api_key: Some("slskd-key".into()),
            queue_remotely_ticks: 3,
            ..FakeOptions::default()
        },
        &[("SLSKD_API_KEY", "slskd-key")],
    )
    .await;
    let mut one = item("daftfan", FLAC, 300_000);
    one["track"] = discovery_track();
    let created = s.create(json!([one.clone(), one.clone()])).await;
    let id = created[0]["id"].as_i64().unwrap();
    assert_eq!(
        created[1]["id"], id,
        "two identical items yield the same download"
    );
    assert_eq!(created[0]["state"], "queued");
    assert_eq!(created[0]["track"]["album"], "Discovery");
    assert_eq!(created[0]["artwork_status"], "disabled");
    assert_eq!(created[0]["metadata_status"], "pending");

    // While it is active, the same file is the same download.
    let again = s.create(json!([one])).await;
    assert_eq!(again[0]["id"], id);

    let done = s.wait_state(id, "completed").await;
    let expected = canonical_music(&s.music).join("Daft Punk/Discovery/01 - One More Time.flac");
    assert_eq!(done["organized_path"], expected.display().to_string());
    assert_eq!(done["progress"], 100.0);
    assert_eq!(done["bytes_transferred"], 300_000);
    assert_eq!(
        std::fs::read(&expected).unwrap(),
        common::fake_slskd::file_content(FLAC, 300_000)
    );
    assert!(
        !s.fake
            .downloads_dir
            .join("Discovery/01 - One More Time.flac")
            .exists(),
        "moved, not copied"
    );

    // Exactly one transfer, enqueued with the exact filename and size, always with the key.
    assert_eq!(s.fake.enqueue_count("daftfan", FLAC), 1);
    let posts = s.enqueue_posts();
    let body: Value = serde_json::from_str(&posts[0].body).unwrap();
    assert_eq!(body, json!([{"filename": FLAC, "size": 300_000}]));
    assert!(s
        .fake
        .requests()
        .iter()
        .all(|r| r.api_key.as_deref() == Some("slskd-key")));

    let types = event_types(&s.events(id).await);
    for t in ["created", "enqueued", "state_changed", "organized"] {
        assert!(types.contains(&t.to_string()), "{t} missing from {types:?}");
    }
    let events = s.events(id).await;
    let changes: Vec<(String, String)> = events
        .iter()
        .filter(|e| e["type"] == "state_changed")
        .map(|e| {
            (
                e["details"]["from"].as_str().unwrap().into(),
                e["details"]["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("queued".into(), "downloading".into()),
            ("downloading".into(), "completed".into())
        ]
    );

    // /status: the queue is empty again; slskd is fine; the metadata worker got its job.
    s.app
        .wait_for_worker("sync", Duration::from_secs(5), |w| w["queue_size"] == 0)
        .await;
    s.app
        .wait_for_worker("metadata", Duration::from_secs(5), |w| w["queue_size"] == 0)
        .await;
    // The metadata worker was handed the file as a job row, committed with the completion.
    let tag_jobs = s
        .app
        .app
        .db
        .read(|c| {
            use diesel::prelude::*;
            use harmony::db::schema::worker_jobs::dsl::*;
            Ok(worker_jobs
                .filter(worker.eq("metadata"))
                .filter(kind.eq("tag"))
                .select((payload, state))
                .load::<(String, String)>(c)?)
        })
        .await
        .unwrap();
    assert_eq!(tag_jobs.len(), 1, "{tag_jobs:?}");
    let tag: Value = serde_json::from_str(&tag_jobs[0].0).unwrap();
    assert_eq!(
        (tag["download_id"].as_i64(), tag_jobs[0].1.as_str()),
        (Some(id), "done")
    );
    assert_eq!(s.app.status().await["connections"]["slskd"], "ok");
    let (_, metrics) = s.app.get_text("/metrics").await;
    assert!(
        metrics.contains("harmony_downloads{state=\"completed\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("harmony_downloads{state=\"dead_letter\"} 0"),
        "{metrics}"
    );
    let (_, activity) = s.app.get("/api/v1/activity?type=download").await;
    let statuses: Vec<&str> = activity["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    for st in ["queued", "started", "organized", "completed"] {
        assert!(statuses.contains(&st), "{st} missing from {statuses:?}");
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn slskd_0_24_names_the_transfer_when_it_accepts_it() {
    let s = setup(
        FakeOptions {
            version: Version::V0_24,
            ..FakeOptions::default()
        },
        &[],
    )
    .await;
    let created = s
        .create(json!([item(
            "u 1",
            "Music\\Artist\\Album (2004) [FLAC]\\Song.mp3",
            1000
        )]))
        .await;
    let id = created[0]["id"].as_i64().unwrap();
    let done = s.wait_state(id, "completed").await;
    let events = s.events(id).await;
    let enqueued = events.iter().find(|e| e["type"] == "enqueued").unwrap();
    let slskd_id = enqueued["details"]["slskd_id"].as_str().unwrap();
    assert_eq!(slskd_id.len(), 36, "a GUID: {slskd_id}");
    // Unknown album and title: read from the remote path; no track number: title only.
    let expected = canonical_music(&s.music).join("Artist/Album/Song.mp3");
    assert_eq!(done["organized_path"], expected.display().to_string());
    // The user name travelled percent-encoded.
    assert!(
        s.enqueue_posts()[0].path.ends_with("/u%201"),
        "{:?}",
        s.enqueue_posts()[0].path
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn progress_is_clamped_and_unknown_states_spoil_nothing() {
    let s = setup(FakeOptions::default(), &[]).await;
    let a = "share\\A\\a.mp3";
    let b = "share\\B\\b.mp3";
    s.fake
        .report_override("u", a, Some(("InProgress".into(), 150.0)));
    s.fake
        .report_override("u", b, Some(("Completed, Teleported".into(), 50.0)));
    let ids: Vec<i64> = s
        .create(json!([item("u", a, 5000), item("u", b, 5000)]))
        .await
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    let clamped = s
        .wait(ids[0], Duration::from_secs(10), "clamped progress", |d| {
            d["state"] == "downloading"
        })
        .await;
    assert_eq!(clamped["progress"], 100.0);
    s.fake
        .report_override("u", a, Some(("InProgress".into(), -7.0)));
    s.wait(ids[0], Duration::from_secs(10), "progress 0", |d| {
        d["progress"] == 0.0
    })
    .await;
    // The unknown state left download b as it was, while a was updated.
    let untouched = s.download(ids[1]).await;
    assert_eq!(untouched["state"], "queued");
    assert_eq!(untouched["progress"], 0.0);
    s.fake.report_override("u", a, None);
    s.fake.report_override("u", b, None);
    s.wait_state(ids[0], "completed").await;
    s.wait_state(ids[1], "completed").await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn transfers_harmony_did_not_start_are_left_alone() {
    let s = setup(FakeOptions::default(), &[]).await;
    let foreign = s
        .fake
        .add_foreign("someone", "x\\y\\foreign.flac", "InProgress", 10.0);
    let foreign_done =
        s.fake
            .add_foreign("someone", "x\\y\\done.flac", "Completed, Succeeded", 100.0);
    let id = s
        .create(json!([item("u", "m\\Album\\mine.flac", 100)]))
        .await[0]["id"]
        .as_i64()
        .unwrap();
    s.wait_state(id, "completed").await;
    let (_, list) = s.app.get("/api/v1/downloads").await;
    assert_eq!(list["total"], 1);
    assert_eq!(s.fake.cancel_count(), 0);
    let still: Vec<Value> = s
        .fake
        .transfers()
        .into_iter()
        .filter(|t| t["id"] == foreign.as_str() || t["id"] == foreign_done.as_str())
        .collect();
    assert_eq!(still.len(), 2);
    assert_eq!(still[0]["state"], "InProgress");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_transfer_cleared_from_slskd_before_harmony_saw_it_finish_still_completes() {
    let s = setup(
        FakeOptions {
            version: Version::V0_24,
            ..FakeOptions::default()
        },
        &[],
    )
    .await;
    let file = "s\\Artist\\Album\\cleared.flac";
    let id = s.submitted_and_held(file).await;
    // While Harmony cannot look, the transfer finishes and is cleared from the list.
    s.fake.pause().await;
    s.fake.hold(false);
    eventually(Duration::from_secs(5), "finished in slskd", || async {
        s.fake
            .transfers()
            .iter()
            .any(|t| t["state"] == "Completed, Succeeded")
    })
    .await;
    s.fake.remove_completed();
    s.fake.resume().await;
    s.wait_state(id, "completed").await;
    let slskd_id = s
        .events(id)
        .await
        .iter()
        .find(|e| e["type"] == "enqueued")
        .unwrap()["details"]["slskd_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        s.fake
            .requests()
            .iter()
            .any(|r| r.method == "GET"
                && r.path == format!("/api/v0/transfers/downloads/u/{slskd_id}")),
        "looked up by id"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_live_transfer_of_the_same_file_is_adopted_not_enqueued_again() {
    let s = setup(FakeOptions::default(), &[]).await;
    let file = "s\\Artist\\Album\\already.flac";
    // What a crash between slskd's answer and Harmony's commit leaves behind.
    let existing = s.fake.add_foreign("u", file, "Queued, Remotely", 0.0);
    let id = s.create(json!([item("u", file, 5000)])).await[0]["id"]
        .as_i64()
        .unwrap();
    eventually(Duration::from_secs(5), "adopted", || async {
        s.events(id).await.iter().any(|e| e["type"] == "enqueued")
    })
    .await;
    let events = s.events(id).await;
    let enqueued = events.iter().find(|e| e["type"] == "enqueued").unwrap();
    assert_eq!(enqueued["details"]["slskd_id"], existing.as_str());
    assert_eq!(enqueued["details"]["existing_transfer"], true);
    assert!(
        s.enqueue_posts().is_empty(),
        "no second transfer was requested"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_transfer_slskd_forgot_is_a_failed_attempt_and_retried() {
    let s = setup(
        FakeOptions {
            version: Version::V0_24,
            ..FakeOptions::default()
        },
        &[],
    )
    .await;
    let file = "s\\Artist\\Album\\forgotten.flac";
    let id = s.submitted_and_held(file).await;
    s.fake.pause().await;
    s.fake.forget("u", file);
    s.fake.hold(false);
    s.fake.resume().await;
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["retry_count"], 1);
    let events = s.events(id).await;
    let failed = events.iter().find(|e| e["type"] == "failed").unwrap();
    assert!(
        failed["details"]["error"]
            .as_str()
            .unwrap()
            .contains("no longer knows transfer"),
        "{failed}"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn cancel_stops_the_transfer_in_slskd_and_retry_starts_over() {
    let s = setup(FakeOptions::default(), &[]).await;
    let file = "share\\Artist\\Album\\01 - Long.flac";
    s.fake.script("u", file, vec![Outcome::Stall]);
    let id = s.create(json!([item("u", file, 10 << 20)])).await[0]["id"]
        .as_i64()
        .unwrap();
    s.wait_state(id, "downloading").await;
    // The sync worker's queue counts queued + downloading.
    s.app
        .wait_for_worker("sync", Duration::from_secs(5), |w| w["queue_size"] == 1)
        .await;

    let (code, cancelled) = s
        .app
        .send_json("DELETE", &format!("/api/v1/downloads/{id}"), &json!(null))
        .await;
    assert_eq!(code, 200, "{cancelled}");
    assert_eq!(cancelled["state"], "cancelled");
    eventually(Duration::from_secs(5), "slskd cancel", || async {
        s.fake.cancel_count() == 1
    })
    .await;
    let delete = s
        .fake
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert!(
        delete.path.starts_with("/api/v0/transfers/downloads/u/"),
        "{}",
        delete.path
    );
    // Cancelling again changes nothing; cancelled downloads refuse a new priority.
    let (code, again) = s
        .app
        .send_json("DELETE", &format!("/api/v1/downloads/{id}"), &json!(null))
        .await;
    assert_eq!((code, again["state"].clone()), (200, json!("cancelled")));
    let (code, body) = s
        .app
        .send_json(
            "PATCH",
            &format!("/api/v1/downloads/{id}"),
            &json!({"priority": 3}),
        )
        .await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["error"]["details"]["state"], "cancelled");
    // The poll does not resurrect it after slskd reports "Completed, Cancelled".
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.download(id).await["state"], "cancelled");

    let (code, retried) = s
        .app
        .send_json(
            "POST",
            &format!("/api/v1/downloads/{id}/retry"),
            &json!(null),
        )
        .await;
    assert_eq!(code, 202, "{retried}");
    assert_eq!(
        (
            retried["state"].clone(),
            retried["retry_count"].clone(),
            retried["progress"].clone()
        ),
        (json!("queued"), json!(0), json!(0.0))
    );
    s.wait_state(id, "completed").await;
    assert_eq!(s.fake.enqueue_count("u", file), 2);
    let types = event_types(&s.events(id).await);
    assert!(types.contains(&"cancelled".to_string()), "{types:?}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn failed_transfers_back_off_then_dead_letter() {
    let s = setup(FakeOptions::default(), &[("RETRY_MAX_ATTEMPTS", "2")]).await;
    let file = "share\\A\\B\\bad.mp3";
    s.fake.script(
        "u",
        file,
        vec![
            Outcome::Errored("Transfer failed: Connection reset".into()),
            Outcome::TimedOut,
            Outcome::Rejected("File not shared.".into()),
        ],
    );
    let id = s.create(json!([item("u", file, 4000)])).await[0]["id"]
        .as_i64()
        .unwrap();
    let dead = s.wait_state(id, "dead_letter").await;
    assert_eq!(dead["retry_count"], 3);
    assert_eq!(dead["next_retry_at"], Value::Null);
    assert!(
        dead["last_error"]
            .as_str()
            .unwrap()
            .contains("File not shared."),
        "{dead}"
    );
    assert_eq!(s.fake.enqueue_count("u", file), 3);

    let events = s.events(id).await;
    let scheduled: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "retry_scheduled")
        .collect();
    assert_eq!(scheduled.len(), 2);
    // next_retry_at = failure time + RETRY_BASE_SECONDS × 2^(n−1) (no jitter here).
    for (n, e) in scheduled.iter().enumerate() {
        assert_eq!(e["details"]["retry_count"], n as i64 + 1);
        let at = chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
        let next =
            chrono::DateTime::parse_from_rfc3339(e["details"]["next_retry_at"].as_str().unwrap())
                .unwrap();
        assert_eq!((next - at).num_milliseconds(), 200 << n, "{e}");
    }
    // The retry scheduler re-queued each one only once it was due.
    let requeues: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "state_changed" && e["details"]["from"] == "failed")
        .collect();
    assert_eq!(requeues.len(), 2);
    for (sched, requeue) in scheduled.iter().zip(&requeues) {
        assert!(
            requeue["at"].as_str().unwrap() >= sched["details"]["next_retry_at"].as_str().unwrap()
        );
    }
    assert!(event_types(&events).contains(&"dead_lettered".to_string()));
    let (_, list) = s
        .app
        .get("/api/v1/downloads?state=failed,dead_letter")
        .await;
    assert_eq!(list["total"], 1);

    // Out of retries, a manual retry still works.
    let (code, _) = s
        .app
        .send_json(
            "POST",
            &format!("/api/v1/downloads/{id}/retry"),
            &json!(null),
        )
        .await;
    assert_eq!(code, 202);
    s.wait_state(id, "completed").await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn offline_peers_and_size_mismatches_fail_with_their_reason() {
    for version in [Version::V0_23, Version::V0_24] {
        let s = setup(
            FakeOptions {
                version,
                ..FakeOptions::default()
            },
            &[("RETRY_BASE_SECONDS", "60")],
        )
        .await;
        s.fake.set_online("gone", false);
        s.fake.share("u", "s\\A\\wrong.flac", 999);
        let ids: Vec<i64> = s
            .create(json!([
                item("gone", "s\\A\\x.flac", 100),
                item("u", "s\\A\\wrong.flac", 1000)
            ]))
            .await
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        let offline = s.wait_state(ids[0], "failed").await;
        assert!(
            offline["last_error"].as_str().unwrap().contains("offline"),
            "{version:?}: {offline}"
        );
        assert_eq!(offline["retry_count"], 1);
        assert!(offline["next_retry_at"].is_string());
        // Cancelling a failed download needs nothing from slskd.
        let (code, cancelled) = s
            .app
            .send_json(
                "DELETE",
                &format!("/api/v1/downloads/{}", ids[0]),
                &json!(null),
            )
            .await;
        assert_eq!(
            (code, cancelled["state"].clone()),
            (200, json!("cancelled")),
            "{cancelled}"
        );
        assert_eq!(cancelled["next_retry_at"], Value::Null);
        let mismatch = s.wait_state(ids[1], "failed").await;
        assert_eq!(s.fake.cancel_count(), 0);
        assert!(
            mismatch["last_error"]
                .as_str()
                .unwrap()
                .contains("does not match expected size"),
            "{mismatch}"
        );
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_slskd_outage_is_survived() {
    let s = setup(
        FakeOptions {
            bytes_per_tick: 1000,
            ..FakeOptions::default()
        },
        &[],
    )
    .await;
    let file = "s\\Artist\\Album\\slow.flac";
    let id = s.create(json!([item("u", file, 200_000)])).await[0]["id"]
        .as_i64()
        .unwrap();
    s.wait_state(id, "downloading").await;
    s.fake.pause().await;
    eventually(Duration::from_secs(5), "slskd unreachable", || async {
        s.app.status().await["connections"]["slskd"] == "unreachable"
    })
    .await;
    assert_eq!(s.app.worker("sync").await["state"], "running");
    assert_eq!(s.download(id).await["state"], "downloading");
    s.fake.resume().await;
    eventually(Duration::from_secs(5), "slskd ok again", || async {
        s.app.status().await["connections"]["slskd"] == "ok"
    })
    .await;
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["retry_count"], 0);
    assert_eq!(s.fake.enqueue_count("u", file), 1);
    assert_eq!(s.app.worker("sync").await["restarts"], 0);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn transient_answers_are_retried_and_a_wrong_key_is_not_blamed_on_the_download() {
    let s = setup(FakeOptions::default(), &[]).await;
    // Two 503s, then a 429 with Retry-After: absorbed by the client.
    s.fake.fail_next(2, 503, None);
    let started = Instant::now();
    let id = s.create(json!([item("u", "s\\A\\t.mp3", 100)])).await[0]["id"]
        .as_i64()
        .unwrap();
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["retry_count"], 0);
    s.fake.fail_next(1, 429, Some(1));
    let id2 = s.create(json!([item("u", "s\\A\\t2.mp3", 100)])).await[0]["id"]
        .as_i64()
        .unwrap();
    let t429 = Instant::now();
    s.wait_state(id2, "completed").await;
    assert!(
        t429.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert!(started.elapsed() < Duration::from_secs(15));

    let keyed = setup(
        FakeOptions {
            api_key: Some("right".into()),
            ..FakeOptions::default()
        },
        // Slow polls: the count below is about repeats, not about how many polls fit in the wait.
        &[("SLSKD_API_KEY", "wrong"), ("SYNC_POLL_INTERVAL_SEC", "1")],
    )
    .await;
    let id = keyed.create(json!([item("u", "s\\A\\k.mp3", 100)])).await[0]["id"]
        .as_i64()
        .unwrap();
    eventually(Duration::from_secs(5), "slskd unauthorized", || async {
        keyed.app.status().await["connections"]["slskd"] == "unauthorized"
    })
    .await;
    actix_rt::time::sleep(Duration::from_millis(300)).await;
    let d = keyed.download(id).await;
    assert_eq!(
        (d["state"].clone(), d["retry_count"].clone()),
        (json!("queued"), json!(0))
    );
    // 401 is never repeated in place: each call got exactly one answer.
    let unauthorized = keyed
        .fake
        .requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert!(
        unauthorized <= 6,
        "401s are not retried in a loop: {unauthorized}"
    );
    assert_eq!(keyed.fake.enqueue_count("u", "s\\A\\k.mp3"), 0);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn higher_priority_is_submitted_first() {
    let s = setup(FakeOptions::default(), &[("SYNC_WORKER_CONCURRENCY", "1")]).await;
    s.create(json!([
        {"username": "u", "filename": "s\\A\\low.mp3", "size": 10, "priority": -1},
        {"username": "u", "filename": "s\\A\\mid.mp3", "size": 10},
        {"username": "u", "filename": "s\\A\\high.mp3", "size": 10, "priority": 7},
    ]))
    .await;
    eventually(Duration::from_secs(10), "three enqueues", || async {
        s.enqueue_posts().len() == 3
    })
    .await;
    let order = s.enqueued_filenames();
    assert_eq!(
        order,
        vec!["s\\A\\high.mp3", "s\\A\\mid.mp3", "s\\A\\low.mp3"]
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_new_priority_reorders_waiting_submissions() {
    let s = setup(
        FakeOptions {
            enqueue_latency: Duration::from_millis(300),
            ..FakeOptions::default()
        },
        &[("SYNC_WORKER_CONCURRENCY", "1")],
    )
    .await;
    let ids: Vec<i64> = s
        .create(json!([
            item("u", "s\\A\\first.mp3", 10),
            item("u", "s\\A\\second.mp3", 10),
            item("u", "s\\A\\third.mp3", 10)
        ]))
        .await
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    // While the first enqueue is in flight, the third becomes urgent.
    eventually(Duration::from_secs(5), "first enqueue", || async {
        s.enqueue_posts().len() == 1
    })
    .await;
    let (code, patched) = s
        .app
        .send_json(
            "PATCH",
            &format!("/api/v1/downloads/{}", ids[2]),
            &json!({"priority": 10}),
        )
        .await;
    assert_eq!(
        (code, patched["priority"].clone()),
        (200, json!(10)),
        "{patched}"
    );
    eventually(Duration::from_secs(10), "three enqueues", || async {
        s.enqueue_posts().len() == 3
    })
    .await;
    let order = s.enqueued_filenames();
    assert_eq!(
        order,
        vec!["s\\A\\first.mp3", "s\\A\\third.mp3", "s\\A\\second.mp3"]
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn hostile_remote_names_never_leave_the_library() {
    let s = setup(FakeOptions::default(), &[]).await;
    let hostile = [
        "..\\..\\etc\\passwd",
        "@@x\\AUX\\CON.mp3",
        "@@x\\..\\..\\..\\evil\\..\\x.mp3",
        "@@x\\Music\\...\\ \\trailing dots... .flac",
        "@@x\\Музыка\\Кино\\Группа крови\\01 - Группа крови.mp3",
        "@@x\\M\\東京事変\\教育\\02 - 林檎の唄.flac",
    ];
    let items: Vec<Value> = hostile.iter().map(|f| item("u", f, 64)).collect();
    let mut with_track = item("u", "@@x\\a\\b\\track.mp3", 64);
    with_track["track"] = json!({"artist": "../../../tmp", "album": "..", "title": "a/b\\c:d*e?\"f\"<g>|h", "track_number": 3});
    let mut all = items;
    all.push(with_track);
    let created = s.create(json!(all)).await;
    let root = canonical_music(&s.music);
    let mut organized = Vec::new();
    for d in &created {
        let id = d["id"].as_i64().unwrap();
        let end = s
            .wait(id, Duration::from_secs(20), "an end state", |d| {
                ["completed", "failed"].contains(&d["state"].as_str().unwrap())
            })
            .await;
        if end["state"] == "completed" {
            let path = PathBuf::from(end["organized_path"].as_str().unwrap());
            assert!(path.starts_with(&root), "{path:?} escaped {root:?}");
            let canonical = path.canonicalize().unwrap();
            assert!(
                canonical.starts_with(root.canonicalize().unwrap()),
                "{canonical:?}"
            );
            for part in path.strip_prefix(&root).unwrap().components() {
                let text = part.as_os_str().to_string_lossy();
                assert!(text != ".." && text != "." && !text.is_empty(), "{path:?}");
                assert!(!text.ends_with('.') && !text.ends_with(' '), "{path:?}");
            }
            organized.push(path);
        }
    }
    let names: Vec<String> = organized
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        names.contains(&"Unknown Artist/AUX_/CON_.mp3".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"Unknown Artist/etc/passwd".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"Кино/Группа крови/01 - Группа крови.mp3".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"東京事変/教育/02 - 林檎の唄.flac".to_string()),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n.ends_with("03 - a_b_c_d_e__f__g__h.mp3")),
        "{names:?}"
    );
    assert!(organized.len() >= 5, "{names:?}");
    // Nothing was written next to the library or the downloads folder.
    let parent = s.music.parent().unwrap();
    let mut siblings: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    siblings.sort();
    assert_eq!(siblings, vec!["data", "music", "slskd-downloads"]);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn bad_requests_change_nothing() {
    let s = setup(FakeOptions::default(), &[]).await;
    let cases = [
        json!({"items": []}),
        json!({"items": [{"username": "", "filename": "f", "size": 1}]}),
        json!({"items": [{"username": "u", "filename": "f\u{0}", "size": 1}]}),
        json!({"items": [{"username": "u", "filename": "f", "size": 0}]}),
        json!({"items": [{"username": "u", "filename": "f"}]}),
        json!({"items": [{"username": "u", "filename": "f", "size": "big"}]}),
        json!({"items": [{"username": "u", "filename": "f", "size": 1, "priority": 9_999_999_999i64}]}),
    ];
    for body in cases {
        let (code, answer) = s.app.send_json("POST", "/api/v1/downloads", &body).await;
        assert_eq!(code, 422, "{body} → {answer}");
        assert_eq!(answer["error"]["code"], "validation_error");
    }
    let (code, answer) = s.app.send_json("POST", "/api/v1/downloads", &json!({"items": [{"username": "u", "filename": "f", "size": 1}, {"username": "u", "filename": "g", "size": -1}]})).await;
    assert_eq!(code, 422);
    assert_eq!(answer["error"]["details"][0]["field"], "items[1].size");
    let (_, list) = s.app.get("/api/v1/downloads").await;
    assert_eq!(list["total"], 0, "nothing was created");
    assert!(s.enqueue_posts().is_empty());

    assert_eq!(s.app.get("/api/v1/downloads/999").await.0, 404);
    assert_eq!(s.app.get("/api/v1/downloads/999/events").await.0, 404);
    assert_eq!(s.app.get("/api/v1/downloads?state=running").await.0, 422);
    assert_eq!(
        s.app
            .send_json("POST", "/api/v1/downloads/999/retry", &json!(null))
            .await
            .0,
        404
    );
    assert_eq!(
        s.app
            .send_json("PUT", "/api/v1/downloads/1", &json!({}))
            .await
            .0,
        405
    );

    let id = s.create(json!([item("u", "s\\A\\ok.mp3", 10)])).await[0]["id"]
        .as_i64()
        .unwrap();
    let (code, body) = s
        .app
        .send_json(
            "POST",
            &format!("/api/v1/downloads/{id}/retry"),
            &json!(null),
        )
        .await;
    assert_eq!(code, 409, "retry of an active download: {body}");
    s.wait_state(id, "completed").await;
    assert_eq!(
        s.app
            .send_json("DELETE", &format!("/api/v1/downloads/{id}"), &json!(null))
            .await
            .0,
        409
    );
    assert_eq!(
        s.app
            .send_json(
                "PATCH",
                &format!("/api/v1/downloads/{id}"),
                &json!({"priority": 1})
            )
            .await
            .0,
        409
    );
    let (_, page) = s
        .app
        .get("/api/v1/downloads?state=completed&limit=1&offset=0")
        .await;
    assert_eq!(
        (
            page["total"].clone(),
            page["items"].as_array().unwrap().len()
        ),
        (json!(1), 1)
    );
}

/// Issue 12 item 2: submissions waiting behind an enqueue in flight go out
/// by priority (higher first, ties in creation order), and a PATCHed
/// priority counts — posted one by one, against a slskd behind a server that
/// closes idle keep-alive connections (as nginx or Kestrel do): a pooled
/// connection closed while the enqueue was held must not cost a submission
/// its turn.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn waiting_submissions_follow_their_priority_and_its_changes() {
    let (s, _proxy) = setup_behind_idle_closing(
        FakeOptions::default(),
        Duration::from_millis(150),
        &[("SYNC_WORKER_CONCURRENCY", "1")],
    )
    .await;
    s.fake.hold_enqueue_answers(true);
    s.create(json!([item("u", "s\\A\\busy.mp3", 10)])).await;
    eventually(Duration::from_secs(5), "the first enqueue", || async {
        s.enqueue_posts().len() == 1
    })
    .await;
    let mut ids = Vec::new();
    for (file, priority) in [("a0", 0), ("b0", 0), ("c5", 5), ("dm1", -1)] {
        let one = json!({"username": "u", "filename": format!("s\\A\\{file}.mp3"), "size": 10, "priority": priority});
        ids.push(s.create(json!([one])).await[0]["id"].as_i64().unwrap());
    }
    let (code, patched) = s
        .app
        .send_json(
            "PATCH",
            &format!("/api/v1/downloads/{}", ids[0]),
            &json!({"priority": i32::MIN}),
        )
        .await;
    assert_eq!(code, 200, "{patched}");
    // The enqueue stays in flight while the pooled connections go idle.
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    s.fake.hold_enqueue_answers(false);
    eventually(Duration::from_secs(10), "five enqueues", || async {
        s.enqueue_posts().len() == 5
    })
    .await;
    assert_eq!(
        s.enqueued_filenames(),
        vec![
            "s\\A\\busy.mp3",
            "s\\A\\c5.mp3",
            "s\\A\\b0.mp3",
            "s\\A\\dm1.mp3",
            "s\\A\\a0.mp3"
        ]
    );
    for id in &ids {
        eventually(
            Duration::from_secs(5),
            "the submission recorded",
            || async {
                s.submit_jobs(*id)
                    .await
                    .iter()
                    .all(|(state, _)| state == "done")
            },
        )
        .await;
        // No submission failed on a closed connection and lost its turn.
        assert_eq!(s.submit_jobs(*id).await, vec![("done".to_string(), 1)]);
    }
}

/// Issue 12 item 3: a real Soulseek name ending in a space keeps its
/// extension in the library (`filename` itself stays verbatim).
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_remote_name_with_a_trailing_space_keeps_its_extension() {
    let s = setup(FakeOptions::default(), &[]).await;
    let remote = "@@share\\Music\\Band\\Album\\01 - Trailing.mp3 ";
    let mut one = item("u", remote, 4000);
    one["track"] =
        json!({"artist": "Band", "title": "Trailing", "album": "Album", "track_number": 1});
    let created = s.create(json!([one])).await;
    assert_eq!(created[0]["filename"], remote);
    let id = created[0]["id"].as_i64().unwrap();
    let done = s.wait_state(id, "completed").await;
    let expected = canonical_music(&s.music).join("Band/Album/01 - Trailing.mp3");
    assert_eq!(done["organized_path"], expected.display().to_string());
    assert!(expected.is_file());
}

/// Issue 12 item 1: the same file downloaded again after an earlier download
/// completed (and the user deleted it) is a new transfer at slskd, though
/// slskd still lists the old `Completed, Succeeded` one.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_completed_file_downloaded_again_is_enqueued_again() {
    for version in [Version::V0_23, Version::V0_24] {
        let s = setup(
            FakeOptions {
                version,
                ..FakeOptions::default()
            },
            &[],
        )
        .await;
        let file = "@@share\\Music\\Band\\Album\\01 - Again.mp3";
        let mut one = item("u", file, 3000);
        one["track"] =
            json!({"artist": "Band", "title": "Again", "album": "Album", "track_number": 1});
        let first = s.create(json!([one.clone()])).await[0]["id"]
            .as_i64()
            .unwrap();
        s.wait_state(first, "completed").await;
        // Tagged (or left as it was) before the user deletes it.
        let done = s
            .wait(first, Duration::from_secs(15), "metadata handled", |d| {
                d["metadata_status"] != "pending"
            })
            .await;
        let path = PathBuf::from(done["organized_path"].as_str().unwrap());
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            s.fake.transfers().len(),
            1,
            "slskd keeps the completed transfer"
        );

        let second = s.create(json!([one])).await[0]["id"].as_i64().unwrap();
        assert_ne!(second, first);
        let again = s.wait_state(second, "completed").await;
        assert_eq!(again["retry_count"], 0, "{again}");
        assert_eq!(again["organized_path"], path.display().to_string());
        assert!(path.is_file());
        assert_eq!(s.fake.enqueue_count("u", file), 2, "{version:?}");
    }
}

/// Issue 12 item 14: a server that closes idle keep-alive connections (the
/// request meets a connection it is closing) is not an outage. Reads are sent
/// again at once on a fresh connection; an enqueue that got no answer is
/// resolved by slskd's list, then sent on a fresh connection. The submission
/// takes one attempt, no transfer is doubled, and slskd stays `ok`.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn connections_closed_while_idle_are_not_an_outage() {
    let (s, proxy) = setup_behind_idle_closing(
        FakeOptions::default(),
        Duration::from_millis(150),
        &[
            ("SYNC_WORKER_CONCURRENCY", "2"),
            ("SYNC_IDLE_POLL_INTERVAL_SEC", "30"),
        ],
    )
    .await;
    // Two enqueues in flight at once leave (at least) two pooled connections.
    s.fake.hold_enqueue_answers(true);
    let warm = s
        .create(json!([
            item("u", "s\\A\\one.mp3", 10),
            item("u", "s\\A\\two.mp3", 10)
        ]))
        .await;
    eventually(Duration::from_secs(5), "both enqueues", || async {
        s.enqueue_posts().len() == 2
    })
    .await;
    s.fake.hold_enqueue_answers(false);
    for d in &warm {
        s.wait_state(d["id"].as_i64().unwrap(), "completed").await;
    }
    assert!(proxy.swallowed().is_empty(), "{:?}", proxy.swallowed());

    // Every pooled connection is now one the server closes on its next use.
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    let id = s.create(json!([item("u", "s\\A\\three.mp3", 10)])).await[0]["id"]
        .as_i64()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = s.app.status().await;
        assert_ne!(status["connections"]["slskd"], "unreachable");
        if s.download(id).await["state"] == "completed" {
            break;
        }
        assert!(Instant::now() < deadline, "download {id} never completed");
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    let swallowed = proxy.swallowed();
    assert!(
        swallowed
            .iter()
            .any(|l| l.starts_with("GET /api/v0/transfers/downloads/u ")),
        "{swallowed:?}"
    );
    assert!(
        swallowed
            .iter()
            .any(|l| l.starts_with("POST /api/v0/transfers/downloads/u ")),
        "{swallowed:?}"
    );
    assert_eq!(s.fake.enqueue_count("u", "s\\A\\three.mp3"), 1);
    assert_eq!(s.submit_jobs(id).await, vec![("done".to_string(), 1)]);
    assert_eq!(s.app.status().await["connections"]["slskd"], "ok");
}

/// Issue 12 item 1, the retry side: a transfer slskd reports `Succeeded`
/// whose file never shows up fails the attempt; the retry enqueues a new
/// transfer instead of adopting the same finished one again.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_retry_does_not_adopt_the_transfer_its_failed_attempt_took() {
    let s = setup(FakeOptions::default(), &[]).await;
    let file = "s\\A\\ghost.mp3";
    // slskd says the first transfer succeeded, but no file was written.
    s.fake
        .report_override("u", file, Some(("Completed, Succeeded".into(), 100.0)));
    let id = s.create(json!([item("u", file, 10)])).await[0]["id"]
        .as_i64()
        .unwrap();
    s.wait(id, Duration::from_secs(15), "a failed attempt", |d| {
        d["retry_count"] == 1
    })
    .await;
    s.fake.report_override("u", file, None);
    let done = s.wait_state(id, "completed").await;
    assert!(done["retry_count"].as_i64().unwrap() >= 1, "{done}");
    assert!(
        s.fake.enqueue_count("u", file) >= 2,
        "the retry enqueued a new transfer"
    );
}

/// Issue 12 items 2 and 14 together: the pool holds several connections the
/// server closed while an enqueue was held in flight. The highest-priority
/// submission meets them first; it must still go out first (not fail, back
/// off and let lower priorities overtake it).
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn priority_order_survives_connections_closed_while_idle() {
    let (s, proxy) = setup_behind_idle_closing(
        FakeOptions::default(),
        Duration::from_millis(150),
        &[
            ("SYNC_WORKER_CONCURRENCY", "10"),
            ("SYNC_IDLE_POLL_INTERVAL_SEC", "30"),
        ],
    )
    .await;
    // Ten enqueues in flight at once: ten pooled connections afterwards.
    s.fake.hold_enqueue_answers(true);
    let warm: Vec<Value> = (0..10)
        .map(|i| item("u", &format!("s\\A\\warm{i}.mp3"), 10))
        .collect();
    let warm = s.create(json!(warm)).await;
    eventually(Duration::from_secs(5), "ten enqueues", || async {
        s.enqueue_posts().len() == 10
    })
    .await;
    s.fake.hold_enqueue_answers(false);
    for d in &warm {
        s.wait_state(d["id"].as_i64().unwrap(), "completed").await;
    }
    let (code, body) = s
        .app
        .send_json(
            "PUT",
            "/api/v1/settings",
            &json!({"SYNC_WORKER_CONCURRENCY": "1"}),
        )
        .await;
    assert_eq!(code, 200, "{body}");

    s.fake.hold_enqueue_answers(true);
    s.create(json!([item("u", "s\\A\\busy.mp3", 10)])).await;
    eventually(Duration::from_secs(5), "the held enqueue", || async {
        s.enqueue_posts().len() == 11
    })
    .await;
    let mut ids = Vec::new();
    for (file, priority) in [("a0", 0), ("b0", 0), ("c5", 5), ("dm1", -1)] {
        let one = json!({"username": "u", "filename": format!("s\\A\\{file}.mp3"), "size": 10, "priority": priority});
        ids.push(s.create(json!([one])).await[0]["id"].as_i64().unwrap());
    }
    // Meanwhile the server closes every idle pooled connection.
    actix_rt::time::sleep(Duration::from_millis(400)).await;
    s.fake.hold_enqueue_answers(false);
    eventually(Duration::from_secs(15), "fifteen enqueues", || async {
        s.enqueue_posts().len() == 15
    })
    .await;
    assert_eq!(
        s.enqueued_filenames()[10..],
        [
            "s\\A\\busy.mp3",
            "s\\A\\c5.mp3",
            "s\\A\\a0.mp3",
            "s\\A\\b0.mp3",
            "s\\A\\dm1.mp3"
        ]
    );
    // None of them failed on a closed connection and waited out a backoff.
    for id in &ids {
        eventually(
            Duration::from_secs(5),
            "the submission recorded",
            || async {
                s.submit_jobs(*id)
                    .await
                    .iter()
                    .all(|(state, _)| state == "done")
            },
        )
        .await;
        assert_eq!(s.submit_jobs(*id).await, vec![("done".to_string(), 1)]);
    }
    assert!(proxy.closed_idle() >= 1);
}
