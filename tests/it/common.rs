//! Starts the real app on a temporary directory, and workers with scripted
//! jobs for supervision and queue tests.

pub use harmony_testkit::{
    fake_media_servers, fake_notify, fake_providers, fake_slskd, fake_spotify, idle_proxy,
};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harmony::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use harmony::actors::supervisor::{spawner, SpawnWorker};
use harmony::app::{self, RunningApp, WorkerOverrides};
use harmony::config;
use harmony::domain::workers::name::WorkerName;
use harmony::jobs::WorkerJob;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The actix system of every test (`#[actix_rt::test(system = "crate::common::TestSystem")]`).
///
/// All the tests share one process, so what a test leaves running costs the
/// others: `actix_rt::System::new().block_on` returns with the app's worker
/// and search arbiters and the HTTP servers' worker arbiters (theirs and the
/// fakes') still running on their own threads, heartbeating and polling for
/// the rest of the run. After the body (or its panic) the system is stopped
/// like a process exiting, which stops every arbiter it started.
pub struct TestSystem;

impl TestSystem {
    // `new().block_on(..)` is what the attribute calls, like `actix_rt::System`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> TestSystemRunner {
        TestSystemRunner(actix_rt::System::new())
    }
}

pub struct TestSystemRunner(actix_rt::SystemRunner);

impl TestSystemRunner {
    pub fn block_on<F: std::future::Future>(self, body: F) -> F::Output {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.0.block_on(body)));
        actix_rt::System::current().stop();
        // Returns once the system's controller has told every arbiter to stop.
        let _ = self.0.run();
        outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }
}

