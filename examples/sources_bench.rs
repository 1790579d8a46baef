//! Where wanted tracks come from, under load.
//!
//! ```sh
//! cargo run --release --example sources_bench
//! ```
//! Figure 1: a 10 000-line text import through `POST /api/v1/imports`
//! (parse + normalise + dedupe + one transaction creating 10 000 wanted
//! tracks with their search jobs), on a fresh in-process Harmony with its
//! workers off; the parse alone is timed too.
//! Figure 2: the playlist sync of a 5 000-track playlist from the in-process
//! fake Spotify of the tests (pages of 100): wall time until the 5 000
//! tracks are wanted, and the Spotify requests used; then a second sync with
//! the snapshot unchanged. Traffic stays on 127.0.0.1; every wait is bounded.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use harmony::app::{RunningApp, WorkerOverrides};
use harmony::domain::imports::parse_text;
use harmony_testkit::fake_spotify::{Entry, FakePlaylist, FakeSpotify, FakeSpotifyOptions};
use serde_json::{json, Value};

const LINES: usize = 10_000;
const RUNS: usize = 5;
const PLAYLIST: usize = 5_000;
const DEADLINE: Duration = Duration::from_secs(120);

#[actix_rt::main]
async fn main() {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("sources_bench ({profile} build)");
    import_figure().await;
    sync_figure().await;
}

fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .disable_redirects()
        .finish()
}

