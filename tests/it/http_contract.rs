//! The API conventions of every route: error shape, 400/404/405/413/422,
//! API keys, settings, activity, OpenAPI.

use crate::common;

use common::{client, TestApp};
use serde_json::{json, Value};

fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

async fn raw_put(app: &TestApp, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let mut res = client()
        .put(app.url(path))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .unwrap();
    let status = res.status().as_u16();
    let bytes = res.body().limit(1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn malformed_requests_get_the_contract_shape() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    let (code, body) = raw_put(
        &app,
        "/api/v1/settings",
        "application/json",
        b"{\"SLSKD_URL\": ".to_vec(),
    )
    .await;
    assert_eq!(code, 400);
    assert_error(&body, "bad_request");

    let (code, body) = raw_put(&app, "/api/v1/settings", "text/plain", b"{}".to_vec()).await;
    assert_eq!(code, 400);
    assert_error(&body, "bad_request");

    let big = format!("{{\"MUSIC_DIR\": \"{}\"}}", "a".repeat(2 << 20));
    let (code, body) = raw_put(
        &app,
        "/api/v1/settings",
        "application/json",
        big.into_bytes(),
    )
    .await;
    assert_eq!(code, 413);
    assert_error(&body, "payload_too_large");

    let (code, body) = raw_put(
        &app,
        "/api/v1/settings",
        "application/json",
        b"[1, 2]".to_vec(),
    )
    .await;
    assert_eq!(code, 422);
    assert_error(&body, "validation_error");

    let (code, body) = app.get("/api/v1/nothing-here").await;
    assert_eq!(code, 404);
    assert_error(&body, "not_found");
    let (code, body) = app.get("/nothing").await;
    assert_eq!(code, 404);
    assert_error(&body, "not_found");

    let (code, body) = app.send_json("POST", "/status", &json!({})).await;
    assert_eq!(code, 405);
    assert_error(&body, "method_not_allowed");
    let (code, body) = app
        .send_json("DELETE", "/api/v1/settings", &json!({}))
        .await;
    assert_eq!(code, 405);
    assert_error(&body, "method_not_allowed");

    let (code, body) = app.get("/api/v1/activity?type=gossip").await;
    assert_eq!(code, 422);
    assert_eq!(body["error"]["details"][0]["field"], "type");
    let (code, body) = app.get("/api/v1/activity?before_id=abc").await;
    assert_eq!(code, 422);
    assert_eq!(body["error"]["details"][0]["field"], "before_id");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn api_keys_guard_every_route_but_health() {
    let app = TestApp::start(&[
        ("HARMONY_DISABLE_WORKERS", "1"),
        ("HARMONY_API_KEYS", "alpha-key, beta-key"),
    ])
    .await;
    for path in [
        "/status",
        "/metrics",
        "/api/v1/settings",
        "/api/v1/activity",
        "/openapi.json",
        "/docs",
        "/api/v1/nope",
    ] {
        let (code, body) = app.get(path).await;
        assert_eq!(code, 401, "{path}");
        assert_error(&body, "unauthorized");
    }
    let wrong = client()
        .get(app.url("/status"))
        .insert_header(("X-API-Key", "alpha-kex"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let by_header = client()
        .get(app.url("/status"))
        .insert_header(("X-API-Key", "alpha-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status().as_u16(), 200);
    let by_bearer = client()
        .get(app.url("/status"))
        .insert_header(("Authorization", "Bearer beta-key"))
        .send()
        .await
        .unwrap();
    assert_eq!(by_bearer.status().as_u16(), 200);
    assert_eq!(app.get("/health/live").await.0, 200);
    assert_eq!(app.get("/health/ready").await.0, 200);
    // Spotify sends the user's browser (no key) to the callback; the single-use
    // state protects it, so an unknown state is a 400, not a 401.
    let (code, body) = app
        .get("/api/v1/spotify/callback?code=abc&state=never-issued")
        .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(app.get("/api/v1/spotify/authorize").await.0, 401);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn without_keys_everything_is_open() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    assert_eq!(app.get("/status").await.0, 200);
    assert_eq!(app.get("/api/v1/settings").await.0, 200);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn settings_validate_store_mask_and_apply() {
    let app = TestApp::start(&[
        ("HARMONY_DISABLE_WORKERS", "1"),
        ("SLSKD_API_KEY", "from-env-secret"),
    ])
    .await;
    let (code, body) = app.get("/api/v1/settings").await;
    assert_eq!(code, 200);
    let settings = body["settings"].as_object().unwrap();
    assert_eq!(settings["SLSKD_API_KEY"], "********");
    assert_eq!(settings["SYNC_WORKER_CONCURRENCY"], "2");
    assert!(
        settings.contains_key("ENABLE_LYRICS") && !settings.contains_key("HARMONY_BIND"),
        "only settable keys"
    );

    // Unknown or non-settable key: 422 and nothing changes.
    for bad in [
        json!({"NOPE": "1"}),
        json!({"HARMONY_BIND": "0.0.0.0:1"}),
        json!({"SYNC_WORKER_CONCURRENCY": 4, "NOPE": 1}),
    ] {
        let (code, body) = app.send_json("PUT", "/api/v1/settings", &bad).await;
        assert_eq!(code, 422, "{bad}");
        assert_error(&body, "validation_error");
    }
    // Invalid value: 422 naming the key, and the valid key in the same request is not applied either.
    let (code, body) = app
        .send_json(
            "PUT",
            "/api/v1/settings",
            &json!({"SYNC_WORKER_CONCURRENCY": 4, "RETRY_JITTER_PCT": "2"}),
        )
        .await;
    assert_eq!(code, 422);
    assert_eq!(body["error"]["details"][0]["field"], "RETRY_JITTER_PCT");
    assert_eq!(
        app.get("/api/v1/settings").await.1["settings"]["SYNC_WORKER_CONCURRENCY"],
        "2"
    );
    assert_eq!(
        app.get("/api/v1/settings/history").await.1["items"],
        json!([])
    );

    // Strings and numbers; applied live.
    let (code, body) = app
        .send_json(
            "PUT",
            "/api/v1/settings",
            &json!({"SYNC_WORKER_CONCURRENCY": 4, "SLSKD_API_KEY": "new-secret", "ENABLE_LYRICS": "true"}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["settings"]["SYNC_WORKER_CONCURRENCY"], "4");
    assert_eq!(body["settings"]["SLSKD_API_KEY"], "********");
    assert_eq!(body["settings"]["ENABLE_LYRICS"], "true");
    let live = app.app.config.current();
    assert_eq!(live.sync_worker_concurrency, 4);
    assert_eq!(live.slskd_api_key.expose(), "new-secret");
    assert!(
        !live.enable_lyrics,
        "a (restart) key waits for the next start"
    );

    let (_, history) = app.get("/api/v1/settings/history").await;
    let text = history.to_string();
    assert!(
        !text.contains("new-secret") && !text.contains("from-env-secret"),
        "{text}"
    );
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let key_change = items.iter().find(|i| i["key"] == "SLSKD_API_KEY").unwrap();
    assert_eq!(key_change["new_value"], "********");
    assert!(key_change["changed_at"].as_str().unwrap().ends_with('Z'));

    // null removes the override: back to the layered value.
    let (code, body) = app
        .send_json(
            "PUT",
            "/api/v1/settings",
            &json!({"SYNC_WORKER_CONCURRENCY": null}),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(body["settings"]["SYNC_WORKER_CONCURRENCY"], "2");
    let (_, history) = app.get("/api/v1/settings/history?limit=1").await;
    assert_eq!(
        history["items"][0],
        json!({"key": "SYNC_WORKER_CONCURRENCY", "old_value": "4", "new_value": null, "changed_at": history["items"][0]["changed_at"]})
    );
    let (_, all) = app.get("/api/v1/settings").await;
    assert!(!all.to_string().contains("new-secret"));
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn restart_keys_apply_at_the_next_start() {
    let app = TestApp::start(&[]).await;
    let (code, _) = app
        .send_json("PUT", "/api/v1/settings", &json!({"ENABLE_LYRICS": "on"}))
        .await;
    assert_eq!(code, 200);
    assert_eq!(app.worker("lyrics").await["state"], "unavailable");
    let dir = app.dir.clone();
    app.app.shutdown().await;
    let again = TestApp::start_in(dir, &[], Default::default()).await;
    again
        .wait_for_worker("lyrics", std::time::Duration::from_secs(5), |w| {
            w["state"] == "running"
        })
        .await;
    again.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn activity_lists_newest_first_with_paging() {
    let app = TestApp::start(&[]).await;
    app.wait_for_worker("sync", std::time::Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;
    let dir = app.dir.clone();
    app.app.shutdown().await;
    let app = TestApp::start_in(dir, &[], Default::default()).await;
    common::eventually(
        std::time::Duration::from_secs(5),
        "events written",
        || async {
            app.get("/api/v1/activity?type=worker").await.1["items"]
                .as_array()
                .unwrap()
                .len()
                >= 3
        },
    )
    .await;
    let (_, body) = app.get("/api/v1/activity?type=worker&limit=2").await;
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0]["id"].as_i64() > items[1]["id"].as_i64());
    assert_eq!(items[0]["status"], "started");
    assert_eq!(items[1]["status"], "stopped");
    let before = items[1]["id"].as_i64().unwrap();
    let (_, older) = app
        .get(&format!("/api/v1/activity?before_id={before}"))
        .await;
    assert!(older["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["id"].as_i64().unwrap() < before));
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn openapi_documents_every_route() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    let (code, doc) = app.get("/openapi.json").await;
    assert_eq!(code, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/status", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
        ("/docs", "get"),
        ("/api/v1/settings", "get"),
        ("/api/v1/settings", "put"),
        ("/api/v1/settings/history", "get"),
        ("/api/v1/activity", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    let (code, html) = app.get_text("/docs").await;
    assert_eq!(code, 200);
    assert!(html.contains("openapi.json"));
    // The viewer is in the page, not fetched from anywhere: it works offline.
    assert!(html.contains("SwaggerUIBundle") && html.contains(".swagger-ui"));
    for outside in ["src=\"http", "href=\"http", "@import", "cdn."] {
        assert!(!html.contains(outside), "/docs must not load {outside}…");
    }
    assert!(html.contains("validatorUrl: null"), "no online validator");
    app.app.shutdown().await;
}
