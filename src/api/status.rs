//! `GET /status`: answered from the registry's memory — no database, no network, no writes.

use actix_web::{web, HttpResponse};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::error::ApiError;
use super::AppState;
use crate::actors::registry::{GetStatus, StatusReport};
use crate::domain::time::to_rfc3339;

#[derive(Serialize, utoipa::ToSchema)]
pub struct WorkerStatus {
    /// `running`, `stale` or `unavailable`.
    pub state: &'static str,
    pub enabled: bool,
    pub last_heartbeat: Option<String>,
    pub queue_size: Option<u64>,
    pub restarts: u32,
    pub last_error: Option<String>,
}

/// Serialises as a JSON object whose keys keep the contract's order.
pub struct OrderedWorkers(Vec<(&'static str, WorkerStatus)>);

impl Serialize for OrderedWorkers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, status) in &self.0 {
            map.serialize_entry(name, status)?;
        }
        map.end()
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Connections {
    pub slskd: &'static str,
    pub spotify: &'static str,
    /// Media servers (issue 15): `ok`, `unreachable`, `unauthorized`, `unconfigured`.
    pub navidrome: &'static str,
    pub jellyfin: &'static str,
    pub plex: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StatusResponse {
    /// `ok`, or `degraded` when an enabled worker is not running.
    pub status: &'static str,
    pub version: &'static str,
    pub uptime_seconds: f64,
    /// The nine workers, in the contract's order.
    #[schema(value_type = std::collections::BTreeMap<String, WorkerStatus>)]
    pub workers: OrderedWorkers,
    pub connections: Connections,
}

impl From<StatusReport> for StatusResponse {
    fn from(report: StatusReport) -> Self {
        let degraded = report.degraded();
        let workers = report
            .workers
            .into_iter()
            .map(|w| {
                (
                    w.name.as_str(),
                    WorkerStatus {
                        state: w.state.as_str(),
                        enabled: w.enabled,
                        last_heartbeat: w.last_heartbeat.map(to_rfc3339),
                        queue_size: w.queue_size,
                        restarts: w.restarts,
                        last_error: w.last_error,
                    },
                )
            })
            .collect();
        StatusResponse {
            status: if degraded { "degraded" } else { "ok" },
            version: env!("CARGO_PKG_VERSION"),
            uptime_seconds: report.uptime.as_secs_f64(),
            workers: OrderedWorkers(workers),
            connections: Connections {
                slskd: report.slskd.as_str(),
                spotify: report.spotify.as_str(),
                navidrome: report.media_servers[0].as_str(),
                jellyfin: report.media_servers[1].as_str(),
                plex: report.media_servers[2].as_str(),
            },
        }
    }
}

#[utoipa::path(get, path = "/status", tag = "operations", operation_id = "get_status",
    responses((status = 200, description = "Workers and connections, from memory", body = StatusResponse)))]
pub async fn get_status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let report = state
        .registry
        .send(GetStatus)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(StatusResponse::from(report)))
}
