//! The wanted track, read once: its base title and version qualifiers, its
//! credited artists, its album.
//!
//! A title is cut into units (the part before any bracket or dash, each
//! bracket group, each ` - ` segment). Units with version words are
//! qualifiers (`(Shazam Remix)`, `- Live At Wembley`): their kinds must be in
//! the file and their distinguishing words too. Neutral units (`- 2011
//! Remaster`, `(feat. X)`, `- From "Frozen"`) are dropped. Other bracket
//! units are optional words (`(I Can't Get No) Satisfaction`); other dash
//! segments stay in the base title.

use std::collections::HashSet;

use super::bounds::MAX_ARTISTS;
use super::classical::{read_credits, ClassicalCredits};
use super::normalize::{compact, digits, Folded};
use super::types::TrackQuery;
use super::versions::{classify, is_credit_word, is_year, kind, kinds_of, Class, Kinds, ScanTok};
pub(crate) use super::wanted_artist::WantedArtist;

/// One version qualifier of the wanted title.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Qualifier {
    pub kinds: Kinds,
    /// Words that tell this version from others of its kind (the remixer,
    /// the venue); stop words, years and version words removed.
    pub words: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct WantedTitle {
    /// Folded base title ("we are the people").
    pub base: String,
    pub base_compact: String,
    pub base_digits: String,
    /// Characters of the compact base title.
    pub base_chars: usize,
    /// Version kinds the title asks for.
    pub kinds: Kinds,
    pub qualifiers: Vec<Qualifier>,
    /// Words of unknown bracket units: welcome in the file, not required.
    pub optional_words: Vec<String>,
    /// Numbers of unknown units (`(Pt. 2)`): must be in the file name.
    pub required_numbers: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct WantedAlbum {
    pub folded: String,
    pub compact: String,
    /// Without bracket groups ("ceremonials").
    pub base: String,
    pub acronym: Option<String>,
    /// Version kinds of the album ("Live At Wembley Stadium" → live).
    pub kinds: Kinds,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Wanted {
    pub title: WantedTitle,
    pub artists: Vec<WantedArtist>,
    /// Every word of every credited artist (sets: looked up once per word
    /// of every candidate path).
    pub artist_words: HashSet<String>,
    pub album: Option<WantedAlbum>,
    pub album_words: HashSet<String>,
    /// Qualifier and optional words of the title.
    pub title_words: HashSet<String>,
    pub duration_sec: Option<f64>,
    /// How the credits divide when the title names a classical work
    /// (composer, performers); `None` for every other track.
    pub classical: Option<ClassicalCredits>,
}

impl Wanted {
    pub fn new(track: &TrackQuery) -> Wanted {
        let title = parse_title(&track.title);
        let artists = parse_artists(&track.artist);
        let mut artist_words = HashSet::new();
        for a in &artists {
            for w in a.folded.split(' ') {
                push_unique(&mut artist_words, w);
            }
        }
        let album = track
            .album
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .map(parse_album)
            .filter(|a| !a.folded.is_empty());
        let mut album_words = HashSet::new();
        if let Some(a) = &album {
            for w in a.folded.split(' ') {
                push_unique(&mut album_words, w);
            }
        }
        let mut title_words = HashSet::new();
        for q in &title.qualifiers {
            for w in &q.words {
                push_unique(&mut title_words, w);
            }
        }
        for w in &title.optional_words {
            push_unique(&mut title_words, w);
        }
        let mut w = Wanted {
            title,
            artists,
            artist_words,
            album,
            album_words,
            title_words,
            duration_sec: track.duration_ms.map(|ms| ms as f64 / 1000.0),
            classical: None,
        };
        w.classical = read_credits(
            &credit_names(&track.artist),
            &w.artists,
            &w.title.base,
            &track.title,
            track.album.as_deref(),
        );
        w
    }

    pub fn has_artist(&self) -> bool {
        !self.artists.is_empty()
    }

    /// The credited performers of a classical work, when the title names one.
    pub fn performs_classical_work(&self) -> bool {
        self.classical
            .as_ref()
            .is_some_and(|c| !c.performers.is_empty())
    }
}

fn push_unique(words: &mut HashSet<String>, w: &str) {
    if !w.is_empty() && !words.contains(w) {
        words.insert(w.to_string());
    }
}

/// Unit key of a token: one dash segment or one bracket group.
pub(crate) fn unit_key(part: u16, seg: u16, group: u16) -> u64 {
    (u64::from(part) << 32) | (u64::from(seg) << 16) | u64::from(group)
}

pub(crate) fn scan_toks(f: &Folded) -> Vec<ScanTok<'_>> {
    f.toks
        .iter()
        .enumerate()
        .map(|(i, t)| ScanTok {
            text: f.tok(i),
            unit: unit_key(t.part, t.seg, t.group),
            bracket: t.group != 0,
            dash_start: starts_dash_segment(f, i),
        })
        .collect()
}

/// The first word of a segment after a dash, outside brackets.
pub(crate) fn starts_dash_segment(f: &Folded, i: usize) -> bool {
    let t = f.toks[i];
    t.seg > 0
        && t.group == 0
        && (i == 0 || {
            let p = f.toks[i - 1];
            p.seg != t.seg || p.part != t.part
        })
}

pub(crate) fn parse_title(raw: &str) -> WantedTitle {
    let f = Folded::of(raw);
    let toks = scan_toks(&f);
    let classes = classify(&toks, false, "");

    let mut base: Vec<&str> = Vec::new();
    let mut qualifiers = Vec::new();
    let mut optional_words = Vec::new();
    let mut required_numbers = Vec::new();

    let mut i = 0;
    while i < toks.len() {
        let unit = toks[i].unit;
        let mut j = i;
        while j < toks.len() && toks[j].unit == unit {
            j += 1;
        }
        let words: Vec<&str> = toks[i..j].iter().map(|t| t.text).collect();
        let unit_classes = &classes[i..j];
        let t0 = f.toks[i];
        let is_core = t0.seg == 0 && t0.group == 0;
        let unit_kinds = kinds_of(unit_classes);
        let credit = is_credit_word(words[0]) || matches!(words[0], "from" | "with");
        if is_core {
            for w in &words {
                if is_credit_word(w) {
                    break;
                }
                base.push(w);
            }
        } else if credit {
            // `(feat. X)`, `- From "Frozen"`: not part of the title.
        } else if unit_kinds != 0 {
            // A credit inside the qualifier (`(Live - feat. X)`) names
            // people, not the version.
            let distinguishing = words
                .iter()
                .zip(unit_classes)
                .take_while(|(w, _)| !is_credit_word(w))
                .filter(|(w, c)| **c == Class::Other && w.chars().count() >= 2 && !is_year(w))
                .map(|(w, _)| w.to_string())
                .collect();
            qualifiers.push(Qualifier {
                kinds: unit_kinds,
                words: distinguishing,
            });
        } else {
            let neutral = unit_classes
                .iter()
                .zip(&words)
                .all(|(c, w)| matches!(c, Class::Neutral | Class::Stop) || is_year(w));
            let numbers = words
                .iter()
                .filter(|w| !is_year(w) && w.bytes().all(|b| b.is_ascii_digit()));
            if t0.group == 0 && !neutral {
                // An unknown dash segment is part of the title.
                base.extend(words.iter().copied());
            } else if neutral && !numbers.clone().any(|_| true) {
                // Says nothing about the recording.
            } else {
                for n in numbers {
                    required_numbers.push(n.to_string());
                }
                for w in &words {
                    if w.chars().count() >= 2 && !optional_words.iter().any(|x| x == w) {
                        optional_words.push(w.to_string());
                    }
                }
            }
        }
        i = j;
    }
    if base.is_empty() {
        // Nothing but qualifiers (`(Live)`): the whole text is the title.
        base = (0..f.toks.len()).map(|k| f.tok(k)).collect();
        qualifiers.clear();
    }
    // `Blue Forest (Blue Forest Version)`: a version named after the song
    // itself is the song.
    qualifiers.retain(|q: &Qualifier| {
        let self_named = q.kinds == kind::OTHER_VERSION
            && !q.words.is_empty()
            && q.words.iter().all(|w| base.contains(&w.as_str()));
        !self_named
    });
    let kinds = qualifiers.iter().fold(0, |k, q| k | q.kinds);
    let base = base.join(" ");
    let base_compact = compact(&base);
    WantedTitle {
        base_digits: digits(&base),
        base_chars: base_compact.chars().count(),
        base_compact,
        base,
        kinds,
        qualifiers,
        optional_words,
        required_numbers,
    }
}

/// Splits a credit line into its artists: the whole line first, then each
/// main artist, then the featured ones.
pub(crate) fn parse_artists(raw: &str) -> Vec<WantedArtist> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Vec::new();
    }
    let lower = raw.to_lowercase();
    let (main_part, featured_part) = split_featured(raw, &lower);
    let mut out: Vec<WantedArtist> = Vec::new();
    let mut push = |name: &str, main: bool, whole: bool| {
        if out.len() >= MAX_ARTISTS {
            return;
        }
        let Some(a) = artist_needle(name, main) else {
            return;
        };
        // Parts must be distinctive enough on their own.
        if !whole && a.compact.chars().count() < 3 {
            return;
        }
        if !out.iter().any(|x| x.folded == a.folded) {
            out.push(a);
        }
    };
    push(raw, true, true);
    push(main_part, true, true);
    // Stylised names are also written plainly: `P!nk` Pink, `Ke$ha` Kesha.
    let plain = unstylize(main_part);
    if plain != main_part {
        push(&plain, true, true);
    }
    let main_names = split_credits(main_part);
    if main_names.len() > 1 {
        for name in main_names {
            push(name, true, false);
        }
    }
    if let Some(featured) = featured_part {
        for name in split_credits(featured) {
            push(name, false, false);
        }
    }
    out
}

