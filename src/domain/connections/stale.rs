//! A pooled keep-alive connection the server closed while it sat idle is not
//! an outage: servers (Kestrel, nginx, Traefik…) close idle connections on
//! their own timer, and a request sent just as that happens sees the
//! connection end before any answer. Which failures are that, and which
//! requests may simply be sent again on a fresh connection.

/// How a request failed before an answer arrived (the HTTP client's error,
/// classified by `integrations::http`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailure {
    /// The connection ended (EOF) before the answer's head: the server
    /// closed it, typically an idle pooled one (awc: "connector has been
    /// disconnected").
    ClosedBeforeAnswer,
    /// The peer reset the connection or it broke while the request was
    /// written or the answer read (ECONNRESET, EPIPE, ECONNABORTED, EOF).
    Reset,
    /// No connection could be opened (refused, DNS, connect timeout): the
    /// service really is unreachable.
    ConnectFailed,
    /// The answer did not come in time.
    TimedOut,
    /// Anything else (invalid URL, TLS, a malformed answer…).
    Other,
}

impl SendFailure {
    /// The failure says the (pooled) connection went away, not the service.
    pub fn is_stale_connection(self) -> bool {
        matches!(self, SendFailure::ClosedBeforeAnswer | SendFailure::Reset)
    }
}

/// Methods whose repetition has the effect of one request (RFC 9110 §9.2.2).
pub fn is_idempotent(method: &str) -> bool {
    matches!(
        method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS" | "TRACE"
    )
}

/// Send it again at once, on a fresh connection: the request is idempotent
/// and only the stale connection failed. Done once per request; it is not an
/// attempt and says nothing about the service's reachability. A POST that
/// failed this way is the caller's to resolve (it may have arrived).
pub fn resend_on_fresh_connection(method: &str, failure: SendFailure) -> bool {
    is_idempotent(method) && failure.is_stale_connection()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_connection_that_went_away_is_stale() {
        assert!(SendFailure::ClosedBeforeAnswer.is_stale_connection());
        assert!(SendFailure::Reset.is_stale_connection());
        assert!(!SendFailure::ConnectFailed.is_stale_connection());
        assert!(!SendFailure::TimedOut.is_stale_connection());
        assert!(!SendFailure::Other.is_stale_connection());
    }

    #[test]
    fn idempotent_methods() {
        for m in ["GET", "get", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"] {
            assert!(is_idempotent(m), "{m}");
        }
        for m in ["POST", "PATCH", "CONNECT", ""] {
            assert!(!is_idempotent(m), "{m}");
        }
    }

    #[test]
    fn idempotent_requests_on_a_stale_connection_are_sent_again() {
        assert!(resend_on_fresh_connection(
            "GET",
            SendFailure::ClosedBeforeAnswer
        ));
        assert!(resend_on_fresh_connection("DELETE", SendFailure::Reset));
        assert!(resend_on_fresh_connection(
            "PUT",
            SendFailure::ClosedBeforeAnswer
        ));
        // It may have arrived: the caller decides.
        assert!(!resend_on_fresh_connection(
            "POST",
            SendFailure::ClosedBeforeAnswer
        ));
        // A real outage or a slow service is not a stale connection.
        assert!(!resend_on_fresh_connection(
            "GET",
            SendFailure::ConnectFailed
        ));
        assert!(!resend_on_fresh_connection("GET", SendFailure::TimedOut));
        assert!(!resend_on_fresh_connection("GET", SendFailure::Other));
    }
}
