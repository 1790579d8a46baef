//! Spotify through the HTTP API against a fake Spotify (accounts + Web API,
//! 2026 development-mode profile): OAuth with PKCE, tokens that never leave
//! the database, refresh before expiry and on a 401, the playlist sync
//! (paging, `/items`, snapshots, liked songs, editorial 404s), 429 with
//! `Retry-After`, and the Spotify source of the search.

use crate::common;

use std::time::{Duration, Instant};

use common::fake_spotify::{Entry, FakePlaylist, FakeSpotify, FakeSpotifyOptions};
use common::{
    authorize_spotify, spotify_callback, start_with_spotify, start_with_spotify_and, TestApp,
};
use harmony::actors::logic::{JobError, WorkFuture, WorkerEnv, WorkerLogic};
use harmony::actors::supervisor::spawner;
use harmony::app::WorkerOverrides;
use harmony::domain::workers::name::WorkerName;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const WAIT: Duration = Duration::from_secs(15);

async fn playlists(app: &TestApp) -> Value {
    let (code, body) = app.get("/api/v1/spotify/playlists").await;
    assert_eq!(code, 200, "{body}");
    body
}

async fn wanted_total(app: &TestApp) -> i64 {
    app.get("/api/v1/wanted?limit=1").await.1["total"]
        .as_i64()
        .unwrap()
}

async fn wait_wanted(app: &TestApp, n: i64) {
    common::eventually(WAIT, &format!("{n} wanted tracks"), || async move {
        wanted_total(app).await == n
    })
    .await;
}

/// Requests for a playlist's items (either path).
fn item_requests(fake: &FakeSpotify, playlist: &str) -> usize {
    fake.count(&format!("/v1/playlists/{playlist}/items"))
        + fake.count(&format!("/v1/playlists/{playlist}/tracks"))
}

/// Waits for one more full listing of the user's playlists, then lets the sync settle.
async fn sync_and_settle(app: &TestApp, fake: &FakeSpotify) {
    let before = fake.count("/v1/me/playlists");
    let (code, body) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 202, "{body}");
    common::eventually(WAIT, "a playlist listing", || async move {
        fake.count("/v1/me/playlists") > before
    })
    .await;
    actix_rt::time::sleep(Duration::from_millis(400)).await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn oauth_with_pkce_stores_tokens_that_no_endpoint_reveals() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let (_, status) = app.get("/api/v1/spotify/status").await;
    assert_eq!(
        status,
        json!({"configured": true, "authorized": false, "user": null})
    );
    assert_eq!(app.status().await["connections"]["spotify"], "unauthorized");
    // Nothing synced yet: an empty list, not an error, while unauthorized.
    assert_eq!(
        playlists(&app).await,
        json!({"items": [], "total": 0}),
        "before the first sync"
    );

    let (code, body) = app.get("/api/v1/spotify/authorize").await;
    assert_eq!(code, 200, "{body}");
    let url = body["url"].as_str().unwrap();
    for part in [
        "response_type=code",
        "client_id=5f0a1c2b3d4e5f60718293a4b5c6d7e8",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fapi%2Fv1%2Fspotify%2Fcallback",
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "scope=",
    ] {
        assert!(url.contains(part), "{part} missing from {url}");
    }
    assert!(url.starts_with(&format!("{}/authorize?", fake.accounts_url())));
    assert_eq!(
        query_value(url, "scope"),
        "playlist-read-private playlist-read-collaborative user-library-read user-follow-read",
        "all four scopes of api.md §13"
    );

    let (code, body) = app
        .get("/api/v1/spotify/callback?code=abc&state=never-issued")
        .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    fake.deny_next_authorization();
    let (code, body) = authorize_spotify(&app).await;
    assert_eq!(code, 400, "a declined authorization: {body}");
    assert_eq!(
        body["error"]["code"], "bad_request",
        "errors keep their shape"
    );

    // The browser lands on a short page saying the account is connected.
    let page = spotify_callback(&app).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(page.body.contains("Spotify connected"), "{}", page.body);
    assert!(page.body.contains("Harmony Tester"), "{}", page.body);
    assert_eq!(fake.token_requests(), vec!["authorization_code"]);
    let (_, status) = app.get("/api/v1/spotify/status").await;
    assert_eq!(status["authorized"], true);
    assert_eq!(status["user"]["id"], "harmony-tester");
    common::eventually(WAIT, "connections.spotify ok", || async {
        app.status().await["connections"]["spotify"] == "ok"
    })
    .await;

    // No answer of any endpoint carries a token.
    let mut seen = page.body.clone();
    for path in [
        "/api/v1/spotify/status",
        "/api/v1/spotify/playlists",
        "/api/v1/settings",
        "/api/v1/settings/history",
        "/api/v1/activity",
        "/status",
        "/openapi.json",
    ] {
        let (_, text) = app.get_text(path).await;
        seen.push_str(&text);
    }
    seen.push_str(&app.get_text("/metrics").await.1);
    let tokens: Vec<String> = fake
        .issued_access_tokens()
        .into_iter()
        .chain(fake.issued_refresh_tokens())
        .collect();
    assert!(tokens.len() >= 2);
    for token in tokens {
        assert!(!seen.contains(&token), "a token leaked");
    }
}

