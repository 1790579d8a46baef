//! `/api/v1/notifications/targets` (issue 16): where notifications go. Secrets
//! (webhook keys, tokens, Discord's webhook token) never leave in answers.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::notify::{self as store, TargetFields, TargetRow};
use crate::domain::notify::answer::Verdict;
use crate::domain::notify::kind::TargetKind;
use crate::domain::notify::message::Message;
use crate::domain::notify::render::{request, Destination};
use crate::domain::notify::target::{masked_url, validate, TargetInput, ValidTarget};
use crate::domain::secret::MASK;
use crate::domain::time::{now_millis, to_rfc3339};
use crate::integrations::notify::NotifySender;
use crate::jobs::NotifyJob;
use crate::lifecycle::notify as notify_change;

#[derive(Serialize, utoipa::ToSchema)]
pub struct TargetView {
    pub id: i64,
    pub name: String,
    /// `webhook`, `ntfy`, `discord`, `gotify` or `apprise`.
    pub kind: String,
    /// Credentials, queries and Discord's webhook token masked.
    pub url: String,
    /// `"********"` when set, else null.
    pub secret: Option<String>,
    pub apprise_key: Option<String>,
    /// Event names, `*` for all.
    pub events: Vec<String>,
    pub enabled: bool,
    /// Declared in the settings file (`NOTIFY_TARGETS`): change it there.
    pub read_only: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    pub last_sent_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<TargetRow> for TargetView {
    fn from(row: TargetRow) -> Self {
        let kind = row.kind.parse().unwrap_or(TargetKind::Webhook);
        TargetView {
            id: row.id,
            url: masked_url(kind, &row.url),
            secret: row.secret.as_ref().map(|_| MASK.to_string()),
            events: row.event_filter(),
            name: row.name,
            kind: row.kind,
            apprise_key: row.apprise_key,
            enabled: row.enabled,
            read_only: row.from_config,
            last_error: row.last_error,
            last_error_at: row.last_error_at.map(to_rfc3339),
            last_sent_at: row.last_sent_at.map(to_rfc3339),
            created_at: to_rfc3339(row.created_at),
            updated_at: to_rfc3339(row.updated_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TargetPage {
    pub items: Vec<TargetView>,
    pub total: i64,
}

/// A new target, or the fields to change (`PATCH`: absent fields stay;
/// `secret` `""` removes it, the mask `"********"` keeps it).
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct TargetBody {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub url: Option<String>,
    pub secret: Option<String>,
    pub apprise_key: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TestOutcome {
    pub delivered: bool,
    /// Why not, when not.
    pub error: Option<String>,
    pub target: TargetView,
}

pub fn fields(t: &ValidTarget) -> TargetFields {
    TargetFields {
        name: t.name.clone(),
        kind: t.kind.as_str().to_string(),
        url: t.url.clone(),
        secret: t.secret.as_ref().map(|s| s.expose().to_string()),
        apprise_key: t.apprise_key.clone(),
        events: t.events.clone(),
        enabled: t.enabled,
    }
}

fn checked(input: TargetInput) -> Result<ValidTarget, ApiError> {
    validate(input).map_err(|p| ApiError::validation(p.field, p.message))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict {
        message: format!("a target named '{name}' exists"),
        state: "exists".into(),
    }
}

fn read_only(row: &TargetRow) -> ApiError {
    ApiError::Conflict {
        message: format!(
            "target '{}' is declared in the settings file (NOTIFY_TARGETS); change it there",
            row.name
        ),
        state: "read_only".into(),
    }
}

async fn load(state: &AppState, id: i64) -> Result<TargetRow, ApiError> {
    state
        .db
        .read(move |c| store::find_target(c, id))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("notification target {id} not found")))
}

#[utoipa::path(get, path = "/api/v1/notifications/targets", tag = "notifications", operation_id = "list_notification_targets",
    responses((status = 200, body = TargetPage, description = "Every target, oldest first; secrets masked")))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.db.read(store::list_targets).await?;
    let total = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    Ok(HttpResponse::Ok().json(TargetPage {
        items: rows.into_iter().map(TargetView::from).collect(),
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/notifications/targets/{id}", tag = "notifications", operation_id = "get_notification_target",
    params(("id" = i64, Path, description = "Target id")),
    responses((status = 200, body = TargetView), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let row = load(&state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(TargetView::from(row)))
}

#[utoipa::path(post, path = "/api/v1/notifications/targets", tag = "notifications", operation_id = "create_notification_target",
    request_body = TargetBody,
    responses((status = 201, body = TargetView),
              (status = 409, body = super::error::ErrorBody, description = "The name is taken"),
              (status = 422, body = super::error::ErrorBody, description = "A field is missing or wrong")))]
pub async fn create(
    state: web::Data<AppState>,
    body: extract::Json<TargetBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let valid = checked(TargetInput {
        name: b.name,
        kind: b.kind,
        url: b.url,
        secret: b.secret,
        apprise_key: b.apprise_key,
        events: b.events,
        enabled: b.enabled,
    })?;
    let f = fields(&valid);
    let row = state
        .db
        .write(move |c| {
            if store::find_target_by_name(c, &f.name)?.is_some() {
                return Ok(None);
            }
            store::insert_target(c, &f, false, now_millis()).map(Some)
        })
        .await?
        .ok_or_else(|| name_taken(&valid.name))?;
    Ok(HttpResponse::Created().json(TargetView::from(row)))
}

#[utoipa::path(patch, path = "/api/v1/notifications/targets/{id}", tag = "notifications", operation_id = "update_notification_target",
    params(("id" = i64, Path, description = "Target id")),
    request_body = TargetBody,
    responses((status = 200, body = TargetView),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "Declared in the settings file, or the name is taken"),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn patch(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: extract::Json<TargetBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = load(&state, id).await?;
    if row.from_config {
        return Err(read_only(&row));
    }
    let b = body.into_inner();
    let secret = match b.secret {
        None => row.secret.clone(),
        Some(s) if s == MASK => row.secret.clone(),
        Some(s) => Some(s),
    };
    let valid = checked(TargetInput {
        name: b.name.or(Some(row.name.clone())),
        kind: b.kind.or(Some(row.kind.clone())),
        url: b.url.or(Some(row.url.clone())),
        secret,
        apprise_key: b.apprise_key.or(row.apprise_key.clone()),
        events: b.events.or(Some(row.event_filter())),
        enabled: b.enabled.or(Some(row.enabled)),
    })?;
    let f = fields(&valid);
    let updated = state
        .db
        .write(move |c| {
            if store::find_target_by_name(c, &f.name)?.is_some_and(|other| other.id != id) {
                return Ok(None);
            }
            store::update_target(c, id, &f, now_millis()).map(Some)
        })
        .await?
        .ok_or_else(|| name_taken(&valid.name))?;
    Ok(HttpResponse::Ok().json(TargetView::from(updated)))
}

#[utoipa::path(delete, path = "/api/v1/notifications/targets/{id}", tag = "notifications", operation_id = "delete_notification_target",
    params(("id" = i64, Path, description = "Target id")),
    responses((status = 204, description = "Deleted; its undelivered messages are dropped"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "Declared in the settings file")))]
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let row = load(&state, id).await?;
    if row.from_config {
        return Err(read_only(&row));
    }
    state.db.write(move |c| store::delete_target(c, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/notifications/targets/{id}/test", tag = "notifications", operation_id = "test_notification_target",
    params(("id" = i64, Path, description = "Target id")),
    responses((status = 200, body = TestOutcome, description = "Sent once now (no retries); `delivered` says how it went"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn test(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let row = load(&state, id.into_inner()).await?;
    let kind: TargetKind = row
        .kind
        .parse()
        .map_err(|e: crate::domain::notify::kind::UnknownKind| ApiError::Internal(e.to_string()))?;
    let now = now_millis();
    let message = Message {
        id: format!("hm-test-{}-{now}", row.id),
        event: "test".into(),
        at: to_rfc3339(now),
        count: 1,
        items: vec![json!({"message": format!("Test message for target '{}'", row.name)})],
    };
    let req = request(
        Destination {
            kind,
            url: &row.url,
            secret: row.secret.as_deref(),
            apprise_key: row.apprise_key.as_deref(),
        },
        &message,
    );
    let sender = NotifySender::new(state.config.current().notify_timeout);
    let error = match sender.send(&req).await {
        Verdict::Sent => None,
        Verdict::Retry { reason, .. } | Verdict::GiveUp { reason } => Some(reason),
    };
    state.metrics.notification(
        kind.as_str(),
        if error.is_none() { "sent" } else { "failed" },
    );
    let job = NotifyJob::Deliver {
        target_id: row.id,
        message,
    };
    let (target, outcome) = (row.clone(), error.clone());
    state
        .lifecycle
        .change(move |c| match &outcome {
            None => notify_change::record_sent(c, &target, &job),
            Some(e) => notify_change::record_failed(c, &target, &job, e, true),
        })
        .await?;
    let id = row.id;
    let row = load(&state, id).await?;
    Ok(HttpResponse::Ok().json(TestOutcome {
        delivered: error.is_none(),
        error,
        target: TargetView::from(row),
    }))
}
