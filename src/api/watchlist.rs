//! `/api/v1/watchlist` (`api.md` §8): artists whose new releases become
//! wanted tracks. Checks run in the watchlist worker as `check` jobs.

use crate::domain::ids::WatchId;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::watchlist::{self as store, Added, WatchRow};
use crate::domain::time::{now_millis, to_rfc3339};
use crate::lifecycle::sources;

#[derive(Serialize, utoipa::ToSchema)]
pub struct WatchView {
    pub id: i64,
    pub spotify_artist_id: String,
    pub name: Option<String>,
    pub last_checked: String,
    pub last_error: Option<String>,
    pub created_at: String,
}

impl From<WatchRow> for WatchView {
    fn from(row: WatchRow) -> Self {
        WatchView {
            id: row.id.get(),
            spotify_artist_id: row.spotify_artist_id,
            name: row.name,
            last_checked: to_rfc3339(row.last_checked),
            last_error: row.last_error,
            created_at: to_rfc3339(row.created_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WatchPage {
    pub items: Vec<WatchView>,
    pub total: i64,
}

/// Unknown fields are ignored (`api.md` §1).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewWatch {
    /// 22 base-62 characters.
    #[schema(pattern = "^\\s*[0-9A-Za-z]{22}\\s*$")]
    pub spotify_artist_id: String,
    /// Filled by the first check when absent; at most 500 characters.
    #[schema(max_length = 500)]
    pub name: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Default 50; above 500 is read as 500.
    #[param(value_type = i64, required = false, minimum = 1)]
    pub limit: Option<String>,
    /// Default 0.
    #[param(value_type = i64, required = false, minimum = 0)]
    pub offset: Option<String>,
}

/// Spotify ids are exactly 22 characters of `[0-9A-Za-z]`.
pub fn is_spotify_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[utoipa::path(get, path = "/api/v1/watchlist", tag = "watchlist", operation_id = "list_watchlist",
    params(PageQuery),
    responses((status = 200, body = WatchPage, description = "Newest first"),
              (status = 422, description = "A bad limit or offset")))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = extract::limit(query.limit.as_deref())?;
    let offset = extract::offset(query.offset.as_deref())?;
    let (rows, total) = state
        .db
        .read(move |c| store::list(c, limit, offset))
        .await?;
    Ok(HttpResponse::Ok().json(WatchPage {
        items: rows.into_iter().map(WatchView::from).collect(),
        total,
    }))
}

#[utoipa::path(post, path = "/api/v1/watchlist", tag = "watchlist", operation_id = "add_watchlist_artist",
    request_body = NewWatch,
    responses((status = 201, body = WatchView, description = "Releases from now on count"),
              (status = 409, body = super::error::ErrorBody, description = "Already watched")))]
pub async fn add(
    state: web::Data<AppState>,
    body: extract::Json<NewWatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let row = add_artist(&state, &body.spotify_artist_id, body.name).await?;
    Ok(HttpResponse::Created().json(WatchView::from(row)))
}

/// Watches an artist (shared with the UI): 422 for a bad id or name, 409
/// when already watched.
pub async fn add_artist(
    state: &AppState,
    spotify_artist_id: &str,
    name: Option<String>,
) -> Result<WatchRow, ApiError> {
    let id = spotify_artist_id.trim().to_string();
    if !is_spotify_id(&id) {
        return Err(ApiError::validation(
            "spotify_artist_id",
            "must be a Spotify id: 22 characters 0-9, A-Z, a-z",
        ));
    }
    let name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if name.as_ref().is_some_and(|n| n.chars().count() > 500) {
        return Err(ApiError::validation(
            "name",
            "must be at most 500 characters",
        ));
    }
    match state
        .db
        .write(move |c| store::add(c, &id, name.as_deref(), now_millis()))
        .await?
    {
        Added::New(row) => Ok(row),
        Added::AlreadyWatched(row) => Err(ApiError::Conflict {
            message: format!(
                "artist {} is already watched (id {})",
                row.spotify_artist_id, row.id
            ),
            state: "watched".into(),
        }),
    }
}

/// No longer watched (its wanted tracks stay).
pub async fn remove_artist(state: &AppState, id: WatchId) -> Result<(), ApiError> {
    if state.db.write(move |c| store::remove(c, id)).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "watchlist entry {id} not found"
        )))
    }
}

/// Checked now by the watchlist worker; refused while Spotify is not authorized.
pub async fn check_artist(state: &AppState, id: WatchId) -> Result<WatchRow, ApiError> {
    // A check that cannot run is refused now, not queued to fail later.
    state.spotify.require_authorized().await?;
    Ok(state
        .lifecycle
        .change(move |c| {
            let row = store::get(c.conn(), id)?;
            sources::request_check_now(c, id)?;
            Ok(row)
        })
        .await?)
}

#[utoipa::path(delete, path = "/api/v1/watchlist/{id}", tag = "watchlist", operation_id = "remove_watchlist_artist",
    params(("id" = i64, Path, description = "Watchlist entry id")),
    responses((status = 204, description = "No longer watched; its wanted tracks stay"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn remove(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    remove_artist(&state, WatchId(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/watchlist/{id}/check", tag = "watchlist", operation_id = "check_watchlist_artist",
    params(("id" = i64, Path, description = "Watchlist entry id")),
    responses((status = 202, body = WatchView, description = "Checked now by the watchlist worker"),
              (status = 404, body = super::error::ErrorBody),
              (status = 503, body = super::error::ErrorBody, description = "unavailable: Spotify is not configured or not authorized")))]
pub async fn check(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let row = check_artist(&state, WatchId(id.into_inner())).await?;
    Ok(HttpResponse::Accepted().json(WatchView::from(row)))
}
