//! The watchlist (`api.md` §8) through the HTTP API against a fake Spotify:
//! the endpoints' contract, which releases of a watched artist become wanted
//! tracks (release dates at their precision, groups, each release once),
//! failing artists that keep their `last_checked`, and tracks wanted again
//! after they were cancelled.

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use common::fake_spotify::{FakeAlbum, FakeArtist, FakeSpotify, FakeSpotifyOptions, FakeTrack};
use common::{start_with_spotify, TestApp};
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(15);
const NO_WORKERS: (&str, &str) = ("HARMONY_DISABLE_WORKERS", "1");
const INTERVAL: (&str, &str) = ("WATCHLIST_INTERVAL", "3600");

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse_time(v: &Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    assert!(s.ends_with('Z'), "RFC 3339 UTC with Z: {s}");
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

async fn watch(app: &TestApp, artist_id: &str, name: Option<&str>) -> Value {
    let mut body = json!({ "spotify_artist_id": artist_id });
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    let (code, body) = app.send_json("POST", "/api/v1/watchlist", &body).await;
    assert_eq!(code, 201, "{body}");
    body
}

async fn watchlist(app: &TestApp) -> Value {
    let (code, body) = app.get("/api/v1/watchlist").await;
    assert_eq!(code, 200, "{body}");
    body
}

/// One entry of the list, by id.
async fn entry(app: &TestApp, id: i64) -> Value {
    watchlist(app).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("watchlist entry {id} not listed"))
}

async fn request_check(app: &TestApp, id: i64) {
    let (code, body) = app
        .send_json("POST", &format!("/api/v1/watchlist/{id}/check"), &json!({}))
        .await;
    assert_eq!(code, 202, "{body}");
}

/// `POST …/check` answers 503 `unavailable` naming Spotify.
async fn assert_check_unavailable(app: &TestApp, id: i64) {
    let (code, body) = app
        .send_json("POST", &format!("/api/v1/watchlist/{id}/check"), &json!({}))
        .await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert_eq!(body["error"]["details"]["dependency"], "spotify", "{body}");
}

/// Asks for a check and waits until it succeeded (`last_checked` moved).
async fn check_and_wait(app: &TestApp, id: i64) -> Value {
    let before = entry(app, id).await["last_checked"].clone();
    request_check(app, id).await;
    common::eventually(WAIT, &format!("a successful check of {id}"), || {
        let before = before.clone();
        async move { entry(app, id).await["last_checked"] != before }
    })
    .await;
    entry(app, id).await
}

async fn all_wanted(app: &TestApp) -> Vec<Value> {
    let (code, body) = app.get("/api/v1/wanted?limit=500").await;
    assert_eq!(code, 200, "{body}");
    body["items"].as_array().unwrap().clone()
}

fn with_source(wanted: &[Value], source: &str) -> Vec<Value> {
    wanted
        .iter()
        .filter(|w| w["source"] == source)
        .cloned()
        .collect()
}