/// (main artists, featured artists) of a credit line.
fn split_featured<'a>(raw: &'a str, lower: &str) -> (&'a str, Option<&'a str>) {
    const MARKERS: [&str; 6] = [
        " feat. ",
        " feat ",
        " ft. ",
        " ft ",
        " featuring ",
        " with ",
    ];
    let cut = MARKERS
        .iter()
        .filter_map(|m| lower.find(m).map(|i| (i, m.len())))
        .min_by_key(|(i, _)| *i);
    match cut {
        // `to_lowercase` may change byte lengths outside ASCII: only cut
        // where the raw text has the same boundaries.
        Some((i, len)) if raw.is_char_boundary(i) && raw.is_char_boundary(i + len) => {
            (&raw[..i], Some(&raw[i + len..]))
        }
        _ => (raw, None),
    }
}

/// `!`, `$`, `@` standing for letters inside a word: `P!nk`, `Ke$ha`,
/// `A$AP`. Elsewhere (`Panic! At`) they are left alone.
fn unstylize(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len());
    for (i, &c) in chars.iter().enumerate() {
        let letter_before = i > 0 && chars[i - 1].is_alphanumeric();
        let letter_after = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        let replacement = match c {
            '!' => Some('i'),
            '$' => Some('s'),
            '@' => Some('a'),
            _ => None,
        };
        match replacement {
            Some(r) if letter_before && letter_after => out.push(r),
            _ => out.push(c),
        }
    }
    out
}

