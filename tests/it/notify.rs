//! Notifications (issue 16): targets through the API and the settings file,
//! each event to the targets that want it in each target's format, bursts
//! grouped, retries that lose nothing and send nothing twice, refusals not
//! retried, a hanging target that slows nothing, secrets never shown.

use crate::common;

use std::collections::HashMap;
use std::time::Duration;

use common::fake_notify::{Credentials, FakeNotify, Scripted};
use common::fake_slskd::FakeOptions;
use common::{eventually, TestApp};
use harmony::domain::ids::{DownloadId, WantedId};
use harmony::lifecycle::Event;
use serde_json::{json, Value};

const WEBHOOK_SECRET: &str = "hook-secret-1";
const NTFY_TOKEN: &str = "tk_ntfy_secret";
const GOTIFY_TOKEN: &str = "gotify-app-token";

/// Fast grouping and retries.
const FAST: [(&str, &str); 4] = [
    ("NOTIFY_BATCH_SEC", "0.2"),
    ("NOTIFY_RETRY_BASE_SEC", "0.05"),
    ("NOTIFY_RETRY_MAX_SEC", "0.3"),
    ("NOTIFY_TIMEOUT_SEC", "5"),
];

async fn add_target(app: &TestApp, body: Value) -> Value {
    let (code, res) = app
        .send_json("POST", "/api/v1/notifications/targets", &body)
        .await;
    assert_eq!(code, 201, "{res}");
    res
}

async fn target(app: &TestApp, id: &Value) -> Value {
    let (code, res) = app
        .get(&format!("/api/v1/notifications/targets/{id}"))
        .await;
    assert_eq!(code, 200, "{res}");
    res
}

/// Nothing waits to be grouped or delivered.
async fn settled(app: &TestApp) -> bool {
    let db = app.app.db.clone();
    let (pending, jobs) = db
        .read(|c| {
            Ok((
                harmony::db::notify::pending(c)?.len(),
                harmony::db::jobs::count_pending(c, "notify")?,
            ))
        })
        .await
        .unwrap();
    pending == 0 && jobs == 0
}

async fn wait_settled(app: &TestApp) {
    eventually(Duration::from_secs(20), "notifications settled", || {
        settled(app)
    })
    .await;
}

async fn announce(app: &TestApp, event: Event) {
    app.app.lifecycle.announce(event).await.unwrap();
}

fn completed(i: i64) -> Event {
    Event::DownloadCompleted {
        download_id: DownloadId(i),
        path: format!("/music/A/B/{i:03} - T.flac"),
        wanted_id: None,
    }
}

