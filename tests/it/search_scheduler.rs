//! The search scheduler against the fake slskd: the real lifecycle (create, poll, read,
//! delete), one creation at a time, `SEARCH_MAX_CONCURRENT` searches running, the search
//! budget, people before background work, 429s waited out, failures confined to their own
//! request, shutdown (slskd-api.md §1.4, architecture.md "Integrations").

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Actor;
use harmony::actors::registry::{ConnectionState, GetStatus, WorkerRegistry};
use harmony::actors::search_scheduler::{SearchError, SearchHandle, SearchResults};
use harmony::config::{Config, SharedConfig};
use harmony::integrations::slskd::SlskdError;
use harmony::lifecycle::Lifecycle;
use harmony::metrics::Metrics;
use harmony_testkit::fake_slskd::{FakeOptions, FakeSlskd, SharedFile, Version};

const FLAC: &str = r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac";
const LOCKED: &str = r"@@abcde\Private\Daft Punk - One More Time.mp3";
const MP3: &str = r"@@x\Daft Punk - One More Time.mp3";
const QUERY: &str = "daft punk one more time";

struct Setup {
    fake: FakeSlskd,
    config: SharedConfig,
    metrics: Arc<Metrics>,
    searches: SearchHandle,
    _dir: tempfile::TempDir,
}

