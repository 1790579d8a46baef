//! Liveness and readiness probes (open without an API key).

use std::time::Duration;

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;
use crate::actors::registry::GetStatus;

#[utoipa::path(get, path = "/health/live", tag = "operations", operation_id = "get_liveness",
    responses((status = 200, body = super::doc_schemas::Liveness, description = "The process serves HTTP")))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

#[utoipa::path(get, path = "/health/ready", tag = "operations", operation_id = "get_readiness",
    responses((status = 200, body = super::doc_schemas::Readiness, description = "Database and actor system are up (`workers` is `disabled` with HARMONY_DISABLE_WORKERS)"),
              (status = 503, body = super::doc_schemas::Readiness, description = "not_ready; `checks` says what is not")))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.db.check_ready().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database check failed");
            "error"
        }
    };
    let registry_up = matches!(
        actix_rt::time::timeout(Duration::from_secs(2), state.registry.send(GetStatus)).await,
        Ok(Ok(_))
    );
    let workers = match (registry_up, state.workers_disabled) {
        (false, _) => "error",
        (true, true) => "disabled",
        (true, false) if state.supervisor_running() => "ok",
        (true, false) => "error",
    };
    let ready = database == "ok" && workers != "error";
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": {"database": database, "workers": workers},
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
