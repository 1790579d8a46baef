//! The search scheduler: the only way to a Soulseek search. Every caller —
//! the matching worker on its arbiter, HTTP handlers on actix-web's threads —
//! holds a [`SearchHandle`]; the scheduler actor runs on an arbiter of its
//! own (it owns an `awc` client, which is not `Send`).
//!
//! Rules (`architecture.md`, `config.md`, `slskd-api.md` §1.4):
//! - requests are served in arrival order;
//! - one search *creation* (`POST searches`) at a time, and at most
//!   `SEARCH_MAX_PER_WINDOW` creations per `SEARCH_WINDOW_SEC` (live config);
//!   a creation counts from the moment slskd answered it;
//! - slskd's 429 (another operation in progress, rate limit) is waited out
//!   and the creation tried again; other failures fail that request only;
//! - each search then follows slskd's lifecycle on its own, overlapping with
//!   later creations: poll `GET searches/{id}` until complete (stop it with
//!   `PUT` past a deadline), `GET searches/{id}/responses`, and always
//!   `DELETE searches/{id}`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::dev::{MessageResponse, OneshotSender};
use actix::prelude::*;

use super::registry::{ConnectionObserved, Service, WorkerRegistry};
use crate::config::{Config, SharedConfig};
use crate::domain::connection::ConnectionState;
use crate::domain::matching::Candidate;
use crate::domain::search_window::SearchWindow;
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
    /// The scheduler is gone (shutdown).
    #[error("the search scheduler is not running")]
    Stopped,
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

fn answer(slot: &ReplySlot, outcome: Outcome) {
    if let Some(tx) = slot.borrow_mut().take() {
        // The caller may have gone meanwhile: nothing to do then.
        let _ = tx.send(outcome);
    }
}

/// A cloneable, `Send + Sync` handle to the scheduler: keep it in app data,
/// clone it into worker futures.
#[derive(Clone)]
pub struct SearchHandle {
    addr: Addr<SearchScheduler>,
}

impl SearchHandle {
    /// Starts the scheduler on its own Arbiter (inside an actix system).
    pub fn start(
        config: SharedConfig,
        metrics: Arc<Metrics>,
        registry: Option<Addr<WorkerRegistry>>,
    ) -> SearchHandle {
        let arbiter = Arbiter::new();
        let addr = SearchScheduler::start_in_arbiter(&arbiter.handle(), move |_| SearchScheduler {
            config,
            metrics,
            registry,
            client: Rc::new(SlskdClient::default()),
            queue: VecDeque::new(),
            window: SearchWindow::new(),
            creating: false,
        });
        SearchHandle { addr }
    }

    /// Runs one search through the whole lifecycle; waits its turn. Dropping
    /// the future gives the turn away (a search already running is stopped
    /// and deleted).
    pub async fn search(&self, text: String) -> Result<SearchResults, SearchError> {
        match self.addr.send(SearchRequest { text }).await {
            Ok(outcome) => outcome,
            Err(_) => Err(SearchError::Stopped),
        }
    }
}

struct SearchRequest {
    text: String,
}

impl Message for SearchRequest {
    type Result = Outcome;
}

struct Queued {
    text: String,
    reply: ReplySlot,
    queued_at: Instant,
}

pub struct SearchScheduler {
    config: SharedConfig,
    metrics: Arc<Metrics>,
    registry: Option<Addr<WorkerRegistry>>,
    client: Rc<SlskdClient>,
    queue: VecDeque<Queued>,
    window: SearchWindow,
    /// A creation is in flight, or the budget timer is pending: the next
    /// creation waits for it.
    creating: bool,
}

impl Actor for SearchScheduler {
    type Context = Context<Self>;

    fn stopped(&mut self, _: &mut Self::Context) {
        // The arbiter exists for this actor only.
        Arbiter::current().stop();
    }
}

/// Takes the reply sender actix hands over, so the answer can be sent when
/// the search ends — while the mailbox goes on accepting requests.
struct Reply(ReplySlot);

