//! The sync worker under load: one slskd poll with 10 000 active transfers,
//! and 1 000 small downloads end to end through the fake slskd.
//!
//! ```sh
//! cargo run --release --example sync_bench
//! ```
//! Figure 1 runs the poll's code path (`tracked_for_poll` → `parse_user_groups`
//! → `reconcile` → `apply_poll`) on a temporary database holding 10 000
//! submitted downloads, against a 0.23-shaped listing of 10 000 transfers.
//! Figure 2 starts Harmony in-process on a temporary directory, pointed at the
//! in-process fake slskd of the tests, posts 1 000 downloads and waits until
//! every one is `completed` with its file in `MUSIC_DIR`. Traffic goes to
//! 127.0.0.1 only and every wait is bounded.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use harmony::app::WorkerOverrides;
use harmony::db::downloads::{self, NewDownload};
use harmony::db::schema::{activity_events, download_events};
use harmony::db::Db;
use harmony::domain::downloads::artifact_status::ArtifactStatus;
use harmony::domain::downloads::reconcile::reconcile;
use harmony::domain::downloads::state::RetryPolicy;
use harmony::domain::time::{now_millis, UnixMillis};
use harmony::domain::track::Track;
use harmony::integrations::slskd::{parse_user_groups, Transfer};
use harmony::lifecycle::download_outcomes::{self, PollApplied};
use harmony::lifecycle::{downloads as download_changes, Change, Lifecycle};
use harmony_testkit::fake_slskd::{self, fmt_span, fmt_time, FakeOptions, FakeSlskd};
use serde_json::{json, Value};

// Figure 1: 100 users × 10 directories × 10 files.
const USERS: usize = 100;
const DIRS_PER_USER: usize = 10;
const FILES_PER_DIR: usize = 10;
const ACTIVE: usize = USERS * DIRS_PER_USER * FILES_PER_DIR;
/// Cycles after the first where every transfer reports new progress.
const PROGRESS_CYCLES: u32 = 7;
const UNCHANGED_CYCLES: u32 = 3;
const SPEED: f64 = 1_048_576.0;
const SETUP_CHUNKS: usize = 10;

// Figure 2.
const E2E_DOWNLOADS: usize = 1_000;
const E2E_BATCH: usize = 500;
const E2E_USERS: usize = 50;
const E2E_FILE_SIZE: u64 = 20_000;
const E2E_DEADLINE: Duration = Duration::from_secs(60);
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

#[actix_rt::main]
async fn main() {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let machine = format!("{cpus} CPUs (nproc), {}, {profile} build", cpu_model());
    println!("machine: {machine}\n");

    println!("== Figure 1: one poll cycle with {ACTIVE} active transfers ==");
    let poll = poll_cycles().await;

    println!("\n== Figure 2: {E2E_DOWNLOADS} downloads of {E2E_FILE_SIZE} bytes through the fake slskd ==");
    let options = FakeOptions::default();
    println!(
        "fake slskd: tick {} ms, {} bytes/tick, enqueue latency {} ms; a {E2E_FILE_SIZE}-byte \
         transfer needs 3 ticks (Requested → Initializing → InProgress → Succeeded) ≈ {} ms",
        options.tick.as_millis(),
        options.bytes_per_tick,
        options.enqueue_latency.as_millis(),
        3 * options.tick.as_millis()
    );
    let mut runs = Vec::new();
    for (poll_sec, concurrency) in [("2", 2), ("0.25", 2), ("2", 8), ("0.25", 8)] {
        runs.push(end_to_end(poll_sec, concurrency).await);
    }

    println!("\n== Summary (markdown) ==\n");
    print_summary(&machine, &poll, &runs);
}

// ---------------------------------------------------------------- Figure 1

/// One file of the fixture, and its transfer in slskd.
struct Active {
    username: String,
    directory: String,
    filename: String,
    guid: String,
    size: i64,
    track: Track,
}

