//! A fake slskd (actix-web) that behaves like the real one; see ../shared/reference/slskd-api.md.
//!
//! It listens on 127.0.0.1 inside the test process and simulates transfers with a tick-driven
//! task. Searches (§1.4) run on the wall clock: peers' responses arrive at their delays and
//! each request first brings a search up to date (new responses, limits, inactivity timeout). It is self-contained (nothing from `harmony`), so the
//! integration tests and the examples share it as `harmony_testkit::fake_slskd`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer};
use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Version {
    /// Enqueue answers 201 with an empty body; an offline peer gives 500.
    #[default]
    V0_23,
    /// Enqueue answers 201 `{enqueued, failed}`; a third concurrent enqueue gets 429.
    V0_24,
}

#[derive(Clone, Debug)]
pub struct FakeOptions {
    pub version: Version,
    /// `Some`: every /api/v0 request needs this `X-API-Key`, else 401.
    pub api_key: Option<String>,
    /// Simulation step.
    pub tick: Duration,
    /// Transfer speed.
    pub bytes_per_tick: u64,
    /// Delay of the enqueue answer; the transfers exist as soon as the request arrives.
    pub enqueue_latency: Duration,
    /// Ticks spent in "Queued, Remotely" before "Initializing".
    pub queue_remotely_ticks: u32,
    /// Delay of the `POST searches` answer; the search starts as soon as the request arrives.
    /// In `V0_24` another `POST searches` arriving meanwhile gets 429.
    pub search_create_latency: Duration,
    /// `Retry-After` (seconds) on the 429 for a concurrent `POST searches` (V0_24).
    pub search_retry_after: Option<u64>,
    /// The n-th peer (in share order) answers a search n × this after it started, unless
    /// `set_response_delay` says otherwise.
    pub search_response_delay: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            version: Version::V0_23,
            api_key: None,
            tick: Duration::from_millis(20),
            bytes_per_tick: 1 << 20,
            enqueue_latency: Duration::ZERO,
            queue_remotely_ticks: 0,
            search_create_latency: Duration::ZERO,
            search_retry_after: None,
            search_response_delay: Duration::from_millis(3),
        }
    }
}

/// How one enqueued transfer ends.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Outcome {
    #[default]
    Succeeded,
    Errored(String),
    TimedOut,
    Rejected(String),
    Aborted,
    Cancelled,
    /// Stays "InProgress" at 50 % forever.
    Stall,
}