#[test]
fn the_test_system_stops_the_arbiters_a_test_leaves_running() {
    /// Tells the test when the arbiter's tasks are dropped (its loop ended).
    struct Signal(std::sync::mpsc::Sender<()>);
    impl Drop for Signal {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    TestSystem::new().block_on(async move {
        let signal = Signal(tx);
        // Like an app's worker arbiter when a test ends without a shutdown.
        let arbiter = actix_rt::Arbiter::new();
        arbiter.spawn(async move {
            let _signal = signal;
            std::future::pending::<()>().await
        });
    });
    assert!(
        rx.recv_timeout(Duration::from_secs(30)).is_ok(),
        "the arbiter is still running after its test ended"
    );
}

pub struct TestApp {
    pub app: RunningApp,
    pub dir: Arc<tempfile::TempDir>,
    pub base: String,
}

/// Environment for a fast test: short heartbeats, quick restarts.
pub fn fast_env(dir: &tempfile::TempDir) -> HashMap<String, String> {
    let data = dir.path().join("data");
    [
        ("HARMONY_BIND", "127.0.0.1:0".to_string()),
        ("HARMONY_DATA_DIR", data.display().to_string()),
        ("HARMONY_LOG_LEVEL", "warn".to_string()),
        ("SLSKD_URL", String::new()),
        ("WORKER_HEARTBEAT_SEC", "0.05".to_string()),
        ("WORKER_STALE_AFTER_SEC", "0.5".to_string()),
        ("WORKER_RESTART_BASE_SEC", "0.1".to_string()),
        ("WORKER_RESTART_MAX_SEC", "1".to_string()),
        ("SHUTDOWN_GRACE_SEC", "3".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

impl TestApp {
    pub async fn start(extra: &[(&str, &str)]) -> TestApp {
        Self::start_with(extra, WorkerOverrides::default()).await
    }

    pub async fn start_with(extra: &[(&str, &str)], overrides: WorkerOverrides) -> TestApp {
        let dir = Arc::new(tempfile::tempdir().unwrap());
        Self::start_in(dir, extra, overrides).await
    }

    /// Starts on an existing directory (same database): a restart.
    pub async fn start_in(
        dir: Arc<tempfile::TempDir>,
        extra: &[(&str, &str)],
        overrides: WorkerOverrides,
    ) -> TestApp {
        let mut env = fast_env(&dir);
        for (k, v) in extra {
            env.insert(k.to_string(), v.to_string());
        }
        let raw = config::load(|k| env.get(k).cloned()).unwrap();
        let (config, raw, db) = app::prepare(raw).unwrap();
        harmony::telemetry::init(&config);
        let app = app::start(config, raw, db, overrides).await.unwrap();
        let base = format!("http://{}", app.addr);
        TestApp { app, dir, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let mut res = client().get(self.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.body().limit(8 << 20).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let mut res = client().get(self.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.body().limit(8 << 20).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    pub async fn send_json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let req = client().request(method.parse().unwrap(), self.url(path));
        let mut res = req.send_json(body).await.unwrap();
        let status = res.status().as_u16();
        let body = res.body().limit(8 << 20).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    pub async fn status(&self) -> Value {
        let (code, body) = self.get("/status").await;
        assert_eq!(code, 200, "{body}");
        body
    }

    pub async fn worker(&self, name: &str) -> Value {
        self.status().await["workers"][name].clone()
    }

    /// Polls `/status` until `check` holds for the worker, or panics after `within`.
    pub async fn wait_for_worker(
        &self,
        name: &str,
        within: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let w = self.worker(name).await;
            if check(&w) {
                return w;
            }
            assert!(
                Instant::now() < deadline,
                "worker {name} never reached the expected state: {w}"
            );
            actix_rt::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// The app wired to a fake slskd: `SLSKD_*` and `MUSIC_DIR` point into one
/// temporary directory, polls are fast; `extra` overrides any key.
/// Returns the app, the fake and the music directory.
pub async fn start_with_fake(
    options: fake_slskd::FakeOptions,
    defaults: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> (TestApp, fake_slskd::FakeSlskd, std::path::PathBuf) {
    let (app, fake, music, _) = start_with_fake_behind(options, None, defaults, extra).await;
    (app, fake, music)
}

/// Like [`start_with_fake`]; with `Some(idle)` the app reaches the fake
/// through an [`idle_proxy::IdleClosingProxy`] that closes connections idle
/// for that long (returned fourth).
pub async fn start_with_fake_behind(
    options: fake_slskd::FakeOptions,
    idle_close: Option<Duration>,
    defaults: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> (
    TestApp,
    fake_slskd::FakeSlskd,
    std::path::PathBuf,
    Option<idle_proxy::IdleClosingProxy>,
) {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let fake = fake_slskd::FakeSlskd::start(options, dir.path().join("slskd-downloads")).await;
    let proxy = idle_close.map(|idle| idle_proxy::IdleClosingProxy::start(fake.addr, idle));
    let url = proxy.as_ref().map_or(fake.url.clone(), |p| p.url.clone());
    let music = dir.path().join("music");
    let mut env: Vec<(String, String)> = vec![
        ("SLSKD_URL".into(), url),
        (
            "SLSKD_DOWNLOADS_DIR".into(),
            fake.downloads_dir.display().to_string(),
        ),
        ("MUSIC_DIR".into(), music.display().to_string()),
        ("SYNC_POLL_INTERVAL_SEC".into(), "0.05".into()),
        ("SYNC_IDLE_POLL_INTERVAL_SEC".into(), "0.2".into()),
    ];
    for (k, v) in defaults.iter().chain(extra) {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v.to_string()));
    }
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::start_in(dir, &pairs, WorkerOverrides::default()).await;
    (app, fake, music, proxy)
}

pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(20))
        .finish()
}

/// Polls an async condition until it holds.
pub async fn eventually<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        actix_rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// What scripted jobs did, shared across app restarts.
#[derive(Clone, Default)]
pub struct Journal {
    /// How many times each job id ran to completion.
    pub completed: Arc<Mutex<HashMap<i64, u32>>>,
    /// Every start of a job: (id, attempt).
    pub started: Arc<Mutex<Vec<(i64, u32)>>>,
}

impl Journal {
    pub fn completions(&self, id: i64) -> u32 {
        self.completed
            .lock()
            .unwrap()
            .get(&id)
            .copied()
            .unwrap_or(0)
    }

    pub fn started(&self, id: i64) -> usize {
        self.started
            .lock()
            .unwrap()
            .iter()
            .filter(|(j, _)| *j == id)
            .count()
    }
}

/// A scripted job for `ScriptedLogic` (run in the metadata worker's slot).
/// Kinds: `ok`, `sleep` (payload `ms`, async), `block` (payload `ms`,
/// blocks the worker's thread), `hang` (never finishes), `panic`, `fatal`,
/// `retry` (transient failure). Stored like every typed job: `kind` and
/// `payload` columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobRequest {
    pub kind: String,
    pub payload: Value,
    #[serde(skip)]
    dedupe_key: Option<String>,
    #[serde(skip)]
    max_attempts: Option<i32>,
}

impl JobRequest {
    pub fn new(worker: WorkerName, kind: &str, payload: Value) -> Self {
        assert_eq!(
            worker,
            WorkerName::Metadata,
            "scripted jobs run in the metadata slot"
        );
        JobRequest {
            kind: kind.to_string(),
            payload,
            dedupe_key: None,
            max_attempts: None,
        }
    }

    pub fn dedupe_key(mut self, key: &str) -> Self {
        self.dedupe_key = Some(key.to_string());
        self
    }

    pub fn max_attempts(mut self, n: i32) -> Self {
        self.max_attempts = Some(n);
        self
    }
}

impl WorkerJob for JobRequest {
    const WORKER: WorkerName = WorkerName::Metadata;

    fn dedupe_key(&self) -> Option<String> {
        self.dedupe_key.clone()
    }

    fn max_attempts(&self) -> i32 {
        self.max_attempts.unwrap_or(5)
    }
}

pub struct ScriptedLogic {
    journal: Journal,
    concurrency: usize,
}

impl WorkerLogic for ScriptedLogic {
    type Job = JobRequest;

    fn concurrency(&self, _: &harmony::config::Config) -> usize {
        self.concurrency
    }

    fn retry_delay(&self, _job: &JobRequest, _attempt: u32) -> Duration {
        Duration::from_millis(50)
    }

    fn run_job(
        &mut self,
        _env: &WorkerEnv,
        job: JobRequest,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let journal = self.journal.clone();
        let id = meta.id;
        journal.started.lock().unwrap().push((id, meta.attempt));
        let ms = job.payload["ms"].as_u64().unwrap_or(0);
        match job.kind.as_str() {
            "block" => std::thread::sleep(Duration::from_millis(ms)),
            "panic" => panic!("scripted panic in job {}", id),
            _ => {}
        }
        Box::pin(async move {
            match job.kind.as_str() {
                "hang" => std::future::pending::<()>().await,
                "sleep" => actix_rt::time::sleep(Duration::from_millis(ms)).await,
                "fatal" => {
                    return Err(JobError::Fatal(format!(
                        "scripted fatal error in job {}",
                        id
                    )))
                }
                "retry" => return Err(JobError::Retry("scripted transient failure".into())),
                "async_panic" => {
                    actix_rt::time::sleep(Duration::from_millis(1)).await;
                    panic!("scripted async panic in job {}", id)
                }
                _ => {}
            }
            *journal.completed.lock().unwrap().entry(id).or_default() += 1;
            Ok(())
        })
    }
}

pub fn scripted(journal: &Journal, concurrency: usize) -> SpawnWorker {
    let journal = journal.clone();
    spawner(move || ScriptedLogic {
        journal: journal.clone(),
        concurrency,
    })
}

/// The app wired to a fake Spotify (accounts + Web API); playlist syncs run
/// only at start and on demand. `extra` overrides any key.
pub async fn start_with_spotify(
    options: fake_spotify::FakeSpotifyOptions,
    extra: &[(&str, &str)],
) -> (TestApp, fake_spotify::FakeSpotify) {
    start_with_spotify_and(options, extra, WorkerOverrides::default()).await
}

/// `start_with_spotify` with some workers replaced.
pub async fn start_with_spotify_and(
    options: fake_spotify::FakeSpotifyOptions,
    extra: &[(&str, &str)],
    overrides: WorkerOverrides,
) -> (TestApp, fake_spotify::FakeSpotify) {
    let fake = fake_spotify::FakeSpotify::start(options.clone()).await;
    let mut env: Vec<(String, String)> = vec![
        ("SPOTIFY_CLIENT_ID".into(), options.client_id.clone()),
        (
            "SPOTIFY_CLIENT_SECRET".into(),
            options.client_secret.clone().unwrap_or_default(),
        ),
        (
            "SPOTIFY_REDIRECT_URI".into(),
            options.redirect_uris[0].clone(),
        ),
        ("SPOTIFY_API_URL".into(), fake.api_url()),
        ("SPOTIFY_ACCOUNTS_URL".into(), fake.accounts_url()),
        ("PLAYLIST_SYNC_INTERVAL".into(), "3600".into()),
    ];
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push((k.to_string(), v.to_string()));
    }
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::start_with(&pairs, overrides).await;
    (app, fake)
}

/// What Harmony's Spotify callback answered the browser.
pub struct CallbackAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// The browser's part of the OAuth flow: open Harmony's authorize URL on the
/// fake (redirects not followed) and hand the code to Harmony's callback.
pub async fn spotify_callback(app: &TestApp) -> CallbackAnswer {
    let (code, body) = app.get("/api/v1/spotify/authorize").await;
    assert_eq!(code, 200, "{body}");
    let url = body["url"].as_str().unwrap().to_string();
    let browser = awc::Client::builder()
        .disable_redirects()
        .timeout(Duration::from_secs(10))
        .finish();
    let res = browser.get(&url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 302, "{url}");
    let location = res.headers().get("location").unwrap().to_str().unwrap();
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or("");
    let mut res = client()
        .get(app.url(&format!("/api/v1/spotify/callback?{query}")))
        .send()
        .await
        .unwrap();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.body().limit(1 << 20).await.unwrap();
    CallbackAnswer {
        status: res.status().as_u16(),
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// [`spotify_callback`]'s status and body: the JSON of an error, or the
/// success page as a JSON string.
pub async fn authorize_spotify(app: &TestApp) -> (u16, Value) {
    let answer = spotify_callback(app).await;
    let body = serde_json::from_str(&answer.body).unwrap_or(Value::String(answer.body));
    (answer.status, body)
}

/// Authorizes Spotify and waits for the playlist sync the authorization
/// starts, so that it neither interleaves with injected faults nor counts.
pub async fn authorize_spotify_and_settle(app: &TestApp, fake: &fake_spotify::FakeSpotify) {
    let (code, body) = authorize_spotify(app).await;
    assert_eq!(code, 200, "{body}");
    eventually(
        Duration::from_secs(15),
        "the playlist sync after authorization",
        || async {
            let (_, body) = app.get("/api/v1/spotify/playlists").await;
            body["total"].as_i64().unwrap_or(0) >= 1
                && fake.count("/v1/me/playlists") >= 1
                && fake.requests().iter().all(|r| r.status != 0)
        },
    )
    .await;
}

/// The wanted tracks an import asked for (`source` `import:<id>`).
pub async fn wanted_from_import(app: &TestApp, import_id: i64) -> Vec<Value> {
    let (code, body) = app.get("/api/v1/wanted?limit=500").await;
    assert_eq!(code, 200, "{body}");
    let source = format!("import:{import_id}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["source"] == source)
        .cloned()
        .collect()
}

/// A database in `dir` (where [`TestApp::start_in`] looks) with the
/// migrations up to `last_version` (`20261121000004`) applied: the schema of
/// an earlier release, to fill with its rows before starting the app on it.
pub fn database_migrated_up_to(
    dir: &tempfile::TempDir,
    last_version: &str,
) -> diesel::sqlite::SqliteConnection {
    use diesel::Connection;
    use diesel_migrations::MigrationHarness;

    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let path = data.join("harmony.db");
    let mut conn =
        diesel::sqlite::SqliteConnection::establish(&path.display().to_string()).unwrap();
    // `pending_migrations` also creates diesel's bookkeeping table.
    let pending = conn.pending_migrations(harmony::db::MIGRATIONS).unwrap();
    for migration in &pending {
        if migration.name().version().to_string().as_str() <= last_version {
            conn.run_migration(migration.as_ref()).unwrap();
        }
    }
    conn
}
