//! What can go wrong talking to Spotify, and how its error bodies read:
//! the Web API's `{"error": {"status", "message"}}` and the Accounts
//! service's `{"error", "error_description"}`.

use std::time::Duration;

use crate::domain::connections::state::ConnectionState;
use crate::domain::secret::MASK;

/// Messages are Spotify's own text (bounded, tokens masked): never a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpotifyError {
    /// 401 from the Web API: the access token is missing, expired or invalid.
    #[error("Spotify refused the access token: {0}")]
    Unauthorized(String),
    #[error("Spotify refused the request (HTTP 403): {0}")]
    Forbidden(String),
    #[error("not found on Spotify: {0}")]
    NotFound(String),
    #[error("Spotify rate limit; try again in {retry_after:?}")]
    RateLimited { retry_after: Duration },
    #[error("Spotify rejected the request: {0}")]
    BadRequest(String),
    /// The Accounts service refused a code or refresh token (`invalid_grant`),
    /// or the app's credentials (`invalid_client`).
    #[error("Spotify refused the authorization: {0}")]
    Grant(String),
    #[error("Spotify answered HTTP {0}")]
    Server(u16),
    #[error("Spotify is unreachable: {0}")]
    Network(String),
    #[error("unexpected answer from Spotify: {0}")]
    Decode(String),
}

impl SpotifyError {
    /// What this failure says about the connection (`/status`).
    pub fn connection_state(&self) -> ConnectionState {
        match self {
            SpotifyError::Unauthorized(_) | SpotifyError::Grant(_) => ConnectionState::Unauthorized,
            SpotifyError::Network(_) | SpotifyError::Server(_) => ConnectionState::Unreachable,
            // Spotify answered: it is up, the request was the problem.
            _ => ConnectionState::Ok,
        }
    }

    /// Worth trying again later (the service, not the request, was the problem).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SpotifyError::Network(_) | SpotifyError::Server(_) | SpotifyError::RateLimited { .. }
        )
    }
}

/// The longest message kept from an error body.
const MAX_MESSAGE: usize = 300;

/// A Web API error answer (status other than 2xx and 429) as an error.
pub(super) fn api_error(status: u16, body: &[u8], secrets: &[&str]) -> SpotifyError {
    let message = scrub(api_message(body, status), secrets);
    match status {
        401 => SpotifyError::Unauthorized(message),
        403 => SpotifyError::Forbidden(message),
        404 => SpotifyError::NotFound(message),
        s if s >= 500 => SpotifyError::Server(s),
        400..=499 => SpotifyError::BadRequest(message),
        s => SpotifyError::Decode(format!("HTTP {s}: {message}")),
    }
}

/// An Accounts service error answer (`/api/token`) as an error.
pub(super) fn grant_error(status: u16, body: &[u8], secrets: &[&str]) -> SpotifyError {
    if status >= 500 {
        return SpotifyError::Server(status);
    }
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let code = v.get("error").and_then(|e| e.as_str()).unwrap_or("");
    let description = v
        .get("error_description")
        .and_then(|e| e.as_str())
        .unwrap_or("");
    let message = match (code, description) {
        ("", "") => api_message(body, status),
        ("", d) => d.to_string(),
        (c, "") => c.to_string(),
        (c, d) => format!("{c}: {d}"),
    };
    let message = scrub(message, secrets);
    match code {
        "invalid_grant" | "invalid_client" | "unauthorized_client" | "access_denied" => {
            SpotifyError::Grant(message)
        }
        _ if status == 401 => SpotifyError::Grant(message),
        _ => SpotifyError::BadRequest(message),
    }
}

/// `error.message` of a Web API body; other shapes give the bounded text.
fn api_message(body: &[u8], status: u16) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let from_json = match v.get("error") {
        Some(serde_json::Value::Object(e)) => e.get("message").and_then(|m| m.as_str()),
        Some(serde_json::Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let text = match from_json {
        Some(m) => m.to_string(),
        None => String::from_utf8_lossy(body).trim().to_string(),
    };
    if text.is_empty() {
        format!("HTTP {status}")
    } else {
        text
    }
}

/// Bounds a message and masks any secret that found its way into it.
fn scrub(message: String, secrets: &[&str]) -> String {
    let mut message: String = message.chars().take(MAX_MESSAGE).collect();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        message = message.replace(secret, MASK);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn web_api_bodies_give_spotify_message() {
        let body = br#"{"error":{"status":401,"message":"The access token expired"}}"#;
        assert_eq!(
            api_error(401, body, &[]),
            SpotifyError::Unauthorized("The access token expired".into())
        );
        assert_eq!(
            api_error(404, b"", &[]),
            SpotifyError::NotFound("HTTP 404".into())
        );
        assert_eq!(api_error(502, b"<html>", &[]), SpotifyError::Server(502));
        assert_eq!(
            api_error(
                400,
                br#"{"error":{"status":400,"message":"Invalid limit"}}"#,
                &[]
            ),
            SpotifyError::BadRequest("Invalid limit".into())
        );
    }

    #[test]
    fn accounts_bodies_give_grant_errors() {
        let body = br#"{"error":"invalid_grant","error_description":"Invalid refresh token"}"#;
        assert_eq!(
            grant_error(400, body, &[]),
            SpotifyError::Grant("invalid_grant: Invalid refresh token".into())
        );
        let body = br#"{"error":"unsupported_grant_type","error_description":"x"}"#;
        assert!(matches!(
            grant_error(400, body, &[]),
            SpotifyError::BadRequest(_)
        ));
        assert_eq!(grant_error(503, b"", &[]), SpotifyError::Server(503));
    }

    #[test]
    fn secrets_never_reach_the_message() {
        let body = br#"{"error":{"status":401,"message":"bad token BQabc123"}}"#;
        let e = api_error(401, body, &["BQabc123"]);
        assert!(!e.to_string().contains("BQabc123"), "{e}");
        assert!(e.to_string().contains(MASK));
    }

    #[test]
    fn states_and_transience() {
        assert_eq!(
            SpotifyError::Grant("x".into()).connection_state(),
            ConnectionState::Unauthorized
        );
        assert_eq!(
            SpotifyError::Server(503).connection_state(),
            ConnectionState::Unreachable
        );
        assert_eq!(
            SpotifyError::NotFound("x".into()).connection_state(),
            ConnectionState::Ok
        );
        assert!(SpotifyError::RateLimited {
            retry_after: Duration::from_secs(1)
        }
        .is_transient());
        assert!(!SpotifyError::Forbidden("x".into()).is_transient());
    }
}
