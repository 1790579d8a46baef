//! `GET /metrics`: Prometheus text format.

use std::fmt::Write;

use actix_web::{web, HttpResponse};

use super::error::ApiError;
use super::AppState;
use crate::actors::registry::{GetStatus, StatusReport};
use crate::domain::workers::state::WorkerState;
use crate::metrics::{Metrics, Outcome};

#[utoipa::path(get, path = "/metrics", tag = "operations", operation_id = "get_metrics",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
pub async fn get_metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = state
        .registry
        .send(GetStatus)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let by_state = state.db.read(crate::db::downloads::count_by_state).await?;
    let mut text = render(&report, &state.metrics);
    text.push_str(
        "# HELP harmony_downloads Downloads per state.\n# TYPE harmony_downloads gauge\n",
    );
    for (name, n) in by_state {
        let _ = writeln!(text, "harmony_downloads{{state=\"{}\"}} {n}", name.as_str());
    }
    text.push_str(&format!(
        "# HELP harmony_db_operations_total Database operations run.\n# TYPE harmony_db_operations_total counter\nharmony_db_operations_total {}\n",
        state.db.operations()
    ));
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

fn render(report: &StatusReport, metrics: &Metrics) -> String {
    let mut out = String::with_capacity(2048);
    let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let per_worker = |f: &dyn Fn(&crate::actors::registry::WorkerReport) -> String| {
        report
            .workers
            .iter()
            .map(|w| (format!("{{worker=\"{}\"}}", w.name), f(w)))
            .collect::<Vec<_>>()
    };
    family(
        "harmony_worker_up",
        "gauge",
        "1 when the worker is running (alive and heartbeating).",
        per_worker(&|w| u8::from(w.state == WorkerState::Running).to_string()),
    );
    family(
        "harmony_worker_restarts_total",
        "counter",
        "Restarts of the worker by the supervisor since start.",
        per_worker(&|w| w.restarts.to_string()),
    );
    family(
        "harmony_worker_queue_size",
        "gauge",
        "Jobs waiting or in progress for the worker.",
        per_worker(&|w| w.queue_size.unwrap_or(0).to_string()),
    );
    family(
        "harmony_slskd_requests_total",
        "counter",
        "Requests to slskd by outcome.",
        Outcome::ALL
            .iter()
            .map(|o| {
                (
                    format!("{{outcome=\"{}\"}}", o.as_str()),
                    metrics.slskd_requests(*o).to_string(),
                )
            })
            .collect(),
    );
    family(
        "harmony_searches_total",
        "counter",
        "Soulseek searches started.",
        vec![(String::new(), metrics.searches().to_string())],
    );
    family(
        "harmony_http_requests_total",
        "counter",
        "HTTP requests served, by status code.",
        metrics
            .http_requests()
            .into_iter()
            .map(|(s, n)| (format!("{{status=\"{s}\"}}"), n.to_string()))
            .collect(),
    );
    family(
        "harmony_events_total",
        "counter",
        "State changes announced since start, by event.",
        metrics
            .events()
            .into_iter()
            .map(|(e, n)| (format!("{{event=\"{e}\"}}"), n.to_string()))
            .collect(),
    );
    family(
        "harmony_notifications_total",
        "counter",
        "Notification delivery attempts, by target kind and outcome.",
        crate::domain::notify::kind::TargetKind::ALL
            .iter()
            .flat_map(|k| {
                crate::metrics::NOTIFY_OUTCOMES.iter().map(move |o| {
                    (
                        format!("{{target_kind=\"{}\",outcome=\"{o}\"}}", k.as_str()),
                        metrics.notifications(k.as_str(), o).to_string(),
                    )
                })
            })
            .collect(),
    );
    family(
        "harmony_uptime_seconds",
        "gauge",
        "Seconds since start.",
        vec![(String::new(), format!("{:.3}", report.uptime.as_secs_f64()))],
    );
    metrics.library.render(&mut out);
    out
}
