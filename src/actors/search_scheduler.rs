//! The search scheduler: the only way to a Soulseek search. Every caller —
//! the matching worker on its arbiter, HTTP handlers on actix-web's threads —
//! holds a [`SearchHandle`]; the scheduler actor stays on the thread that
//! started it (it owns an `awc` client, which is not `Send`): the service's
//! main thread, where it mostly waits (a thread of its own cost memory and
//! bought nothing).
//!
//! Rules (`architecture.md`, `config.md`, `slskd-api.md` §1.4); who goes
//! next is decided by [`SearchQueue`], this actor carries it out:
//! - a person waiting (`POST /api/v1/search`) goes before background work,
//!   which is served in arrival order; a person is answered "busy" rather
//!   than kept waiting, and always within `SEARCH_TIMEOUT_MS` plus
//!   [`INTERACTIVE_MARGIN`];
//! - one search *creation* (`POST searches`) at a time, at most
//!   `SEARCH_MAX_CONCURRENT` searches running (from creation until slskd
//!   reports it complete, or Harmony stopped or deleted it), and at most
//!   `SEARCH_MAX_PER_WINDOW` creations per `SEARCH_WINDOW_SEC` (live config);
//!   a creation counts from the moment slskd answered it; one that surely
//!   never reached slskd (no connection) counts for nothing;
//! - slskd's 429 (another operation in progress, rate limit) is waited out
//!   and the creation tried again; other failures fail that request only;
//! - each search then follows slskd's lifecycle on its own: poll
//!   `GET searches/{id}` until complete (stop it with `PUT` past a deadline),
//!   `GET searches/{id}/responses`, and always `DELETE searches/{id}`;
//! - a shutdown answers every waiting request and stops the running searches.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use actix::dev::{MessageResponse, OneshotSender};
use actix::prelude::*;
use actix_rt::ArbiterHandle;
use futures_util::future::LocalBoxFuture;

use super::registry::{ConnectionObserved, Service, WorkerRegistry};
use crate::config::{Config, SharedConfig};
use crate::domain::connections::state::ConnectionState;
use crate::domain::matching::Candidate;
use crate::domain::searches::queue::{Creation, Limits, Next, SearchQueue};
use crate::domain::searches::window::SearchWindow;
use crate::integrations::slskd::{
    new_search_id, to_candidates, Endpoint, SearchInfo, SearchResponse, SlskdClient, SlskdError,
};
use crate::metrics::Metrics;

/// Bounds of the state poll; the interval is about a fifth of the search timeout.
const MIN_POLL: Duration = Duration::from_millis(50);
const MAX_POLL: Duration = Duration::from_secs(1);
/// Beyond twice the search timeout, a search still running is stopped.
const DEADLINE_SLACK: Duration = Duration::from_secs(30);
/// How long a stopped search may take to report itself complete.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Bounds of a wait after slskd's 429.
const MIN_RATE_LIMIT_WAIT: Duration = Duration::from_millis(100);
const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(15 * 60);
/// A person gets an answer within `SEARCH_TIMEOUT_MS` plus this.
pub const INTERACTIVE_MARGIN: Duration = Duration::from_secs(5);
/// Kept free at the end of an interactive search to stop it, read what it
/// found and delete it before the answer is due.
const INTERACTIVE_WIND_DOWN: Duration = Duration::from_secs(2);
/// An interactive search is not started with less time than this to run
/// (or the search timeout, when shorter).
const INTERACTIVE_MIN_RUN: Duration = Duration::from_secs(3);

/// What one search found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// slskd's id of the search (deleted by now).
    pub search_id: String,
    /// The search text as sent.
    pub text: String,
    /// slskd's final state, e.g. `Completed, TimedOut`.
    pub state: String,
    pub responses: Vec<SearchResponse>,
}

