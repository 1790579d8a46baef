//! How much one import may hold (`api.md` §9, §13 "Imports"): at most
//! [`MAX_LINKS`] playlist links and [`MAX_TRACKS`] tracks. Over either, the
//! whole request is refused (422) and nothing is created: half an import,
//! silently cut, is worse than a clear "split the list".
//!
//! What counts is what would be accepted: distinct valid tracks and
//! distinct valid playlist links. Duplicates and skipped items do not.

use super::ParsedImport;

/// Tracks accepted by one import.
pub const MAX_TRACKS: usize = 10_000;
/// Spotify playlist links accepted by one import.
pub const MAX_LINKS: usize = 100;

/// An import over one of the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TooMany {
    #[error("more than {MAX_LINKS} playlist links; split them over several imports")]
    Links,
    #[error("more than {MAX_TRACKS} tracks; split the list over several imports")]
    Tracks,
}

impl TooMany {
    /// The request field the limit is about.
    pub fn field(&self) -> &'static str {
        match self {
            TooMany::Links => "links",
            TooMany::Tracks => "tracks",
        }
    }
}

impl ParsedImport {
    /// `Err` when the import holds more links or tracks than one import may.
    pub fn check_limits(&self) -> Result<(), TooMany> {
        if self.links.len() > MAX_LINKS {
            Err(TooMany::Links)
        } else if self.tracks.len() > MAX_TRACKS {
            Err(TooMany::Tracks)
        } else {
            Ok(())
        }
    }

    /// Past a limit: the request will be refused, reading on is wasted work.
    pub(super) fn is_over_limit(&self) -> bool {
        self.check_limits().is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{ImportTrack, PlaylistLink};
    use super::*;

    fn tracks(n: usize) -> Vec<ImportTrack> {
        (0..n)
            .map(|i| ImportTrack {
                artist: "A".into(),
                title: i.to_string(),
                album: None,
                duration_ms: None,
            })
            .collect()
    }

    fn links(n: usize) -> Vec<PlaylistLink> {
        (0..n)
            .map(|i| PlaylistLink {
                id: format!("{i:0>22}"),
                url: format!("https://open.spotify.com/playlist/{i:0>22}"),
            })
            .collect()
    }

    #[test]
    fn at_the_limits_is_fine_one_more_is_not() {
        let at_limits = ParsedImport {
            tracks: tracks(MAX_TRACKS),
            links: links(MAX_LINKS),
            ..ParsedImport::default()
        };
        assert_eq!(at_limits.check_limits(), Ok(()));
        let mut over = at_limits.clone();
        over.links = links(MAX_LINKS + 1);
        assert_eq!(over.check_limits(), Err(TooMany::Links));
        let mut over = at_limits;
        over.tracks = tracks(MAX_TRACKS + 1);
        assert_eq!(over.check_limits(), Err(TooMany::Tracks));
    }

    #[test]
    fn errors_name_their_field() {
        assert_eq!(TooMany::Links.field(), "links");
        assert_eq!(TooMany::Tracks.field(), "tracks");
        assert!(TooMany::Links.to_string().contains("100"));
        assert!(TooMany::Tracks.to_string().contains("10000"));
    }
}
