//! Soulseek search texts for a wanted track, best first.
//!
//! The server matches every term as a case-insensitive substring of the
//! remote path and ignores one-character terms, so a query is a list of
//! words: punctuation (brackets, `&`, `-`, `/`, quotes) and credit words
//! (`feat.`, `ft.`) would only keep files out.

use unicode_normalization::UnicodeNormalization;

use super::normalize::fold;
use super::types::TrackQuery;
use super::versions::{classify, is_credit_word, kinds_of};
use super::wanted::scan_toks;

/// Search texts without duplicates, best first: artist + title + album,
/// artist + title, artist + title without credits and non-version brackets,
/// then the same with diacritics folded. An unknown artist gives
/// title-based queries. Never returns an empty string.
pub fn search_queries(track: &TrackQuery) -> Vec<String> {
    let artist = first_artist(&track.artist);
    let title = track.title.trim();
    let album = track
        .album
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty() && fold(a) != fold(title));
    let plain_title = plain_title(title);

    let mut texts: Vec<String> = Vec::new();
    if let Some(album) = album {
        texts.push(format!("{artist} {title} {album}"));
    }
    texts.push(format!("{artist} {title}"));
    texts.push(format!("{artist} {plain_title}"));
    let folded: Vec<String> = texts.iter().map(|t| fold_diacritics(t)).collect();
    texts.extend(folded);

    let mut out: Vec<String> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for text in texts {
        let query = terms(&text);
        if query.is_empty() {
            continue;
        }
        let key = query.to_lowercase();
        if !seen.contains(&key) {
            seen.push(key);
            out.push(query);
        }
    }
    if out.is_empty() {
        // Nothing survives term cleaning (one-letter names, symbols only):
        // the raw words are all there is.
        let raw = format!("{artist} {title}");
        let raw = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if !raw.is_empty() {
            out.push(raw);
        }
    }
    out
}

/// The first credited artist ("A feat. B", "A, B", "A & B" → "A").
fn first_artist(raw: &str) -> String {
    let raw = raw.trim();
    let lower = raw.to_lowercase();
    let mut cut = raw.len();
    for marker in [
        " feat. ",
        " feat ",
        " ft. ",
        " ft ",
        " featuring ",
        " with ",
        ", ",
        "; ",
    ] {
        if let Some(i) = lower.find(marker) {
            if raw.is_char_boundary(i) {
                cut = cut.min(i);
            }
        }
    }
    raw[..cut].trim().to_string()
}

/// The title without `feat.` credits and bracketed or dashed parts that
/// are not versions: "Song (feat. X) - 2011 Remaster" → "Song", while
/// "Song (Live)" and "Song - X Remix" keep their version words.
fn plain_title(title: &str) -> String {
    let mut kept: Vec<String> = Vec::new();
    for unit in raw_units(title) {
        let text = unit.text.trim();
        if text.is_empty() {
            continue;
        }
        if unit.core {
            // Cut a credit in the core: "Song feat. X".
            let mut words = Vec::new();
            for w in text.split_whitespace() {
                let f = fold(w);
                if is_credit_word(&f) {
                    break;
                }
                words.push(w);
            }
            if !words.is_empty() {
                kept.push(words.join(" "));
            }
            continue;
        }
        let folded = super::normalize::Folded::of(text);
        let toks = scan_toks(&folded);
        let starts_with_credit = toks.first().is_some_and(|t| is_credit_word(t.text));
        if !starts_with_credit && kinds_of(&classify(&toks, false, "")) != 0 {
            kept.push(text.to_string());
        }
    }
    if kept.is_empty() {
        title.to_string()
    } else {
        kept.join(" ")
    }
}

struct RawUnit<'a> {
    text: &'a str,
    core: bool,
}

/// Top-level bracket groups and ` - ` segments of a raw title.
fn raw_units(title: &str) -> Vec<RawUnit<'_>> {
    let mut units = Vec::new();
    let mut depth = 0u32;
    let mut start = 0;
    let mut seg = 0;
    let bytes = title.as_bytes();
    for (i, c) in title.char_indices() {
        match c {
            '(' | '[' | '{' | '（' | '【' => {
                if depth == 0 {
                    units.push(RawUnit {
                        text: &title[start..i],
                        core: seg == 0,
                    });
                    start = i + c.len_utf8();
                }
                depth += 1;
            }
            ')' | ']' | '}' | '）' | '】' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    units.push(RawUnit {
                        text: &title[start..i],
                        core: false,
                    });
                    start = i + c.len_utf8();
                }
            }
            '-' | '–' | '—' if depth == 0 => {
                let spaced = i > 0
                    && bytes.get(i - 1) == Some(&b' ')
                    && title[i + c.len_utf8()..].starts_with(' ');
                if spaced || c != '-' {
                    units.push(RawUnit {
                        text: &title[start..i],
                        core: seg == 0,
                    });
                    seg += 1;
                    start = i + c.len_utf8();
                }
            }
            _ => {}
        }
    }
    if start < title.len() {
        units.push(RawUnit {
            text: &title[start..],
            core: seg == 0 && depth == 0,
        });
    }
    units
}

