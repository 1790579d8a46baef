//! `/api/v1/downloads/{id}/{metadata,artwork,lyrics}` and their refreshes
//! (`api.md` §3, §13 "Artifacts"). Reads come from the database and the
//! file (on the blocking pool); a refresh is a job row, then a wake-up.

use crate::domain::ids::DownloadId;
use actix_web::http::header::ContentType;
use actix_web::{web, HttpResponse};

use super::artifacts_dto::{MetadataView, PendingView};
use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db::artifacts::{self, Artifact, ArtifactsRow};
use crate::db::downloads::{self, DownloadRow};
use crate::domain::artwork::image_size::mime_of;
use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::lifecycle;
use crate::media::tags::{self, TagSet};

fn artwork_enabled(state: &AppState) -> Result<(), ApiError> {
    if state.features.artwork {
        Ok(())
    } else {
        Err(ApiError::FeatureDisabled(
            "artwork is disabled (ENABLE_ARTWORK)".into(),
        ))
    }
}

fn lyrics_enabled(state: &AppState) -> Result<(), ApiError> {
    if state.features.lyrics {
        Ok(())
    } else {
        Err(ApiError::FeatureDisabled(
            "lyrics are disabled (ENABLE_LYRICS)".into(),
        ))
    }
}

/// The download (404 when unknown) and what was done to its file.
async fn load(
    state: &AppState,
    id: DownloadId,
) -> Result<(DownloadRow, Option<ArtifactsRow>), ApiError> {
    Ok(state
        .db
        .snapshot(move |c| Ok((downloads::get(c, id)?, artifacts::get(c, id)?)))
        .await?)
}

/// Reads a file on the blocking pool; `None` when it is gone.
async fn off_thread<T: Send + 'static>(
    f: impl FnOnce() -> Option<T> + Send + 'static,
) -> Result<Option<T>, ApiError> {
    web::block(f)
        .await
        .map_err(|e| ApiError::Internal(format!("file read failed: {e}")))
}

async fn refresh(
    state: &AppState,
    id: DownloadId,
    artifact: Artifact,
) -> Result<HttpResponse, ApiError> {
    state
        .lifecycle
        .change(move |c| lifecycle::artifacts::request_refresh(c, id, artifact))
        .await??;
    Ok(HttpResponse::Accepted().json(PendingView::new(id)))
}

#[utoipa::path(get, path = "/api/v1/downloads/{id}/metadata", tag = "downloads", operation_id = "get_download_metadata",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 200, body = MetadataView, description = "The tags as written to the file"),
              (status = 404, body = crate::api::error::ErrorBody, description = "Unknown download, or no tags written yet")))]
pub async fn get_metadata(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = DownloadId(id.into_inner());
    let (_, art) = load(&state, id).await?;
    let written = art.and_then(|a| Some((a.metadata_path?, a.tags?)));
    let Some((path, tags)) = written else {
        return Err(ApiError::NotFound(
            "no tags have been written to this download's file".into(),
        ));
    };
    let tags: TagSet =
        serde_json::from_str(&tags).map_err(|e| ApiError::Internal(format!("stored tags: {e}")))?;
    Ok(HttpResponse::Ok().json(MetadataView {
        id: id.get(),
        path,
        tags: tags.into(),
    }))
}

#[utoipa::path(post, path = "/api/v1/downloads/{id}/metadata/refresh", tag = "downloads", operation_id = "refresh_download_metadata",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 202, body = PendingView, description = "The tags will be written again"),
              (status = 404, body = crate::api::error::ErrorBody),
              (status = 409, body = crate::api::error::ErrorBody, description = "The download is not completed")))]
pub async fn refresh_metadata(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    refresh(&state, DownloadId(id.into_inner()), Artifact::Metadata).await
}

