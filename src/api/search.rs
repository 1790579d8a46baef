//! `POST /api/v1/search` (`api.md` §6): one query across sources. Soulseek
//! searches go through the search scheduler like the workers' (one creation
//! at a time, `SEARCH_MAX_CONCURRENT`, the network's budget), ahead of them
//! and bounded in time; a failing source is reported under `errors` and does
//! not fail the request.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::Json;
use super::AppState;
use crate::actors::search_scheduler::SearchError;
use crate::domain::matching::{free_text_score, read_path, Candidate, Preferences};
use crate::domain::spotify::track_match::text_score;
use crate::integrations::slskd::{to_candidates, SlskdError};
use crate::integrations::spotify::session::AccessError;
use crate::integrations::spotify::SpotifyError;

pub const SOURCES: [&str; 2] = ["spotify", "soulseek"];
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SearchRequest {
    /// At most 500 characters once trimmed.
    #[schema(min_length = 1, max_length = 500, pattern = "\\S")]
    pub query: String,
    /// Default: every source.
    #[schema(value_type = Option<Vec<SearchSource>>, min_items = 1)]
    pub sources: Option<Vec<String>>,
    /// Default 50; above 500 is read as 500.
    #[schema(minimum = 1)]
    pub limit: Option<i64>,
}

/// A source `POST /search` can ask.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SearchSource {
    Spotify,
    Soulseek,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchItem {
    pub source: &'static str,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub title: String,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
    pub bitrate: Option<u32>,
    pub format: Option<String>,
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spotify_id: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchAnswer {
    pub items: Vec<SearchItem>,
    /// Per failing source: `unconfigured`, `unauthorized`, `unreachable`,
    /// `rate_limited`, `busy` (every Soulseek search slot or the budget is
    /// taken), `bad_query` or `upstream_error`.
    pub errors: BTreeMap<String, String>,
}

struct Valid {
    query: String,
    sources: Vec<&'static str>,
    limit: usize,
}

fn validate(body: SearchRequest) -> Result<Valid, ApiError> {
    let query = body.query.trim().to_string();
    if query.is_empty() {
        return Err(ApiError::validation("query", "is required"));
    }
    if query.chars().count() > 500 {
        return Err(ApiError::validation(
            "query",
            "must be at most 500 characters",
        ));
    }
    let sources = match body.sources {
        None => SOURCES.to_vec(),
        Some(list) if list.is_empty() => {
            return Err(ApiError::validation(
                "sources",
                "must name at least one source",
            ))
        }
        Some(list) => {
            let mut out = Vec::new();
            for (i, name) in list.iter().enumerate() {
                match SOURCES.iter().find(|s| **s == name.trim()) {
                    Some(s) if !out.contains(s) => out.push(*s),
                    Some(_) => {}
                    None => {
                        return Err(ApiError::validation(
                            &format!("sources[{i}]"),
                            format!("must be one of {}", SOURCES.join(", ")),
                        ))
                    }
                }
            }
            out
        }
    };
    let limit = match body.limit {
        None => DEFAULT_LIMIT,
        Some(n) if n < 1 => return Err(ApiError::validation("limit", "must be ≥ 1")),
        Some(n) => usize::try_from(n).unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
    };
    Ok(Valid {
        query,
        sources,
        limit,
    })
}

/// A short, stable reason for `errors.soulseek`.
fn soulseek_error(e: &SearchError) -> &'static str {
    match e {
        SearchError::BadQuery(_) => "bad_query",
        SearchError::Slskd(SlskdError::Unconfigured) => "unconfigured",
        SearchError::Slskd(SlskdError::Unauthorized(_)) => "unauthorized",
        SearchError::Slskd(SlskdError::RateLimited(_)) => "rate_limited",
        SearchError::Slskd(SlskdError::NotConnected(_) | SlskdError::Network(_)) => "unreachable",
        SearchError::Busy => "busy",
        // Harmony's own scheduler is stopping, or was restarted after a failure.
        SearchError::Stopped | SearchError::Failed => "unavailable",
        // slskd did not answer in time.
        SearchError::TimedOut => "unreachable",
        SearchError::Slskd(SlskdError::Status { status, .. }) if *status >= 500 => "unreachable",
        _ => "upstream_error",
    }
}

fn soulseek_item(query: &str, candidate: Candidate, prefs: &Preferences) -> SearchItem {
    let reading = read_path(&candidate.filename);
    let format = candidate
        .extension
        .clone()
        .map(|e| e.trim_start_matches('.').to_lowercase())
        .filter(|e| !e.is_empty())
        .or_else(|| {
            crate::domain::downloads::remote_path::stem_and_extension(
                crate::domain::downloads::remote_path::split(&candidate.filename).1,
            )
            .1
        });
    SearchItem {
        source: "soulseek",
        type_: "track",
        score: free_text_score(query, &candidate, prefs),
        title: reading.title,
        artists: reading.artist.into_iter().collect(),
        album: reading.album,
        duration_ms: candidate.length.map(|s| u64::from(s) * 1000),
        bitrate: candidate.bitrate,
        format,
        username: Some(candidate.username),
        filename: Some(candidate.filename),
        size: candidate.size,
        spotify_id: None,
    }
}

