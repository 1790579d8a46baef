//! slskd's REST API (`<SLSKD_URL>/api/v0/…`), as the real server speaks it
//! (`slskd-api.md`): user-grouped transfer lists, GUID transfer ids, both
//! enqueue answers, percent-encoded user names. Transient failures (connect
//! errors, 5xx, 429) are retried here; other 4xx never are.

mod model;
mod search;

use std::time::Duration;

use awc::http::{Method, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

pub use model::{parse_datetime, parse_user_groups, EnqueueAnswer, Transfer};
pub use search::{
    new_search_id, parse_responses, to_candidates, SearchFile, SearchInfo, SearchResponse,
};

use super::http::{classify, is_stale_connection, HttpClient};
use crate::domain::connections::stale::SendFailure;
use crate::domain::connections::state::ConnectionState;
use crate::domain::secret::Secret;
use crate::metrics::{Metrics, Outcome};

/// Everything but unreserved characters is encoded in a path segment: user
/// names may contain spaces, `%`, `+`, `#`, `?`…
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
const LIST_TIMEOUT: Duration = Duration::from_secs(30);
/// Enqueueing waits for the peer's queue acknowledgement: seconds, sometimes more.
const ENQUEUE_TIMEOUT: Duration = Duration::from_secs(60);
/// A listing of 10 000 transfers is ~6 MB.
const MAX_BODY: usize = 64 << 20;
/// Attempts for calls that are safe to repeat.
const ATTEMPTS: u32 = 3;
/// The longest `Retry-After` honoured in place; longer waits go back to the caller.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlskdError {
    #[error("slskd is not configured (SLSKD_URL is empty)")]
    Unconfigured,
    /// No connection was made (refused, DNS, connect timeout): the request
    /// surely never reached slskd.
    #[error("slskd is unreachable: {0}")]
    NotConnected(String),
    /// The connection failed once the request may have been sent.
    #[error("slskd is unreachable: {0}")]
    Network(String),
    #[error("slskd refused the API key (HTTP {0})")]
    Unauthorized(u16),
    #[error("slskd is busy; try again in {0:?}")]
    RateLimited(Duration),
    #[error("slskd answered HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("unexpected answer from slskd: {0}")]
    Decode(String),
}

impl SlskdError {
    /// What this failure says about the connection (`/status`).
    pub fn connection_state(&self) -> ConnectionState {
        match self {
            SlskdError::Unconfigured => ConnectionState::Unconfigured,
            SlskdError::Unauthorized(_) => ConnectionState::Unauthorized,
            SlskdError::NotConnected(_) | SlskdError::Network(_) => ConnectionState::Unreachable,
            SlskdError::Status { status, .. } if *status >= 500 => ConnectionState::Unreachable,
            // slskd answered: it is up, the request was the problem.
            _ => ConnectionState::Ok,
        }
    }

    /// Worth trying again later (the service, not the request, was the problem).
    pub fn is_transient(&self) -> bool {
        match self {
            SlskdError::NotConnected(_) | SlskdError::Network(_) | SlskdError::RateLimited(_) => {
                true
            }
            SlskdError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Where slskd is and how to authenticate, read from the live configuration
/// for every call (a new `SLSKD_URL` applies to the next call).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub api_key: Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// Safe to repeat: connect errors, 5xx and 429 are tried again.
    Transient,
    /// Not idempotent (enqueue supersedes earlier records): only a 429, which
    /// slskd answers before doing anything, is tried again.
    OnlyRateLimit,
}

struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

/// Which connection a request goes out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A pooled keep-alive connection (idempotent requests that find it
    /// closed by the server are sent again on a fresh one).
    Pool,
    /// A new connection: a non-idempotent request sent again after its
    /// pooled connection was closed under it.
    FreshConnection,
}

/// How a call failed below the slskd level.
enum CallError {
    Slskd(SlskdError),
    /// A POST whose connection closed before any answer: it may have arrived.
    Unanswered(String),
}

impl From<CallError> for SlskdError {
    fn from(e: CallError) -> Self {
        match e {
            CallError::Slskd(e) => e,
            CallError::Unanswered(message) => SlskdError::Network(message),
        }
    }
}

pub struct SlskdClient {
    http: HttpClient,
}

impl Default for SlskdClient {
    fn default() -> Self {
        SlskdClient {
            http: HttpClient::new(ENQUEUE_TIMEOUT),
        }
    }
}

pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

impl SlskdClient {
    /// `GET server`: the cheapest call that proves the URL and the API key work.
    pub async fn probe(&self, endpoint: &Endpoint, metrics: &Metrics) -> ConnectionState {
        match self.get(endpoint, "server", PROBE_TIMEOUT, metrics).await {
            Ok(answer) if answer.status.is_success() => ConnectionState::Ok,
            Ok(answer) => status_error(&answer).connection_state(),
            Err(e) => e.connection_state(),
        }
    }