impl MessageResponse<SearchScheduler, SearchRequest> for Reply {
    fn handle(self, _: &mut Context<SearchScheduler>, tx: Option<OneshotSender<Outcome>>) {
        *self.0.borrow_mut() = tx;
    }
}

impl Handler<SearchRequest> for SearchScheduler {
    type Result = Reply;

    fn handle(&mut self, msg: SearchRequest, ctx: &mut Self::Context) -> Reply {
        let reply: ReplySlot = Rc::new(RefCell::new(None));
        self.queue.push_back(Queued {
            text: msg.text,
            reply: Rc::clone(&reply),
            queued_at: Instant::now(),
        });
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

/// What a search's own future needs.
#[derive(Clone)]
struct Calls {
    client: Rc<SlskdClient>,
    config: SharedConfig,
    metrics: Arc<Metrics>,
    registry: Option<Addr<WorkerRegistry>>,
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
}

fn endpoint(config: &Config) -> Endpoint {
    Endpoint {
        base_url: config.slskd_url.clone(),
        api_key: config.slskd_api_key.clone(),
    }
}

/// A creation that may have reached the Soulseek network uses the budget:
/// answered (even unreadably), or failed in a way that leaves it unknown.
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
        }
    }

    /// Starts the next creation if none is running and the budget allows.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.creating {
            return;
        }
        while let Some(front) = self.queue.front() {
            if caller_gone(&front.reply) {
                tracing::debug!(text = %front.text, "search dropped: nobody waits for it");
                self.queue.pop_front();
                continue;
            }
            let config = self.config.current();
            if config.slskd_url.is_empty() {
                if let Some(request) = self.queue.pop_front() {
                    self.calls().observe(ConnectionState::Unconfigured);
                    answer(&request.reply, Err(SlskdError::Unconfigured.into()));
                }
                continue;
            }
            let wait = self.window.wait_before_next(
                Instant::now(),
                config.search_max_per_window,
                config.search_window,
            );
            if !wait.is_zero() {
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    queued = self.queue.len(),
                    "search budget used up: the next search waits"
                );
                self.creating = true;
                ctx.run_later(wait, |act, ctx| {
                    act.creating = false;
                    act.pump(ctx);
                });
                return;
            }
            if let Some(request) = self.queue.pop_front() {
                self.create(request, ctx);
            }
            return;
        }
    }

    /// `POST searches` (waiting out 429s), then hands the search to its own
    /// future and lets the next creation go.
    fn create(&mut self, request: Queued, ctx: &mut Context<Self>) {
        self.creating = true;
        let calls = self.calls();
        let id = new_search_id();
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
                        Err(SlskdError::RateLimited(wait)) if !caller_gone(&reply) => {
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
                act.creating = false;
                if may_have_created(&result) {
                    act.window.record(answered);
                }
                let search = Search {
                    calls,
                    id,
                    text: request.text,
                    timeout_ms,
                    reply: request.reply,
                    queued_at: request.queued_at,
                };
                match result {
                    // Created (an unreadable answer still created it).
                    Ok(_) | Err(SlskdError::Decode(_)) => {
                        act.metrics.search();
                        ctx.spawn(actix::fut::wrap_future(search.follow()));
                    }
                    Err(e) => {
                        if may_have_created(&Err(e.clone())) {
                            // Perhaps created: delete it, in case.
                            ctx.spawn(actix::fut::wrap_future(search.clone().delete()));
                        }
                        search.finish(Err(e.into()), None);
                    }
                }
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
        let mut stopped_at: Option<Instant> = None;
        loop {
            actix_rt::time::sleep(interval).await;
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
                None if caller_gone(&self.reply) => {
                    self.stop().await?;
                    return Ok(Ended::Abandoned);
                }
                None if now >= deadline => {
                    tracing::debug!(search_id = %self.id, "search past its deadline: stopping it");
                    self.stop().await?;
                    stopped_at = Some(now);
                }
                // slskd did not report the stop: read what it has.
                Some(at) if now.saturating_duration_since(at) >= STOP_GRACE => {
                    return Ok(Ended::Done { state: info.state });
                }
                _ => {}
            }
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
    use super::*;

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