fn active_fixture() -> Vec<Active> {
    let mut rows = Vec::with_capacity(ACTIVE);
    for u in 0..USERS {
        for d in 0..DIRS_PER_USER {
            let artist = format!("Artist {u:03}");
            let album = format!("Album {u:03}-{d}");
            let directory = format!("@@share{u:03}\\Music\\{artist}\\{album}");
            for f in 0..FILES_PER_DIR {
                let title = format!("Song {f}");
                let n = rows.len() as i64;
                rows.push(Active {
                    username: format!("peer{u:03}"),
                    filename: format!("{directory}\\{:02} - {title}.flac", f + 1),
                    directory: directory.clone(),
                    guid: guid(),
                    size: 20_000_000 + n * 997,
                    track: Track {
                        artist: Some(artist.clone()),
                        album: Some(album.clone()),
                        title: Some(title),
                        track_number: Some(f as u32 + 1),
                        ..Track::default()
                    },
                });
            }
        }
    }
    rows
}

fn guid() -> String {
    let h = format!("{:032x}", fastrand::u128(..));
    [&h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]].join("-")
}

/// `GET /api/v0/transfers/downloads` as slskd 0.23 returns it while every
/// transfer is in progress; the progress differs for every `cycle`.
fn listing(rows: &[Active], cycle: u32, requested_at: UnixMillis) -> Vec<u8> {
    let at = |offset_ms: i64| {
        fmt_time(DateTime::<Utc>::from_timestamp_millis(requested_at + offset_ms).unwrap())
    };
    let (requested, enqueued, started) = (at(0), at(800), at(1_900));
    let mut index = 0usize;
    let mut transfer = |r: &Active| {
        let percent = 1.0 + 10.0 * f64::from(cycle) + (index % 20) as f64 * 0.25;
        index += 1;
        let bytes = (r.size as f64 * percent / 100.0) as i64;
        let remaining = r.size - bytes;
        json!({
            "id": r.guid, "username": r.username, "direction": "Download",
            "filename": r.filename, "size": r.size, "startOffset": 0,
            "state": "InProgress", "stateDescription": "InProgress",
            "requestedAt": requested, "enqueuedAt": enqueued, "startedAt": started,
            "bytesTransferred": bytes, "averageSpeed": SPEED, "bytesRemaining": remaining,
            "elapsedTime": "00:00:17.0000000", "percentComplete": percent,
            "remainingTime": fmt_span(remaining as f64 / SPEED),
        })
    };
    let groups: Vec<Value> = rows
        .chunks(DIRS_PER_USER * FILES_PER_DIR)
        .map(|user| {
            let dirs: Vec<Value> = user
                .chunks(FILES_PER_DIR)
                .map(|files| {
                    let files: Vec<Value> = files.iter().map(&mut transfer).collect();
                    json!({"directory": user[0].directory, "fileCount": files.len(), "files": files})
                })
                .collect();
            json!({"username": user[0].username, "directories": dirs})
        })
        .collect();
    serde_json::to_vec(&groups).unwrap()
}

#[derive(Clone, Copy, Default)]
struct Cycle {
    read: Duration,
    parse: Duration,
    reconcile: Duration,
    commit: Duration,
    tracked: usize,
    tracked_by_id: usize,
    changes: usize,
    applied: PollApplied,
}

impl Cycle {
    fn total(&self) -> Duration {
        self.read + self.parse + self.reconcile + self.commit
    }

    fn line(&self) -> String {
        format!(
            "{:7.1} ms = read {:5.1} + parse {:5.1} + reconcile {:5.1} + commit {:6.1}  \
             ({} tracked, {} by id, {} changes, {} rows updated)",
            ms(self.total()),
            ms(self.read),
            ms(self.parse),
            ms(self.reconcile),
            ms(self.commit),
            self.tracked,
            self.tracked_by_id,
            self.changes,
            self.applied.updated
        )
    }
}

