//! The web UI in a real browser: Debian's headless Chromium driven over
//! WebDriver (chromedriver), against the app with a fake slskd, a fake
//! Spotify and fake cover providers. A missing browser fails these tests
//! (`.ci/run` installs `chromium` and `chromium-driver`); they never skip.
//! Screenshots of every page, desktop and phone, light and dark, land in
//! `docs/screenshots/`.

use crate::common;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fake_providers::FakeProviders;
use common::fake_slskd::{FakeOptions, FakeSlskd, Outcome, SharedFile};
use common::fake_spotify::{Entry, FakePlaylist, FakeSpotify, FakeSpotifyOptions};
use common::TestApp;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (360, 780);

fn find_program(env: &str, names: &[&str]) -> PathBuf {
    if let Ok(path) = std::env::var(env) {
        return PathBuf::from(path);
    }
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        for name in names {
            let candidate = Path::new(dir).join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "{} not found (set {env}, or install Debian's chromium and chromium-driver: .ci/run does)",
        names.join(" / ")
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// One chromedriver with one Chromium session, in light or dark.
struct Browser {
    driver: Child,
    client: Client,
}

impl Drop for Browser {
    /// Ends chromedriver and the Chromium it started: they share the process
    /// group chromedriver leads (killing chromedriver alone left Chromium
    /// running after the tests).
    fn drop(&mut self) {
        if let Ok(pid) = i32::try_from(self.driver.id()) {
            // SAFETY: signals only the group this test started.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Browser {
    async fn start(dark: bool) -> Browser {
        let chromedriver = find_program("HARMONY_CHROMEDRIVER", &["chromedriver"]);
        let chromium = find_program("HARMONY_CHROMIUM", &["chromium", "chromium-browser"]);
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", chromedriver.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            actix_rt::time::sleep(Duration::from_millis(50)).await;
        }
        let scheme = if dark { 0 } else { 1 };
        let caps = json!({
            "browserName": "chrome",
            // Pages stay live (server-sent events, live parts): a navigation
            // is done when the document is parsed; the tests wait for what
            // they look at.
            "pageLoadStrategy": "eager",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--force-device-scale-factor=1",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    format!("--blink-settings=preferredColorScheme={scheme}"),
                ],
            },
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let mut builder =
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        builder.capabilities(caps);
        let client = builder
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session with {}: {e}", chromium.display()));
        Browser { driver, client }
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    async fn text(&self, css: &str) -> String {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the element's text holds `needle` (live updates included).
    async fn wait_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text(css).await;
            if text.contains(needle) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` never showed {needle:?}; it shows {text:?}"
            );
            actix_rt::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no `{css}`: {e}"))
    }

    async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn resize(&self, size: (u32, u32)) {
        self.client.set_window_size(size.0, size.1).await.unwrap();
        // Let the layout settle at the new width.
        actix_rt::time::sleep(Duration::from_millis(100)).await;
    }

    /// `docs/screenshots/<name>-<desktop|phone>-<light|dark>.png`, at the
    /// window's present size.
    async fn screenshot(&self, name: &str, dark: bool) {
        let (width, _) = self.client.get_window_size().await.unwrap();
        let png = self.client.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let width = if width <= u64::from(PHONE.0) {
            "phone"
        } else {
            "desktop"
        };
        let scheme = if dark { "dark" } else { "light" };
        std::fs::write(dir.join(format!("{name}-{width}-{scheme}.png")), png).unwrap();
    }

    /// Both widths of the page at hand.
    async fn screenshots(&self, name: &str, dark: bool) {
        self.screenshot(name, dark).await;
        self.resize(PHONE).await;
        self.screenshot(name, dark).await;
        self.resize(DESKTOP).await;
    }

    async fn page_width_fits(&self) -> bool {
        let overflow = self
            .client
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
                vec![],
            )
            .await
            .unwrap();
        overflow == Value::Bool(true)
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// A real audio file with an 800 px cover already in it (kept by the
/// artwork worker: no provider is needed for it to show).
fn with_cover(name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, fixture(name)).unwrap();
    harmony::media::tags::embed_cover(&path, &fixture("cover_800.png")).unwrap();
    std::fs::read(&path).unwrap()
}

struct World {
    app: TestApp,
    slskd: FakeSlskd,
    spotify: FakeSpotify,
    _providers: FakeProviders,
}

async fn world() -> World {
    let port = free_port();
    let callback = format!("http://127.0.0.1:{port}/api/v1/spotify/callback");
    let options = FakeSpotifyOptions {
        redirect_uris: vec![callback.clone()],
        ..FakeSpotifyOptions::default()
    };
    let spotify = FakeSpotify::start(options.clone()).await;
    spotify.set_user_display_name("Sofa <b>Listener</b>");
    let road = spotify.add_simple_track("Air", "Sexy Boy", "Moon Safari", 298_000);
    spotify.add_playlist(FakePlaylist::new(
        "37i9dQZF1DXcBWIGoYBM5M",
        "<img src=x onerror=alert(1)> Road trip",
        vec![Entry::Track(road)],
    ));
    let providers = FakeProviders::start().await;
    // The providers' Spotify stand-in is replaced by the fake Spotify.
    let mut env: Vec<(String, String)> = providers
        .env()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("SPOTIFY_"))
        .collect();
    for (k, v) in [
        ("HARMONY_BIND", format!("127.0.0.1:{port}")),
        ("SPOTIFY_CLIENT_ID", options.client_id.clone()),
        ("SPOTIFY_REDIRECT_URI", callback),
        ("SPOTIFY_API_URL", spotify.api_url()),
        ("SPOTIFY_ACCOUNTS_URL", spotify.accounts_url()),
        ("PLAYLIST_SYNC_INTERVAL", "3600".into()),
        ("ENABLE_ARTWORK", "true".into()),
        ("RETRY_SCAN_INTERVAL_SEC", "0.1".into()),
        ("SEARCH_TIMEOUT_MS", "150".into()),
        ("SEARCH_MAX_PER_WINDOW", "100".into()),
        ("SEARCH_WINDOW_SEC", "1".into()),
    ] {
        env.push((k.into(), v));
    }
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (app, slskd, _music) = common::start_with_fake(FakeOptions::default(), &pairs, &[]).await;
    World {
        app,
        slskd,
        spotify,
        _providers: providers,
    }
}

const PAGES: [(&str, &str); 6] = [
    ("dashboard", "/"),
    ("wanted", "/wanted"),
    ("downloads", "/downloads"),
    ("sources", "/sources"),
    ("settings", "/settings"),
    ("activity", "/activity"),
];

/// Everything the issue lists, as a person does it, in one browser.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_person_connects_spotify_fixes_choices_imports_and_sets_up_harmony() {
    let w = world().await;
    let b = Browser::start(false).await;
    let base = w.app.base.clone();

    // Spotify: connect, consent (the fake answers at once), come back.
    b.goto(&format!("{base}/sources")).await;
    b.click("#spotify button[type=submit]").await;
    b.wait_text("body", "Spotify connected").await;
    assert!(
        b.text("body").await.contains("Sofa <b>Listener</b>"),
        "the account name is text"
    );
    b.click("a[href='/sources']").await;
    b.wait_text("#spotify", "Connected as").await;
    b.wait_text("#spotify", "<img src=x onerror=alert(1)> Road trip")
        .await;
    assert!(w.spotify.count("/v1/me/playlists") >= 1);

    // Three files for one track: a FLAC that will stall at 50 %, an MP3
    // with a cover, a 96 kbps MP3 the matcher refuses.
    let flac = "@@daft\\Daft Punk\\Discovery\\01 - One More Time.flac";
    let mp3 = "@@fan\\Daft Punk\\Discovery\\01 One More Time.mp3";
    let poor = "@@cheap\\Daft Punk\\Discovery\\One More Time [96].mp3";
    w.slskd.share_content("daftfan", flac, fixture("tone.flac"));
    w.slskd.script("daftfan", flac, vec![Outcome::Stall]);
    w.slskd
        .share_content("otherfan", mp3, with_cover("tone.mp3"));
    let mut low = SharedFile::new(poor, 3_840_000);
    low.bit_rate = Some(96);
    w.slskd.share_file("cheapskate", low);

    // Add the track with the form.
    b.goto(&format!("{base}/wanted")).await;
    b.fill("#artist", "Daft Punk").await;
    b.fill("#title", "One More Time").await;
    b.fill("#album", "Discovery").await;
    b.click("#add button[type=submit]").await;
    b.wait_text("h1", "Daft Punk – One More Time").await;
    // The candidates arrive live: the FLAC chosen, the live one refused with its reason.
    b.wait_text("tr.chosen", "01 - One More Time.flac").await;
    b.wait_text("tr.refused", "One More Time [96].mp3").await;
    let refused = b.text("tr.refused").await;
    assert!(refused.contains("bitrate"), "{refused}");
    let wanted_path = b.path().await;
    b.screenshots("wanted-detail", false).await;

    // The download stalls at 50 %: the dashboard shows it live.
    b.goto(&format!("{base}/")).await;
    b.wait_text("#part-downloads", "50 %").await;
    // The workers' table has room for every column on a desktop: its panel
    // spans two of the grid's columns, and nothing in it is cut off.
    let fits = b
        .client
        .execute(
            "const p = document.getElementById('part-workers'); \
             const t = p.querySelector('table'); \
             return p.getBoundingClientRect().width > p.parentElement.getBoundingClientRect().width / 2 \
                 && t.scrollWidth <= p.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, Value::Bool(true), "the workers' table is cut off");

    // Pick the MP3 instead; hold the transfers to watch it finish live.
    b.goto(&format!("{base}{wanted_path}")).await;
    w.slskd.hold(true);
    b.wait_for("tr:not(.chosen):not(.refused) button").await;
    b.click("tr:not(.chosen):not(.refused) form[action$='/pick'] button")
        .await;
    b.wait_text("tr.chosen", "01 One More Time.mp3").await;
    let download = wait_download_of(&w.app, &wanted_path, mp3).await;
    b.goto(&format!("{base}/downloads/{download}")).await;
    b.wait_for("#download-facts").await;
    // A marker that a reload would lose: the page must change in place.
    b.client
        .execute("window.harmonyMarker = 1;", vec![])
        .await
        .unwrap();
    w.slskd.hold(false);
    b.wait_text("#download-facts", "completed").await;
    b.wait_for("img.cover").await;
    let marker = b
        .client
        .execute("return window.harmonyMarker === 1;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, Value::Bool(true), "updated live, without a reload");
    let loaded = b
        .client
        .execute(
            "const i = document.querySelector('img.cover'); return i.complete && i.naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!(800), "the cover is the file's own 800 px one");
    b.screenshots("download-detail", false).await;

    // A second track: reject the chosen file and see the next one taken.
    let first = "@@a\\Daft Punk\\Discovery\\03 - Digital Love.flac";
    let second = "@@b\\Daft Punk\\Discovery\\03 Digital Love.mp3";
    w.slskd
        .share_content("lovefan", first, fixture("tone.flac"));
    w.slskd.script("lovefan", first, vec![Outcome::Stall]);
    w.slskd
        .share_content("lovefan2", second, fixture("tone.mp3"));
    b.goto(&format!("{base}/wanted")).await;
    b.fill("#artist", "Daft Punk").await;
    b.fill("#title", "Digital Love").await;
    b.click("#add button[type=submit]").await;
    b.wait_text("tr.chosen", "03 - Digital Love.flac").await;
    b.click("tr.chosen form[action$='/reject'] button").await;
    b.wait_text("tr.chosen", "03 Digital Love.mp3").await;
    b.wait_text("#wanted-detail", "rejected").await;

    // Paste an import.
    b.goto(&format!("{base}/sources")).await;
    b.fill("#list", "Air - Sexy Boy\nthis line is no track\n")
        .await;
    b.click("#imports button[type=submit]").await;
    b.wait_text("h1", "Import").await;
    b.wait_text("body", "this line is no track").await;
    b.screenshot("import", false).await;

    // A bad setting: the error beside the field, nothing saved.
    b.goto(&format!("{base}/settings")).await;
    b.fill("#MATCH_MIN_SCORE", "2.5").await;
    b.click("form[action='/settings'] button[type=submit]")
        .await;
    b.wait_for("#MATCH_MIN_SCORE-error").await;
    let invalid = b
        .wait_for("#MATCH_MIN_SCORE")
        .await
        .attr("aria-invalid")
        .await
        .unwrap();
    assert_eq!(invalid.as_deref(), Some("true"));
    b.client
        .execute(
            "document.getElementById('MATCH_MIN_SCORE').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .unwrap();
    b.screenshot("settings-error", false).await;
    let (_, settings) = w.app.get("/api/v1/settings").await;
    assert_eq!(settings["settings"]["MATCH_MIN_SCORE"], "0.7");

    // Every page, both widths, light then dark; nothing wider than a phone.
    shoot_every_page(&b, &base, false).await;
    drop(b);
    let dark = Browser::start(true).await;
    shoot_every_page(&dark, &base, true).await;
    dark.goto(&format!("{base}{wanted_path}")).await;
    dark.screenshots("wanted-detail", true).await;
    dark.goto(&format!("{base}/downloads/{download}")).await;
    dark.wait_for("img.cover").await;
    dark.screenshots("download-detail", true).await;
}

async fn shoot_every_page(b: &Browser, base: &str, dark: bool) {
    for size in [DESKTOP, PHONE] {
        b.resize(size).await;
        for (name, path) in PAGES {
            b.goto(&format!("{base}{path}")).await;
            b.wait_for("main").await;
            if size == PHONE {
                assert!(b.page_width_fits().await, "{path} is wider than a phone");
            }
            b.screenshot(name, dark).await;
        }
    }
    b.resize(DESKTOP).await;
}

/// The id of the download of `filename` made for the wanted track at `path`.
async fn wait_download_of(app: &TestApp, wanted_path: &str, filename: &str) -> i64 {
    let id = wanted_path.trim_start_matches("/wanted/");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, wanted) = app.get(&format!("/api/v1/wanted/{id}")).await;
        if wanted["match"]["filename"] == filename {
            if let Some(d) = wanted["download_id"].as_i64() {
                return d;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no download of {filename}: {wanted}"
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// With API keys: the browser is sent to sign in, signs in with a key,
/// stays signed in across pages, and signs out.
#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_browser_signs_in_with_a_key_and_out_again() {
    let app = TestApp::start(&[("HARMONY_API_KEYS", "sofa-key-123")]).await;
    let base = app.base.clone();
    for dark in [false, true] {
        let b = Browser::start(dark).await;
        b.goto(&format!("{base}/activity")).await;
        b.wait_for("#key").await;
        assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
        b.screenshots("login", dark).await;
        if dark {
            continue;
        }
        b.fill("#key", "wrong").await;
        b.click("form[action='/login'] button").await;
        b.wait_text("#key-error", "not one of the API keys").await;
        b.fill("#key", "sofa-key-123").await;
        b.click("form[action='/login'] button").await;
        b.wait_text("h1", "Activity").await;
        let cookies = b.client.get_all_cookies().await.unwrap();
        let session = cookies
            .iter()
            .find(|c| c.name() == "harmony_session")
            .expect("a session cookie");
        assert_eq!(session.http_only(), Some(true));
        assert!(!b.client.source().await.unwrap().contains("sofa-key-123"));
        b.goto(&format!("{base}/wanted")).await;
        b.wait_text("h1", "Wanted").await;
        b.click("form[action='/logout'] button").await;
        b.wait_for("#key").await;
        b.goto(&format!("{base}/")).await;
        b.wait_for("#key").await;
    }
}
