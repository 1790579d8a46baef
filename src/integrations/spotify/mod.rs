//! Spotify Accounts service and Web API client (issue 5), as the 2026
//! development-mode platform behaves (`spotify-api.md` §2). The client is
//! stateless about tokens: every Web API call takes the access token;
//! storing and refreshing them is [`session`]'s policy (the user's account).
//! A 429 closes a process-wide [`RateGate`] so no client sends anything
//! before `Retry-After` has passed.

mod accounts;
mod api;
mod error;
mod model;
mod playlist;
mod rate_gate;
pub mod session;
mod to_track;
mod transport;

use std::time::Duration;

pub use accounts::TokenGrant;
pub use api::SEARCH_LIMIT_MAX;
pub use error::SpotifyError;
pub use model::{
    Album, Artist, ArtistRef, Copyright, ExternalIds, FullTrack, Image, Page, SavedTrack,
    SimplifiedAlbum, SimplifiedTrack, SpotifyUser,
};
pub use playlist::{Episode, Owner, PlaylistEntry, PlaylistItem, PlaylistSummary};
pub use rate_gate::RateGate;
pub use to_track::{album_track, full_track};
pub use transport::MAX_INLINE_WAIT;

use crate::domain::secret::Secret;

/// Spotify answers within a second or two; 10 s means it is not answering.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Where Spotify is and who Harmony is to it.
#[derive(Debug, Clone)]
pub struct SpotifyEndpoints {
    /// `https://api.spotify.com/v1`, no trailing slash.
    pub api_url: String,
    /// `https://accounts.spotify.com`.
    pub accounts_url: String,
    pub client_id: String,
    /// Empty for a public (PKCE-only) client.
    pub client_secret: Secret,
    pub redirect_uri: String,
}

/// One per arbiter: `awc::Client` is not `Send`. Clones of the same
/// [`RateGate`] make all of them respect one 429.
#[derive(Clone)]
pub struct SpotifyClient {
    http: super::http::HttpClient,
    endpoints: SpotifyEndpoints,
    gate: RateGate,
}

impl SpotifyClient {
    pub fn new(endpoints: SpotifyEndpoints, gate: RateGate) -> Self {
        SpotifyClient {
            http: super::http::HttpClient::new(TIMEOUT),
            endpoints,
            gate,
        }
    }

    pub fn endpoints(&self) -> &SpotifyEndpoints {
        &self.endpoints
    }

    pub fn gate(&self) -> &RateGate {
        &self.gate
    }
}