#[utoipa::path(get, path = "/api/v1/downloads/{id}/artwork", tag = "downloads", operation_id = "get_download_artwork",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 200, description = "The embedded cover, with its image type", content(("image/*"), ("application/octet-stream"))),
              (status = 404, body = crate::api::error::ErrorBody, description = "Unknown download, or no cover embedded (yet)"),
              (status = 503, body = crate::api::error::ErrorBody, description = "feature_disabled: the feature flag is off")))]
pub async fn get_artwork(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    artwork_enabled(&state)?;
    let (row, _) = load(&state, DownloadId(id.into_inner())).await?;
    let path = row
        .organized_path
        .filter(|_| row.artwork_status == ArtifactStatus::Done)
        .ok_or_else(|| ApiError::NotFound("no cover has been embedded".into()))?;
    let cover = off_thread(move || tags::read_cover(std::path::Path::new(&path)).ok().flatten())
        .await?
        .ok_or_else(|| ApiError::NotFound("the file has no cover".into()))?;
    let mime = cover
        .info
        .mime
        .clone()
        .or_else(|| mime_of(&cover.data).map(str::to_string))
        .unwrap_or_else(|| "application/octet-stream".into());
    Ok(HttpResponse::Ok().content_type(mime).body(cover.data))
}

#[utoipa::path(post, path = "/api/v1/downloads/{id}/artwork/refresh", tag = "downloads", operation_id = "refresh_download_artwork",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 202, body = PendingView, description = "A cover will be fetched and embedded again"),
              (status = 404, body = crate::api::error::ErrorBody),
              (status = 409, body = crate::api::error::ErrorBody, description = "The download is not completed"),
              (status = 503, body = crate::api::error::ErrorBody, description = "feature_disabled: the feature flag is off")))]
pub async fn refresh_artwork(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    artwork_enabled(&state)?;
    refresh(&state, DownloadId(id.into_inner()), Artifact::Artwork).await
}

#[utoipa::path(get, path = "/api/v1/downloads/{id}/lyrics", tag = "downloads", operation_id = "get_download_lyrics",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 200, description = "The LRC file (or the plain lyrics)", body = String, content_type = "text/plain"),
              (status = 202, body = PendingView, description = "Still being looked up"),
              (status = 204, description = "An instrumental track"),
              (status = 404, body = crate::api::error::ErrorBody, description = "Unknown download, or no lyrics found"),
              (status = 503, body = crate::api::error::ErrorBody, description = "feature_disabled: the feature flag is off")))]
pub async fn get_lyrics(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    lyrics_enabled(&state)?;
    let id = DownloadId(id.into_inner());
    let (row, art) = load(&state, id).await?;
    match row.lyrics_status {
        ArtifactStatus::Pending => return Ok(HttpResponse::Accepted().json(PendingView::new(id))),
        ArtifactStatus::Instrumental => return Ok(HttpResponse::NoContent().finish()),
        _ => {}
    }
    let path = art
        .and_then(|a| a.lyrics_path)
        .filter(|_| row.lyrics_status == ArtifactStatus::Done)
        .ok_or_else(|| ApiError::NotFound(format!("no lyrics ({})", row.lyrics_status.as_str())))?;
    let text = off_thread(move || std::fs::read_to_string(path).ok())
        .await?
        .ok_or_else(|| ApiError::NotFound("the lyrics file is gone".into()))?;
    Ok(HttpResponse::Ok()
        .insert_header(ContentType::plaintext())
        .body(text))
}

#[utoipa::path(post, path = "/api/v1/downloads/{id}/lyrics/refresh", tag = "downloads", operation_id = "refresh_download_lyrics",
    params(("id" = i64, Path, description = "Download id")),
    responses((status = 202, body = PendingView, description = "The lyrics will be looked up again"),
              (status = 404, body = crate::api::error::ErrorBody),
              (status = 409, body = crate::api::error::ErrorBody, description = "The download is not completed"),
              (status = 503, body = crate::api::error::ErrorBody, description = "feature_disabled: the feature flag is off")))]
pub async fn refresh_lyrics(
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    lyrics_enabled(&state)?;
    refresh(&state, DownloadId(id.into_inner()), Artifact::Lyrics).await
}
