//! Imports (`api.md` §9) through the HTTP API: JSON bodies and uploaded
//! CSV / text / JSON files become wanted tracks with their skip reasons,
//! backpressure, and counters that follow the tracks to completion.

use crate::common;

use std::time::Duration;

use common::fake_slskd::{FakeOptions, SharedFile};
use common::TestApp;
use serde_json::{json, Value};

const NO_WORKERS: (&str, &str) = ("HARMONY_DISABLE_WORKERS", "1");

/// One part of a multipart body: name, file name and content type (for a
/// file), bytes.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

async fn post_parts(app: &TestApp, parts: &[Part<'_>]) -> (u16, Value) {
    let boundary = "harmony-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        let disposition = match file {
            Some((file_name, content_type)) => format!(
                "form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}"
            ),
            None => format!("form-data; name=\"{name}\""),
        };
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut res = common::client()
        .post(app.url("/api/v1/imports"))
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .send_body(body)
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.body().limit(8 << 20).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn post_file(app: &TestApp, name: &str, content_type: &str, bytes: &[u8]) -> (u16, Value) {
    post_parts(
        app,
        &[
            ("note", None, b"ignored"),
            ("file", Some((name, content_type)), bytes),
        ],
    )
    .await
}

async fn import_json(app: &TestApp, body: &Value) -> (u16, Value) {
    app.send_json("POST", "/api/v1/imports", body).await
}

/// The skip reasons of the contract (`api.md` §13 "Imports"), nothing else.
const REASONS: [&str; 7] = [
    "duplicate",
    "missing_artist",
    "missing_title",
    "unparsable",
    "invalid_duration",
    "invalid_link",
    "too_long",
];

fn assert_vocabulary(body: &Value) {
    for (input, reason) in reasons(body) {
        assert!(
            REASONS.contains(&reason.as_str()),
            "{input:?} skipped as {reason:?}, not a contract reason"
        );
    }
}

/// A 422 naming `field`, and not one wanted track created.
async fn assert_refused_whole(app: &TestApp, code: u16, body: &Value, field: &str) {
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_error", "{body}");
    assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
    let (_, wanted) = app.get("/api/v1/wanted?limit=1").await;
    assert_eq!(wanted["total"], 0, "nothing is created: {wanted}");
}

async fn post_body(app: &TestApp, content_type: &str, body: String) -> (u16, Value) {
    let mut res = common::client()
        .post(app.url("/api/v1/imports"))
        .insert_header(("Content-Type", content_type))
        .send_body(body)
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.body().limit(8 << 20).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn playlist_link(i: usize) -> String {
    format!("https://open.spotify.com/playlist/{i:0>22}")
}

fn reasons(body: &Value) -> Vec<(String, String)> {
    body["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["input"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_json_import_becomes_wanted_tracks_with_skip_reasons() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let text = "Jay-Z - 99 Problems | The Black Album | 3:54\n\
                A-ha - Take On Me\n\
                a-ha - take on me\n\
                no separator here\n\
                \n\
                Daft Punk – One More Time | 5:20 | Discovery\n\
                https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M?si=abc\n\
                https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC\n";
    let body = json!({
        "tracks": [
            {"artist": "Massive Attack", "title": "Teardrop", "duration": "5:29"},
            {"artist": "Portishead", "title": "Roads", "album": "Dummy", "duration": 305_000},
            {"artist": "", "title": "No Artist"},
            {"artist": "Bad", "title": "Duration", "duration": "3:75"},
            "not an object"
        ],
        "text": text,
        "links": ["spotify:playlist:37i9dQZF1DXcBWIGoYBM5M", "https://example.com/playlist/x"]
    });
    let (code, created) = import_json(&app, &body).await;
    assert_eq!(code, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        created["accepted"],
        json!({"tracks": 5, "links": 1}),
        "{created}"
    );
    assert_eq!(created["state"], "queued");
    let skipped = reasons(&created);
    let reason_of = |input: &str| {
        skipped
            .iter()
            .find(|(i, _)| i.contains(input))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{input} not skipped: {skipped:?}"))
    };
    assert_eq!(reason_of("a-ha - take on me"), "duplicate");
    assert_eq!(reason_of("no separator here"), "unparsable");
    assert_eq!(reason_of("No Artist"), "missing_artist");
    assert_eq!(reason_of("3:75"), "invalid_duration");
    assert_eq!(reason_of("not an object"), "unparsable");
    assert_eq!(reason_of("track/4uLU6hMCjMI75M1A2tKUQC"), "invalid_link");
    assert_eq!(reason_of("example.com"), "invalid_link");
    assert_vocabulary(&created);
    // The same playlist twice (URI in `links`, URL in the text) is one link.
    assert_eq!(
        reason_of("playlist/37i9dQZF1DXcBWIGoYBM5M?si=abc"),
        "duplicate"
    );

    let wanted = common::wanted_from_import(&app, id).await;
    assert_eq!(wanted.len(), 5, "{wanted:?}");
    let find = |artist: &str| {
        wanted
            .iter()
            .find(|w| w["artist"] == artist)
            .unwrap_or_else(|| panic!("{artist} not wanted: {wanted:?}"))
    };
    let jay = find("Jay-Z");
    assert_eq!(jay["title"], "99 Problems");
    assert_eq!(jay["album"], "The Black Album");
    assert_eq!(jay["duration_ms"], 234_000);
    assert_eq!(find("A-ha")["title"], "Take On Me");
    let daft = find("Daft Punk");
    assert_eq!(
        (daft["title"].clone(), daft["album"].clone()),
        (json!("One More Time"), json!("Discovery"))
    );
    assert_eq!(daft["duration_ms"], 320_000);
    assert_eq!(find("Massive Attack")["duration_ms"], 329_000);
    assert_eq!(find("Portishead")["duration_ms"], 305_000);

    let (code, status) = app.get(&format!("/api/v1/imports/{id}")).await;
    assert_eq!(code, 200, "{status}");
    assert_eq!(
        status["counts"],
        json!({"registered": 5, "normalized": 5, "queued": 5, "completed": 0, "failed": 0})
    );
    assert_eq!(status["state"], "queued");
    assert!(status["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(app.get("/api/v1/imports/999").await.0, 404);

    // Importing the same tracks again links the existing wanted tracks.
    let (code, again) = import_json(
        &app,
        &json!({"text": "Jay-Z - 99 Problems | The Black Album"}),
    )
    .await;
    assert_eq!(code, 202, "{again}");
    let (_, all) = app.get("/api/v1/wanted?limit=500").await;
    assert_eq!(all["total"], 5, "no second wanted track for the same song");
    let (_, second) = app.get(&format!("/api/v1/imports/{}", again["id"])).await;
    assert_eq!(second["counts"]["registered"], 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn uploaded_csv_text_and_json_files_are_imported() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let csv = "Track Name,Artist Name(s),Album Name,Duration (ms)\r\n\
               \"Hello, Goodbye\",The Beatles,Magical Mystery Tour,210000\r\n\
               Bohemian Rhapsody,Queen,\"A Night at the Opera\",354000\r\n\
               ,Nobody,Nothing,1000\r\n";
    let (code, body) = post_file(&app, "export.csv", "text/csv", csv.as_bytes()).await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"]["tracks"], 2);
    assert_eq!(reasons(&body).len(), 1, "{body}");
    let wanted = common::wanted_from_import(&app, body["id"].as_i64().unwrap()).await;
    let beatles = wanted
        .iter()
        .find(|w| w["artist"] == "The Beatles")
        .unwrap();
    assert_eq!(beatles["title"], "Hello, Goodbye");
    assert_eq!(beatles["duration_ms"], 210_000);

    let text = "\u{feff}Radiohead - Paranoid Android\nBjörk — Jóga | Homogenic\n";
    let (code, body) = post_file(&app, "list.txt", "text/plain", text.as_bytes()).await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"]["tracks"], 2);
    let wanted = common::wanted_from_import(&app, body["id"].as_i64().unwrap()).await;
    assert!(wanted
        .iter()
        .any(|w| w["artist"] == "Björk" && w["title"] == "Jóga"));

    let json_file = br#"[{"artist": "Moby", "title": "Porcelain", "duration": "4:01"}, "Air - La Femme d'Argent"]"#;
    let (code, body) = post_file(&app, "tracks.json", "application/json", json_file).await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"]["tracks"], 2);

    let (code, body) = post_file(&app, "bad.csv", "text/csv", b"song,singer\nA,B\n").await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_error");
    let (code, _) = post_file(&app, "bad.txt", "text/plain", &[0xff, 0xfe, 0x00, 0x41]).await;
    assert_eq!(code, 422);
}

/// Uploads are read whole up to 10 MiB in all, whichever parts hold the
/// bytes; a form without a `file` part names it.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_upload_over_10_mib_is_413_and_a_form_without_a_file_is_422() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let line = b"Daft Punk - One More Time\n";
    let mut big = line.repeat((10 << 20) / line.len() + 1);
    big.truncate((10 << 20) + 1);
    let (code, body) = post_file(&app, "big.txt", "text/plain", &big).await;
    assert_eq!(code, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large", "{body}");
    // Just under the limit is read: one track, then blank lines.
    let mut under = line.to_vec();
    under.resize((10 << 20) - 64, b'\n');
    let (code, body) = post_parts(&app, &[("file", Some(("ok.txt", "text/plain")), &under)]).await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"]["tracks"], 1, "{body}");
    // The limit counts every part, not only the file.
    let filler = vec![b'x'; 6 << 20];
    let (code, body) = post_parts(
        &app,
        &[
            ("note", None, &filler),
            ("file", Some(("list.txt", "text/plain")), &filler),
        ],
    )
    .await;
    assert_eq!(code, 413, "{body}");
    let (code, body) = post_parts(&app, &[("note", None, line)]).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "file", "{body}");
    let (_, wanted) = app.get("/api/v1/wanted?limit=1").await;
    assert_eq!(
        wanted["total"], 1,
        "only the upload under the limit: {wanted}"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn nothing_valid_is_422_and_too_many_pending_imports_is_429() {
    let app = TestApp::start(&[NO_WORKERS, ("INGEST_MAX_PENDING_JOBS", "1")]).await;
    let (code, body) = import_json(&app, &json!({"text": "just words\n\n"})).await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_error");
    let (code, body) = import_json(&app, &json!({"unknown": 1})).await;
    assert_eq!(code, 422, "{body}");
    let (code, _) = app.get("/api/v1/wanted").await;
    assert_eq!(code, 200);

    let (code, first) = import_json(&app, &json!({"text": "Air - Sexy Boy"})).await;
    assert_eq!(code, 202, "{first}");
    let (code, refused) = import_json(&app, &json!({"text": "Air - Kelly Watch the Stars"})).await;
    assert_eq!(code, 429, "{refused}");
    assert_eq!(refused["error"]["code"], "rate_limited");
    let (_, wanted) = app.get("/api/v1/wanted").await;
    assert_eq!(wanted["total"], 1, "a refused import changes nothing");

    // Once the first import's track is given up on, the import is finished.
    let track = wanted["items"][0]["id"].as_i64().unwrap();
    let (code, _) = app
        .send_json("DELETE", &format!("/api/v1/wanted/{track}"), &json!({}))
        .await;
    assert_eq!(code, 200);
    let (_, status) = app.get(&format!("/api/v1/imports/{}", first["id"])).await;
    assert_eq!(status["state"], "failed", "{status}");
    assert_eq!(status["counts"]["failed"], 1);
    let (code, body) = import_json(&app, &json!({"text": "Air - Kelly Watch the Stars"})).await;
    assert_eq!(code, 202, "{body}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn import_counters_follow_the_tracks_to_completion() {
    let defaults = [
        ("SEARCH_TIMEOUT_MS", "150"),
        ("SEARCH_MAX_PER_WINDOW", "100"),
        ("SEARCH_WINDOW_SEC", "1"),
    ];
    let (app, fake, music) = common::start_with_fake(FakeOptions::default(), &defaults, &[]).await;
    let mut file = SharedFile::new(
        "@@music\\Air\\Moon Safari\\01 - La Femme d'Argent.flac",
        40_000,
    );
    file.length = Some(430);
    fake.share_file("airfan", file);
    let (code, created) = import_json(
        &app,
        &json!({"text": "Air - La Femme d'Argent | Moon Safari | 7:10"}),
    )
    .await;
    assert_eq!(code, 202, "{created}");
    let id = created["id"].as_i64().unwrap();
    common::eventually(Duration::from_secs(20), "the import to complete", || {
        let app = &app;
        async move {
            let (_, status) = app.get(&format!("/api/v1/imports/{id}")).await;
            status["state"] == "completed"
        }
    })
    .await;
    let (_, status) = app.get(&format!("/api/v1/imports/{id}")).await;
    assert_eq!(
        status["counts"],
        json!({"registered": 1, "normalized": 1, "queued": 0, "completed": 1, "failed": 0})
    );
    assert!(music.join("Air").join("Moon Safari").exists());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_list_can_be_the_body_itself() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let post = |content_type: &'static str, body: &'static str| {
        let app = &app;
        async move {
            let mut res = common::client()
                .post(app.url("/api/v1/imports"))
                .insert_header(("Content-Type", content_type))
                .send_body(body)
                .await
                .unwrap();
            let status = res.status().as_u16();
            let body = res.body().await.unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
            )
        }
    };
    let (code, body) = post(
        "text/plain; charset=utf-8",
        "Portishead - Glory Box | Dummy | 5:06\nTricky - Overcome\n",
    )
    .await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"]["tracks"], 2);
    let (code, body) = post("text/csv", "artist,title\nGoldie,Inner City Life\n").await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"]["tracks"], 1);
    let (code, body) = post("application/xml", "<tracks/>").await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn more_than_a_hundred_links_refuse_the_whole_import() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let links: Vec<String> = (0..=100).map(playlist_link).collect();
    // Next to valid tracks and text, in `links`.
    let (code, body) = import_json(
        &app,
        &json!({"links": links, "tracks": [{"artist": "Air", "title": "Sexy Boy"}],
                "text": "Moby - Porcelain"}),
    )
    .await;
    assert_refused_whole(&app, code, &body, "links").await;
    // In the text of the request, and in an uploaded file.
    let text = format!("Moby - Porcelain\n{}\n", links.join("\n"));
    let (code, body) = import_json(&app, &json!({ "text": text })).await;
    assert_refused_whole(&app, code, &body, "links").await;
    let (code, body) = post_file(&app, "list.txt", "text/plain", text.as_bytes()).await;
    assert_refused_whole(&app, code, &body, "links").await;
    let (code, body) = post_body(&app, "text/plain", text).await;
    assert_refused_whole(&app, code, &body, "links").await;

    // The same link 101 times: 101 links all the same.
    let same = vec![playlist_link(0); 101];
    let (code, body) = import_json(&app, &json!({ "links": same })).await;
    assert_refused_whole(&app, code, &body, "links").await;

    // A hundred (one of them twice, one not usable) is fine.
    let mut hundred: Vec<String> = (0..98).map(playlist_link).collect();
    hundred.push(playlist_link(0));
    hundred.push("https://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC".into());
    let (code, body) =
        import_json(&app, &json!({"links": hundred, "text": "Moby - Porcelain"})).await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["accepted"], json!({"tracks": 1, "links": 98}));
    assert_eq!(
        reasons(&body),
        [
            (playlist_link(0), "duplicate".to_string()),
            (
                "https://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC".to_string(),
                "invalid_link".to_string()
            )
        ]
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn more_than_ten_thousand_tracks_refuse_the_whole_import() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let over = 10_001;
    let tracks: Vec<Value> = (0..over)
        .map(|i| json!({"artist": "Artist", "title": format!("Title {i}")}))
        .collect();
    let (code, body) = import_json(&app, &json!({ "tracks": tracks })).await;
    assert_refused_whole(&app, code, &body, "tracks").await;

    let lines: String = (0..over).map(|i| format!("Artist - Title {i}\n")).collect();
    let (code, body) = import_json(&app, &json!({ "text": lines })).await;
    assert_refused_whole(&app, code, &body, "tracks").await;
    let (code, body) = post_body(&app, "text/plain", lines.clone()).await;
    assert_refused_whole(&app, code, &body, "tracks").await;

    let csv = format!("artist,title\n{}", lines.replace(" - ", ","));
    let (code, body) = post_file(&app, "list.csv", "text/csv", csv.as_bytes()).await;
    assert_refused_whole(&app, code, &body, "tracks").await;
    let (code, body) = post_body(&app, "text/csv", csv).await;
    assert_refused_whole(&app, code, &body, "tracks").await;
    let json_file = serde_json::to_vec(&tracks).unwrap();
    let (code, body) = post_file(&app, "list.json", "application/json", &json_file).await;
    assert_refused_whole(&app, code, &body, "tracks").await;

    // One track 10 001 times is 10 001 tracks too.
    let same = "Artist - Title\n".repeat(over);
    let (code, body) = post_body(&app, "text/plain", same).await;
    assert_refused_whole(&app, code, &body, "tracks").await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_skipped_list_is_capped_with_contract_reasons_only() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let mut text = String::from("Air - Sexy Boy\n");
    for i in 0..1_500 {
        text.push_str(&format!("unreadable line {i}\n"));
    }
    text.push_str("/music/a.mp3\nhttps://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC\n");
    let (code, body) = import_json(&app, &json!({ "text": text })).await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["skipped"].as_array().unwrap().len(), 1_000);
    assert_eq!(body["skipped_total"], 1_502);
    assert_vocabulary(&body);
    assert!(reasons(&body).iter().all(|(_, r)| r == "unparsable"));

    let (code, body) = import_json(
        &app,
        &json!({"links": [42, "https://open.spotify.com/album/4uLU6hMCjMI75M1A2tKUQC",
                          "spotify:track:4uLU6hMCjMI75M1A2tKUQC", "https://spotify.link/AbCd",
                          "https://example.com/x"],
                "tracks": [{"artist": 5, "title": "T"}, 7, "/music/a.flac"],
                "text": "Air - Sexy Boy"}),
    )
    .await;
    assert_eq!(code, 202, "{body}");
    assert_vocabulary(&body);
    let got: Vec<String> = reasons(&body).into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        got,
        [
            "invalid_link",
            "invalid_link",
            "invalid_link",
            "invalid_link",
            "invalid_link",
            "unparsable",
            "unparsable",
            "unparsable"
        ]
    );
    let id = body["id"].as_i64().unwrap();
    let (_, status) = app.get(&format!("/api/v1/imports/{id}")).await;
    assert_eq!(status["skipped"], body["skipped"], "{status}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn skip_reasons_stored_by_an_earlier_version_are_rewritten() {
    use diesel::connection::SimpleConnection;

    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let mut conn = common::database_migrated_up_to(&dir, "20261121000004");
    let old = json!([
        {"input": "just words", "reason": "invalid"},
        {"input": "https://open.spotify.com/track/x", "reason": "unsupported_link"},
        {"input": "Artist 10000 - Title 10000", "reason": "limit"},
        {"input": "{\"reason\":\"invalid\"}", "reason": "duplicate"},
        {"input": "- Title", "reason": "missing_artist"}
    ]);
    conn.batch_execute(&format!(
        "INSERT INTO imports (id, accepted_tracks, accepted_links, skipped, skipped_total, \
         finished_at, created_at) VALUES (3, 0, 0, '{}', 5, 1, 1);",
        serde_json::to_string(&old).unwrap()
    ))
    .unwrap();
    drop(conn);

    let app = TestApp::start_in(dir, &[NO_WORKERS], Default::default()).await;
    let (code, status) = app.get("/api/v1/imports/3").await;
    assert_eq!(code, 200, "{status}");
    assert_eq!(
        status["skipped"],
        json!([
            {"input": "just words", "reason": "unparsable"},
            {"input": "https://open.spotify.com/track/x", "reason": "invalid_link"},
            {"input": "Artist 10000 - Title 10000", "reason": "too_long"},
            {"input": "{\"reason\":\"invalid\"}", "reason": "duplicate"},
            {"input": "- Title", "reason": "missing_artist"}
        ])
    );
    assert_vocabulary(&status);
}
