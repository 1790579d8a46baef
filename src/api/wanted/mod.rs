//! `/api/v1/wanted`: music the user wants, found and downloaded
//! automatically (`api.md` §4). Handlers call the lifecycle (the matching
//! worker's jobs travel in the same transaction and wake it after the
//! commit); searching and choosing happen in the matching worker.

pub mod dto;

use crate::domain::ids::WantedId;
use actix_web::{web, HttpResponse};

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::wanted::{self as wanted_rows, NewWanted};
use crate::domain::wanted::WantedState;
use crate::lifecycle::wanted::{self, PickRefused};
use dto::{
    CandidateItems, CreateWanted, FileChoice, ListQuery, WantedItems, WantedPage, WantedView,
};

#[utoipa::path(post, path = "/api/v1/wanted", tag = "wanted", operation_id = "create_wanted",
    request_body = CreateWanted,
    responses((status = 202, body = WantedItems, description = "In input order; a track already wanted or in the library returns the existing entry")))]
pub async fn create(
    state: web::Data<AppState>,
    body: extract::Json<CreateWanted>,
) -> Result<HttpResponse, ApiError> {
    let items = dto::validate(body.into_inner())?;
    let rows = state
        .lifecycle
        .change(move |c| {
            items
                .iter()
                .map(|item| {
                    let track = item.track();
                    let new = NewWanted {
                        artist: &item.artist,
                        title: &item.title,
                        album: item.album.as_deref(),
                        duration_ms: item.duration_ms,
                        isrc: item.isrc.as_deref(),
                        spotify_track_id: item.spotify_track_id.as_deref(),
                        track_number: item.track_number,
                        disc_number: item.disc_number,
                        priority: item.priority,
                        source: "api",
                        track: &track,
                    };
                    wanted::create_or_get(c, &new).map(|(row, _)| row)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(HttpResponse::Accepted().json(WantedItems {
        items: rows.into_iter().map(WantedView::from).collect(),
    }))
}

/// `?state=…` → the states, each checked.
fn parse_states(raw: Option<&str>) -> Result<Vec<WantedState>, ApiError> {
    extract::state_filter(raw, &WantedState::ALL, WantedState::as_str)
}

#[utoipa::path(get, path = "/api/v1/wanted", tag = "wanted", operation_id = "list_wanted",
    params(ListQuery),
    responses((status = 200, body = WantedPage, description = "Newest first"),
              (status = 422, description = "An unknown state, or a bad limit or offset")))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let states = parse_states(query.state.as_deref())?;
    let limit = extract::limit(query.limit.as_deref())?;
    let offset = extract::offset(query.offset.as_deref())?;
    let source = query
        .source
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let (rows, total) = state
        .db
        .read(move |c| wanted_rows::list(c, &states, source.as_deref(), limit, offset))
        .await?;
    Ok(HttpResponse::Ok().json(WantedPage {
        items: rows.into_iter().map(WantedView::from).collect(),
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/wanted/{id}", tag = "wanted", operation_id = "get_wanted",
    params(("id" = i64, Path, description = "Wanted track id")),
    responses((status = 200, body = WantedView), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = WantedId(id.into_inner());
    let row = state.db.read(move |c| wanted_rows::get(c, id)).await?;
    Ok(HttpResponse::Ok().json(WantedView::from(row)))
}

#[utoipa::path(delete, path = "/api/v1/wanted/{id}", tag = "wanted", operation_id = "cancel_wanted",
    params(("id" = i64, Path, description = "Wanted track id")),
    responses((status = 200, body = WantedView, description = "Cancelled, with its active download"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "Already completed")))]
pub async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = WantedId(id.into_inner());
    let row = state
        .lifecycle
        .change(move |c| wanted::cancel(c, id))
        .await??;
    Ok(HttpResponse::Ok().json(WantedView::from(row)))
}

#[utoipa::path(post, path = "/api/v1/wanted/{id}/search", tag = "wanted", operation_id = "search_wanted",
    params(("id" = i64, Path, description = "Wanted track id")),
    responses((status = 202, body = WantedView, description = "Searched again now"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "completed or cancelled")))]
pub async fn search(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = WantedId(id.into_inner());
    let row = state
        .lifecycle
        .change(move |c| wanted::request_search(c, id))
        .await??;
    Ok(HttpResponse::Accepted().json(WantedView::from(row)))
}

#[utoipa::path(get, path = "/api/v1/wanted/{id}/candidates", tag = "wanted", operation_id = "list_wanted_candidates",
    params(("id" = i64, Path, description = "Wanted track id")),
    responses((status = 200, body = CandidateItems, description = "The last search's candidates: accepted first (the chosen one first), then refused, by descending score"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn candidates(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = WantedId(id.into_inner());
    let (row, (candidates, rejections)) = state
        .db
        .read(move |c| Ok((wanted_rows::get(c, id)?, wanted_rows::candidates(c, id)?)))
        .await?;
    let chosen = match (&row.match_username, &row.match_filename) {
        (Some(u), Some(f)) => Some((u.as_str(), f.as_str())),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(CandidateItems {
        items: dto::candidate_views(candidates, &rejections, chosen),
    }))
}

#[utoipa::path(post, path = "/api/v1/wanted/{id}/pick", tag = "wanted", operation_id = "pick_wanted_candidate",
    params(("id" = i64, Path, description = "Wanted track id")),
    request_body = FileChoice,
    responses((status = 202, body = WantedView, description = "That candidate is downloaded instead of the current choice"),
              (status = 404, body = super::error::ErrorBody, description = "Unknown track, or the file is not among the last search's candidates"),
              (status = 409, body = super::error::ErrorBody, description = "completed or cancelled")))]
pub async fn pick(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: extract::Json<FileChoice>,
) -> Result<HttpResponse, ApiError> {
    dto::validate_choice(&body)?;
    let id = WantedId(id.into_inner());
    let FileChoice { username, filename } = body.into_inner();
    let defaults = state.features.download_defaults();
    let row = state
        .lifecycle
        .change(move |c| wanted::pick(c, id, &username, &filename, defaults))
        .await?
        .map_err(|refused| match refused {
            PickRefused::NotACandidate => {
                ApiError::NotFound("the file is not among the last search's candidates".into())
            }
            PickRefused::State(r) => r.into(),
        })?;
    Ok(HttpResponse::Accepted().json(WantedView::from(row)))
}

#[utoipa::path(post, path = "/api/v1/wanted/{id}/reject", tag = "wanted", operation_id = "reject_wanted_candidate",
    params(("id" = i64, Path, description = "Wanted track id")),
    request_body = FileChoice,
    responses((status = 202, body = WantedView, description = "Never chosen again for this track; the active choice is cancelled and the next candidate taken"),
              (status = 404, body = super::error::ErrorBody), (status = 409, body = super::error::ErrorBody, description = "completed or cancelled")))]
pub async fn reject(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: extract::Json<FileChoice>,
) -> Result<HttpResponse, ApiError> {
    dto::validate_choice(&body)?;
    let id = WantedId(id.into_inner());
    let FileChoice { username, filename } = body.into_inner();
    let row = state
        .lifecycle
        .change(move |c| wanted::reject(c, id, &username, &filename))
        .await??;
    Ok(HttpResponse::Accepted().json(WantedView::from(row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_filters_are_checked() {
        assert_eq!(
            parse_states(Some("not_found, failed")).unwrap_or_default(),
            vec![WantedState::NotFound, WantedState::Failed]
        );
        assert!(parse_states(Some("done")).is_err());
    }
}
