//! What a person can do with wanted tracks, shared by the JSON API and the
//! web UI: each is one lifecycle change, answered with the row after it.

use crate::api::error::ApiError;
use crate::api::AppState;
use crate::db::wanted::{self as wanted_rows, CandidateRow, NewWanted, RejectionRow, WantedRow};
use crate::domain::ids::WantedId;
use crate::lifecycle::wanted::{self, PickRefused};

use super::dto::ValidWanted;

/// The longest search text a person may write (slskd refuses far shorter).
pub const MAX_SEARCH_QUERY: usize = 200;

/// Adds tracks (an existing entry is returned for one already wanted or in the library).
pub async fn create(
    state: &AppState,
    items: Vec<ValidWanted>,
    source: &'static str,
) -> Result<Vec<WantedRow>, ApiError> {
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
                        source,
                        track: &track,
                    };
                    wanted::create_or_get(c, &new).map(|(row, _)| row)
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(rows)
}

pub async fn cancel(state: &AppState, id: WantedId) -> Result<WantedRow, ApiError> {
    Ok(state
        .lifecycle
        .change(move |c| wanted::cancel(c, id))
        .await??)
}

/// The search text a person wrote: trimmed; empty means "back to the
/// queries derived from the track".
pub fn check_search_query(query: &str) -> Result<Option<String>, ApiError> {
    let query = query.trim();
    if query.chars().count() > MAX_SEARCH_QUERY {
        return Err(ApiError::validation(
            "query",
            format!("must be at most {MAX_SEARCH_QUERY} characters"),
        ));
    }
    if query.contains('\0') {
        return Err(ApiError::validation("query", "must not contain NUL"));
    }
    Ok((!query.is_empty()).then(|| query.to_string()))
}

/// Searches again now; `query`: `Some` sets (or with `Some(None)` clears)
/// the track's own search text first.
pub async fn search(
    state: &AppState,
    id: WantedId,
    query: Option<Option<String>>,
) -> Result<WantedRow, ApiError> {
    Ok(state
        .lifecycle
        .change(move |c| wanted::request_search_with(c, id, query.as_ref().map(Option::as_deref)))
        .await??)
}

pub async fn pick(
    state: &AppState,
    id: WantedId,
    username: String,
    filename: String,
) -> Result<WantedRow, ApiError> {
    let defaults = state.features.download_defaults();
    state
        .lifecycle
        .change(move |c| wanted::pick(c, id, &username, &filename, defaults))
        .await?
        .map_err(|refused| match refused {
            PickRefused::NotACandidate => {
                ApiError::NotFound("the file is not among the last search's candidates".into())
            }
            PickRefused::State(r) => r.into(),
        })
}

pub async fn reject(
    state: &AppState,
    id: WantedId,
    username: String,
    filename: String,
) -> Result<WantedRow, ApiError> {
    Ok(state
        .lifecycle
        .change(move |c| wanted::reject(c, id, &username, &filename))
        .await??)
}

/// The track and its last search's candidates with the track's blocklist.
pub async fn with_candidates(
    state: &AppState,
    id: WantedId,
) -> Result<(WantedRow, Vec<CandidateRow>, Vec<RejectionRow>), ApiError> {
    Ok(state
        .db
        .snapshot(move |c| {
            let row = wanted_rows::get(c, id)?;
            let (candidates, rejections) = wanted_rows::candidates(c, id)?;
            Ok((row, candidates, rejections))
        })
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_query_is_trimmed_bounded_and_empty_means_automatic() {
        assert_eq!(
            check_search_query("  daft punk one more time ").ok(),
            Some(Some("daft punk one more time".to_string()))
        );
        assert_eq!(check_search_query("   ").ok(), Some(None));
        assert!(check_search_query(&"x".repeat(201)).is_err());
        assert!(check_search_query("a\0b").is_err());
    }
}
