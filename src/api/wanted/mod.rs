//! `/api/v1/wanted`: music the user wants, found and downloaded
//! automatically (`api.md` §4). Handlers call the lifecycle (the matching
//! worker's jobs travel in the same transaction and wake it after the
//! commit); searching and choosing happen in the matching worker.

pub mod dto;
pub mod ops;

use crate::domain::ids::WantedId;
use actix_web::{web, HttpResponse};

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::wanted::{self as wanted_rows, WantedFilter};
use crate::domain::wanted::WantedState;
use dto::{
    CandidateItems, CreateWanted, FileChoice, ListQuery, SearchAgain, WantedItems, WantedPage,
    WantedView,
};

#[utoipa::path(post, path = "/api/v1/wanted", tag = "wanted", operation_id = "create_wanted",
    request_body = CreateWanted,
    responses((status = 202, body = WantedItems, description = "In input order; a track already wanted or in the library returns the existing entry")))]
pub async fn create(
    state: web::Data<AppState>,
    body: extract::Json<CreateWanted>,
) -> Result<HttpResponse, ApiError> {
    let items = dto::validate(body.into_inner())?;
    let rows = ops::create(&state, items, "api").await?;
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
    let nonblank = |v: Option<&String>| {
        v.map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let filter = WantedFilter {
        states,
        source: nonblank(query.source.as_ref()),
        text: nonblank(query.q.as_ref()),
    };
    let (rows, total) = state
        .db
        .read(move |c| wanted_rows::list(c, &filter, limit, offset))
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
    let row = ops::cancel(&state, WantedId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(WantedView::from(row)))
}

#[utoipa::path(post, path = "/api/v1/wanted/{id}/search", tag = "wanted", operation_id = "search_wanted",
    params(("id" = i64, Path, description = "Wanted track id")),
    request_body(content = Option<SearchAgain>, description = "Optional: the search text to use for this track from now on"),
    responses((status = 202, body = WantedView, description = "Searched again now"),
              (status = 422, body = super::error::ErrorBody, description = "A query over 200 characters"),
              (status = 404, body = super::error::ErrorBody),
              (status = 409, body = super::error::ErrorBody, description = "completed or cancelled")))]
pub async fn search(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id = WantedId(id.into_inner());
    // The body is optional: none searches with what the track has.
    let query = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/json")
            });
        if !json {
            return Err(ApiError::BadRequest(
                "expected Content-Type: application/json".into(),
            ));
        }
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("body is not valid JSON: {e}")))?;
        let again: SearchAgain = super::json::from_value(value)?;
        again
            .query
            .as_deref()
            .map(ops::check_search_query)
            .transpose()?
    };
    let row = ops::search(&state, id, query).await?;
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
    let (row, candidates, rejections) =
        ops::with_candidates(&state, WantedId(id.into_inner())).await?;
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
    let FileChoice { username, filename } = body.into_inner();
    let row = ops::pick(&state, WantedId(id.into_inner()), username, filename).await?;
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
    let FileChoice { username, filename } = body.into_inner();
    let row = ops::reject(&state, WantedId(id.into_inner()), username, filename).await?;
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
