//! Request-wide rules: API-key authentication and request counting.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, Error, ResponseError};

use super::error::ApiError;
use super::AppState;

/// Paths that answer without a key, so orchestrators can probe them.
/// Reachable without an API key. The Spotify callback is where Spotify sends
/// the user's browser (which carries no key); the single-use `state` of an
/// authorization this service started is what protects it.
pub const OPEN_PATHS: [&str; 3] = ["/health/live", "/health/ready", "/api/v1/spotify/callback"];

/// The paths this API answers; every other path belongs to the web UI,
/// which asks for its own session instead of a key.
pub fn owns(path: &str) -> bool {
    path.starts_with("/api/")
        || path.starts_with("/health/")
        || matches!(path, "/status" | "/metrics" | "/openapi.json" | "/docs")
}

fn presented_key(req: &ServiceRequest) -> Option<&str> {
    let headers = req.headers();
    if let Some(key) = headers.get("X-API-Key").and_then(|v| v.to_str().ok()) {
        return Some(key.trim());
    }
    headers
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

pub async fn require_api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let allowed = match req.app_data::<web::Data<AppState>>() {
        Some(state)
            if !state.api_keys.is_empty()
                && owns(req.path())
                && !OPEN_PATHS.contains(&req.path()) =>
        {
            // Compare against every key so the time taken does not depend on which one matched.
            presented_key(&req).is_some_and(|k| {
                state
                    .api_keys
                    .iter()
                    .fold(false, |ok, key| key.matches(k) | ok)
            })
        }
        _ => true,
    };
    if allowed {
        Ok(next.call(req).await?.map_into_left_body())
    } else {
        Ok(req
            .into_response(ApiError::Unauthorized.error_response())
            .map_into_right_body())
    }
}

pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let result = next.call(req).await;
    if let Some(state) = state {
        let status = match &result {
            Ok(res) => res.status().as_u16(),
            Err(e) => e.as_response_error().status_code().as_u16(),
        };
        state.metrics.http_request(status);
    }
    result
}