async fn activity(app: &TestApp, status: &str) -> Vec<Value> {
    let (code, body) = app.get("/api/v1/activity?type=notify&limit=500").await;
    assert_eq!(code, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == status)
        .cloned()
        .collect()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn targets_are_kept_through_the_api_with_their_secrets_masked() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let declared = json!([{"name": "file-ntfy", "kind": "ntfy", "url": fake.ntfy_url("declared"),
                           "secret": "declared-token-xyz", "events": ["slskd.unreachable"]}])
    .to_string();
    let app = TestApp::start(&[("NOTIFY_TARGETS", declared.as_str())]).await;

    let hook = add_target(
        &app,
        json!({"name": " hook ", "kind": "webhook", "url": fake.webhook_url("a"),
               "secret": WEBHOOK_SECRET, "events": ["download.completed"]}),
    )
    .await;
    assert_eq!(hook["name"], "hook");
    assert_eq!(hook["secret"], "********");
    assert_eq!(hook["events"], json!(["download.completed"]));
    assert_eq!(hook["enabled"], true);
    assert_eq!(hook["read_only"], false);
    let discord = add_target(
        &app,
        json!({"name": "discord", "kind": "discord", "url": fake.discord_url()}),
    )
    .await;
    assert_eq!(discord["events"], json!(["*"]));
    assert!(discord["url"]
        .as_str()
        .unwrap()
        .ends_with("/123456/********"));
    assert!(discord["secret"].is_null());

    // Bad input: 422 naming the field, nothing written.
    for (body, field) in [
        (json!({"kind": "ntfy", "url": "http://x/t"}), "name"),
        (
            json!({"name": "n", "kind": "slack", "url": "http://x"}),
            "kind",
        ),
        (
            json!({"name": "n", "kind": "ntfy", "url": "ftp://x"}),
            "url",
        ),
        (
            json!({"name": "n", "kind": "gotify", "url": "http://x"}),
            "secret",
        ),
        (
            json!({"name": "n", "kind": "ntfy", "url": "http://x", "events": ["download.queued"]}),
            "events",
        ),
        (
            json!({"name": "n", "kind": "ntfy", "url": "http://x", "enabled": "yes"}),
            "enabled",
        ),
    ] {
        let (code, res) = app
            .send_json("POST", "/api/v1/notifications/targets", &body)
            .await;
        assert_eq!(code, 422, "{body}: {res}");
        assert_eq!(res["error"]["details"][0]["field"], field, "{res}");
    }
    let (code, _) = app
        .send_json(
            "POST",
            "/api/v1/notifications/targets",
            &json!({"name": "hook", "kind": "ntfy", "url": "http://x/t"}),
        )
        .await;
    assert_eq!(code, 409, "a name is taken once");

    // PATCH: the mask keeps the secret, other fields change.
    let (code, patched) = app
        .send_json(
            "PATCH",
            &format!("/api/v1/notifications/targets/{}", hook["id"]),
            &json!({"secret": "********", "events": ["wanted.failed", "download.completed"], "enabled": false}),
        )
        .await;
    assert_eq!(code, 200, "{patched}");
    assert_eq!(
        patched["events"],
        json!(["wanted.failed", "download.completed"])
    );
    assert_eq!(patched["secret"], "********");
    assert_eq!(patched["enabled"], false);
    let secret: Option<String> = app
        .app
        .db
        .read(|c| {
            Ok(harmony::db::notify::find_target_by_name(c, "hook")?
                .unwrap()
                .secret)
        })
        .await
        .unwrap();
    assert_eq!(secret.as_deref(), Some(WEBHOOK_SECRET));
    let (code, res) = app
        .send_json(
            "PATCH",
            &format!("/api/v1/notifications/targets/{}", hook["id"]),
            &json!({"url": "not a url"}),
        )
        .await;
    assert_eq!(
        (code, &res["error"]["details"][0]["field"]),
        (422, &json!("url"))
    );

    // The declared target is listed, masked, and read-only.
    let (code, list) = app.get("/api/v1/notifications/targets").await;
    assert_eq!(code, 200);
    assert_eq!(list["total"], 3);
    let file = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "file-ntfy")
        .unwrap()
        .clone();
    assert_eq!(file["read_only"], true);
    assert_eq!(file["secret"], "********");
    let path = format!("/api/v1/notifications/targets/{}", file["id"]);
    let (code, _) = app
        .send_json("PATCH", &path, &json!({"enabled": false}))
        .await;
    assert_eq!(code, 409);
    let (code, _) = app.send_json("DELETE", &path, &json!({})).await;
    assert_eq!(code, 409);

    // No answer shows a secret: targets, settings, the test outcome.
    let (_, test) = app
        .send_json(
            "POST",
            &format!("/api/v1/notifications/targets/{}/test", discord["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(test["delivered"], true, "{test}");
    for path in [
        "/api/v1/notifications/targets",
        "/api/v1/settings",
        "/api/v1/activity?limit=500",
    ] {
        let (_, text) = app.get_text(path).await;
        for secret in [
            WEBHOOK_SECRET,
            "declared-token-xyz",
            "discord-webhook-token",
        ] {
            assert!(!text.contains(secret), "{path} shows {secret}: {text}");
        }
    }

    let (code, _) = app
        .send_json(
            "DELETE",
            &format!("/api/v1/notifications/targets/{}", hook["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(code, 204);
    let (code, _) = app
        .get(&format!("/api/v1/notifications/targets/{}", hook["id"]))
        .await;
    assert_eq!(code, 404);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn each_event_reaches_the_targets_that_want_it_in_their_format() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let app = TestApp::start(&FAST).await;
    let webhook = add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("a"),
        "secret": WEBHOOK_SECRET, "events": ["download.completed", "wanted.failed"]}),
    )
    .await;
    add_target(
        &app,
        json!({"name": "phone", "kind": "ntfy", "url": fake.ntfy_url("harmony"),
        "secret": NTFY_TOKEN, "events": ["download.dead_lettered"]}),
    )
    .await;
    add_target(
        &app,
        json!({"name": "chat", "kind": "discord", "url": fake.discord_url(),
        "events": ["wanted.failed", "spotify.authorization_needed"]}),
    )
    .await;
    add_target(
        &app,
        json!({"name": "gotify", "kind": "gotify", "url": fake.gotify_url(),
        "secret": GOTIFY_TOKEN, "events": ["*"]}),
    )
    .await;
    add_target(
        &app,
        json!({"name": "apprise", "kind": "apprise", "url": fake.apprise_url(),
        "apprise_key": "harmony", "events": ["slskd.unreachable", "download.completed"]}),
    )
    .await;

    announce(&app, completed(1)).await;
    announce(
        &app,
        Event::DownloadDeadLettered {
            download_id: DownloadId(2),
            error: "peer offline".into(),
        },
    )
    .await;
    announce(
        &app,
        Event::WantedFailed {
            wanted_id: WantedId(3),
            searches: 7,
        },
    )
    .await;
    announce(&app, Event::SpotifyAuthorizationNeeded).await;
    announce(
        &app,
        Event::SlskdUnreachable {
            since: 0,
            seconds: 600,
        },
    )
    .await;
    // Not a notification event: nobody hears of it.
    announce(
        &app,
        Event::DownloadStarted {
            download_id: DownloadId(1),
        },
    )
    .await;
    eventually(
        Duration::from_secs(20),
        "every message delivered",
        || async { fake.received().iter().filter(|r| r.delivered()).count() == 2 + 1 + 2 + 5 + 2 },
    )
    .await;
    wait_settled(&app).await;

    let events_of = |kind: &str| -> Vec<String> {
        let mut e: Vec<String> = fake
            .delivered(kind)
            .iter()
            .map(|r| match kind {
                "webhook" => r.header("X-Harmony-Event").unwrap().to_string(),
                "ntfy" => r
                    .header("X-Harmony-Delivery")
                    .map(|_| "download.dead_lettered".to_string())
                    .unwrap(),
                "gotify" => r.json()["extras"]["harmony::event"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                _ => r.body.clone(),
            })
            .collect();
        e.sort();
        e
    };
    assert_eq!(
        events_of("webhook"),
        vec!["download.completed", "wanted.failed"]
    );
    assert_eq!(
        events_of("gotify"),
        vec![
            "download.completed",
            "download.dead_lettered",
            "slskd.unreachable",
            "spotify.authorization_needed",
            "wanted.failed"
        ]
    );
    assert_eq!(fake.delivered("ntfy").len(), 1);
    assert_eq!(fake.delivered("discord").len(), 2);
    assert_eq!(fake.delivered("apprise").len(), 2);
    assert!(
        fake.received().iter().all(|r| r.delivered()),
        "nothing refused"
    );

    // Webhook: signed body with event, at, data and the idempotency id.
    for r in fake.delivered("webhook") {
        assert_eq!(r.signature_ok, Some(true));
        let body = r.json();
        assert_eq!(body["event"], r.header("X-Harmony-Event").unwrap());
        assert_eq!(body["id"], r.header("X-Harmony-Delivery").unwrap());
        assert!(body["at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(body["count"], 1);
        if body["event"] == "download.completed" {
            assert_eq!(body["data"]["path"], "/music/A/B/001 - T.flac");
            assert_eq!(body["data"]["download_id"], 1);
        } else {
            assert_eq!(
                body["data"]["reason"],
                "nothing acceptable found in 7 searches"
            );
        }
    }
    // ntfy: text body, title, priority and tags, the token.
    let ntfy = &fake.delivered("ntfy")[0];
    assert_eq!(ntfy.path, "/ntfy/harmony");
    assert_eq!(
        ntfy.header("Authorization"),
        Some(format!("Bearer {NTFY_TOKEN}").as_str())
    );
    assert_eq!(
        ntfy.header("Title"),
        Some("Download gave up after every retry")
    );
    assert_eq!(ntfy.header("Priority"), Some("4"));
    assert_eq!(ntfy.header("Tags"), Some("warning,skull"));
    assert!(ntfy.body.contains("peer offline"), "{}", ntfy.body);
    // Discord: embeds.
    for r in fake.delivered("discord") {
        let embed = &r.json()["embeds"][0];
        assert!(
            embed["title"].is_string() && embed["color"].is_number(),
            "{embed}"
        );
        assert!(embed["timestamp"].as_str().unwrap().ends_with('Z'));
    }
    // Gotify: the app token in its header, title/message/priority.
    for r in fake.delivered("gotify") {
        assert_eq!(r.path, "/gotify/message");
        assert_eq!(r.header("X-Gotify-Key"), Some(GOTIFY_TOKEN));
        let b = r.json();
        assert!(b["title"].is_string() && b["message"].is_string() && b["priority"].is_number());
    }
    // Apprise: /notify/<key>, title, body, type.
    let mut types: Vec<String> = fake
        .delivered("apprise")
        .iter()
        .map(|r| {
            assert_eq!(r.path, "/apprise/notify/harmony");
            r.json()["type"].as_str().unwrap().to_string()
        })
        .collect();
    types.sort();
    assert_eq!(types, vec!["failure", "success"]);

    // Activity and metrics.
    assert_eq!(activity(&app, "sent").await.len(), 12);
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics.contains("harmony_notifications_total{target_kind=\"gotify\",outcome=\"sent\"} 5"),
        "{metrics}"
    );
    assert!(metrics
        .contains("harmony_notifications_total{target_kind=\"webhook\",outcome=\"failed\"} 0"));
    let t = target(&app, &webhook["id"]).await;
    assert!(t["last_sent_at"].as_str().unwrap().ends_with('Z'));
    assert!(t["last_error"].is_null());
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_burst_of_300_completions_arrives_as_a_handful_of_messages() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let app = TestApp::start(&[("NOTIFY_BATCH_SEC", "1")]).await;
    add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("a"),
        "secret": WEBHOOK_SECRET, "events": ["download.completed"]}),
    )
    .await;
    add_target(
        &app,
        json!({"name": "phone", "kind": "ntfy", "url": fake.ntfy_url("t"),
        "secret": NTFY_TOKEN}),
    )
    .await;
    for i in 1..=300 {
        announce(&app, completed(i)).await;
    }
    wait_settled(&app).await;

    let hooks = fake.delivered("webhook");
    assert!(
        (1..=5).contains(&hooks.len()),
        "{} messages for 300 completions",
        hooks.len()
    );
    let total: u64 = hooks
        .iter()
        .map(|r| r.json()["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 300, "every completion counted once");
    let first = hooks[0].json();
    if first["count"].as_u64().unwrap() > 1 {
        assert!(first["data"]["items"].as_array().unwrap().len() <= 10);
        assert_eq!(first["data"]["count"], first["count"]);
    }
    let phones = fake.delivered("ntfy");
    assert_eq!(phones.len(), hooks.len());
    assert!(
        phones[0]
            .header("Title")
            .unwrap()
            .contains("downloads completed")
            || phones[0].body.lines().count() == 1
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_refusal_is_not_retried_and_rate_limits_and_5xx_are() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let app = TestApp::start(&FAST).await;
    let chat = add_target(
        &app,
        json!({"name": "chat", "kind": "discord", "url": fake.discord_url(),
        "events": ["wanted.failed"]}),
    )
    .await;
    // 429 (Retry-After), then 503, then the real answer.
    fake.script([Scripted::RateLimited(0.2), Scripted::Status(503)]);
    announce(
        &app,
        Event::WantedFailed {
            wanted_id: WantedId(1),
            searches: 7,
        },
    )
    .await;
    wait_settled(&app).await;
    let seen: Vec<u16> = fake.received().iter().map(|r| r.status).collect();
    assert_eq!(seen, vec![429, 503, 204]);
    let t = target(&app, &chat["id"]).await;
    assert!(t["last_error"].as_str().unwrap().contains("503"), "{t}");

    // 400: given up at once, the reason kept.
    fake.script([Scripted::Status(400)]);
    announce(
        &app,
        Event::WantedFailed {
            wanted_id: WantedId(2),
            searches: 7,
        },
    )
    .await;
    wait_settled(&app).await;
    let seen: Vec<u16> = fake.received().iter().map(|r| r.status).collect();
    assert_eq!(seen, vec![429, 503, 204, 400], "the 400 was not retried");
    let t = target(&app, &chat["id"]).await;
    assert!(
        t["last_error"].as_str().unwrap().starts_with("HTTP 400"),
        "{t}"
    );
    let failed = activity(&app, "failed").await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["details"]["event"], "wanted.failed");
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics
            .contains("harmony_notifications_total{target_kind=\"discord\",outcome=\"retried\"} 2"),
        "{metrics}"
    );
    assert!(metrics
        .contains("harmony_notifications_total{target_kind=\"discord\",outcome=\"failed\"} 1"));

    // A redirect to another host is refused, not followed.
    let other = FakeNotify::start(Credentials::default()).await;
    fake.script([Scripted::Redirect(other.discord_url())]);
    announce(
        &app,
        Event::WantedFailed {
            wanted_id: WantedId(3),
            searches: 7,
        },
    )
    .await;
    wait_settled(&app).await;
    assert!(
        other.received().is_empty(),
        "followed a redirect to another host"
    );
    let t = target(&app, &chat["id"]).await;
    assert!(
        t["last_error"].as_str().unwrap().contains("redirect"),
        "{t}"
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_target_down_for_a_while_receives_every_message_once_after_it_recovers() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let app = TestApp::start(&FAST).await;
    let hook = add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("a"),
        "secret": WEBHOOK_SECRET}),
    )
    .await;
    fake.stop().await;
    announce(&app, completed(1)).await;
    announce(
        &app,
        Event::WantedFailed {
            wanted_id: WantedId(2),
            searches: 7,
        },
    )
    .await;
    announce(&app, Event::SpotifyAuthorizationNeeded).await;
    // Several attempts fail on the closed port.
    eventually(
        Duration::from_secs(20),
        "attempts on the closed port",
        || async {
            let (_, m) = app.get_text("/metrics").await;
            m.lines()
                .find(|l| {
                    l.starts_with(
                        "harmony_notifications_total{target_kind=\"webhook\",outcome=\"retried\"}",
                    )
                })
                .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .is_some_and(|n| n >= 6)
        },
    )
    .await;
    let t = target(&app, &hook["id"]).await;
    assert!(
        t["last_error"]
            .as_str()
            .unwrap()
            .contains("could not reach"),
        "{t}"
    );
    fake.restart().await;
    wait_settled(&app).await;

    let mut by_id: HashMap<String, usize> = HashMap::new();
    for r in fake.delivered("webhook") {
        assert_eq!(r.signature_ok, Some(true));
        *by_id
            .entry(r.header("X-Harmony-Delivery").unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(by_id.len(), 3, "{by_id:?}");
    assert!(
        by_id.values().all(|&n| n == 1),
        "a message arrived twice: {by_id:?}"
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_hanging_target_does_not_slow_downloads() {
    let (app, slskd, _music) = common::start_with_fake(
        FakeOptions::default(),
        &[],
        &[("NOTIFY_BATCH_SEC", "0.05"), ("NOTIFY_TIMEOUT_SEC", "600")],
    )
    .await;
    let fake = FakeNotify::start(Credentials::default()).await;
    add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("a"),
        "secret": WEBHOOK_SECRET}),
    )
    .await;
    fake.script(std::iter::repeat_n(Scripted::Hang, 50));
    // The target hangs on the first message …
    announce(&app, Event::SpotifyAuthorizationNeeded).await;
    eventually(Duration::from_secs(10), "the target hangs", || async {
        !fake.received().is_empty()
    })
    .await;
    // … while downloads go on to completion.
    let items: Vec<Value> = (1..=3)
        .map(|i| json!({"username": "peer", "filename": format!("@@s\\Music\\Artist\\Album\\{i:02} - Song {i}.flac"),
                        "size": 1000 + i, "track": {"artist": "Artist", "album": "Album", "title": format!("Song {i}")}}))
        .collect();
    let (code, res) = app
        .send_json("POST", "/api/v1/downloads", &json!({"items": items}))
        .await;
    assert_eq!(code, 202, "{res}");
    eventually(Duration::from_secs(30), "downloads completed", || async {
        app.get("/api/v1/downloads?state=completed").await.1["total"] == 3
    })
    .await;
    assert!(
        fake.received().iter().all(|r| r.status == 0),
        "the target is still hanging"
    );
    assert!(fake.received().iter().all(|r| !r.delivered()));
    let _ = slskd;
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_completed_download_is_told_with_its_artist_title_and_source() {
    let (app, _slskd, _music) =
        common::start_with_fake(FakeOptions::default(), &[], &[("NOTIFY_BATCH_SEC", "0.05")]).await;
    let fake = FakeNotify::start(Credentials::default()).await;
    add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("a"),
        "secret": WEBHOOK_SECRET, "events": ["download.completed"]}),
    )
    .await;
    let item = json!({"username": "peer", "filename": "@@s\\Music\\Björk\\Post\\01 - Army of Me.flac",
                      "size": 4242, "track": {"artist": "Björk", "album": "Post", "title": "Army of Me"}});
    let (code, res) = app
        .send_json("POST", "/api/v1/downloads", &json!({"items": [item]}))
        .await;
    assert_eq!(code, 202, "{res}");
    eventually(Duration::from_secs(30), "told", || async {
        !fake.delivered("webhook").is_empty()
    })
    .await;
    let body = fake.delivered("webhook")[0].json();
    assert_eq!(body["event"], "download.completed");
    assert_eq!(body["data"]["artist"], "Björk");
    assert_eq!(body["data"]["title"], "Army of Me");
    assert_eq!(body["data"]["source"], "download");
    assert_eq!(body["data"]["username"], "peer");
    assert!(body["data"]["path"]
        .as_str()
        .unwrap()
        .ends_with("/Björk/Post/Army of Me.flac"));
    app.app.shutdown().await;
}

