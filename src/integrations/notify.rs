//! Sends a rendered notification (`domain::notify::render::Request`) and
//! reads the answer. Redirects are followed by hand and only on the same
//! scheme, host and port: a target must not bounce a signed body or a
//! token to another host.

use std::time::Duration;

use awc::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, LOCATION, RETRY_AFTER, USER_AGENT};

use super::http::USER_AGENT as HARMONY_AGENT;
use crate::domain::notify::answer::{retry_after, same_origin, verdict, Verdict};
use crate::domain::notify::render::Request;

/// Same-host redirects followed at most.
const MAX_REDIRECTS: usize = 3;

#[derive(Clone)]
pub struct NotifySender {
    client: awc::Client,
}

impl NotifySender {
    /// `timeout` bounds each attempt, so a hanging target holds one delivery
    /// slot of the notify worker for that long and nothing else.
    pub fn new(timeout: Duration) -> Self {
        let connector = awc::Connector::new()
            .rustls_0_23(super::http::tls())
            .timeout(timeout.min(Duration::from_secs(10)))
            .conn_keep_alive(super::http::POOL_IDLE_KEEP_ALIVE);
        let client = awc::Client::builder()
            .disable_redirects()
            .connector(connector)
            .timeout(timeout)
            .finish();
        NotifySender { client }
    }

    pub async fn send(&self, req: &Request) -> Verdict {
        let mut url = req.url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut builder = self
                .client
                .post(url.as_str())
                .insert_header((USER_AGENT, HARMONY_AGENT))
                .insert_header((CONTENT_TYPE, req.content_type));
            for (name, value) in &req.headers {
                let (Ok(name), Ok(value)) =
                    (HeaderName::try_from(*name), HeaderValue::from_str(value))
                else {
                    return Verdict::GiveUp {
                        reason: format!("header {name} cannot be sent"),
                    };
                };
                builder = builder.insert_header((name, value));
            }
            let mut res = match builder.send_body(req.body.clone()).await {
                Ok(res) => res,
                Err(e) => {
                    return Verdict::Retry {
                        reason: format!("could not reach the target: {e}"),
                        after: None,
                    }
                }
            };
            let status = res.status().as_u16();
            if (300..400).contains(&status) {
                let location = res
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                if location.is_empty() || !same_origin(&url, &location) {
                    return Verdict::GiveUp {
                        reason: format!("HTTP {status}: redirect to another host refused"),
                    };
                }
                url = if location.starts_with('/') {
                    let origin_end = url
                        .find("://")
                        .and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j))
                        .unwrap_or(url.len());
                    format!("{}{location}", &url[..origin_end])
                } else {
                    location
                };
                continue;
            }
            let wait = res
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, chrono::Utc::now()));
            let body = res.body().limit(64 * 1024).await.unwrap_or_default();
            let text = String::from_utf8_lossy(&body);
            // Discord says how long in its JSON body too.
            let wait = wait.or_else(|| {
                serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v.get("retry_after").and_then(|r| r.as_f64()))
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .map(|s| Duration::from_secs_f64(s.min(3600.0)))
            });
            return verdict(status, wait, &text);
        }
        Verdict::GiveUp {
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        }
    }
}