/// Exactly what `sync::poll` does once slskd answered: read the tracked
/// downloads (with the active count), parse, correlate, apply in one write.
async fn cycle(db: &Db, body: &[u8], policy: RetryPolicy) -> Cycle {
    let t = Instant::now();
    let (tracked, _active) = db
        .read(|c| Ok((downloads::tracked_for_poll(c)?, downloads::count_active(c)?)))
        .await
        .unwrap();
    let read = t.elapsed();

    let t = Instant::now();
    let transfers = parse_user_groups(body).unwrap();
    let parse = t.elapsed();

    let t = Instant::now();
    let reports: Vec<_> = transfers.iter().map(Transfer::report).collect();
    let out = reconcile(&tracked, &reports);
    let reconcile_time = t.elapsed();
    assert!(out.unknown_states.is_empty());

    let changes = out.changes;
    let n_changes = changes.len();
    let t = Instant::now();
    let applied = if changes.is_empty() {
        PollApplied::default()
    } else {
        // The whole change, as the sync worker commits it: rows, timeline,
        // activity, then the events on the broadcast.
        Lifecycle::without_workers(db.clone())
            .change(move |c| {
                download_outcomes::apply_poll(c, &changes, &policy, &mut fastrand::f64)
            })
            .await
            .unwrap()
    };
    Cycle {
        read,
        parse,
        reconcile: reconcile_time,
        commit: t.elapsed(),
        tracked: tracked.len(),
        tracked_by_id: tracked.iter().filter(|d| d.slskd_id.is_some()).count(),
        changes: n_changes,
        applied,
    }
}

/// Rows in `download_events` and `activity_events`.
async fn event_rows(db: &Db) -> (i64, i64) {
    db.read(|c| {
        let events: i64 = download_events::table.count().get_result(c)?;
        let activity: i64 = activity_events::table.count().get_result(c)?;
        Ok((events, activity))
    })
    .await
    .unwrap()
}

struct PollFigures {
    listing_mb: f64,
    setup: Vec<Duration>,
    first: Cycle,
    first_events: i64,
    first_activity: i64,
    progress: Vec<Cycle>,
    unchanged: Vec<Cycle>,
}