/// The percent-decoded value of `key` in `url`'s query (`+` is a space).
fn query_value(url: &str, key: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key} in {url}"))
        .replace('+', " ");
    percent_encoding::percent_decode_str(&raw)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_connected_page_shows_the_account_name_as_text() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    fake.set_user_display_name("<script>alert('x')</script> & <b>Co</b>");
    let page = spotify_callback(&app).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert!(!page.body.contains("<script"), "{}", page.body);
    assert!(!page.body.contains("<b>"), "{}", page.body);
    assert!(
        page.body.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;"
        ),
        "{}",
        page.body
    );
    let (_, status) = app.get("/api/v1/spotify/status").await;
    assert_eq!(status["authorized"], true);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn without_a_client_id_spotify_is_unconfigured() {
    let app = TestApp::start(&[]).await;
    let (code, body) = app.get("/api/v1/spotify/authorize").await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    let (_, status) = app.get("/api/v1/spotify/status").await;
    assert_eq!(status["configured"], false);
    assert_eq!(app.status().await["connections"]["spotify"], "unconfigured");
    let (code, _) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 503);
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/search",
            &json!({"query": "daft punk", "sources": ["spotify"]}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["errors"]["spotify"], "unconfigured");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn tokens_are_refreshed_after_a_401_and_a_refused_refresh_needs_a_new_authorization() {
    let options = FakeSpotifyOptions {
        rotate_refresh_token: true,
        ..FakeSpotifyOptions::default()
    };
    let (app, fake) = start_with_spotify(options, &[]).await;
    assert_eq!(authorize_spotify(&app).await.0, 200);
    sync_and_settle(&app, &fake).await;
    assert_eq!(fake.token_requests(), vec!["authorization_code"]);

    // Spotify refuses the token: one refresh, and the call is repeated.
    fake.expire_access_tokens();
    let id = FakeSpotify::id("after refresh");
    fake.add_playlist(FakePlaylist::new(&id, "Made After", Vec::new()));
    sync_and_settle(&app, &fake).await;
    assert_eq!(
        fake.token_requests(),
        vec!["authorization_code", "refresh_token"]
    );
    let listed = playlists(&app).await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id),
        "{listed}"
    );

    // The refresh token is refused too: the account needs a new authorization,
    // and that is announced.
    let mut events = app.app.lifecycle.events().subscribe();
    fake.expire_access_tokens();
    fake.revoke_refresh_tokens();
    let (code, _) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 202);
    common::eventually(WAIT, "the account to need a new authorization", || async {
        app.get("/api/v1/spotify/status").await.1["authorized"] == false
    })
    .await;
    assert_eq!(app.status().await["connections"]["spotify"], "unauthorized");
    let announced = actix_rt::time::timeout(WAIT, async {
        while let Ok(event) = events.recv().await {
            if *event == harmony::lifecycle::Event::SpotifyAuthorizationNeeded {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        announced,
        Ok(true),
        "spotify.authorization_needed announced"
    );
    let (code, _) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 503);
    assert_eq!(authorize_spotify(&app).await.0, 200);
    let (_, status) = app.get("/api/v1/spotify/status").await;
    assert_eq!(status["authorized"], true);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_token_about_to_expire_is_refreshed_before_use() {
    let options = FakeSpotifyOptions {
        expires_in: 30,
        omit_refresh_token_on_refresh: true,
        ..FakeSpotifyOptions::default()
    };
    let (app, fake) = start_with_spotify(options, &[]).await;
    assert_eq!(authorize_spotify(&app).await.0, 200);
    sync_and_settle(&app, &fake).await;
    sync_and_settle(&app, &fake).await;
    let grants = fake.token_requests();
    assert_eq!(grants[0], "authorization_code");
    assert!(
        grants[1..].iter().all(|g| g == "refresh_token") && grants.len() >= 3,
        "each sync refreshes the 30 s token first, keeping the refresh token Spotify omitted: {grants:?}"
    );
    assert!(
        fake.requests()
            .iter()
            .filter(|r| r.path.starts_with("/v1/"))
            .all(|r| r.status != 401),
        "no call was made with an expiring token"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn synced_playlists_become_wanted_tracks_paged_and_only_when_changed() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let tracks: Vec<String> = (0..250)
        .map(|i| {
            fake.add_simple_track("Röyksopp", &format!("Song {i}"), "Melody A.M.", 200_000 + i)
        })
        .collect();
    let mut entries: Vec<Entry> = tracks.iter().cloned().map(Entry::Track).collect();
    entries.push(Entry::Local {
        name: "my own recording.mp3".into(),
    });
    entries.push(Entry::Episode {
        id: FakeSpotify::id("episode"),
        name: "A podcast".into(),
    });
    entries.push(Entry::Null);
    let big = FakeSpotify::id("big");
    fake.add_playlist(FakePlaylist::new(&big, "Big", entries));
    for i in 0..55 {
        let id = FakeSpotify::id(&format!("small {i}"));
        fake.add_playlist(FakePlaylist::new(&id, &format!("Small {i}"), Vec::new()));
    }
    let editorial = FakeSpotify::id("editorial");
    fake.add_editorial_playlist(&editorial, "Today's Top Hits");
    let liked = [
        fake.add_simple_track("Air", "Sexy Boy", "Moon Safari", 298_000),
        fake.add_simple_track("Air", "Kelly Watch the Stars", "Moon Safari", 225_000),
    ];
    for id in &liked {
        fake.save_track(id);
    }

    // The authorization starts a sync: the list only, nothing is synced yet.
    assert_eq!(authorize_spotify(&app).await.0, 200);
    common::eventually(WAIT, "the playlists listed", || async {
        playlists(&app).await["total"] == 58
    })
    .await;
    let listed = playlists(&app).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items[0]["id"], "liked");
    assert_eq!(items[0]["track_count"], 2);
    let big_view = items.iter().find(|p| p["id"] == big).unwrap();
    assert_eq!(big_view["track_count"], 253);
    assert_eq!(big_view["snapshot_id"], "snapshot-1");
    assert_eq!(big_view["sync"], false);
    assert_eq!(big_view["last_synced_at"], Value::Null);
    assert_eq!(
        fake.count("/v1/me/playlists"),
        2,
        "57 playlists are two pages of 50"
    );
    assert_eq!(item_requests(&fake, &big), 0);
    assert_eq!(wanted_total(&app).await, 0);

    let (code, body) = app
        .send_json(
            "PATCH",
            &format!("/api/v1/spotify/playlists/{big}"),
            &json!({"sync": true}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["sync"], true);
    wait_wanted(&app, 250).await;
    assert_eq!(
        fake.count(&format!("/v1/playlists/{big}/items")),
        3,
        "pages of 100"
    );
    assert_eq!(
        fake.count(&format!("/v1/playlists/{big}/tracks")),
        0,
        "never the 2026-forbidden path"
    );
    let (_, page) = app.get("/api/v1/wanted?limit=500").await;
    let song7 = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["title"] == "Song 7")
        .unwrap()
        .clone();
    assert_eq!(song7["source"], format!("playlist:{big}"));
    assert_eq!(song7["artist"], "Röyksopp");
    assert_eq!(song7["album"], "Melody A.M.");
    assert_eq!(song7["duration_ms"], 200_007);
    assert_eq!(song7["spotify_track_id"], tracks[7]);
    assert!(
        song7["isrc"].as_str().unwrap().starts_with("QZHRM26"),
        "{song7}"
    );
    common::eventually(WAIT, "last_synced_at", || async {
        let listed = playlists(&app).await;
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == big && p["last_synced_at"].is_string())
    })
    .await;

    // Liked songs and an editorial playlist.
    for id in ["liked", editorial.as_str()] {
        let (code, body) = app
            .send_json(
                "PATCH",
                &format!("/api/v1/spotify/playlists/{id}"),
                &json!({"sync": true}),
            )
            .await;
        assert_eq!(code, 200, "{body}");
    }
    wait_wanted(&app, 252).await;
    common::eventually(
        WAIT,
        "the editorial playlist marked unavailable",
        || async {
            playlists(&app).await["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == editorial && p["available"] == false)
        },
    )
    .await;
    assert_eq!(item_requests(&fake, &editorial), 1);

    // Nothing changed: no item is fetched again, for any playlist.
    let before = fake.requests().len();
    sync_and_settle(&app, &fake).await;
    let paths: Vec<String> = fake.requests()[before..]
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(
        paths.iter().all(|p| p.starts_with("/v1/me/")),
        "an unchanged sync lists only: {paths:?}"
    );
    assert_eq!(item_requests(&fake, &big), 3);
    assert_eq!(item_requests(&fake, &editorial), 1);

    // A new snapshot: one track removed, one added. Nothing is deleted.
    let added = fake.add_simple_track("Röyksopp", "Eple", "Melody A.M.", 220_000);
    let mut changed: Vec<Entry> = tracks[1..].iter().cloned().map(Entry::Track).collect();
    changed.push(Entry::Track(added.clone()));
    fake.set_playlist_entries(&big, changed, "snapshot-2");
    sync_and_settle(&app, &fake).await;
    wait_wanted(&app, 253).await;
    assert_eq!(item_requests(&fake, &big), 6);
    let (_, first) = app.get("/api/v1/wanted?limit=500").await;
    assert!(
        first["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["spotify_track_id"] == tracks[0]),
        "a track removed on Spotify stays wanted"
    );

    let (code, _) = app
        .send_json(
            "PATCH",
            "/api/v1/spotify/playlists/nope",
            &json!({"sync": true}),
        )
        .await;
    assert_eq!(code, 404);
    let (code, _) = app
        .send_json(
            "PATCH",
            &format!("/api/v1/spotify/playlists/{big}"),
            &json!({"sync": "yes"}),
        )
        .await;
    assert_eq!(code, 422);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn retry_after_is_honoured_and_a_long_one_stops_all_requests() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let id = FakeSpotify::id("one");
    let track = fake.add_simple_track("Moby", "Porcelain", "Play", 241_000);
    fake.add_playlist(FakePlaylist::new(&id, "One", vec![Entry::Track(track)]));
    assert_eq!(authorize_spotify(&app).await.0, 200);
    common::eventually(WAIT, "the playlists listed", || async {
        playlists(&app).await["total"] == 2
    })
    .await;

    // A short Retry-After is waited out in place.
    fake.rate_limit_next(1, 1);
    let start = fake.requests().len();
    let (code, _) = app
        .send_json(
            "PATCH",
            &format!("/api/v1/spotify/playlists/{id}"),
            &json!({"sync": true}),
        )
        .await;
    assert_eq!(code, 200);
    wait_wanted(&app, 1).await;
    let log = fake.requests();
    let limited = log[start..].iter().position(|r| r.status == 429).unwrap() + start;
    let next = &log[limited + 1];
    assert!(
        next.at.duration_since(log[limited].at) >= Duration::from_millis(990),
        "the next request came before Retry-After"
    );

    // A long one: the sync stops, and nothing is sent until it has passed.
    fake.rate_limit_next(1, 120);
    let (code, _) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 202);
    common::eventually(WAIT, "the 429", || async {
        fake.requests().iter().filter(|r| r.status == 429).count() == 2
    })
    .await;
    let after = fake.requests().len();
    let (code, _) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 202);
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/search",
            &json!({"query": "moby porcelain", "sources": ["spotify"]}),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(body["errors"]["spotify"], "rate_limited", "{body}");
    actix_rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        fake.requests().len(),
        after,
        "a request was sent inside Retry-After"
    );
    assert_eq!(app.worker("playlist_sync").await["state"], "running");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_search_has_a_spotify_source() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[]).await;
    let (_, body) = app
        .send_json(
            "POST",
            "/api/v1/search",
            &json!({"query": "daft punk one more time", "sources": ["spotify"]}),
        )
        .await;
    assert_eq!(body["errors"]["spotify"], "unauthorized", "{body}");

    let id = fake.add_simple_track("Daft Punk", "One More Time", "Discovery", 320_357);
    fake.add_simple_track("Daft Punk", "Aerodynamic", "Discovery", 212_000);
    assert_eq!(authorize_spotify(&app).await.0, 200);
    let started = Instant::now();
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/search",
            &json!({"query": "daft punk one more time", "sources": ["spotify"], "limit": 50}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert!(started.elapsed() < WAIT);
    assert_eq!(body["errors"], json!({}), "{body}");
    let first = &body["items"][0];
    assert_eq!(first["source"], "spotify");
    assert_eq!(first["spotify_id"], id);
    assert_eq!(first["title"], "One More Time");
    assert_eq!(first["artists"], json!(["Daft Punk"]));
    assert_eq!(first["album"], "Discovery");
    assert_eq!(first["duration_ms"], 320_357);
    assert_eq!(first["score"], 1.0);
    let search = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/search")
        .unwrap();
    assert!(search.query.contains("limit=10"), "{}", search.query);
}