    /// Every download slskd knows (removed ones excluded), as the raw JSON
    /// body: a large list (~6 MB for 10 000 transfers) is parsed off the
    /// async thread with [`parse_user_groups`].
    pub async fn list_downloads(
        &self,
        endpoint: &Endpoint,
        metrics: &Metrics,
    ) -> Result<Vec<u8>, SlskdError> {
        let answer = self
            .get(endpoint, "transfers/downloads", LIST_TIMEOUT, metrics)
            .await?;
        if !answer.status.is_success() {
            return Err(status_error(&answer));
        }
        Ok(answer.body)
    }

    /// The downloads of one user; none when slskd answers 404.
    pub async fn user_downloads(
        &self,
        endpoint: &Endpoint,
        username: &str,
        metrics: &Metrics,
    ) -> Result<Vec<Transfer>, SlskdError> {
        let path = format!("transfers/downloads/{}", encode_segment(username));
        let answer = self.get(endpoint, &path, LIST_TIMEOUT, metrics).await?;
        match answer.status {
            StatusCode::NOT_FOUND => Ok(Vec::new()),
            s if s.is_success() => {
                model::parse_user_group(&answer.body).map_err(|e| SlskdError::Decode(e.to_string()))
            }
            _ => Err(status_error(&answer)),
        }
    }

    /// One transfer by id (`GET transfers/downloads/{username}/{id}`); slskd
    /// finds it even after it was removed from the list. `None` on 404.
    pub async fn transfer(
        &self,
        endpoint: &Endpoint,
        username: &str,
        transfer_id: &str,
        metrics: &Metrics,
    ) -> Result<Option<Transfer>, SlskdError> {
        let path = format!(
            "transfers/downloads/{}/{}",
            encode_segment(username),
            encode_segment(transfer_id)
        );
        let answer = self.get(endpoint, &path, LIST_TIMEOUT, metrics).await?;
        match answer.status {
            StatusCode::NOT_FOUND => Ok(None),
            s if s.is_success() => serde_json::from_slice::<Transfer>(&answer.body)
                .map(Some)
                .map_err(|e| SlskdError::Decode(e.to_string())),
            _ => Err(status_error(&answer)),
        }
    }

    /// Asks slskd to download one file. `Refused` is the peer's or slskd's
    /// answer about this file (offline user, rejection, size mismatch…);
    /// `Unanswered` says the connection closed before any answer; `Err`
    /// means the request itself did not get through.
    pub async fn enqueue(
        &self,
        endpoint: &Endpoint,
        username: &str,
        filename: &str,
        size: i64,
        via: Via,
        metrics: &Metrics,
    ) -> Result<EnqueueAnswer, SlskdError> {
        let path = format!("transfers/downloads/{}", encode_segment(username));
        let body = serde_json::json!([{ "filename": filename, "size": size }]);
        let answer = match self
            .call_via(
                endpoint,
                Method::POST,
                &path,
                Some(body),
                ENQUEUE_TIMEOUT,
                Retry::OnlyRateLimit,
                via,
                metrics,
            )
            .await
        {
            Ok(answer) => answer,
            Err(CallError::Unanswered(message)) => return Ok(EnqueueAnswer::Unanswered(message)),
            Err(CallError::Slskd(e)) => return Err(e),
        };
        match answer.status.as_u16() {
            200..=299 => Ok(model::parse_enqueue_answer(&answer.body, filename)),
            401 | 403 | 429 => Err(status_error(&answer)),
            // 0.23 reports an offline or refusing peer as a 500 with the reason.
            _ => Ok(EnqueueAnswer::Refused(format!(
                "slskd refused the download (HTTP {}): {}",
                answer.status.as_u16(),
                message_of(&answer.body)
            ))),
        }
    }