impl SearchResults {
    /// The downloadable files of every response (locked files left out).
    pub fn candidates(&self) -> Vec<Candidate> {
        to_candidates(&self.responses)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    /// slskd refused the search text (HTTP 400).
    #[error("slskd refused the search text: {0}")]
    BadQuery(String),
    #[error(transparent)]
    Slskd(SlskdError),
    /// An interactive search could not start in time: other searches hold
    /// the slots or the budget.
    #[error("every Soulseek search slot is taken; try again later")]
    Busy,
    /// An interactive search did not end in time (slskd answers slowly).
    #[error("the Soulseek search did not finish in time")]
    TimedOut,
    /// The scheduler is shutting down.
    #[error("the search scheduler is not running")]
    Stopped,
    /// The scheduler failed (a panic) while this search waited or ran; a
    /// new one has been started. Trying again is safe.
    #[error("the search scheduler failed and was started again; try again")]
    Failed,
}

impl From<SlskdError> for SearchError {
    fn from(e: SlskdError) -> Self {
        match e.bad_query() {
            Some(message) => SearchError::BadQuery(message.to_string()),
            None => SearchError::Slskd(e),
        }
    }
}

type Outcome = Result<SearchResults, SearchError>;

/// Where the answer to one caller goes; filled by [`Reply`] right after the
/// request is queued. Empty, or closed, when nobody waits any more.
type ReplySlot = Rc<RefCell<Option<OneshotSender<Outcome>>>>;

fn caller_gone(slot: &ReplySlot) -> bool {
    slot.borrow().as_ref().is_none_or(|tx| tx.is_closed())
}

/// A poisoned lock still holds good data here (plain values, no invariant
/// spans two of them).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn answer(slot: &ReplySlot, outcome: Outcome) {
    if let Some(tx) = slot.borrow_mut().take() {
        // The caller may have gone meanwhile: nothing to do then.
        let _ = tx.send(outcome);
    }
}

/// A cloneable, `Send + Sync` handle to the scheduler: keep it in app data,
/// clone it into worker futures.
///
/// It also supervises the scheduler. Should the scheduler fail (a panic in
/// it drops the actor and its mailbox), the first caller to find the mailbox
/// closed has a new one started on the same thread: the requests the old one
/// held are answered [`SearchError::Failed`] (the matching worker tries them
/// again later; a person is told to), and the search budget goes on from
/// what the failed one used.
#[derive(Clone)]
pub struct SearchHandle {
    inner: Arc<Supervised>,
}

struct Supervised {
    current: Mutex<Addr<SearchScheduler>>,
    /// The thread the scheduler lives on (its awc client is not `Send`).
    home: ArbiterHandle,
    parts: Parts,
    shut_down: AtomicBool,
    restarts: AtomicU64,
}

/// What it takes to start a scheduler.
#[derive(Clone)]
struct Parts {
    config: SharedConfig,
    metrics: Arc<Metrics>,
    registry: Option<Addr<WorkerRegistry>>,
    /// The creations that count against the budget, kept outside the
    /// scheduler so that a new one after a failure goes on from them.
    history: Arc<Mutex<SearchWindow>>,
}

impl Parts {
    /// Starts a scheduler on the current arbiter.
    fn start(&self) -> Addr<SearchScheduler> {
        let parts = self.clone();
        let made = lock(&parts.history).clone();
        <SearchScheduler as Actor>::create(move |_| SearchScheduler {
            config: parts.config,
            metrics: parts.metrics,
            registry: parts.registry,
            history: parts.history,
            client: Rc::new(SlskdClient::default()),
            queue: SearchQueue::resuming(made),
            wake_up: None,
            in_flight: Vec::new(),
            stopping: Rc::new(Cell::new(false)),
        })
    }
}

impl SearchHandle {
    /// Starts the scheduler on the current arbiter (inside an actix system).
    pub fn start(
        config: SharedConfig,
        metrics: Arc<Metrics>,
        registry: Option<Addr<WorkerRegistry>>,
    ) -> SearchHandle {
        let parts = Parts {
            config,
            metrics,
            registry,
            history: Arc::default(),
        };
        SearchHandle {
            inner: Arc::new(Supervised {
                current: Mutex::new(parts.start()),
                home: Arbiter::current(),
                parts,
                shut_down: AtomicBool::new(false),
                restarts: AtomicU64::new(0),
            }),
        }
    }