/// A playlist sync that takes a while and counts its runs.
struct SlowSync(Arc<AtomicUsize>);

impl WorkerLogic for SlowSync {
    type Job = harmony::jobs::NoJob;

    fn tick_interval(&self, _: &harmony::config::Config) -> Option<Duration> {
        Some(Duration::from_secs(3600))
    }

    fn tick(&mut self, _: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let runs = Arc::clone(&self.0);
        Box::pin(async move {
            runs.fetch_add(1, Ordering::SeqCst);
            actix_rt::time::sleep(Duration::from_millis(600)).await;
            Ok(())
        })
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_sync_asked_for_during_a_sync_runs_right_after_it() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&runs);
    let overrides = WorkerOverrides::default().with(
        WorkerName::PlaylistSync,
        spawner(move || SlowSync(Arc::clone(&counter))),
    );
    let (app, _fake) = start_with_spotify_and(FakeSpotifyOptions::default(), &[], overrides).await;
    // Start-up run, then the run the authorization asks for.
    assert_eq!(authorize_spotify(&app).await.0, 200);
    common::eventually(WAIT, "the run after the authorization", || async {
        runs.load(Ordering::SeqCst) == 2
    })
    .await;
    // Asked while that run is still going: not dropped, run once more after it.
    let (code, _) = app
        .send_json("POST", "/api/v1/spotify/sync", &json!({}))
        .await;
    assert_eq!(code, 202);
    common::eventually(WAIT, "the requested run", || async {
        runs.load(Ordering::SeqCst) == 3
    })
    .await;
    actix_rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(runs.load(Ordering::SeqCst), 3, "and only once");
}
