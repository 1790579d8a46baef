//! Rescan hooks (issue 15) against fakes of Navidrome (salted token),
//! Jellyfin and Plex: one rescan per burst of landed files, retried after
//! an outage, `unauthorized` on a bad secret, the states in `/status`, the
//! check endpoint, secrets masked.

use crate::common;

use std::time::{Duration, Instant};

use common::fake_media_servers::{FakeMediaServer, Kind};
use common::fake_slskd::{FakeOptions, FakeSlskd};
use common::TestApp;
use serde_json::{json, Value};

use crate::library::fixture;

struct Servers {
    navidrome: FakeMediaServer,
    jellyfin: FakeMediaServer,
    plex: FakeMediaServer,
}

async fn servers(music: &str) -> Servers {
    Servers {
        navidrome: FakeMediaServer::start(Kind::Navidrome {
            user: "harmony".into(),
            password: "s3cret pass".into(),
        })
        .await,
        jellyfin: FakeMediaServer::start(Kind::Jellyfin {
            api_key: "jf-key-123".into(),
        })
        .await,
        plex: FakeMediaServer::start(Kind::Plex {
            token: "plex-token-456".into(),
            sections: vec![
                (
                    "1".into(),
                    "artist".into(),
                    "Music".into(),
                    vec![music.into()],
                ),
                (
                    "2".into(),
                    "artist".into(),
                    "Other".into(),
                    vec![format!("{music}2")],
                ),
                (
                    "3".into(),
                    "movie".into(),
                    "Movies".into(),
                    vec!["/movies".into()],
                ),
            ],
        })
        .await,
    }
}

async fn start(password: &str) -> (TestApp, FakeSlskd, Servers) {
    start_with(password, "1").await
}

async fn start_with(password: &str, debounce: &str) -> (TestApp, FakeSlskd, Servers) {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let music = dir.path().join("music");
    std::fs::create_dir_all(&music).unwrap();
    let music = std::fs::canonicalize(&music).unwrap().display().to_string();
    let s = servers(&music).await;
    let slskd = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd-downloads")).await;
    let downloads = slskd.downloads_dir.display().to_string();
    let env: Vec<(&str, &str)> = vec![
        ("SLSKD_URL", &slskd.url),
        ("SLSKD_DOWNLOADS_DIR", &downloads),
        ("MUSIC_DIR", &music),
        ("SYNC_POLL_INTERVAL_SEC", "0.05"),
        ("SYNC_IDLE_POLL_INTERVAL_SEC", "0.2"),
        ("MEDIA_SERVER_DEBOUNCE_SEC", debounce),
        ("NAVIDROME_URL", &s.navidrome.url),
        ("NAVIDROME_USER", "harmony"),
        ("NAVIDROME_PASSWORD", password),
        ("JELLYFIN_URL", &s.jellyfin.url),
        ("JELLYFIN_API_KEY", "jf-key-123"),
        ("PLEX_URL", &s.plex.url),
        ("PLEX_TOKEN", "plex-token-456"),
    ];
    let app = TestApp::start_in(dir, &env, harmony::app::WorkerOverrides::default()).await;
    (app, slskd, s)
}

async fn wait_connections(app: &TestApp, expected: [&str; 3]) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let c = app.status().await["connections"].clone();
        if [&c["navidrome"], &c["jellyfin"], &c["plex"]] == expected.map(Value::from).each_ref() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "connections never {expected:?}: {c}"
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Downloads real audio files (one burst, numbered from `first`) and waits
/// until `first - 1 + titles.len()` downloads have landed.
async fn land(app: &TestApp, slskd: &FakeSlskd, titles: &[&str], first: usize) {
    let bytes = std::fs::read(fixture("tone.flac")).unwrap();
    let items: Vec<Value> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let n = first + i;
            let remote = format!("@@u\\Music\\Air\\Moon Safari\\{n:02} - {title}.flac");
            slskd.share_content("airfan", &remote, bytes.clone());
            json!({"username": "airfan", "filename": remote, "size": bytes.len(),
                   "track": {"artist": "Air", "title": title, "album": "Moon Safari", "track_number": n}})
        })
        .collect();
    let (code, body) = app
        .send_json("POST", "/api/v1/downloads", &json!({ "items": items }))
        .await;
    assert_eq!(code, 202, "{body}");
    let total = (first - 1 + titles.len()) as u64;
    common::eventually(Duration::from_secs(20), "the files landed", || async {
        let (_, page) = app.get("/api/v1/downloads?state=completed").await;
        page["total"].as_u64() >= Some(total)
    })
    .await;
}

