//! How requests are refused (`api.md` §1): broken JSON is a 400, a wrong
//! shape a 422 naming the field, NUL in text a 422, a wrong method a 405
//! with `Allow`, `HEAD` wherever `GET` works; the matching endpoint bounds
//! its text fields.

use crate::common;

use common::{client, TestApp};
use serde_json::{json, Value};

async fn start() -> TestApp {
    TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await
}

/// Sends raw bytes; answers the status, the JSON body and the `Allow` header.
async fn raw(
    app: &TestApp,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, Value, Option<String>) {
    let mut res = client()
        .request(method.parse().unwrap(), app.url(path))
        .insert_header(("Content-Type", content_type))
        .send_body(body.to_vec())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let allow = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = res.body().limit(1 << 20).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        allow,
    )
}

/// The `field` of every detail of a 422.
fn fields(code: u16, body: &Value) -> Vec<String> {
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_error", "{body}");
    body["error"]["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details: {body}"))
        .iter()
        .map(|d| d["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn refused_fields(app: &TestApp, method: &str, path: &str, body: Value) -> Vec<String> {
    let (code, answer) = app.send_json(method, path, &body).await;
    fields(code, &answer)
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_wrong_shape_names_the_field() {
    let app = start().await;
    let cases = [
        (
            "/api/v1/downloads",
            json!({"items": [{"username": "u", "filename": "f", "size": "big"}]}),
            "items[0].size",
        ),
        (
            "/api/v1/downloads",
            json!({"items": [{"filename": "f", "size": 1}]}),
            "items[0].username",
        ),
        (
            "/api/v1/downloads",
            json!({"items": [{"username": "u", "filename": "f", "size": 1, "priority": "high"}]}),
            "items[0].priority",
        ),
        (
            "/api/v1/downloads",
            json!({"items": [{"username": "u", "filename": "f", "size": 1, "track": "x"}]}),
            "items[0].track",
        ),
        ("/api/v1/downloads", json!({"items": "x"}), "items"),
        (
            "/api/v1/wanted",
            json!({"items": [{"artist": "a", "title": 5}]}),
            "items[0].title",
        ),
        ("/api/v1/wanted", json!({}), "items"),
        (
            "/api/v1/watchlist",
            json!({"spotify_artist_id": 42}),
            "spotify_artist_id",
        ),
        (
            "/api/v1/watchlist",
            json!({"name": "x"}),
            "spotify_artist_id",
        ),
        (
            "/api/v1/matching/score",
            json!({"track": {"title": "t"}, "candidates": [{"size": 1}]}),
            "candidates[0].filename",
        ),
        (
            "/api/v1/matching/score",
            json!({"track": {"title": "t"}, "candidates": {}}),
            "candidates",
        ),
        ("/api/v1/matching/score", json!({"candidates": []}), "track"),
        ("/api/v1/search", json!({"sources": ["soulseek"]}), "query"),
        ("/api/v1/search", json!({"query": ["a"]}), "query"),
        ("/api/v1/imports", json!({"tracks": "x"}), "tracks"),
        ("/api/v1/imports", json!({"links": 5}), "links"),
    ];
    for (path, body, field) in cases {
        let found = refused_fields(&app, "POST", path, body.clone()).await;
        assert_eq!(found, [field], "POST {path} {body}");
    }
    let found = refused_fields(
        &app,
        "PATCH",
        "/api/v1/downloads/1",
        json!({"priority": "x"}),
    )
    .await;
    assert_eq!(found, ["priority"]);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn broken_json_is_a_400_and_a_wrong_shape_a_422() {
    let app = start().await;
    for path in [
        "/api/v1/downloads",
        "/api/v1/wanted",
        "/api/v1/matching/score",
        "/api/v1/imports",
    ] {
        let (code, body, _) = raw(&app, "POST", path, "application/json", b"[1, 2").await;
        assert_eq!(code, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{body}");
    }
    let (code, body, _) = raw(
        &app,
        "POST",
        "/api/v1/downloads",
        "application/json",
        br#"{"items": "x"}"#,
    )
    .await;
    assert_eq!(fields(code, &body), ["items"]);
    // A valid document of the wrong kind is a shape problem, not a syntax one.
    let (code, body, _) = raw(
        &app,
        "POST",
        "/api/v1/downloads",
        "application/json",
        b"[1, 2]",
    )
    .await;
    assert_eq!(code, 422, "{body}");
    // The content type and the size are still checked first.
    let (code, body, _) = raw(&app, "POST", "/api/v1/downloads", "text/plain", b"{}").await;
    assert_eq!(code, 400, "{body}");
    let big = format!("{{\"items\": \"{}\"}}", "a".repeat(2 << 20));
    let (code, body, _) = raw(
        &app,
        "POST",
        "/api/v1/downloads",
        "application/json",
        big.as_bytes(),
    )
    .await;
    assert_eq!(code, 413, "{body}");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn nul_in_any_text_field_is_a_422_naming_it() {
    let app = start().await;
    let cases = [
        (
            "/api/v1/wanted",
            json!({"items": [{"artist": "Daft\u{0}Punk", "title": "One More Time"}]}),
            "items[0].artist",
        ),
        (
            "/api/v1/wanted",
            json!({"items": [{"artist": "Daft Punk", "title": "One\u{0}"}]}),
            "items[0].title",
        ),
        (
            "/api/v1/search",
            json!({"query": "daft\u{0}punk", "sources": ["soulseek"]}),
            "query",
        ),
        (
            "/api/v1/downloads",
            json!({"items": [{"username": "u", "filename": "f", "size": 1,
                              "track": {"title": "x\u{0}"}}]}),
            "items[0].track.title",
        ),
        (
            "/api/v1/matching/score",
            json!({"track": {"title": "t", "artist": "\u{0}"}, "candidates": []}),
            "track.artist",
        ),
        (
            "/api/v1/imports",
            json!({"tracks": [{"artist": "A", "title": "B"}, {"artist": "C\u{0}", "title": "D"}]}),
            "tracks[1].artist",
        ),
        (
            "/api/v1/watchlist",
            json!({"spotify_artist_id": "4tZwfgrHOc3mvqYlEYSvVi", "name": "Daft\u{0}"}),
            "name",
        ),
    ];
    for (path, body, field) in cases {
        let found = refused_fields(&app, "POST", path, body.clone()).await;
        assert_eq!(found, [field], "POST {path} {body}");
    }
    // Unknown fields are ignored, whatever they hold.
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [{"artist": "Daft Punk", "title": "One More Time", "note": "\u{0}"}]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_wrong_method_is_a_405_with_allow() {
    let app = start().await;
    let cases = [
        ("POST", "/status", "GET, HEAD"),
        ("DELETE", "/health/live", "GET, HEAD"),
        ("DELETE", "/api/v1/downloads", "GET, HEAD, POST"),
        ("PUT", "/api/v1/downloads/1", "GET, HEAD, PATCH, DELETE"),
        ("GET", "/api/v1/matching/score", "POST"),
        ("DELETE", "/api/v1/settings", "GET, HEAD, PUT"),
    ];
    for (method, path, allow) in cases {
        let (code, body, header) = raw(&app, method, path, "application/json", b"{}").await;
        assert_eq!(code, 405, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
        assert_eq!(header.as_deref(), Some(allow), "{method} {path}");
    }
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn head_works_wherever_get_does() {
    let app = start().await;
    for path in [
        "/status",
        "/health/live",
        "/api/v1/downloads",
        "/api/v1/wanted?state=pending",
        "/openapi.json",
    ] {
        let get = client().get(app.url(path)).send().await.unwrap();
        let mut head = client().head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
        assert_eq!(
            head.headers().get("content-type"),
            get.headers().get("content-type"),
            "HEAD {path}"
        );
        let body = head.body().await.unwrap();
        assert!(body.is_empty(), "HEAD {path} sent a body");
    }
    let head = client()
        .head(app.url("/api/v1/downloads/999"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 404);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn matching_refuses_over_long_text_naming_the_field() {
    let app = start().await;
    let long = |n: usize| "one more time ".repeat(n / 14 + 1);
    let candidate = json!({"username": "u", "filename": "Music\\Daft Punk\\One More Time.mp3"});
    let cases = [
        (
            json!({"track": {"title": long(1001)}, "candidates": [candidate]}),
            "track.title",
        ),
        (
            json!({"track": {"title": "t", "artist": long(1001)}, "candidates": [candidate]}),
            "track.artist",
        ),
        (
            json!({"track": {"title": "t", "album": long(1001)}, "candidates": [candidate]}),
            "track.album",
        ),
        (
            json!({"track": {"title": "t"},
                   "candidates": [candidate, {"filename": format!("{}.mp3", long(4097))}]}),
            "candidates[1].filename",
        ),
        (
            json!({"track": {"title": "t"},
                   "candidates": [{"filename": "a.mp3", "username": "u".repeat(256)}]}),
            "candidates[0].username",
        ),
        (
            json!({"track": {"title": "t"}, "candidates": [candidate],
                   "preferences": {"formats": vec!["mp3"; 33]}}),
            "preferences.formats",
        ),
    ];
    for (body, field) in cases {
        let found = refused_fields(&app, "POST", "/api/v1/matching/score", body).await;
        assert_eq!(found, [field]);
    }
    // The issue's request: 200 000 characters each, well under the body limit.
    let body = json!({"track": {"title": long(200_000)},
                      "candidates": [{"filename": long(200_000)}]});
    let found = refused_fields(&app, "POST", "/api/v1/matching/score", body).await;
    assert_eq!(found, ["track.title", "candidates[0].filename"]);
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn matching_at_the_limits_still_answers() {
    let app = start().await;
    let title: String = "one more time ".repeat(71).chars().take(1000).collect();
    let name: String = format!("{}.flac", "one more time - ".repeat(300))
        .chars()
        .rev()
        .take(4096)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let candidates: Vec<Value> = (0..200)
        .map(|i| json!({"username": format!("u{i}"), "filename": name, "length": 300}))
        .collect();
    let body = json!({"track": {"title": title, "artist": title, "album": title},
                      "candidates": candidates});
    let (code, answer) = app.send_json("POST", "/api/v1/matching/score", &body).await;
    assert_eq!(code, 200, "{answer}");
    assert_eq!(answer["candidates"].as_array().map(Vec::len), Some(200));
    app.app.shutdown().await;
}
