//! The media servers Harmony asks to rescan after files land (issue 15):
//! their names, the Subsonic token, what an answer says of the connection,
//! and which Plex sections hold the new files.

use std::path::{Component, Path, PathBuf};

use md5::{Digest, Md5};

use crate::domain::connections::state::ConnectionState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaServer {
    Navidrome,
    Jellyfin,
    Plex,
}

impl MediaServer {
    pub const ALL: [MediaServer; 3] = [
        MediaServer::Navidrome,
        MediaServer::Jellyfin,
        MediaServer::Plex,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediaServer::Navidrome => "navidrome",
            MediaServer::Jellyfin => "jellyfin",
            MediaServer::Plex => "plex",
        }
    }

    pub fn parse(s: &str) -> Option<MediaServer> {
        MediaServer::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// Subsonic token auth: `t` = md5(password + salt), lower-case hex.
pub fn subsonic_token(password: &str, salt: &str) -> String {
    let digest = Md5::digest(format!("{password}{salt}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How a call ended, as far as the connection's state goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// No answer: refused, reset, timed out.
    NoAnswer,
    /// An HTTP status, and for Subsonic the `error.code` of a `failed` body.
    Status {
        status: u16,
        subsonic_error: Option<i64>,
    },
}

/// 2xx → `ok`; 401/403 and Subsonic's 40 (wrong credentials), 41 (token auth
/// not supported for LDAP users) and 50 (not authorized) → `unauthorized`;
/// no answer and 5xx → `unreachable`; another 4xx → `unreachable` too (a
/// wrong URL: nothing answers there as a media server).
pub fn connection_state(end: &CallEnd) -> ConnectionState {
    match end {
        CallEnd::NoAnswer => ConnectionState::Unreachable,
        CallEnd::Status {
            subsonic_error: Some(40 | 41 | 50),
            ..
        } => ConnectionState::Unauthorized,
        CallEnd::Status {
            subsonic_error: Some(_),
            ..
        } => ConnectionState::Unreachable,
        CallEnd::Status {
            status: 401 | 403, ..
        } => ConnectionState::Unauthorized,
        CallEnd::Status { status, .. } if (200..300).contains(status) => ConnectionState::Ok,
        CallEnd::Status { .. } => ConnectionState::Unreachable,
    }
}

/// A Plex library section and its folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlexSection {
    pub key: String,
    pub locations: Vec<PathBuf>,
}

fn normal(p: &Path) -> Vec<Component<'_>> {
    p.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// The sections whose folders hold one of `files` (by whole path components,
/// so `/music2` does not hold `/music/a.flac`); with no files, every section.
pub fn plex_sections_holding(sections: &[PlexSection], files: &[PathBuf]) -> Vec<String> {
    sections
        .iter()
        .filter(|s| {
            files.is_empty()
                || s.locations.iter().any(|loc| {
                    let loc = normal(loc);
                    files.iter().any(|f| normal(f).starts_with(&loc))
                })
        })
        .map(|s| s.key.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subsonic_token_is_the_salted_md5() {
        // The example of the Subsonic API documentation.
        assert_eq!(
            subsonic_token("sesame", "c19b2d"),
            "26719a1196d2a940705a59634eb18eab"
        );
    }

    #[test]
    fn answers_become_connection_states() {
        let status = |status, subsonic_error| CallEnd::Status {
            status,
            subsonic_error,
        };
        assert_eq!(connection_state(&status(204, None)), ConnectionState::Ok);
        assert_eq!(
            connection_state(&status(200, Some(40))),
            ConnectionState::Unauthorized
        );
        assert_eq!(
            connection_state(&status(200, Some(0))),
            ConnectionState::Unreachable
        );
        assert_eq!(
            connection_state(&status(401, None)),
            ConnectionState::Unauthorized
        );
        assert_eq!(
            connection_state(&status(403, None)),
            ConnectionState::Unauthorized
        );
        assert_eq!(
            connection_state(&status(503, None)),
            ConnectionState::Unreachable
        );
        assert_eq!(
            connection_state(&status(404, None)),
            ConnectionState::Unreachable
        );
        assert_eq!(
            connection_state(&CallEnd::NoAnswer),
            ConnectionState::Unreachable
        );
    }

    #[test]
    fn plex_sections_by_whole_folders() {
        let sections = vec![
            PlexSection {
                key: "1".into(),
                locations: vec!["/music".into()],
            },
            PlexSection {
                key: "2".into(),
                locations: vec!["/music2".into(), "/other".into()],
            },
            PlexSection {
                key: "3".into(),
                locations: vec!["/movies".into()],
            },
        ];
        assert_eq!(
            plex_sections_holding(&sections, &["/music/A/B/01.flac".into()]),
            vec!["1"]
        );
        assert_eq!(
            plex_sections_holding(&sections, &["/other/x.mp3".into(), "/music/y.mp3".into()]),
            vec!["1", "2"]
        );
        assert_eq!(plex_sections_holding(&sections, &[]), vec!["1", "2", "3"]);
        assert!(plex_sections_holding(&sections, &["/nowhere/x.mp3".into()]).is_empty());
    }

    #[test]
    fn names_round_trip() {
        for m in MediaServer::ALL {
            assert_eq!(MediaServer::parse(m.as_str()), Some(m));
        }
        assert_eq!(MediaServer::parse("kodi"), None);
    }
}
