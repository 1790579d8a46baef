//! The library index (issue 15): a real tree of tagged audio files (nested
//! folders, a corrupt file, a link out of the roots, a non-audio file, an
//! extra root), exact counts, incremental rescans, deletions.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::TestApp;
use harmony::media::tags::{write_tags, Id3Version, TagSet};
use serde_json::Value;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a fixture to `to` (creating folders) and tags it.
pub fn tagged(fixture_name: &str, to: &Path, artist: &str, album: &str, title: &str) {
    tagged_with(
        fixture_name,
        to,
        TagSet {
            artist: Some(artist.into()),
            album_artist: Some(artist.into()),
            album: Some(album.into()),
            title: Some(title.into()),
            track_number: Some(1),
            ..TagSet::default()
        },
    );
}

pub fn tagged_with(fixture_name: &str, to: &Path, tags: TagSet) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(fixture(fixture_name), to).unwrap();
    write_tags(to, &tags, Id3Version::V24).unwrap();
}

/// Waits until a scan newer than `after` has finished; returns `GET /library`.
pub async fn scanned_after(app: &TestApp, after: i64) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (code, body) = app.get("/api/v1/library").await;
        assert_eq!(code, 200, "{body}");
        if body["last_scan"]["id"].as_i64().unwrap_or(0) > after
            && body["last_scan"]["finished_at"].is_string()
        {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no finished library scan after {after}: {body}"
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
}

struct Tree {
    music: PathBuf,
    extra: PathBuf,
}