    /// Background work (the matching worker): runs one search through the
    /// whole lifecycle; waits its turn, however long. Dropping the future
    /// gives the turn away (a search already running is stopped and deleted).
    pub async fn search(&self, text: String) -> Result<SearchResults, SearchError> {
        self.request(text, false).await
    }

    /// A person waits for this search: it goes before background work and
    /// is answered within `SEARCH_TIMEOUT_MS` plus [`INTERACTIVE_MARGIN`] —
    /// [`SearchError::Busy`] when it could not start in time, the results
    /// found until then when it had to be stopped early.
    pub async fn search_now(&self, text: String) -> Result<SearchResults, SearchError> {
        self.request(text, true).await
    }

    async fn request(&self, text: String, interactive: bool) -> Result<SearchResults, SearchError> {
        let scheduler = self.current();
        match scheduler.send(SearchRequest { text, interactive }).await {
            Ok(outcome) => outcome,
            Err(_) if self.inner.shut_down.load(Ordering::Acquire) => Err(SearchError::Stopped),
            Err(_) => {
                self.replace_if_dead(&scheduler);
                Err(SearchError::Failed)
            }
        }
    }

    /// The Soulseek search budget as it stands; `None` once stopped (or
    /// while a failed scheduler is being replaced).
    pub async fn budget(&self) -> Option<SearchBudget> {
        let scheduler = self.current();
        let budget = scheduler.send(GetBudget).await.ok();
        if budget.is_none() {
            self.replace_if_dead(&scheduler);
        }
        budget
    }

    /// How many times a failed scheduler was replaced.
    pub fn restarts(&self) -> u64 {
        self.inner.restarts.load(Ordering::Relaxed)
    }

    /// Shutdown: every waiting request is answered [`SearchError::Stopped`]
    /// at once, running searches are stopped and deleted (their callers are
    /// answered the same), and new requests are refused.
    pub fn shutdown(&self) {
        self.inner.shut_down.store(true, Ordering::Release);
        self.current().do_send(Shutdown);
    }

    fn current(&self) -> Addr<SearchScheduler> {
        lock(&self.inner.current).clone()
    }

    /// Starts another scheduler if `seen` is still the current one and has
    /// stopped. Runs on the scheduler's own thread, one closure at a time,
    /// so callers that saw the same failure start one scheduler between them.
    fn replace_if_dead(&self, seen: &Addr<SearchScheduler>) {
        let inner = Arc::clone(&self.inner);
        let seen = seen.clone();
        self.inner.home.spawn_fn(move || {
            if inner.shut_down.load(Ordering::Acquire) || seen.connected() {
                return;
            }
            let mut current = lock(&inner.current);
            if *current == seen {
                *current = inner.parts.start();
                let restarts = inner.restarts.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::error!(
                    restarts,
                    "the search scheduler failed; a new one is started"
                );
            }
        });
    }
}

/// What the dashboard shows of the search scheduler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchBudget {
    /// Creations within the current window, and how many it allows.
    pub used: usize,
    pub max_per_window: u32,
    pub window: Duration,
    /// Searches being created or running on slskd, and the limit.
    pub running: usize,
    pub max_concurrent: u32,
    /// Requests waiting for a slot or the budget.
    pub waiting: usize,
}

struct GetBudget;

impl Message for GetBudget {
    type Result = SearchBudget;
}

impl Handler<GetBudget> for SearchScheduler {
    type Result = MessageResult<GetBudget>;

    fn handle(&mut self, _: GetBudget, _: &mut Self::Context) -> Self::Result {
        let limits = limits(&self.config.current());
        MessageResult(SearchBudget {
            used: self.queue.used_at(Instant::now(), limits.window),
            max_per_window: limits.max_per_window,
            window: limits.window,
            running: self.queue.running(),
            max_concurrent: limits.max_concurrent,
            waiting: self.queue.waiting(),
        })
    }
}

struct SearchRequest {
    text: String,
    interactive: bool,
}

impl Message for SearchRequest {
    type Result = Outcome;
}