    /// Cancels a transfer (`DELETE transfers/downloads/{username}/{id}`);
    /// slskd answers 204 even for an id it does not know.
    pub async fn cancel(
        &self,
        endpoint: &Endpoint,
        username: &str,
        transfer_id: &str,
        metrics: &Metrics,
    ) -> Result<(), SlskdError> {
        let path = format!(
            "transfers/downloads/{}/{}",
            encode_segment(username),
            encode_segment(transfer_id)
        );
        self.idempotent_end(endpoint, Method::DELETE, &path, LIST_TIMEOUT, metrics)
            .await
    }

    /// Ending something (cancel a transfer, stop or delete a search): safe to
    /// repeat, and a 404 means it is already gone.
    async fn idempotent_end(
        &self,
        endpoint: &Endpoint,
        method: Method,
        path: &str,
        timeout: Duration,
        metrics: &Metrics,
    ) -> Result<(), SlskdError> {
        let answer = self
            .call(
                endpoint,
                method,
                path,
                None,
                timeout,
                Retry::Transient,
                metrics,
            )
            .await?;
        match answer.status.as_u16() {
            200..=299 | 404 => Ok(()),
            _ => Err(status_error(&answer)),
        }
    }

    /// A GET: always safe to repeat.
    async fn get(
        &self,
        endpoint: &Endpoint,
        path: &str,
        timeout: Duration,
        metrics: &Metrics,
    ) -> Result<Answer, SlskdError> {
        self.call(
            endpoint,
            Method::GET,
            path,
            None,
            timeout,
            Retry::Transient,
            metrics,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn call(
        &self,
        endpoint: &Endpoint,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        timeout: Duration,
        retry: Retry,
        metrics: &Metrics,
    ) -> Result<Answer, SlskdError> {
        self.call_via(
            endpoint,
            method,
            path,
            body,
            timeout,
            retry,
            Via::Pool,
            metrics,
        )
        .await
        .map_err(SlskdError::from)
    }

    /// One logical call. An idempotent request whose pooled connection the
    /// server had closed is sent again at once on a fresh connection (by
    /// [`HttpClient::send`]): not an attempt, and not an outage.
    #[allow(clippy::too_many_arguments)]
    async fn call_via(
        &self,
        endpoint: &Endpoint,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        timeout: Duration,
        retry: Retry,
        via: Via,
        metrics: &Metrics,
    ) -> Result<Answer, CallError> {
        if endpoint.base_url.is_empty() {
            return Err(CallError::Slskd(SlskdError::Unconfigured));
        }
        let url = format!("{}/api/v0/{path}", endpoint.base_url.trim_end_matches('/'));
        let send = |http: &awc::Client| {
            let mut request = http.request(method.clone(), &url).timeout(timeout);
            if !endpoint.api_key.is_empty() {
                request = request.insert_header(("X-API-Key", endpoint.api_key.expose()));
            }
            match &body {
                Some(json) => request.send_json(json),
                None => request.send(),
            }
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= ATTEMPTS;
            let sent = match via {
                Via::Pool => self.http.send(&method, &send).await,
                Via::FreshConnection => self.http.send_fresh(&send).await,
            };
            let mut response = match sent {
                Ok(r) => r,
                Err(e) => {
                    metrics.slskd_request(Outcome::NetworkError);
                    if retry == Retry::Transient && !last {
                        actix_rt::time::sleep(backoff(attempt)).await;
                        continue;
                    }
                    if retry == Retry::OnlyRateLimit && is_stale_connection(&e) {
                        return Err(CallError::Unanswered(e.to_string()));
                    }
                    return Err(CallError::Slskd(network_error(&e)));
                }
            };
            let status = response.status();
            metrics.slskd_request(Outcome::from_status(status.as_u16()));
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(&response).unwrap_or(backoff(attempt));
                if last || wait > MAX_INLINE_WAIT {
                    return Err(CallError::Slskd(SlskdError::RateLimited(wait)));
                }
                actix_rt::time::sleep(wait).await;
                continue;
            }
            if status.is_server_error() && retry == Retry::Transient && !last {
                actix_rt::time::sleep(backoff(attempt)).await;
                continue;
            }
            let body = match response.body().limit(MAX_BODY).await {
                Ok(bytes) => bytes.to_vec(),
                Err(e) => {
                    return Err(CallError::Slskd(SlskdError::Network(format!(
                        "reading the answer: {e}"
                    ))))
                }
            };
            return Ok(Answer { status, body });
        }
    }
}

/// A failure to connect happens before any byte of the request is sent. A
/// pooled connection that ends before the answer (awc reports it as a
/// `Connect` error, "connector has been disconnected") is not one: the
/// request was written and may have arrived.
fn network_error(e: &awc::error::SendRequestError) -> SlskdError {
    match classify(e) {
        SendFailure::ConnectFailed => SlskdError::NotConnected(e.to_string()),
        _ => SlskdError::Network(e.to_string()),
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << attempt.min(4))
}

/// `Retry-After` in seconds (the form slskd and its proxies send).
fn retry_after<S>(response: &awc::ClientResponse<S>) -> Option<Duration> {
    response
        .headers()
        .get(awc::http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

fn status_error(answer: &Answer) -> SlskdError {
    match answer.status.as_u16() {
        s @ (401 | 403) => SlskdError::Unauthorized(s),
        s => SlskdError::Status {
            status: s,
            message: message_of(&answer.body),
        },
    }
}

/// slskd's error bodies differ (plain text, a JSON string, ProblemDetails,
/// empty): take what reads as a message, bounded.
fn message_of(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(v) => ["detail", "title", "message", "error"]
            .iter()
            .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_string))
            .unwrap_or_else(|| text.to_string()),
        Err(_) => text.to_string(),
    };
    let message = if message.is_empty() {
        "no message".to_string()
    } else {
        message
    };
    message.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_encoded_as_one_segment() {
        assert_eq!(encode_segment("dj häns"), "dj%20h%C3%A4ns");
        assert_eq!(encode_segment("a/b?c#d%e+f"), "a%2Fb%3Fc%23d%25e%2Bf");
        assert_eq!(encode_segment("plain-name_1.x~"), "plain-name_1.x~");
    }

