//! `POST /api/v1/matching/score` (`api.md` §5): the matching engine as a
//! stateless question — which of these files is this track?

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{ApiError, FieldError};
use super::extract::Json;
use super::AppState;
use crate::domain::matching::{self, Candidate, Preferences, RankContext, Scored, TrackQuery};

pub const MAX_CANDIDATES: usize = 5000;
/// `track.title`, `track.artist`, `track.album`: characters (a real title
/// is far shorter; the bound keeps the work of one request bounded).
pub const MAX_TRACK_TEXT_CHARS: usize = 1000;
/// `candidates[].filename`: characters, as for downloads.
pub const MAX_FILENAME_CHARS: usize = 4096;
/// `candidates[].username`: characters, as for downloads.
pub const MAX_USERNAME_CHARS: usize = 255;
/// `candidates[].extension` and each of `preferences.formats`: characters.
pub const MAX_EXTENSION_CHARS: usize = 16;
/// `preferences.formats`: entries (each is compared with every candidate).
pub const MAX_FORMATS: usize = 32;
/// 5 000 candidates with every field are about 1.5 MB of JSON.
pub const JSON_LIMIT: usize = 4 << 20;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ScoreRequest {
    pub track: TrackInput,
    /// At most 5000; none is a valid question (`best` is null).
    #[serde(default)]
    #[schema(max_items = 5000)]
    pub candidates: Vec<CandidateInput>,
    pub preferences: Option<PreferencesInput>,
}

/// Only `title` is required; an unknown artist is still a valid question.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct TrackInput {
    #[schema(min_length = 1, max_length = 1000, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 1000)]
    pub artist: Option<String>,
    #[schema(max_length = 1000)]
    pub album: Option<String>,
    #[schema(minimum = 0)]
    pub duration_ms: Option<i64>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub track_number: Option<i64>,
}

/// A search result as slskd reports it; only `filename` is required.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CandidateInput {
    #[schema(max_length = 255)]
    pub username: Option<String>,
    #[schema(min_length = 1, max_length = 4096)]
    pub filename: String,
    #[schema(minimum = 0)]
    pub size: Option<i64>,
    #[schema(max_length = 16)]
    pub extension: Option<String>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub bitrate: Option<i64>,
    /// Seconds, as slskd reports it.
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub length: Option<i64>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub sample_rate: Option<i64>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub bit_depth: Option<i64>,
    pub has_free_upload_slot: Option<bool>,
    #[schema(minimum = 0)]
    pub queue_length: Option<i64>,
    #[schema(minimum = 0)]
    pub upload_speed: Option<i64>,
    pub locked: Option<bool>,
}

/// Defaults come from the `MATCH_*` settings.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub struct PreferencesInput {
    #[schema(max_items = 32)]
    pub formats: Option<Vec<String>>,
    #[schema(minimum = 0, maximum = 4294967295_u64)]
    pub min_bitrate: Option<i64>,
    #[schema(minimum = 0)]
    pub duration_tolerance_sec: Option<f64>,
    #[schema(minimum = 0, maximum = 1)]
    pub min_score: Option<f64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScoredView {
    pub index: usize,
    pub score: f64,
    pub accepted: bool,
    pub rejected_by: Vec<&'static str>,
    #[schema(value_type = Object)]
    pub components: Value,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScoreAnswer {
    /// Input index of the chosen candidate; null when none is acceptable.
    pub best: Option<usize>,
    /// Best first.
    pub candidates: Vec<ScoredView>,
}

/// Collects field problems, reported all at once.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// A non-negative whole number that fits `T`.
    fn count<T: TryFrom<i64>>(&mut self, field: impl Into<String>, v: Option<i64>) -> Option<T> {
        let n = v?;
        match T::try_from(n) {
            Ok(t) if n >= 0 => Some(t),
            _ => {
                self.add(field, "must be a whole number ≥ 0 in range");
                None
            }
        }
    }

    /// At most `max` characters (counted only up to the bound).
    fn max_chars(&mut self, field: impl Into<String>, value: Option<&str>, max: usize) {
        if value.is_some_and(|v| v.chars().nth(max).is_some()) {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation {
                message: format!("{} invalid field(s)", self.0.len()),
                details: self.0,
            })
        }
    }
}