async fn poll_cycles() -> PollFigures {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("harmony.db")).unwrap();
    let rows = std::sync::Arc::new(active_fixture());
    let policy = RetryPolicy {
        max_attempts: 10,
        base: Duration::from_secs(60),
        jitter: 0.2,
    };

    // 10 000 downloads handed to slskd: half with the transfer id the
    // enqueue answer gave (0.24+), half without (0.23: correlated by file).
    // In chunks, to show how the cost of a create grows with the table.
    let submitted_at = now_millis();
    let mut chunks = Vec::new();
    for chunk in 0..SETUP_CHUNKS {
        let t = Instant::now();
        let fixture = rows.clone();
        db.write(move |c| {
            let per = ACTIVE / SETUP_CHUNKS;
            for (i, r) in fixture.iter().enumerate().skip(chunk * per).take(per) {
                let new = NewDownload {
                    username: &r.username,
                    filename: &r.filename,
                    size: r.size,
                    priority: 0,
                    track: &r.track,
                    wanted_id: None,
                    artwork_status: ArtifactStatus::Disabled,
                    lyrics_status: ArtifactStatus::Disabled,
                };
                let change = &mut Change::new(c, submitted_at);
                let (row, created) = download_changes::create_or_get_active(change, &new)?;
                assert!(created);
                download_changes::begin_submission(change, row.id)?;
                if i % 2 == 0 {
                    download_changes::record_enqueued(change, row.id, Some(&r.guid), false)?;
                }
            }
            Ok(())
        })
        .await
        .unwrap();
        chunks.push(t.elapsed());
    }
    let setup: Duration = chunks.iter().sum();
    let chunk_ms: Vec<String> = chunks.iter().map(|d| format!("{:.0}", ms(*d))).collect();
    println!(
        "setup (not a poll): {ACTIVE} downloads created + submitted in {SETUP_CHUNKS} \
         transactions of {}: {:.0} ms; per transaction [{}] ms",
        ACTIVE / SETUP_CHUNKS,
        ms(setup),
        chunk_ms.join(", ")
    );

    let requested_at = submitted_at + 1_500;
    let body = listing(&rows, 0, requested_at);
    let listing_mb = body.len() as f64 / 1e6;
    println!(
        "listing: {USERS} users × {DIRS_PER_USER} directories × {FILES_PER_DIR} files = \
         {ACTIVE} transfers, {listing_mb:.2} MB of JSON"
    );

    let (events_before, activity_before) = event_rows(&db).await;
    let first = cycle(&db, &body, policy).await;
    let (events_after, activity_after) = event_rows(&db).await;
    assert_eq!(first.changes, ACTIVE, "every transfer must be correlated");
    assert_eq!(first.applied.updated, ACTIVE);
    assert_eq!(first.tracked_by_id, ACTIVE / 2);
    let first_events = events_after - events_before;
    let first_activity = activity_after - activity_before;
    println!(
        "first cycle (queued → downloading; {} by id, {} by user+file; \
         +{first_events} download_events, +{first_activity} activity_events):",
        first.tracked_by_id,
        first.tracked - first.tracked_by_id
    );
    println!("  {}", first.line());

    println!("progress cycles (every transfer changed, every row updated, no events):");
    let mut progress = Vec::new();
    for c in 1..=PROGRESS_CYCLES {
        let body = listing(&rows, c, requested_at);
        let run = cycle(&db, &body, policy).await;
        assert_eq!(run.changes, ACTIVE);
        assert_eq!(run.applied.updated, ACTIVE);
        assert_eq!(run.tracked_by_id, ACTIVE);
        println!("  {}", run.line());
        progress.push(run);
    }

    println!("unchanged cycles (same listing again: no write):");
    let body = listing(&rows, PROGRESS_CYCLES, requested_at);
    let mut unchanged = Vec::new();
    for _ in 0..UNCHANGED_CYCLES {
        let run = cycle(&db, &body, policy).await;
        assert_eq!(run.changes, 0);
        println!("  {}", run.line());
        unchanged.push(run);
    }

    let totals = stats(progress.iter().map(Cycle::total));
    println!(
        "progress cycle total: min {:.1} / median {:.1} / max {:.1} ms (target < 100 ms)",
        totals.0, totals.1, totals.2
    );
    PollFigures {
        listing_mb,
        setup: chunks,
        first,
        first_events,
        first_activity,
        progress,
        unchanged,
    }
}

// ---------------------------------------------------------------- Figure 2

#[derive(Default)]
struct Requests {
    enqueue: usize,
    pre_check: usize,
    pre_check_404: usize,
    listing: usize,
    probe: usize,
    other: usize,
    not_2xx: usize,
}

struct E2e {
    poll: String,
    concurrency: usize,
    posted: Duration,
    last_enqueue: Option<Duration>,
    fake_done: Option<Duration>,
    first_completed: Option<Duration>,
    done: Option<Duration>,
    completed: i64,
    requests: Requests,
    in_music: usize,
    left_in_downloads: usize,
    not_completed: Vec<(String, i64)>,
}

impl E2e {
    fn wall(&self) -> Duration {
        self.done.unwrap_or(E2E_DEADLINE)
    }
}

fn e2e_items(batch: usize) -> Vec<Value> {
    (batch * E2E_BATCH..(batch + 1) * E2E_BATCH)
        .map(|i| {
            let (u, n) = (i % E2E_USERS, i / E2E_USERS);
            let (album, track) = (n / 10, n % 10 + 1);
            let artist = format!("Bench Artist {u:02}");
            let album = format!("Bench Album {u:02}-{album}");
            let title = format!("Bench Song {i:04}");
            json!({
                "username": format!("bench peer {u:02}"),
                "filename": format!("@@bench\\Music\\{artist}\\{album}\\{track:02} - {title}.mp3"),
                "size": E2E_FILE_SIZE,
                "track": {"artist": artist, "album": album, "title": title, "track_number": track},
            })
        })
        .collect()
}

