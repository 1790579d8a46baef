//! The web UI's figures: bytes of a cold load of the dashboard, and the
//! server time of the wanted list with 10 000 wanted tracks.
//!
//! ```sh
//! cargo run --release --example ui_bench
//! ```
//! Starts the app in-process on a temporary directory (workers off, so
//! nothing changes under the measurement), adds 10 000 wanted tracks
//! through the API, then times `GET /wanted` (first page, the total counted
//! over all 10 000), a text search and a filtered page over one keep-alive
//! connection on loopback; and sums what a browser fetches for a cold load
//! of `/` (HTML, stylesheet, scripts, icon), as sent with and without gzip.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use harmony::app;
use harmony::config;

const TRACKS: usize = 10_000;
const RUNS: usize = 300;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn time_page(client: &awc::Client, url: &str) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut res = client.get(url).send().await.expect("request");
        let body = res.body().limit(1 << 24).await.expect("body");
        times.push(started.elapsed());
        assert_eq!(res.status().as_u16(), 200, "{url}");
        size = body.len();
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.95), size)
}

/// Bytes on the wire for one asset (the body as sent; headers excluded).
async fn transferred(client: &awc::Client, url: &str, gzip: bool) -> usize {
    let mut req = client.get(url).no_decompress();
    if gzip {
        req = req.insert_header(("Accept-Encoding", "gzip"));
    }
    let mut res = req.send().await.expect("asset");
    res.body().limit(1 << 24).await.expect("body").len()
}

fn main() {
    actix_rt::System::new().block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let env: HashMap<String, String> = [
            ("HARMONY_BIND", "127.0.0.1:0".to_string()),
            ("HARMONY_DATA_DIR", dir.path().join("data").display().to_string()),
            ("HARMONY_LOG_LEVEL", "warn".to_string()),
            ("HARMONY_DISABLE_WORKERS", "1".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let raw = config::load(|k| env.get(k).cloned()).expect("config");
        let (config, raw, db) = app::prepare(raw).expect("prepare");
        let running = app::start(config, raw, db, app::WorkerOverrides::default())
            .await
            .expect("start");
        let base = format!("http://{}", running.addr);
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();

        let started = Instant::now();
        for chunk in 0..TRACKS / 1000 {
            let items: Vec<serde_json::Value> = (0..1000)
                .map(|i| {
                    let n = chunk * 1000 + i;
                    serde_json::json!({"artist": format!("Artist {}", n % 700),
                        "title": format!("Song number {n}"), "album": format!("Album {}", n % 1200)})
                })
                .collect();
            let res = client
                .post(format!("{base}/api/v1/wanted"))
                .send_json(&serde_json::json!({ "items": items }))
                .await
                .expect("add");
            assert_eq!(res.status().as_u16(), 202);
        }
        println!("{TRACKS} wanted tracks added in {:.1} s", started.elapsed().as_secs_f64());

        for (what, path) in [
            ("wanted list, first page of 10 000", "/wanted"),
            ("wanted list, text search (2 words)", "/wanted?q=song+99"),
            ("wanted list, state + source filter", "/wanted?state=pending&source=api"),
            ("dashboard", "/"),
        ] {
            let (p50, p95, size) = time_page(&client, &format!("{base}{path}")).await;
            println!(
                "{what}: p50 {:.2} ms, p95 {:.2} ms ({size} bytes of HTML)",
                p50.as_secs_f64() * 1e3,
                p95.as_secs_f64() * 1e3
            );
        }

        let mut res = client.get(format!("{base}/")).send().await.expect("dashboard");
        let html = String::from_utf8_lossy(&res.body().limit(1 << 24).await.expect("body")).into_owned();
        let assets: Vec<String> = html
            .split(['"', '\''])
            .filter(|s| s.starts_with("/ui/assets/"))
            .map(str::to_string)
            .collect();
        let (mut plain, mut gzip) = (html.len(), html.len());
        for asset in &assets {
            plain += transferred(&client, &format!("{base}{asset}"), false).await;
            gzip += transferred(&client, &format!("{base}{asset}"), true).await;
        }
        println!(
            "cold load of the dashboard ({} requests: HTML + {}): {:.1} KB with gzip, {:.1} KB without",
            assets.len() + 1,
            assets.join(", "),
            gzip as f64 / 1000.0,
            plain as f64 / 1000.0
        );
        running.shutdown().await;
    });
}
