//! How much of a text the engine reads: hostile inputs (a 4 096-character
//! file name of repeated words, a 1 000-character title) cost a bounded
//! amount of work per candidate. Real names stay far below every bound
//! (the labelled corpus: at most 12 words per path component, 83-character
//! paths), so results on real inputs do not change.

/// Words read from one text or path component; the rest is not read. Keeps
/// the loops over words × words (titles, artists, segments) bounded.
pub(crate) const MAX_WORDS: usize = 64;

/// Credited artists read from one artist line (`A, B & C feat. D`).
pub(crate) const MAX_ARTISTS: usize = 8;

/// Segments (` - ` parts) of one path component looked at for a title or an
/// album.
pub(crate) const MAX_SEGMENTS: usize = 8;

/// Typo tolerance (edit distance, O(n·m)) only for texts up to this many
/// characters; longer texts must match exactly.
pub(crate) const MAX_FUZZY_CHARS: usize = 100;

/// Whether an edit distance between `a` and `b` is within the bound.
pub(crate) fn fuzzy_allowed(a: &str, b: &str) -> bool {
    // Byte length bounds character count from above: no counting needed
    // when the bytes already fit.
    let fits = |s: &str| s.len() <= MAX_FUZZY_CHARS || s.chars().nth(MAX_FUZZY_CHARS).is_none();
    fits(a) && fits(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::matching::path_reading::{PathView, MAX_DIRS};
    use crate::domain::matching::types::{Candidate, Preferences, TrackQuery};
    use crate::domain::matching::wanted::Wanted;
    use crate::domain::matching::Matcher;

    /// `n` distinct-looking words (no `and`, which folding drops).
    fn words(n: usize) -> String {
        (0..n)
            .map(|i| format!("w{}x", i % 97))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn track(title: &str, artist: &str) -> TrackQuery {
        TrackQuery {
            artist: artist.into(),
            title: title.into(),
            album: Some(title.into()),
            duration_ms: Some(200_000),
            track_number: None,
        }
    }

    #[test]
    fn a_hostile_path_is_read_as_a_bounded_number_of_words() {
        // 4 096 characters of repeated words in the name, 500 folders.
        let name = "one more time ".repeat(4096 / 14);
        let path = format!("{}{name}.mp3", "Daft Punk - Discovery\\".repeat(500));
        let view = PathView::new(&path);
        assert!(view.folded.toks.len() <= (MAX_DIRS + 1) * MAX_WORDS);
        let stem = view.part(view.stem_part);
        assert_eq!(stem.len(), MAX_WORDS);
    }

    #[test]
    fn a_hostile_track_is_read_as_a_bounded_number_of_words() {
        let title = words(1000 / 5);
        let artist = (0..200)
            .map(|i| format!("Artist{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let wanted = Wanted::new(&track(&title, &artist));
        assert_eq!(wanted.title.base.split(' ').count(), MAX_WORDS);
        assert!(wanted.artists.len() <= MAX_ARTISTS);
        assert!(wanted.artist_words.len() <= MAX_ARTISTS * MAX_WORDS);
    }

    /// Words past the bound are not read: they change nothing.
    #[test]
    fn words_past_the_bound_change_nothing() {
        let prefs = Preferences::default();
        let file = |title: &str| Candidate {
            filename: format!("Music\\Someone\\{title}\\{title}.flac"),
            length: Some(200),
            ..Candidate::default()
        };
        let (long, cut) = (words(MAX_WORDS + 200), words(MAX_WORDS));
        let scored_long = Matcher::new(&track(&long, "Someone"), &prefs).score(0, &file(&long));
        let scored_cut = Matcher::new(&track(&cut, "Someone"), &prefs).score(0, &file(&cut));
        assert_eq!(scored_long, scored_cut);
        assert!(scored_long.accepted, "{scored_long:?}");
    }

    #[test]
    fn fuzzy_stops_at_the_bound_in_characters() {
        let at = "é".repeat(MAX_FUZZY_CHARS);
        let over = "é".repeat(MAX_FUZZY_CHARS + 1);
        assert!(fuzzy_allowed(&at, "x"));
        assert!(!fuzzy_allowed(&over, "x"));
        assert!(!fuzzy_allowed("x", &"a".repeat(MAX_FUZZY_CHARS + 1)));
    }
}
