//! `/api/v1/downloads`: a known Soulseek file, fetched through slskd
//! (`api.md` §3). Handlers call the lifecycle (its jobs travel in the same
//! transaction and wake the sync worker after it); slskd is only ever
//! called by that worker.

pub mod artifacts;
pub mod artifacts_dto;
pub mod dto;
pub mod ops;

use crate::domain::ids::DownloadId;
use actix_web::{web, HttpResponse};

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::downloads::{self as download_rows, NewDownload};
use crate::domain::downloads::state::DownloadState;
use crate::lifecycle::downloads;
use dto::{
    CreateDownloads, DownloadItems, DownloadPage, DownloadView, EventItems, ListQuery,
    PatchDownload,
};

#[utoipa::path(post, path = "/api/v1/downloads", tag = "downloads", operation_id = "create_downloads",
    request_body = CreateDownloads,
    responses((status = 202, body = DownloadItems, description = "In input order; an active download of the same file is returned instead of a second one")))]
pub async fn create(
    state: web::Data<AppState>,
    body: extract::Json<CreateDownloads>,
) -> Result<HttpResponse, ApiError> {
    let items = dto::validate(body.into_inner())?;
    let (artwork, lyrics) = (
        state.features.artwork_status(),
        state.features.lyrics_status(),
    );
    let rows = state
        .lifecycle
        .change(move |c| {
            items
                .iter()
                .map(|item| {
                    let new = NewDownload {
                        username: &item.username,
                        filename: &item.filename,
                        size: item.size,
                        priority: item.priority,
                        track: &item.track,
                        wanted_id: None,
                        artwork_status: artwork,
                        lyrics_status: lyrics,
                    };
                    downloads::create_or_get_active(c, &new).map(|(row, _)| row)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(HttpResponse::Accepted().json(DownloadItems {
        items: rows.into_iter().map(DownloadView::from).collect(),
    }))
}

/// `?state=…` → the states, each checked.
fn parse_states(raw: Option<&str>) -> Result<Vec<DownloadState>, ApiError> {
    extract::state_filter(raw, &DownloadState::ALL, DownloadState::as_str)
}

#[utoipa::path(get, path = "/api/v1/downloads", tag = "downloads", operation_id = "list_downloads",
    params(ListQuery),
    responses((status = 200, body = DownloadPage, description = "Newest first"),
              (status = 422, description = "An unknown state, or a bad limit or offset")))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let states = parse_states(query.state.as_deref())?;
    let limit = extract::limit(query.limit.as_deref())?;
    let offset = extract::offset(query.offset.as_deref())?;
    let (rows, total) = state
        .db
        .read(move |c| download_rows::list(c, &states, limit, offset))
        .await?;
    Ok(HttpResponse::Ok().json(DownloadPage {
        items: rows.into_iter().map(DownloadView::from).collect(),
        total,
    }))
}

#[utoipa::path(get, path = "/api/v1/downloads/{id}", tag = "downloads", operation_id = "get_download",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 200, body = DownloadView), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = DownloadId(id.into_inner());
    let row = state.db.read(move |c| download_rows::get(c, id)).await?;
    Ok(HttpResponse::Ok().json(DownloadView::from(row)))
}

#[utoipa::path(patch, path = "/api/v1/downloads/{id}", tag = "downloads", operation_id = "set_download_priority",
    params(("id" = i64, Path, description = "Download id")),
    request_body = PatchDownload,
    responses((status = 200, body = DownloadView), (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "completed, cancelled or dead_letter")))]
pub async fn patch(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: extract::Json<PatchDownload>,
) -> Result<HttpResponse, ApiError> {
    let row = ops::set_priority(&state, DownloadId(id.into_inner()), body.priority).await?;
    Ok(HttpResponse::Ok().json(DownloadView::from(row)))
}

#[utoipa::path(delete, path = "/api/v1/downloads/{id}", tag = "downloads", operation_id = "cancel_download",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 200, body = DownloadView, description = "Cancelled (unchanged when it already was); a live transfer is cancelled in slskd too"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "completed")))]
pub async fn cancel(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let row = ops::cancel(&state, DownloadId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(DownloadView::from(row)))
}

#[utoipa::path(post, path = "/api/v1/downloads/{id}/retry", tag = "downloads", operation_id = "retry_download",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 202, body = DownloadView, description = "Back in queued with retry_count 0"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "Not failed, cancelled or dead_letter")))]
pub async fn retry(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let row = ops::retry(&state, DownloadId(id.into_inner())).await?;
    Ok(HttpResponse::Accepted().json(DownloadView::from(row)))
}

#[utoipa::path(get, path = "/api/v1/downloads/{id}/events", tag = "downloads", operation_id = "list_download_events",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 200, body = EventItems, description = "Oldest first"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn events(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = DownloadId(id.into_inner());
    let rows = state
        .db
        .read(move |c| {
            download_rows::get(c, id)?;
            download_rows::events(c, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(EventItems {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_filters_are_checked() {
        assert_eq!(
            parse_states(Some("failed,dead_letter")).unwrap_or_default(),
            vec![DownloadState::Failed, DownloadState::DeadLetter]
        );
        assert!(parse_states(None).unwrap_or_default().is_empty());
        assert!(parse_states(Some("failed,running")).is_err());
    }
}
