//! The web UI's HTML routes over HTTP: pages, forms and their validation,
//! sign-in with a session that survives a restart, CSRF refusals, and
//! hostile names from Soulseek rendered as text.

use crate::common;
use std::time::Duration;

use common::fake_slskd::{FakeOptions, SharedFile};
use common::TestApp;
use harmony::app::WorkerOverrides;
use serde_json::json;

struct Answer {
    status: u16,
    location: Option<String>,
    set_cookie: Option<String>,
    content_type: String,
    csp: Option<String>,
    body: String,
}

fn header<S>(res: &awc::ClientResponse<S>, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn browser() -> awc::Client {
    awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(20))
        .finish()
}

async fn read(
    mut res: awc::ClientResponse<
        impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>
            + Unpin,
    >,
) -> Answer {
    let body = res.body().limit(8 << 20).await.unwrap();
    Answer {
        status: res.status().as_u16(),
        location: header(&res, "location"),
        set_cookie: header(&res, "set-cookie"),
        content_type: header(&res, "content-type").unwrap_or_default(),
        csp: header(&res, "content-security-policy"),
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> Answer {
    let mut req = browser().get(app.url(path));
    if let Some(c) = cookie {
        req = req.insert_header(("Cookie", c));
    }
    read(req.send().await.unwrap()).await
}

/// A form post as a browser on one of our pages sends it (`origin`: `None`
/// leaves Origin and Referer out).
async fn post(
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
    origin: Option<&str>,
    cookie: Option<&str>,
) -> Answer {
    let mut req = browser().post(app.url(path));
    if let Some(o) = origin {
        req = req.insert_header(("Origin", o));
    }
    if let Some(c) = cookie {
        req = req.insert_header(("Cookie", c));
    }
    read(req.send_form(&form).await.unwrap()).await
}

fn own(app: &TestApp) -> String {
    app.base.clone()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn every_page_is_html_with_a_strict_policy() {
    let app = TestApp::start(&[]).await;
    for path in [
        "/",
        "/wanted",
        "/downloads",
        "/sources",
        "/settings",
        "/activity",
        "/ui/parts/workers",
        "/ui/parts/downloads",
        "/wanted?state=failed&q=daft",
        "/activity?type=worker",
    ] {
        let answer = page(&app, path, None).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert!(answer.content_type.starts_with("text/html"), "{path}");
        let csp = answer.csp.unwrap_or_default();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        // An element with two class attributes loses the second (the
        // workers' panel once lost its width that way).
        for tag in answer.body.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            assert!(tag.matches(" class=").count() <= 1, "{path}: <{tag}>");
        }
        for outside in [
            "src=\"http",
            "href=\"http",
            "src=\"//",
            "href=\"//",
            "@import",
        ] {
            assert!(
                !answer.body.contains(outside),
                "{path} loads something from elsewhere"
            );
        }
    }
    let missing = page(&app, "/wanted/999", None).await;
    assert_eq!(missing.status, 404);
    assert!(missing.content_type.starts_with("text/html"));
    // The API keeps its JSON.
    let (code, body) = app.get("/api/v1/wanted/999").await;
    assert_eq!(
        (code, body["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let bad = page(&app, "/wanted?state=done", None).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("state"), "{}", bad.body);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_assets_come_from_the_binary_and_gzip_when_asked() {
    let app = TestApp::start(&[]).await;
    let res = browser()
        .get(app.url("/ui/assets/htmx.min.js?v=1"))
        .insert_header(("Accept-Encoding", "gzip"))
        .no_decompress()
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(header(&res, "content-encoding").as_deref(), Some("gzip"));
    assert!(header(&res, "cache-control")
        .unwrap_or_default()
        .contains("immutable"));
    let css = page(&app, "/ui/assets/style.css", None).await;
    assert!(css.content_type.starts_with("text/css"));
    assert!(css.body.contains("prefers-color-scheme: dark"));
    assert_eq!(page(&app, "/ui/assets/nothing.js", None).await.status, 404);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn adding_a_track_shows_errors_beside_the_fields_and_changes_nothing() {
    let app = TestApp::start(&[]).await;
    let origin = own(&app);
    let refused = post(
        &app,
        "/wanted",
        &[
            ("artist", "Daft Punk"),
            ("title", "  "),
            ("duration", "5:20"),
        ],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"title-error\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"Daft Punk\""),
        "typed values are kept"
    );
    let bad_length = post(
        &app,
        "/wanted",
        &[
            ("artist", "Daft Punk"),
            ("title", "One More Time"),
            ("duration", "five"),
        ],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(bad_length.status, 422);
    assert!(bad_length.body.contains("id=\"duration-error\""));
    assert_eq!(app.get("/api/v1/wanted").await.1["total"], 0);

    let added = post(
        &app,
        "/wanted",
        &[
            ("artist", "Daft Punk"),
            ("title", "One More Time"),
            ("album", "Discovery"),
            ("duration", "5:20"),
        ],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let location = added.location.unwrap_or_default();
    let id: i64 = location.trim_start_matches("/wanted/").parse().unwrap();
    let (_, wanted) = app.get(&format!("/api/v1/wanted/{id}")).await;
    assert_eq!(wanted["title"], "One More Time");
    assert_eq!(wanted["duration_ms"], 320_000);
    assert_eq!(wanted["source"], "api");
    let detail = page(&app, &location, None).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("One More Time"));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_post_from_another_site_or_none_is_refused() {
    let app = TestApp::start(&[]).await;
    for origin in [None, Some("http://evil.example"), Some("null")] {
        let answer = post(
            &app,
            "/wanted",
            &[("artist", "A"), ("title", "B")],
            origin,
            None,
        )
        .await;
        assert_eq!(answer.status, 403, "{origin:?}");
    }
    // A Referer of our own pages is enough when Origin is absent.
    let res = browser()
        .post(app.url("/wanted"))
        .insert_header(("Referer", format!("{}/wanted", app.base)))
        .send_form(&[("artist", "A"), ("title", "B")])
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        app.get("/api/v1/wanted").await.1["total"],
        1,
        "only the same-origin post counted"
    );
}

fn session_cookie(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn with_api_keys_the_ui_signs_in_once_and_the_session_survives_a_restart() {
    let keys = [("HARMONY_API_KEYS", "sofa-key-123")];
    let app = TestApp::start(&keys).await;
    let origin = own(&app);
    let gate = page(&app, "/wanted?state=failed", None).await;
    assert_eq!(gate.status, 303);
    assert_eq!(
        gate.location.as_deref(),
        Some("/login?next=%2Fwanted%3Fstate%3Dfailed")
    );
    let login = page(&app, "/login?next=%2Fwanted", None).await;
    assert_eq!(login.status, 200);
    assert!(login.body.contains("type=\"password\""));
    // Assets are public (the sign-in page needs its stylesheet).
    assert_eq!(page(&app, "/ui/assets/style.css", None).await.status, 200);

    let wrong = post(
        &app,
        "/login",
        &[("key", "nope"), ("next", "/wanted")],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.set_cookie.is_none());
    let signed = post(
        &app,
        "/login",
        &[("key", "sofa-key-123"), ("next", "//evil.example/")],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(signed.status, 303);
    assert_eq!(
        signed.location.as_deref(),
        Some("/"),
        "only local targets are followed"
    );
    let set_cookie = signed.set_cookie.unwrap_or_default();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("sofa-key-123"));
    let cookie = session_cookie(&set_cookie);

    let dashboard = page(&app, "/", Some(&cookie)).await;
    assert_eq!(dashboard.status, 200);
    assert!(
        !dashboard.body.contains("sofa-key-123"),
        "the key never appears in a page"
    );
    assert!(dashboard.body.contains("Sign out"));
    // The session opens the UI, not the API.
    let res = browser()
        .get(app.url("/api/v1/wanted"))
        .insert_header(("Cookie", cookie.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // A state change without a session is refused even from our own origin.
    let anonymous = post(
        &app,
        "/wanted",
        &[("artist", "A"), ("title", "B")],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(anonymous.status, 401);

    // Restart on the same database: the browser is still signed in.
    let dir = app.dir.clone();
    app.app.shutdown().await;
    let app = TestApp::start_in(dir, &keys, WorkerOverrides::default()).await;
    let origin = own(&app);
    assert_eq!(page(&app, "/", Some(&cookie)).await.status, 200);

    let out = post(&app, "/logout", &[], Some(&origin), Some(&cookie)).await;
    assert_eq!(out.status, 303);
    assert!(out.set_cookie.unwrap_or_default().contains("Max-Age=0"));
    let after = page(&app, "/", Some(&cookie)).await;
    assert_eq!(after.status, 303, "the session ended with the sign-out");
}

/// A file whose name and user are markup, as a Soulseek peer may share.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn hostile_names_from_soulseek_render_as_text() {
    let (app, fake, _music) = common::start_with_fake(
        FakeOptions::default(),
        &[
            ("SEARCH_TIMEOUT_MS", "150"),
            ("SEARCH_MAX_PER_WINDOW", "100"),
            ("SEARCH_WINDOW_SEC", "1"),
        ],
        &[],
    )
    .await;
    let hostile = "Music\\Daft Punk\\<script>alert(1)</script> One More Time <img src=x onerror=alert(2)>.mp3";
    let mut file = SharedFile::new(hostile, 320 * 320 * 125);
    file.length = Some(320);
    file.bit_rate = Some(320);
    fake.share_file("<b>peer</b>", file);
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [{"artist": "Daft Punk", "title": "One More Time", "duration_ms": 320_000}]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let id = body["items"][0]["id"].as_i64().unwrap();
    common::eventually(
        Duration::from_secs(15),
        "the search found the file",
        || async {
            let (_, c) = app.get(&format!("/api/v1/wanted/{id}/candidates")).await;
            c["items"].as_array().is_some_and(|a| !a.is_empty())
        },
    )
    .await;
    let detail = page(&app, &format!("/wanted/{id}"), None).await;
    assert_eq!(detail.status, 200);
    assert!(!detail.body.contains("<script>alert"), "{}", detail.body);
    assert!(!detail.body.contains("<img src=x"));
    assert!(!detail.body.contains("<b>peer</b>"));
    assert!(detail
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(detail.body.contains("&lt;b&gt;peer&lt;/b&gt;"));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_bad_setting_is_refused_beside_its_key_and_nothing_changes() {
    let app = TestApp::start(&[]).await;
    let origin = own(&app);
    let (_, before) = app.get("/api/v1/settings").await;
    let refused = post(
        &app,
        "/settings",
        &[("MATCH_MIN_SCORE", "2.5"), ("RETRY_MAX_ATTEMPTS", "7")],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("id=\"MATCH_MIN_SCORE-error\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"2.5\""),
        "the typed value stays for correction"
    );
    assert!(
        refused.body.contains("href=\"#MATCH_MIN_SCORE\""),
        "the notice links the refused key"
    );
    let (_, after) = app.get("/api/v1/settings").await;
    assert_eq!(before, after, "all or nothing");

    let saved = post(
        &app,
        "/settings",
        &[("RETRY_MAX_ATTEMPTS", "7")],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(saved.status, 303);
    let (_, after) = app.get("/api/v1/settings").await;
    assert_eq!(after["settings"]["RETRY_MAX_ATTEMPTS"], "7");
    let settings = page(&app, "/settings", None).await;
    assert!(settings.body.contains("RETRY_MAX_ATTEMPTS"));
    assert!(
        settings.body.contains("(default) → 7") || settings.body.contains("→ 7"),
        "the history shows the change"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_pasted_list_becomes_an_import_with_its_skipped_lines() {
    let app = TestApp::start(&[]).await;
    let origin = own(&app);
    let boundary = "XhARMONYx";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"list\"\r\n\r\nDaft Punk - One More Time\nnot a track line\nhttps://example.com/x\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    );
    let res = browser()
        .post(app.url("/sources/imports"))
        .insert_header(("Origin", origin.as_str()))
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .send_body(body)
        .await
        .unwrap();
    let answer = read(res).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let location = answer.location.unwrap_or_default();
    assert!(location.starts_with("/imports/"), "{location}");
    let import = page(&app, &location, None).await;
    assert_eq!(import.status, 200);
    assert!(import.body.contains("not a track line"), "{}", import.body);
    assert!(import.body.contains("Skipped lines"));
}

/// "Search again with an edited query" through the UI's form, while the
/// track's search is running: slskd is asked exactly that text, the API
/// shows it, an empty one goes back to the derived queries; the API's `q`
/// finds tracks by words.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_edited_query_is_what_slskd_is_asked_and_q_finds_tracks_by_words() {
    // Each search creation takes a while: the edit below arrives while the
    // track's first search is running (its request joins that job).
    let options = FakeOptions {
        search_create_latency: Duration::from_millis(800),
        ..FakeOptions::default()
    };
    let (app, fake, _music) = common::start_with_fake(
        options,
        &[
            ("SEARCH_TIMEOUT_MS", "150"),
            ("SEARCH_MAX_PER_WINDOW", "100"),
            ("SEARCH_WINDOW_SEC", "1"),
        ],
        &[],
    )
    .await;
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [
                {"artist": "Daft Punk", "title": "One More Time"},
                {"artist": "Air", "title": "Sexy Boy"},
                {"artist": "Daft Punk", "title": "Digital Love"},
            ]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let id = body["items"][0]["id"].as_i64().unwrap();
    let (_, found) = app.get("/api/v1/wanted?q=daft+ONE").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["title"], "One More Time");
    let (_, none) = app.get("/api/v1/wanted?q=100%25").await;
    assert_eq!(none["total"], 0, "% is a literal character");

    common::eventually(
        Duration::from_secs(15),
        "the first search is being created",
        || async {
            fake.search_creations()
                .iter()
                .any(|s| s.text.to_lowercase().contains("one more time") && s.answered.is_none())
        },
    )
    .await;
    let origin = own(&app);
    let searched = |text: &'static str| {
        let fake = &fake;
        move || async move { fake.search_creations().iter().any(|s| s.text == text) }
    };
    let answer = post(
        &app,
        &format!("/wanted/{id}/search"),
        &[("query", "  daft punk omt radio edit ")],
        Some(&origin),
        None,
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    common::eventually(
        Duration::from_secs(15),
        "slskd asked the edited query",
        searched("daft punk omt radio edit"),
    )
    .await;
    let (_, wanted) = app.get(&format!("/api/v1/wanted/{id}")).await;
    assert_eq!(wanted["search_query"], "daft punk omt radio edit");
    let detail = page(&app, &format!("/wanted/{id}"), None).await;
    assert!(detail.body.contains("value=\"daft punk omt radio edit\""));

    // Through the API: a query too long is refused; an empty one resets.
    let (code, body) = app
        .send_json(
            "POST",
            &format!("/api/v1/wanted/{id}/search"),
            &json!({"query": "x".repeat(201)}),
        )
        .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "query");
    let (code, body) = app
        .send_json(
            "POST",
            &format!("/api/v1/wanted/{id}/search"),
            &json!({"query": ""}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["search_query"], serde_json::Value::Null);
}