async fn end_to_end(poll: &str, concurrency: usize) -> E2e {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd-downloads")).await;
    let music = dir.path().join("music");
    let env: HashMap<String, String> = [
        ("HARMONY_BIND", "127.0.0.1:0".to_string()),
        (
            "HARMONY_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("HARMONY_LOG_LEVEL", "warn".to_string()),
        ("SHUTDOWN_GRACE_SEC", "3".to_string()),
        ("SLSKD_URL", fake.url.clone()),
        (
            "SLSKD_DOWNLOADS_DIR",
            fake.downloads_dir.display().to_string(),
        ),
        ("MUSIC_DIR", music.display().to_string()),
        ("SYNC_POLL_INTERVAL_SEC", poll.to_string()),
        ("SYNC_WORKER_CONCURRENCY", concurrency.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let raw = harmony::config::load(|k| env.get(k).cloned()).unwrap();
    let (config, raw, db) = harmony::app::prepare(raw).unwrap();
    harmony::telemetry::init(&config);
    let app = harmony::app::start(config, raw, db, WorkerOverrides::default())
        .await
        .unwrap();
    let base = format!("http://{}", app.addr);
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();

    let started = Instant::now();
    for batch in 0..E2E_DOWNLOADS / E2E_BATCH {
        let body = json!({ "items": e2e_items(batch) });
        let res = client
            .post(format!("{base}/api/v1/downloads"))
            .send_json(&body)
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 202, "POST /api/v1/downloads");
    }
    let posted = started.elapsed();

    let (mut last_enqueue, mut fake_done, mut first_completed, mut done) = (None, None, None, None);
    let mut completed = 0;
    while started.elapsed() < E2E_DEADLINE {
        let now = started.elapsed();
        if last_enqueue.is_none() && classify(&fake.requests()).enqueue >= E2E_DOWNLOADS {
            last_enqueue = Some(now);
        }
        if last_enqueue.is_some() && fake_done.is_none() {
            let succeeded = fake
                .transfers()
                .iter()
                .filter(|t| t["state"] == "Completed, Succeeded")
                .count();
            if succeeded >= E2E_DOWNLOADS {
                fake_done = Some(now);
            }
        }
        completed = count(&client, &base, "completed").await;
        if completed > 0 && first_completed.is_none() {
            first_completed = Some(started.elapsed());
        }
        if completed >= E2E_DOWNLOADS as i64 {
            done = Some(started.elapsed());
            break;
        }
        actix_rt::time::sleep(SAMPLE_EVERY).await;
    }

    let mut not_completed = Vec::new();
    if done.is_none() {
        for state in [
            "queued",
            "downloading",
            "failed",
            "dead_letter",
            "cancelled",
        ] {
            let n = count(&client, &base, state).await;
            if n > 0 {
                not_completed.push((state.to_string(), n));
            }
        }
    }
    let requests = classify(&fake.requests());
    let late = app.shutdown().await;
    assert!(late.is_empty(), "workers did not stop: {late:?}");
    // Counted once the workers have drained: the metadata worker writes tags
    // through a temporary sibling file, which may exist while it runs.
    let in_music = count_files(&music);
    let left_in_downloads = count_files(&fake.downloads_dir);
    drop(fake);

    let run = E2e {
        poll: poll.to_string(),
        concurrency,
        posted,
        last_enqueue,
        fake_done,
        first_completed,
        done,
        completed,
        requests,
        in_music,
        left_in_downloads,
        not_completed,
    };
    print_run(&run);
    run
}

async fn count(client: &awc::Client, base: &str, state: &str) -> i64 {
    let mut res = client
        .get(format!("{base}/api/v1/downloads?state={state}&limit=1"))
        .send()
        .await
        .unwrap();
    let body = res.body().limit(1 << 20).await.unwrap();
    let page: Value = serde_json::from_slice(&body).unwrap();
    page["total"].as_i64().unwrap()
}

fn classify(log: &[fake_slskd::LoggedRequest]) -> Requests {
    let mut r = Requests::default();
    for req in log {
        let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
        match (req.method.as_str(), segments.as_slice()) {
            ("POST", ["api", "v0", "transfers", "downloads", _]) => r.enqueue += 1,
            ("GET", ["api", "v0", "transfers", "downloads", _]) => {
                r.pre_check += 1;
                r.pre_check_404 += usize::from(req.status == 404);
            }
            ("GET", ["api", "v0", "transfers", "downloads"]) => r.listing += 1,
            ("GET", ["api", "v0", "server"]) => r.probe += 1,
            _ => r.other += 1,
        }
        if !(200..300).contains(&req.status) {
            r.not_2xx += 1;
        }
    }
    r
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => count_files(&e.path()),
            Ok(t) if t.is_file() => 1,
            _ => 0,
        })
        .sum()
}