impl Outcome {
    /// The terminal flag and exception of a scripted failure.
    fn failure(&self) -> Option<(u32, String)> {
        match self {
            Outcome::Succeeded | Outcome::Stall => None,
            Outcome::Errored(e) => Some((ERRORED, e.clone())),
            Outcome::TimedOut => Some((TIMED_OUT, "Transfer timed out".into())),
            Outcome::Rejected(r) => Some((REJECTED, r.clone())),
            Outcome::Aborted => Some((ABORTED, "Transfer aborted".into())),
            Outcome::Cancelled => Some((CANCELLED, "Transfer cancelled".into())),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// As received, still percent-encoded: `/api/v0/transfers/downloads/dj%20h%C3%A4ns`.
    pub path: String,
    pub query: String,
    pub body: String,
    pub api_key: Option<String>,
    pub status: u16,
}

// Soulseek.NET 7.1.2 TransferStates: bit i is the i-th name.
const NAMES: &str = "Requested Queued Initializing InProgress Completed Succeeded Cancelled \
                     TimedOut Errored Rejected Aborted Locally Remotely";
const REQUESTED: u32 = 1;
const QUEUED_REMOTELY: u32 = 2 | 4096;
const INITIALIZING: u32 = 4;
const IN_PROGRESS: u32 = 8;
const COMPLETED: u32 = 16;
const SUCCEEDED: u32 = 32;
const CANCELLED: u32 = 64;
const TIMED_OUT: u32 = 128;
const ERRORED: u32 = 256;
const REJECTED: u32 = 512;
const ABORTED: u32 = 1024;

/// Like .NET's `[Flags]` `ToString()`: set names joined by ", ", lowest bit first.
pub fn state_name(flags: u32) -> String {
    flag_names(NAMES, flags)
}

fn flag_names(all: &str, flags: u32) -> String {
    let names = all
        .split_whitespace()
        .enumerate()
        .filter(|(i, _)| flags & (1 << i) != 0);
    let names: Vec<&str> = names.map(|(_, n)| n).collect();
    if names.is_empty() {
        "None".into()
    } else {
        names.join(", ")
    }
}

fn parse_state(s: &str) -> u32 {
    let bit = |n: &str| {
        NAMES
            .split_whitespace()
            .position(|f| f == n.trim())
            .map(|i| 1 << i)
    };
    s.split(',').filter_map(bit).sum()
}

type Key = (String, String);

fn key(username: &str, filename: &str) -> Key {
    (username.to_string(), filename.to_string())
}

#[derive(Default)]
struct Transfer {
    id: String,
    username: String,
    filename: String,
    size: u64,
    /// What the peer really has.
    true_size: u64,
    state: u32,
    requested_at: DateTime<Utc>,
    enqueued_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    bytes: u64,
    speed: f64,
    exception: Option<String>,
    removed: bool,
    outcome: Outcome,
    queued_left: u32,
    cancel: bool,
    /// Raw state and percent of a transfer Harmony did not start; static until cancelled.
    foreign: Option<(String, f64)>,
}

impl Transfer {
    fn new(username: &str, filename: &str, size: u64) -> Transfer {
        let (username, filename) = key(username, filename);
        let (id, requested_at) = (new_guid(), Utc::now());
        let (true_size, state) = (size, REQUESTED);
        Transfer {
            id,
            username,
            filename,
            size,
            true_size,
            state,
            requested_at,
            ..Default::default()
        }
    }

    fn key(&self) -> Key {
        key(&self.username, &self.filename)
    }

    fn finish(&mut self, flag: u32, exception: Option<String>, now: DateTime<Utc>) {
        self.state = COMPLETED | flag;
        self.exception = exception;
        self.ended_at = Some(now);
        self.foreign = None;
    }

    /// One tick of the state machine; true when all bytes are in and the file must be written.
    fn advance(&mut self, now: DateTime<Utc>, bytes_per_tick: u64, speed: f64) -> bool {
        if self.cancel {
            self.finish(CANCELLED, Some("Transfer cancelled".into()), now);
            return false;
        }
        match self.state {
            REQUESTED if self.queued_left > 0 => {
                self.state = QUEUED_REMOTELY;
                self.enqueued_at = Some(now);
            }
            QUEUED_REMOTELY if self.queued_left > 1 => self.queued_left -= 1,
            // slskd checks the size the peer reports when the transfer starts.
            REQUESTED | QUEUED_REMOTELY if self.true_size != self.size => {
                let msg = format!(
                    "Transfer aborted: the remote size of {} does not match expected size {}",
                    self.true_size, self.size
                );
                self.finish(ERRORED, Some(msg), now);
            }
            REQUESTED | QUEUED_REMOTELY => {
                self.state = INITIALIZING;
                self.enqueued_at.get_or_insert(now);
            }
            INITIALIZING => {
                self.state = IN_PROGRESS;
                self.started_at = Some(now);
                self.speed = speed;
                self.bytes = match self.outcome {
                    Outcome::Stall => self.size / 2,
                    _ => self.size.min(bytes_per_tick),
                };
            }
            _ => match self.outcome.failure() {
                Some((flag, e)) => self.finish(flag, Some(e), now),
                None if self.outcome == Outcome::Stall => {}
                None if self.bytes >= self.size => return true,
                None => self.bytes = self.size.min(self.bytes + bytes_per_tick),
            },
        }
        false
    }
}

#[derive(Default)]
struct State {
    transfers: Vec<Transfer>,
    /// Id of the newest transfer of each (username, filename).
    latest: HashMap<Key, String>,
    shares: HashMap<Key, u64>,
    /// Real bytes a download delivers instead of the filename pattern (`share_content`).
    contents: HashMap<Key, Arc<Vec<u8>>>,
    offline: HashSet<String>,
    scripts: HashMap<Key, VecDeque<Outcome>>,
    overrides: HashMap<Key, (String, f64)>,
    held: bool,
    fail: Option<(usize, u16, Option<u64>)>,
    log: Vec<LoggedRequest>,
    cancels: usize,
    enqueues_running: usize,
    /// Searchable files, in share order.
    files: Vec<(String, SharedFile)>,
    peers: HashMap<String, Peer>,
    disconnected: bool,
    searches: Vec<Search>,
    next_token: u32,
    creations: Vec<SearchCreation>,
    creations_running: usize,
    max_creations: usize,
    deleted_searches: Vec<String>,
    /// (started, ended) of every deleted search; a search deleted while it
    /// ran ended then.
    deleted_runs: Vec<(Instant, Instant)>,
    search_polls: usize,
}

impl State {
    /// The raw (state, percent) this transfer reports instead of its simulated one, if any.
    fn pinned(&self, t: &Transfer) -> Option<(String, f64)> {
        match self.overrides.get(&t.key()) {
            Some(o) if self.latest.get(&t.key()) == Some(&t.id) => Some(o.clone()),
            _ => t.foreign.clone(),
        }
    }

    /// The state flags as reported by the API.
    fn flags(&self, t: &Transfer) -> u32 {
        self.pinned(t).map_or(t.state, |(s, _)| parse_state(&s))
    }

    fn render(&self, t: &Transfer) -> Value {
        let (state, percent, bytes) = match self.pinned(t) {
            Some((s, p)) => (s, p, ((t.size as f64 * p / 100.0) as u64).min(t.size)),
            None if t.size == 0 => (state_name(t.state), 0.0, 0),
            None if t.outcome == Outcome::Stall && t.state == IN_PROGRESS => {
                (state_name(t.state), 50.0, t.bytes)
            }
            None => (
                state_name(t.state),
                t.bytes as f64 * 100.0 / t.size as f64,
                t.bytes,
            ),
        };
        let remaining = t.size - bytes;
        let end = t.ended_at.unwrap_or_else(Utc::now);
        let elapsed = t
            .started_at
            .map(|s| (end - s).num_microseconds().unwrap_or(0) as f64 / 1e6);
        let left = (t.speed > 0.0).then(|| fmt_span(remaining as f64 / t.speed));
        let mut v = json!({
            "id": t.id, "username": t.username, "direction": "Download", "filename": t.filename,
            "size": t.size, "startOffset": 0, "state": state, "stateDescription": state,
            "requestedAt": fmt_time(t.requested_at), "enqueuedAt": t.enqueued_at.map(fmt_time),
            "startedAt": t.started_at.map(fmt_time), "endedAt": t.ended_at.map(fmt_time),
            "bytesTransferred": bytes, "averageSpeed": t.speed, "bytesRemaining": remaining,
            "elapsedTime": elapsed.map(fmt_span), "percentComplete": percent,
            "remainingTime": left, "exception": t.exception,
        });
        // slskd serialises with WhenWritingNull: unknown values are absent, not null.
        if let Some(m) = v.as_object_mut() {
            m.retain(|_, x| !x.is_null());
        }
        v
    }

    /// The listing: user → directory (remote path before the last backslash) → files.
    fn groups(&self, keep: impl Fn(&Transfer) -> bool) -> Vec<Value> {
        let rows = (self.transfers.iter().filter(|t| keep(t)))
            .map(|t| {
                let dir = t.filename.rfind('\\').map_or("", |i| &t.filename[..i]);
                (t.username.clone(), (dir.to_string(), self.render(t)))
            })
            .collect();
        let dir = |(d, files): (String, Vec<Value>)| {
            let count = files.len();
            json!({"directory": d, "fileCount": count, "files": files})
        };
        (group_by(rows).into_iter())
            .map(|(u, files)| {
                let dirs: Vec<Value> = group_by(files).into_iter().map(dir).collect();
                json!({"username": u, "directories": dirs})
            })
            .collect()
    }
}

/// LINQ's `GroupBy`: groups in order of first appearance.
fn group_by<T>(rows: Vec<(String, T)>) -> Vec<(String, Vec<T>)> {
    let mut groups: Vec<(String, Vec<T>)> = Vec::new();
    for (k, v) in rows {
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, vs)) => vs.push(v),
            None => groups.push((k, vec![v])),
        }
    }
    groups
}

struct Shared {
    opts: FakeOptions,
    downloads_dir: PathBuf,
    state: Mutex<State>,
    stopped: AtomicBool,
    /// While set, enqueue answers wait (the transfers already exist).
    enqueue_answers_held: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not poison the fake for everybody else.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One simulation tick. Files are written outside the lock (they can be large).
    fn step(&self) {
        let (now, bpt) = (Utc::now(), self.opts.bytes_per_tick);
        let speed = bpt as f64 / self.opts.tick.as_secs_f64().max(1e-6);
        let mut writes = Vec::new();
        {
            let mut st = self.lock();
            if st.held {
                return;
            }
            let overridden: HashSet<String> = st
                .overrides
                .keys()
                .filter_map(|k| st.latest.get(k).cloned())
                .collect();
            for t in st.transfers.iter_mut() {
                let frozen = overridden.contains(&t.id) || (t.foreign.is_some() && !t.cancel);
                if t.state & COMPLETED == 0 && !frozen && t.advance(now, bpt, speed) {
                    writes.push((t.id.clone(), t.filename.clone(), t.size, t.key()));
                }
            }
        }
        // The file is in place before the state says so (slskd moves it, then completes).
        for (id, filename, size, k) in writes {
            let content = self.lock().contents.get(&k).cloned();
            let written = write_download(&self.downloads_dir, &filename, size, content.as_deref());
            let mut st = self.lock();
            if let Some(t) = st.transfers.iter_mut().find(|t| t.id == id) {
                match written {
                    Ok(_) => t.finish(SUCCEEDED, None, Utc::now()),
                    Err(e) => t.finish(ERRORED, Some(e.to_string()), Utc::now()),
                }
            }
        }
    }
}

pub struct FakeSlskd {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    pub addr: SocketAddr,
    pub downloads_dir: PathBuf,
    shared: Arc<Shared>,
    server: Mutex<Option<ServerHandle>>,
}

