//! `ApiError`: the one place that knows HTTP status codes and the error shape
//! `{"error": {"code", "message", "details"}}`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Value};

use crate::db::DbError;
use crate::integrations::spotify::session::AccessError;
use crate::integrations::spotify::SpotifyError;
use crate::settings::SettingsError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid API key is required (X-API-Key or Authorization: Bearer)")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    /// `allow`: the methods the route answers, for the `Allow` header.
    #[error("method not allowed on this route (allowed: {allow})")]
    MethodNotAllowed { allow: String },
    #[error("{message}")]
    Conflict { message: String, state: String },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{message}")]
    Validation {
        message: String,
        details: Vec<FieldError>,
    },
    #[error("{0}")]
    RateLimited(String),
    #[error("{0}")]
    Upstream(String),
    #[error("{0}")]
    FeatureDisabled(String),
    #[error("{message}")]
    Unavailable { message: String, dependency: String },
    /// The text is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

/// A person's action that does not fit the row's state.
impl From<crate::lifecycle::Refused> for ApiError {
    fn from(r: crate::lifecycle::Refused) -> Self {
        ApiError::Conflict {
            message: r.reason,
            state: r.state.to_string(),
        }
    }
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Validation {
            message: format!("{field}: {message}"),
            details: vec![FieldError {
                field: field.to_string(),
                message,
            }],
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::Conflict { .. } => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::Validation { .. } => "validation_error",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Upstream(_) => "upstream_error",
            ApiError::FeatureDisabled(_) => "feature_disabled",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            ApiError::Validation { details, .. } => Some(json!(details)),
            ApiError::Conflict { state, .. } => Some(json!({"state": state})),
            ApiError::Unavailable { dependency, .. } => Some(json!({"dependency": dependency})),
            _ => None,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::FeatureDisabled(_) | ApiError::Unavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = %cause, "internal error");
        }
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        if let Some(details) = self.details() {
            error["details"] = details;
        }
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::MethodNotAllowed { allow } = self {
            // RFC 9110 §15.5.6: a 405 names the methods the route supports.
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        response.json(json!({ "error": error }))
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_not_found() {
            ApiError::NotFound("not found".into())
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        let spotify = |message: String| ApiError::Unavailable {
            message,
            dependency: "spotify".into(),
        };
        match e {
            AccessError::Unconfigured | AccessError::Unauthorized => spotify(e.to_string()),
            AccessError::UnknownState => ApiError::BadRequest(e.to_string()),
            AccessError::Db(e) => e.into(),
            AccessError::Random(e) => ApiError::Internal(e),
            AccessError::Spotify(SpotifyError::RateLimited { retry_after }) => {
                ApiError::RateLimited(format!(
                    "Spotify asks to wait {} s",
                    retry_after.as_secs().max(1)
                ))
            }
            AccessError::Spotify(SpotifyError::Grant(reason)) => {
                ApiError::BadRequest(format!("Spotify refused the authorization: {reason}"))
            }
            AccessError::Spotify(e @ (SpotifyError::Network(_) | SpotifyError::Server(_))) => {
                spotify(format!("Spotify is unreachable: {e}"))
            }
            AccessError::Spotify(e) => ApiError::Upstream(format!("Spotify: {e}")),
        }
    }
}

impl From<SettingsError> for ApiError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::Invalid(refused) => {
                let keys: Vec<&str> = refused.iter().map(|(k, _)| k.as_str()).collect();
                ApiError::Validation {
                    message: format!("refused settings: {}", keys.join(", ")),
                    details: refused
                        .into_iter()
                        .map(|(field, message)| FieldError { field, message })
                        .collect(),
                }
            }
            SettingsError::Db(e) => e.into(),
        }
    }
}

/// The schema of every error answer but 422, for the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// 409: the current `state`; 503 `unavailable`: the `dependency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub details: Option<ErrorDetails>,
}

/// Every `code` an error answer can carry (`api.md` §1).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    ValidationError,
    RateLimited,
    UpstreamError,
    FeatureDisabled,
    Unavailable,
    Internal,
}

/// What `details` holds, by error.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum ErrorDetails {
    Fields(Vec<FieldError>),
    Conflict { state: String },
    Unavailable { dependency: String },
}

/// The 422 answer: `details` lists every refused field.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ValidationErrorBody {
    pub error: ValidationErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ValidationErrorDetail {
    pub code: ValidationCode,
    pub message: String,
    pub details: Vec<FieldError>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValidationCode {
    ValidationError,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document's `ErrorCode` names exactly the codes the service sends.
    #[test]
    fn documented_codes_are_the_sent_ones() {
        let sent = [
            ApiError::BadRequest(String::new()),
            ApiError::Unauthorized,
            ApiError::NotFound(String::new()),
            ApiError::MethodNotAllowed {
                allow: String::new(),
            },
            ApiError::Conflict {
                message: String::new(),
                state: String::new(),
            },
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::validation("f", "m"),
            ApiError::RateLimited(String::new()),
            ApiError::Upstream(String::new()),
            ApiError::FeatureDisabled(String::new()),
            ApiError::Unavailable {
                message: String::new(),
                dependency: String::new(),
            },
            ApiError::Internal(String::new()),
        ]
        .map(|e| e.code());
        let documented = [
            ErrorCode::BadRequest,
            ErrorCode::Unauthorized,
            ErrorCode::NotFound,
            ErrorCode::MethodNotAllowed,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::ValidationError,
            ErrorCode::RateLimited,
            ErrorCode::UpstreamError,
            ErrorCode::FeatureDisabled,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ]
        .map(|c| serde_json::to_value(c).unwrap_or_default());
        assert_eq!(documented.to_vec(), sent.map(|c| json!(c)).to_vec());
    }
}