struct Queued {
    text: String,
    reply: ReplySlot,
    queued_at: Instant,
    /// A person waits: stop the search by then to answer in time.
    stop_by: Option<Instant>,
}

pub struct SearchScheduler {
    config: SharedConfig,
    metrics: Arc<Metrics>,
    registry: Option<Addr<WorkerRegistry>>,
    /// The budget's creations, also kept by the handle (see [`Parts`]).
    history: Arc<Mutex<SearchWindow>>,
    client: Rc<SlskdClient>,
    queue: SearchQueue<Queued>,
    /// The timer of the next decision the queue asked for.
    wake_up: Option<SpawnHandle>,
    /// The callers of the searches being created or running.
    in_flight: Vec<ReplySlot>,
    /// Set by a shutdown; read by the searches' own futures.
    stopping: Rc<Cell<bool>>,
}

impl Actor for SearchScheduler {
    type Context = Context<Self>;
}

/// Takes the reply sender actix hands over, so the answer can be sent when
/// the search ends — while the mailbox goes on accepting requests.
struct Reply(ReplySlot);

impl MessageResponse<SearchScheduler, SearchRequest> for Reply {
    fn handle(self, _: &mut Context<SearchScheduler>, tx: Option<OneshotSender<Outcome>>) {
        *self.0.borrow_mut() = tx;
    }
}

/// When a person must have the answer, and when their search must have
/// started to be of use by then.
fn interactive_deadlines(now: Instant, config: &Config) -> (Instant, Instant) {
    let timeout = Duration::from_millis(config.search_timeout_ms);
    let answer_by = now + timeout + INTERACTIVE_MARGIN;
    let start_by = answer_by - timeout.min(INTERACTIVE_MIN_RUN) - INTERACTIVE_WIND_DOWN;
    (answer_by, start_by)
}

impl Handler<SearchRequest> for SearchScheduler {
    type Result = Reply;

    fn handle(&mut self, msg: SearchRequest, ctx: &mut Self::Context) -> Reply {
        let reply: ReplySlot = Rc::new(RefCell::new(None));
        let now = Instant::now();
        let mut request = Queued {
            text: msg.text,
            reply: Rc::clone(&reply),
            queued_at: now,
            stop_by: None,
        };
        if msg.interactive {
            let (answer_by, start_by) = interactive_deadlines(now, &self.config.current());
            request.stop_by = Some(answer_by - INTERACTIVE_WIND_DOWN);
            self.queue.push_interactive(request, start_by);
            // Whatever happens meanwhile, the person has an answer by then
            // (a search still running notices and is stopped and deleted).
            let slot = Rc::clone(&reply);
            ctx.run_later(answer_by.saturating_duration_since(now), move |_, _| {
                answer(&slot, Err(SearchError::TimedOut));
            });
        } else {
            self.queue.push_background(request);
        }
        // After `Reply::handle` stored the sender.
        ctx.notify(Pump);
        Reply(reply)
    }
}

struct Pump;

impl Message for Pump {
    type Result = ();
}

impl Handler<Pump> for SearchScheduler {
    type Result = ();

    fn handle(&mut self, _: Pump, ctx: &mut Self::Context) {
        self.pump(ctx);
    }
}

struct Shutdown;

impl Message for Shutdown {
    type Result = ();
}

impl Handler<Shutdown> for SearchScheduler {
    type Result = ();

    fn handle(&mut self, _: Shutdown, ctx: &mut Self::Context) {
        tracing::debug!(
            waiting = self.queue.waiting(),
            running = self.queue.running(),
            "search scheduler stopping: waiting searches abandoned"
        );
        self.stopping.set(true);
        // Their searches notice and are stopped and deleted.
        for reply in self.in_flight.drain(..) {
            answer(&reply, Err(SearchError::Stopped));
        }
        self.pump(ctx);
    }
}

/// What a search's own future needs.
#[derive(Clone)]
struct Calls {
    client: Rc<SlskdClient>,
    config: SharedConfig,
    metrics: Arc<Metrics>,
    registry: Option<Addr<WorkerRegistry>>,
    stopping: Rc<Cell<bool>>,
}