/// The folded names of a credit line, one per credited artist, in the
/// order credited (main artists, then featured ones).
fn credit_names(raw: &str) -> Vec<String> {
    let raw = raw.trim();
    let lower = raw.to_lowercase();
    let (main_part, featured_part) = split_featured(raw, &lower);
    split_credits(main_part)
        .into_iter()
        .chain(featured_part.map(split_credits).unwrap_or_default())
        .filter_map(|name| artist_needle(name, true))
        .map(|a| a.folded)
        .collect()
}

fn split_credits(s: &str) -> Vec<&str> {
    let mut parts = vec![s];
    for sep in [
        ",", ";", " & ", " + ", " x ", " X ", " × ", " and ", " And ", " vs. ", " vs ",
    ] {
        parts = parts
            .into_iter()
            .flat_map(|p| p.split(sep))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
    }
    parts
}

fn artist_needle(name: &str, main: bool) -> Option<WantedArtist> {
    let folded = crate::domain::matching::normalize::fold(name);
    // "The Beatles" is "Beatles, The"; "The The" stays whole.
    let folded = match folded.strip_prefix("the ") {
        Some(rest) if !rest.is_empty() && !super::versions::is_stop_word(rest) => rest.to_string(),
        _ => folded,
    };
    if folded.is_empty() {
        return None;
    }
    let words: Vec<&str> = folded.split(' ').collect();
    let mut acronyms = Vec::new();
    if words.len() >= 2 {
        let all: String = words.iter().filter_map(|w| w.chars().next()).collect();
        let major: String = words
            .iter()
            .filter(|w| !matches!(**w, "the" | "of" | "a" | "an" | "in" | "on" | "de"))
            .filter_map(|w| w.chars().next())
            .collect();
        for a in [all, major] {
            if a.chars().count() >= 3
                && a.chars().all(|c| c.is_alphanumeric())
                && !acronyms.contains(&a)
            {
                acronyms.push(a);
            }
        }
    }
    let as_initials = words.len() == 1
        && (3..=6).contains(&folded.len())
        && folded.bytes().all(|b| b.is_ascii_lowercase());
    Some(WantedArtist {
        compact: compact(&folded),
        folded,
        acronyms,
        as_initials,
        main,
    })
}