/// Scored Soulseek results, or the reason the source failed.
async fn soulseek_items(state: &AppState, query: &str) -> Result<Vec<SearchItem>, &'static str> {
    let results = state
        .searches
        .search_now(query.to_string())
        .await
        .map_err(|e| {
            tracing::info!(error = %e, "soulseek search failed");
            soulseek_error(&e)
        })?;
    let prefs = state.settings.current().match_preferences();
    let q = query.to_string();
    web::block(move || {
        to_candidates(&results.responses)
            .into_iter()
            .map(|c| soulseek_item(&q, c, &prefs))
            .collect::<Vec<_>>()
    })
    .await
    .map_err(|_| "upstream_error")
}

/// Spotify's tracks for the query (at most 10: the 2026 search maximum).
async fn spotify_items(
    state: &AppState,
    query: &str,
    limit: usize,
) -> Result<Vec<SearchItem>, &'static str> {
    let limit = u32::try_from(limit.min(10)).unwrap_or(10);
    let q = query.to_string();
    let tracks = async {
        let mut session = state.spotify.session().await?;
        session
            .call(move |c, t| {
                let q = q.clone();
                async move { c.search_tracks(&t, &q, limit).await }
            })
            .await
    }
    .await
    .map_err(|e| {
        tracing::info!(error = %e, "spotify search failed");
        spotify_error(&e)
    })?;
    Ok(tracks
        .into_iter()
        .filter_map(|track| {
            let id = track.id.clone()?;
            let artists: Vec<String> = track.artists.iter().map(|a| a.name.clone()).collect();
            let album = track.album.as_ref().map(|a| a.name.clone());
            let mut fields = artists.clone();
            fields.push(track.name.clone());
            fields.extend(album.clone());
            Some(SearchItem {
                source: "spotify",
                type_: "track",
                score: text_score(query, &fields),
                title: track.name,
                artists,
                album,
                duration_ms: Some(track.duration_ms).filter(|d| *d > 0),
                bitrate: None,
                format: None,
                username: None,
                filename: None,
                size: None,
                spotify_id: Some(id),
            })
        })
        .collect())
}

/// A short, stable reason for `errors.spotify`.
fn spotify_error(e: &AccessError) -> &'static str {
    match e {
        AccessError::Unconfigured => "unconfigured",
        AccessError::Unauthorized => "unauthorized",
        AccessError::Spotify(SpotifyError::RateLimited { .. }) => "rate_limited",
        AccessError::Spotify(SpotifyError::Network(_) | SpotifyError::Server(_)) => "unreachable",
        AccessError::Spotify(SpotifyError::BadRequest(_)) => "bad_query",
        _ => "upstream_error",
    }
}

#[utoipa::path(post, path = "/api/v1/search", tag = "search", operation_id = "search",
    request_body = SearchRequest,
    responses((status = 200, body = SearchAnswer, description = "Best first; a failing source is named under errors and does not fail the request")))]
pub async fn search(
    state: web::Data<AppState>,
    body: Json<SearchRequest>,
) -> Result<HttpResponse, ApiError> {
    let Valid {
        query,
        sources,
        limit,
    } = validate(body.into_inner())?;
    let mut items = Vec::new();
    let mut errors = BTreeMap::new();
    // Spotify answers while the Soulseek search runs.
    let spotify = async {
        match sources.contains(&"spotify") {
            true => Some(spotify_items(&state, &query, limit).await),
            false => None,
        }
    };
    let soulseek = async {
        match sources.contains(&"soulseek") {
            true => Some(soulseek_items(&state, &query).await),
            false => None,
        }
    };
    let (spotify, soulseek) = futures_util::future::join(spotify, soulseek).await;
    for (source, outcome) in [("spotify", spotify), ("soulseek", soulseek)] {
        match outcome {
            Some(Ok(mut found)) => items.append(&mut found),
            Some(Err(reason)) => {
                errors.insert(source.to_string(), reason.to_string());
            }
            None => {}
        }
    }
    items.sort_by(|a, b| b.score.total_cmp(&a.score));
    items.truncate(limit);
    Ok(HttpResponse::Ok().json(SearchAnswer { items, errors }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, sources: Option<Vec<&str>>, limit: Option<i64>) -> SearchRequest {
        SearchRequest {
            query: query.into(),
            sources: sources.map(|s| s.into_iter().map(String::from).collect()),
            limit,
        }
    }

    #[test]
    fn checks_query_sources_and_limit() {
        let valid = validate(request(" daft punk ", None, None)).map_err(|e| e.to_string());
        let valid = valid.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(valid.query, "daft punk");
        assert_eq!(valid.sources, vec!["spotify", "soulseek"]);
        assert_eq!(valid.limit, 50);
        assert!(validate(request("  ", None, None)).is_err());
        assert!(validate(request("q", Some(vec!["youtube"]), None)).is_err());
        assert!(validate(request("q", Some(vec![]), None)).is_err());
        assert!(validate(request("q", None, Some(0))).is_err());
        let clamped = validate(request("q", Some(vec!["soulseek", "soulseek"]), Some(9000)));
        let clamped = clamped
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((clamped.sources, clamped.limit), (vec!["soulseek"], 500));
    }
}
