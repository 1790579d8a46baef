//! `GET /status`: the nine workers, idle is not stale, flags, no database access.

use crate::common;

use std::time::Duration;

use common::TestApp;
use serde_json::Value;

const NAMES: [&str; 11] = [
    "sync",
    "matching",
    "playlist_sync",
    "artwork",
    "lyrics",
    "metadata",
    "backfill",
    "watchlist",
    "retry_scheduler",
    "library",
    "notify",
];

fn state(status: &Value, name: &str) -> String {
    status["workers"][name]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn nine_workers_run_and_stay_running_while_idle() {
    let app = TestApp::start(&[("ENABLE_ARTWORK", "1"), ("ENABLE_LYRICS", "true")]).await;
    for name in NAMES {
        app.wait_for_worker(name, Duration::from_secs(5), |w| w["state"] == "running")
            .await;
    }
    // Idle for three times the stale threshold: heartbeats keep every worker running.
    actix_rt::time::sleep(Duration::from_millis(1500)).await;
    let status = app.status().await;
    assert_eq!(status["workers"].as_object().unwrap().len(), 11);
    let (_, raw) = app.get_text("/status").await;
    let positions: Vec<usize> = NAMES
        .iter()
        .map(|n| raw.find(&format!("\"{n}\":{{")).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|p| p[0] < p[1]),
        "workers not in the contract's order: {raw}"
    );
    for name in NAMES {
        let w = &status["workers"][name];
        assert_eq!(state(&status, name), "running", "{name}: {w}");
        assert_eq!(w["enabled"], true);
        assert_eq!(w["restarts"], 0);
        assert!(w["last_error"].is_null());
        assert!(w["last_heartbeat"].as_str().unwrap().ends_with('Z'));
    }
    assert_eq!(status["status"], "ok");
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert!(status["uptime_seconds"].as_f64().unwrap() >= 1.5);
    for queued in [
        "sync",
        "matching",
        "artwork",
        "lyrics",
        "metadata",
        "backfill",
        "watchlist",
        "notify",
        "library",
    ] {
        assert_eq!(status["workers"][queued]["queue_size"], 0, "{queued}");
    }
    for periodic in ["playlist_sync", "retry_scheduler"] {
        assert!(
            status["workers"][periodic]["queue_size"].is_null(),
            "{periodic}"
        );
    }
    assert_eq!(status["connections"]["slskd"], "unconfigured");
    assert_eq!(status["connections"]["spotify"], "unconfigured");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn feature_flags_off_make_artwork_and_lyrics_unavailable() {
    let app = TestApp::start(&[]).await;
    // Every enabled worker up (they start on their own threads, in any order).
    for name in NAMES.iter().filter(|n| !["artwork", "lyrics"].contains(n)) {
        app.wait_for_worker(name, Duration::from_secs(5), |w| w["state"] == "running")
            .await;
    }
    let status = app.status().await;
    for name in ["artwork", "lyrics"] {
        let w = &status["workers"][name];
        assert_eq!(w["state"], "unavailable");
        assert_eq!(w["enabled"], false);
        assert!(w["queue_size"].is_null() && w["last_heartbeat"].is_null());
    }
    // Disabled on purpose is not degraded.
    assert_eq!(status["status"], "ok");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn disabled_workers_serve_the_api_only() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1"), ("ENABLE_LYRICS", "1")]).await;
    let status = app.status().await;
    for name in NAMES {
        let w = &status["workers"][name];
        assert_eq!(
            (w["state"].as_str(), w["enabled"].as_bool()),
            (Some("unavailable"), Some(false)),
            "{name}"
        );
        assert!(w["queue_size"].is_null());
    }
    assert_eq!(status["status"], "ok");
    let (code, ready) = app.get("/health/ready").await;
    assert_eq!(code, 200, "{ready}");
    assert_eq!(ready["checks"]["workers"], "disabled");
    assert_eq!(ready["checks"]["database"], "ok");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn status_never_touches_the_database() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    let before = app.app.db.operations();
    for _ in 0..50 {
        app.status().await;
    }
    assert_eq!(
        app.app.db.operations(),
        before,
        "/status ran database operations"
    );
    // The counter does move for endpoints that use the database.
    let (code, _) = app.get("/api/v1/activity").await;
    assert_eq!(code, 200);
    assert!(app.app.db.operations() > before);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn health_endpoints_and_metrics() {
    let app = TestApp::start(&[]).await;
    app.wait_for_worker("sync", Duration::from_secs(5), |w| w["state"] == "running")
        .await;
    assert_eq!(
        app.get("/health/live").await,
        (200, serde_json::json!({"status": "ok"}))
    );
    let (code, ready) = app.get("/health/ready").await;
    assert_eq!(code, 200);
    assert_eq!(
        ready,
        serde_json::json!({"status": "ready", "checks": {"database": "ok", "workers": "ok"}})
    );

    let (code, text) = app.get_text("/metrics").await;
    assert_eq!(code, 200);
    assert!(
        text.contains("harmony_worker_up{worker=\"sync\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("harmony_worker_up{worker=\"lyrics\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("harmony_worker_restarts_total{worker=\"matching\"} 0"),
        "{text}"
    );
    for outcome in ["ok", "client_error", "server_error", "network_error"] {
        assert!(
            text.contains(&format!(
                "harmony_slskd_requests_total{{outcome=\"{outcome}\"}} 0"
            )),
            "{text}"
        );
    }
    assert!(text.contains("harmony_searches_total 0"));
    assert!(
        text.contains("harmony_http_requests_total{status=\"200\"}"),
        "{text}"
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn ready_answers_503_when_the_database_is_not_migrated() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    let app = TestApp::start(&[]).await;
    assert_eq!(app.get("/health/ready").await.0, 200);
    // Another process rolls the schema bookkeeping back: a migration is pending.
    let path = app.dir.path().join("data").join("harmony.db");
    let mut conn =
        diesel::sqlite::SqliteConnection::establish(&path.display().to_string()).unwrap();
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; \
         DELETE FROM __diesel_schema_migrations WHERE version = \
         (SELECT MAX(version) FROM __diesel_schema_migrations);",
    )
    .unwrap();
    let (code, ready) = app.get("/health/ready").await;
    assert_eq!(code, 503, "{ready}");
    assert_eq!(
        ready,
        serde_json::json!({"status": "not_ready", "checks": {"database": "error", "workers": "ok"}})
    );
    assert_eq!(app.get("/health/live").await.0, 200, "alive all the same");
}
