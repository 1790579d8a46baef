//! Which Spotify track an imported "artist – title" is (the backfill).
//! Conservative on purpose: a wrong Spotify id would tag the file with
//! another recording's data, a missing one only costs the enrichment.

use crate::domain::matching::fold;
use crate::domain::wanted::dedupe_text;

/// Spotify's answer may be at most this far from the known length.
pub const DURATION_WINDOW_MS: u64 = 2_000;

#[derive(Debug, Clone, Default)]
pub struct LookupQuery<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub album: Option<&'a str>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<&'a str>,
}

#[derive(Debug, Clone, Default)]
pub struct LookupCandidate {
    pub title: String,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<String>,
}

/// The cache key of a lookup: normalised artist, title and album.
pub fn lookup_key(artist: &str, title: &str, album: Option<&str>) -> String {
    let key = format!(
        "{}|{}|{}",
        dedupe_text(artist),
        dedupe_text(title),
        album.map(dedupe_text).unwrap_or_default()
    );
    key.trim_end_matches('|').to_string()
}

/// Spotify search syntax for a track: field filters with quoted values
/// (quotes inside a value cannot be escaped, so they are dropped).
pub fn search_query(artist: &str, title: &str) -> String {
    let clean = |s: &str| {
        s.replace('"', " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("track:\"{}\" artist:\"{}\"", clean(title), clean(artist))
}

/// How much of a free-text query a result covers: the share of the
/// query's words found among the result's words (artists, title, album).
pub fn text_score(query: &str, fields: &[String]) -> f64 {
    let wanted: Vec<String> = fold(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect();
    if wanted.is_empty() {
        return 0.0;
    }
    let have: std::collections::HashSet<String> = fields
        .iter()
        .flat_map(|f| fold(f).split(' ').map(String::from).collect::<Vec<_>>())
        .collect();
    let found = wanted.iter().filter(|w| have.contains(*w)).count();
    found as f64 / wanted.len() as f64
}

/// The index of the candidate that is this track, if any: the same ISRC,
/// else the same title and artist within ±2 s (when both lengths are known);
/// among several, the same album first, then the closest length.
pub fn best_match(query: &LookupQuery<'_>, candidates: &[LookupCandidate]) -> Option<usize> {
    if let Some(isrc) = query.isrc.map(str::trim).filter(|i| !i.is_empty()) {
        let same = candidates.iter().position(|c| {
            c.isrc
                .as_deref()
                .is_some_and(|theirs| theirs.trim().eq_ignore_ascii_case(isrc))
        });
        if same.is_some() {
            return same;
        }
    }
    let title = bare_title(query.title);
    let artist = fold(query.artist);
    let album = query.album.map(fold).filter(|a| !a.is_empty());
    if title.is_empty() || artist.is_empty() {
        return None;
    }
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| bare_title(&c.title) == title)
        .filter(|(_, c)| c.artists.iter().any(|a| same_artist(&artist, &fold(a))))
        .filter_map(|(i, c)| {
            let gap = match (query.duration_ms, c.duration_ms) {
                (Some(a), Some(b)) => a.abs_diff(b),
                _ => 0,
            };
            (gap <= DURATION_WINDOW_MS).then(|| {
                let other_album = match (&album, &c.album) {
                    (Some(want), Some(theirs)) => *want != fold(theirs),
                    _ => false,
                };
                ((other_album, gap, i), i)
            })
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, i)| i)
}

/// `"Artist feat. Other"` is credited to `Artist` on Spotify.
fn same_artist(query: &str, theirs: &str) -> bool {
    !theirs.is_empty()
        && (query == theirs
            || query
                .strip_prefix(theirs)
                .is_some_and(|rest| rest.starts_with(' ')))
}

/// The title without credits and remaster notes, which Spotify and track
/// lists write differently: `"Song - 2011 Remaster"`, `"Song (feat. X)"`.
fn bare_title(title: &str) -> String {
    let mut text = title.to_string();
    if let Some(at) = text.find(" - ") {
        let tail = text[at..].to_lowercase();
        if tail.contains("remaster") || tail.contains("feat") {
            text.truncate(at);
        }
    }
    for open in ['(', '['] {
        if let Some(at) = text.to_lowercase().find(&format!("{open}feat")) {
            text.truncate(at);
        }
    }
    let lower = text.to_lowercase();
    for marker in [" feat. ", " ft. ", " featuring "] {
        if let Some(at) = lower.find(marker) {
            text.truncate(at);
            break;
        }
    }
    fold(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(title: &str, artist: &str, album: &str, ms: u64) -> LookupCandidate {
        LookupCandidate {
            title: title.into(),
            artists: vec![artist.into()],
            album: Some(album.into()),
            duration_ms: Some(ms),
            isrc: None,
        }
    }

    fn query<'a>(artist: &'a str, title: &'a str, ms: Option<u64>) -> LookupQuery<'a> {
        LookupQuery {
            artist,
            title,
            duration_ms: ms,
            ..LookupQuery::default()
        }
    }

    #[test]
    fn isrc_wins_over_everything() {
        let mut other = cand("Something Else", "Nobody", "X", 1);
        other.isrc = Some("gbduw0000059".into());
        let list = [
            cand("One More Time", "Daft Punk", "Discovery", 320_000),
            other,
        ];
        let q = LookupQuery {
            isrc: Some("GBDUW0000059"),
            ..query("Daft Punk", "One More Time", Some(320_000))
        };
        assert_eq!(best_match(&q, &list), Some(1));
    }

    #[test]
    fn title_artist_and_duration_window() {
        let list = [cand("One More Time", "Daft Punk", "Discovery", 320_357)];
        assert_eq!(
            best_match(&query("daft punk", "one more time", Some(322_357)), &list),
            Some(0)
        );
        assert_eq!(
            best_match(&query("Daft Punk", "One More Time", Some(322_358)), &list),
            None
        );
        assert_eq!(
            best_match(&query("Daft Punk", "One More Time", None), &list),
            Some(0)
        );
        assert_eq!(
            best_match(&query("Justice", "One More Time", None), &list),
            None
        );
        assert_eq!(
            best_match(&query("Daft Punk", "One More", None), &list),
            None
        );
    }

    #[test]
    fn credits_and_remaster_notes_do_not_matter() {
        let list = [
            cand(
                "Get Lucky (feat. Pharrell Williams)",
                "Daft Punk",
                "RAM",
                369_000,
            ),
            cand("Heroes - 2017 Remaster", "David Bowie", "Heroes", 371_000),
        ];
        assert_eq!(
            best_match(
                &query("Daft Punk feat. Pharrell Williams", "Get Lucky", None),
                &list
            ),
            Some(0)
        );
        assert_eq!(
            best_match(&query("David Bowie", "Heroes", None), &list),
            Some(1)
        );
        // A live cut is another recording.
        let live = [cand("Heroes - Live", "David Bowie", "Stage", 371_000)];
        assert_eq!(
            best_match(&query("David Bowie", "Heroes", None), &live),
            None
        );
    }

    #[test]
    fn same_album_then_closest_length_among_several() {
        let list = [
            cand("Song", "A", "Best Of", 200_000),
            cand("Song", "A", "Album", 201_500),
            cand("Song", "A", "Album", 200_500),
        ];
        let q = LookupQuery {
            album: Some("album"),
            ..query("A", "Song", Some(200_000))
        };
        assert_eq!(best_match(&q, &list), Some(2));
        assert_eq!(
            best_match(&query("A", "Song", Some(200_000)), &list),
            Some(0)
        );
    }

    #[test]
    fn text_score_is_the_share_of_query_words_found() {
        let fields = vec!["Daft Punk".to_string(), "One More Time".to_string()];
        assert_eq!(text_score("daft punk one more time", &fields), 1.0);
        assert_eq!(text_score("daft punk aerodynamic", &fields), 2.0 / 3.0);
        assert_eq!(text_score("", &fields), 0.0);
    }

    #[test]
    fn keys_and_queries() {
        assert_eq!(
            lookup_key(" Daft  Punk", "ONE more time", None),
            "daft punk|one more time"
        );
        assert_eq!(lookup_key("A", "B", Some("C")), "a|b|c");
        assert_eq!(
            search_query("Guns N' Roses", "Say \"Hi\""),
            "track:\"Say Hi\" artist:\"Guns N' Roses\""
        );
    }

    #[test]
    fn empty_input_matches_nothing() {
        let list = [cand("", "", "", 0)];
        assert_eq!(best_match(&query("", "", None), &list), None);
        assert_eq!(best_match(&query("A", "Song", None), &[]), None);
    }
}
