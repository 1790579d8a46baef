//! The Web API reads Harmony needs, with the 2026 development-mode rules:
//! playlist entries from `/items` (never `/tracks`), search limit ≤ 10, no
//! batch endpoints. Lists come a page at a time; the caller follows `next`.

use awc::http::Method;
use serde::de::DeserializeOwned;

use super::error::{api_error, SpotifyError};
use super::model::{
    Album, Artist, FullTrack, Page, SavedTrack, SimplifiedAlbum, SimplifiedTrack, SpotifyUser,
    TrackSearch,
};
use super::playlist::{PlaylistItem, PlaylistSummary};
use super::transport::{encode, query, Auth, Request, Retry};
use super::SpotifyClient;

/// Largest pages the endpoints allow.
const PLAYLISTS_PAGE: u32 = 50;
const SAVED_TRACKS_MAX: u32 = 50;
const PLAYLIST_ITEMS_PAGE: u32 = 100;
const ARTIST_ALBUMS_PAGE: u32 = 50;
const ALBUM_TRACKS_PAGE: u32 = 50;
/// The development-mode maximum since February 2026 (was 50).
pub const SEARCH_LIMIT_MAX: u32 = 10;

impl SpotifyClient {
    /// The account the token belongs to.
    pub async fn me(&self, token: &str) -> Result<SpotifyUser, SpotifyError> {
        self.get_json(token, self.url("me", &[])).await
    }

    /// The user's playlists (own, followed, collaborative), 50 per page.
    pub async fn my_playlists(
        &self,
        token: &str,
        next: Option<&str>,
    ) -> Result<Page<PlaylistSummary>, SpotifyError> {
        let limit = PLAYLISTS_PAGE.to_string();
        let url = self.page_url(next, "me/playlists", &[("limit", &limit)])?;
        self.get_json(token, url).await
    }

    /// Liked songs, newest first; `limit` is clamped to 1..=50.
    pub async fn saved_tracks(
        &self,
        token: &str,
        next: Option<&str>,
        limit: u32,
    ) -> Result<Page<SavedTrack>, SpotifyError> {
        let limit = limit.clamp(1, SAVED_TRACKS_MAX).to_string();
        let url = self.page_url(next, "me/tracks", &[("limit", &limit)])?;
        self.get_json(token, url).await
    }

    /// A playlist's entries, 100 per page, from `/items`: development-mode
    /// apps get 403 on the old `/tracks` path.
    pub async fn playlist_items(
        &self,
        token: &str,
        playlist_id: &str,
        next: Option<&str>,
    ) -> Result<Page<PlaylistItem>, SpotifyError> {
        let path = format!("playlists/{}/items", encode(playlist_id));
        let limit = PLAYLIST_ITEMS_PAGE.to_string();
        let params = [("limit", limit.as_str()), ("additional_types", "track")];
        let url = self.page_url(next, &path, &params)?;
        self.get_json(token, url).await
    }

    /// One playlist's summary (name, owner, snapshot, count).
    pub async fn playlist(
        &self,
        token: &str,
        playlist_id: &str,
    ) -> Result<PlaylistSummary, SpotifyError> {
        let path = format!("playlists/{}", encode(playlist_id));
        self.get_json(token, self.url(&path, &[])).await
    }

    pub async fn artist(&self, token: &str, id: &str) -> Result<Artist, SpotifyError> {
        let path = format!("artists/{}", encode(id));
        self.get_json(token, self.url(&path, &[])).await
    }

    /// The artist's own albums and singles (not `appears_on` nor compilations
    /// of others), 50 per page.
    pub async fn artist_albums(
        &self,
        token: &str,
        artist_id: &str,
        next: Option<&str>,
    ) -> Result<Page<SimplifiedAlbum>, SpotifyError> {
        let path = format!("artists/{}/albums", encode(artist_id));
        let limit = ARTIST_ALBUMS_PAGE.to_string();
        let params = [
            ("include_groups", "album,single"),
            ("limit", limit.as_str()),
        ];
        let url = self.page_url(next, &path, &params)?;
        self.get_json(token, url).await
    }

    pub async fn album(&self, token: &str, id: &str) -> Result<Album, SpotifyError> {
        let path = format!("albums/{}", encode(id));
        self.get_json(token, self.url(&path, &[])).await
    }

