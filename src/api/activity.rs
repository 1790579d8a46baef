//! `GET /api/v1/activity`: what happened, newest first.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::activity;
use crate::domain::time::to_rfc3339;

use crate::lifecycle::events::ACTIVITY_TYPES as TYPES;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ActivityQuery {
    /// One of the activity types (`worker`, `download`, …).
    #[serde(rename = "type")]
    #[param(value_type = crate::api::doc_schemas::ActivityTypeName, required = false)]
    pub type_: Option<String>,
    /// Default 50; above 500 is read as 500.
    #[param(value_type = i64, required = false, minimum = 1)]
    pub limit: Option<String>,
    /// Only events older than this id (paging).
    #[param(value_type = i64, required = false)]
    pub before_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityItem {
    pub id: i64,
    pub at: String,
    #[serde(rename = "type")]
    #[schema(value_type = crate::api::doc_schemas::ActivityTypeName)]
    pub type_: String,
    pub status: String,
    #[schema(value_type = Object)]
    pub details: Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivityResponse {
    pub items: Vec<ActivityItem>,
}

#[utoipa::path(get, path = "/api/v1/activity", tag = "activity", operation_id = "list_activity",
    params(ActivityQuery),
    responses((status = 200, body = ActivityResponse, description = "Newest first"),
              (status = 422, description = "An unknown type, a bad limit or a malformed before_id")))]
pub async fn list_activity(
    state: web::Data<AppState>,
    query: web::Query<ActivityQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let limit = extract::limit(query.limit.as_deref())?;
    let type_ = match query.type_.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) if TYPES.contains(&t) => Some(t.to_string()),
        Some(_) => {
            return Err(ApiError::validation(
                "type",
                format!("must be one of {}", TYPES.join(", ")),
            ))
        }
    };
    let before_id = match query.before_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| ApiError::validation("before_id", "must be an integer id"))?,
        ),
    };
    let rows = state
        .db
        .read(move |c| activity::list(c, type_.as_deref(), before_id, limit))
        .await?;
    let items = rows
        .into_iter()
        .map(|r| ActivityItem {
            id: r.id,
            at: to_rfc3339(r.at),
            type_: r.type_,
            status: r.status,
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ActivityResponse { items }))
}
