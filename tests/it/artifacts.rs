//! Tags, cover art and lyrics end to end: a real audio fixture is
//! "downloaded" through the fake slskd, organized, then tagged, given a
//! cover and lyrics by the three workers against fake providers (Spotify,
//! MusicBrainz, the Cover Art Archive, an image host, LRCLIB). Files are
//! read back with lofty directly, not with Harmony's own reader.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::fake_providers::{FakeAlbum, FakeImage, FakeProviders, LrcEntry};
use common::fake_slskd::{FakeOptions, FakeSlskd};
use common::TestApp;
use harmony::domain::artwork::image_size::sniff;
use lofty::file::TaggedFileExt;
use lofty::tag::ItemKey;
use serde_json::{json, Value};

const MBID_SLOW: &str = "11111111-1111-4111-8111-111111111111";
const MBID_HUGE: &str = "22222222-2222-4222-8222-222222222222";
const MBID_REFUSED: &str = "33333333-3333-4333-8333-333333333333";

struct Setup {
    app: TestApp,
    slskd: FakeSlskd,
    providers: FakeProviders,
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// The app with both features on, every provider faked and Spotify authorized.
async fn setup(extra: &[(&str, &str)]) -> Setup {
    let providers = FakeProviders::start().await;
    let mut env = providers.env();
    for (k, v) in [
        ("ENABLE_ARTWORK", "true"),
        ("ENABLE_LYRICS", "true"),
        ("ARTWORK_MIN_EDGE", "600"),
        ("ARTWORK_HTTP_TIMEOUT", "2"),
    ] {
        env.push((k.into(), v.into()));
    }
    let defaults: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (app, slskd, _music) =
        common::start_with_fake(FakeOptions::default(), &defaults, extra).await;
    let now = harmony::domain::time::now_millis();
    app.app
        .db
        .write(move |c| {
            harmony::db::spotify::save_tokens(
                c,
                "token",
                Some("refresh"),
                now + 24 * 3600 * 1000,
                None,
                now,
            )
        })
        .await
        .unwrap();
    Setup {
        app,
        slskd,
        providers,
    }
}

impl Setup {
    /// Shares `fixture` as `remote` and asks for it; returns the download id.
    async fn download(&self, user: &str, remote: &str, fixture_name: &str, track: Value) -> i64 {
        self.slskd
            .share_content(user, remote, fixture(fixture_name));
        let size = fixture(fixture_name).len();
        let item = json!({"username": user, "filename": remote, "size": size, "track": track});
        let (code, body) = self
            .app
            .send_json("POST", "/api/v1/downloads", &json!({ "items": [item] }))
            .await;
        assert_eq!(code, 202, "{body}");
        body["items"][0]["id"].as_i64().unwrap()
    }

    async fn get(&self, id: i64) -> Value {
        let (code, body) = self.app.get(&format!("/api/v1/downloads/{id}")).await;
        assert_eq!(code, 200, "{body}");
        body
    }