    /// An album's tracks, 50 per page (an album's first page also comes
    /// with [`SpotifyClient::album`]).
    pub async fn album_tracks(
        &self,
        token: &str,
        album_id: &str,
        next: Option<&str>,
    ) -> Result<Page<SimplifiedTrack>, SpotifyError> {
        let path = format!("albums/{}/tracks", encode(album_id));
        let limit = ALBUM_TRACKS_PAGE.to_string();
        let url = self.page_url(next, &path, &[("limit", &limit)])?;
        self.get_json(token, url).await
    }

    pub async fn track(&self, token: &str, id: &str) -> Result<FullTrack, SpotifyError> {
        let path = format!("tracks/{}", encode(id));
        self.get_json(token, self.url(&path, &[])).await
    }

    /// The first `limit` tracks matching `query` (Spotify's syntax: free
    /// text and `track:`, `artist:`, `album:`, `isrc:` filters); `limit` is
    /// clamped to 1..=10.
    pub async fn search_tracks(
        &self,
        token: &str,
        query: &str,
        limit: u32,
    ) -> Result<Vec<FullTrack>, SpotifyError> {
        let limit = limit.clamp(1, SEARCH_LIMIT_MAX).to_string();
        let params = [("q", query), ("type", "track"), ("limit", limit.as_str())];
        let found: TrackSearch = self.get_json(token, self.url("search", &params)).await?;
        Ok(found.tracks.items)
    }

    /// `<api_url>/<path>?<params>`.
    fn url(&self, path: &str, params: &[(&str, &str)]) -> String {
        let base = self.endpoints.api_url.trim_end_matches('/');
        if params.is_empty() {
            format!("{base}/{path}")
        } else {
            format!("{base}/{path}?{}", query(params))
        }
    }

    /// The first page's URL, or the given `next` link if it points into the
    /// configured API: the token must never be sent anywhere else.
    fn page_url(
        &self,
        next: Option<&str>,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<String, SpotifyError> {
        let Some(next) = next else {
            return Ok(self.url(path, params));
        };
        let base = self.endpoints.api_url.trim_end_matches('/');
        let inside = next
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'));
        if inside {
            Ok(next.to_string())
        } else {
            Err(SpotifyError::Decode("next link to another host".into()))
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        token: &str,
        url: String,
    ) -> Result<T, SpotifyError> {
        let answer = self
            .send(Request {
                method: Method::GET,
                url,
                auth: Auth::Bearer(token),
                form: None,
                retry: Retry::Idempotent,
            })
            .await?;
        if !answer.status.is_success() {
            return Err(api_error(answer.status.as_u16(), &answer.body, &[token]));
        }
        serde_json::from_slice(&answer.body).map_err(|e| SpotifyError::Decode(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RateGate, SpotifyEndpoints};
    use super::*;
    use crate::domain::secret::Secret;

    fn client() -> SpotifyClient {
        SpotifyClient::new(
            SpotifyEndpoints {
                api_url: "https://api.spotify.com/v1".into(),
                accounts_url: "https://accounts.spotify.com".into(),
                client_id: "cid".into(),
                client_secret: Secret::default(),
                redirect_uri: "http://127.0.0.1:8080/cb".into(),
            },
            RateGate::default(),
        )
    }

    #[actix_rt::test]
    async fn next_links_stay_inside_the_api() {
        let c = client();
        let ok = "https://api.spotify.com/v1/me/playlists?offset=50&limit=50";
        assert_eq!(c.page_url(Some(ok), "x", &[]).unwrap(), ok);
        for bad in [
            "https://evil.example/v1/me/playlists",
            "https://api.spotify.com/v1.evil.example/x",
            "https://api.spotify.com.evil.example/v1/x",
            "http://api.spotify.com/v1/me/playlists",
        ] {
            assert_eq!(
                c.page_url(Some(bad), "x", &[]),
                Err(SpotifyError::Decode("next link to another host".into())),
                "{bad}"
            );
        }
        assert_eq!(
            c.page_url(None, "me/tracks", &[("limit", "50")]).unwrap(),
            "https://api.spotify.com/v1/me/tracks?limit=50"
        );
    }
}