impl FakeSlskd {
    /// Listens on a free port of 127.0.0.1. Must be called inside an actix runtime.
    pub async fn start(options: FakeOptions, downloads_dir: PathBuf) -> FakeSlskd {
        std::fs::create_dir_all(&downloads_dir).expect("create the downloads dir");
        let tick = options.tick;
        let shared = Arc::new(Shared {
            opts: options,
            downloads_dir: downloads_dir.clone(),
            state: Mutex::new(State::default()),
            stopped: AtomicBool::new(false),
            enqueue_answers_held: AtomicBool::new(false),
        });
        let (addr, handle) = serve(&shared, ([127, 0, 0, 1], 0).into()).expect("bind fake slskd");
        let sim = shared.clone();
        actix_rt::spawn(async move {
            while !sim.stopped.load(Ordering::SeqCst) {
                actix_rt::time::sleep(tick).await;
                sim.step();
            }
        });
        let server = Mutex::new(Some(handle));
        FakeSlskd {
            url: format!("http://{addr}"),
            addr,
            downloads_dir,
            shared,
            server,
        }
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// The peer's true size of a file; unregistered files are shared with the requested size.
    /// The file is also found by searches (name, size and extension only; see `share_file`).
    pub fn share(&self, username: &str, filename: &str, size: u64) {
        let mut st = self.st();
        let k = key(username, filename);
        st.shares.insert(k.clone(), size);
        match st.files.iter_mut().find(|(u, f)| key(u, &f.filename) == k) {
            Some((_, file)) => file.size = size,
            None => st
                .files
                .push((username.to_string(), SharedFile::new(filename, size))),
        }
    }

    /// Like `share`, but the download delivers exactly `bytes` (a real audio file).
    pub fn share_content(&self, username: &str, filename: &str, bytes: Vec<u8>) {
        self.share(username, filename, bytes.len() as u64);
        self.st()
            .contents
            .insert(key(username, filename), Arc::new(bytes));
    }

    pub fn set_online(&self, username: &str, online: bool) {
        let mut st = self.st();
        if online {
            st.offline.remove(username);
        } else {
            st.offline.insert(username.to_string());
        }
    }

    /// Outcomes of the next enqueues of that file, in order; `Succeeded` once used up.
    pub fn script(&self, username: &str, filename: &str, outcomes: Vec<Outcome>) {
        self.st()
            .scripts
            .insert(key(username, filename), outcomes.into());
    }

    /// While `Some((state, percent))` the latest transfer of that file reports exactly this and
    /// does not advance; `None` resumes it.
    pub fn report_override(&self, username: &str, filename: &str, report: Option<(String, f64)>) {
        let mut st = self.st();
        match report {
            Some(r) => st.overrides.insert(key(username, filename), r),
            None => st.overrides.remove(&key(username, filename)),
        };
    }

    /// A transfer Harmony did not start (static until cancelled); returns its GUID.
    pub fn add_foreign(&self, username: &str, filename: &str, state: &str, percent: f64) -> String {
        let mut st = self.st();
        let size = st
            .shares
            .get(&key(username, filename))
            .copied()
            .unwrap_or(10 << 20);
        let (flags, now) = (parse_state(state), Utc::now());
        let mut t = Transfer::new(username, filename, size);
        t.state = flags;
        t.enqueued_at = Some(now);
        t.started_at = (flags & (IN_PROGRESS | COMPLETED) != 0).then_some(now);
        t.ended_at = (flags & COMPLETED != 0).then_some(now);
        t.foreign = Some((state.to_string(), percent));
        let id = t.id.clone();
        st.latest.insert(t.key(), id.clone());
        st.transfers.push(t);
        id
    }

    /// Freezes every transfer where it is (true) or lets them go on (false).
    pub fn hold(&self, hold: bool) {
        self.st().held = hold;
    }

    /// Enqueue requests in flight wait for their answer (true) until released (false): an
    /// enqueue held open while the test does something else.
    pub fn hold_enqueue_answers(&self, hold: bool) {
        self.shared
            .enqueue_answers_held
            .store(hold, Ordering::SeqCst);
    }

    /// Outage: stops listening (connections are refused); the state is kept.
    pub async fn pause(&self) {
        let handle = self.server.lock().unwrap().take();
        if let Some(h) = handle {
            h.stop(false).await;
        }
    }

    /// Listens again on the same address (retrying the bind for up to ~2 s).
    pub async fn resume(&self) {
        if self.server.lock().unwrap().is_some() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        let handle = loop {
            match serve(&self.shared, self.addr) {
                Ok((_, h)) => break h,
                Err(e) if Instant::now() > deadline => panic!("rebind {}: {e}", self.addr),
                Err(_) => actix_rt::time::sleep(Duration::from_millis(20)).await,
            }
        };
        *self.server.lock().unwrap() = Some(handle);
    }

    /// The next `n` /api/v0 requests answer `status` (with Retry-After), without side effects.
    pub fn fail_next(&self, n: usize, status: u16, retry_after: Option<u64>) {
        self.st().fail = (n > 0).then_some((n, status, retry_after));
    }

    /// Every /api/v0 request, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.st().log.clone()
    }

    /// How many transfers enqueue requests created for this file.
    pub fn enqueue_count(&self, username: &str, filename: &str) -> usize {
        let (st, k) = (self.st(), key(username, filename));
        st.transfers
            .iter()
            .filter(|t| t.foreign.is_none() && t.key() == k)
            .count()
    }

    /// Every transfer (removed ones too), rendered like the API.
    pub fn transfers(&self) -> Vec<Value> {
        let st = self.st();
        st.transfers.iter().map(|t| st.render(t)).collect()
    }

    /// Deletes every record of this file, as if slskd's database lost it.
    pub fn forget(&self, username: &str, filename: &str) {
        let k = key(username, filename);
        self.st().transfers.retain(|t| t.key() != k);
    }

    /// What `DELETE transfers/downloads/all/completed` does, without a request.
    pub fn remove_completed(&self) {
        let mut st = self.st();
        let done: Vec<bool> = st
            .transfers
            .iter()
            .map(|t| st.flags(t) & COMPLETED != 0)
            .collect();
        for (t, done) in st.transfers.iter_mut().zip(done) {
            t.removed |= done;
        }
    }

    /// How many `DELETE transfers/downloads/{u}/{id}` calls were handled.
    pub fn cancel_count(&self) -> usize {
        self.st().cancels
    }

    /// A searchable file with its attributes; it is also downloadable (its size is the peer's
    /// true size, like `share`). Sharing the same user + file again replaces it.
    pub fn share_file(&self, username: &str, file: SharedFile) {
        let mut st = self.st();
        let k = key(username, &file.filename);
        st.shares.insert(k.clone(), file.size);
        match st.files.iter_mut().find(|(u, f)| key(u, &f.filename) == k) {
            Some((_, old)) => *old = file,
            None => st.files.push((username.to_string(), file)),
        }
    }

    /// What a peer reports with its search responses (default: free slot, empty queue,
    /// 1 250 000 B/s).
    pub fn set_peer(&self, username: &str, free_slot: bool, queue_length: u64, upload_speed: u64) {
        let mut st = self.st();
        let peer = st.peers.entry(username.to_string()).or_default();
        (peer.free_slot, peer.queue_length, peer.upload_speed) =
            (free_slot, queue_length, upload_speed);
    }

    /// This peer's response arrives `delay` after a search started.
    pub fn set_response_delay(&self, username: &str, delay: Duration) {
        self.st()
            .peers
            .entry(username.to_string())
            .or_default()
            .response_delay = Some(delay);
    }