async fn wait_rescans(server: &FakeMediaServer, n: usize, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.rescans().len() < n {
        assert!(
            Instant::now() < deadline,
            "{what}: {} rescans, expected {n}: {:?}",
            server.rescans().len(),
            server.requests()
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_burst_of_files_is_one_rescan_per_server_retried_after_an_outage() {
    let (app, slskd, s) = start("s3cret pass").await;
    // A background probe at start: every server answers.
    wait_connections(&app, ["ok", "ok", "ok"]).await;
    assert!(s.navidrome.rescans().is_empty() && s.jellyfin.rescans().is_empty());

    land(
        &app,
        &slskd,
        &["La femme d'argent", "Sexy Boy", "All I Need"],
        1,
    )
    .await;
    for (server, name) in [
        (&s.navidrome, "navidrome"),
        (&s.jellyfin, "jellyfin"),
        (&s.plex, "plex"),
    ] {
        wait_rescans(server, 1, name).await;
    }
    // Quiet for longer than the debounce: still one call each.
    actix_rt::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        s.navidrome.rescans().len(),
        1,
        "{:?}",
        s.navidrome.requests()
    );
    assert_eq!(s.jellyfin.rescans().len(), 1, "{:?}", s.jellyfin.requests());
    let plex: Vec<String> = s.plex.rescans().into_iter().map(|l| l.path).collect();
    assert_eq!(
        plex,
        vec!["/library/sections/1/refresh"],
        "only the section holding the files"
    );
    // The Subsonic call carries the salted token, never the password.
    let scan = &s.navidrome.rescans()[0];
    assert!(
        scan.query.contains("u=harmony") && scan.query.contains("f=json"),
        "{scan:?}"
    );
    assert!(!scan.query.contains("s3cret"), "{scan:?}");

    // Jellyfin is down when the next file lands: unreachable, then retried.
    s.jellyfin.set_down(true);
    land(&app, &slskd, &["Kelly Watch the Stars"], 4).await;
    wait_rescans(&s.navidrome, 2, "navidrome after the second burst").await;
    wait_connections(&app, ["ok", "unreachable", "ok"]).await;
    let (_, activity) = app.get("/api/v1/activity?type=library").await;
    assert!(
        activity["items"].as_array().unwrap().iter().any(|e| e["details"]["server"] == "jellyfin"
            && e["details"]["state"] == "unreachable"),
        "{activity}"
    );
    s.jellyfin.set_down(false);
    wait_rescans(&s.jellyfin, 2, "jellyfin after the outage").await;
    wait_connections(&app, ["ok", "ok", "ok"]).await;
    let (_, metrics) = app.get_text("/metrics").await;
    assert!(
        metrics.contains(
            "harmony_media_server_rescans_total{server=\"jellyfin\",outcome=\"unreachable\"} 1"
        ) || metrics.contains(
            "harmony_media_server_rescans_total{server=\"jellyfin\",outcome=\"unreachable\"} 2"
        ),
        "{metrics}"
    );
    assert!(metrics
        .contains("harmony_media_server_rescans_total{server=\"navidrome\",outcome=\"ok\"} 2"));
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_wrong_password_is_unauthorized_and_the_check_says_what_it_found() {
    let (app, _slskd, s) = start("wrong password").await;
    wait_connections(&app, ["unauthorized", "ok", "ok"]).await;
    let (code, body) = app
        .send_json("POST", "/api/v1/library/media-servers/test", &json!({}))
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["navidrome"]["state"], "unauthorized", "{body}");
    assert_eq!(body["navidrome"]["found"], "Wrong username or password");
    assert_eq!(body["jellyfin"]["state"], "ok");
    assert_eq!(body["jellyfin"]["found"], "Jellyfin 10.10.7 (nas)");
    assert_eq!(body["plex"]["state"], "ok");
    assert_eq!(body["plex"]["found"], "2 music section(s): Music, Other");
    // The secrets never leave.
    let (_, settings) = app.get_text("/api/v1/settings").await;
    for secret in ["wrong password", "jf-key-123", "plex-token-456"] {
        assert!(!settings.contains(secret), "{secret} in {settings}");
        assert!(!body.to_string().contains(secret));
    }
    // Fixed through the settings: the next check is ok.
    let (code, _) = app
        .send_json(
            "PUT",
            "/api/v1/settings",
            &json!({"NAVIDROME_PASSWORD": "s3cret pass"}),
        )
        .await;
    assert_eq!(code, 200);
    let (_, body) = app
        .send_json("POST", "/api/v1/library/media-servers/test", &json!({}))
        .await;
    assert_eq!(body["navidrome"]["state"], "ok", "{body}");
    assert_eq!(
        body["navidrome"]["found"],
        "Subsonic API 1.16.1, navidrome 0.53.3"
    );
    wait_connections(&app, ["ok", "ok", "ok"]).await;
    drop(s);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn unconfigured_servers_are_unconfigured() {
    let app = TestApp::start(&[]).await;
    app.wait_for_worker("library", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    wait_connections(&app, ["unconfigured", "unconfigured", "unconfigured"]).await;
    let (_, body) = app
        .send_json("POST", "/api/v1/library/media-servers/test", &json!({}))
        .await;
    assert_eq!(
        body["plex"],
        json!({"state": "unconfigured", "found": null})
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn each_new_file_pushes_the_rescan_back_until_things_are_quiet() {
    let (app, slskd, s) = start_with("s3cret pass", "2").await;
    wait_connections(&app, ["ok", "ok", "ok"]).await;
    // Files keep landing, each well within the debounce of the one before.
    let titles = ["Talisman", "Remember", "You Make It Easy"];
    for (n, title) in titles.iter().enumerate() {
        land(&app, &slskd, &[title], n + 1).await;
        actix_rt::time::sleep(Duration::from_millis(1200)).await;
    }
    wait_rescans(&s.navidrome, 1, "navidrome").await;
    actix_rt::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(
        s.navidrome.rescans().len(),
        1,
        "{:?}",
        s.navidrome.requests()
    );
    assert_eq!(s.jellyfin.rescans().len(), 1);
    app.app.shutdown().await;
}
