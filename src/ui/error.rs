//! What a page shows when an action or a page cannot be answered: the same
//! refusals as the API (`ApiError`), with the same status codes, as HTML.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use maud::html;

use super::layout;
use crate::api::error::ApiError;
use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error("{0}")]
    Api(ApiError),
    #[error("this page does not exist")]
    NotFound,
    /// A state-changing request that did not come from one of our pages.
    #[error("{0}")]
    Forbidden(&'static str),
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError::Api(e)
    }
}

impl From<DbError> for UiError {
    fn from(e: DbError) -> Self {
        UiError::Api(e.into())
    }
}

impl From<crate::lifecycle::Refused> for UiError {
    fn from(r: crate::lifecycle::Refused) -> Self {
        UiError::Api(r.into())
    }
}

impl ResponseError for UiError {
    fn status_code(&self) -> StatusCode {
        match self {
            UiError::Api(e) => e.status_code(),
            UiError::NotFound => StatusCode::NOT_FOUND,
            UiError::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            UiError::Api(ApiError::Internal(cause)) => {
                tracing::error!(error = %cause, "internal error");
                "Something went wrong inside Harmony; the log has the details.".to_string()
            }
            UiError::Api(ApiError::Validation { details, message }) => {
                let fields: Vec<String> = details
                    .iter()
                    .map(|d| format!("{}: {}", d.field, d.message))
                    .collect();
                if fields.is_empty() {
                    message.clone()
                } else {
                    fields.join("; ")
                }
            }
            other => other.to_string(),
        };
        let status = self.status_code();
        let body = layout::bare(
            status.canonical_reason().unwrap_or("Error"),
            html! {
                h1 { (status.as_u16()) " — " (status.canonical_reason().unwrap_or("Error")) }
                p.notice.bad role="alert" { (message) }
                p { a href="/" { "Back to the dashboard" } }
            },
        );
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("Content-Security-Policy", layout::CONTENT_SECURITY_POLICY))
            .body(body.into_string())
    }
}