    /// Logged in to the Soulseek server (default) or not: `GET server` tells, `POST searches`
    /// answers 409 and enqueueing 500 while disconnected.
    pub fn set_connected(&self, connected: bool) {
        self.st().disconnected = !connected;
    }

    /// Every `POST searches` that passed routing and authentication, in arrival order.
    pub fn search_creations(&self) -> Vec<SearchCreation> {
        self.st().creations.clone()
    }

    /// The most `POST searches` requests ever processed at the same time.
    pub fn max_concurrent_creations(&self) -> usize {
        self.st().max_creations
    }

    /// Ids removed by `DELETE searches/{id}`, in order.
    pub fn deleted_searches(&self) -> Vec<String> {
        self.st().deleted_searches.clone()
    }

    /// Ids of the searches still stored.
    pub fn stored_searches(&self) -> Vec<String> {
        self.st().searches.iter().map(|s| s.id.clone()).collect()
    }

    /// Every stored search as `GET searches/{id}?includeResponses=true` shows it now.
    pub fn searches(&self) -> Vec<Value> {
        let mut st = self.st();
        let now = Instant::now();
        st.searches.iter_mut().for_each(|s| s.advance(now));
        st.searches.iter().map(|s| s.render(true)).collect()
    }

    /// The most searches ever in progress (`InProgress`, on the fake's wall
    /// clock: from the arrival of their `POST` until they completed or were
    /// deleted) at the same moment.
    pub fn max_running_searches(&self) -> usize {
        let mut st = self.st();
        let now = Instant::now();
        st.searches.iter_mut().for_each(|s| s.advance(now));
        let stored = st
            .searches
            .iter()
            .map(|s| (s.started, s.ended.unwrap_or(now)));
        let runs: Vec<(Instant, Instant)> = st.deleted_runs.iter().copied().chain(stored).collect();
        // A search ending at the instant another starts does not overlap it.
        let mut edges: Vec<(Instant, i32)> = runs
            .iter()
            .flat_map(|&(start, end)| [(start, 1), (end, -1)])
            .collect();
        edges.sort();
        let (mut running, mut max) = (0i32, 0i32);
        for (_, step) in edges {
            running += step;
            max = max.max(running);
        }
        max as usize
    }

    /// How many `GET searches/{id}` requests were answered.
    pub fn search_polls(&self) -> usize {
        self.st().search_polls
    }
}

impl Drop for FakeSlskd {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        let handle = self
            .server
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let (Some(h), Some(arbiter)) = (handle, actix_rt::Arbiter::try_current()) {
            // `stop` sends its command at once; the future only waits for the shutdown.
            arbiter.spawn(h.stop(false));
        }
    }
}

fn serve(shared: &Arc<Shared>, addr: SocketAddr) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let data = web::Data::from(shared.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(16 << 20))
            .default_service(web::to(handle))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(0)
    .bind(addr)?;
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok((addr, handle))
}

enum Route {
    Server,
    SearchList,
    SearchCreate,
    SearchGet(String),
    SearchResponses(String),
    SearchStop(String),
    SearchDelete(String),
    List,
    User(String),
    Enqueue(String),
    Get(String),
    Cancel(String),
    ClearCompleted,
}

/// ASP.NET-style routing on decoded segments: unknown path 404, known path + other method 405.
fn route(method: &str, segs: &[&str]) -> Result<Route, u16> {
    let (get, post, delete) = (method == "GET", method == "POST", method == "DELETE");
    let put = method == "PUT";
    Ok(match segs {
        ["server"] if get => Route::Server,
        ["searches"] if get => Route::SearchList,
        ["searches"] if post => Route::SearchCreate,
        ["searches", id] if get => Route::SearchGet(id.to_string()),
        ["searches", id] if put => Route::SearchStop(id.to_string()),
        ["searches", id] if delete => Route::SearchDelete(id.to_string()),
        ["searches", id, "responses"] if get => Route::SearchResponses(id.to_string()),
        ["searches"] | ["searches", _] | ["searches", _, "responses"] => return Err(405),
        ["transfers", "downloads"] if get => Route::List,
        ["transfers", "downloads", u] if get => Route::User(u.to_string()),
        ["transfers", "downloads", u] if post => Route::Enqueue(u.to_string()),
        ["transfers", "downloads", "all", "completed"] if delete => Route::ClearCompleted,
        ["transfers", "downloads", _, id] if get => Route::Get(id.to_string()),
        ["transfers", "downloads", _, id] if delete => Route::Cancel(id.to_string()),
        ["server"] | ["transfers", "downloads", ..] if segs.len() <= 4 => return Err(405),
        _ => return Err(404),
    })
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn empty(code: u16) -> HttpResponse {
    HttpResponse::build(status(code)).finish()
}

fn json_resp(code: u16, v: &Value) -> HttpResponse {
    let mut b = HttpResponse::build(status(code));
    b.content_type("application/json; charset=utf-8")
        .body(v.to_string())
}

const INVALID: &str = "One or more validation errors occurred.";

/// The ProblemDetails body ASP.NET's `[ApiController]` gives client errors.
fn problem(code: u16, title: &str) -> HttpResponse {
    let v = json!({"type": "https://tools.ietf.org/html/rfc9110", "title": title, "status": code});
    let mut b = HttpResponse::build(status(code));
    b.content_type("application/problem+json; charset=utf-8")
        .body(v.to_string())
}

/// An enqueue whose answer waits for the latency: transfer ids and `failed` entries.
struct Pending(Vec<String>, Vec<Value>, Running);

/// What a handler still has to do after the state lock is released.
enum Later {
    Enqueue(Pending),
    Search(SearchPending),
}

type Reply = (HttpResponse, Option<Later>);

/// Counts a running enqueue until dropped, even when the client goes away.
struct Running(Arc<Shared>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.lock().enqueues_running -= 1;
    }
}

async fn handle(req: HttpRequest, body: web::Bytes, data: web::Data<Shared>) -> HttpResponse {
    let shared = data.into_inner();
    let (resp, later) = dispatch(&shared, &req, &body);
    match later {
        None => resp,
        Some(Later::Enqueue(pending)) => finish_enqueue(&shared, resp, pending).await,
        Some(Later::Search(pending)) => finish_search(&shared, pending).await,
    }
}

