//! Relevance of a file to a free-text search (`POST /api/v1/search`): the
//! share of the query's words found in the path, plus a little quality and
//! peer.

use super::normalize::Folded;
use super::path_reading::PathView;
use super::quality::{format_of, peer_score, quality_score};
use super::types::{Candidate, Preferences};

/// 0…1. Mostly the share of the query's folded words present in the path
/// on word boundaries (words in the file name count a bit more than words
/// only in folders); 12 % quality (format preference, bitrate; 0 for
/// non-audio files) and 8 % peer. An empty query scores 0.
pub fn free_text_score(query: &str, candidate: &Candidate, prefs: &Preferences) -> f64 {
    let q = Folded::of(query);
    let mut words: Vec<&str> = Vec::new();
    for i in 0..q.toks.len() {
        let w = q.tok(i);
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if words.is_empty() {
        return 0.0;
    }
    let view = PathView::new(&candidate.filename);
    let f = &view.folded;
    let all = 0..f.toks.len();
    let stem = view.part(view.stem_part);
    let mut in_path = 0usize;
    let mut in_name = 0usize;
    for w in &words {
        if f.find_where(w, all.clone(), |_| true).is_some() {
            in_path += 1;
            if f.find_where(w, stem.clone(), |_| true).is_some() {
                in_name += 1;
            }
        }
    }
    let n = words.len() as f64;
    let share = 0.85 * in_path as f64 / n + 0.15 * in_name as f64 / n;
    let format = format_of(candidate, view.name_extension.as_deref());
    let quality = quality_score(&format, candidate, prefs);
    let peer = peer_score(candidate);
    let score = 0.80 * share + 0.12 * quality + 0.08 * peer;
    (score.clamp(0.0, 1.0) * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(filename: &str, ext: &str) -> Candidate {
        Candidate {
            filename: filename.into(),
            extension: Some(ext.into()),
            ..Candidate::default()
        }
    }

    #[test]
    fn more_words_found_scores_higher() {
        let prefs = Preferences::default();
        let full = cand(r"Music\Night Owls\Paper Moon.flac", "flac");
        let half = cand(r"Music\Day Larks\Paper Moon.flac", "flac");
        let none = cand(r"Music\Other\Thing.flac", "flac");
        let q = "night owls paper moon";
        let (a, b, c) = (
            free_text_score(q, &full, &prefs),
            free_text_score(q, &half, &prefs),
            free_text_score(q, &none, &prefs),
        );
        assert!(a > b && b > c, "{a} {b} {c}");
        assert!(a <= 1.0 && c >= 0.0);
    }

    #[test]
    fn word_boundaries_and_folding() {
        let prefs = Preferences::default();
        let f = cand(r"Music\Beyoncé\Halo.flac", "flac");
        assert!(free_text_score("beyonce halo", &f, &prefs) > 0.8);
        let f = cand(r"Music\Halogen.flac", "flac");
        assert!(free_text_score("halo", &f, &prefs) < 0.3);
    }

    #[test]
    fn quality_and_empty_query() {
        let prefs = Preferences::default();
        let flac = cand(r"a\Song.flac", "flac");
        let jpg = cand(r"a\Song.jpg", "jpg");
        assert!(free_text_score("song", &flac, &prefs) > free_text_score("song", &jpg, &prefs));
        assert_eq!(free_text_score("", &flac, &prefs), 0.0);
        assert_eq!(free_text_score(" - ", &flac, &prefs), 0.0);
        let _ = free_text_score("命", &cand("命の灯火.flac", "flac"), &prefs);
    }
}
