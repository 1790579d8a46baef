//! `/api/v1/backfill` (`api.md` §10): Spotify data for imported tracks, run
//! by the backfill worker as a job.

use crate::domain::ids::BackfillId;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::Json;
use super::AppState;
use crate::db::backfill::{self as store, BackfillRow};
use crate::domain::time::to_rfc3339;
use crate::lifecycle::sources;

/// The contract's ceiling for `max_items`.
pub const MAX_ITEMS: i64 = 10_000;

/// Unknown fields are ignored (`api.md` §1).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewBackfill {
    /// At most 10 000; default `BACKFILL_MAX_ITEMS`.
    #[schema(minimum = 1, maximum = 10000)]
    pub max_items: Option<i64>,
    /// Also turn imported playlist links into wanted tracks.
    pub expand_playlists: Option<bool>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BackfillCreated {
    pub id: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BackfillView {
    pub id: i64,
    /// `queued`, `running`, `completed` or `failed`.
    pub state: String,
    pub max_items: i32,
    pub expand_playlists: bool,
    pub processed: i32,
    pub matched: i32,
    pub cache_hits: i32,
    pub expanded_playlists: i32,
    pub expanded_tracks: i32,
    pub errors: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<BackfillRow> for BackfillView {
    fn from(r: BackfillRow) -> Self {
        BackfillView {
            id: r.id.get(),
            state: r.state.as_str().to_string(),
            max_items: r.max_items,
            expand_playlists: r.expand_playlists,
            processed: r.processed,
            matched: r.matched,
            cache_hits: r.cache_hits,
            expanded_playlists: r.expanded_playlists,
            expanded_tracks: r.expanded_tracks,
            errors: r.errors,
            last_error: r.last_error,
            created_at: to_rfc3339(r.created_at),
            updated_at: to_rfc3339(r.updated_at),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/backfill", tag = "backfill", operation_id = "create_backfill",
    request_body = NewBackfill,
    responses((status = 202, body = BackfillCreated),
              (status = 503, body = super::error::ErrorBody, description = "unavailable: Spotify is not configured or not authorized")))]
pub async fn create(
    state: web::Data<AppState>,
    body: Json<NewBackfill>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let max_items = match body.max_items {
        None => i64::from(state.settings.current().backfill_max_items),
        Some(n) if (1..=MAX_ITEMS).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::validation(
                "max_items",
                format!("must be between 1 and {MAX_ITEMS}"),
            ))
        }
    };
    state.spotify.require_authorized().await?;
    let expand = body.expand_playlists.unwrap_or(false);
    let max_items = i32::try_from(max_items).unwrap_or(i32::MAX);
    let row = state
        .lifecycle
        .change(move |c| sources::create_backfill(c, max_items, expand))
        .await?;
    Ok(HttpResponse::Accepted().json(BackfillCreated { id: row.id.get() }))
}

#[utoipa::path(get, path = "/api/v1/backfill/{id}", tag = "backfill", operation_id = "get_backfill",
    params(("id" = i64, Path, description = "Backfill id")),
    responses((status = 200, body = BackfillView), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = BackfillId(id.into_inner());
    let row = state.db.read(move |c| store::get(c, id)).await?;
    Ok(HttpResponse::Ok().json(BackfillView::from(row)))
}