impl Calls {
    fn observe(&self, state: ConnectionState) {
        if let Some(registry) = &self.registry {
            registry.do_send(ConnectionObserved {
                service: Service::Slskd,
                state,
            });
        }
    }

    fn observe_result<T>(&self, result: &Result<T, SlskdError>) {
        self.observe(match result {
            Ok(_) => ConnectionState::Ok,
            Err(e) => e.connection_state(),
        });
    }

    /// Nobody needs this search any more: its caller left, or Harmony stops.
    fn abandoned(&self, reply: &ReplySlot) -> bool {
        self.stopping.get() || caller_gone(reply)
    }
}

fn endpoint(config: &Config) -> Endpoint {
    Endpoint {
        base_url: config.slskd_url.clone(),
        api_key: config.slskd_api_key.clone(),
    }
}

fn limits(config: &Config) -> Limits {
    Limits {
        max_concurrent: config.search_max_concurrent,
        max_per_window: config.search_max_per_window,
        window: config.search_window,
    }
}

/// A creation that may have reached the Soulseek network uses the budget:
/// answered (even unreadably), or failed in a way that leaves it unknown.
/// One that never got a connection to slskd surely did not.
fn may_have_created(result: &Result<SearchInfo, SlskdError>) -> bool {
    match result {
        Ok(_) => true,
        Err(SlskdError::Network(_) | SlskdError::Decode(_)) => true,
        Err(SlskdError::Status { status, .. }) => *status >= 500,
        Err(_) => false,
    }
}

impl SearchScheduler {
    fn calls(&self) -> Calls {
        Calls {
            client: Rc::clone(&self.client),
            config: self.config.clone(),
            metrics: Arc::clone(&self.metrics),
            registry: self.registry.clone(),
            stopping: Rc::clone(&self.stopping),
        }
    }

    /// Kept for a scheduler that may have to take over after a failure.
    fn remember_creation(&self, at: Instant) {
        let window = self.config.current().search_window;
        let mut history = lock(&self.history);
        history.record(at);
        history.forget_older(Instant::now(), window);
    }

    fn forget(&mut self, reply: &ReplySlot) {
        self.in_flight.retain(|r| !Rc::ptr_eq(r, reply));
    }

