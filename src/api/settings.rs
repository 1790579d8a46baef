//! `GET/PUT /api/v1/settings` and the change history.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::domain::time::to_rfc3339;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SettingsResponse {
    /// Every settable key with its effective value (secrets as `********`).
    pub settings: BTreeMap<&'static str, String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryItem {
    pub key: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_at: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryResponse {
    pub items: Vec<HistoryItem>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// At most this many entries (default 50; above 500 is read as 500).
    #[param(value_type = i64, required = false, minimum = 1)]
    pub limit: Option<String>,
}

fn respond(settings: Vec<(&'static str, String)>) -> HttpResponse {
    HttpResponse::Ok().json(SettingsResponse {
        settings: settings.into_iter().collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings", operation_id = "get_settings",
    responses((status = 200, body = SettingsResponse)))]
pub async fn get_settings(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(respond(state.settings.effective().await?))
}

/// Body: `{"<KEY>": "<value>" | number | boolean | null}`; `null` removes the override.
#[utoipa::path(put, path = "/api/v1/settings", tag = "settings", operation_id = "put_settings",
    request_body(content = super::doc_schemas::SettingsChange, description = "Settable keys to change; null removes an override"),
    responses((status = 200, body = SettingsResponse),
              (status = 422, description = "A key that is not settable, or a value the key refuses (nothing is changed)")))]
pub async fn put_settings(
    state: web::Data<AppState>,
    body: extract::Json<BTreeMap<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let mut changes = Vec::with_capacity(body.len());
    for (key, value) in body.into_inner() {
        let value = match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(_) | Value::Object(_) => {
                return Err(ApiError::validation(
                    &key,
                    "must be a string, a number or null",
                ));
            }
        };
        changes.push((key, value));
    }
    Ok(respond(state.settings.update(changes).await?))
}

#[utoipa::path(get, path = "/api/v1/settings/history", tag = "settings", operation_id = "list_settings_history",
    params(HistoryQuery),
    responses((status = 200, body = HistoryResponse, description = "Newest first, secrets masked"),
              (status = 422, description = "A bad limit")))]
pub async fn get_history(
    state: web::Data<AppState>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = extract::limit(query.limit.as_deref())?;
    let rows = state.settings.history(limit).await?;
    let items = rows
        .into_iter()
        .map(|r| HistoryItem {
            key: r.key,
            old_value: r.old_value,
            new_value: r.new_value,
            changed_at: to_rfc3339(r.changed_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(HistoryResponse { items }))
}