fn config(dir: &tempfile::TempDir, slskd_url: &str, extra: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = [
        (
            "HARMONY_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("SLSKD_URL", slskd_url.to_string()),
        ("SEARCH_TIMEOUT_MS", "150".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let raw = harmony::config::load(|k| env.get(k).cloned()).unwrap();
    Config::from_raw(&raw).unwrap()
}

async fn setup(options: FakeOptions, extra: &[(&str, &str)]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlskd::start(options, dir.path().join("slskd")).await;
    share_fixtures(&fake);
    let config = SharedConfig::new(config(&dir, &fake.url, extra));
    let metrics = Arc::new(Metrics::default());
    let searches = SearchHandle::start(config.clone(), Arc::clone(&metrics), None);
    Setup {
        fake,
        config,
        metrics,
        searches,
        _dir: dir,
    }
}

/// A FLAC (with a locked file beside it) and an MP3 from a busy peer.
fn share_fixtures(fake: &FakeSlskd) {
    fake.share_file(
        "daftfan",
        SharedFile {
            bit_depth: Some(16),
            sample_rate: Some(44100),
            length: Some(320),
            ..SharedFile::new(FLAC, 35_651_584)
        },
    );
    fake.share_file(
        "daftfan",
        SharedFile {
            bit_rate: Some(320),
            locked: true,
            ..SharedFile::new(LOCKED, 7_000_000)
        },
    );
    fake.share_file(
        "mp3peer",
        SharedFile {
            bit_rate: Some(320),
            length: Some(321),
            ..SharedFile::new(MP3, 7_340_032)
        },
    );
    fake.set_peer("mp3peer", false, 12, 80_000);
}

async fn search_all(searches: &SearchHandle, n: usize) -> Vec<Result<SearchResults, SearchError>> {
    let calls = (0..n).map(|i| {
        let searches = searches.clone();
        async move { searches.search(format!("{QUERY} {i}0")).await }
    });
    futures_util::future::join_all(calls).await
}

/// Arrival instants of the searches slskd created.
fn arrivals(fake: &FakeSlskd) -> Vec<Instant> {
    let mut at: Vec<Instant> = (fake.search_creations().iter())
        .filter(|c| c.status == 200)
        .map(|c| c.arrived)
        .collect();
    at.sort();
    at
}

async fn eventually(within: Duration, what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        actix_rt::time::sleep(Duration::from_millis(10)).await;
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_search_follows_slskds_lifecycle() {
    let options = FakeOptions {
        api_key: Some("slskd-key".into()),
        ..FakeOptions::default()
    };
    let s = setup(options, &[("SLSKD_API_KEY", "slskd-key")]).await;
    let results = s.searches.search(QUERY.to_string()).await.unwrap();

    assert_eq!(results.text, QUERY);
    assert_eq!(results.state, "Completed, TimedOut");
    let users: Vec<&str> = results
        .responses
        .iter()
        .map(|r| r.username.as_str())
        .collect();
    // The fake answers `[]` until a search completes: these were read afterwards.
    assert_eq!(users, ["daftfan", "mp3peer"]);
    assert_eq!(results.responses[0].locked_files.len(), 1);
    let candidates = results.candidates();
    assert_eq!(candidates.len(), 2, "locked files are not candidates");
    assert!(candidates.iter().all(|c| c.filename != LOCKED && !c.locked));
    let flac = &candidates[0];
    assert_eq!(
        (flac.username.as_str(), flac.filename.as_str()),
        ("daftfan", FLAC)
    );
    assert_eq!(
        (flac.size, flac.bitrate, flac.length),
        (Some(35_651_584), None, Some(320))
    );
    assert_eq!((flac.sample_rate, flac.bit_depth), (Some(44100), Some(16)));
    assert_eq!(flac.extension.as_deref(), Some("flac"));
    let mp3 = &candidates[1];
    assert_eq!(
        (mp3.bitrate, mp3.has_free_upload_slot),
        (Some(320), Some(false))
    );
    assert_eq!(
        (mp3.queue_length, mp3.upload_speed),
        (Some(12), Some(80_000))
    );

    // Created with our id and the configured timeout, polled, read, deleted.
    let created = s.fake.search_creations();
    assert_eq!(created.len(), 1);
    assert_eq!(
        (created[0].id.as_str(), created[0].text.as_str()),
        (results.search_id.as_str(), QUERY)
    );
    assert_eq!(s.fake.deleted_searches(), vec![results.search_id.clone()]);
    assert!(s.fake.stored_searches().is_empty());
    assert!(s.fake.search_polls() >= 1);
    let log = s.fake.requests();
    let post: serde_json::Value = serde_json::from_str(&log[0].body).unwrap();
    assert_eq!(post["id"], results.search_id.as_str());
    assert_eq!(
        (post["searchText"].as_str(), post["searchTimeout"].as_u64()),
        (Some(QUERY), Some(150))
    );
    assert_eq!(post["filterResponses"], true);
    let one = format!("/api/v0/searches/{}", results.search_id);
    let calls: Vec<(String, String)> = log
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .filter(|(m, p)| !(m == "GET" && *p == one))
        .collect();
    let expected = [
        ("POST", "/api/v0/searches".to_string()),
        ("GET", format!("{one}/responses")),
        ("DELETE", one.clone()),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(m, p)| (m.to_string(), p.clone()))
        .collect();
    assert_eq!(calls, expected);
    assert!(log
        .iter()
        .all(|r| r.api_key.as_deref() == Some("slskd-key") && r.status < 300));
    assert_eq!(s.metrics.searches(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn concurrent_callers_never_overlap_creations() {
    let options = FakeOptions {
        version: Version::V0_24,
        search_create_latency: Duration::from_millis(80),
        ..FakeOptions::default()
    };
    let s = setup(options, &[("SEARCH_TIMEOUT_MS", "100")]).await;
    let results = search_all(&s.searches, 5).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(s.fake.max_concurrent_creations(), 1);
    let statuses: Vec<u16> = s.fake.search_creations().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [200; 5], "no 429: one creation at a time");
    assert_eq!(s.fake.deleted_searches().len(), 5);
    assert!(s.fake.stored_searches().is_empty());
    assert_eq!(s.metrics.searches(), 5);
    // Polling does not hold up creations: the first search is polled while later ones are
    // being created.
    let log = s.fake.requests();
    let posts: Vec<usize> = (0..log.len())
        .filter(|&i| log[i].method == "POST")
        .collect();
    let polled_between = log[posts[0]..posts[4]]
        .iter()
        .any(|r| r.method == "GET" && r.path.starts_with("/api/v0/searches/"));
    assert!(
        polled_between,
        "no poll between the first and the last creation"
    );
    // FIFO: created in the order asked.
    let texts: Vec<String> = s
        .fake
        .search_creations()
        .into_iter()
        .map(|c| c.text)
        .collect();
    let asked: Vec<String> = (0..5).map(|i| format!("{QUERY} {i}0")).collect();
    assert_eq!(texts, asked);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn the_budget_holds_in_every_window() {
    let window = Duration::from_millis(800);
    let s = setup(
        FakeOptions::default(),
        &[
            ("SEARCH_MAX_PER_WINDOW", "3"),
            ("SEARCH_WINDOW_SEC", "0.8"),
            ("SEARCH_TIMEOUT_MS", "100"),
        ],
    )
    .await;
    let started = Instant::now();
    let results = search_all(&s.searches, 7).await;
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let at = arrivals(&s.fake);
    assert_eq!(at.len(), 7);
    for i in 0..at.len() - 3 {
        assert!(
            at[i + 3] - at[i] >= window,
            "4 creations within {:?}",
            at[i + 3] - at[i]
        );
    }
    assert!(at[6] - at[0] >= 2 * window);
    assert!(took >= 2 * window, "took {took:?}");
    assert_eq!(s.fake.deleted_searches().len(), 7);

    // The live configuration applies to the next search: one per window now.
    let dir = tempfile::tempdir().unwrap();
    s.config.replace(config(
        &dir,
        &s.fake.url,
        &[
            ("SEARCH_MAX_PER_WINDOW", "1"),
            ("SEARCH_WINDOW_SEC", "0.8"),
            ("SEARCH_TIMEOUT_MS", "100"),
        ],
    ));
    let results = search_all(&s.searches, 3).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let at = arrivals(&s.fake);
    assert_eq!(at.len(), 10);
    for pair in at[6..].windows(2) {
        assert!(pair[1] - pair[0] >= window, "{:?} apart", pair[1] - pair[0]);
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_429_is_waited_out() {
    // Three 429s with Retry-After: 1 s: two waited out inside the client, the third handed
    // back to the scheduler, which waits and creates again.
    let s = setup(FakeOptions::default(), &[]).await;
    s.fake.fail_next(3, 429, Some(1));
    let started = Instant::now();
    let results = s.searches.search(QUERY.to_string()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(3));
    assert_eq!(results.responses.len(), 2);
    let statuses: Vec<(String, u16)> = (s.fake.requests().iter().take(4))
        .map(|r| (r.method.clone(), r.status))
        .collect();
    let post = |status| ("POST".to_string(), status);
    assert_eq!(statuses, [post(429), post(429), post(429), post(200)]);
    assert_eq!(s.fake.search_creations().len(), 1);
    assert_eq!(s.metrics.searches(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn another_clients_search_in_progress_is_waited_for() {
    // slskd 0.24 answers 429 while another client's `POST searches` is being processed.
    let options = FakeOptions {
        version: Version::V0_24,
        search_create_latency: Duration::from_millis(1000),
        ..FakeOptions::default()
    };
    let s = setup(options, &[]).await;
    let url = format!("{}/api/v0/searches", s.fake.url);
    let other = async {
        awc::Client::default()
            .post(url)
            .send_json(&serde_json::json!({"searchText": "someone else"}))
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let ours = async {
        eventually(Duration::from_secs(5), "the other search arrives", || {
            !s.fake.search_creations().is_empty()
        })
        .await;
        s.searches.search(QUERY.to_string()).await
    };
    let (other, ours) = futures_util::future::join(other, ours).await;
    assert_eq!(other, 200);
    assert_eq!(ours.unwrap().responses.len(), 2);
    let statuses: Vec<u16> = s.fake.search_creations().iter().map(|c| c.status).collect();
    assert_eq!(statuses.first(), Some(&200));
    assert_eq!(statuses.last(), Some(&200));
    assert!(statuses.contains(&429), "{statuses:?}");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_failed_search_fails_alone() {
    let s = setup(FakeOptions::default(), &[]).await;
    // Not logged in to Soulseek: 409 for that search; the next one queued works.
    s.fake.fail_next(1, 409, None);
    let both = futures_util::future::join(
        s.searches.search(QUERY.to_string()),
        s.searches.search(QUERY.to_string()),
    )
    .await;
    assert!(
        matches!(
            &both.0,
            Err(SearchError::Slskd(SlskdError::Status { status: 409, .. }))
        ),
        "{:?}",
        both.0
    );
    assert_eq!(both.1.unwrap().responses.len(), 2);

    s.fake.set_connected(false);
    let refused = s.searches.search(QUERY.to_string()).await;
    match refused {
        Err(SearchError::Slskd(SlskdError::Status {
            status: 409,
            message,
        })) => {
            assert!(
                message.starts_with("The server connection must be connected"),
                "{message}"
            )
        }
        other => panic!("expected a 409, got {other:?}"),
    }
    s.fake.set_connected(true);
    assert!(s.searches.search(QUERY.to_string()).await.is_ok());

    // A text slskd refuses is a bad query, not a failure of the service.
    for text in ["   ", "-live -remix"] {
        let bad = s.searches.search(text.to_string()).await;
        assert!(
            matches!(bad, Err(SearchError::BadQuery(_))),
            "{text:?}: {bad:?}"
        );
    }
    // Only created searches are counted and deleted; refused ones never existed.
    assert_eq!(s.metrics.searches(), 2);
    assert_eq!(s.fake.deleted_searches().len(), 2);

    // A 5xx on creation is not repeated (the search may exist): it fails that request.
    s.fake.fail_next(1, 500, None);
    let failed = s.searches.search(QUERY.to_string()).await;
    assert!(
        matches!(
            failed,
            Err(SearchError::Slskd(SlskdError::Status { status: 500, .. }))
        ),
        "{failed:?}"
    );
    let posts = s
        .fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 7);
    assert!(s.searches.search(QUERY.to_string()).await.is_ok());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_caller_that_gives_up_stops_and_deletes_its_search() {
    let s = setup(FakeOptions::default(), &[("SEARCH_TIMEOUT_MS", "5000")]).await;
    s.fake.set_response_delay("mp3peer", Duration::from_secs(3));
    let gave_up = actix_rt::time::timeout(
        Duration::from_millis(300),
        s.searches.search(QUERY.to_string()),
    )
    .await;
    assert!(gave_up.is_err());
    eventually(Duration::from_secs(5), "the search is deleted", || {
        s.fake.deleted_searches().len() == 1
    })
    .await;
    let stopped = s.fake.requests().iter().any(|r| r.method == "PUT");
    assert!(stopped, "the running search was stopped first");
    assert!(s.fake.stored_searches().is_empty());
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn an_unconfigured_slskd_fails_at_once_and_config_is_live() {
    let dir = tempfile::tempdir().unwrap();
    let db = harmony::db::Db::open(&dir.path().join("h.db")).unwrap();
    let registry = WorkerRegistry::new(
        &[],
        false,
        Duration::from_secs(60),
        (ConnectionState::Ok, ConnectionState::Ok),
        Lifecycle::without_workers(db),
    )
    .start();
    let config = SharedConfig::new(config(&dir, "", &[]));
    let metrics = Arc::new(Metrics::default());
    let searches =
        SearchHandle::start(config.clone(), Arc::clone(&metrics), Some(registry.clone()));

    let started = Instant::now();
    let result = searches.search(QUERY.to_string()).await;
    assert_eq!(result, Err(SearchError::Slskd(SlskdError::Unconfigured)));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(
        registry.send(GetStatus).await.unwrap().slskd,
        ConnectionState::Unconfigured
    );

    // A new SLSKD_URL applies to the next search.
    let fake = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd")).await;
    share_fixtures(&fake);
    config.replace(self::config(&dir, &fake.url, &[]));
    let results = searches.search(QUERY.to_string()).await.unwrap();
    assert_eq!(results.responses.len(), 2);
    assert_eq!(
        registry.send(GetStatus).await.unwrap().slskd,
        ConnectionState::Ok
    );
    // Only the search slskd created counts.
    assert_eq!(metrics.searches(), 1);

    // slskd gone: the search fails as unreachable, and the registry says so.
    // (A keep-alive connection may still carry its creation, so the count is not checked here.)
    fake.pause().await;
    let down = searches.search(QUERY.to_string()).await;
    assert!(
        matches!(
            down,
            Err(SearchError::Slskd(
                SlskdError::NotConnected(_) | SlskdError::Network(_)
            ))
        ),
        "{down:?}"
    );
    assert_eq!(
        registry.send(GetStatus).await.unwrap().slskd,
        ConnectionState::Unreachable
    );
}

/// A local port nothing listens on: connections are refused.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn at_most_search_max_concurrent_searches_run() {
    for (max, expected) in [("1", 1), ("2", 2)] {
        let s = setup(
            FakeOptions::default(),
            &[("SEARCH_MAX_CONCURRENT", max), ("SEARCH_TIMEOUT_MS", "100")],
        )
        .await;
        let results = search_all(&s.searches, 6).await;
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(
            s.fake.max_running_searches(),
            expected,
            "SEARCH_MAX_CONCURRENT={max}"
        );
        assert_eq!(s.fake.max_concurrent_creations(), 1);
        assert_eq!(s.fake.deleted_searches().len(), 6);
        assert!(s.fake.stored_searches().is_empty());
    }
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_person_goes_before_background_searches() {
    let s = setup(
        FakeOptions::default(),
        &[("SEARCH_MAX_CONCURRENT", "1"), ("SEARCH_TIMEOUT_MS", "100")],
    )
    .await;
    let background = {
        let searches = s.searches.clone();
        actix_rt::spawn(async move { search_all(&searches, 5).await })
    };
    eventually(
        Duration::from_secs(5),
        "the first background search",
        || !s.fake.search_creations().is_empty(),
    )
    .await;
    let person = s.searches.search_now(QUERY.to_string()).await;
    assert_eq!(person.unwrap().responses.len(), 2);
    let background = background.await.unwrap();
    assert!(background.iter().all(Result::is_ok), "{background:?}");
    let texts: Vec<String> = (s.fake.search_creations().into_iter())
        .map(|c| c.text)
        .collect();
    let mut expected: Vec<String> = (0..5).map(|i| format!("{QUERY} {i}0")).collect();
    expected.insert(1, QUERY.to_string());
    assert_eq!(texts, expected, "the person's search is created next");
    assert_eq!(s.fake.max_running_searches(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_person_is_told_busy_rather_than_kept_waiting() {
    let s = setup(
        FakeOptions::default(),
        &[("SEARCH_MAX_PER_WINDOW", "1"), ("SEARCH_WINDOW_SEC", "600")],
    )
    .await;
    assert!(s.searches.search(QUERY.to_string()).await.is_ok());
    // The budget is used for ten minutes: waiting cannot answer the person in time.
    let busy = s.searches.search_now(QUERY.to_string()).await;
    assert_eq!(busy, Err(SearchError::Busy));
    assert_eq!(s.fake.search_creations().len(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_refused_connection_uses_no_budget() {
    let dir = tempfile::tempdir().unwrap();
    let tight = [("SEARCH_MAX_PER_WINDOW", "1"), ("SEARCH_WINDOW_SEC", "600")];
    let config = SharedConfig::new(config(&dir, &closed_port_url(), &tight));
    let metrics = Arc::new(Metrics::default());
    let searches = SearchHandle::start(config.clone(), Arc::clone(&metrics), None);
    for _ in 0..3 {
        let refused = searches.search(QUERY.to_string()).await;
        assert!(
            matches!(
                refused,
                Err(SearchError::Slskd(SlskdError::NotConnected(_)))
            ),
            "{refused:?}"
        );
        let refused = searches.search_now(QUERY.to_string()).await;
        assert!(
            matches!(
                refused,
                Err(SearchError::Slskd(SlskdError::NotConnected(_)))
            ),
            "{refused:?}"
        );
    }
    assert_eq!(metrics.searches(), 0);

    // slskd back: the whole budget (one search) is still there.
    let fake = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd")).await;
    share_fixtures(&fake);
    config.replace(self::config(&dir, &fake.url, &tight));
    let results = searches.search_now(QUERY.to_string()).await;
    assert_eq!(results.unwrap().responses.len(), 2);
    assert_eq!(metrics.searches(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_shutdown_answers_waiting_and_running_searches() {
    let s = setup(
        FakeOptions::default(),
        &[
            ("SEARCH_MAX_PER_WINDOW", "1"),
            ("SEARCH_WINDOW_SEC", "600"),
            ("SEARCH_TIMEOUT_MS", "5000"),
        ],
    )
    .await;
    // The first search runs (a peer answers late); the others wait for the budget.
    s.fake.set_response_delay("mp3peer", Duration::from_secs(3));
    let waiting = {
        let searches = s.searches.clone();
        actix_rt::spawn(async move { search_all(&searches, 4).await })
    };
    eventually(Duration::from_secs(5), "the first search runs", || {
        s.fake.stored_searches().len() == 1
    })
    .await;
    s.searches.shutdown();
    let answered = actix_rt::time::timeout(Duration::from_secs(10), waiting).await;
    let results = answered.expect("every caller answered").unwrap();
    assert!(
        results.iter().all(|r| *r == Err(SearchError::Stopped)),
        "{results:?}"
    );
    eventually(
        Duration::from_secs(5),
        "the running search is deleted",
        || s.fake.deleted_searches().len() == 1,
    )
    .await;
    assert!(s.fake.requests().iter().any(|r| r.method == "PUT"));
    assert_eq!(s.fake.search_creations().len(), 1);
    // New requests are refused.
    let late = s.searches.search(QUERY.to_string()).await;
    assert_eq!(late, Err(SearchError::Stopped));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn a_persons_search_is_stopped_in_time_with_what_it_found() {
    // Peers keep answering, so slskd's inactivity timeout (1 s) never ends the search.
    let s = setup(FakeOptions::default(), &[("SEARCH_TIMEOUT_MS", "1000")]).await;
    for i in 1..=8u64 {
        let user = format!("peer{i}");
        s.fake.share_file(&user, SharedFile::new(FLAC, 35_651_584));
        s.fake
            .set_response_delay(&user, Duration::from_millis(700 * i));
    }
    let results = s.searches.search_now(QUERY.to_string()).await.unwrap();
    // Stopped before the answer was due: what arrived until then, not nothing.
    assert_eq!(results.state, "Completed, Cancelled");
    let peers = results
        .responses
        .iter()
        .filter(|r| r.username.starts_with("peer"))
        .count();
    assert!((1..8).contains(&peers), "{peers} peers");
    assert!(s.fake.requests().iter().any(|r| r.method == "PUT"));
    assert_eq!(s.fake.deleted_searches(), vec![results.search_id]);
    // Background work is not cut short like this.
    let results = s.searches.search(QUERY.to_string()).await.unwrap();
    assert_eq!(results.state, "Completed, TimedOut");
    assert_eq!(results.responses.len(), 2 + 8);
}