    /// Carries out the queue's decisions until it says to wait.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if let Some(timer) = self.wake_up.take() {
            ctx.cancel_future(timer);
        }
        self.queue
            .drop_waiting(|request| caller_gone(&request.reply));
        let config = self.config.current();
        if self.stopping.get() || config.slskd_url.is_empty() {
            let waiting = self.queue.take_waiting();
            let error = if self.stopping.get() {
                SearchError::Stopped
            } else {
                if !waiting.is_empty() {
                    self.calls().observe(ConnectionState::Unconfigured);
                }
                SearchError::Slskd(SlskdError::Unconfigured)
            };
            for request in waiting {
                answer(&request.reply, Err(error.clone()));
            }
            return;
        }
        loop {
            let now = Instant::now();
            match self.queue.next(now, limits(&config)) {
                Next::Create(request) => self.create(request, ctx),
                Next::GiveUp(request) => {
                    tracing::info!(
                        text = %request.text,
                        running = self.queue.running(),
                        waiting = self.queue.waiting(),
                        "interactive search given up: no search slot or budget in time"
                    );
                    answer(&request.reply, Err(SearchError::Busy));
                }
                Next::WaitUntil(at) => {
                    tracing::debug!(
                        wait_ms = at.saturating_duration_since(now).as_millis() as u64,
                        waiting = self.queue.waiting(),
                        "the next search waits"
                    );
                    let wait = at.saturating_duration_since(now);
                    self.wake_up = Some(ctx.run_later(wait, |act, ctx| {
                        act.wake_up = None;
                        act.pump(ctx);
                    }));
                    return;
                }
                Next::Idle => return,
            }
        }
    }

    /// `POST searches` (waiting out 429s), then hands the search to its own
    /// future and lets the next creation go.
    fn create(&mut self, request: Queued, ctx: &mut Context<Self>) {
        let calls = self.calls();
        let id = new_search_id();
        self.in_flight.push(Rc::clone(&request.reply));
        let reply = Rc::clone(&request.reply);
        let text = request.text.clone();
        let creation = {
            let (calls, id, text) = (calls.clone(), id.clone(), text.clone());
            async move {
                loop {
                    let config = calls.config.current();
                    let timeout_ms = config.search_timeout_ms;
                    let result = calls
                        .client
                        .create_search(&endpoint(&config), &id, &text, timeout_ms, &calls.metrics)
                        .await;
                    let answered = Instant::now();
                    calls.observe_result(&result);
                    match result {
                        Err(SlskdError::RateLimited(wait)) if !calls.abandoned(&reply) => {
                            let wait = wait.clamp(MIN_RATE_LIMIT_WAIT, MAX_RATE_LIMIT_WAIT);
                            tracing::debug!(
                                search_id = %id,
                                wait_ms = wait.as_millis() as u64,
                                "slskd is busy (429): creating the search again after a wait"
                            );
                            actix_rt::time::sleep(wait).await;
                        }
                        result => return (result, answered, timeout_ms),
                    }
                }
            }
        };
        ctx.spawn(creation.into_actor(self).map(
            move |(result, answered, timeout_ms), act, ctx| {
                let reply = Rc::clone(&request.reply);
                let search = Search {
                    calls,
                    id,
                    text: request.text,
                    timeout_ms,
                    reply: request.reply,
                    queued_at: request.queued_at,
                    stop_by: request.stop_by,
                };
                if !may_have_created(&result) {
                    act.queue.creation_ended(Creation::Never);
                    act.forget(&reply);
                    if let Err(e) = result {
                        search.finish(Err(e.into()), None);
                    }
                    act.pump(ctx);
                    return;
                }
                act.queue
                    .creation_ended(Creation::MayExist { at: answered });
                act.remember_creation(answered);
                // Its slot is free once the search is over on slskd.
                let over: LocalBoxFuture<'static, ()> = match result {
                    // Created (an unreadable answer still created it).
                    Ok(_) | Err(SlskdError::Decode(_)) => {
                        act.metrics.search();
                        Box::pin(search.follow())
                    }
                    // Perhaps created: delete it, in case.
                    Err(e) => Box::pin(async move {
                        search.clone().delete().await;
                        search.finish(Err(e.into()), None);
                    }),
                };
                ctx.spawn(over.into_actor(act).map(move |(), act, ctx| {
                    act.queue.search_ended();
                    act.forget(&reply);
                    act.pump(ctx);
                }));
                act.pump(ctx);
            },
        ));
    }
}

/// One created search, followed to its end on its own.
#[derive(Clone)]
struct Search {
    calls: Calls,
    id: String,
    text: String,
    timeout_ms: u64,
    reply: ReplySlot,
    queued_at: Instant,
    /// A person waits: stopped by then, whatever slskd says.
    stop_by: Option<Instant>,
}

enum Ended {
    Done {
        state: String,
    },
    /// Nobody waits any more: stopped without reading the responses.
    Abandoned,
}

impl Search {
    fn endpoint(&self) -> Endpoint {
        endpoint(&self.calls.config.current())
    }

    async fn follow(self) {
        let started = Instant::now();
        let ended = self.wait_for_completion().await;
        let outcome = match ended {
            Ok(Ended::Done { state }) => {
                let result = self
                    .calls
                    .client
                    .search_responses(&self.endpoint(), &self.id, &self.calls.metrics)
                    .await;
                self.calls.observe_result(&result);
                result
                    .map(|responses| SearchResults {
                        search_id: self.id.clone(),
                        text: self.text.clone(),
                        state,
                        responses,
                    })
                    .map_err(SearchError::from)
            }
            Ok(Ended::Abandoned) => Err(SearchError::Stopped),
            Err(e) => Err(e.into()),
        };
        // Always, also after errors: slskd keeps every search otherwise.
        self.clone().delete().await;
        self.finish(outcome, Some(started));
    }