fn print_run(r: &E2e) {
    let opt = |d: Option<Duration>| d.map_or("—".to_string(), |d| format!("{:.2} s", secs(d)));
    println!(
        "\n-- SYNC_POLL_INTERVAL_SEC={} SYNC_WORKER_CONCURRENCY={} --",
        r.poll, r.concurrency
    );
    match r.done {
        Some(wall) => println!(
            "all {E2E_DOWNLOADS} completed in {:.2} s: {:.0} downloads/s, {:.1} ms per download",
            secs(wall),
            E2E_DOWNLOADS as f64 / secs(wall),
            ms(wall) / E2E_DOWNLOADS as f64
        ),
        None => println!(
            "NOT DONE after {} s: {} completed, others {:?}",
            E2E_DEADLINE.as_secs(),
            r.completed,
            r.not_completed
        ),
    }
    println!(
        "  2 POSTs of {E2E_BATCH} answered after {:.0} ms",
        ms(r.posted)
    );
    if let Some(last) = r.last_enqueue {
        println!(
            "  fake saw the last enqueue at {:.2} s: {:.0} submissions/s, {:.1} ms per \
             submission per worker slot (GET pre-check + POST + 4 commits)",
            secs(last),
            E2E_DOWNLOADS as f64 / secs(last),
            ms(last) * r.concurrency as f64 / E2E_DOWNLOADS as f64
        );
    }
    println!(
        "  first download completed at {}; every transfer succeeded in the fake at {}",
        opt(r.first_completed),
        opt(r.fake_done)
    );
    if let (Some(first), Some(done)) = (r.first_completed, r.done) {
        println!(
            "  first → last download completed: {:.2} s (organize runs one file at a time)",
            secs(done.saturating_sub(first))
        );
    }
    if let (Some(fake_done), Some(done)) = (r.fake_done, r.done) {
        println!(
            "  last transfer succeeded in the fake → last download completed: {:.2} s \
             (poll interval {} s, then organize)",
            secs(done.saturating_sub(fake_done)),
            r.poll
        );
    }
    let q = &r.requests;
    println!(
        "  slskd requests: {} enqueue POSTs, {} per-user GET pre-checks ({} answered 404: \
         user without transfers yet), {} listing GETs, {} probes, {} other; {} not 2xx",
        q.enqueue, q.pre_check, q.pre_check_404, q.listing, q.probe, q.other, q.not_2xx
    );
    println!(
        "  files: {} in MUSIC_DIR (expected {E2E_DOWNLOADS}), {} left in SLSKD_DOWNLOADS_DIR",
        r.in_music, r.left_in_downloads
    );
    if r.done.is_some() {
        assert_eq!(r.in_music, E2E_DOWNLOADS, "every file must be in MUSIC_DIR");
    }
}

// ---------------------------------------------------------------- Summary