fn parse_album(raw: &str) -> WantedAlbum {
    let f = Folded::of(raw);
    let toks = scan_toks(&f);
    let kinds = kinds_of(&classify(&toks, false, ""));
    let base: Vec<&str> = (0..f.toks.len())
        .filter(|&i| f.toks[i].group == 0)
        .map(|i| f.tok(i))
        .collect();
    let base_words: Vec<&str> = if base.is_empty() {
        (0..f.toks.len()).map(|i| f.tok(i)).collect()
    } else {
        base
    };
    let initials: String = base_words.iter().filter_map(|w| w.chars().next()).collect();
    let acronym =
        (base_words.len() >= 3 && initials.chars().all(char::is_alphanumeric)).then_some(initials);
    WantedAlbum {
        compact: compact(&f.text),
        base: base_words.join(" "),
        folded: f.text,
        acronym,
        kinds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_title_and_qualifiers() {
        let t = parse_title("We Are The People (Shazam Remix)");
        assert_eq!(t.base, "we are the people");
        assert_eq!(t.kinds, kind::REMIX);
        assert_eq!(t.qualifiers[0].words, vec!["shazam"]);

        let t = parse_title("Only If For A Night (MTV Unplugged, 2012 / Live)");
        assert_eq!(t.base, "only if for a night");
        assert_eq!(t.kinds, kind::UNPLUGGED | kind::LIVE);
        assert_eq!(t.qualifiers[0].words, vec!["mtv"]);

        let t = parse_title("Bohemian Rhapsody - Live At Wembley");
        assert_eq!(t.base, "bohemian rhapsody");
        assert_eq!(t.kinds, kind::LIVE);
        assert_eq!(t.qualifiers[0].words, vec!["wembley"]);

        let t = parse_title("All Night (Live @ Pukkelpop)");
        assert_eq!(t.qualifiers[0].words, vec!["pukkelpop"]);

        let t = parse_title("Emerge (Junkie XL Remix)");
        assert_eq!(t.qualifiers[0].words, vec!["junkie", "xl"]);

        let t = parse_title("Track Name (Live - feat. Other Artist)");
        assert_eq!(t.kinds, kind::LIVE);
        assert!(t.qualifiers[0].words.is_empty());

        let t = parse_title("Blue Forest -Blue Forest Version-");
        assert_eq!(t.base, "blue forest");
        assert_eq!(t.kinds, 0);
        let t = parse_title("Song (Other Version)");
        assert_eq!(t.kinds, kind::OTHER_VERSION);
    }

    #[test]
    fn neutral_units_are_dropped() {
        for raw in [
            "Hey Jude - Remastered 2015",
            "Hey Jude (feat. Someone)",
            "Hey Jude [Explicit]",
            "Hey Jude - From \"Some Movie\"",
            "Hey Jude (2009 Remaster)",
            "Hey Jude ft. Someone",
        ] {
            let t = parse_title(raw);
            assert_eq!(t.base, "hey jude", "{raw}");
            assert_eq!(t.kinds, 0, "{raw}");
            assert!(t.qualifiers.is_empty(), "{raw}");
        }
    }

    #[test]
    fn unknown_units() {
        let t = parse_title("(I Can't Get No) Satisfaction");
        assert_eq!(t.base, "satisfaction");
        assert!(t.optional_words.contains(&"get".to_string()));
        let t = parse_title("Song (Pt. 2)");
        assert_eq!(t.base, "song");
        assert_eq!(t.required_numbers, vec!["2"]);
        let t = parse_title("Another Wall, Pt. 2");
        assert_eq!(t.base, "another wall part 2");
        let t = parse_title("Song Title - Something Else");
        assert_eq!(t.base, "song title something else");
        let t = parse_title("(Live)");
        assert_eq!(t.base, "live");
        assert_eq!(t.kinds, 0);
        assert_eq!(parse_title("").base, "");
    }

    #[test]
    fn artists_are_split() {
        let a = parse_artists("The Beatles");
        assert_eq!(a[0].folded, "beatles");
        let a = parse_artists("Calvin Harris, Dua Lipa");
        let names: Vec<&str> = a.iter().map(|x| x.folded.as_str()).collect();
        assert_eq!(
            names,
            vec!["calvin harris dua lipa", "calvin harris", "dua lipa"]
        );
        let a = parse_artists("Artist feat. Guest");
        assert!(a.iter().any(|x| x.folded == "guest" && !x.main));
        assert!(a.iter().any(|x| x.folded == "artist" && x.main));
        let a = parse_artists("Electric Light Orchestra");
        assert_eq!(a[0].acronyms, vec!["elo"]);
        let a = parse_artists("ELO");
        assert!(a[0].as_initials);
        let a = parse_artists("A.R. Rahman");
        assert_eq!(a[0].compact, "arrahman");
        assert!(parse_artists("  ").is_empty());
        let a = parse_artists("X");
        assert_eq!(a.len(), 1);
        assert_eq!(parse_artists("The The")[0].folded, "the the");
        assert!(parse_artists("P!nk").iter().any(|a| a.folded == "pink"));
        assert!(parse_artists("A$AP Rocky")
            .iter()
            .any(|a| a.folded == "asap rocky"));
        assert_eq!(parse_artists("Panic! At The Disco").len(), 1);
    }

    #[test]
    fn album_parts() {
        let w = Wanted::new(&TrackQuery {
            artist: String::new(),
            title: "T".into(),
            album: Some("Music To Be Murdered By".into()),
            duration_ms: Some(210_000),
            track_number: None,
        });
        let album = w.album.expect("album");
        assert_eq!(album.acronym.as_deref(), Some("mtbmb"));
        assert_eq!(w.duration_sec, Some(210.0));
        let a = parse_album("Ceremonials (Live At MTV Unplugged)");
        assert_eq!(a.base, "ceremonials");
        assert_eq!(a.kinds, kind::LIVE | kind::UNPLUGGED);
    }
}
