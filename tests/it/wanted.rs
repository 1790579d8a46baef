//! Wanted tracks end to end against a fake slskd that searches and
//! transfers like the real one: the right file among decoys, fall-through
//! after a failed transfer, `not_found` and its re-search schedule, reject
//! and pick, and the contract's answers.

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fake_slskd::{FakeOptions, FakeSlskd, Outcome, SharedFile, Version};
use common::TestApp;
use harmony::app::WorkerOverrides;
use serde_json::{json, Value};

struct Setup {
    app: TestApp,
    fake: FakeSlskd,
    music: PathBuf,
}

async fn setup(options: FakeOptions, extra: &[(&str, &str)]) -> Setup {
    let defaults = [
        ("RETRY_SCAN_INTERVAL_SEC", "0.1"),
        ("SEARCH_TIMEOUT_MS", "150"),
        ("SEARCH_MAX_PER_WINDOW", "100"),
        ("SEARCH_WINDOW_SEC", "1"),
    ];
    let (app, fake, music) = common::start_with_fake(options, &defaults, extra).await;
    Setup { app, fake, music }
}

const WANTED_LENGTH: u32 = 320;

/// A size its length can hold: the matcher computes the average bitrate
/// `size × 8 / length` and refuses lossy files a size shows to be poor.
fn file(path: &str, length: u32, bit_rate: Option<u32>) -> SharedFile {
    let lossless = path.ends_with(".flac");
    let kbps = bit_rate.unwrap_or(if lossless { 500 } else { 320 });
    let mut f = SharedFile::new(path, u64::from(length) * u64::from(kbps) * 125);
    f.length = Some(length);
    f.bit_rate = bit_rate;
    f
}

fn one_more_time() -> Value {
    json!({"artist": "Daft Punk", "title": "One More Time", "album": "Discovery",
           "duration_ms": 320_357})
}

impl Setup {
    async fn want(&self, track: Value) -> i64 {
        let (code, body) = self
            .app
            .send_json("POST", "/api/v1/wanted", &json!({ "items": [track] }))
            .await;
        assert_eq!(code, 202, "{body}");
        body["items"][0]["id"].as_i64().unwrap()
    }