async fn finish_enqueue(
    shared: &Arc<Shared>,
    resp: HttpResponse,
    pending: Pending,
) -> HttpResponse {
    // slskd answers an enqueue only after the peer acknowledged; the records exist already.
    let Pending(ids, failed, running) = pending;
    actix_rt::time::sleep(shared.opts.enqueue_latency).await;
    while shared.enqueue_answers_held.load(Ordering::SeqCst) {
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
    if shared.opts.version == Version::V0_23 {
        return resp;
    }
    let enqueued: Vec<Value> = {
        let st = shared.lock();
        let found = ids
            .iter()
            .filter_map(|id| st.transfers.iter().find(|t| &t.id == id));
        found.map(|t| st.render(t)).collect()
    };
    drop(running);
    json_resp(201, &json!({"enqueued": enqueued, "failed": failed}))
}

/// Answers and logs one request: `fail_next` first, then routing, authentication, the route.
fn dispatch(shared: &Arc<Shared>, req: &HttpRequest, body: &[u8]) -> Reply {
    let path = req.uri().path();
    let rest = match path.strip_prefix("/api/v0") {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return (empty(404), None),
    };
    let header = |n: &str| Some(req.headers().get(n)?.to_str().ok()?.to_string());
    let api_key = header("x-api-key");
    let decode = |s| String::from(percent_decode_str(s).decode_utf8_lossy());
    let segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();

    let mut st = shared.lock();
    let (resp, pending) = if let Some((n, code, retry_after)) = st.fail {
        st.fail = (n > 1).then_some((n - 1, code, retry_after));
        let mut b = HttpResponse::build(status(code));
        if let Some(secs) = retry_after {
            b.insert_header(("Retry-After", secs.to_string()));
        }
        (b.finish(), None)
    } else {
        match route(req.method().as_str(), &segs) {
            Err(code) => (empty(code), None),
            Ok(_) if shared.opts.api_key.is_some() && api_key != shared.opts.api_key => {
                (empty(401), None)
            }
            Ok(r) => respond(shared, &mut st, req, body, r),
        }
    };
    st.log.push(LoggedRequest {
        method: req.method().to_string(),
        path: path.to_string(),
        query: req.query_string().to_string(),
        body: String::from_utf8_lossy(body).into_owned(),
        api_key,
        status: resp.status().as_u16(),
    });
    (resp, pending)
}

/// A routed, authenticated request.
fn respond(
    shared: &Arc<Shared>,
    st: &mut State,
    req: &HttpRequest,
    body: &[u8],
    r: Route,
) -> Reply {
    // [Consumes("application/json")]: another content type → 415, and so is a body-less POST.
    let mime = req.content_type().to_lowercase();
    let needs_json = !mime.is_empty() || matches!(r, Route::Enqueue(_) | Route::SearchCreate);
    if needs_json && mime != "application/json" {
        return (problem(415, "Unsupported Media Type"), None);
    }
    // ASP.NET binds `bool` query values case-insensitively; anything else is a 400.
    let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string());
    let query = query.map(|q| q.into_inner()).unwrap_or_default();
    let flag = |name: &str| match query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        None => Some(false),
        Some((_, v)) => v.trim().to_lowercase().parse::<bool>().ok(),
    };
    let resp = match r {
        Route::Server if st.disconnected => json_resp(
            200,
            &json!({"state": "Disconnected", "isConnected": false, "isConnecting": false,
                "isLoggedIn": false, "isLoggingIn": false, "isTransitioning": false}),
        ),
        Route::Server => json_resp(
            200,
            &json!({"address": "vps.slsknet.org:2271", "ipEndPoint": "208.76.170.59:2271",
                "state": "Connected, LoggedIn", "isConnected": true, "isConnecting": false,
                "isLoggedIn": true, "isLoggingIn": false, "isTransitioning": false}),
        ),
        Route::SearchCreate => return create_search(shared, st, body),
        Route::SearchList => {
            let now = Instant::now();
            st.searches.iter_mut().for_each(|s| s.advance(now));
            let all = st.searches.iter().map(|s| s.render(false)).collect();
            json_resp(200, &Value::Array(all))
        }
        Route::SearchGet(id) => {
            st.search_polls += 1;
            match (parse_guid(&id), flag("includeResponses")) {
                (Some(id), Some(include)) => match st.search_mut(&id) {
                    Some(s) => json_resp(200, &s.render(include)),
                    None => empty(404),
                },
                _ => problem(400, INVALID),
            }
        }
        // 0.23: responses are stored when the search completes; `[]` before.
        Route::SearchResponses(id) => match parse_guid(&id) {
            None => problem(400, INVALID),
            Some(id) => match st.search_mut(&id) {
                Some(s) => json_resp(200, &Value::Array(s.stored_responses())),
                None => empty(404),
            },
        },
        // Only a running search can be cancelled; it keeps what it received.
        Route::SearchStop(id) => match parse_guid(&id) {
            None => problem(400, INVALID),
            Some(id) => match st.search_mut(&id) {
                Some(s) if s.state & S_COMPLETED == 0 => {
                    s.complete(S_CANCELLED, Instant::now());
                    empty(200)
                }
                _ => empty(404),
            },
        },
        Route::SearchDelete(id) => match parse_guid(&id) {
            None => problem(400, INVALID),
            Some(id) => match st.searches.iter().position(|s| s.id == id) {
                Some(i) => {
                    let s = st.searches.remove(i);
                    let now = Instant::now();
                    st.deleted_runs
                        .push((s.started, s.ended.unwrap_or(now).min(now)));
                    st.deleted_searches.push(id);
                    empty(204)
                }
                None => empty(404),
            },
        },
        Route::List => match flag("includeRemoved") {
            Some(all) => json_resp(200, &Value::Array(st.groups(|t| all || !t.removed))),
            None => problem(400, INVALID),
        },
        Route::User(u) => match st.groups(|t| !t.removed && t.username == u).pop() {
            Some(group) => json_resp(200, &group),
            None => empty(404),
        },
        // slskd looks the id up alone (the username is ignored), removed records included.
        Route::Get(id) => match parse_guid(&id) {
            None => problem(400, "Bad Request"),
            Some(id) => match st.transfers.iter().find(|t| t.id == id) {
                Some(t) => json_resp(200, &st.render(t)),
                None => empty(404),
            },
        },
        Route::Cancel(id) => {
            st.cancels += 1;
            match (parse_guid(&id), flag("remove")) {
                (Some(id), Some(remove)) => cancel(st, &id, remove),
                _ => problem(400, "Bad Request"),
            }
        }
        Route::ClearCompleted => {
            let done: Vec<bool> = st
                .transfers
                .iter()
                .map(|t| st.flags(t) & COMPLETED != 0)
                .collect();
            for (t, done) in st.transfers.iter_mut().zip(done) {
                t.removed |= done;
            }
            empty(204)
        }
        Route::Enqueue(user) => return enqueue(shared, st, &user, body),
    };
    (resp, None)
}

/// Cancellation is asynchronous (next tick); `remove` needs a Completed transfer.
fn cancel(st: &mut State, id: &str, remove: bool) -> HttpResponse {
    let Some(i) = st.transfers.iter().position(|t| t.id == id) else {
        return empty(if remove { 404 } else { 204 });
    };
    let done = st.flags(&st.transfers[i]) & COMPLETED != 0;
    let t = &mut st.transfers[i];
    t.cancel |= t.state & COMPLETED == 0;
    match (remove, done) {
        (true, false) => {
            let msg = format!("Invalid attempt to remove a transfer that is not complete: {id}");
            json_resp(500, &json!(msg))
        }
        (true, true) => {
            t.removed = true;
            empty(204)
        }
        _ => empty(204),
    }
}

