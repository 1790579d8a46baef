//! Cover art from the providers: MusicBrainz finds the release group, the
//! Cover Art Archive serves its front cover, and every image (Spotify's
//! included) is fetched through [`fetch_image`]: allow-listed hosts only,
//! redirects checked hop by hop, size and time bounded, bytes sniffed.

mod coverart;
mod fetch;
mod musicbrainz;

pub use coverart::{front_url, FrontSize};
pub use fetch::{fetch_image, FetchLimits, FetchedImage};
pub use musicbrainz::{best_release_group, lucene_phrase, MusicBrainzClient, Pace, ReleaseGroup};

/// Why an image (or the lookup leading to it) was not obtained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverError {
    #[error("{0} is not an allowed image host")]
    NotAllowed(String),
    #[error("unreachable: {0}")]
    Network(String),
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
    #[error("no image there (HTTP 404)")]
    NotFound,
    #[error("HTTP {0}")]
    Status(u16),
    #[error("larger than {0} bytes")]
    TooLarge(u64),
    #[error("not an image: {0}")]
    NotAnImage(String),
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl CoverError {
    /// Worth trying again later: the service had a moment. Refusals
    /// (host, size, type, timeout) are final for that URL.
    pub fn is_transient(&self) -> bool {
        match self {
            CoverError::Network(_) => true,
            CoverError::Status(s) => *s >= 500 || *s == 429,
            _ => false,
        }
    }
}