    /// Polls until slskd reports the search complete; stops it when it runs
    /// past the deadline or nobody waits for it any more.
    async fn wait_for_completion(&self) -> Result<Ended, SlskdError> {
        let timeout = Duration::from_millis(self.timeout_ms);
        let interval = (timeout / 5).clamp(MIN_POLL, MAX_POLL);
        let deadline = Instant::now() + timeout * 2 + DEADLINE_SLACK;
        let deadline = self.stop_by.map_or(deadline, |by| by.min(deadline));
        let mut stopped_at: Option<Instant> = None;
        let mut pause = interval;
        loop {
            actix_rt::time::sleep(pause).await;
            let result = self
                .calls
                .client
                .search(&self.endpoint(), &self.id, &self.calls.metrics)
                .await;
            self.calls.observe_result(&result);
            let info = match result? {
                Some(info) => info,
                None => {
                    return Err(SlskdError::Status {
                        status: 404,
                        message: format!("slskd no longer knows search {}", self.id),
                    })
                }
            };
            if info.is_completed() {
                return Ok(Ended::Done { state: info.state });
            }
            let now = Instant::now();
            match stopped_at {
                None if self.calls.abandoned(&self.reply) => {
                    self.stop().await?;
                    return Ok(Ended::Abandoned);
                }
                None if now >= deadline => {
                    tracing::debug!(search_id = %self.id, "search past its deadline: stopping it");
                    self.stop().await?;
                    stopped_at = Some(now);
                    // slskd completes a stopped search at once: read it soon.
                    pause = MIN_POLL;
                    continue;
                }
                // slskd did not report the stop: read what it has.
                Some(at) if now.saturating_duration_since(at) >= STOP_GRACE => {
                    return Ok(Ended::Done { state: info.state });
                }
                _ => {}
            }
            // Not past the deadline by more than a short poll (a person waits on it).
            pause = match stopped_at {
                None => interval.min(deadline.saturating_duration_since(now).max(MIN_POLL)),
                Some(_) => interval,
            };
        }
    }

    async fn stop(&self) -> Result<(), SlskdError> {
        let result = self
            .calls
            .client
            .stop_search(&self.endpoint(), &self.id, &self.calls.metrics)
            .await;
        self.calls.observe_result(&result);
        result
    }

    /// `DELETE searches/{id}`; a failure is only logged.
    async fn delete(self) {
        let result = self
            .calls
            .client
            .delete_search(&self.endpoint(), &self.id, &self.calls.metrics)
            .await;
        self.calls.observe_result(&result);
        if let Err(e) = result {
            tracing::warn!(search_id = %self.id, error = %e, "could not delete the slskd search");
        }
    }

