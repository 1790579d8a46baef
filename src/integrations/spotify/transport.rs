//! The one request loop every Spotify call goes through: the shared rate
//! gate first, then bounded retries (429 with a short `Retry-After`; connect
//! errors, timeouts and 5xx only where repeating is safe).

use std::time::Duration;

use awc::http::{Method, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::error::SpotifyError;
use super::SpotifyClient;

/// Attempts per logical call, whatever made the earlier ones fail.
const ATTEMPTS: u32 = 3;
/// The longest wait done in place, for a closed gate or a 429; longer ones
/// go back to the caller as `RateLimited`.
pub const MAX_INLINE_WAIT: Duration = Duration::from_secs(5);
/// `Retry-After` assumed when a 429 has none (or one that does not parse).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// A full album or a page of 100 playlist entries is well under 1 MiB.
const MAX_BODY: usize = 8 << 20;

/// Everything but unreserved characters is encoded, in path segments and
/// query values alike.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(super) fn encode(value: &str) -> String {
    utf8_percent_encode(value, COMPONENT).to_string()
}

/// `a=1&b=x%20y`.
pub(super) fn query(pairs: &[(&str, &str)]) -> String {
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    pairs.join("&")
}

/// How a request may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Retry {
    /// A read: connect errors, timeouts and 5xx are tried again.
    Idempotent,
    /// A token request: a code is single-use, so only a 429 (answered before
    /// anything happened) is tried again.
    OnlyRateLimit,
}

pub(super) enum Auth<'a> {
    Bearer(&'a str),
    /// HTTP Basic client authentication (client id, secret).
    Basic(&'a str, &'a str),
    None,
}

pub(super) struct Request<'a> {
    pub method: Method,
    pub url: String,
    pub auth: Auth<'a>,
    pub form: Option<Vec<(&'a str, &'a str)>>,
    pub retry: Retry,
}

/// A final answer (not a 429): the caller maps the status.
pub(super) struct Answer {
    pub status: StatusCode,
    pub body: Vec<u8>,
}

impl SpotifyClient {
    pub(super) async fn send(&self, request: Request<'_>) -> Result<Answer, SpotifyError> {
        let path = log_path(&request.url);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= ATTEMPTS;
            self.pass_gate().await?;
            tracing::debug!(method = %request.method, path, attempt, "spotify request");
            // A pooled connection Spotify closed while idle is sent again at
            // once on a fresh one (idempotent requests only): not an attempt.
            let send = |http: &awc::Client| {
                let builder = http.request(request.method.clone(), &request.url);
                let builder = match request.auth {
                    Auth::Bearer(token) => builder.bearer_auth(token),
                    Auth::Basic(id, secret) => builder.basic_auth(id, secret),
                    Auth::None => builder,
                };
                match &request.form {
                    Some(form) => builder.send_form(form),
                    None => builder.send(),
                }
            };
            let sent = self.http.send(&request.method, send).await;
            let retry_transient = request.retry == Retry::Idempotent && !last;
            let mut response = match sent {
                Ok(r) => r,
                Err(e) if retry_transient => {
                    tracing::debug!(path, error = %e, "spotify request failed; retrying");
                    actix_rt::time::sleep(backoff(attempt)).await;
                    continue;
                }
                Err(e) => return Err(SpotifyError::Network(e.to_string())),
            };
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(&response).unwrap_or(DEFAULT_RETRY_AFTER);
                self.gate.block_for(wait);
                tracing::debug!(path, ?wait, "spotify rate limit");
                if last || wait > MAX_INLINE_WAIT {
                    return Err(SpotifyError::RateLimited { retry_after: wait });
                }
                // The gate makes the next pass wait.
                continue;
            }
            if status.is_server_error() && retry_transient {
                actix_rt::time::sleep(backoff(attempt)).await;
                continue;
            }
            match response.body().limit(MAX_BODY).await {
                Ok(bytes) => {
                    return Ok(Answer {
                        status,
                        body: bytes.to_vec(),
                    })
                }
                Err(_) if retry_transient => {
                    actix_rt::time::sleep(backoff(attempt)).await;
                }
                Err(e) => return Err(SpotifyError::Network(format!("reading the answer: {e}"))),
            }
        }
    }

    /// Waits for a gate closed for a short while; a long one fails at once,
    /// without sending anything.
    async fn pass_gate(&self) -> Result<(), SpotifyError> {
        while let Some(remaining) = self.gate.remaining() {
            if remaining > MAX_INLINE_WAIT {
                return Err(SpotifyError::RateLimited {
                    retry_after: remaining,
                });
            }
            actix_rt::time::sleep(remaining).await;
        }
        Ok(())
    }
}

/// 250 ms, then 500 ms.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << attempt.saturating_sub(1).min(4))
}

/// `Retry-After` in seconds, the form Spotify sends.
fn retry_after<S>(response: &awc::ClientResponse<S>) -> Option<Duration> {
    response
        .headers()
        .get(awc::http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
}

/// The path of a URL, without scheme, host or query: what logs may show.
fn log_path(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = without_scheme
        .find('/')
        .map_or("/", |i| &without_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_show_the_path_only() {
        assert_eq!(
            log_path("https://api.spotify.com/v1/me/playlists?offset=50&limit=50"),
            "/v1/me/playlists"
        );
        assert_eq!(log_path("http://127.0.0.1:1"), "/");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query(&[("q", "artist:\"Daft Punk\" one&two"), ("limit", "10")]),
            "q=artist%3A%22Daft%20Punk%22%20one%26two&limit=10"
        );
    }

    #[test]
    fn backoff_doubles() {
        assert_eq!(backoff(1), Duration::from_millis(250));
        assert_eq!(backoff(2), Duration::from_millis(500));
    }
}
