//! The kinds of targets and the events they can be told about.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Every event a target may subscribe to, by its dotted name.
pub const EVENTS: [&str; 11] = [
    "download.completed",
    "download.dead_lettered",
    "wanted.failed",
    "watchlist.new_releases",
    "playlist.synced",
    "import.finished",
    "spotify.authorization_needed",
    "slskd.unreachable",
    "slskd.recovered",
    "worker.restarting_repeatedly",
    // Only `POST …/targets/{id}/test` sends it; every target receives it.
    "test",
];

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Webhook,
    Ntfy,
    Discord,
    Gotify,
    Apprise,
}

impl TargetKind {
    pub const ALL: [TargetKind; 5] = [
        TargetKind::Webhook,
        TargetKind::Ntfy,
        TargetKind::Discord,
        TargetKind::Gotify,
        TargetKind::Apprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Webhook => "webhook",
            TargetKind::Ntfy => "ntfy",
            TargetKind::Discord => "discord",
            TargetKind::Gotify => "gotify",
            TargetKind::Apprise => "apprise",
        }
    }

    /// Gotify refuses messages without an app token.
    pub fn requires_secret(self) -> bool {
        matches!(self, TargetKind::Gotify)
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown target kind '{0}' (webhook, ntfy, discord, gotify or apprise)")]
pub struct UnknownKind(pub String);

impl FromStr for TargetKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TargetKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in TargetKind::ALL {
            assert_eq!(k.as_str().parse::<TargetKind>(), Ok(k));
        }
        assert!("slack".parse::<TargetKind>().is_err());
    }
}