    fn finish(self, outcome: Outcome, started: Option<Instant>) {
        let waited_ms = started
            .unwrap_or_else(Instant::now)
            .saturating_duration_since(self.queued_at)
            .as_millis() as u64;
        let took_ms = started.map(|s| s.elapsed().as_millis() as u64);
        match &outcome {
            Ok(results) => tracing::debug!(
                text = %self.text,
                search_id = %self.id,
                state = %results.state,
                responses = results.responses.len(),
                files = results.responses.iter().map(|r| r.files.len()).sum::<usize>(),
                waited_ms,
                took_ms,
                "search finished"
            ),
            Err(e) => tracing::debug!(
                text = %self.text,
                search_id = %self.id,
                error = %e,
                waited_ms,
                took_ms,
                "search failed"
            ),
        }
        answer(&self.reply, outcome);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use harmony_testkit::fake_slskd::{FakeOptions, FakeSlskd};

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> SharedConfig {
        let env: HashMap<&str, String> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let raw = crate::config::load(|k| env.get(k).cloned()).unwrap();
        SharedConfig::new(Config::from_raw(&raw).unwrap())
    }

    fn unconfigured_slskd() -> SharedConfig {
        config(&[("SLSKD_URL", "")])
    }

    /// Makes the scheduler fail as a bug in it would.
    struct Crash;

    impl Message for Crash {
        type Result = ();
    }

    impl Handler<Crash> for SearchScheduler {
        type Result = ();

        fn handle(&mut self, _: Crash, _: &mut Self::Context) {
            panic!("scripted failure of the search scheduler");
        }
    }

    /// The budget once a new scheduler answers (`None` if none did in 1 s).
    async fn replaced(handle: &SearchHandle) -> Option<SearchBudget> {
        for _ in 0..100 {
            if let Some(budget) = handle.budget().await {
                return Some(budget);
            }
            actix_rt::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    #[actix_rt::test]
    async fn a_failed_scheduler_is_replaced_and_shutdown_is_not_a_failure() {
        let handle = SearchHandle::start(unconfigured_slskd(), Arc::default(), None);
        let unconfigured = Err(SearchError::Slskd(SlskdError::Unconfigured));
        assert_eq!(handle.search("one".into()).await, unconfigured);

        let failed = handle.current();
        assert!(
            failed.send(Crash).await.is_err(),
            "the panic drops the actor"
        );
        // The first caller to meet the failure is told, and a new scheduler
        // is started on the scheduler's thread.
        assert_eq!(handle.search("two".into()).await, Err(SearchError::Failed));
        assert!(replaced(&handle).await.is_some());
        assert_eq!(
            handle.search("three".into()).await,
            unconfigured,
            "the new scheduler answers"
        );
        assert_ne!(handle.current(), failed);
        assert_eq!(handle.restarts(), 1);

        handle.shutdown();
        assert_eq!(
            handle.search("four".into()).await,
            Err(SearchError::Stopped)
        );
        assert_eq!(handle.restarts(), 1, "nothing is restarted at shutdown");
    }

    #[actix_rt::test]
    async fn after_a_failure_the_budget_goes_on_from_what_was_used() {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeSlskd::start(FakeOptions::default(), dir.path().join("slskd")).await;
        let one_per_ten_minutes = config(&[
            ("SLSKD_URL", &fake.url),
            ("SEARCH_TIMEOUT_MS", "150"),
            ("SEARCH_MAX_PER_WINDOW", "1"),
            ("SEARCH_WINDOW_SEC", "600"),
        ]);
        let handle = SearchHandle::start(one_per_ten_minutes, Arc::default(), None);
        assert!(handle.search("one".into()).await.is_ok());

        let failed = handle.current();
        assert!(failed.send(Crash).await.is_err());
        let budget = replaced(&handle).await;
        assert_ne!(handle.current(), failed, "a new scheduler");
        assert_eq!(budget.map(|b| b.used), Some(1), "the creation still counts");
        // So a person is told "busy" rather than a second search being made.
        assert_eq!(
            handle.search_now("two".into()).await,
            Err(SearchError::Busy)
        );
        assert_eq!(fake.search_creations().len(), 1);
    }

    #[test]
    fn a_refused_text_is_a_bad_query() {
        let e: SearchError = SlskdError::Status {
            status: 400,
            message: "SearchText may not be null or empty".into(),
        }
        .into();
        assert_eq!(
            e,
            SearchError::BadQuery("SearchText may not be null or empty".into())
        );
        let e: SearchError = SlskdError::Status {
            status: 409,
            message: "not logged in".into(),
        }
        .into();
        assert!(matches!(
            e,
            SearchError::Slskd(SlskdError::Status { status: 409, .. })
        ));
    }

    #[test]
    fn only_possible_creations_use_the_budget() {
        assert!(may_have_created(&Ok(SearchInfo::default())));
        assert!(may_have_created(&Err(SlskdError::Network("reset".into()))));
        assert!(may_have_created(&Err(SlskdError::Status {
            status: 502,
            message: String::new()
        })));
        for refused in [
            SlskdError::Status {
                status: 400,
                message: String::new(),
            },
            SlskdError::Status {
                status: 409,
                message: String::new(),
            },
            SlskdError::Unauthorized(401),
            SlskdError::NotConnected("connection refused".into()),
            SlskdError::RateLimited(Duration::from_secs(1)),
            SlskdError::Unconfigured,
        ] {
            assert!(!may_have_created(&Err(refused.clone())), "{refused:?}");
        }
    }

    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}

    #[test]
    fn the_handle_can_be_shared() {
        assert_send_sync_clone::<SearchHandle>();
    }
}
