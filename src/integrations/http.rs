//! The outbound HTTP client: every request identifies Harmony and is bounded in time.

use std::time::Duration;

/// `Harmony/<version>`; MusicBrainz refuses anonymous clients.
pub const USER_AGENT: &str = concat!(
    "Harmony/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/harmony-music)"
);

/// A client for one arbiter (`awc::Client` is not `Send`).
pub fn client(timeout: Duration) -> awc::Client {
    awc::Client::builder()
        .add_default_header((awc::http::header::USER_AGENT, USER_AGENT))
        .connector(awc::Connector::new().timeout(timeout.min(Duration::from_secs(10))))
        .timeout(timeout)
        .finish()
}