fn spotify_ids(wanted: &[Value]) -> BTreeSet<String> {
    wanted
        .iter()
        .map(|w| w["spotify_track_id"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn start() -> (TestApp, FakeSpotify) {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[INTERVAL]).await;
    common::authorize_spotify_and_settle(&app, &fake).await;
    (app, fake)
}

fn add_artist(fake: &FakeSpotify, seed: &str, name: &str) -> String {
    let id = FakeSpotify::id(seed);
    fake.add_artist(FakeArtist {
        id: id.clone(),
        name: name.into(),
        genres: Vec::new(),
    });
    id
}

/// An album of `artist` with `titles` as tracks (ids from the album id and
/// the title, lengths 200 s, 201 s, …). Returns the album id and track ids.
fn add_release(
    fake: &FakeSpotify,
    artist: &str,
    name: &str,
    group: &str,
    date: &str,
    precision: &str,
    titles: &[&str],
) -> (String, Vec<String>) {
    let album_id = FakeSpotify::id(&format!("album:{artist}:{name}"));
    let mut album = FakeAlbum::new(&album_id, name, &[artist]);
    album.album_group = group.into();
    album.album_type = match group {
        "single" => "single".into(),
        "appears_on" | "compilation" => "compilation".into(),
        _ => "album".into(),
    };
    album.release_date = date.into();
    album.release_date_precision = precision.into();
    fake.add_album(album);
    let mut tracks = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        let id = FakeSpotify::id(&format!("track:{album_id}:{title}"));
        fake.add_track(FakeTrack {
            duration_ms: 200_000 + 1000 * i as u64,
            track_number: i as u32 + 1,
            ..FakeTrack::new(&id, title, &[artist], &album_id)
        });
        tracks.push(id);
    }
    (album_id, tracks)
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_endpoints_keep_the_contract() {
    let app = TestApp::start(&[NO_WORKERS]).await;
    let empty = watchlist(&app).await;
    assert_eq!(empty, json!({"items": [], "total": 0}));

    // Not 22 base-62 characters: 422 naming the field.
    let good = FakeSpotify::id("artist:contract");
    for bad in [
        json!(good[..21]),
        json!(format!("{}-", &good[..21])),
        json!(format!("{}é", &good[..21])),
        json!(format!("{good}A")),
        json!(""),
        json!(42),
    ] {
        let (code, body) = app
            .send_json(
                "POST",
                "/api/v1/watchlist",
                &json!({ "spotify_artist_id": bad }),
            )
            .await;
        assert_eq!(code, 422, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "validation_error", "{body}");
    }
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/watchlist",
            &json!({ "spotify_artist_id": &good[..21] }),
        )
        .await;
    assert_eq!(code, 422);
    assert_eq!(body["error"]["details"][0]["field"], "spotify_artist_id");
    let (code, body) = app
        .send_json("POST", "/api/v1/watchlist", &json!({ "name": "Nobody" }))
        .await;
    assert_eq!(code, 422, "a missing id: {body}");

    // 201 with last_checked = created_at ≈ now; the name is optional;
    // strings are trimmed and unknown fields ignored (api.md §1).
    let before = Utc::now();
    let (code, first) = app
        .send_json(
            "POST",
            "/api/v1/watchlist",
            &json!({"spotify_artist_id": format!("  {good} "), "name": "  Daft Punk ",
                    "comment": "an unknown field"}),
        )
        .await;
    assert_eq!(code, 201, "{first}");
    let after = Utc::now();
    assert_eq!(first["spotify_artist_id"], good.as_str());
    assert_eq!(first["name"], "Daft Punk");
    let checked = parse_time(&first["last_checked"]);
    let created = parse_time(&first["created_at"]);
    let slack = chrono::Duration::seconds(1);
    assert!(
        checked >= before - slack && checked <= after + slack,
        "last_checked is now: {first}"
    );
    assert!(
        created >= before - slack && created <= after + slack,
        "{first}"
    );
    assert!(first["id"].as_i64().is_some(), "{first}");

    let other = FakeSpotify::id("artist:contract-2");
    let second = watch(&app, &other, None).await;
    assert_eq!(second["name"], Value::Null, "{second}");
    assert_ne!(second["id"], first["id"]);

    // Already watched: 409, the list unchanged.
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/watchlist",
            &json!({"spotify_artist_id": good, "name": "Again"}),
        )
        .await;
    assert_eq!(code, 409, "{body}");
    assert_eq!(body["error"]["code"], "conflict");

    let list = watchlist(&app).await;
    assert_eq!(list["total"], 2, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    // Newest first (api.md §1).
    assert_eq!(items[0]["id"], second["id"], "{list}");
    assert_eq!(items[1], first, "the listed entry is the created one");
    for key in [
        "id",
        "spotify_artist_id",
        "name",
        "last_checked",
        "created_at",
    ] {
        assert!(items[0].get(key).is_some(), "{key} missing: {list}");
    }
    let (_, page) = app.get("/api/v1/watchlist?limit=1&offset=1").await;
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["id"], first["id"]);

    // A check needs Spotify: without it, 503 `unavailable` (checks with
    // Spotify: `a_check_is_503_until_spotify_is_authorized`).
    let id = first["id"].as_i64().unwrap();
    assert_check_unavailable(&app, id).await;

    // DELETE: 204, then 404; the other entry stays.
    let mut res = common::client()
        .delete(app.url(&format!("/api/v1/watchlist/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert!(res.body().await.unwrap().is_empty(), "204 has no body");
    let res = common::client()
        .delete(app.url(&format!("/api/v1/watchlist/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let list = watchlist(&app).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], second["id"]);

    // Watched again after the removal: a new entry.
    let again = watch(&app, &good, None).await;
    assert_ne!(again["id"], first["id"]);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_check_wants_the_new_releases_only() {
    let (app, fake) = start().await;
    let artist = add_artist(&fake, "artist:watched", "The Watched");
    let friend = add_artist(&fake, "artist:friend", "A Friend");
    let today = Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    let tomorrow = today.succ_opt().unwrap();
    // Over before today whatever today is.
    let last_month = today.with_day(1).unwrap().pred_opt().unwrap();

    let a = artist.as_str();
    let (old, _) = add_release(
        &fake,
        a,
        "Yesterday's Album",
        "album",
        &day(yesterday),
        "day",
        &["Y1", "Y2"],
    );
    let (new_album, new_tracks) = add_release(
        &fake,
        a,
        "Today's Album",
        "album",
        &day(today),
        "day",
        &["Today One", "Today Two"],
    );
    let (future, _) = add_release(
        &fake,
        a,
        "Tomorrow's Album",
        "album",
        &day(tomorrow),
        "day",
        &["F1", "F2"],
    );
    let (year, year_tracks) = add_release(
        &fake,
        a,
        "This Year",
        "album",
        &today.format("%Y").to_string(),
        "year",
        &["Year One", "Year Two"],
    );
    let (month, _) = add_release(
        &fake,
        a,
        "Last Month",
        "album",
        &last_month.format("%Y-%m").to_string(),
        "month",
        &["M1", "M2"],
    );
    // Another artist's compilation the watched one appears on, dated today.
    let appears = {
        let album_id = FakeSpotify::id("album:friends");
        let mut album = FakeAlbum::new(&album_id, "Friends Compilation", &[friend.as_str(), a]);
        album.album_group = "appears_on".into();
        album.album_type = "compilation".into();
        album.release_date = day(today);
        fake.add_album(album);
        for title in ["Guest One", "Guest Two"] {
            let id = FakeSpotify::id(&format!("track:friends:{title}"));
            fake.add_track(FakeTrack::new(&id, title, &[a], &album_id));
        }
        album_id
    };
    let (single, single_tracks) = add_release(
        &fake,
        a,
        "Fresh Single",
        "single",
        &day(today),
        "day",
        &["Fresh", "Fresh (Edit)"],
    );

    // One track of today's album is already wanted.
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [{"artist": "The Watched", "title": "Today One",
                               "album": "Today's Album", "spotify_track_id": new_tracks[0]}]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let existing = body["items"][0].clone();
    assert_eq!(existing["source"], "api");

    let added = watch(&app, &artist, None).await;
    let id = added["id"].as_i64().unwrap();
    let checked = check_and_wait(&app, id).await;
    assert_eq!(
        checked["name"], "The Watched",
        "the name was looked up: {checked}"
    );
    assert!(
        parse_time(&checked["last_checked"]) > parse_time(&added["last_checked"]),
        "{checked}"
    );
    assert_eq!(checked["last_error"], Value::Null, "{checked}");

    let wanted = all_wanted(&app).await;
    let source = format!("watchlist:{artist}");
    let mine = with_source(&wanted, &source);
    let expected: BTreeSet<String> = [&new_tracks[1]]
        .into_iter()
        .chain(&year_tracks)
        .chain(&single_tracks)
        .cloned()
        .collect();
    assert_eq!(spotify_ids(&mine), expected, "{mine:#?}");
    assert_eq!(mine.len(), 5, "{mine:#?}");
    assert_eq!(wanted.len(), 6, "nothing else became wanted: {wanted:#?}");
    // The track wanted before keeps its entry and source, not duplicated.
    let same: Vec<&Value> = wanted
        .iter()
        .filter(|w| w["spotify_track_id"] == new_tracks[0].as_str())
        .collect();
    assert_eq!(same.len(), 1, "{wanted:#?}");
    assert_eq!(same[0]["id"], existing["id"]);
    assert_eq!(same[0]["source"], "api");

    // The Spotify data is carried.
    let by_id = |sid: &str| {
        mine.iter()
            .find(|w| w["spotify_track_id"] == sid)
            .unwrap()
            .clone()
    };
    let two = by_id(&new_tracks[1]);
    assert_eq!(two["artist"], "The Watched", "{two}");
    assert_eq!(two["title"], "Today Two");
    assert_eq!(two["album"], "Today's Album");
    assert_eq!(two["duration_ms"], 201_000);
    assert_eq!(two["track_number"], 2);
    assert!(wanted_and_waiting(&two), "{two}");
    let fresh = by_id(&single_tracks[0]);
    assert_eq!(fresh["album"], "Fresh Single", "{fresh}");
    assert_eq!(fresh["duration_ms"], 200_000);
    assert_eq!(by_id(&year_tracks[0])["album"], "This Year");

    // Only the new releases' tracks were fetched, once each.
    let tracks_of = |album: &str| fake.count(&format!("/v1/albums/{album}/tracks"));
    for album in [&new_album, &year, &single] {
        assert_eq!(tracks_of(album), 1, "tracks of new release {album}");
    }
    for album in [&old, &future, &month, &appears] {
        assert_eq!(tracks_of(album), 0, "tracks of {album} are not needed");
    }
    let listing = fake
        .requests()
        .into_iter()
        .find(|r| r.path == format!("/v1/artists/{artist}/albums"))
        .expect("the artist's albums were listed");
    assert!(
        listing.query.contains("include_groups=album%2Csingle")
            || listing.query.contains("include_groups=album,single"),
        "{}",
        listing.query
    );

    // The activity says so.
    common::eventually(WAIT, "a watchlist activity", || async {
        let (_, body) = app.get("/api/v1/activity?type=watchlist").await;
        body["items"].as_array().is_some_and(|items| {
            items
                .iter()
                .any(|i| i["status"] == "new_releases" && i["details"]["releases"] == 3)
        })
    })
    .await;

    // A second check: nothing new, nothing fetched again.
    let album_requests = fake.count("/v1/albums/");
    let again = check_and_wait(&app, id).await;
    assert!(
        parse_time(&again["last_checked"]) > parse_time(&checked["last_checked"]),
        "{again}"
    );
    assert_eq!(all_wanted(&app).await.len(), 6);
    assert_eq!(
        fake.count("/v1/albums/"),
        album_requests,
        "no album fetched again"
    );
    assert_eq!(fake.count(&format!("/v1/artists/{artist}/albums")), 2);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_failing_artist_keeps_its_last_checked_and_stops_nobody() {
    let (app, fake) = start().await;
    let good = add_artist(&fake, "artist:good", "Good Artist");
    let (_, good_tracks) = add_release(
        &fake,
        &good,
        "Good News",
        "album",
        &day(Utc::now().date_naive()),
        "day",
        &["Good One", "Good Two"],
    );
    // Not on Spotify (yet): 404.
    let ghost = FakeSpotify::id("artist:ghost");
    let bad = watch(&app, &ghost, None).await;
    let fine = watch(&app, &good, Some("Good Artist")).await;
    let (bad_id, good_id) = (bad["id"].as_i64().unwrap(), fine["id"].as_i64().unwrap());

    request_check(&app, bad_id).await;
    request_check(&app, good_id).await;
    common::eventually(WAIT, "the failed check recorded", || async {
        entry(&app, bad_id).await["last_error"].is_string()
    })
    .await;
    common::eventually(WAIT, "the good check done", || async {
        entry(&app, good_id).await["last_checked"] != fine["last_checked"]
    })
    .await;
    let failed = entry(&app, bad_id).await;
    assert_eq!(
        failed["last_checked"], bad["last_checked"],
        "kept: {failed}"
    );
    assert_eq!(failed["name"], Value::Null);
    let wanted = all_wanted(&app).await;
    let goods = with_source(&wanted, &format!("watchlist:{good}"));
    assert_eq!(
        spotify_ids(&goods),
        good_tracks.iter().cloned().collect::<BTreeSet<_>>()
    );
    assert_eq!(wanted.len(), 2, "{wanted:#?}");
    assert_eq!(entry(&app, good_id).await["last_error"], Value::Null);

    // The artist appears on Spotify: the next check succeeds.
    fake.add_artist(FakeArtist {
        id: ghost.clone(),
        name: "Ghost".into(),
        genres: Vec::new(),
    });
    let (_, ghost_tracks) = add_release(
        &fake,
        &ghost,
        "Back From The Dead",
        "single",
        &day(Utc::now().date_naive()),
        "day",
        &["Boo"],
    );
    let ok = check_and_wait(&app, bad_id).await;
    assert_eq!(ok["last_error"], Value::Null, "{ok}");
    assert_eq!(ok["name"], "Ghost");
    let ghosts = with_source(&all_wanted(&app).await, &format!("watchlist:{ghost}"));
    assert_eq!(
        spotify_ids(&ghosts),
        ghost_tracks.iter().cloned().collect::<BTreeSet<_>>()
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_check_asked_for_runs_now_even_while_a_retry_waits() {
    let (app, fake) = start().await;
    let artist = add_artist(&fake, "artist:flaky", "Flaky");
    let (_, tracks) = add_release(
        &fake,
        &artist,
        "Shaky Ground",
        "album",
        &day(Utc::now().date_naive()),
        "day",
        &["Tremor"],
    );
    let added = watch(&app, &artist, Some("Flaky")).await;
    let id = added["id"].as_i64().unwrap();
    // Spotify is down for this check (three attempts): a transient failure,
    // retried by the worker later.
    fake.fail_next(3, 503);
    request_check(&app, id).await;
    common::eventually(WAIT, "the failed check recorded", || async {
        entry(&app, id).await["last_error"].is_string()
    })
    .await;
    let failed = entry(&app, id).await;
    assert_eq!(failed["last_checked"], added["last_checked"], "{failed}");
    assert!(all_wanted(&app).await.is_empty());

    // Spotify is back; "check this artist now" must not wait for the retry.
    let ok = check_and_wait(&app, id).await;
    assert_eq!(ok["last_error"], Value::Null, "{ok}");
    let mine = with_source(&all_wanted(&app).await, &format!("watchlist:{artist}"));
    assert_eq!(spotify_ids(&mine), tracks.into_iter().collect());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_cancelled_track_is_wanted_again_by_a_new_release() {
    let (app, fake) = start().await;
    let artist = add_artist(&fake, "artist:deluxe", "Deluxe Artist");
    let today = day(Utc::now().date_naive());
    let (_, tracks) = add_release(
        &fake,
        &artist,
        "Original",
        "album",
        &today,
        "day",
        &["Keep", "Drop"],
    );
    let added = watch(&app, &artist, None).await;
    let id = added["id"].as_i64().unwrap();
    check_and_wait(&app, id).await;
    let wanted = all_wanted(&app).await;
    assert_eq!(wanted.len(), 2, "{wanted:#?}");
    let drop = wanted
        .iter()
        .find(|w| w["spotify_track_id"] == tracks[1].as_str())
        .unwrap()
        .clone();
    let (code, body) = app
        .send_json(
            "DELETE",
            &format!("/api/v1/wanted/{}", drop["id"]),
            &json!({}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["state"], "cancelled");

    // A deluxe edition with the same recordings and a bonus track.
    let deluxe_id = FakeSpotify::id("album:deluxe-edition");
    let mut deluxe = FakeAlbum::new(&deluxe_id, "Original (Deluxe)", &[artist.as_str()]);
    deluxe.release_date = today.clone();
    deluxe.track_ids = tracks.clone();
    fake.add_album(deluxe);
    let bonus = FakeSpotify::id("track:deluxe:bonus");
    fake.add_track(FakeTrack::new(
        &bonus,
        "Bonus",
        &[artist.as_str()],
        &deluxe_id,
    ));

    check_and_wait(&app, id).await;
    let wanted = all_wanted(&app).await;
    assert_eq!(wanted.len(), 3, "no duplicates: {wanted:#?}");
    let (code, again) = app.get(&format!("/api/v1/wanted/{}", drop["id"])).await;
    assert_eq!(code, 200);
    assert!(wanted_and_waiting(&again), "wanted again: {again}");
    assert_eq!(again["source"], format!("watchlist:{artist}"));
    let keep: Vec<&Value> = wanted
        .iter()
        .filter(|w| w["spotify_track_id"] == tracks[0].as_str())
        .collect();
    assert_eq!(keep.len(), 1);
    assert!(wanted_and_waiting(keep[0]), "{}", keep[0]);
    assert!(
        wanted
            .iter()
            .any(|w| w["spotify_track_id"] == bonus.as_str() && w["album"] == "Original (Deluxe)"),
        "{wanted:#?}"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn releases_and_their_tracks_are_read_across_pages() {
    // Spotify pages hold at most two entries here.
    let options = FakeSpotifyOptions {
        page_cap: Some(2),
        ..FakeSpotifyOptions::default()
    };
    let (app, fake) = start_with_spotify(options, &[INTERVAL]).await;
    common::authorize_spotify_and_settle(&app, &fake).await;
    let artist = add_artist(&fake, "artist:prolific", "Prolific");
    let today = Utc::now().date_naive();
    let old = day(today.pred_opt().unwrap());
    for n in 0..4 {
        add_release(
            &fake,
            &artist,
            &format!("Old {n}"),
            "album",
            &old,
            "day",
            &["A", "B"],
        );
    }
    // Singles come after the albums: on the last page.
    let (_, tracks) = add_release(
        &fake,
        &artist,
        "Long Single",
        "single",
        &day(today),
        "day",
        &["One", "Two", "Three", "Four", "Five"],
    );
    let added = watch(&app, &artist, Some("Prolific")).await;
    let id = added["id"].as_i64().unwrap();
    check_and_wait(&app, id).await;
    assert!(fake.count(&format!("/v1/artists/{artist}/albums")) >= 3);
    let mine = with_source(&all_wanted(&app).await, &format!("watchlist:{artist}"));
    assert_eq!(spotify_ids(&mine), tracks.into_iter().collect());
}

/// Wanted and not downloaded (there is no slskd here): `pending`, or
/// `searching` while the matching worker tries and fails.
fn wanted_and_waiting(w: &Value) -> bool {
    matches!(w["state"].as_str(), Some("pending" | "searching"))
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_check_is_503_until_spotify_is_authorized() {
    let (app, fake) = start_with_spotify(FakeSpotifyOptions::default(), &[INTERVAL]).await;
    let artist = add_artist(&fake, "artist:patient", "Patient");
    let (_, tracks) = add_release(
        &fake,
        &artist,
        "Today",
        "single",
        &day(Utc::now().date_naive()),
        "day",
        &["Now"],
    );
    let added = watch(&app, &artist, None).await;
    let id = added["id"].as_i64().unwrap();
    // Configured, not authorized: refused now, nothing queued.
    assert_check_unavailable(&app, id).await;
    assert_check_unavailable(&app, 999_999).await;
    assert_eq!(fake.count(&format!("/v1/artists/{artist}")), 0);

    common::authorize_spotify_and_settle(&app, &fake).await;
    let (code, body) = app
        .send_json("POST", "/api/v1/watchlist/999999/check", &json!({}))
        .await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    let checked = check_and_wait(&app, id).await;
    assert_eq!(checked["name"], "Patient");
    let mine = with_source(&all_wanted(&app).await, &format!("watchlist:{artist}"));
    assert_eq!(spotify_ids(&mine), tracks.into_iter().collect());

    // A removed entry: 404.
    let res = common::client()
        .delete(app.url(&format!("/api/v1/watchlist/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let (code, _) = app
        .send_json("POST", &format!("/api/v1/watchlist/{id}/check"), &json!({}))
        .await;
    assert_eq!(code, 404, "no check of an entry that is gone");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_source_names_the_artist_also_after_watching_again() {
    let (app, fake) = start().await;
    let artist = add_artist(&fake, "artist:returning", "Returning");
    let today = day(Utc::now().date_naive());
    let (_, first_tracks) = add_release(&fake, &artist, "First", "single", &today, "day", &["One"]);
    let first = watch(&app, &artist, None).await;
    let first_id = first["id"].as_i64().unwrap();
    check_and_wait(&app, first_id).await;
    let res = common::client()
        .delete(app.url(&format!("/api/v1/watchlist/{first_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);

    // Watched again: a new entry, the same source.
    let (_, second_tracks) =
        add_release(&fake, &artist, "Second", "single", &today, "day", &["Two"]);
    let second = watch(&app, &artist, None).await;
    let second_id = second["id"].as_i64().unwrap();
    assert_ne!(second_id, first_id);
    check_and_wait(&app, second_id).await;
    let source = format!("watchlist:{artist}");
    let mine = with_source(&all_wanted(&app).await, &source);
    let expected: BTreeSet<String> = first_tracks.into_iter().chain(second_tracks).collect();
    assert_eq!(spotify_ids(&mine), expected, "{mine:#?}");
    assert!(mine.iter().all(|w| w["source"] == source.as_str()));
    // The list filters by it.
    let (code, filtered) = app.get(&format!("/api/v1/wanted?source={source}")).await;
    assert_eq!(code, 200, "{filtered}");
    assert_eq!(filtered["total"], 2, "{filtered}");
    let items = filtered["items"].as_array().unwrap();
    assert_eq!(spotify_ids(items), expected);
    let (_, none) = app
        .get(&format!("/api/v1/wanted?source=watchlist:{first_id}"))
        .await;
    assert_eq!(none["total"], 0, "the entry id is not the source: {none}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_existing_database_moves_to_the_artist_id_as_source() {
    use diesel::connection::SimpleConnection;

    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let artist = FakeSpotify::id("artist:before-upgrade");
    let mut conn = common::database_migrated_up_to(&dir, "20261121000004");
    // As the previous version wrote them: the watch entry's id as source.
    conn.batch_execute(&format!(
        "INSERT INTO watchlist_artists (id, spotify_artist_id, name, last_checked, created_at) \
             VALUES (7, '{artist}', 'Before', 0, 0); \
         INSERT INTO wanted_tracks (artist, title, source, dedupe_key, created_at, updated_at) VALUES \
             ('Before', 'Watched', 'watchlist:7', 'k1', 1, 1), \
             ('Gone', 'Unwatched since', 'watchlist:8', 'k2', 2, 2), \
             ('Other', 'Imported', 'import:7', 'k3', 3, 3);"
    ))
    .unwrap();
    drop(conn);

    let app = TestApp::start_in(dir, &[NO_WORKERS], Default::default()).await;
    let wanted = all_wanted(&app).await;
    let source_of = |title: &str| {
        wanted
            .iter()
            .find(|w| w["title"] == title)
            .map(|w| w["source"].clone())
            .unwrap_or_else(|| panic!("{title} not listed: {wanted:#?}"))
    };
    assert_eq!(source_of("Watched"), format!("watchlist:{artist}"));
    assert_eq!(
        source_of("Unwatched since"),
        "watchlist:8",
        "no entry to map it to"
    );
    assert_eq!(source_of("Imported"), "import:7");
}
