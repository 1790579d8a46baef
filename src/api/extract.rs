//! How malformed requests are refused: extractor errors mapped to the
//! contract's codes, and the list conventions (`limit`, `offset`). JSON
//! bodies are read by [`Json`] (`json.rs`).

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::web;

use super::error::ApiError;
pub use super::json::{Json, JsonLimit, JSON_LIMIT};

/// Uploads (multipart): 10 MiB.
pub const UPLOAD_LIMIT: usize = 10 << 20;

/// The service-wide JSON body limit (read by [`super::json::Json`]).
pub fn json_config() -> JsonLimit {
    json_config_with_limit(JSON_LIMIT)
}

/// For the few endpoints whose contract allows larger bodies.
pub fn json_config_with_limit(limit: usize) -> JsonLimit {
    JsonLimit(limit)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _| {
        ApiError::BadRequest(format!("unparsable query: {err}")).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_: PathError, _| ApiError::NotFound("no such resource".into()).into())
}

/// A `?state=a,b` filter: each name checked against the states of a state
/// machine (`all`, named by `name`); empty or absent means every state.
pub fn state_filter<S: Copy>(
    raw: Option<&str>,
    all: &[S],
    name: fn(S) -> &'static str,
) -> Result<Vec<S>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(|s| {
            all.iter()
                .copied()
                .find(|state| name(*state) == s.trim())
                .ok_or_else(|| {
                    let names: Vec<&str> = all.iter().map(|state| name(*state)).collect();
                    ApiError::validation("state", format!("must be among {}", names.join(", ")))
                })
        })
        .collect()
}

/// `limit` (default 50, clamped to 500) from its raw query text.
pub fn limit(raw: Option<&str>) -> Result<i64, ApiError> {
    match raw {
        None | Some("") => Ok(50),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 1)
            .map(|n| n.min(500))
            .ok_or_else(|| ApiError::validation("limit", "must be a whole number ≥ 1")),
    }
}

/// `offset` (default 0) from its raw query text.
pub fn offset(raw: Option<&str>) -> Result<i64, ApiError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(0),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| ApiError::validation("offset", "must be a whole number ≥ 0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_clamps() {
        assert_eq!(limit(None).unwrap(), 50);
        assert_eq!(limit(Some("7")).unwrap(), 7);
        assert_eq!(limit(Some("9000")).unwrap(), 500);
        assert!(limit(Some("0")).is_err());
        assert!(limit(Some("x")).is_err());
    }

    #[test]
    fn offset_defaults_to_zero() {
        assert_eq!(offset(None).unwrap(), 0);
        assert_eq!(offset(Some("20")).unwrap(), 20);
        assert!(offset(Some("-1")).is_err());
    }
}
