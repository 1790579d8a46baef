//! `/api/v1/imports` (`api.md` §9): track lists without a Spotify account.
//! The body (JSON, or one uploaded CSV / text / JSON file) is parsed off the
//! async threads, then every accepted track becomes wanted in one
//! transaction: an import is registered whole or not at all.

use actix_multipart::Multipart;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Serialize;

use super::error::{ApiError, FieldError};
use super::extract::UPLOAD_LIMIT;
use super::json::from_value;
use super::multipart::read_parts;
use super::AppState;
use crate::db::imports::{self as store, ImportView};
use crate::domain::imports::progress::ImportCounts;
use crate::domain::imports::{parse_file, parse_json_request, JsonRequest, ParsedImport, Skipped};
use crate::domain::time::to_rfc3339;
use crate::lifecycle::sources;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AcceptedCounts {
    pub tracks: usize,
    pub links: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportCreated {
    pub id: i64,
    pub state: &'static str,
    pub accepted: AcceptedCounts,
    #[schema(value_type = Vec<Object>)]
    pub skipped: Vec<Skipped>,
    /// Skipped inputs in total (the list stops at 1000).
    pub skipped_total: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ImportStatus {
    pub id: i64,
    pub state: &'static str,
    pub counts: ImportCounts,
    pub accepted: AcceptedCounts,
    #[schema(value_type = Vec<Object>)]
    pub skipped: serde_json::Value,
    pub skipped_total: i32,
    pub created_at: String,
}

impl From<ImportView> for ImportStatus {
    fn from(v: ImportView) -> Self {
        ImportStatus {
            id: v.row.id,
            state: v.counts.state(v.links_pending),
            counts: v.counts,
            accepted: AcceptedCounts {
                tracks: usize::try_from(v.row.accepted_tracks).unwrap_or(0),
                links: usize::try_from(v.row.accepted_links).unwrap_or(0),
            },
            skipped: serde_json::from_str(&v.row.skipped).unwrap_or_default(),
            skipped_total: v.row.skipped_total,
            created_at: to_rfc3339(v.row.created_at),
        }
    }
}

/// Reads the request as JSON, a multipart upload with one `file`, or a
/// plain-text / CSV list sent as the body.
async fn parse_body(req: &HttpRequest, payload: web::Payload) -> Result<ParsedImport, ApiError> {
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let file = read_parts(Multipart::new(req.headers(), payload))
            .await?
            .into_iter()
            .find(|part| part.name == "file")
            .ok_or_else(|| {
                ApiError::validation("file", "a multipart part named 'file' is required")
            })?;
        return web::block(move || {
            parse_file(
                file.file_name.as_deref(),
                file.content_type.as_deref(),
                &file.bytes,
            )
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::validation("file", e.to_string()));
    }
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    if matches!(
        essence.as_str(),
        "text/plain" | "text/csv" | "audio/x-mpegurl"
    ) {
        // The list as the body itself: `curl --data-binary @list.txt -H 'Content-Type: text/plain'`.
        let bytes = read_limited(payload).await?;
        return web::block(move || parse_file(None, Some(&essence), &bytes))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|e| ApiError::validation("body", e.to_string()));
    }
    if essence != "application/json" {
        return Err(ApiError::BadRequest(
            "expected Content-Type: application/json, multipart/form-data, text/plain or text/csv"
                .into(),
        ));
    }
    let bytes = read_limited(payload).await?;
    web::block(move || {
        // As every JSON route: syntax (400), then shape and NUL (422, by field).
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("body is not valid JSON: {e}")))?;
        let body: JsonRequest = from_value(value)?;
        Ok(parse_json_request(&body))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

async fn read_limited(mut payload: web::Payload) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > UPLOAD_LIMIT {
            return Err(ApiError::PayloadTooLarge {
                limit: UPLOAD_LIMIT,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Nothing valid: the reasons of the first skipped inputs.
fn nothing_valid(parsed: &ParsedImport) -> ApiError {
    ApiError::Validation {
        message: "nothing valid to import".into(),
        details: parsed
            .skipped
            .iter()
            .take(20)
            .map(|s| FieldError {
                field: s.input.clone(),
                message: s.reason.as_str().to_string(),
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", operation_id = "create_import",
    request_body(description = "A JSON request, one uploaded file (CSV with a header row naming at least artist and title, text with one track per line, or a JSON array of tracks), or the list itself as text/plain or text/csv",
        content(
            (super::doc_schemas::ImportRequest = "application/json"),
            (super::doc_schemas::ImportUpload = "multipart/form-data"),
            (String = "text/plain"),
            (String = "text/csv"),
        )),
    responses((status = 202, body = ImportCreated),
              (status = 400, body = super::error::ErrorBody, description = "Another content type, unreadable JSON or upload"),
              (status = 413, body = super::error::ErrorBody, description = "The body or upload is over 10 MiB"),
              (status = 422, description = "Nothing valid remains, a missing `file` part, or more than 100 links / 10 000 tracks"),
              (status = 429, body = super::error::ErrorBody, description = "INGEST_MAX_PENDING_JOBS imports are not finished")))]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse_body(&req, payload).await?;
    let created = start(&state, parsed).await?;
    Ok(HttpResponse::Accepted().json(created))
}

/// Starts an import of what was read (shared with the UI): 422 over a
/// limit or with nothing valid, 429 while too many are unfinished.
pub async fn start(state: &AppState, parsed: ParsedImport) -> Result<ImportCreated, ApiError> {
    // Over a limit the whole request is refused, whatever else it holds.
    parsed
        .check_limits()
        .map_err(|too_many| ApiError::validation(too_many.field(), too_many.to_string()))?;
    if parsed.tracks.is_empty() && parsed.links.is_empty() {
        return Err(nothing_valid(&parsed));
    }
    let max_pending = i64::from(state.settings.current().ingest_max_pending_jobs);
    let accepted = AcceptedCounts {
        tracks: parsed.tracks.len(),
        links: parsed.links.len(),
    };
    let ParsedImport {
        tracks,
        links,
        skipped,
        skipped_total,
        ..
    } = parsed;
    let answer_skipped = skipped.clone();
    let view = state
        .lifecycle
        .change(move |c| {
            let now = c.now();
            sources::finish_imports(c)?;
            if store::count_unfinished(c.conn(), now)? >= max_pending {
                return Ok(None);
            }
            let row = sources::create_import(c, &tracks, &links, &skipped, skipped_total)?;
            store::get(c.conn(), row.id).map(Some)
        })
        .await?
        .ok_or_else(|| {
            ApiError::RateLimited(format!(
                "{max_pending} imports are still in progress (INGEST_MAX_PENDING_JOBS); try again later"
            ))
        })?;
    Ok(ImportCreated {
        id: view.row.id,
        state: view.counts.state(view.links_pending),
        accepted,
        skipped: answer_skipped,
        skipped_total,
    })
}

#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", operation_id = "get_import",
    params(("id" = i64, Path, description = "Import id")),
    responses((status = 200, body = ImportStatus), (status = 404, body = super::error::ErrorBody)))]
pub async fn get(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let view = state.db.read(move |c| store::get(c, id)).await?;
    Ok(HttpResponse::Ok().json(ImportStatus::from(view)))
}