    #[test]
    fn error_bodies_of_every_shape_give_a_message() {
        assert_eq!(
            message_of(b"User x appears to be offline"),
            "User x appears to be offline"
        );
        assert_eq!(message_of(br#""quoted message""#), "quoted message");
        assert_eq!(
            message_of(br#"{"title":"Bad Request","status":400}"#),
            "Bad Request"
        );
        assert_eq!(message_of(b""), "no message");
        assert_eq!(message_of(&[b'x'; 1000]).len(), 300);
    }

    #[test]
    fn only_service_failures_are_transient() {
        assert!(SlskdError::Network("x".into()).is_transient());
        assert!(SlskdError::NotConnected("x".into()).is_transient());
        assert!(SlskdError::Status {
            status: 503,
            message: String::new()
        }
        .is_transient());
        assert!(!SlskdError::Status {
            status: 400,
            message: String::new()
        }
        .is_transient());
        assert!(!SlskdError::Unauthorized(401).is_transient());
        assert_eq!(
            SlskdError::Status {
                status: 404,
                message: String::new()
            }
            .connection_state(),
            ConnectionState::Ok
        );
        assert_eq!(
            SlskdError::Network("x".into()).connection_state(),
            ConnectionState::Unreachable
        );
        assert_eq!(
            SlskdError::NotConnected("x".into()).connection_state(),
            ConnectionState::Unreachable
        );
    }
}