    async fn wanted(&self, id: i64) -> Value {
        let (code, body) = self.app.get(&format!("/api/v1/wanted/{id}")).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    async fn candidates(&self, id: i64) -> Vec<Value> {
        let (code, body) = self
            .app
            .get(&format!("/api/v1/wanted/{id}/candidates"))
            .await;
        assert_eq!(code, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    async fn download(&self, id: i64) -> Value {
        let (code, body) = self.app.get(&format!("/api/v1/downloads/{id}")).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    async fn wait(&self, id: i64, within: Duration, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let w = self.wanted(id).await;
            if check(&w) {
                return w;
            }
            assert!(Instant::now() < deadline, "wanted {id} stuck at {w}");
            actix_rt::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn wait_state(&self, id: i64, state: &str) -> Value {
        self.wait(id, Duration::from_secs(20), |w| w["state"] == state)
            .await
    }

    /// Every search slskd was asked to create has been deleted again.
    fn assert_searches_cleaned_up(&self) {
        let created: Vec<String> = self
            .fake
            .search_creations()
            .into_iter()
            .filter(|c| c.status < 300)
            .map(|c| c.id)
            .collect();
        assert!(!created.is_empty());
        let deleted = self.fake.deleted_searches();
        for id in &created {
            assert!(deleted.contains(id), "search {id} was not deleted");
        }
        assert!(self.fake.stored_searches().is_empty());
        assert_eq!(self.fake.max_concurrent_creations(), 1);
    }
}

fn candidate<'a>(list: &'a [Value], user: &str) -> &'a Value {
    list.iter()
        .find(|c| c["username"] == user)
        .unwrap_or_else(|| panic!("no candidate from {user} in {list:?}"))
}

fn refusals(c: &Value) -> Vec<String> {
    c["rejected_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_right_file_among_decoys_ends_in_the_library() {
    let s = setup(FakeOptions::default(), &[]).await;
    let right = "@@good\\Music\\Daft Punk\\Singles\\01 - One More Time.flac";
    let decoys = [
        (
            "live",
            "@@a\\Daft Punk\\Discovery Live\\One More Time (Live).flac",
            WANTED_LENGTH,
            None,
        ),
        (
            "karaoke",
            "@@b\\Karaoke\\Discovery Hits\\Daft Punk - One More Time (Karaoke Version).mp3",
            WANTED_LENGTH,
            Some(320),
        ),
        (
            "other",
            "@@c\\Covers\\Discovery\\Punk Daft Orchestra - One More Time.mp3",
            WANTED_LENGTH,
            Some(320),
        ),
        (
            "longedit",
            "@@d\\Daft Punk\\Discovery\\01 - One More Time.mp3",
            WANTED_LENGTH + 20,
            Some(320),
        ),
        (
            "lowrate",
            "@@e\\Daft Punk\\Discovery\\01 One More Time.mp3",
            WANTED_LENGTH,
            Some(96),
        ),
    ];
    for (user, path, length, rate) in decoys {
        s.fake.share_file(user, file(path, length, rate));
        // Decoys sit on the fastest peers, so only the matcher keeps them out.
        s.fake.set_peer(user, true, 0, 50_000_000);
    }
    s.fake.share_file("good", file(right, WANTED_LENGTH, None));
    s.fake.set_peer("good", false, 3, 10_000);

    let id = s.want(one_more_time()).await;
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["match"]["username"], "good");
    assert_eq!(done["match"]["filename"], right);
    assert_eq!(done["search_count"], 1);
    let download = s.download(done["download_id"].as_i64().unwrap()).await;
    assert_eq!(download["state"], "completed");
    assert_eq!(download["wanted_id"], id);
    assert_eq!(download["filename"], right);
    assert_eq!(download["track"]["title"], "One More Time");
    let path = s.music.join("Daft Punk/Discovery/One More Time.flac");
    assert_eq!(download["organized_path"], path.display().to_string());
    assert!(path.is_file());

    // Why each decoy was refused is visible; the chosen file comes first.
    let list = s.candidates(id).await;
    assert_eq!(list[0]["username"], "good");
    assert_eq!(list[0]["accepted"], true);
    for (user, why) in [
        ("live", "version"),
        ("karaoke", "version"),
        ("other", "artist"),
        ("longedit", "duration"),
        ("lowrate", "bitrate"),
    ] {
        let c = candidate(&list, user);
        assert_eq!(c["accepted"], false, "{c}");
        assert!(refusals(c).contains(&why.to_string()), "{user}: {c}");
    }
    for key in [
        "size",
        "extension",
        "bitrate",
        "sample_rate",
        "bit_depth",
        "length",
        "has_free_upload_slot",
        "queue_length",
        "upload_speed",
        "score",
        "components",
    ] {
        assert!(list[0].get(key).is_some(), "{key}");
    }
    // The album query found only decoys, so the search fell back to one without it.
    let texts: Vec<String> = s
        .fake
        .search_creations()
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert!(texts.len() >= 2, "{texts:?}");
    assert!(texts[0].to_lowercase().contains("discovery"), "{texts:?}");
    assert!(!texts[1].to_lowercase().contains("discovery"), "{texts:?}");
    s.assert_searches_cleaned_up();
    let (_, metrics) = s.app.get_text("/metrics").await;
    let searches = metrics
        .lines()
        .find_map(|l| l.strip_prefix("harmony_searches_total "))
        .and_then(|v| v.trim().parse::<u64>().ok());
    assert_eq!(searches, Some(texts.len() as u64), "{metrics}");

    // Wanting it again returns the same entry; the library has it.
    let again = s.want(one_more_time()).await;
    assert_eq!(again, id);
    // Without an album it is the same song: the library's file answers it.
    let in_library = s
        .want(json!({"artist": "daft punk", "title": "One More Time"}))
        .await;
    assert_ne!(in_library, id);
    let w = s.wanted(in_library).await;
    assert_eq!(w["state"], "completed");
    assert_eq!(w["download_id"], done["download_id"]);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_failed_transfer_falls_through_to_the_next_candidate() {
    let s = setup(FakeOptions::default(), &[]).await;
    let first = "@@x\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    let second = "@@y\\Daft Punk - Discovery (2001) [FLAC]\\01. One More Time.flac";
    s.fake.share_file("fast", file(first, WANTED_LENGTH, None));
    s.fake.set_peer("fast", true, 0, 9_000_000);
    s.fake.script(
        "fast",
        first,
        vec![Outcome::Errored("peer vanished".into())],
    );
    s.fake
        .share_file("steady", file(second, WANTED_LENGTH, None));
    s.fake.set_peer("steady", false, 10, 1_000);

    let id = s.want(one_more_time()).await;
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["match"]["username"], "steady");
    // One search: the second file came from the stored list.
    assert_eq!(done["search_count"], 1);
    assert_eq!(s.fake.enqueue_count("fast", first), 1);
    assert_eq!(s.fake.enqueue_count("steady", second), 1);

    let (code, failed) = s.app.get("/api/v1/downloads?state=failed").await;
    assert_eq!(code, 200);
    assert_eq!(failed["total"], 1, "{failed}");
    let failed = &failed["items"][0];
    assert_eq!(failed["filename"], first);
    assert_eq!(
        failed["next_retry_at"],
        Value::Null,
        "not retried: {failed}"
    );

    let list = s.candidates(id).await;
    assert_eq!(list[0]["username"], "steady");
    let marked = candidate(&list, "fast");
    assert_eq!(marked["accepted"], false);
    assert!(refusals(marked).contains(&"transfer_failed".to_string()));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn nothing_found_is_searched_again_on_schedule_then_given_up() {
    let s = setup(
        FakeOptions::default(),
        &[("SEARCH_RETRY_SCHEDULE", "1s,1.5s")],
    )
    .await;
    let id = s
        .want(json!({"artist": "Nobody", "title": "Nowhere"}))
        .await;
    let first = s.wait_state(id, "not_found").await;
    assert_eq!(first["search_count"], 1);
    assert!(first["next_search_at"].is_string());
    assert_eq!(first["last_error"], "no acceptable candidate");

    let given_up = s
        .wait(id, Duration::from_secs(20), |w| w["state"] == "failed")
        .await;
    // Two steps: three searches, the last one gives up.
    assert_eq!(given_up["search_count"], 3);
    assert_eq!(given_up["next_search_at"], Value::Null);

    // The rounds kept the schedule: each started at least its step after the previous.
    // Each round starts with the same first query.
    let creations = s.fake.search_creations();
    let first_query = creations[0].text.clone();
    let rounds: Vec<Instant> = creations
        .iter()
        .filter(|c| c.text == first_query)
        .map(|c| c.arrived)
        .collect();
    assert_eq!(rounds.len(), 3, "{first_query}: {rounds:?}");
    assert!(rounds[1].duration_since(rounds[0]) >= Duration::from_secs(1));
    assert!(rounds[2].duration_since(rounds[1]) >= Duration::from_millis(1500));
    s.assert_searches_cleaned_up();

    // A manual search starts over.
    let (code, body) = s
        .app
        .send_json("POST", &format!("/api/v1/wanted/{id}/search"), &json!({}))
        .await;
    assert_eq!(code, 202, "{body}");
    s.wait_state(id, "not_found").await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_track_shared_later_is_found_by_the_next_search() {
    let s = setup(FakeOptions::default(), &[("SEARCH_RETRY_SCHEDULE", "1s")]).await;
    let id = s.want(one_more_time()).await;
    let waiting = s.wait_state(id, "not_found").await;
    assert_eq!(waiting["search_count"], 1);
    let path = "@@late\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    s.fake.share_file("late", file(path, WANTED_LENGTH, None));
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["search_count"], 2);
    assert_eq!(done["match"]["filename"], path);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn reject_takes_the_next_file_and_pick_overrides_the_choice() {
    let s = setup(FakeOptions::default(), &[]).await;
    let best = "@@a\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    let other = "@@b\\Music\\Daft Punk\\Discovery\\01 - One More Time.mp3";
    let third = "@@c\\Daft Punk\\Discovery\\One More Time.mp3";
    s.fake.share_file("best", file(best, WANTED_LENGTH, None));
    s.fake
        .share_file("other", file(other, WANTED_LENGTH, Some(320)));
    s.fake
        .share_file("third", file(third, WANTED_LENGTH, Some(256)));
    // Transfers stay frozen until released, so the choices can be changed.
    s.fake.hold(true);

    let id = s.want(one_more_time()).await;
    let w = s.wait_state(id, "downloading").await;
    assert_eq!(w["match"]["username"], "best");
    let first_download = w["download_id"].as_i64().unwrap();

    // Bad input changes nothing.
    let url = |action: &str| format!("/api/v1/wanted/{id}/{action}");
    let (code, body) = s
        .app
        .send_json("POST", &url("reject"), &json!({"username": "best"}))
        .await;
    assert_eq!(code, 422, "{body}");
    let (code, body) = s
        .app
        .send_json(
            "POST",
            &url("pick"),
            &json!({"username": "best", "filename": "not a candidate"}),
        )
        .await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(s.wanted(id).await["download_id"], first_download);

    let (code, body) = s
        .app
        .send_json(
            "POST",
            &url("reject"),
            &json!({"username": "best", "filename": best}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    // Marked at once, without a new search.
    let list = s.candidates(id).await;
    assert!(refusals(candidate(&list, "best")).contains(&"user_rejected".to_string()));
    let w = s
        .wait(id, Duration::from_secs(15), |w| {
            w["match"]["username"] == "other" && w["state"] == "downloading"
        })
        .await;
    assert_eq!(s.download(first_download).await["state"], "cancelled");
    assert_eq!(w["search_count"], 1);

    // Picking another candidate replaces the current choice.
    let (code, body) = s
        .app
        .send_json(
            "POST",
            &url("pick"),
            &json!({"username": "third", "filename": third}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["match"]["username"], "third");
    let picked_download = body["download_id"].as_i64().unwrap();
    assert_ne!(picked_download, w["download_id"].as_i64().unwrap());
    assert_eq!(
        s.download(w["download_id"].as_i64().unwrap()).await["state"],
        "cancelled"
    );
    let list = s.candidates(id).await;
    assert_eq!(list[0]["username"], "third");
    assert_eq!(list[0]["accepted"], true);

    s.fake.hold(false);
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["download_id"], picked_download);
    assert_eq!(done["search_count"], 1);

    // A completed track's choice cannot change any more.
    for action in ["pick", "reject", "search"] {
        let (code, body) = s
            .app
            .send_json(
                "POST",
                &url(action),
                &json!({"username": "other", "filename": other}),
            )
            .await;
        assert_eq!(code, 409, "{action}: {body}");
        assert_eq!(body["error"]["details"]["state"], "completed");
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn cancelling_a_wanted_track_cancels_its_download() {
    let s = setup(FakeOptions::default(), &[]).await;
    let path = "@@a\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    s.fake.share_file("u", file(path, WANTED_LENGTH, None));
    s.fake.hold(true);
    let id = s.want(one_more_time()).await;
    let w = s.wait_state(id, "downloading").await;
    let (code, body) = s
        .app
        .send_json("DELETE", &format!("/api/v1/wanted/{id}"), &json!({}))
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["state"], "cancelled");
    let download = s.download(w["download_id"].as_i64().unwrap()).await;
    assert_eq!(download["state"], "cancelled");
    // Again: unchanged.
    let (code, body) = s
        .app
        .send_json("DELETE", &format!("/api/v1/wanted/{id}"), &json!({}))
        .await;
    assert_eq!((code, body["state"].as_str()), (200, Some("cancelled")));
    // Wanted again: searched for anew.
    s.fake.hold(false);
    assert_eq!(s.want(one_more_time()).await, id);
    s.wait_state(id, "completed").await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_wanted_endpoints_keep_the_contract() {
    let s = setup(FakeOptions::default(), &[]).await;
    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [{"artist": "A", "title": "T"}, {"artist": "", "title": "x", "track_number": 0}]}),
        )
        .await;
    assert_eq!(code, 422, "{body}");
    let fields: Vec<&str> = body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["items[1].artist", "items[1].track_number"]);
    let (_, list) = s.app.get("/api/v1/wanted").await;
    assert_eq!(list["total"], 0, "nothing was created: {list}");

    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [{"title": "T"}]}),
        )
        .await;
    assert_eq!(code, 422, "{body}");
    let (code, _) = s
        .app
        .send_json("POST", "/api/v1/wanted", &json!({"items": []}))
        .await;
    assert_eq!(code, 422);

    // Two identical items, and the same track spelled differently, are one entry.
    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &json!({"items": [
                {"artist": "Nobody", "title": "Nowhere", "priority": 5},
                {"artist": " NOBODY ", "title": "nowhere"},
                {"artist": "Nobody", "title": "Elsewhere", "spotify_track_id": "sp1"},
                {"artist": "Somebody", "title": "Other", "spotify_track_id": "sp1"}
            ]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let ids: Vec<i64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[2], ids[3]);
    assert_ne!(ids[0], ids[2]);
    let first = &body["items"][0];
    for key in [
        "id",
        "state",
        "artist",
        "title",
        "album",
        "duration_ms",
        "isrc",
        "spotify_track_id",
        "track_number",
        "disc_number",
        "priority",
        "source",
        "search_count",
        "next_search_at",
        "last_error",
        "download_id",
        "match",
        "created_at",
        "updated_at",
    ] {
        assert!(first.get(key).is_some(), "{key}: {first}");
    }
    assert_eq!(first["source"], "api");
    assert_eq!(first["priority"], 5);
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));

    let (code, list) = s
        .app
        .get("/api/v1/wanted?state=pending,searching,not_found&limit=1")
        .await;
    assert_eq!(code, 200);
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let (code, _) = s.app.get("/api/v1/wanted?state=done").await;
    assert_eq!(code, 422);
    for path in ["/api/v1/wanted/999", "/api/v1/wanted/999/candidates"] {
        let (code, body) = s.app.get(path).await;
        assert_eq!(code, 404, "{path}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let (code, _) = s
        .app
        .send_json("POST", "/api/v1/wanted/999/search", &json!({}))
        .await;
    assert_eq!(code, 404);
    let (code, _) = s
        .app
        .send_json("PUT", &format!("/api/v1/wanted/{}", ids[0]), &json!({}))
        .await;
    assert_eq!(code, 405);
    // Before any search the candidate list is empty.
    let (code, body) = s
        .app
        .get(&format!("/api/v1/wanted/{}/candidates", ids[0]))
        .await;
    assert_eq!(code, 200);
    assert!(body["items"].is_array());

    // The matching worker reports its queue.
    let worker = s.app.worker("matching").await;
    assert!(worker["queue_size"].is_u64(), "{worker}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn searches_from_the_api_and_the_worker_share_one_budget() {
    let s = setup(
        FakeOptions {
            version: Version::V0_24,
            search_create_latency: Duration::from_millis(30),
            ..FakeOptions::default()
        },
        &[("SEARCH_MAX_PER_WINDOW", "3"), ("SEARCH_WINDOW_SEC", "1")],
    )
    .await;
    let path = "@@a\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    s.fake.share_file("u", file(path, WANTED_LENGTH, None));
    let tracks: Vec<Value> = (0..4)
        .map(|i| json!({"artist": "Nobody", "title": format!("Song number {i}"), "album": "Rarities"}))
        .collect();
    let (code, _) = s
        .app
        .send_json("POST", "/api/v1/wanted", &json!({ "items": tracks }))
        .await;
    assert_eq!(code, 202);
    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/search",
            &json!({"query": "daft punk one more time", "sources": ["soulseek", "spotify"]}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["source"], "soulseek");
    assert_eq!(items[0]["type"], "track");
    assert_eq!(items[0]["filename"], path);
    assert_eq!(items[0]["username"], "u");
    assert_eq!(items[0]["title"], "One More Time");
    assert_eq!(items[0]["format"], "flac");
    assert_eq!(items[0]["duration_ms"], 320_000);
    assert_eq!(body["errors"]["spotify"], "unconfigured");

    // Every wanted track is searched (each up to its fallbacks) within the budget.
    common::eventually(Duration::from_secs(20), "every track searched", || async {
        let (_, list) = s.app.get("/api/v1/wanted?state=not_found").await;
        list["total"] == 4
    })
    .await;
    let creations = s.fake.search_creations();
    assert!(creations.len() > 4 + 1, "{}", creations.len());
    assert_eq!(s.fake.max_concurrent_creations(), 1);
    // Never more than 3 creations within any second.
    for (i, c) in creations.iter().enumerate() {
        let in_window = creations[i..]
            .iter()
            .filter(|d| d.arrived.duration_since(c.arrived) < Duration::from_secs(1))
            .count();
        assert!(in_window <= 3, "{} searches within a second", in_window);
    }
    let (code, body) = s
        .app
        .send_json("POST", "/api/v1/search", &json!({"query": " "}))
        .await;
    assert_eq!(code, 422, "{body}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_search_interrupted_by_a_crash_resumes_after_restart() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let fake = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd-downloads")).await;
    let path = "@@a\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    fake.share_file("u", file(path, WANTED_LENGTH, None));
    // The peer answers late: the first life dies while the search runs.
    fake.set_response_delay("u", Duration::from_millis(1500));
    let env: Vec<(String, String)> = vec![
        ("SLSKD_URL".into(), fake.url.clone()),
        (
            "SLSKD_DOWNLOADS_DIR".into(),
            fake.downloads_dir.display().to_string(),
        ),
        (
            "MUSIC_DIR".into(),
            dir.path().join("music").display().to_string(),
        ),
        ("SYNC_POLL_INTERVAL_SEC".into(), "0.05".into()),
        ("SEARCH_TIMEOUT_MS".into(), "2000".into()),
    ];

    let (tx, rx) = std::sync::mpsc::channel();
    let (first_dir, first_env) = (Arc::clone(&dir), env.clone());
    let first = std::thread::spawn(move || {
        let system = actix_rt::System::new();
        system.block_on(async move {
            let pairs: Vec<(&str, &str)> = first_env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let app = TestApp::start_in(first_dir, &pairs, WorkerOverrides::default()).await;
            let (code, body) = app
                .send_json(
                    "POST",
                    "/api/v1/wanted",
                    &json!({"items": [one_more_time()]}),
                )
                .await;
            assert_eq!(code, 202, "{body}");
            let id = body["items"][0]["id"].as_i64().unwrap();
            common::eventually(Duration::from_secs(10), "searching", || async {
                app.get(&format!("/api/v1/wanted/{id}")).await.1["state"] == "searching"
            })
            .await;
            tx.send(id).unwrap();
            actix_rt::System::current().stop();
            std::mem::forget(app); // no shutdown: the process "dies" mid-search
        });
        system.run().ok();
    });
    let id = loop {
        if let Ok(id) = rx.try_recv() {
            break id;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    };
    while !first.is_finished() {
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    fake.set_response_delay("u", Duration::from_millis(5));

    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::start_in(dir, &pairs, WorkerOverrides::default()).await;
    let s = Setup {
        app,
        fake,
        music: PathBuf::new(),
    };
    let done = s.wait_state(id, "completed").await;
    assert_eq!(done["match"]["filename"], path);
    // The interrupted search was not lost, and the file was fetched once.
    assert_eq!(s.fake.enqueue_count("u", path), 1);
}

/// `n` distinct tracks nobody shares.
fn backlog(n: usize) -> Value {
    let tracks: Vec<Value> = (0..n)
        .map(|i| json!({"artist": "Nobody", "title": format!("Unknown song {i}"), "album": "Rarities"}))
        .collect();
    json!({ "items": tracks })
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn with_one_concurrent_search_slskd_never_runs_two() {
    let s = setup(
        FakeOptions::default(),
        &[("SEARCH_MAX_CONCURRENT", "1"), ("SEARCH_TIMEOUT_MS", "100")],
    )
    .await;
    let (code, body) = s.app.send_json("POST", "/api/v1/wanted", &backlog(6)).await;
    assert_eq!(code, 202, "{body}");
    common::eventually(Duration::from_secs(30), "every track searched", || async {
        let (_, list) = s.app.get("/api/v1/wanted?state=not_found").await;
        list["total"] == 6
    })
    .await;
    // Each track is searched up to its fallbacks: many searches, never two at once.
    assert!(s.fake.search_creations().len() >= 6);
    assert_eq!(s.fake.max_running_searches(), 1);
    s.assert_searches_cleaned_up();
}

/// A local port nothing listens on: connections are refused.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_person_is_answered_while_unreachable_slskd_has_a_backlog() {
    // 150 wanted tracks wait for a search and slskd is down (nothing listens).
    let url = closed_port_url();
    let s = setup(
        FakeOptions::default(),
        &[
            ("SLSKD_URL", url.as_str()),
            ("SEARCH_MAX_PER_WINDOW", "3"),
            ("SEARCH_WINDOW_SEC", "600"),
        ],
    )
    .await;
    let (code, body) = s
        .app
        .send_json("POST", "/api/v1/wanted", &backlog(150))
        .await;
    assert_eq!(code, 202, "{body}");
    common::eventually(Duration::from_secs(10), "searches were tried", || async {
        let (_, list) = s.app.get("/api/v1/wanted?state=pending&limit=500").await;
        list["items"]
            .as_array()
            .is_some_and(|l| l.iter().filter(|w| !w["last_error"].is_null()).count() >= 3)
    })
    .await;
    // Refused connections used none of the budget: the person is not queued behind it.
    for _ in 0..2 {
        let (code, body) = s
            .app
            .send_json(
                "POST",
                "/api/v1/search",
                &json!({"query": "daft punk one more time", "sources": ["soulseek"]}),
            )
            .await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["errors"]["soulseek"], "unreachable", "{body}");
        assert_eq!(body["items"], json!([]));
    }
    let (_, metrics) = s.app.get_text("/metrics").await;
    assert!(metrics.contains("harmony_searches_total 0"), "{metrics}");
    assert!(s.fake.search_creations().is_empty());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_shutdown_abandons_waiting_searches() {
    // One search per ten minutes: the matching worker's searches wait for the budget.
    let s = setup(
        FakeOptions::default(),
        &[
            ("SEARCH_MAX_PER_WINDOW", "1"),
            ("SEARCH_WINDOW_SEC", "600"),
            ("SHUTDOWN_GRACE_SEC", "2"),
        ],
    )
    .await;
    let (code, body) = s
        .app
        .send_json("POST", "/api/v1/wanted", &backlog(20))
        .await;
    assert_eq!(code, 202, "{body}");
    common::eventually(Duration::from_secs(10), "the budget is used", || async {
        let (_, list) = s.app.get("/api/v1/wanted?state=searching").await;
        !s.fake.search_creations().is_empty() && list["total"].as_i64() >= Some(2)
    })
    .await;
    let Setup { app, fake, .. } = s;
    let late = app.app.shutdown().await;
    assert!(
        late.is_empty(),
        "workers still busy after the grace: {late:?}"
    );
    assert_eq!(fake.search_creations().len(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_person_searching_goes_before_the_backlog() {
    let s = setup(
        FakeOptions::default(),
        &[("SEARCH_MAX_CONCURRENT", "1"), ("SEARCH_TIMEOUT_MS", "300")],
    )
    .await;
    let path = "@@a\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    s.fake.share_file("u", file(path, WANTED_LENGTH, None));
    let (code, body) = s
        .app
        .send_json("POST", "/api/v1/wanted", &backlog(10))
        .await;
    assert_eq!(code, 202, "{body}");
    common::eventually(
        Duration::from_secs(10),
        "the backlog is searched",
        || async { !s.fake.search_creations().is_empty() },
    )
    .await;
    let before = s.fake.search_creations().len();
    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/search",
            &json!({"query": "daft punk one more time", "sources": ["soulseek"]}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["items"][0]["filename"], path, "{body}");
    let texts: Vec<String> = (s.fake.search_creations().into_iter())
        .map(|c| c.text)
        .collect();
    let position = texts.iter().position(|t| t == "daft punk one more time");
    // Next after the search running when it came (and one being created then, at most).
    assert!(
        position.is_some_and(|p| p <= before + 1),
        "created {position:?}th, {before} before it: {texts:?}"
    );
    assert_eq!(s.fake.max_running_searches(), 1);
}