    async fn wait(&self, id: i64, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let d = self.get(id).await;
            if check(&d) {
                return d;
            }
            assert!(
                Instant::now() < deadline,
                "download {id} never got {what}: {d}"
            );
            actix_rt::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until no artifact of the download is pending any more.
    async fn settled(&self, id: i64) -> Value {
        self.wait(id, "its artifacts", |d| {
            d["state"] == "completed"
                && ["metadata_status", "artwork_status", "lyrics_status"]
                    .iter()
                    .all(|k| d[*k] != "pending")
        })
        .await
    }

    async fn events(&self, id: i64) -> Vec<Value> {
        let (code, body) = self
            .app
            .get(&format!("/api/v1/downloads/{id}/events"))
            .await;
        assert_eq!(code, 200, "{body}");
        body["items"].as_array().unwrap().clone()
    }

    async fn raw(&self, method: &str, path: &str) -> (u16, String, Vec<u8>) {
        let req = common::client().request(method.parse().unwrap(), self.app.url(path));
        let mut res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = res.body().limit(32 << 20).await.unwrap().to_vec();
        (status, content_type, body)
    }
}

fn event_types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

fn path_of(download: &Value) -> PathBuf {
    PathBuf::from(download["organized_path"].as_str().unwrap())
}

/// Every field lofty's own generic mapping sees.
fn generic(path: &Path, key: ItemKey) -> Option<String> {
    let file = lofty::read_from_path(path).unwrap();
    let tag = file.primary_tag().expect("a tag");
    tag.get_string(key).map(str::to_string)
}

fn pictures(path: &Path) -> Vec<Vec<u8>> {
    let file = lofty::read_from_path(path).unwrap();
    file.primary_tag()
        .map(|t| t.pictures().iter().map(|p| p.data().to_vec()).collect())
        .unwrap_or_default()
}

fn embedded_lyrics(path: &Path) -> Option<String> {
    let file = lofty::read_from_path(path).unwrap();
    let tag = file.primary_tag()?;
    tag.get_string(ItemKey::Lyrics)
        .or_else(|| tag.get_string(ItemKey::UnsyncLyrics))
        .map(str::to_string)
}

fn discovery_album(cover_url: &str) -> FakeAlbum {
    FakeAlbum {
        name: "Discovery".into(),
        artist: "Daft Punk".into(),
        images: vec![
            (cover_url.to_string(), 1400, 1400),
            ("https://i.scdn.co/image/small".into(), 64, 64),
        ],
        genres: vec!["French House".into()],
        copyright: Some("(C) 2001 Daft Life Ltd.".into()),
        release_date: "2001-03-12".into(),
        tracks: 14,
    }
}

const ONE_MORE_TIME_LRC: &str =
    "[00:00.50]One more time\n[00:05.00]\n[00:07.25]We're gonna celebrate\n";

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn flac_and_mp3_get_every_tag_the_cover_once_per_album_and_synced_lyrics() {
    let s = setup(&[]).await;
    let cover = fixture("cover_1400.jpg");
    let cover_url = s
        .providers
        .add_image("discovery.jpg", FakeImage::jpeg(cover.clone()));
    s.providers
        .add_album("alb-discovery", discovery_album(&cover_url));
    s.providers.add_lyrics(LrcEntry {
        track: "One More Time".into(),
        artist: "Daft Punk".into(),
        album: "Discovery".into(),
        duration: 320.36,
        plain: Some("One more time\n\nWe're gonna celebrate".into()),
        synced: Some(ONE_MORE_TIME_LRC.into()),
        ..LrcEntry::default()
    });
    s.providers.add_lyrics(LrcEntry {
        track: "Aerodynamic".into(),
        artist: "Daft Punk".into(),
        album: "Discovery".into(),
        duration: 212.0,
        synced: Some("[00:01.00]Aerodynamic\n".into()),
        ..LrcEntry::default()
    });
    let track = |title: &str, n: u32, ms: u64, isrc: &str, id: &str| {
        json!({"artist": "Daft Punk", "title": title, "album": "Discovery", "track_number": n,
               "disc_number": 1, "year": 2001, "duration_ms": ms, "isrc": isrc,
               "spotify_track_id": id, "spotify_album_id": "alb-discovery"})
    };
    let flac = s
        .download(
            "daftfan",
            "@@a\\Daft Punk\\Discovery\\01 - One More Time.flac",
            "tone.flac",
            track("One More Time", 1, 320_357, "GBDUW0000053", "trk-1"),
        )
        .await;
    let mp3 = s
        .download(
            "daftfan",
            "@@a\\Daft Punk\\Discovery\\02 - Aerodynamic.mp3",
            "tone.mp3",
            track("Aerodynamic", 2, 212_000, "GBDUW0000054", "trk-2"),
        )
        .await;

    for (id, title, number, isrc, lyric) in [
        (flac, "One More Time", "1", "GBDUW0000053", "One more time"),
        (mp3, "Aerodynamic", "2", "GBDUW0000054", "Aerodynamic"),
    ] {
        let d = s.settled(id).await;
        assert_eq!(
            (
                &d["metadata_status"],
                &d["artwork_status"],
                &d["lyrics_status"]
            ),
            (&json!("done"), &json!("done"), &json!("done")),
            "{d}"
        );
        let path = path_of(&d);

        // Every tag, read with lofty's own mapping.
        let expected = [
            (ItemKey::TrackTitle, title),
            (ItemKey::TrackArtist, "Daft Punk"),
            (ItemKey::AlbumTitle, "Discovery"),
            (ItemKey::AlbumArtist, "Daft Punk"),
            (ItemKey::TrackNumber, number),
            (ItemKey::TrackTotal, "14"),
            (ItemKey::DiscNumber, "1"),
            (ItemKey::DiscTotal, "1"),
            (ItemKey::RecordingDate, "2001"),
            (ItemKey::Genre, "French House"),
            (ItemKey::Isrc, isrc),
            (ItemKey::CopyrightMessage, "(C) 2001 Daft Life Ltd."),
        ];
        for (key, value) in expected {
            assert_eq!(
                generic(&path, key).as_deref(),
                Some(value),
                "{key:?} of {title}"
            );
        }

        // The 1400 px cover, exactly the provider's bytes, once.
        let pics = pictures(&path);
        assert_eq!(pics.len(), 1, "{title}");
        assert_eq!(pics[0], cover, "{title}");
        let info = sniff(&pics[0]).unwrap();
        assert_eq!((info.width, info.height), (1400, 1400));

        // The sidecar with its headers, and the words embedded.
        let lrc = std::fs::read_to_string(path.with_extension("lrc")).unwrap();
        assert!(
            lrc.starts_with(&format!(
                "[ti:{title}]\n[ar:Daft Punk]\n[al:Discovery]\n[length:"
            )),
            "{lrc}"
        );
        assert!(lrc.contains(&format!("]{lyric}\n")), "{lrc}");
        assert!(embedded_lyrics(&path).unwrap().starts_with(lyric));
        assert!(!path.with_extension("txt").exists());

        // The endpoints.
        let (code, meta) = s.app.get(&format!("/api/v1/downloads/{id}/metadata")).await;
        assert_eq!(code, 200, "{meta}");
        assert_eq!(meta["id"], id);
        assert_eq!(meta["path"], d["organized_path"]);
        assert_eq!(meta["tags"]["title"], title);
        assert_eq!(meta["tags"]["genre"], "French House");
        assert_eq!(meta["tags"]["copyright"], "(C) 2001 Daft Life Ltd.");
        assert_eq!(meta["tags"]["year"], 2001);
        for key in [
            "composer",
            "producer",
            "album_artist",
            "disc_number",
            "isrc",
        ] {
            assert!(meta["tags"].get(key).is_some(), "{key} missing from {meta}");
        }
        let (code, content_type, body) = s
            .raw("GET", &format!("/api/v1/downloads/{id}/artwork"))
            .await;
        assert_eq!((code, content_type.as_str()), (200, "image/jpeg"));
        assert_eq!(body, cover);
        let (code, text) = s
            .app
            .get_text(&format!("/api/v1/downloads/{id}/lyrics"))
            .await;
        assert_eq!(code, 200);
        assert_eq!(text, lrc);

        let types = event_types(&s.events(id).await);
        for t in [
            "organized",
            "metadata_written",
            "artwork_embedded",
            "lyrics_written",
        ] {
            assert!(types.contains(&t.to_string()), "{t} missing from {types:?}");
        }
    }
    // One album, one cover download.
    assert_eq!(s.providers.count("/img/discovery.jpg"), 1);
    let (code, content_type, _) = s
        .raw("GET", &format!("/api/v1/downloads/{mp3}/lyrics"))
        .await;
    assert_eq!(
        (code, content_type.as_str()),
        (200, "text/plain; charset=utf-8")
    );

    // A refresh writes the tags again (and only the tags).
    let (code, body) = s
        .app
        .send_json(
            "POST",
            &format!("/api/v1/downloads/{flac}/metadata/refresh"),
            &json!({}),
        )
        .await;
    assert_eq!((code, &body["status"]), (202, &json!("pending")), "{body}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let written = event_types(&s.events(flac).await)
            .iter()
            .filter(|t| *t == "metadata_written")
            .count();
        if written == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the refresh never wrote the tags"
        );
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
    let d = s.settled(flac).await;
    assert_eq!(d["metadata_status"], "done");
    assert_eq!(
        event_types(&s.events(flac).await)
            .iter()
            .filter(|t| *t == "artwork_embedded")
            .count(),
        1
    );
    let (code, _) = s
        .app
        .send_json(
            "POST",
            "/api/v1/downloads/999999/metadata/refresh",
            &json!({}),
        )
        .await;
    assert_eq!(code, 404);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn m4a_ogg_and_opus_get_the_full_tag_set_too() {
    let s = setup(&[("ENABLE_ARTWORK", "false"), ("ENABLE_LYRICS", "false")]).await;
    let mut ids = Vec::new();
    for (n, ext) in ["m4a", "ogg", "opus"].iter().enumerate() {
        let track = json!({"artist": "Boards of Canada", "title": format!("Track {ext}"),
            "album": "Geogaddi", "album_artist": "BoC", "track_number": n + 1,
            "disc_number": 2, "disc_count": 2, "year": 2002, "isrc": format!("GBAAA020000{n}")});
        let remote = format!("@@b\\BoC\\Geogaddi\\0{} - Track {ext}.{ext}", n + 1);
        ids.push((
            s.download("boc", &remote, &format!("tone.{ext}"), track)
                .await,
            ext,
        ));
    }
    for (id, ext) in ids {
        let d = s.settled(id).await;
        assert_eq!(d["metadata_status"], "done", "{d}");
        assert_eq!(d["artwork_status"], "disabled");
        assert_eq!(d["lyrics_status"], "disabled");
        let path = path_of(&d);
        let title = format!("Track {ext}");
        for (key, value) in [
            (ItemKey::TrackTitle, title.as_str()),
            (ItemKey::TrackArtist, "Boards of Canada"),
            (ItemKey::AlbumTitle, "Geogaddi"),
            (ItemKey::AlbumArtist, "BoC"),
            (ItemKey::DiscNumber, "2"),
            (ItemKey::DiscTotal, "2"),
            (ItemKey::RecordingDate, "2002"),
        ] {
            assert_eq!(
                generic(&path, key).as_deref(),
                Some(value),
                "{key:?} of {ext}"
            );
        }
        assert!(
            generic(&path, ItemKey::Isrc).is_some_and(|i| i.starts_with("GBAAA")),
            "{ext}"
        );
        assert!(pictures(&path).is_empty(), "no artwork worker, no cover");
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn tag_id3_version_23_writes_an_id3v23_tag() {
    let s = setup(&[
        ("ENABLE_ARTWORK", "false"),
        ("ENABLE_LYRICS", "false"),
        ("TAG_ID3_VERSION", "2.3"),
    ])
    .await;
    let track = json!({"artist": "Moby", "title": "Porcelain", "album": "Play", "year": 1999});
    let id = s
        .download(
            "moby",
            "@@m\\Moby\\Play\\05 - Porcelain.mp3",
            "tone.mp3",
            track,
        )
        .await;
    let d = s.settled(id).await;
    assert_eq!(d["metadata_status"], "done", "{d}");
    let path = path_of(&d);
    let head = std::fs::read(&path).unwrap();
    assert_eq!(&head[..4], b"ID3\x03", "an ID3v2.3 header");
    assert_eq!(
        generic(&path, ItemKey::TrackTitle).as_deref(),
        Some("Porcelain")
    );
    assert_eq!(
        generic(&path, ItemKey::RecordingDate).as_deref(),
        Some("1999")
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_low_res_cover_is_replaced_and_a_good_one_is_kept() {
    let s = setup(&[]).await;
    let big = fixture("cover_1400.jpg");
    let url = s
        .providers
        .add_image("air.jpg", FakeImage::jpeg(big.clone()));
    s.providers.add_album(
        "alb-air",
        FakeAlbum {
            name: "Moon Safari".into(),
            artist: "Air".into(),
            images: vec![(url, 1400, 1400)],
            tracks: 10,
            ..FakeAlbum::default()
        },
    );
    // The files arrive with covers already in them.
    let with_cover = |fixture_name: &str, cover: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(fixture_name);
        std::fs::write(&path, fixture(fixture_name)).unwrap();
        harmony::media::tags::embed_cover(&path, &fixture(cover)).unwrap();
        std::fs::read(&path).unwrap()
    };
    let low = with_cover("tone.flac", "cover_300.jpg");
    let good = with_cover("tone.mp3", "cover_800.png");
    let track = |title: &str| {
        json!({"artist": "Air", "title": title, "album": "Moon Safari",
               "spotify_album_id": "alb-air"})
    };
    let low_len = low.len();
    s.slskd
        .share_content("air", "@@c\\Air\\Moon Safari\\La Femme d'Argent.flac", low);
    s.slskd
        .share_content("air", "@@c\\Air\\Moon Safari\\Sexy Boy.mp3", good.clone());
    let create = |remote: &str, size: usize, title: &str| json!({"username": "air", "filename": remote, "size": size, "track": track(title)});
    let (code, body) = s
        .app
        .send_json(
            "POST",
            "/api/v1/downloads",
            &json!({"items": [
                create("@@c\\Air\\Moon Safari\\La Femme d'Argent.flac", low_len, "La Femme d'Argent"),
                create("@@c\\Air\\Moon Safari\\Sexy Boy.mp3", good.len(), "Sexy Boy"),
            ]}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let (low_id, good_id) = (
        body["items"][0]["id"].as_i64().unwrap(),
        body["items"][1]["id"].as_i64().unwrap(),
    );

    let replaced = s.settled(low_id).await;
    assert_eq!(replaced["artwork_status"], "done", "{replaced}");
    let pics = pictures(&path_of(&replaced));
    assert_eq!(pics.len(), 1);
    assert_eq!(
        sniff(&pics[0]).map(|i| (i.width, i.height)),
        Some((1400, 1400))
    );
    let embedded = s.events(low_id).await;
    let event = embedded
        .iter()
        .find(|e| e["type"] == "artwork_embedded")
        .unwrap();
    assert_eq!(event["details"]["replaced"], true);
    assert_eq!(event["details"]["source"], "spotify");

    let kept = s.settled(good_id).await;
    assert_eq!(kept["artwork_status"], "done", "{kept}");
    let pics = pictures(&path_of(&kept));
    assert_eq!(
        pics,
        vec![fixture("cover_800.png")],
        "the 800 px cover stays"
    );
    assert!(event_types(&s.events(good_id).await).contains(&"artwork_kept".to_string()));
    let (code, content_type, body) = s
        .raw("GET", &format!("/api/v1/downloads/{good_id}/artwork"))
        .await;
    assert_eq!((code, content_type.as_str()), (200, "image/png"));
    assert_eq!(body, fixture("cover_800.png"));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_corrupt_file_is_left_byte_identical() {
    let s = setup(&[]).await;
    let id = s
        .download(
            "u",
            "@@d\\Broken\\Album\\01 - Broken.mp3",
            "corrupt.mp3",
            json!({"artist": "Broken", "title": "Broken", "album": "Album"}),
        )
        .await;
    let d = s.settled(id).await;
    assert_eq!(d["metadata_status"], "failed", "{d}");
    assert_eq!(d["artwork_status"], "failed", "{d}");
    let path = path_of(&d);
    assert_eq!(std::fs::read(&path).unwrap(), fixture("corrupt.mp3"));
    let siblings: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        siblings.iter().all(|n| !n.starts_with('.')),
        "no temp file left: {siblings:?}"
    );
    let (code, body) = s.app.get(&format!("/api/v1/downloads/{id}/metadata")).await;
    assert_eq!(code, 404, "{body}");
    let (code, _) = s.app.get(&format!("/api/v1/downloads/{id}/artwork")).await;
    assert_eq!(code, 404);
    let failed = s
        .events(id)
        .await
        .into_iter()
        .find(|e| e["type"] == "metadata_failed")
        .unwrap();
    assert!(
        failed["details"]["error"]
            .as_str()
            .unwrap()
            .contains("unreadable"),
        "{failed}"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn slow_oversized_and_foreign_images_are_refused() {
    let s = setup(&[
        ("ARTWORK_MAX_BYTES", "20000"),
        ("ARTWORK_HTTP_TIMEOUT", "0.5"),
    ])
    .await;
    let p = &s.providers;
    let big = fixture("cover_1400.jpg"); // 27 493 bytes: over the limit
    let png = fixture("cover_800.png");
    let png_url = p.add_image(
        "caa-800.png",
        FakeImage {
            content_type: "image/png".into(),
            ..FakeImage::jpeg(png.clone())
        },
    );
    let slow = p.add_image(
        "slow.jpg",
        FakeImage {
            delay: Duration::from_secs(3),
            ..FakeImage::jpeg(fixture("cover_800.png"))
        },
    );
    let chunked_big = p.add_image(
        "chunked-big.jpg",
        FakeImage {
            chunked: true,
            ..FakeImage::jpeg(big.clone())
        },
    );
    let huge = p.add_image("huge.jpg", FakeImage::jpeg(big.clone()));
    let html = p.add_image(
        "page.jpg",
        FakeImage {
            content_type: "text/html".into(),
            ..FakeImage::jpeg(png.clone())
        },
    );
    let album = |name: &str, artist: &str, url: &str| FakeAlbum {
        name: name.into(),
        artist: artist.into(),
        images: vec![(url.to_string(), 800, 800)],
        tracks: 1,
        ..FakeAlbum::default()
    };
    // 1. Spotify's image is too slow: the Cover Art Archive's is used.
    p.add_album("alb-slow", album("Slow", "Slowpoke", &slow));
    p.add_release_group("Slowpoke", "Slow", MBID_SLOW, 100);
    p.set_front(MBID_SLOW, "front", &png_url);
    // 2. The archive's original is over the limit: its 1200 px rendition is used.
    p.add_release_group("Hugo", "Huge", MBID_HUGE, 95);
    p.set_front(MBID_HUGE, "front", &huge);
    p.set_front(MBID_HUGE, "front-1200", "/img/caa-800.png");
    // 3. A chunked body over the limit, and a redirect to a host not on the list.
    p.add_album("alb-refused", album("Refused", "Nobody", &chunked_big));
    p.add_release_group("Nobody", "Refused", MBID_REFUSED, 100);
    let foreign = png_url.replace("127.0.0.1", "localhost");
    p.set_front(MBID_REFUSED, "front", &foreign);
    // 4. Not an image (Content-Type), and no fallback match.
    p.add_album("alb-html", album("Html", "Webmaster", &html));

    let track = |artist: &str, album: &str, spotify: Option<&str>| json!({"artist": artist, "title": "T", "album": album, "spotify_album_id": spotify});
    let slow_id = s
        .download(
            "u",
            "@@e\\Slow\\01 - T.flac",
            "tone.flac",
            track("Slowpoke", "Slow", Some("alb-slow")),
        )
        .await;
    let huge_id = s
        .download(
            "u",
            "@@e\\Huge\\01 - T.flac",
            "tone.flac",
            track("Hugo", "Huge", None),
        )
        .await;
    let refused_id = s
        .download(
            "u",
            "@@e\\Refused\\01 - T.flac",
            "tone.flac",
            track("Nobody", "Refused", Some("alb-refused")),
        )
        .await;
    let html_id = s
        .download(
            "u",
            "@@e\\Html\\01 - T.mp3",
            "tone.mp3",
            track("Webmaster", "Html", Some("alb-html")),
        )
        .await;

    for id in [slow_id, huge_id] {
        let d = s.settled(id).await;
        assert_eq!(d["artwork_status"], "done", "{d}");
        assert_eq!(pictures(&path_of(&d)), vec![png.clone()]);
        let event = s
            .events(id)
            .await
            .into_iter()
            .find(|e| e["type"] == "artwork_embedded")
            .unwrap();
        assert_eq!(event["details"]["source"], "coverartarchive", "{event}");
    }
    assert_eq!(
        p.count(&format!("/release-group/{MBID_HUGE}/front-1200")),
        1
    );

    for id in [refused_id, html_id] {
        let d = s.settled(id).await;
        assert_eq!(d["artwork_status"], "failed", "{d}");
        let path = path_of(&d);
        assert!(pictures(&path).is_empty(), "no cover, and no damage");
        assert_eq!(
            generic(&path, ItemKey::TrackTitle).as_deref(),
            Some("T"),
            "tags intact"
        );
        let (code, _) = s.app.get(&format!("/api/v1/downloads/{id}/artwork")).await;
        assert_eq!(code, 404);
    }
    let reason = |events: Vec<Value>| {
        events
            .into_iter()
            .find(|e| e["type"] == "artwork_failed")
            .map(|e| e["details"]["error"].as_str().unwrap().to_string())
            .unwrap()
    };
    let refused = reason(s.events(refused_id).await);
    assert!(refused.contains("larger than 20000 bytes"), "{refused}");
    assert!(refused.contains("not an allowed image host"), "{refused}");
    assert!(!p
        .requests()
        .iter()
        .any(|r| r.path == "/img/caa-800.png" && r.query.contains("localhost")));
    let html = reason(s.events(html_id).await);
    assert!(html.contains("Content-Type 'text/html'"), "{html}");
    // MusicBrainz was asked as a client that says who it is.
    assert!(p
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/ws/2/"))
        .all(|r| r.user_agent.starts_with("Harmony/")));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn with_the_flags_off_the_endpoints_answer_feature_disabled() {
    let app = TestApp::start(&[("ENABLE_ARTWORK", "false"), ("ENABLE_LYRICS", "false")]).await;
    for (method, path) in [
        ("GET", "/api/v1/downloads/1/artwork"),
        ("POST", "/api/v1/downloads/1/artwork/refresh"),
        ("GET", "/api/v1/downloads/1/lyrics"),
        ("POST", "/api/v1/downloads/1/lyrics/refresh"),
    ] {
        let (code, body) = app.send_json(method, path, &json!({})).await;
        assert_eq!(code, 503, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "feature_disabled", "{method} {path}");
    }
    let (code, _) = app.get("/api/v1/downloads/1/metadata").await;
    assert_eq!(code, 404, "metadata is always on");
    let status = app.status().await;
    for worker in ["artwork", "lyrics"] {
        assert_eq!(
            status["workers"][worker]["state"], "unavailable",
            "{status}"
        );
        assert_eq!(status["workers"][worker]["enabled"], false);
    }
    // Disabled workers do not degrade the service (a busy machine may show
    // an enabled worker stale for a heartbeat: wait that out).
    common::eventually(Duration::from_secs(5), "status ok", || async {
        app.status().await["status"] == "ok"
    })
    .await;
    let doc = app.get("/openapi.json").await.1;
    for path in [
        "/api/v1/downloads/{id}/metadata",
        "/api/v1/downloads/{id}/metadata/refresh",
        "/api/v1/downloads/{id}/artwork",
        "/api/v1/downloads/{id}/artwork/refresh",
        "/api/v1/downloads/{id}/lyrics",
        "/api/v1/downloads/{id}/lyrics/refresh",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from the OpenAPI document"
        );
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn lyrics_pending_not_found_instrumental_plain_and_searched() {
    let s = setup(&[("ENABLE_ARTWORK", "false")]).await;
    let p = &s.providers;
    p.add_lyrics(LrcEntry {
        track: "Da Funk".into(),
        artist: "Daft Punk".into(),
        album: "Homework".into(),
        duration: 330.0,
        instrumental: true,
        ..LrcEntry::default()
    });
    p.add_lyrics(LrcEntry {
        track: "Something About Us".into(),
        artist: "Daft Punk".into(),
        album: "Discovery".into(),
        duration: 232.0,
        plain: Some("It might not be\r\nthe right time\r\n".into()),
        ..LrcEntry::default()
    });
    // Found only by search: one within the window, one outside it.
    p.add_lyrics(LrcEntry {
        track: "Digital Love (Live)".into(),
        artist: "Daft Punk".into(),
        album: "Alive".into(),
        duration: 305.0,
        synced: Some("[00:01.00]outside the window\n".into()),
        ..LrcEntry::default()
    });
    p.add_lyrics(LrcEntry {
        track: "Digital Love (Remastered)".into(),
        artist: "Daft Punk".into(),
        album: "Discovery (Remastered)".into(),
        duration: 302.5,
        synced: Some(
            "[00:01.000]Last night I had a dream about you\n[00:04.5]In this dream\n".into(),
        ),
        ..LrcEntry::default()
    });
    let track = |title: &str, album: &str, seconds: u64| {
        json!({"artist": "Daft Punk", "title": title, "album": album,
               "duration_ms": seconds * 1000})
    };

    // Before the file is even there: pending.
    s.slskd.hold(true);
    let pending = s
        .download(
            "dp",
            "@@f\\DP\\Pending.flac",
            "tone.flac",
            track("Pending", "X", 100),
        )
        .await;
    let (code, body) = s
        .app
        .get(&format!("/api/v1/downloads/{pending}/lyrics"))
        .await;
    assert_eq!((code, &body["status"]), (202, &json!("pending")), "{body}");
    let (code, _) = s
        .app
        .get(&format!("/api/v1/downloads/{pending}/metadata"))
        .await;
    assert_eq!(code, 404, "no tags written yet");
    let (code, body) = s
        .app
        .send_json(
            "POST",
            &format!("/api/v1/downloads/{pending}/lyrics/refresh"),
            &json!({}),
        )
        .await;
    assert_eq!(code, 409, "not completed yet: {body}");
    s.slskd.hold(false);

    let missing = s
        .download(
            "dp",
            "@@f\\DP\\01 - Unknown.flac",
            "tone.flac",
            track("No Such Song", "Homework", 200),
        )
        .await;
    let instrumental = s
        .download(
            "dp",
            "@@f\\DP\\02 - Da Funk.flac",
            "tone.flac",
            track("Da Funk", "Homework", 331),
        )
        .await;
    let plain = s
        .download(
            "dp",
            "@@f\\DP\\03 - Something About Us.mp3",
            "tone.mp3",
            track("Something About Us", "Discovery", 232),
        )
        .await;
    let searched = s
        .download(
            "dp",
            "@@f\\DP\\04 - Digital Love.flac",
            "tone.flac",
            track("Digital Love", "Discovery", 301),
        )
        .await;

    let d = s.settled(missing).await;
    assert_eq!(d["lyrics_status"], "not_found", "{d}");
    let (code, _) = s
        .app
        .get(&format!("/api/v1/downloads/{missing}/lyrics"))
        .await;
    assert_eq!(code, 404);
    // Looked up again in a week: a job row due then, not work waiting now.
    let in_six_days = harmony::domain::time::now_millis() + 6 * 24 * 3600 * 1000;
    let next = next_lyrics_job(&s.app, missing).await;
    assert!(next.is_some_and(|at| at > in_six_days), "{next:?}");
    s.app
        .wait_for_worker("lyrics", Duration::from_secs(10), |w| w["queue_size"] == 0)
        .await;

    let d = s.settled(instrumental).await;
    assert_eq!(d["lyrics_status"], "instrumental", "{d}");
    let (code, _, body) = s
        .raw("GET", &format!("/api/v1/downloads/{instrumental}/lyrics"))
        .await;
    assert_eq!((code, body.len()), (204, 0));
    assert!(!path_of(&d).with_extension("lrc").exists());

    let d = s.settled(plain).await;
    assert_eq!(d["lyrics_status"], "done", "{d}");
    let path = path_of(&d);
    assert_eq!(
        std::fs::read_to_string(path.with_extension("txt")).unwrap(),
        "It might not be\nthe right time\n"
    );
    assert!(!path.with_extension("lrc").exists());
    assert_eq!(
        embedded_lyrics(&path).as_deref(),
        Some("It might not be\nthe right time")
    );
    let (code, text) = s
        .app
        .get_text(&format!("/api/v1/downloads/{plain}/lyrics"))
        .await;
    assert_eq!(
        (code, text.as_str()),
        (200, "It might not be\nthe right time\n")
    );

    let d = s.settled(searched).await;
    assert_eq!(d["lyrics_status"], "done", "{d}");
    let (code, text) = s
        .app
        .get_text(&format!("/api/v1/downloads/{searched}/lyrics"))
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        text,
        "[ti:Digital Love]\n[ar:Daft Punk]\n[al:Discovery]\n[length:05:01]\n\
         [00:01.00]Last night I had a dream about you\n[00:04.50]In this dream\n"
    );
    let gets: Vec<_> = p
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/get" && r.query.contains("Digital"))
        .collect();
    assert_eq!(gets.len(), 2, "with the album, then without");
    assert!(
        gets[0].query.contains("album_name=Discovery") && gets[0].query.contains("duration=301")
    );
    assert!(!gets[1].query.contains("album_name"));

    // Lyrics published later: a refresh finds them.
    p.add_lyrics(LrcEntry {
        track: "No Such Song".into(),
        artist: "Daft Punk".into(),
        album: "Homework".into(),
        duration: 200.0,
        synced: Some("[00:02.00]Now it exists\n".into()),
        ..LrcEntry::default()
    });
    let (code, body) = s
        .app
        .send_json(
            "POST",
            &format!("/api/v1/downloads/{missing}/lyrics/refresh"),
            &json!({}),
        )
        .await;
    assert_eq!(code, 202, "{body}");
    let d = s
        .wait(missing, "lyrics after the refresh", |d| {
            d["lyrics_status"] == "done"
        })
        .await;
    assert!(std::fs::read_to_string(path_of(&d).with_extension("lrc"))
        .unwrap()
        .contains("[00:02.00]Now it exists"));
}

/// When the queued lyrics job of a download is due.
async fn next_lyrics_job(app: &TestApp, id: i64) -> Option<i64> {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Due {
        #[diesel(sql_type = BigInt)]
        run_at: i64,
    }
    app.app
        .db
        .read(move |c| {
            Ok(diesel::sql_query(
                "SELECT run_at FROM worker_jobs WHERE worker = 'lyrics' AND state = 'queued' AND dedupe_key = ?",
            )
            .bind::<Text, _>(format!("fetch:{id}"))
            .get_result::<Due>(c)
            .optional()?
            .map(|d| d.run_at))
        })
        .await
        .unwrap()
}