fn enqueue(shared: &Arc<Shared>, st: &mut State, user: &str, body: &[u8]) -> Reply {
    let Some(files) = parse_requests(body) else {
        return (problem(400, INVALID), None);
    };
    if st.disconnected {
        let msg = "The server connection must be connected and logged in to enqueue downloads \
                   (currently: Disconnected)";
        return (json_resp(500, &json!(msg)), None);
    }
    let v24 = shared.opts.version == Version::V0_24;
    if v24 && st.enqueues_running >= 2 {
        let msg =
            "Only one concurrent operation is permitted. Wait until the previous request completes";
        return (json_resp(429, &json!(msg)), None);
    }
    st.enqueues_running += 1;
    let running = Running(shared.clone());
    let offline = format!("User {user} appears to be offline");
    if st.offline.contains(user) {
        let failed = files
            .iter()
            .map(|(f, _)| json!({"filename": f, "error": offline}));
        let resp = if v24 {
            empty(201)
        } else {
            json_resp(500, &json!(offline))
        };
        let pending = Pending(Vec::new(), failed.collect(), running);
        return (resp, Some(Later::Enqueue(pending)));
    }
    let mut ids = Vec::new();
    for (filename, size) in files {
        let mut t = Transfer::new(user, &filename, size);
        let k = t.key();
        t.true_size = st.shares.get(&k).copied().unwrap_or(size);
        t.outcome = st
            .scripts
            .get_mut(&k)
            .and_then(VecDeque::pop_front)
            .unwrap_or_default();
        t.queued_left = shared.opts.queue_remotely_ticks;
        // Supersede: an earlier record of the same file is hidden.
        for old in st.transfers.iter_mut().filter(|o| o.key() == k) {
            old.removed = true;
        }
        ids.push(t.id.clone());
        st.latest.insert(k, t.id.clone());
        st.transfers.push(t);
    }
    let pending = Pending(ids, Vec::new(), running);
    (empty(201), Some(Later::Enqueue(pending)))
}

/// The enqueue body: a non-empty JSON array of `{filename, size}`, names case-insensitive.
fn parse_requests(body: &[u8]) -> Option<Vec<(String, u64)>> {
    let items: Vec<Map<String, Value>> = serde_json::from_slice(body).ok()?;
    let prop = |m: &Map<String, Value>, name: &str| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let files = items.iter().map(|m| {
        let filename = prop(m, "filename")?.as_str()?.to_string();
        // A missing size binds to 0 (and then fails the size check, as in slskd).
        let size = match prop(m, "size") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_u64()?,
        };
        Some((filename, size))
    });
    files.collect::<Option<Vec<_>>>().filter(|f| !f.is_empty())
}

// Soulseek.NET 7.1.2 SearchStates: bit i is the i-th name.
const SEARCH_NAMES: &str =
    "Requested InProgress Completed Cancelled TimedOut ResponseLimitReached \
                            FileLimitReached Errored Queued";
const S_IN_PROGRESS: u32 = 2;
const S_COMPLETED: u32 = 4;
const S_CANCELLED: u32 = 8;
const S_TIMED_OUT: u32 = 16;
const S_RESPONSE_LIMIT: u32 = 32;
const S_FILE_LIMIT: u32 = 64;

/// Like `state_name`, for SearchStates: `"Completed, TimedOut"`.
pub fn search_state_name(flags: u32) -> String {
    flag_names(SEARCH_NAMES, flags)
}

/// A shared file as search responses describe it. `None` values are omitted from the JSON.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SharedFile {
    /// Full remote path with backslashes.
    pub filename: String,
    pub size: u64,
    /// As the peer sends it; may be empty.
    pub extension: String,
    /// kbps; usually unknown for lossless files.
    pub bit_rate: Option<u32>,
    /// Seconds.
    pub length: Option<u32>,
    pub sample_rate: Option<u32>,
    pub bit_depth: Option<u32>,
    pub variable_bit_rate: Option<bool>,
    /// Listed under `lockedFiles` (privileged users only).
    pub locked: bool,
}

impl SharedFile {
    /// A file with only its name, size and the extension of its name.
    pub fn new(filename: &str, size: u64) -> SharedFile {
        let name = filename.rsplit('\\').next().unwrap_or(filename);
        let extension = name.rfind('.').map_or("", |i| &name[i + 1..]);
        SharedFile {
            filename: filename.to_string(),
            size,
            extension: extension.to_string(),
            ..SharedFile::default()
        }
    }

    fn render(&self, is_locked: bool) -> Value {
        let mut v = json!({
            "bitDepth": self.bit_depth, "bitRate": self.bit_rate, "code": 1,
            "extension": self.extension, "filename": self.filename, "isLocked": is_locked,
            "isVariableBitRate": self.variable_bit_rate, "length": self.length,
            "sampleRate": self.sample_rate, "size": self.size,
        });
        if let Some(m) = v.as_object_mut() {
            m.retain(|_, x| !x.is_null());
        }
        v
    }
}

#[derive(Clone, Debug)]
struct Peer {
    free_slot: bool,
    queue_length: u64,
    upload_speed: u64,
    response_delay: Option<Duration>,
}

impl Default for Peer {
    fn default() -> Self {
        Peer {
            free_slot: true,
            queue_length: 0,
            upload_speed: 1_250_000,
            response_delay: None,
        }
    }
}

/// One `POST searches` as the fake saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchCreation {
    /// The search id (the client's, normalised, or a new one); empty when the body had none
    /// that could be read.
    pub id: String,
    pub text: String,
    pub arrived: Instant,
    /// When the answer was sent; `None` while it is pending (or the client went away).
    pub answered: Option<Instant>,
    pub status: u16,
}

struct Search {
    id: String,
    text: String,
    token: u32,
    timeout: Duration,
    response_limit: usize,
    file_limit: usize,
    started: Instant,
    started_at: DateTime<Utc>,
    /// When it completed (on the wall clock of `advance`).
    ended: Option<Instant>,
    ended_at: Option<DateTime<Utc>>,
    state: u32,
    /// Responses still to arrive, in arrival order: (when, response, files, locked files).
    pending: VecDeque<(Instant, Value, usize, usize)>,
    received: Vec<Value>,
    last_activity: Instant,
    file_count: usize,
    locked_file_count: usize,
}

impl Search {
    /// Brings the search to `now`: responses due arrive, limits and the inactivity timeout
    /// complete it (at the instant they happened).
    fn advance(&mut self, now: Instant) {
        while self.state & S_COMPLETED == 0 {
            let expires = self.last_activity + self.timeout;
            let next = self.pending.front().map(|(at, ..)| *at);
            match next {
                Some(at) if at < expires && at <= now => {
                    if let Some((at, response, files, locked)) = self.pending.pop_front() {
                        self.received.push(response);
                        self.file_count += files;
                        self.locked_file_count += locked;
                        self.last_activity = at;
                        if self.received.len() >= self.response_limit {
                            self.complete(S_RESPONSE_LIMIT, at);
                        } else if self.file_count >= self.file_limit {
                            self.complete(S_FILE_LIMIT, at);
                        }
                    }
                }
                _ if expires <= now => self.complete(S_TIMED_OUT, expires),
                _ => break,
            }
        }
    }

    fn complete(&mut self, flag: u32, at: Instant) {
        self.state = S_COMPLETED | flag;
        self.ended = Some(at);
        let ran = chrono::Duration::from_std(at.saturating_duration_since(self.started));
        self.ended_at = Some(self.started_at + ran.unwrap_or_default());
        self.pending.clear();
    }

    /// What `GET searches/{id}/responses` returns: nothing until the search completed.
    fn stored_responses(&self) -> Vec<Value> {
        if self.state & S_COMPLETED != 0 {
            self.received.clone()
        } else {
            Vec::new()
        }
    }

