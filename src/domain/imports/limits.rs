//! How much one import may hold (`api.md` §9, §13 "Imports"): at most
//! [`MAX_LINKS`] playlist links and [`MAX_TRACKS`] tracks. Over either, the
//! whole request is refused (422) and nothing is created: half an import,
//! silently cut, is worse than a clear "split the list".
//!
//! What counts is what the request names: every link (a `links` entry, a
//! line that is a link) and every track (a `tracks` item, a track line, a
//! CSV row), valid or not, duplicates included — the size of the request,
//! not of its outcome. Blank lines, comments and M3U path lines do not count.

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
    /// `Err` when the input names more links or tracks than one import may.
    pub fn check_limits(&self) -> Result<(), TooMany> {
        if self.given_links > MAX_LINKS {
            Err(TooMany::Links)
        } else if self.given_tracks > MAX_TRACKS {
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
    use super::*;

    fn given(links: usize, tracks: usize) -> ParsedImport {
        ParsedImport {
            given_links: links,
            given_tracks: tracks,
            ..ParsedImport::default()
        }
    }

    #[test]
    fn at_the_limits_is_fine_one_more_is_not() {
        assert_eq!(given(MAX_LINKS, MAX_TRACKS).check_limits(), Ok(()));
        assert_eq!(
            given(MAX_LINKS + 1, MAX_TRACKS).check_limits(),
            Err(TooMany::Links)
        );
        assert_eq!(
            given(MAX_LINKS, MAX_TRACKS + 1).check_limits(),
            Err(TooMany::Tracks)
        );
        assert_eq!(given(0, 0).check_limits(), Ok(()));
    }

    #[test]
    fn errors_name_their_field() {
        assert_eq!(TooMany::Links.field(), "links");
        assert_eq!(TooMany::Tracks.field(), "tracks");
        assert!(TooMany::Links.to_string().contains("100"));
        assert!(TooMany::Tracks.to_string().contains("10000"));
    }
}