fn build_tree(root: &Path) -> Tree {
    let music = root.join("music");
    let extra = root.join("extra");
    let outside = root.join("outside");
    tagged(
        "tone.flac",
        &music.join("Artist One/Album One/01 - First.flac"),
        "Artist One",
        "Album One",
        "First",
    );
    tagged(
        "tone.mp3",
        &music.join("Artist One/Album One/02 - Second.mp3"),
        "Artist One",
        "Album One",
        "Second",
    );
    tagged(
        "tone.ogg",
        &music.join("Artist Two/Album Two/CD1/deeper/03 - Third.ogg"),
        "Artist Two",
        "Album Two",
        "Third",
    );
    tagged_with(
        "tone.m4a",
        &music.join("Artist Two/Album Two/04 - Fourth.m4a"),
        TagSet {
            artist: Some("Artist Two feat. Guest".into()),
            album_artist: Some("artist two".into()),
            album: Some("Album Two".into()),
            title: Some("Fourth".into()),
            isrc: Some("GBAYE0000001".into()),
            spotify_track_id: Some("4uLU6hMCjMI75M1A2tKUQC".into()),
            ..TagSet::default()
        },
    );
    tagged(
        "tone.opus",
        &extra.join("Artist Three/Album Three/05 - Fifth.opus"),
        "Artist Three",
        "Album Three",
        "Fifth",
    );
    std::fs::create_dir_all(music.join("Broken")).unwrap();
    std::fs::copy(fixture("corrupt.mp3"), music.join("Broken/corrupt.mp3")).unwrap();
    std::fs::copy(
        fixture("cover_300.jpg"),
        music.join("Artist One/Album One/cover.jpg"),
    )
    .unwrap();
    tagged(
        "tone.flac",
        &outside.join("secret.flac"),
        "Outsider",
        "Elsewhere",
        "Secret",
    );
    std::os::unix::fs::symlink(
        outside.join("secret.flac"),
        music.join("Artist One/linked.flac"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, music.join("outside-dir")).unwrap();
    Tree { music, extra }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_index_counts_exactly_rescans_incrementally_and_forgets_deleted_files() {
    let dir = tempfile::tempdir().unwrap();
    let tree = build_tree(dir.path());
    let (music, extra) = (
        tree.music.display().to_string(),
        tree.extra.display().to_string(),
    );
    let app = TestApp::start(&[("MUSIC_DIR", &music), ("LIBRARY_EXTRA_DIRS", &extra)]).await;
    app.wait_for_worker("library", Duration::from_secs(5), |w| {
        w["state"] == "running"
    })
    .await;

    let library = scanned_after(&app, 0).await;
    let counts = &library["counts"];
    assert_eq!(counts["tracks"], 5, "{library}");
    assert_eq!(counts["artists"], 3, "{library}");
    assert_eq!(counts["albums"], 3, "{library}");
    assert_eq!(counts["unreadable"], 1, "{library}");
    for format in ["flac", "mp3", "ogg_vorbis", "mp4", "ogg_opus"] {
        assert_eq!(
            counts["by_format"][format]["tracks"], 1,
            "{format}: {library}"
        );
    }
    assert!(counts["total_size_bytes"].as_i64().unwrap() > 0);
    assert!(counts["total_duration_ms"].as_i64().unwrap() > 0);
    let scan = &library["last_scan"];
    assert_eq!(
        (
            scan["files_seen"].as_i64(),
            scan["files_read"].as_i64(),
            scan["files_skipped"].as_i64(),
            scan["files_unreadable"].as_i64()
        ),
        (Some(6), Some(6), Some(0), Some(1)),
        "{library}"
    );
    assert!(scan["error"].is_null(), "{library}");
    let unreadable = library["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1);
    assert!(unreadable[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("Broken/corrupt.mp3"));
    assert!(!unreadable[0]["reason"].as_str().unwrap().is_empty());
    // The stored statistics of the scan, with its time, and the metrics.
    assert_eq!(library["stats"]["tracks"], 5);
    // (counted once the worker has the scan's summary, just after the row is written)
    common::eventually(Duration::from_secs(5), "the scan in /metrics", || async {
        let (_, metrics) = app.get_text("/metrics").await;
        metrics.contains("harmony_library_files_indexed_total 6")
            && metrics.contains("harmony_library_scans_total 1")
    })
    .await;
    assert!(library["stats"]["scanned_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    // Tags, properties and ids of one file; links out of the roots are not taken.
    let (code, page) = app.get("/api/v1/library/files?q=fourth").await;
    assert_eq!(code, 200);
    assert_eq!(page["total"], 1, "{page}");
    let f = &page["items"][0];
    assert_eq!(f["artist"], "Artist Two feat. Guest");
    assert_eq!(f["album_artist"], "artist two");
    assert_eq!(f["isrc"], "GBAYE0000001");
    assert_eq!(f["spotify_track_id"], "4uLU6hMCjMI75M1A2tKUQC");
    assert_eq!(f["format"], "mp4");
    assert!(f["duration_ms"].as_i64().unwrap() > 0);
    assert!(f["sample_rate"].as_i64().unwrap() > 0);
    let (_, all) = app.get("/api/v1/library/files?limit=500").await;
    assert_eq!(all["total"], 5, "{all}");
    let paths: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| !p.contains("secret") && !p.contains("linked")),
        "{paths:?}"
    );
    let (_, paged) = app.get("/api/v1/library/files?limit=2&offset=4").await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    let (code, _) = app.get("/api/v1/library/files?limit=x").await;
    assert_eq!(code, 422);

    // One file retagged, one deleted: only the changed one is read again.
    std::thread::sleep(Duration::from_millis(20));
    write_tags(
        &tree.music.join("Artist One/Album One/02 - Second.mp3"),
        &TagSet {
            title: Some("Second (Retitled)".into()),
            ..TagSet::default()
        },
        Id3Version::V24,
    )
    .unwrap();
    std::fs::remove_file(
        tree.music
            .join("Artist Two/Album Two/CD1/deeper/03 - Third.ogg"),
    )
    .unwrap();
    let first = scan["id"].as_i64().unwrap();
    let (code, body) = app
        .send_json("POST", "/api/v1/library/scan", &Value::Null)
        .await;
    assert_eq!(code, 202, "{body}");
    let library = scanned_after(&app, first).await;
    let scan = &library["last_scan"];
    assert_eq!(
        (
            scan["files_seen"].as_i64(),
            scan["files_read"].as_i64(),
            scan["files_skipped"].as_i64(),
            scan["files_removed"].as_i64()
        ),
        (Some(5), Some(1), Some(4), Some(1)),
        "{library}"
    );
    assert_eq!(library["counts"]["tracks"], 4);
    assert_eq!(
        library["counts"]["by_format"].get("ogg_vorbis"),
        None,
        "{library}"
    );
    let (_, page) = app.get("/api/v1/library/files?q=retitled").await;
    assert_eq!(page["total"], 1, "{page}");
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_missing_root_keeps_its_files_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let tree = build_tree(dir.path());
    let (music, extra) = (
        tree.music.display().to_string(),
        tree.extra.display().to_string(),
    );
    let app = TestApp::start(&[("MUSIC_DIR", &music), ("LIBRARY_EXTRA_DIRS", &extra)]).await;
    let library = scanned_after(&app, 0).await;
    assert_eq!(library["counts"]["tracks"], 5);
    // The extra share is unmounted: its file stays known, the scan says why.
    std::fs::rename(&tree.extra, dir.path().join("unmounted")).unwrap();
    let first = library["last_scan"]["id"].as_i64().unwrap();
    app.send_json("POST", "/api/v1/library/scan", &Value::Null)
        .await;
    let library = scanned_after(&app, first).await;
    assert_eq!(library["counts"]["tracks"], 5, "{library}");
    assert!(
        library["last_scan"]["error"]
            .as_str()
            .unwrap()
            .contains("extra"),
        "{library}"
    );
    app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_file_harmony_organizes_is_indexed_as_it_lands() {
    use common::fake_slskd::FakeOptions;
    use serde_json::json;
    let (app, fake, _music) = common::start_with_fake(
        FakeOptions::default(),
        &[("RETRY_SCAN_INTERVAL_SEC", "0.05")],
        &[],
    )
    .await;
    let remote = "@@abcde\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac";
    let bytes = std::fs::read(fixture("tone.flac")).unwrap();
    let size = bytes.len() as u64;
    fake.share_content("daftfan", remote, bytes);
    let (code, body) = app
        .send_json(
            "POST",
            "/api/v1/downloads",
            &json!({"items": [{"username": "daftfan", "filename": remote, "size": size,
                "track": {"artist": "Daft Punk", "title": "One More Time", "album": "Discovery", "track_number": 1}}]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, page) = app.get("/api/v1/library/files?q=one%20more%20time").await;
        // Indexed once the metadata worker wrote the title (the tone has none).
        if page["total"] == 1 && page["items"][0]["title"] == "One More Time" {
            let f = &page["items"][0];
            assert!(
                f["path"]
                    .as_str()
                    .unwrap()
                    .ends_with("Daft Punk/Discovery/01 - One More Time.flac"),
                "{f}"
            );
            assert_eq!(f["format"], "flac");
            assert_eq!(f["artist"], "Daft Punk");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never indexed: {page}"
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
    app.app.shutdown().await;
}

/// The app with a fake slskd and a fake Spotify; `MUSIC_DIR` is `<dir>/music`.
pub async fn start_with_both(
    dir: std::sync::Arc<tempfile::TempDir>,
    extra: &[(&str, &str)],
) -> (
    TestApp,
    common::fake_slskd::FakeSlskd,
    common::fake_spotify::FakeSpotify,
) {
    use common::fake_slskd::{FakeOptions, FakeSlskd};
    use common::fake_spotify::{FakeSpotify, FakeSpotifyOptions};
    let slskd = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd-downloads")).await;
    let options = FakeSpotifyOptions::default();
    let spotify = FakeSpotify::start(options.clone()).await;
    let music = dir.path().join("music").display().to_string();
    let downloads = slskd.downloads_dir.display().to_string();
    let (api, accounts) = (spotify.api_url(), spotify.accounts_url());
    let mut env: Vec<(&str, &str)> = vec![
        ("SLSKD_URL", &slskd.url),
        ("SLSKD_DOWNLOADS_DIR", &downloads),
        ("MUSIC_DIR", &music),
        ("SYNC_POLL_INTERVAL_SEC", "0.05"),
        ("SYNC_IDLE_POLL_INTERVAL_SEC", "0.2"),
        ("SPOTIFY_CLIENT_ID", &options.client_id),
        ("SPOTIFY_REDIRECT_URI", &options.redirect_uris[0]),
        ("SPOTIFY_API_URL", &api),
        ("SPOTIFY_ACCOUNTS_URL", &accounts),
        ("PLAYLIST_SYNC_INTERVAL", "3600"),
        ("SEARCH_TIMEOUT_MS", "300"),
    ];
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push((k, v));
    }
    let app = TestApp::start_in(dir, &env, harmony::app::WorkerOverrides::default()).await;
    (app, slskd, spotify)
}

/// Length of a fixture in milliseconds, as the index reads it.
pub fn length_ms(path: &Path) -> u64 {
    harmony::media::tags::read_for_index(path)
        .unwrap()
        .duration_ms
        .unwrap()
}

pub struct PlaylistSetup {
    pub app: TestApp,
    pub slskd: common::fake_slskd::FakeSlskd,
    pub spotify: common::fake_spotify::FakeSpotify,
    pub music: PathBuf,
    pub playlist: String,
    /// Spotify order: not owned, owned by name, owned with another length, owned by id.
    pub tracks: [String; 4],
}

/// A playlist of four tracks of which the library already holds two.
/// With `share_so_easy`, a peer shares "So Easy" and it is downloaded.
pub async fn playlist_partly_owned(extra: &[(&str, &str)], share_so_easy: bool) -> PlaylistSetup {
    use common::fake_spotify::{Entry, FakePlaylist, FakeSpotify};
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let music = dir.path().join("music");
    let eple = music.join("Röyksopp/Melody A.M/01 - Eple.flac");
    tagged("tone.flac", &eple, "Röyksopp", "Melody A.M", "Eple");
    let remind = music.join("Röyksopp/Melody A.M/02 - Remind Me.mp3");
    tagged("tone.mp3", &remind, "Röyksopp", "Melody A.M", "Remind Me");
    let length = length_ms(&eple);
    let (app, slskd, spotify) = start_with_both(dir, extra).await;
    if share_so_easy {
        slskd.share_content(
            "melodyfan",
            "@@mf\\Music\\Röyksopp\\Melody A.M\\01 - So Easy.flac",
            std::fs::read(fixture("tone.flac")).unwrap(),
        );
    }
    let so_easy = spotify.add_simple_track("Röyksopp", "So Easy", "Melody A.M", length);
    let eple_id = spotify.add_simple_track("Röyksopp", "Eple", "Melody A.M", length + 1_500);
    // The library's "Remind Me" is the short one: another recording.
    let remind_id =
        spotify.add_simple_track("Röyksopp", "Remind Me", "Melody A.M", length + 60_000);
    let by_id = spotify.add_simple_track("Röyksopp", "Poor Leno", "Melody A.M", 237_000);
    let poor_leno = music.join("Various/Singles/Leno.ogg");
    tagged_with(
        "tone.ogg",
        &poor_leno,
        TagSet {
            artist: Some("Roeyksopp".into()),
            title: Some("Poor Leno (single)".into()),
            spotify_track_id: Some(by_id.clone()),
            ..TagSet::default()
        },
    );
    let playlist = FakeSpotify::id("melody");
    spotify.add_playlist(FakePlaylist::new(
        &playlist,
        "Melody: A.M.",
        vec![
            Entry::Track(so_easy.clone()),
            Entry::Track(eple_id.clone()),
            Entry::Track(remind_id.clone()),
            Entry::Track(by_id.clone()),
        ],
    ));
    scanned_after(&app, 0).await;
    let (code, body) = common::authorize_spotify(&app).await;
    assert_eq!(code, 200, "{body}");
    common::eventually(Duration::from_secs(15), "the playlists listed", || async {
        app.get("/api/v1/spotify/playlists").await.1["total"]
            .as_i64()
            .unwrap_or(0)
            >= 2
    })
    .await;
    let (code, body) = app
        .send_json(
            "PATCH",
            &format!("/api/v1/spotify/playlists/{playlist}"),
            &serde_json::json!({"sync": true}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    common::eventually(Duration::from_secs(15), "four wanted tracks", || async {
        app.get("/api/v1/wanted?limit=1").await.1["total"] == 4
    })
    .await;
    PlaylistSetup {
        app,
        slskd,
        spotify,
        music,
        playlist,
        tracks: [so_easy, eple_id, remind_id, by_id],
    }
}

async fn wanted_by_title(app: &TestApp) -> std::collections::HashMap<String, Value> {
    let (_, page) = app.get("/api/v1/wanted?limit=500").await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["title"].as_str().unwrap().to_string(), w.clone()))
        .collect()
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn owned_playlist_tracks_are_completed_from_the_index_and_never_searched() {
    let s = playlist_partly_owned(&[], false).await;
    let wanted = wanted_by_title(&s.app).await;
    for (title, file) in [
        ("Eple", "Röyksopp/Melody A.M/01 - Eple.flac"),
        ("Poor Leno", "Various/Singles/Leno.ogg"),
    ] {
        let w = &wanted[title];
        assert_eq!(w["state"], "completed", "{w}");
        assert!(w["download_id"].is_null(), "{w}");
        let path = w["library_path"].as_str().unwrap();
        assert!(path.ends_with(file), "{w}");
        assert!(Path::new(path).is_absolute());
    }
    // The others are searched: wait for both searches, then none was for the owned ones.
    common::eventually(Duration::from_secs(20), "two searches", || async {
        let w = wanted_by_title(&s.app).await;
        ["So Easy", "Remind Me"]
            .iter()
            .all(|t| w[*t]["search_count"].as_i64().unwrap_or(0) >= 1)
    })
    .await;
    let wanted = wanted_by_title(&s.app).await;
    for title in ["So Easy", "Remind Me"] {
        assert!(wanted[title]["library_path"].is_null());
        assert_ne!(wanted[title]["state"], "completed");
    }
    let texts: Vec<String> = s
        .slskd
        .search_creations()
        .into_iter()
        .map(|c| c.text.to_lowercase())
        .collect();
    // Several queries per track (with and without the album, ASCII-folded).
    assert!(!texts.is_empty());
    assert!(
        texts
            .iter()
            .all(|t| t.contains("so easy") || t.contains("remind me")),
        "{texts:?}"
    );
    // A single POST /wanted of an owned track answers it completed too.
    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/wanted",
            &serde_json::json!({"items": [{"artist": "röyksopp", "title": "EPLE", "album": "Other"}]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    assert_eq!(body["items"][0]["state"], "completed", "{body}");
    assert!(body["items"][0]["library_path"]
        .as_str()
        .unwrap()
        .ends_with("01 - Eple.flac"));
    let _ = (&s.music, &s.playlist, &s.tracks, &s.spotify);
    s.app.app.shutdown().await;
}

async fn playlist_metric(app: &TestApp, outcome: &str) -> u64 {
    let (_, text) = app.get_text("/metrics").await;
    let series = format!("harmony_library_playlist_files_total{{outcome=\"{outcome}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {text}"))
}

fn playlist_file(music: &Path) -> (PathBuf, String) {
    let dir = music.join("Playlists");
    // A write in progress (its temporary file, renamed over the playlist
    // when complete) is not a second playlist.
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| !p.to_string_lossy().ends_with(".harmony-tmp"))
                .collect()
        })
        .unwrap_or_default();
    assert!(files.len() <= 1, "{files:?}");
    match files.first() {
        Some(f) => (f.clone(), std::fs::read_to_string(f).unwrap()),
        None => (dir, String::new()),
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_synced_playlist_becomes_an_m3u8_file_updated_when_a_track_lands() {
    let s = playlist_partly_owned(&[], true).await;
    let eple = s.music.join("Röyksopp/Melody A.M/01 - Eple.flac");
    let leno = s.music.join("Various/Singles/Leno.ogg");
    let (eple_s, leno_s) = (
        (length_ms(&eple) + 500) / 1000,
        (length_ms(&leno) + 500) / 1000,
    );
    let owned = format!(
        "#EXTINF:{eple_s},Röyksopp - Eple\n../Röyksopp/Melody A.M/01 - Eple.flac\n\
         #EXTINF:{leno_s},Röyksopp - Poor Leno\n../Various/Singles/Leno.ogg\n"
    );
    // Spotify's order, once "So Easy" (first in the playlist) has landed.
    let landed = s.music.join("Röyksopp/Melody A.M/01 - So Easy.flac");
    let so_easy_s = (length_ms(&fixture("tone.flac")) + 500) / 1000;
    let expected = format!(
        "#EXTM3U\n#EXTINF:{so_easy_s},Röyksopp - So Easy\n../Röyksopp/Melody A.M/01 - So Easy.flac\n{owned}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut seen = Vec::new();
    loop {
        let (path, text) = playlist_file(&s.music);
        if !text.is_empty() && seen.last() != Some(&text) {
            seen.push(text.clone());
        }
        if text == expected {
            assert_eq!(path.file_name().unwrap(), "Melody_ A.M..m3u8");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "playlist never complete; landed: {}; versions: {seen:#?}",
            landed.exists()
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
    // Before it landed, the file listed the two owned tracks only.
    assert!(
        seen.iter()
            .all(|t| t == &expected || t == &format!("#EXTM3U\n{owned}")),
        "{seen:#?}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(s.music.join("Playlists"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");

    // Nothing changed for the playlist: its file is left alone.
    let (path, _) = playlist_file(&s.music);
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    let unchanged = playlist_metric(&s.app, "unchanged").await;
    tagged(
        "tone.mp3",
        &s.music.join("Other/Other/x.mp3"),
        "Other",
        "Other",
        "X",
    );
    s.app
        .send_json("POST", "/api/v1/library/scan", &Value::Null)
        .await;
    common::eventually(
        Duration::from_secs(10),
        "the playlist checked again",
        || async { playlist_metric(&s.app, "unchanged").await > unchanged },
    )
    .await;
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );
    assert_eq!(playlist_file(&s.music).1, expected);
    s.app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn write_playlists_off_writes_no_file() {
    let s = playlist_partly_owned(&[("WRITE_PLAYLISTS", "false")], false).await;
    // A scan that reads a file queues the playlist job; with the switch off
    // it checks nothing and writes nothing.
    tagged(
        "tone.mp3",
        &s.music.join("Other/Other/x.mp3"),
        "Other",
        "Other",
        "X",
    );
    s.app
        .send_json("POST", "/api/v1/library/scan", &Value::Null)
        .await;
    scanned_after(&s.app, 1).await;
    common::eventually(
        Duration::from_secs(10),
        "the library queue drained",
        || async { s.app.worker("library").await["queue_size"] == 0 },
    )
    .await;
    actix_rt::time::sleep(Duration::from_millis(200)).await;
    assert!(!s.music.join("Playlists").exists());
    assert_eq!(playlist_metric(&s.app, "unchanged").await, 0);
    assert_eq!(playlist_metric(&s.app, "written").await, 0);
    s.app.app.shutdown().await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn without_workers_the_library_answers_but_cannot_scan() {
    let app = TestApp::start(&[("HARMONY_DISABLE_WORKERS", "1")]).await;
    let (code, body) = app.get("/api/v1/library").await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body["last_scan"].is_null() && body["stats"].is_null(),
        "{body}"
    );
    assert_eq!(body["counts"]["tracks"], 0);
    let (code, body) = app
        .send_json("POST", "/api/v1/library/scan", &Value::Null)
        .await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert_eq!(body["error"]["details"]["dependency"], "library");
    let (_, metrics) = app.get_text("/metrics").await;
    for series in [
        "harmony_library_files_indexed_total 0",
        "harmony_library_scan_duration_seconds 0",
        "harmony_media_server_rescans_total{server=\"plex\",outcome=\"unauthorized\"} 0",
    ] {
        assert!(metrics.contains(series), "{series} missing: {metrics}");
    }
    app.app.shutdown().await;
}
