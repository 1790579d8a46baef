//! Timestamps: stored as Unix milliseconds, shown as RFC 3339 UTC with `Z`.

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch, the form every timestamp is stored in.
pub type UnixMillis = i64;

pub fn now_millis() -> UnixMillis {
    Utc::now().timestamp_millis()
}

/// `2026-11-21T08:14:18.483Z`.
pub fn to_rfc3339(ms: UnixMillis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(to_rfc3339(1_795_248_858_483), "2026-11-21T08:14:18.483Z");
        assert_eq!(to_rfc3339(0), "1970-01-01T00:00:00.000Z");
    }
}