async fn start(dir: &tempfile::TempDir, extra: &[(&str, String)]) -> (RunningApp, String) {
    let mut env: HashMap<String, String> = [
        ("HARMONY_BIND", "127.0.0.1:0".to_string()),
        (
            "HARMONY_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("HARMONY_LOG_LEVEL", "error".to_string()),
        ("SLSKD_URL", String::new()),
        ("SHUTDOWN_GRACE_SEC", "3".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.clone());
    }
    let raw = harmony::config::load(|k| env.get(k).cloned()).unwrap();
    let (config, raw, db) = harmony::app::prepare(raw).unwrap();
    harmony::telemetry::init(&config);
    let app = harmony::app::start(config, raw, db, WorkerOverrides::default())
        .await
        .unwrap();
    let base = format!("http://{}", app.addr);
    (app, base)
}

async fn get(base: &str, path: &str) -> Value {
    let mut res = client().get(format!("{base}{path}")).send().await.unwrap();
    let body = res.body().limit(64 << 20).await.unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// `Artist 0042 - Song 0042 | Album 04 | 3:25`, one per line, all distinct.
fn track_list(run: usize) -> String {
    (0..LINES)
        .map(|i| {
            format!(
                "Run{run} Artist {:04} - Song {i:05} (Remix-{}) | Album {:02} | {}:{:02}\n",
                i % 1000,
                i % 7,
                i % 50,
                2 + i % 4,
                i % 60
            )
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn import_figure() {
    let mut parse = Vec::new();
    let mut request = Vec::new();
    for run in 0..RUNS {
        let text = track_list(run);
        let started = Instant::now();
        let parsed = parse_text(&text);
        parse.push(started.elapsed());
        assert_eq!(parsed.tracks.len(), LINES);

        let dir = tempfile::tempdir().unwrap();
        let (app, base) = start(&dir, &[("HARMONY_DISABLE_WORKERS", "1".into())]).await;
        let body = json!({ "text": text });
        let started = Instant::now();
        let mut res = client()
            .post(format!("{base}/api/v1/imports"))
            .send_json(&body)
            .await
            .unwrap();
        let answer: Value = res.json().limit(8 << 20).await.unwrap();
        request.push(started.elapsed());
        assert_eq!(res.status().as_u16(), 202, "{answer}");
        assert_eq!(answer["accepted"]["tracks"], LINES);
        let wanted = get(&base, "/api/v1/wanted?limit=1").await;
        assert_eq!(wanted["total"], LINES);
        app.shutdown().await;
    }
    println!(
        "\nFigure 1 — import of a {LINES}-line text list ({RUNS} runs, median; min–max)\n  \
         parse + normalise + dedupe only: {:>7.1} ms ({:.1}–{:.1})\n  \
         POST /api/v1/imports, 10 000 wanted tracks committed: {:>7.1} ms ({:.1}–{:.1})  target < 1000 ms",
        ms(median(parse.clone())),
        ms(*parse.iter().min().unwrap()),
        ms(*parse.iter().max().unwrap()),
        ms(median(request.clone())),
        ms(*request.iter().min().unwrap()),
        ms(*request.iter().max().unwrap()),
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Spotify requests by kind since `from` in the fake's log.
fn requests_since(fake: &FakeSpotify, from: usize) -> (usize, usize) {
    let log = fake.requests();
    let items = log[from..]
        .iter()
        .filter(|r| r.path.contains("/items") || r.path.contains("/tracks"))
        .filter(|r| r.path.starts_with("/v1/playlists/"))
        .count();
    (items, log.len() - from)
}

async fn sync_figure() {
    let options = FakeSpotifyOptions::default();
    let fake = FakeSpotify::start(options.clone()).await;
    let entries: Vec<Entry> = (0..PLAYLIST)
        .map(|i| {
            Entry::Track(fake.add_simple_track(
                &format!("Sync Artist {:03}", i % 500),
                &format!("Sync Song {i:05}"),
                &format!("Sync Album {:03}", i % 500),
                180_000 + i as u64,
            ))
        })
        .collect();
    let playlist = FakeSpotify::id("bench playlist");
    fake.add_playlist(FakePlaylist::new(&playlist, "Bench", entries));

    let dir = tempfile::tempdir().unwrap();
    let (app, base) = start(
        &dir,
        &[
            ("SPOTIFY_CLIENT_ID", options.client_id.clone()),
            ("SPOTIFY_REDIRECT_URI", options.redirect_uris[0].clone()),
            ("SPOTIFY_API_URL", fake.api_url()),
            ("SPOTIFY_ACCOUNTS_URL", fake.accounts_url()),
            ("PLAYLIST_SYNC_INTERVAL", "3600".into()),
        ],
    )
    .await;
    // The browser's part of the authorization.
    let url = get(&base, "/api/v1/spotify/authorize").await["url"]
        .as_str()
        .unwrap()
        .to_string();
    let res = client().get(&url).send().await.unwrap();
    let location = res.headers().get("location").unwrap().to_str().unwrap();
    let query = location.split_once('?').unwrap().1.to_string();
    // The callback answers an HTML page for the person's browser.
    let mut res = client()
        .get(format!("{base}/api/v1/spotify/callback?{query}"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "callback: {}", res.status());
    let _ = res.body().await;
    wait(|| async { get(&base, "/api/v1/spotify/playlists").await["total"] == 2 }).await;

    let from = fake.requests().len();
    let started = Instant::now();
    client()
        .patch(format!("{base}/api/v1/spotify/playlists/{playlist}"))
        .send_json(&json!({"sync": true}))
        .await
        .unwrap();
    wait(|| async { get(&base, "/api/v1/wanted?limit=1").await["total"] == PLAYLIST }).await;
    let first = started.elapsed();
    let (items, all) = requests_since(&fake, from);

    let from = fake.requests().len();
    let listed_before = fake.count("/v1/me/playlists");
    let started = Instant::now();
    client()
        .post(format!("{base}/api/v1/spotify/sync"))
        .send_json(&json!({}))
        .await
        .unwrap();
    wait(|| async { fake.count("/v1/me/playlists") > listed_before }).await;
    let second = started.elapsed();
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    let (items_again, all_again) = requests_since(&fake, from);
    println!(
        "\nFigure 2 — sync of a {PLAYLIST}-track playlist from the fake Spotify (pages of 100)\n  \
         first sync: {:>7.1} ms until {PLAYLIST} tracks are wanted; Spotify requests: {all} \
         ({items} item pages + listing)\n  \
         unchanged snapshot: {:>7.1} ms; Spotify requests: {all_again} ({items_again} item pages)",
        ms(first),
        ms(second),
    );
    app.shutdown().await;
}

async fn wait<F, Fut>(mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + DEADLINE;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}
