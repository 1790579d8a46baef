//! The outbound HTTP client: every request identifies Harmony and is bounded
//! in time, idle pooled connections are dropped before common servers drop
//! them, and an idempotent request that meets a connection the server closed
//! anyway is sent once more on a fresh one.

use std::future::Future;
use std::io::ErrorKind;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use awc::error::{ConnectError, SendRequestError};
use awc::http::Method;

use crate::domain::connections::stale::{resend_on_fresh_connection, SendFailure};

/// `Harmony/<version>`; MusicBrainz refuses anonymous clients.
pub const USER_AGENT: &str = concat!(
    "Harmony/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/harmony-music)"
);

/// How long an idle pooled connection is reused. Below the idle timeouts of
/// common servers (Node and Apache 5 s, actix-web 5 s, nginx 75 s, Kestrel
/// 130 s), so the pool seldom hands out a connection the server is closing;
/// the fresh-connection resend covers the rest.
pub const POOL_IDLE_KEEP_ALIVE: Duration = Duration::from_secs(4);

/// The one TLS configuration every client uses: Mozilla's roots and ALPN as
/// awc's own default. awc would build one per connector, each with its own
/// copy of the root store, and keep them all for the service's life.
pub fn tls() -> Arc<rustls::ClientConfig> {
    static TLS: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    Arc::clone(TLS.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let mut config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }))
}

/// A client for one arbiter (`awc::Client` is not `Send`).
pub fn client(timeout: Duration) -> awc::Client {
    build(timeout, None)
}

/// `lifetime`: how long any connection may be reused (awc's default 75 s).
fn build(timeout: Duration, lifetime: Option<Duration>) -> awc::Client {
    let mut connector = awc::Connector::new()
        .rustls_0_23(tls())
        .timeout(timeout.min(Duration::from_secs(10)))
        .conn_keep_alive(POOL_IDLE_KEEP_ALIVE);
    if let Some(lifetime) = lifetime {
        connector = connector.conn_lifetime(lifetime);
    }
    awc::Client::builder()
        .add_default_header((awc::http::header::USER_AGENT, USER_AGENT))
        .connector(connector)
        .timeout(timeout)
        .finish()
}

/// A pooled client plus one that never reuses a connection, for the one
/// resend after a stale pooled connection.
#[derive(Clone)]
pub struct HttpClient {
    pooled: awc::Client,
    fresh: awc::Client,
}

impl HttpClient {
    pub fn new(timeout: Duration) -> Self {
        HttpClient {
            pooled: client(timeout),
            // A zero lifetime makes the pool close every connection instead of reusing it.
            fresh: build(timeout, Some(Duration::ZERO)),
        }
    }

    /// Sends `method` with `send` (which builds and sends the request on the
    /// client it is given) on a pooled connection; when that connection
    /// turned out closed and the method is idempotent, sends it once more at
    /// once on a fresh connection.
    pub async fn send<T, F, Fut>(&self, method: &Method, send: F) -> Result<T, SendRequestError>
    where
        F: Fn(&awc::Client) -> Fut,
        Fut: Future<Output = Result<T, SendRequestError>>,
    {
        match send(&self.pooled).await {
            Err(e) if resend_on_fresh_connection(method.as_str(), classify(&e)) => {
                tracing::debug!(%method, error = %e, "pooled connection was closed; sending again on a fresh one");
                send(&self.fresh).await
            }
            other => other,
        }
    }

    /// Sends on a fresh connection, for a non-idempotent request its caller
    /// decided to send again after a stale connection.
    pub async fn send_fresh<T, F, Fut>(&self, send: F) -> Result<T, SendRequestError>
    where
        F: Fn(&awc::Client) -> Fut,
        Fut: Future<Output = Result<T, SendRequestError>>,
    {
        send(&self.fresh).await
    }
}

/// What awc's error says about the failure.
pub fn classify(e: &SendRequestError) -> SendFailure {
    match e {
        SendRequestError::Connect(ConnectError::Disconnected) => SendFailure::ClosedBeforeAnswer,
        SendRequestError::Connect(ConnectError::Timeout) => SendFailure::ConnectFailed,
        SendRequestError::Connect(_) => SendFailure::ConnectFailed,
        SendRequestError::Send(io) => io_failure(io.kind()),
        SendRequestError::Response(actix_web::error::ParseError::Io(io)) => io_failure(io.kind()),
        SendRequestError::Timeout => SendFailure::TimedOut,
        _ => SendFailure::Other,
    }
}

fn io_failure(kind: ErrorKind) -> SendFailure {
    match kind {
        ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::BrokenPipe
        | ErrorKind::UnexpectedEof => SendFailure::Reset,
        ErrorKind::TimedOut => SendFailure::TimedOut,
        _ => SendFailure::Other,
    }
}

/// The failure is a connection the server closed, not the service.
pub fn is_stale_connection(e: &SendRequestError) -> bool {
    classify(e).is_stale_connection()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn awc_errors_are_classified() {
        let io = |k: ErrorKind| std::io::Error::new(k, "x");
        assert_eq!(
            classify(&SendRequestError::Connect(ConnectError::Disconnected)),
            SendFailure::ClosedBeforeAnswer
        );
        assert_eq!(
            classify(&SendRequestError::Send(io(ErrorKind::BrokenPipe))),
            SendFailure::Reset
        );
        assert_eq!(
            classify(&SendRequestError::Response(
                actix_web::error::ParseError::Io(io(ErrorKind::ConnectionReset))
            )),
            SendFailure::Reset
        );
        assert_eq!(
            classify(&SendRequestError::Connect(ConnectError::Io(io(
                ErrorKind::ConnectionRefused
            )))),
            SendFailure::ConnectFailed
        );
        assert_eq!(classify(&SendRequestError::Timeout), SendFailure::TimedOut);
        assert!(POOL_IDLE_KEEP_ALIVE < Duration::from_secs(5));
    }
}