mod crash {
    use super::*;

    use std::io::{BufRead, BufReader};
    use std::path::Path;
    use std::process::{Child, Command, Stdio};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use common::fake_slskd::FakeSlskd;

    /// The real binary; every line it logs is kept in `log`.
    #[allow(clippy::zombie_processes)] // the caller kills and waits for the child
    fn spawn(
        dir: &Path,
        slskd: &FakeSlskd,
        targets: &str,
        batch: &str,
        log: &Arc<Mutex<Vec<String>>>,
    ) -> (Child, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_harmony"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HARMONY_DATA_DIR", dir.join("data"))
            .env("HARMONY_BIND", "127.0.0.1:0")
            .env("HARMONY_LOG_FORMAT", "json")
            .env("HARMONY_LOG_LEVEL", "debug")
            .env("SLSKD_URL", &slskd.url)
            .env("SLSKD_DOWNLOADS_DIR", &slskd.downloads_dir)
            .env("MUSIC_DIR", dir.join("music"))
            .env("SYNC_POLL_INTERVAL_SEC", "0.05")
            .env("SYNC_IDLE_POLL_INTERVAL_SEC", "0.2")
            .env("NOTIFY_TARGETS", targets)
            .env("NOTIFY_BATCH_SEC", batch)
            .env("NOTIFY_RETRY_BASE_SEC", "0.05")
            .env("NOTIFY_RETRY_MAX_SEC", "0.2")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let (tx, log) = (tx.clone(), Arc::clone(log));
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line.clone());
                    let _ = tx.send(line);
                }
            });
        }
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

    async fn first_target(base: &str) -> Value {
        get(base, "/api/v1/notifications/targets").await["items"][0].clone()
    }

    #[actix_rt::test(system = "crate::common::TestSystem")]
    async fn sigkill_before_and_after_grouping_loses_no_message_and_sends_none_twice() {
        let dir = tempfile::tempdir().unwrap();
        let slskd = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd")).await;
        let hook = FakeNotify::start(Credentials::default()).await;
        hook.stop().await;
        let targets = json!([{"name": "hook", "kind": "webhook", "url": hook.webhook_url("crash"),
                              "secret": WEBHOOK_SECRET},
                             {"name": "gotify", "kind": "gotify", "url": hook.gotify_url(),
                              "secret": GOTIFY_TOKEN}])
        .to_string();
        let log = Arc::new(Mutex::new(Vec::new()));

        // 1. Downloads complete; the window (30 s) is still open when the process dies.
        let (mut first, base) = spawn(dir.path(), &slskd, &targets, "30", &log);
        let items: Vec<Value> = (1..=3)
            .map(|i| json!({"username": "peer", "filename": format!("@@s\\Music\\A\\B\\{i:02} - S{i}.flac"),
                            "size": 2000 + i, "track": {"artist": "A", "album": "B", "title": format!("S{i}")}}))
            .collect();
        let mut res = common::client()
            .post(format!("{base}/api/v1/downloads"))
            .send_json(&json!({ "items": items }))
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 202);
        let _ = res.body().await;
        let deadline = Instant::now() + Duration::from_secs(30);
        while get(&base, "/api/v1/downloads?state=completed").await["total"] != 3 {
            assert!(Instant::now() < deadline, "downloads never completed");
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        first.kill().unwrap(); // SIGKILL
        first.wait().unwrap();

        // 2. The pending events survived; grouped and tried on the closed port, then killed.
        let (mut second, base) = spawn(dir.path(), &slskd, &targets, "0.1", &log);
        let deadline = Instant::now() + Duration::from_secs(30);
        while first_target(&base).await["last_error"].is_null() {
            assert!(Instant::now() < deadline, "no delivery was tried");
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        second.kill().unwrap();
        second.wait().unwrap();

        // 3. The delivery jobs survived: the target is back and gets the message once.
        hook.restart().await;
        let (mut third, base) = spawn(dir.path(), &slskd, &targets, "0.1", &log);
        let deadline = Instant::now() + Duration::from_secs(30);
        while first_target(&base).await["last_sent_at"].is_null() {
            assert!(Instant::now() < deadline, "never delivered");
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        let delivered = hook.delivered("webhook");
        assert_eq!(delivered.len(), 1, "one message for the three completions");
        let body = delivered[0].json();
        assert_eq!(body["count"], 3);
        assert_eq!(delivered[0].signature_ok, Some(true));
        third.kill().unwrap();
        third.wait().unwrap();

        let log = log.lock().unwrap();
        assert!(log.len() > 10, "the runs logged");
        for line in log.iter() {
            for secret in [WEBHOOK_SECRET, GOTIFY_TOKEN] {
                assert!(!line.contains(secret), "a secret in the log: {line}");
            }
        }
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_slskd_outage_is_told_after_the_threshold_and_so_is_its_end() {
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let fake = FakeNotify::start(Credentials::default()).await;
    let slskd_dir = tempfile::tempdir().unwrap();
    let slskd =
        common::fake_slskd::FakeSlskd::start(FakeOptions::default(), slskd_dir.path().join("dl"))
            .await;
    let url = format!("http://{closed}");
    let app = TestApp::start(&[
        ("SLSKD_URL", url.as_str()),
        ("SYNC_IDLE_POLL_INTERVAL_SEC", "0.05"),
        ("NOTIFY_OUTAGE_AFTER_SEC", "0.3"),
        ("NOTIFY_BATCH_SEC", "0.05"),
    ])
    .await;
    add_target(
        &app,
        json!({"name": "phone", "kind": "ntfy", "url": fake.ntfy_url("ops"),
        "secret": NTFY_TOKEN, "events": ["slskd.unreachable", "slskd.recovered"]}),
    )
    .await;
    eventually(Duration::from_secs(20), "outage told", || async {
        !fake.delivered("ntfy").is_empty()
    })
    .await;
    let told = &fake.delivered("ntfy")[0];
    assert_eq!(told.header("Title"), Some("slskd is unreachable"));
    assert_eq!(told.header("Priority"), Some("5"));

    // slskd comes back (at the address the settings now name).
    let (code, res) = app
        .send_json("PUT", "/api/v1/settings", &json!({"SLSKD_URL": slskd.url}))
        .await;
    assert_eq!(code, 200, "{res}");
    eventually(Duration::from_secs(20), "recovery told", || async {
        fake.delivered("ntfy").len() == 2
    })
    .await;
    assert_eq!(
        fake.delivered("ntfy")[1].header("Title"),
        Some("slskd is reachable again")
    );
    wait_settled(&app).await;
    assert_eq!(fake.delivered("ntfy").len(), 2, "each told once");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_worker_restarting_over_and_over_is_told_once() {
    use common::{scripted, JobRequest, Journal};
    use harmony::app::WorkerOverrides;
    use harmony::domain::workers::name::WorkerName;

    let journal = Journal::default();
    let overrides = WorkerOverrides::default().with(WorkerName::Metadata, scripted(&journal, 1));
    let app = TestApp::start_with(&[("NOTIFY_BATCH_SEC", "0.05")], overrides).await;
    let fake = FakeNotify::start(Credentials::default()).await;
    add_target(
        &app,
        json!({"name": "ops", "kind": "apprise", "url": fake.apprise_url(),
        "apprise_key": "harmony", "events": ["worker.restarting_repeatedly"]}),
    )
    .await;
    // Every attempt kills the worker: five restarts in a row.
    app.app
        .lifecycle
        .enqueue(JobRequest::new(WorkerName::Metadata, "fatal", json!({})).max_attempts(5))
        .await
        .unwrap();
    app.wait_for_worker("metadata", Duration::from_secs(30), |w| {
        w["restarts"] == 5 && w["state"] == "running"
    })
    .await;
    eventually(Duration::from_secs(20), "told", || async {
        !fake.delivered("apprise").is_empty()
    })
    .await;
    wait_settled(&app).await;
    let told = fake.delivered("apprise");
    assert_eq!(told.len(), 1, "once per storm");
    let body = told[0].json();
    assert_eq!(body["type"], "failure");
    assert!(
        body["body"]
            .as_str()
            .unwrap()
            .contains("worker metadata restarted 4 times"),
        "{body}"
    );
    let (_, feed) = app.get("/api/v1/activity?type=worker").await;
    assert!(feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["status"] == "restarting_repeatedly"));
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_import_whose_tracks_all_ended_is_told_with_its_counts() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let app = TestApp::start(&[("NOTIFY_BATCH_SEC", "0.05")]).await;
    add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("i"),
        "secret": WEBHOOK_SECRET, "events": ["import.finished"]}),
    )
    .await;
    let (code, created) = app
        .send_json(
            "POST",
            "/api/v1/imports",
            &json!({"tracks": [{"artist": "Air", "title": "Sexy Boy"}, {"artist": "Air", "title": "Kelly Watch the Stars"}]}),
        )
        .await;
    assert_eq!(code, 202, "{created}");
    let import_id = created["id"].clone();
    let (_, wanted) = app
        .get(&format!("/api/v1/wanted?source=import:{import_id}"))
        .await;
    let ids: Vec<i64> = wanted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{wanted}");
    let (code, _) = app
        .send_json("DELETE", &format!("/api/v1/wanted/{}", ids[0]), &json!({}))
        .await;
    assert_eq!(code, 200);
    // One track still wanted: not finished.
    wait_settled(&app).await;
    assert!(fake.received().is_empty());
    let (code, _) = app
        .send_json("DELETE", &format!("/api/v1/wanted/{}", ids[1]), &json!({}))
        .await;
    assert_eq!(code, 200);
    eventually(Duration::from_secs(20), "told", || async {
        !fake.delivered("webhook").is_empty()
    })
    .await;
    wait_settled(&app).await;
    let told = fake.delivered("webhook");
    assert_eq!(told.len(), 1);
    let body = told[0].json();
    assert_eq!(body["event"], "import.finished");
    assert_eq!(body["data"]["import_id"], import_id);
    assert_eq!(body["data"]["counts"]["registered"], 2, "{body}");
    let (_, feed) = app.get("/api/v1/activity?type=import").await;
    assert!(feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["status"] == "finished"));
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn new_releases_and_playlists_with_new_tracks_are_told_quiet_syncs_are_not() {
    let fake = FakeNotify::start(Credentials::default()).await;
    let app = TestApp::start(&[("NOTIFY_BATCH_SEC", "0.05")]).await;
    add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("s"),
        "secret": WEBHOOK_SECRET, "events": ["playlist.synced", "watchlist.new_releases"]}),
    )
    .await;
    announce(
        &app,
        Event::PlaylistSynced {
            playlist_id: "p0".into(),
            name: "Quiet".into(),
            added: 0,
        },
    )
    .await;
    announce(
        &app,
        Event::PlaylistSynced {
            playlist_id: "p1".into(),
            name: "Fresh".into(),
            added: 3,
        },
    )
    .await;
    announce(
        &app,
        Event::NewReleasesFound {
            watch_id: harmony::domain::ids::WatchId(9),
            spotify_artist_id: "4tZwfgrHOc3mvqYlEYSvVi".into(),
            releases: 2,
            tracks: 14,
        },
    )
    .await;
    eventually(Duration::from_secs(20), "told", || async {
        fake.delivered("webhook").len() == 2
    })
    .await;
    wait_settled(&app).await;
    let mut bodies: Vec<Value> = fake.delivered("webhook").iter().map(|r| r.json()).collect();
    bodies.sort_by_key(|b| b["event"].as_str().unwrap().to_string());
    assert_eq!(bodies.len(), 2, "the quiet sync was not told");
    assert_eq!(bodies[0]["event"], "playlist.synced");
    assert_eq!(
        bodies[0]["data"],
        json!({"playlist_id": "p1", "name": "Fresh", "new_tracks": 3})
    );
    assert_eq!(bodies[1]["event"], "watchlist.new_releases");
    assert_eq!(
        bodies[1]["data"]["artist"], "4tZwfgrHOc3mvqYlEYSvVi",
        "no name known: the id"
    );
    assert_eq!(bodies[1]["data"]["tracks"], 14);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_target_that_answers_again_gets_its_backlog_at_once() {
    let fake = FakeNotify::start(Credentials::default()).await;
    // Retries ten minutes apart: only the recovery can bring them forward.
    let app = TestApp::start(&[
        ("NOTIFY_BATCH_SEC", "0.05"),
        ("NOTIFY_RETRY_BASE_SEC", "600"),
        ("NOTIFY_RETRY_MAX_SEC", "600"),
    ])
    .await;
    let hook = add_target(
        &app,
        json!({"name": "hook", "kind": "webhook", "url": fake.webhook_url("b"),
        "secret": WEBHOOK_SECRET}),
    )
    .await;
    fake.set_down(true);
    announce(&app, completed(1)).await;
    announce(
        &app,
        Event::WantedFailed {
            wanted_id: WantedId(2),
            searches: 7,
        },
    )
    .await;
    eventually(Duration::from_secs(20), "both tried once", || async {
        fake.received().iter().filter(|r| r.status == 503).count() == 2
    })
    .await;
    fake.set_down(false);
    // The test message gets through: the target is back.
    let (code, test) = app
        .send_json(
            "POST",
            &format!("/api/v1/notifications/targets/{}/test", hook["id"]),
            &json!({}),
        )
        .await;
    assert_eq!((code, &test["delivered"]), (200, &json!(true)), "{test}");
    eventually(Duration::from_secs(20), "the backlog delivered", || async {
        fake.delivered("webhook").len() == 3
    })
    .await;
    wait_settled(&app).await;
    app.app.shutdown().await;
}
