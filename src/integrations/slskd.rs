//! slskd's REST API (`<SLSKD_URL>/api/v0/…`).

use std::time::Duration;

use crate::actors::registry::ConnectionState;
use crate::domain::secret::Secret;
use crate::metrics::{Metrics, Outcome};

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SlskdClient {
    http: awc::Client,
}

impl Default for SlskdClient {
    fn default() -> Self {
        SlskdClient {
            http: super::http::client(PROBE_TIMEOUT),
        }
    }
}

impl SlskdClient {
    /// Asks slskd for its server connection (`GET /api/v0/server`), the
    /// cheapest call that proves the URL and the API key work.
    pub async fn probe(
        &self,
        base_url: &str,
        api_key: &Secret,
        metrics: &Metrics,
    ) -> ConnectionState {
        if base_url.is_empty() {
            return ConnectionState::Unconfigured;
        }
        let mut request = self.http.get(format!("{base_url}/api/v0/server"));
        if !api_key.is_empty() {
            request = request.insert_header(("X-API-Key", api_key.expose()));
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                metrics.slskd_request(Outcome::from_status(status));
                match status {
                    200..=299 => ConnectionState::Ok,
                    401 | 403 => ConnectionState::Unauthorized,
                    _ => ConnectionState::Unreachable,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "slskd is unreachable");
                metrics.slskd_request(Outcome::NetworkError);
                ConnectionState::Unreachable
            }
        }
    }
}