/// Diacritics dropped, case and everything else kept: "Beyoncé" → "Beyonce".
fn fold_diacritics(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let stripped: String = text
        .nfkd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(|c| match c {
            'ø' => "o".chars().collect::<Vec<_>>(),
            'Ø' => "O".chars().collect(),
            'æ' => "ae".chars().collect(),
            'Æ' => "AE".chars().collect(),
            'ß' => "ss".chars().collect(),
            'ł' => "l".chars().collect(),
            'Ł' => "L".chars().collect(),
            'đ' => "d".chars().collect(),
            'Đ' => "D".chars().collect(),
            'œ' => "oe".chars().collect(),
            'Œ' => "OE".chars().collect(),
            'þ' => "th".chars().collect(),
            'Þ' => "Th".chars().collect(),
            other => vec![other],
        })
        .collect();
    stripped.nfc().collect()
}

/// Words the server can match: split on anything that is not a letter, a
/// digit or a combining mark; credit words, `and` and one-character words
/// dropped; single spaces.
fn terms(text: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for w in text.split(|c: char| {
        !(c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c))
    }) {
        if w.chars().count() <= 1 {
            continue;
        }
        let lower = w.to_lowercase();
        if is_credit_word(&lower) || lower == "and" {
            continue;
        }
        if !out.iter().any(|x| x.to_lowercase() == lower) {
            out.push(w);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(artist: &str, title: &str, album: Option<&str>) -> TrackQuery {
        TrackQuery {
            artist: artist.into(),
            title: title.into(),
            album: album.map(str::to_string),
            ..TrackQuery::default()
        }
    }

    #[test]
    fn artist_title_album_then_fallbacks() {
        let q = search_queries(&track("Night Owls", "Paper Moon", Some("City Lights")));
        assert_eq!(
            q,
            vec!["Night Owls Paper Moon City Lights", "Night Owls Paper Moon"]
        );
    }

    #[test]
    fn album_equal_to_title_is_omitted() {
        let q = search_queries(&track("Night Owls", "Paper Moon", Some("paper moon")));
        assert_eq!(q, vec!["Night Owls Paper Moon"]);
    }

    #[test]
    fn punctuation_and_credits_are_stripped() {
        let q = search_queries(&track(
            "AC/DC & Friends feat. Guest",
            "Highway (feat. Someone) - 2011 Remaster",
            None,
        ));
        assert_eq!(q[0], "AC DC Friends Highway Someone 2011 Remaster");
        assert!(q.contains(&"AC DC Friends Highway".to_string()));
        for query in &q {
            assert!(!query.contains(['(', ')', '&', '-', '/', '"']));
            assert!(!query.is_empty());
            assert!(query.split(' ').all(|t| t.chars().count() > 1));
        }
    }

    #[test]
    fn version_words_survive_the_plain_title() {
        let q = search_queries(&track("Band", "Song (Nova Remix) [feat. X]", None));
        assert!(q.contains(&"Band Song Nova Remix".to_string()), "{q:?}");
        let q = search_queries(&track("Band", "Song - Live", None));
        assert_eq!(q, vec!["Band Song Live"]);
    }

    #[test]
    fn diacritics_fallback() {
        let q = search_queries(&track("Beyoncé", "Halo", None));
        assert_eq!(q, vec!["Beyoncé Halo", "Beyonce Halo"]);
        let q = search_queries(&track("Motörhead", "Ace of Spades", None));
        assert_eq!(
            q.last().map(String::as_str),
            Some("Motorhead Ace of Spades")
        );
    }

    #[test]
    fn unknown_artist_and_other_scripts() {
        let q = search_queries(&track("", "命の灯火", None));
        assert_eq!(q, vec!["命の灯火"]);
        let q = search_queries(&track("", "We're Shameless", None));
        assert_eq!(q, vec!["We re Shameless"]);
    }

    #[test]
    fn never_empty_strings() {
        for (artist, title) in [("", ""), ("X", "Y"), ("", "!!!"), ("-", "/"), ("", " ")] {
            let q = search_queries(&track(artist, title, Some("")));
            assert!(
                q.iter().all(|s| !s.is_empty()),
                "{artist:?} {title:?} {q:?}"
            );
        }
        assert_eq!(search_queries(&track("X", "Y", None)), vec!["X Y"]);
        assert!(search_queries(&track("", "", None)).is_empty());
    }
}
