//! The backfill (`api.md` §10) through the HTTP API against a fake Spotify:
//! imported tracks get Spotify's data when a search finds them clearly
//! (same ISRC, or same title and artist within ±2 s), every lookup is
//! cached, playlist links of imports are expanded, and a rate limit pauses
//! a run without losing what it did.

use crate::common;

use std::time::Duration;

use common::fake_spotify::{Entry, FakePlaylist, FakeSpotify, FakeSpotifyOptions};
use common::{start_with_spotify, TestApp};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);

async fn import(app: &TestApp, body: &Value) -> i64 {
    let (code, body) = app.send_json("POST", "/api/v1/imports", body).await;
    assert_eq!(code, 202, "{body}");
    body["id"].as_i64().unwrap()
}

async fn start_backfill(app: &TestApp, body: &Value) -> i64 {
    let (code, answer) = app.send_json("POST", "/api/v1/backfill", body).await;
    assert_eq!(code, 202, "{body}: {answer}");
    answer["id"].as_i64().unwrap()
}

async fn backfill(app: &TestApp, id: i64) -> Value {
    let (code, body) = app.get(&format!("/api/v1/backfill/{id}")).await;
    assert_eq!(code, 200, "{body}");
    body
}

async fn wait_state(app: &TestApp, id: i64, state: &str, within: Duration) -> Value {
    common::eventually(within, &format!("backfill {id} {state}"), || async {
        backfill(app, id).await["state"] == state
    })
    .await;
    backfill(app, id).await
}

fn counters(run: &Value) -> Value {
    json!({
        "processed": run["processed"], "matched": run["matched"], "cache_hits": run["cache_hits"],
        "expanded_playlists": run["expanded_playlists"], "expanded_tracks": run["expanded_tracks"],
        "errors": run["errors"],
    })
}

fn titled(wanted: &[Value], title: &str) -> Value {
    wanted
        .iter()
        .find(|w| w["title"] == title)
        .unwrap_or_else(|| panic!("no wanted track {title}: {wanted:#?}"))
        .clone()
}