fn text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Checks the request; every problem is reported at once.
fn validate(
    body: ScoreRequest,
    defaults: Preferences,
) -> Result<(TrackQuery, Vec<Candidate>, Preferences), ApiError> {
    let mut problems = Problems::default();
    for (field, value) in [
        ("track.title", Some(&body.track.title)),
        ("track.artist", body.track.artist.as_ref()),
        ("track.album", body.track.album.as_ref()),
    ] {
        problems.max_chars(field, value.map(String::as_str), MAX_TRACK_TEXT_CHARS);
    }
    let title = body.track.title.trim().to_string();
    if title.is_empty() {
        problems.add("track.title", "is required");
    }
    let track = TrackQuery {
        artist: text(body.track.artist).unwrap_or_default(),
        title,
        album: text(body.track.album),
        duration_ms: problems.count("track.duration_ms", body.track.duration_ms),
        track_number: problems.count("track.track_number", body.track.track_number),
    };
    if body.candidates.len() > MAX_CANDIDATES {
        return Err(ApiError::validation(
            "candidates",
            format!("at most {MAX_CANDIDATES} candidates"),
        ));
    }
    let candidates = body
        .candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            if c.filename.is_empty() {
                problems.add(format!("candidates[{i}].filename"), "must not be empty");
            }
            let f = |name: &str| format!("candidates[{i}].{name}");
            problems.max_chars(f("filename"), Some(&c.filename), MAX_FILENAME_CHARS);
            problems.max_chars(f("username"), c.username.as_deref(), MAX_USERNAME_CHARS);
            problems.max_chars(f("extension"), c.extension.as_deref(), MAX_EXTENSION_CHARS);
            Candidate {
                size: problems.count(f("size"), c.size),
                bitrate: problems.count(f("bitrate"), c.bitrate),
                length: problems.count(f("length"), c.length),
                sample_rate: problems.count(f("sample_rate"), c.sample_rate),
                bit_depth: problems.count(f("bit_depth"), c.bit_depth),
                queue_length: problems.count(f("queue_length"), c.queue_length),
                upload_speed: problems.count(f("upload_speed"), c.upload_speed),
                username: c.username.unwrap_or_default(),
                filename: c.filename,
                extension: text(c.extension),
                has_free_upload_slot: c.has_free_upload_slot,
                locked: c.locked.unwrap_or(false),
            }
        })
        .collect();
    let input = body.preferences.unwrap_or_default();
    let mut prefs = defaults;
    if let Some(formats) = input.formats {
        if formats.len() > MAX_FORMATS {
            problems.add(
                "preferences.formats",
                format!("at most {MAX_FORMATS} formats"),
            );
        } else {
            for (i, format) in formats.iter().enumerate() {
                problems.max_chars(
                    format!("preferences.formats[{i}]"),
                    Some(format),
                    MAX_EXTENSION_CHARS,
                );
            }
        }
        let formats: Vec<String> = formats
            .iter()
            .map(|f| f.trim().trim_start_matches('.').to_lowercase())
            .filter(|f| !f.is_empty())
            .collect();
        prefs.formats = formats;
    }
    if let Some(b) = problems.count::<u32>("preferences.min_bitrate", input.min_bitrate) {
        prefs.min_bitrate = b;
    }
    match input.duration_tolerance_sec {
        Some(t) if !t.is_finite() || t < 0.0 => {
            problems.add("preferences.duration_tolerance_sec", "must be ≥ 0")
        }
        Some(t) => prefs.duration_tolerance_sec = t,
        None => {}
    }
    match input.min_score {
        Some(s) if !(0.0..=1.0).contains(&s) => {
            problems.add("preferences.min_score", "must be between 0 and 1")
        }
        Some(s) => prefs.min_score = s,
        None => {}
    }
    problems.into_result()?;
    Ok((track, candidates, prefs))
}

fn view(s: Scored) -> ScoredView {
    ScoredView {
        index: s.index,
        score: s.score,
        accepted: s.accepted,
        rejected_by: s.rejected_by.iter().map(|r| r.as_str()).collect(),
        components: s.components.to_json(),
    }
}

/// Raises its flag when dropped: the request's future was dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[utoipa::path(post, path = "/api/v1/matching/score", tag = "matching", operation_id = "score_candidates",
    request_body = ScoreRequest,
    responses((status = 200, body = ScoreAnswer, description = "Candidates best first; best is null when none is acceptable"),
              (status = 413, description = "The body is over 4 MiB"),
              (status = 422, description = "No title, a bad field, a text over its limit (title, artist, album: 1000 characters; filename: 4096; username: 255; extension and each format: 16; at most 32 formats), or more than 5000 candidates")))]
pub async fn score(
    state: web::Data<AppState>,
    body: Json<ScoreRequest>,
) -> Result<HttpResponse, ApiError> {
    let defaults = state.settings.current().match_preferences();
    let (track, candidates, prefs) = validate(body.into_inner(), defaults)?;
    // Thousands of candidates take milliseconds of CPU: off the async thread,
    // and no further once the client has gone (this future is then dropped).
    let gone = Arc::new(AtomicBool::new(false));
    let _guard = SetOnDrop(gone.clone());
    let ranking = web::block(move || {
        matching::rank_until(&track, &candidates, &prefs, &RankContext::default(), || {
            gone.load(Ordering::Relaxed)
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .ok_or_else(|| ApiError::BadRequest("the client has gone".into()))?;
    Ok(HttpResponse::Ok().json(ScoreAnswer {
        best: ranking.best,
        candidates: ranking.candidates.into_iter().map(view).collect(),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use utoipa::PartialSchema;

    use super::*;

    fn max_length(schema: &Value, field: &str) -> Option<u64> {
        schema["properties"][field]["maxLength"].as_u64()
    }

    fn schema<T: PartialSchema>() -> Value {
        serde_json::to_value(T::schema()).unwrap_or_default()
    }

    /// The document states the limits the handler enforces.
    #[test]
    fn openapi_limits_are_the_enforced_ones() {
        let track = schema::<TrackInput>();
        for field in ["title", "artist", "album"] {
            assert_eq!(max_length(&track, field), Some(MAX_TRACK_TEXT_CHARS as u64));
        }
        let candidate = schema::<CandidateInput>();
        let limits = [
            ("filename", MAX_FILENAME_CHARS),
            ("username", MAX_USERNAME_CHARS),
            ("extension", MAX_EXTENSION_CHARS),
        ];
        for (field, max) in limits {
            assert_eq!(max_length(&candidate, field), Some(max as u64), "{field}");
        }
        let prefs = schema::<PreferencesInput>();
        assert_eq!(
            prefs["properties"]["formats"]["maxItems"].as_u64(),
            Some(MAX_FORMATS as u64)
        );
    }
}