fn print_summary(machine: &str, p: &PollFigures, runs: &[E2e]) {
    let (min, median, max) = stats(p.progress.iter().map(Cycle::total));
    let phase = |f: fn(&Cycle) -> Duration| stats(p.progress.iter().map(f)).1;
    let unchanged = stats(p.unchanged.iter().map(Cycle::total));
    println!("Machine: {machine}.\n");
    println!(
        "**Poll cycle, {ACTIVE} active transfers** ({:.1} MB listing; read tracked + parse + \
         reconcile + commit):\n",
        p.listing_mb
    );
    println!("| Cycle | Total | Read tracked (+ active count) | Parse | Reconcile | Commit |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| Every transfer changed (n={}), min / median / max | {min:.1} / {median:.1} / {max:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
        p.progress.len(),
        phase(|c| c.read),
        phase(|c| c.parse),
        phase(|c| c.reconcile),
        phase(|c| c.commit),
    );
    let f = &p.first;
    println!(
        "| First: {ACTIVE} queued → downloading (+{} events, +{} activity rows; half by id, half by user+file) | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
        p.first_events,
        p.first_activity,
        ms(f.total()),
        ms(f.read),
        ms(f.parse),
        ms(f.reconcile),
        ms(f.commit)
    );
    let u = stats(p.unchanged.iter().map(|c| c.read)).1;
    let up = stats(p.unchanged.iter().map(|c| c.parse)).1;
    let ur = stats(p.unchanged.iter().map(|c| c.reconcile)).1;
    println!(
        "| Nothing changed (no write), median of {} | {:.1} ms | {u:.1} ms | {up:.1} ms | {ur:.1} ms | — |",
        p.unchanged.len(),
        unchanged.1,
    );
    let (first_chunk, last_chunk) = (p.setup[0], p.setup[p.setup.len() - 1]);
    println!(
        "\n(Setup, not part of a poll: {ACTIVE} downloads created and submitted in {} \
         transactions of {} in {:.1} s; the first took {:.0} ms, the last {:.0} ms.)\n",
        p.setup.len(),
        ACTIVE / p.setup.len(),
        secs(p.setup.iter().sum()),
        ms(first_chunk),
        ms(last_chunk)
    );

    println!(
        "**End to end, {E2E_DOWNLOADS} × {} KB downloads** (POST → `completed`, file in \
         `MUSIC_DIR`; fake slskd: 20 ms ticks, no enqueue latency, ≈ 60 ms per transfer):\n",
        E2E_FILE_SIZE / 1000
    );
    println!(
        "| Poll interval | Sync concurrency | Wall time | Downloads/s | Per download | Last enqueue at | First → last completed | Fake done → all completed | slskd requests (enqueue / pre-check / listing) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in runs {
        let wall = r.wall();
        let tail = match (r.fake_done, r.done) {
            (Some(f), Some(d)) => format!("{:.2} s", secs(d.saturating_sub(f))),
            _ => "—".to_string(),
        };
        let span = match (r.first_completed, r.done) {
            (Some(f), Some(d)) => format!("{:.2} s", secs(d.saturating_sub(f))),
            _ => "—".to_string(),
        };
        let done = if r.done.is_some() {
            format!("{:.2} s", secs(wall))
        } else {
            format!("> {} s ({} done)", E2E_DEADLINE.as_secs(), r.completed)
        };
        println!(
            "| {} s | {} | {done} | {:.0} | {:.1} ms | {} | {span} | {tail} | {} / {} / {} |",
            r.poll,
            r.concurrency,
            r.completed as f64 / secs(wall),
            ms(wall) / E2E_DOWNLOADS as f64,
            r.last_enqueue
                .map_or("—".to_string(), |d| format!("{:.2} s", secs(d))),
            r.requests.enqueue,
            r.requests.pre_check,
            r.requests.listing,
        );
    }
}

// ---------------------------------------------------------------- helpers

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// (min, median, max) in milliseconds.
fn stats(samples: impl Iterator<Item = Duration>) -> (f64, f64, f64) {
    let mut v: Vec<f64> = samples.map(ms).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    (v[0], v[v.len() / 2], v[v.len() - 1])
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}