fn playlist_url(id: &str) -> String {
    format!("https://open.spotify.com/playlist/{id}")
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn refused_before_authorization_and_for_bad_sizes() {
    // Not configured at all.
    let plain = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    let (code, body) = plain
        .send_json("POST", "/api/v1/backfill", &json!({}))
        .await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(body["error"]["details"]["dependency"], "spotify");

    // Configured, not authorized.
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    for body in [
        json!({}),
        json!({"max_items": 10}),
        json!({"max_items": 10000, "expand_playlists": true}),
        // Unknown fields are ignored (api.md §1).
        json!({"max_items": 5, "dry_run": true}),
    ] {
        let (code, answer) = app.send_json("POST", "/api/v1/backfill", &body).await;
        assert_eq!(code, 503, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "unavailable", "{answer}");
        assert_eq!(answer["error"]["details"]["dependency"], "spotify");
    }
    for body in [
        json!({"max_items": 0}),
        json!({"max_items": 10001}),
        json!({"max_items": -1}),
        json!({"max_items": "ten"}),
        json!({"expand_playlists": "yes"}),
    ] {
        let (code, answer) = app.send_json("POST", "/api/v1/backfill", &body).await;
        assert_eq!(code, 422, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], "validation_error", "{answer}");
    }
    let (code, body) = app
        .send_json("POST", "/api/v1/backfill", &json!({"max_items": 0}))
        .await;
    assert_eq!(code, 422);
    assert_eq!(body["error"]["details"][0]["field"], "max_items", "{body}");
    let (code, body) = app.get("/api/v1/backfill/4242").await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(fake.count("/v1/search"), 0);

    // Authorized: accepted; nothing imported, so nothing to do.
    common::authorize_spotify_and_settle(&app, &fake).await;
    let id = start_backfill(&app, &json!({"max_items": 10000, "ignored": 1})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(run["id"], id);
    assert_eq!(
        counters(&run),
        json!({"processed": 0, "matched": 0, "cache_hits": 0, "expanded_playlists": 0,
               "expanded_tracks": 0, "errors": 0})
    );
    assert_eq!(fake.count("/v1/search"), 0);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn imported_tracks_get_spotify_data_lookups_are_cached_and_links_expand() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let one_more_time = fake.add_simple_track("Daft Punk", "One More Time", "Discovery", 320_357);
    fake.add_simple_track("Daft Punk", "Aerodynamic", "Discovery", 212_000);
    let listed = [
        fake.add_simple_track("Justice", "Genesis", "Cross", 234_000),
        fake.add_simple_track("Justice", "Phantom", "Cross", 262_000),
        fake.add_simple_track("Air", "La Femme d'Argent", "Moon Safari", 428_000),
    ];
    let playlist = FakeSpotify::id("playlist:to-import");
    fake.add_playlist(FakePlaylist::new(
        &playlist,
        "To Import",
        listed.iter().map(|t| Entry::Track(t.clone())).collect(),
    ));
    let import_id = import(
        &app,
        &json!({
            "text": "Daft Punk - One More Time | Discovery | 5:20\n\
                     Daft Punk - Aerodynamic | Discovery | 3:00\n\
                     Nobody - Nothing Like It",
            "links": [playlist_url(&playlist)],
        }),
    )
    .await;
    let before = common::wanted_from_import(&app, import_id).await;
    assert_eq!(before.len(), 3, "{before:#?}");
    assert!(before.iter().all(|w| w["spotify_track_id"].is_null()));

    common::authorize_spotify_and_settle(&app, &fake).await;
    let searches = fake.count("/v1/search");
    assert_eq!(searches, 0);
    let id = start_backfill(&app, &json!({"expand_playlists": true})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        counters(&run),
        json!({"processed": 3, "matched": 1, "cache_hits": 0, "expanded_playlists": 1,
               "expanded_tracks": 3, "errors": 0}),
        "{run}"
    );
    assert_eq!(run["last_error"], Value::Null, "{run}");

    // One search per imported track, in Spotify's syntax, at most 10 results.
    let searches: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/search")
        .collect();
    assert_eq!(searches.len(), 3, "{searches:#?}");
    let query = &searches[0].query;
    assert!(
        query.contains("track%3A%22One%20More%20Time%22%20artist%3A%22Daft%20Punk%22"),
        "{query}"
    );
    assert!(
        query.contains("type=track") && query.contains("limit=10"),
        "{query}"
    );

    let wanted = common::wanted_from_import(&app, import_id).await;
    assert_eq!(wanted.len(), 6, "{wanted:#?}");
    let omt = titled(&wanted, "One More Time");
    assert_eq!(omt["spotify_track_id"], one_more_time.as_str(), "{omt}");
    assert!(
        omt["isrc"]
            .as_str()
            .is_some_and(|i| i.starts_with("QZHRM26")),
        "{omt}"
    );
    assert_eq!(omt["album"], "Discovery");
    assert_eq!(omt["track_number"], 1);
    // 32 s off: another recording, or another cut; no match.
    let aero = titled(&wanted, "Aerodynamic");
    assert_eq!(aero["spotify_track_id"], Value::Null, "{aero}");
    assert_eq!(aero["isrc"], Value::Null);
    assert_eq!(
        titled(&wanted, "Nothing Like It")["spotify_track_id"],
        Value::Null
    );
    // The playlist's tracks belong to the import, with their Spotify data.
    for (title, sid) in [
        ("Genesis", &listed[0]),
        ("Phantom", &listed[1]),
        ("La Femme d'Argent", &listed[2]),
    ] {
        let w = titled(&wanted, title);
        assert_eq!(w["spotify_track_id"], sid.as_str(), "{w}");
        assert!(w["duration_ms"].as_i64().is_some(), "{w}");
        // Wanted: the matching worker may be trying (and failing: no slskd) right now.
        assert!(
            matches!(w["state"].as_str(), Some("pending" | "searching")),
            "{w}"
        );
    }
    let (code, status) = app.get(&format!("/api/v1/imports/{import_id}")).await;
    assert_eq!(code, 200, "{status}");
    assert_eq!(status["counts"]["registered"], 6, "{status}");
    assert_eq!(fake.count(&format!("/v1/playlists/{playlist}")), 1);

    // A second run: the two misses come from the cache, Spotify is not asked.
    let second = start_backfill(&app, &json!({"expand_playlists": true})).await;
    assert_ne!(second, id);
    let run = wait_state(&app, second, "completed", WAIT).await;
    assert_eq!(
        counters(&run),
        json!({"processed": 2, "matched": 0, "cache_hits": 2, "expanded_playlists": 0,
               "expanded_tracks": 0, "errors": 0}),
        "{run}"
    );
    assert_eq!(fake.count("/v1/search"), 3, "no new search");
    assert_eq!(
        fake.count(&format!("/v1/playlists/{playlist}")),
        1,
        "expanded once"
    );
    let (_, status) = app.get(&format!("/api/v1/imports/{import_id}")).await;
    assert_eq!(status["counts"]["registered"], 6, "{status}");
    // The first run is unchanged.
    assert_eq!(backfill(&app, id).await["processed"], 3);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_match_fills_in_what_the_import_did_not_know() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    fake.add_simple_track(
        "Daft Punk",
        "Harder, Better, Faster, Stronger",
        "Discovery",
        224_000,
    );
    let digital_love = fake.add_simple_track("Daft Punk", "Digital Love", "Discovery", 301_000);
    let import_id = import(&app, &json!({"text": "Daft Punk - Digital Love"})).await;
    common::authorize_spotify_and_settle(&app, &fake).await;
    let id = start_backfill(&app, &json!({})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(run["matched"], 1, "{run}");
    assert_eq!(run["expand_playlists"], false);
    let w = titled(
        &common::wanted_from_import(&app, import_id).await,
        "Digital Love",
    );
    assert_eq!(w["spotify_track_id"], digital_love.as_str(), "{w}");
    assert_eq!(w["album"], "Discovery", "the album comes from Spotify: {w}");
    assert_eq!(w["duration_ms"], 301_000, "{w}");
    assert_eq!(w["track_number"], 2, "{w}");
    assert!(w["isrc"].is_string(), "{w}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_rate_limit_pauses_a_run_without_losing_its_progress() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let ids = [
        fake.add_simple_track("Air", "Sexy Boy", "Moon Safari", 298_000),
        fake.add_simple_track("Air", "Kelly Watch the Stars", "Moon Safari", 225_000),
        fake.add_simple_track("Air", "Remember", "Moon Safari", 154_000),
    ];
    let import_id = import(
        &app,
        &json!({"text": "Air - Sexy Boy | Moon Safari\nAir - Kelly Watch the Stars | Moon Safari\nAir - Remember | Moon Safari"}),
    )
    .await;
    common::authorize_spotify_and_settle(&app, &fake).await;

    // The first two searches are slow; while the second waits, Spotify's
    // quota runs out: it answers 429 with a Retry-After longer than the
    // client waits in place.
    fake.delay_next(2, Duration::from_millis(800));
    let id = start_backfill(&app, &json!({})).await;
    common::eventually(WAIT, "the first search answered", || async {
        fake.requests()
            .iter()
            .any(|r| r.path == "/v1/search" && r.status == 200)
    })
    .await;
    fake.rate_limit_next(1, 6);

    let paused = wait_state(&app, id, "queued", WAIT).await;
    assert!(
        paused["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("rate limit")),
        "{paused}"
    );
    assert_eq!(
        counters(&paused),
        json!({"processed": 1, "matched": 1, "cache_hits": 0, "expanded_playlists": 0,
               "expanded_tracks": 0, "errors": 0}),
        "the first track is done and kept: {paused}"
    );
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/search")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![200, 429]);
    let wanted = common::wanted_from_import(&app, import_id).await;
    assert_eq!(
        titled(&wanted, "Sexy Boy")["spotify_track_id"],
        ids[0].as_str()
    );
    assert_eq!(
        titled(&wanted, "Kelly Watch the Stars")["spotify_track_id"],
        Value::Null
    );
    // No crash: the worker runs, the run waits in its queue.
    let worker = app.worker("backfill").await;
    assert_eq!(worker["state"], "running", "{worker}");
    assert_eq!(worker["restarts"], 0, "{worker}");
    assert_eq!(worker["queue_size"], 1, "{worker}");

    // The worker tries the run again later (30 s) and it resumes where it stopped.
    let done = wait_state(&app, id, "completed", Duration::from_secs(60)).await;
    assert_eq!(
        counters(&done),
        json!({"processed": 3, "matched": 3, "cache_hits": 0, "expanded_playlists": 0,
               "expanded_tracks": 0, "errors": 0}),
        "{done}"
    );
    assert_eq!(done["last_error"], Value::Null, "{done}");
    let statuses: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/search")
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        vec![200, 429, 200, 200],
        "nothing looked up twice"
    );
    let wanted = common::wanted_from_import(&app, import_id).await;
    for (title, sid) in [
        ("Sexy Boy", &ids[0]),
        ("Kelly Watch the Stars", &ids[1]),
        ("Remember", &ids[2]),
    ] {
        assert_eq!(titled(&wanted, title)["spotify_track_id"], sid.as_str());
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn links_expand_across_pages_and_a_refused_link_is_an_error() {
    // Spotify pages hold at most two entries here.
    let options = FakeSpotifyOptions {
        page_cap: Some(2),
        ..FakeSpotifyOptions::default()
    };
    let (app, fake) = start_with_spotify(options, &[]).await;
    let tracks: Vec<String> = (1..=5)
        .map(|n| fake.add_simple_track("Moderat", &format!("Track {n}"), "III", 200_000 + n))
        .collect();
    let playlist = FakeSpotify::id("playlist:paged");
    fake.add_playlist(FakePlaylist::new(
        &playlist,
        "Paged",
        tracks.iter().map(|t| Entry::Track(t.clone())).collect(),
    ));
    let missing = FakeSpotify::id("playlist:deleted");
    let import_id = import(
        &app,
        &json!({"links": [playlist_url(&playlist), playlist_url(&missing)]}),
    )
    .await;
    common::authorize_spotify_and_settle(&app, &fake).await;
    let id = start_backfill(&app, &json!({"expand_playlists": true})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        counters(&run),
        json!({"processed": 0, "matched": 0, "cache_hits": 0, "expanded_playlists": 1,
               "expanded_tracks": 5, "errors": 1}),
        "{run}"
    );
    assert!(
        run["last_error"]
            .as_str()
            .is_some_and(|e| e.contains(&missing)),
        "a run with errors says which: {run}"
    );
    assert!(
        fake.count(&format!("/v1/playlists/{playlist}/items")) >= 3,
        "all pages read"
    );
    let wanted = common::wanted_from_import(&app, import_id).await;
    let mut got: Vec<String> = wanted
        .iter()
        .map(|w| w["spotify_track_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = tracks.clone();
    want.sort();
    assert_eq!(got, want);
    let (_, status) = app.get(&format!("/api/v1/imports/{import_id}")).await;
    assert_eq!(status["counts"]["registered"], 5, "{status}");

    // Each link is expanded once: a refused link is not asked again.
    let asked = fake.count("/v1/playlists/");
    let again = start_backfill(&app, &json!({"expand_playlists": true})).await;
    let run = wait_state(&app, again, "completed", WAIT).await;
    assert_eq!(run["errors"], 0, "{run}");
    assert_eq!(run["expanded_playlists"], 0, "{run}");
    assert_eq!(fake.count("/v1/playlists/"), asked);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn max_items_bounds_a_run() {
    let (app, fake) = start_with_spotify(
        FakeSpotifyOptions::default(),
        &[("BACKFILL_MAX_ITEMS", "2")],
    )
    .await;
    let ids: Vec<String> = ["Alpha", "Beta", "Gamma"]
        .iter()
        .map(|t| fake.add_simple_track("Bonobo", t, "Migration", 250_000))
        .collect();
    let import_id = import(
        &app,
        &json!({"text": "Bonobo - Alpha\nBonobo - Beta\nBonobo - Gamma"}),
    )
    .await;
    common::authorize_spotify_and_settle(&app, &fake).await;
    let id = start_backfill(&app, &json!({})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        run["max_items"], 2,
        "BACKFILL_MAX_ITEMS is the default: {run}"
    );
    assert_eq!(
        (run["processed"].clone(), run["matched"].clone()),
        (json!(2), json!(2))
    );
    let matched = |wanted: &[Value]| {
        wanted
            .iter()
            .filter(|w| w["spotify_track_id"].is_string())
            .count()
    };
    assert_eq!(
        matched(&common::wanted_from_import(&app, import_id).await),
        2
    );
    assert_eq!(fake.count("/v1/search"), 2);

    let id = start_backfill(&app, &json!({"max_items": 1})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        (run["processed"].clone(), run["matched"].clone()),
        (json!(1), json!(1))
    );
    let wanted = common::wanted_from_import(&app, import_id).await;
    assert_eq!(matched(&wanted), 3);
    assert_eq!(
        titled(&wanted, "Gamma")["spotify_track_id"],
        ids[2].as_str()
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_expired_lookup_is_asked_again() {
    let (app, fake) = start_with_spotify(
        FakeSpotifyOptions::default(),
        &[("BACKFILL_CACHE_TTL_SEC", "0.5")],
    )
    .await;
    import(&app, &json!({"text": "Nobody - Nothing Like It"})).await;
    common::authorize_spotify_and_settle(&app, &fake).await;
    let id = start_backfill(&app, &json!({})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        (run["processed"].clone(), run["cache_hits"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(fake.count("/v1/search"), 1);
    // Older than BACKFILL_CACHE_TTL_SEC: not trusted any more.
    actix_rt::time::sleep(Duration::from_millis(700)).await;
    let id = start_backfill(&app, &json!({})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        (run["processed"].clone(), run["cache_hits"].clone()),
        (json!(1), json!(0)),
        "{run}"
    );
    assert_eq!(fake.count("/v1/search"), 2);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_import_that_is_already_wanted_under_its_spotify_id_follows_that_entry() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let spotify_id = fake.add_simple_track("Daft Punk", "Digital Love", "Discovery", 301_000);
    // Wanted from elsewhere with its album and Spotify id…
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [{"artist": "Daft Punk", "title": "Digital Love",
                               "album": "Discovery", "spotify_track_id": spotify_id}]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let existing = body["items"][0]["id"].as_i64().unwrap();
    // …and imported without an album: a second entry until the backfill knows better.
    let import_id = import(&app, &json!({"text": "Daft Punk - Digital Love"})).await;
    let imported = common::wanted_from_import(&app, import_id).await;
    assert_eq!(imported.len(), 1);
    let duplicate = imported[0]["id"].as_i64().unwrap();
    assert_ne!(duplicate, existing);

    common::authorize_spotify_and_settle(&app, &fake).await;
    let id = start_backfill(&app, &json!({})).await;
    let run = wait_state(&app, id, "completed", WAIT).await;
    assert_eq!(
        (run["processed"].clone(), run["matched"].clone()),
        (json!(1), json!(1))
    );

    let (_, dup) = app.get(&format!("/api/v1/wanted/{duplicate}")).await;
    assert_eq!(dup["state"], "cancelled", "{dup}");
    assert!(
        dup["last_error"]
            .as_str()
            .unwrap()
            .contains(&existing.to_string()),
        "{dup}"
    );
    let (_, kept) = app.get(&format!("/api/v1/wanted/{existing}")).await;
    assert_ne!(kept["state"], "cancelled", "{kept}");
    // The import now follows the entry that will be downloaded.
    let (_, status) = app.get(&format!("/api/v1/imports/{import_id}")).await;
    assert_eq!(status["counts"]["registered"], 1, "{status}");
    assert_eq!(status["counts"]["failed"], 0, "{status}");
    assert_eq!(status["counts"]["queued"], 1, "{status}");
}
