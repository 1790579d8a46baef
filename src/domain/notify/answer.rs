//! What a target's answer means for the delivery: sent, try again (when),
//! or give up (why).

use std::time::Duration;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Sent,
    /// Connect errors, timeouts, 5xx, 429: later, after `after` when the
    /// target said so (`Retry-After`).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Other 4xx, redirects to another host: sending again cannot help.
    GiveUp {
        reason: String,
    },
}

/// The longest wait a `Retry-After` may ask for; longer is read as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as seconds (Discord sends fractions) or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs).min(MAX_RETRY_AFTER));
        }
        return None;
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

/// The verdict on an HTTP answer. `body` is a short excerpt, for the reason.
pub fn verdict(status: u16, retry_after: Option<Duration>, body: &str) -> Verdict {
    let excerpt: String = body.chars().take(200).collect();
    let reason = if excerpt.trim().is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {}", excerpt.trim())
    };
    match status {
        200..=299 => Verdict::Sent,
        429 => Verdict::Retry {
            reason,
            after: retry_after,
        },
        500..=599 => Verdict::Retry {
            reason,
            after: retry_after,
        },
        _ => Verdict::GiveUp { reason },
    }
}

/// A redirect is followed only to the same scheme, host and port.
pub fn same_origin(from: &str, to: &str) -> bool {
    fn origin(url: &str) -> Option<(String, String)> {
        let (scheme, rest) = url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next()?;
        // Credentials are not part of the host.
        let host = authority.rsplit('@').next()?;
        Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
    }
    match (origin(from), origin(to)) {
        (Some(a), Some(b)) => a == b,
        // A relative location stays on the same host.
        (Some(_), None) => to.starts_with('/') && !to.starts_with("//"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_like_the_contract_says() {
        assert_eq!(verdict(204, None, ""), Verdict::Sent);
        assert!(matches!(verdict(503, None, ""), Verdict::Retry { .. }));
        assert_eq!(
            verdict(429, Some(Duration::from_secs(2)), "slow down"),
            Verdict::Retry {
                reason: "HTTP 429: slow down".into(),
                after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            verdict(400, None, "bad topic"),
            Verdict::GiveUp {
                reason: "HTTP 400: bad topic".into()
            }
        );
        assert!(matches!(verdict(404, None, ""), Verdict::GiveUp { .. }));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T17:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(
            retry_after("Sun, 06 Dec 2026 17:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(retry_after("99999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after("soon", now), None);
    }

    #[test]
    fn redirects_stay_on_their_host() {
        assert!(same_origin("http://a:80/x", "http://a:80/y"));
        assert!(same_origin("http://a/x", "/y"));
        assert!(!same_origin("http://a/x", "http://b/x"));
        assert!(!same_origin("http://a/x", "https://a/x"));
        assert!(!same_origin("http://a/x", "//b/x"));
        assert!(!same_origin("http://a/x", "http://a@b/x"));
    }
}