    fn render(&self, include_responses: bool) -> Value {
        let responses = if include_responses {
            self.stored_responses()
        } else {
            Vec::new()
        };
        let mut v = json!({
            "endedAt": self.ended_at.map(fmt_time), "fileCount": self.file_count, "id": self.id,
            "isComplete": self.state & S_COMPLETED != 0,
            "lockedFileCount": self.locked_file_count, "responseCount": self.received.len(),
            "responses": responses, "searchText": self.text,
            "startedAt": fmt_time(self.started_at), "state": search_state_name(self.state),
            "token": self.token,
        });
        if let Some(m) = v.as_object_mut() {
            m.retain(|_, x| !x.is_null());
        }
        v
    }
}

impl State {
    /// A stored search, brought up to date.
    fn search_mut(&mut self, id: &str) -> Option<&mut Search> {
        let s = self.searches.iter_mut().find(|s| s.id == id)?;
        s.advance(Instant::now());
        Some(s)
    }
}

/// A created search whose answer waits for `search_create_latency`.
struct SearchPending {
    index: usize,
    id: String,
    running: CreationRunning,
}

/// Counts a `POST searches` being processed until it is answered, or until dropped when the
/// client goes away first.
struct CreationRunning(Option<Arc<Shared>>);

impl Drop for CreationRunning {
    fn drop(&mut self) {
        if let Some(shared) = self.0.take() {
            shared.lock().creations_running -= 1;
        }
    }
}

/// The body of `POST searches`, read like ASP.NET does: case-insensitive names, unknown ones
/// ignored, numbers also from strings.
struct SearchParams {
    id: Option<String>,
    text: String,
    timeout: u64,
    response_limit: u64,
    file_limit: u64,
    filter: bool,
    min_files: u64,
    max_queue: u64,
    min_speed: u64,
    token: Option<u32>,
}

fn parse_search(body: &[u8]) -> Option<SearchParams> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let prop = |name: &str| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    };
    // Non-negative integers only (the options reject negative values).
    let int = |name: &str, default: u64| -> Option<u64> {
        match prop(name) {
            None => Some(default),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        }
    };
    let boolean = |name: &str, default: bool| match prop(name) {
        None => Some(default),
        Some(v) => v.as_bool(),
    };
    let id = match prop("id") {
        None => None,
        Some(v) => Some(parse_guid(v.as_str()?)?),
    };
    let text = match prop("searchText") {
        None => String::new(),
        Some(v) => v.as_str()?.to_string(),
    };
    let token = match prop("token") {
        None => None,
        Some(_) => Some(u32::try_from(int("token", 0)?).ok()?),
    };
    Some(SearchParams {
        id,
        text,
        timeout: int("searchTimeout", 15_000)?,
        response_limit: int("responseLimit", 250)?,
        file_limit: int("fileLimit", 25_000)?,
        filter: boolean("filterResponses", true)?,
        min_files: int("minimumResponseFileCount", 1)?,
        max_queue: int("maximumPeerQueueLength", i32::MAX as u64)?,
        min_speed: int("minimumPeerUploadSpeed", 0)?,
        token,
    })
}

/// The search terms, lower-cased: (wanted, excluded). Terms of one character are dropped
/// (Soulseek.NET does that before sending).
fn search_terms(text: &str) -> (Vec<String>, Vec<String>) {
    let terms = text
        .split_whitespace()
        .filter(|t| t.chars().count() > 1)
        .map(str::to_lowercase);
    let (excluded, wanted): (Vec<String>, Vec<String>) = terms.partition(|t| t.starts_with('-'));
    let excluded = excluded
        .into_iter()
        .map(|t| t[1..].to_string())
        .filter(|t| !t.is_empty())
        .collect();
    (wanted, excluded)
}

fn create_search(shared: &Arc<Shared>, st: &mut State, body: &[u8]) -> Reply {
    let arrived = Instant::now();
    st.creations_running += 1;
    st.max_creations = st.max_creations.max(st.creations_running);
    let params = parse_search(body);
    let text = params.as_ref().map_or_else(String::new, |p| p.text.clone());
    let log = |st: &mut State, id: &str, status: u16, answered: Option<Instant>| {
        st.creations.push(SearchCreation {
            id: id.to_string(),
            text: text.clone(),
            arrived,
            answered,
            status,
        });
        st.creations.len() - 1
    };
    let rejected = match &params {
        None => Some(problem(400, INVALID)),
        Some(p) if p.text.trim().is_empty() => Some(json_resp(
            400,
            &json!("SearchText may not be null or empty"),
        )),
        Some(p) if search_terms(&p.text).0.is_empty() => Some(json_resp(
            400,
            &json!("The search text must contain at least one term that is not an exclusion"),
        )),
        Some(_) if shared.opts.version == Version::V0_24 && st.creations_running > 1 => {
            let msg = "Only one concurrent operation is permitted. Wait until the previous \
                       request completes";
            let mut b = HttpResponse::build(status(429));
            if let Some(secs) = shared.opts.search_retry_after {
                b.insert_header(("Retry-After", secs.to_string()));
            }
            Some(
                b.content_type("application/json; charset=utf-8")
                    .body(json!(msg).to_string()),
            )
        }
        Some(_) if st.disconnected => Some(json_resp(
            409,
            &json!(
                "The server connection must be connected and logged in to perform a search \
                    (currently: Disconnected)"
            ),
        )),
        Some(p)
            if p.id
                .as_ref()
                .is_some_and(|id| st.searches.iter().any(|s| &s.id == id)) =>
        {
            Some(match shared.opts.version {
                Version::V0_23 => json_resp(
                    500,
                    &json!(
                        "An error occurred while saving the entity changes. See the inner \
                            exception for details."
                    ),
                ),
                Version::V0_24 => json_resp(409, &json!("A search with this id already exists")),
            })
        }
        Some(p)
            if p.token
                .is_some_and(|t| st.searches.iter().any(|s| s.token == t)) =>
        {
            Some(json_resp(
                400,
                &json!("An active search with this token is already in progress"),
            ))
        }
        Some(_) => None,
    };
    let id = params.as_ref().and_then(|p| p.id.clone());
    let p = match (params, rejected) {
        (Some(p), None) => p,
        (_, rejected) => {
            st.creations_running -= 1;
            let resp = rejected.unwrap_or_else(|| problem(400, INVALID));
            log(
                st,
                id.as_deref().unwrap_or(""),
                resp.status().as_u16(),
                Some(Instant::now()),
            );
            return (resp, None);
        }
    };
    let id = id.unwrap_or_else(new_guid);

    let (wanted, excluded) = search_terms(&p.text);
    let matching = |f: &SharedFile| {
        let path = f.filename.to_lowercase();
        wanted.iter().all(|t| path.contains(t.as_str()))
            && !excluded.iter().any(|t| path.contains(t.as_str()))
    };
    let token = p.token.unwrap_or_else(|| {
        st.next_token = st.next_token.wrapping_add(1);
        100_000 + st.next_token
    });
    // Peers answer with their matching files, grouped per user in share order.
    let mut users: Vec<(String, Vec<&SharedFile>)> = Vec::new();
    for (user, f) in st
        .files
        .iter()
        .filter(|(u, f)| !st.offline.contains(u) && matching(f))
    {
        match users.iter_mut().find(|(u, _)| u == user) {
            Some((_, files)) => files.push(f),
            None => users.push((user.clone(), vec![f])),
        }
    }
    let v24 = shared.opts.version == Version::V0_24;
    let mut pending = Vec::new();
    for (i, (user, files)) in users.iter().enumerate() {
        let peer = st.peers.get(user).cloned().unwrap_or_default();
        let (locked, free): (Vec<&SharedFile>, Vec<&SharedFile>) =
            files.iter().partition(|f| f.locked);
        let filtered_out = p.filter
            && ((files.len() as u64) < p.min_files
                || peer.queue_length > p.max_queue
                || peer.upload_speed < p.min_speed);
        if filtered_out {
            continue;
        }
        let response = json!({
            "fileCount": free.len(),
            "files": free.iter().map(|f| f.render(false)).collect::<Vec<_>>(),
            "hasFreeUploadSlot": peer.free_slot,
            "lockedFileCount": locked.len(),
            // 0.23 never sets isLocked; the files are told apart by the list they are in.
            "lockedFiles": locked.iter().map(|f| f.render(v24)).collect::<Vec<_>>(),
            "queueLength": peer.queue_length,
            "token": token,
            "uploadSpeed": peer.upload_speed,
            "username": user,
        });
        let delay = peer
            .response_delay
            .unwrap_or(shared.opts.search_response_delay * (i as u32 + 1));
        pending.push((arrived + delay, response, free.len(), locked.len()));
    }
    pending.sort_by_key(|(at, ..)| *at);
    st.searches.push(Search {
        id: id.clone(),
        text: p.text.clone(),
        token,
        timeout: Duration::from_millis(p.timeout),
        response_limit: p.response_limit.max(1) as usize,
        file_limit: p.file_limit.max(1) as usize,
        started: arrived,
        started_at: Utc::now(),
        ended: None,
        ended_at: None,
        state: S_IN_PROGRESS,
        pending: pending.into(),
        received: Vec::new(),
        last_activity: arrived,
        file_count: 0,
        locked_file_count: 0,
    });
    let index = log(st, &id, 200, None);
    let running = CreationRunning(Some(shared.clone()));
    let pending = SearchPending { index, id, running };
    (empty(200), Some(Later::Search(pending)))
}

