//! `/api/v1/spotify` (`api.md` §7): the account (authorize with PKCE,
//! callback, status) and the playlists the sync worker keeps. Tokens are
//! never part of any answer.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::Json;
use super::AppState;
use crate::db::spotify::{self as store, PlaylistRow};
use crate::domain::spotify::connected_page;
use crate::domain::time::{now_millis, to_rfc3339};
use crate::domain::workers::name::WorkerName;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SpotifyUserView {
    pub id: String,
    pub display_name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SpotifyStatus {
    pub configured: bool,
    pub authorized: bool,
    pub user: Option<SpotifyUserView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthorizeAnswer {
    /// Where to send the user's browser.
    pub url: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CallbackQuery {
    /// Present when the user granted access.
    pub code: Option<String>,
    /// The single-use value `authorize` put in the URL.
    #[param(value_type = String, required = true)]
    pub state: Option<String>,
    /// Set by Spotify when the user declined.
    pub error: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlaylistView {
    pub id: String,
    pub name: String,
    pub owner: Option<String>,
    pub track_count: i32,
    pub snapshot_id: Option<String>,
    pub sync: bool,
    pub last_synced_at: Option<String>,
    /// False when Spotify does not share the items (editorial playlists).
    pub available: bool,
    pub last_error: Option<String>,
}

impl From<PlaylistRow> for PlaylistView {
    fn from(row: PlaylistRow) -> Self {
        PlaylistView {
            available: row.is_available(),
            id: row.id,
            name: row.name,
            owner: row.owner,
            track_count: row.track_count,
            snapshot_id: row.snapshot_id,
            sync: row.sync,
            last_synced_at: row.last_synced_at.map(to_rfc3339),
            last_error: row.last_error,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PlaylistPage {
    pub items: Vec<PlaylistView>,
    pub total: usize,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaylistPatch {
    pub sync: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub status: &'static str,
}

#[utoipa::path(get, path = "/api/v1/spotify/status", tag = "spotify", operation_id = "get_spotify_status",
    responses((status = 200, body = SpotifyStatus)))]
pub async fn status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let s = state.spotify.status().await?;
    Ok(HttpResponse::Ok().json(SpotifyStatus {
        configured: s.configured,
        authorized: s.authorized,
        user: s
            .user
            .map(|(id, display_name)| SpotifyUserView { id, display_name }),
    }))
}

#[utoipa::path(get, path = "/api/v1/spotify/authorize", tag = "spotify", operation_id = "authorize_spotify",
    responses((status = 200, body = AuthorizeAnswer),
              (status = 503, body = super::error::ErrorBody, description = "unavailable: no client id configured")))]
pub async fn authorize(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let url = state.spotify.begin_authorization().await?;
    Ok(HttpResponse::Ok().json(AuthorizeAnswer { url }))
}

#[utoipa::path(get, path = "/api/v1/spotify/callback", tag = "spotify", operation_id = "spotify_callback",
    params(CallbackQuery),
    responses((status = 200, body = String, content_type = "text/html", description = "Authorized: a short page saying the account is connected; the playlist sync starts"),
              (status = 400, body = super::error::ErrorBody, description = "Unknown or expired state, missing code, declined or refused authorization"),
              (status = 429, body = super::error::ErrorBody, description = "Spotify asks to wait"),
              (status = 502, body = super::error::ErrorBody, description = "Spotify answered with an error"),
              (status = 503, body = super::error::ErrorBody, description = "unavailable: Spotify is not configured, not authorized or unreachable")))]
pub async fn callback(
    state: web::Data<AppState>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    if let Some(error) = query.error {
        // Consume the state so it cannot be replayed.
        if let Some(s) = query.state {
            state
                .db
                .write(move |c| store::take_authorization(c, &s, now_millis()))
                .await?;
        }
        return Err(ApiError::BadRequest(format!(
            "Spotify authorization was not granted: {error}"
        )));
    }
    let (Some(code), Some(auth_state)) = (query.code, query.state) else {
        return Err(ApiError::BadRequest("code and state are required".into()));
    };
    let user = state
        .spotify
        .complete_authorization(&code, &auth_state)
        .await?;
    state.lifecycle.request_run(WorkerName::PlaylistSync);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        // The page needs nothing from anywhere: no scripts, no remote assets.
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(connected_page::render(
            &user.id,
            user.display_name.as_deref(),
        )))
}

#[utoipa::path(get, path = "/api/v1/spotify/playlists", tag = "spotify", operation_id = "list_spotify_playlists",
    responses((status = 200, body = PlaylistPage, description = "As of the last sync; `liked` is the saved tracks")))]
pub async fn playlists(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state.db.read(store::list).await?;
    Ok(HttpResponse::Ok().json(PlaylistPage {
        total: rows.len(),
        items: rows.into_iter().map(PlaylistView::from).collect(),
    }))
}

#[utoipa::path(patch, path = "/api/v1/spotify/playlists/{id}", tag = "spotify", operation_id = "set_spotify_playlist_sync",
    params(("id" = String, Path, description = "Spotify playlist id, or `liked`")),
    request_body = PlaylistPatch,
    responses((status = 200, body = PlaylistView), (status = 404, body = super::error::ErrorBody)))]
pub async fn patch_playlist(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<PlaylistPatch>,
) -> Result<HttpResponse, ApiError> {
    let row = set_playlist_sync(&state, id.into_inner(), body.sync).await?;
    Ok(HttpResponse::Ok().json(PlaylistView::from(row)))
}

/// Turns a playlist's sync on (syncing it now) or off; shared with the UI.
pub async fn set_playlist_sync(
    state: &AppState,
    id: String,
    sync: bool,
) -> Result<PlaylistRow, ApiError> {
    Ok(state
        .lifecycle
        .change(move |c| {
            let now = c.now();
            let row = store::set_sync(c.conn(), &id, sync, now)?;
            if sync {
                c.run_now(WorkerName::PlaylistSync);
            }
            Ok(row)
        })
        .await?)
}

#[utoipa::path(post, path = "/api/v1/spotify/sync", tag = "spotify", operation_id = "sync_spotify_playlists",
    responses((status = 202, body = Accepted),
              (status = 503, body = super::error::ErrorBody, description = "unavailable: Spotify is not configured or not authorized")))]
pub async fn sync_now(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.spotify.require_authorized().await?;
    state.lifecycle.request_run(WorkerName::PlaylistSync);
    Ok(HttpResponse::Accepted().json(Accepted { status: "accepted" }))
}
