//! MusicBrainz release-group search (`providers.md` §4.3): the album's
//! MBID for the Cover Art Archive. Queries are escaped Lucene phrases, the
//! best hit must score high enough (the first hit of a loose search is often
//! another album), and requests keep MusicBrainz's one-per-second rule.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::lock::Mutex;
use serde::Deserialize;

use super::CoverError;

/// MusicBrainz scores 0–100; below this the hit is likely another album.
pub const MIN_SCORE: u32 = 90;
/// Hits looked at.
const LIMIT: &str = "5";
/// MusicBrainz allows one request per second per client.
const SPACING: Duration = Duration::from_secs(1);
const MAX_BODY: usize = 1 << 20;

/// One hit of a release-group search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ReleaseGroup {
    pub id: String,
    pub score: u32,
    pub title: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchAnswer {
    #[serde(rename = "release-groups")]
    release_groups: Vec<ReleaseGroup>,
}

/// `text` as a Lucene phrase: quoted, with `\` and `"` escaped.
pub fn lucene_phrase(text: &str) -> String {
    let escaped = text.trim().replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

/// The highest-scoring hit at or above [`MIN_SCORE`] (the first one on a tie).
pub fn best_release_group(hits: &[ReleaseGroup]) -> Option<&ReleaseGroup> {
    hits.iter()
        .filter(|h| h.score >= MIN_SCORE && !h.id.is_empty())
        .fold(None, |best: Option<&ReleaseGroup>, h| match best {
            Some(b) if b.score >= h.score => Some(b),
            _ => Some(h),
        })
}

/// When the last request left; shared by every client built with it, so
/// that clients made per job still keep one request per second.
#[derive(Clone, Default)]
pub struct Pace(Arc<Mutex<Option<Instant>>>);

pub struct MusicBrainzClient {
    base: String,
    timeout: Duration,
    pace: Pace,
}

impl MusicBrainzClient {
    /// `base`: `MUSICBRAINZ_URL` (`https://musicbrainz.org`).
    pub fn new(base: &str, timeout: Duration, pace: Pace) -> Self {
        MusicBrainzClient {
            base: base.trim_end_matches('/').to_string(),
            timeout,
            pace,
        }
    }

    /// The MBID of the release group of `album` by `artist`, if MusicBrainz
    /// is sure enough.
    pub async fn release_group(
        &self,
        artist: &str,
        album: &str,
    ) -> Result<Option<String>, CoverError> {
        let query = format!(
            "releasegroup:{} AND artist:{}",
            lucene_phrase(album),
            lucene_phrase(artist)
        );
        let body = self.get(&query).await?;
        let answer: SearchAnswer =
            serde_json::from_slice(&body).map_err(|e| CoverError::Decode(e.to_string()))?;
        Ok(best_release_group(&answer.release_groups).map(|g| g.id.clone()))
    }

    async fn get(&self, query: &str) -> Result<Vec<u8>, CoverError> {
        // Held across the wait: one request per second, whoever asks.
        let mut last = self.pace.0.lock().await;
        if let Some(at) = *last {
            let wait = SPACING.saturating_sub(at.elapsed());
            if !wait.is_zero() {
                actix_rt::time::sleep(wait).await;
            }
        }
        *last = Some(Instant::now());
        let http = crate::integrations::http::client(self.timeout);
        let request = http
            .get(format!("{}/ws/2/release-group/", self.base))
            .query(&[("query", query), ("fmt", "json"), ("limit", LIMIT)])
            .map_err(|e| CoverError::Decode(e.to_string()))?;
        let mut res = request
            .send()
            .await
            .map_err(|e| CoverError::Network(e.to_string()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(CoverError::Status(status.as_u16()));
        }
        let body = res
            .body()
            .limit(MAX_BODY)
            .await
            .map_err(|e| CoverError::Network(e.to_string()))?;
        Ok(body.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: &str, score: u32) -> ReleaseGroup {
        ReleaseGroup {
            id: id.into(),
            score,
            title: String::new(),
        }
    }

    #[test]
    fn phrases_are_escaped() {
        assert_eq!(lucene_phrase("Discovery"), "\"Discovery\"");
        assert_eq!(
            lucene_phrase(r#"Say "Hi" \o/ AND (x)"#),
            r#""Say \"Hi\" \\o/ AND (x)""#
        );
    }

    #[test]
    fn only_confident_hits_count() {
        assert_eq!(best_release_group(&[hit("a", 89)]), None);
        assert_eq!(
            best_release_group(&[hit("a", 90), hit("b", 100), hit("c", 100)])
                .map(|h| h.id.as_str()),
            Some("b")
        );
        assert_eq!(best_release_group(&[hit("", 100)]), None);
        assert_eq!(best_release_group(&[]), None);
    }

    #[test]
    fn answers_decode() {
        let json = r#"{"created":"x","count":1,"offset":0,"release-groups":[
            {"id":"48117b82-8a2b-3b5e-8f9b-1b4d2d4e7c11","score":100,"title":"Discovery","primary-type":"Album"}]}"#;
        let answer: SearchAnswer = serde_json::from_str(json).unwrap();
        assert_eq!(answer.release_groups[0].score, 100);
        let empty: SearchAnswer = serde_json::from_str("{}").unwrap();
        assert!(empty.release_groups.is_empty());
    }
}