/// Answers `POST searches` after the latency: the search as it is by then.
async fn finish_search(shared: &Arc<Shared>, mut pending: SearchPending) -> HttpResponse {
    if !shared.opts.search_create_latency.is_zero() {
        actix_rt::time::sleep(shared.opts.search_create_latency).await;
    }
    let mut st = shared.lock();
    let body = match st.search_mut(&pending.id) {
        Some(s) => s.render(false),
        None => json!({"id": pending.id, "state": search_state_name(S_COMPLETED | S_CANCELLED),
            "isComplete": true, "responses": []}),
    };
    if let Some(c) = st.creations.get_mut(pending.index) {
        c.answered = Some(Instant::now());
    }
    // Done before the answer leaves, so the client's next request never overlaps this one.
    if pending.running.0.take().is_some() {
        st.creations_running -= 1;
    }
    json_resp(200, &body)
}

/// A random version-4 GUID, rendered like .NET's `Guid.ToString()`.
fn new_guid() -> String {
    let v = (fastrand::u128(..) & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    dashed(&format!("{v:032x}"))
}

fn dashed(h: &str) -> String {
    [&h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]].join("-")
}

/// `Guid.TryParse` ("D", "N", "B" and "P" formats, any case), normalised to lower-case "D".
fn parse_guid(s: &str) -> Option<String> {
    let s = s.trim();
    let inner = (s.strip_prefix('{').and_then(|r| r.strip_suffix('}')))
        .or_else(|| s.strip_prefix('(').and_then(|r| r.strip_suffix(')')))
        .unwrap_or(s);
    let is_d = inner.len() == 36 && [8, 13, 18, 23].iter().all(|&i| inner.as_bytes()[i] == b'-');
    let h = if is_d {
        inner.replace('-', "")
    } else {
        inner.to_string()
    };
    let ok = h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit());
    ok.then(|| dashed(&h.to_lowercase()))
}

/// `2025-08-10T12:34:56.1234567`, as slskd returns records read back from its database.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    let fraction = t.timestamp_subsec_nanos() / 100;
    format!("{}{fraction:07}", t.format("%Y-%m-%dT%H:%M:%S."))
}

/// .NET's TimeSpan "c" format: `[d.]hh:mm:ss.fffffff`.
pub fn fmt_span(secs: f64) -> String {
    let ticks = (secs.max(0.0) * 1e7).round() as u64;
    let (days, t) = (ticks / 864_000_000_000, ticks % 864_000_000_000);
    let (h, m) = (t / 36_000_000_000, t / 600_000_000 % 60);
    let (s, f) = (t / 10_000_000 % 60, t % 10_000_000);
    let days = if days > 0 {
        format!("{days}.")
    } else {
        String::new()
    };
    format!("{days}{h:02}:{m:02}:{s:02}.{f:07}")
}

/// Where slskd puts a finished download: `{dir}/{last remote directory}/{file name}`.
pub fn local_path(downloads_dir: &Path, remote: &str) -> PathBuf {
    let (dir, name) = local_parts(downloads_dir, remote);
    dir.join(name)
}

fn local_parts(downloads_dir: &Path, remote: &str) -> (PathBuf, String) {
    // Linux forbids only NUL and '/'; '.' and '..' are neutralised so nothing lands outside.
    let clean = |s: &str| match s.replace(['\0', '/'], "_") {
        s if s.is_empty() || s == "." || s == ".." => "_".to_string(),
        s => s,
    };
    let mut parts = remote.rsplit('\\');
    let name = clean(parts.next().unwrap_or(""));
    match parts.next() {
        Some(dir) if !dir.is_empty() => (downloads_dir.join(clean(dir)), name),
        _ => (downloads_dir.to_path_buf(), name),
    }
}

/// The content the fake writes for a download: the remote filename's bytes, repeated.
pub fn file_content(remote: &str, size: u64) -> Vec<u8> {
    let pattern = if remote.is_empty() { "\0" } else { remote };
    pattern.bytes().cycle().take(size as usize).collect()
}

/// .NET's `DateTime.UtcNow.Ticks`: 100 ns units since 0001-01-01.
pub fn dotnet_ticks() -> i64 {
    Utc::now().timestamp_nanos_opt().unwrap_or(0) / 100 + 621_355_968_000_000_000
}

fn write_download(
    downloads_dir: &Path,
    remote: &str,
    size: u64,
    content: Option<&Vec<u8>>,
) -> std::io::Result<PathBuf> {
    let (dir, mut name) = local_parts(downloads_dir, remote);
    if dir.join(&name).exists() {
        // slskd's collision rule: `{stem}_{ticks}{ext}`.
        let (stem, ext) = name.split_at(name.rfind('.').unwrap_or(name.len()));
        name = format!("{stem}_{}{ext}", dotnet_ticks());
    }
    std::fs::create_dir_all(&dir)?;
    match content {
        Some(bytes) => std::fs::write(dir.join(&name), bytes)?,
        None => std::fs::write(dir.join(&name), file_content(remote, size))?,
    }
    Ok(dir.join(name))
}
