//! The hard conditions on what a path says (title, artist, version,
//! duration) and the identity evidence that comes with them.
//!
//! Everything works on one [`PathView`]: the folded file name (stem) and
//! folders. The title is found first (so its words are not mistaken for an
//! artist or a version word), then the artist, the album, the versions.

use std::ops::Range;

use strsim::normalized_levenshtein;

use super::bounds::{fuzzy_allowed, MAX_SEGMENTS};
use super::classical;
use super::normalize::{digits, Folded};
use super::path_reading::PathView;
use super::versions::{
    self, classify, classify_into, is_credit_word, is_year, kind, kinds_of, Class, Kinds, ScanTok,
};
use super::wanted::{starts_dash_segment, unit_key, Wanted, WantedAlbum, WantedArtist};

/// Component value when the wanted track has no album.
pub(crate) const NEUTRAL_ALBUM: f64 = 0.7;
/// Component value when the wanted album is known but the path shows none.
pub(crate) const UNKNOWN_ALBUM: f64 = 0.6;
/// Component value when either length is unknown.
pub(crate) const NEUTRAL_DURATION: f64 = 0.85;
/// Component value when the wanted artist is unknown.
pub(crate) const NEUTRAL_ARTIST: f64 = 0.7;
/// Component value when the path carries no artist at all.
pub(crate) const NO_ARTIST_INFO: f64 = 0.5;
/// Component value when a folder names someone else but the rest is strong.
pub(crate) const ARTIST_ELSEWHERE: f64 = 0.3;

/// Component value of a wanted ensemble written in another form
/// ("Berlin Philharmonic" for "Berliner Philharmoniker").
const ENSEMBLE_VARIANT: f64 = 0.85;
/// Titles this short (compact characters) need artist evidence.
const SHORT_TITLE_CHARS: usize = 5;
/// Near-spellings of a title pass from this similarity on.
const FUZZY_TITLE: f64 = 0.85;

/// What the text of a path says about one candidate.
#[derive(Debug, Clone, Default)]
pub(crate) struct TextVerdict {
    pub title_ok: bool,
    pub artist_ok: bool,
    pub version_ok: bool,
    pub title: f64,
    pub artist: f64,
    pub album: f64,
    /// The file is a clean/censored cut (marked on the file or a folder
    /// above it) and that is not what is wanted, or the reverse.
    pub clean_mismatch: bool,
}

/// Duration condition and component: (passes, component).
pub(crate) fn duration_check(
    wanted: Option<f64>,
    length: Option<u32>,
    tolerance: f64,
) -> (bool, f64) {
    match (wanted.filter(|d| *d > 0.0), length.filter(|l| *l > 0)) {
        (Some(d), Some(l)) => {
            let delta = (f64::from(l) - d).abs();
            if delta > tolerance + 1e-9 {
                return (false, 0.0);
            }
            // Same-song rips differ by a second or two: no difference there.
            let slack = 1.5_f64.min(tolerance);
            let span = (tolerance - slack).max(1e-9);
            let over = (delta - slack).max(0.0);
            (true, 1.0 - 0.4 * (over / span).min(1.0))
        }
        _ => (true, NEUTRAL_DURATION),
    }
}

/// The title occurrence chosen in the file name.
#[derive(Debug, Clone)]
struct TitleHit {
    score: f64,
    /// Tokens of the stem that are the title.
    range: Range<usize>,
    exact: bool,
}

pub(crate) fn judge_text(w: &Wanted, view: &PathView) -> TextVerdict {
    let f = &view.folded;
    let stem = view.part(view.stem_part);
    let hit = match_title(w, f, stem.clone());
    let title_range = hit.as_ref().map(|h| h.range.clone());

    // Artist occurrences (exact word sequences) in the stem and album folder.
    let album_range = view.album_part.map(|p| view.part(p));
    let mut stem_artist: Vec<Range<usize>> = Vec::new();
    let mut folder_artist: Vec<Range<usize>> = Vec::new();
    for a in &w.artists {
        for r in f.find_all(&a.folded, stem.clone()) {
            if !title_range.as_ref().is_some_and(|t| overlaps(t, &r)) {
                stem_artist.push(r);
            }
        }
        if let Some(ar) = &album_range {
            folder_artist.extend(f.find_all(&a.folded, ar.clone()));
        }
    }

    let album = album_score(w, f, view, title_range.as_ref());

    // Artist.
    let (artist_ok, artist) = if !w.has_artist() {
        (true, NEUTRAL_ARTIST)
    } else if w.performs_classical_work() {
        judge_performer(w, view, title_range.as_ref())
    } else {
        let found = artist_evidence(w, view, title_range.as_ref());
        if found > 0.0 {
            (true, found)
        } else if file_names_someone_else(w, f, stem.clone(), title_range.as_ref()) {
            (false, 0.1)
        } else if folder_names_someone_else(w, view) {
            let strong = hit.as_ref().is_some_and(|h| h.exact)
                && w.title.base_chars > SHORT_TITLE_CHARS
                && album >= 0.9;
            if strong {
                (true, ARTIST_ELSEWHERE)
            } else {
                (false, 0.2)
            }
        } else {
            (true, NO_ARTIST_INFO)
        }
    };

    // Versions.
    let (version_ok, clean_mismatch) =
        judge_versions(w, view, title_range.as_ref(), &stem_artist, &folder_artist);

    let title = match &hit {
        Some(h) => h.score,
        None => title_overlap(w, f, stem),
    };
    TextVerdict {
        title_ok: hit.is_some(),
        artist_ok,
        version_ok,
        title,
        artist,
        album,
        clean_mismatch,
    }
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

fn is_number(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// A vinyl side and track (`a1`, `b12`).
fn is_vinyl_position(t: &str) -> bool {
    let b = t.as_bytes();
    (2..=3).contains(&b.len())
        && (b'a'..=b'h').contains(&b[0])
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// A word of a file name that is not a name: version and neutral words,
/// credits, the wanted artist's and album's own words, a lone letter.
fn explained(w: &Wanted, t: &str) -> bool {
    let single_char = t.len() <= 1 || (t.len() <= 4 && t.chars().nth(1).is_none());
    if single_char && !is_number(t) {
        return true;
    }
    if versions::is_known_word(t) {
        return true;
    }
    if w.artist_words.contains(t) || w.album_words.contains(t) || w.title_words.contains(t) {
        return true;
    }
    // `track01`, `trk3`.
    ["track", "trk"]
        .iter()
        .any(|p| t.strip_prefix(p).is_some_and(is_number))
}

/// Words of the title's unit that are neither the title nor explained:
/// "Mr" in "Mr Blue Sky" for "Blue Sky", "We Were" in "We Were Shameless".
fn unexplained_around(w: &Wanted, f: &Folded, stem: Range<usize>, r: &Range<usize>) -> usize {
    let t0 = f.toks[r.start];
    let mut credit_core = false;
    let mut credit_group = false;
    let mut count = 0;
    for i in stem.clone() {
        let t = f.toks[i];
        // `Song (Part 2)` is another track than `Song`, brackets or not.
        if t.seg == t0.seg && !r.contains(&i) && f.tok(i) == "part" {
            if let Some(n) = (i + 1 < stem.end).then(|| f.tok(i + 1)) {
                let numbered = is_number(n) || matches!(n, "i" | "ii" | "iii" | "iv" | "v" | "vi");
                let wanted = w.title.required_numbers.iter().any(|x| x == n)
                    || w.title.base.split(' ').any(|x| x == n);
                if numbered && !wanted {
                    count += 1;
                    continue;
                }
            }
        }
        if t.seg != t0.seg || !(t.group == 0 || t.group == t0.group) || r.contains(&i) {
            continue;
        }
        let in_core = t.group == 0;
        let credit = if in_core {
            &mut credit_core
        } else {
            &mut credit_group
        };
        if *credit {
            continue;
        }
        let text = f.tok(i);
        if is_credit_word(text) {
            *credit = true;
            continue;
        }
        if i < r.start && is_vinyl_position(text) {
            continue;
        }
        if is_number(text) {
            let track_number = i < r.start;
            if !(track_number
                || is_year(text)
                || w.title.required_numbers.iter().any(|n| n == text))
            {
                count += 1;
            }
            continue;
        }
        if !explained(w, text) {
            count += 1;
        }
    }
    count
}

/// Finds the wanted title in the file name: as a word sequence with nothing
/// unexplained around it, as a whole segment written without spaces, or as
/// a near-spelling of a whole segment.
fn match_title(w: &Wanted, f: &Folded, stem: Range<usize>) -> Option<TitleHit> {
    let t = &w.title;
    if t.base.is_empty() || stem.is_empty() {
        return None;
    }
    let numbers_ok = t
        .required_numbers
        .iter()
        .all(|n| stem.clone().any(|i| f.tok(i) == n));
    if !numbers_ok {
        return None;
    }
    let mut best: Option<(usize, bool, Range<usize>)> = None;
    for r in f.find_all(&t.base, stem.clone()) {
        let extra = unexplained_around(w, f, stem.clone(), &r);
        let bracketed = f.toks[r.start].group != 0;
        let better = best
            .as_ref()
            .is_none_or(|(e, b, _)| (extra, bracketed) < (*e, *b));
        if better {
            best = Some((extra, bracketed, r));
        }
        if extra == 0 && !bracketed {
            break;
        }
    }
    if let Some((0, _, r)) = best {
        return Some(TitleHit {
            score: 1.0,
            range: r,
            exact: true,
        });
    }

    // Whole segments: compact equality, then near-spellings — except the
    // segment where the words were found with others around them.
    let rejected_seg = best.as_ref().map(|(_, _, r)| f.toks[r.start].seg);
    let mut fuzzy: Option<TitleHit> = None;
    let mut i = stem.start;
    let mut looked_at = 0;
    while i < stem.end && looked_at < MAX_SEGMENTS {
        looked_at += 1;
        let seg = f.toks[i].seg;
        let mut j = i;
        while j < stem.end && f.toks[j].seg == seg {
            j += 1;
        }
        if rejected_seg == Some(seg) {
            i = j;
            continue;
        }
        // The segment's core words: no brackets, no leading track number,
        // no credits. Compared with the compact title as they come.
        let mut first: Option<usize> = None;
        let mut last = i;
        let mut pos = 0;
        let mut compact_ok = true;
        let mut fuzzy_len = 0usize;
        for k in i..j {
            if f.toks[k].group != 0 {
                continue;
            }
            let text = f.tok(k);
            if is_credit_word(text) {
                break;
            }
            if first.is_none()
                && (is_number(text) || is_vinyl_position(text))
                && !t.base.starts_with(text)
            {
                continue;
            }
            first.get_or_insert(k);
            last = k;
            if compact_ok && t.base_compact[pos..].starts_with(text) {
                pos += text.len();
            } else {
                compact_ok = false;
            }
            if !fuzzy_word_skipped(w, text) {
                fuzzy_len += text.len() + 1;
            }
        }
        if let Some(lo) = first {
            if compact_ok && pos == t.base_compact.len() {
                return Some(TitleHit {
                    score: 0.97,
                    range: lo..last + 1,
                    exact: true,
                });
            }
            // Near-spellings of long titles only, and only when the lengths
            // are close enough for one to be a misspelling of the other.
            let close = fuzzy_len.abs_diff(t.base.len() + 1) * 4 <= t.base.len() + 1;
            if t.base_chars > SHORT_TITLE_CHARS + 1 && fuzzy.is_none() && close {
                let words: Vec<&str> = (lo..=last)
                    .filter(|&k| f.toks[k].group == 0)
                    .map(|k| f.tok(k))
                    .filter(|x| !fuzzy_word_skipped(w, x))
                    .collect();
                let text = words.join(" ");
                let sim = similarity_at_least(&text, &t.base, FUZZY_TITLE);
                if sim >= FUZZY_TITLE
                    && digits(&text) == t.base_digits
                    && same_words_but_typos(&words, &t.base)
                {
                    fuzzy = Some(TitleHit {
                        score: sim,
                        range: lo..last + 1,
                        exact: false,
                    });
                }
            }
        }
        i = j;
    }
    fuzzy
}

/// A near-spelling is a typo inside words, not other words: as many words,
/// short ones identical, long ones at most a letter or two apart
/// ("Sheeshe" for "Sheesha"; not "We Were" for "We're").
fn same_words_but_typos(words: &[&str], base: &str) -> bool {
    let wanted: Vec<&str> = base.split(' ').collect();
    words.len() == wanted.len()
        && words.iter().zip(&wanted).all(|(a, b)| {
            a == b
                || (a.chars().count() >= 4
                    && b.chars().count() >= 4
                    && strsim::levenshtein(a, b)
                        <= 1 + a.chars().count().max(b.chars().count()) / 8)
        })
}

/// Words left out when comparing a segment with the title by spelling:
/// explained words (artist, neutral…) that are not words of the title.
fn fuzzy_word_skipped(w: &Wanted, x: &str) -> bool {
    explained(w, x) && !w.title.base.split(' ').any(|b| b == x)
}

/// For a refused title, a rough similarity to show: the share of the
/// title's words present in the file name.
fn title_overlap(w: &Wanted, f: &Folded, stem: Range<usize>) -> f64 {
    let words: Vec<&str> = w.title.base.split(' ').filter(|x| !x.is_empty()).collect();
    if words.is_empty() {
        return 0.0;
    }
    let present = words
        .iter()
        .filter(|x| stem.clone().any(|i| f.tok(i) == **x))
        .count();
    0.8 * present as f64 / words.len() as f64
}

/// The artist condition when the wanted artists perform a classical work
/// (`classical`): every recording of the work shares its title and album,
/// so only a credited performer in the path is evidence, and a path naming
/// another performer (ensemble, conductor, soloist) is another recording —
/// even when the composer, credited too, is there.
fn judge_performer(w: &Wanted, view: &PathView, title: Option<&Range<usize>>) -> (bool, f64) {
    let Some(credits) = &w.classical else {
        return (true, NEUTRAL_ARTIST);
    };
    let f = &view.folded;
    let stem = view.part(view.stem_part);
    let evidence_of = |i: usize| {
        w.artists.get(i).map_or(0.0, |a| {
            let variant = if classical::ensemble_variant(a, view, title).is_empty() {
                0.0
            } else {
                ENSEMBLE_VARIANT
            };
            artist_evidence_of(a, view, title)
                .max(surname_evidence(a, view, title))
                .max(variant)
        })
    };
    let performer = credits
        .performers
        .iter()
        .map(|&i| evidence_of(i))
        .fold(0.0, f64::max);
    let other_ensemble =
        classical::names_other_ensemble(&w.artists, &credits.ensembles, &w.title.base, view, title);
    if performer > 0.0 {
        // A credited soloist or conductor with another orchestra than the
        // credited one is another recording too.
        let ensemble_missing = !credits.ensembles.is_empty()
            && credits.ensembles.iter().all(|&i| evidence_of(i) == 0.0);
        if other_ensemble && ensemble_missing {
            return (false, 0.1);
        }
        return (true, performer);
    }
    let other_person =
        classical::names_other_person(view, title, |t| explained(w, t) || is_year(t));
    if other_ensemble || other_person {
        return (false, 0.1);
    }
    // No performer written: a path naming someone (the composer, the
    // uploader's idea of the artist) is not excused by a strong title and
    // album, which every recording shares.
    if file_names_someone_else(w, f, stem, title) || folder_names_someone_else(w, view) {
        (false, 0.2)
    } else {
        (true, NO_ARTIST_INFO)
    }
}

/// Best evidence (0 when none) that a wanted artist is in the path: the
/// exact words (1.0), the name written without spaces or punctuation
/// (0.95), its initials as a word or the words its initials stand for
/// (0.9); a featured artist alone counts a bit less.
fn artist_evidence(w: &Wanted, view: &PathView, title: Option<&Range<usize>>) -> f64 {
    let mut best: f64 = 0.0;
    for a in &w.artists {
        best = best.max(artist_evidence_of(a, view, title));
        if best >= 1.0 {
            break;
        }
    }
    // A classical composer is written by surname ("Beethoven").
    if best == 0.0 && w.classical.is_some() {
        best = w
            .artists
            .iter()
            .map(|a| surname_evidence(a, view, title))
            .fold(0.0, f64::max);
    }
    best
}

/// Evidence for one wanted artist (see [`artist_evidence`]).
fn artist_evidence_of(a: &WantedArtist, view: &PathView, title: Option<&Range<usize>>) -> f64 {
    let f = &view.folded;
    let clear_of_title = |r: &Range<usize>| !title.is_some_and(|t| overlaps(t, r));
    {
        let mut score: f64 = 0.0;
        for part in (0..=view.stem_part).rev() {
            let range = view.part(part);
            if range.is_empty() {
                continue;
            }
            if f.find_where(&a.folded, range.clone(), clear_of_title)
                .is_some()
            {
                score = 1.0;
                break;
            }
            if score < 0.95
                && a.compact.chars().count() >= 3
                && compact_run(f, range.clone(), &a.compact, title)
            {
                score = 0.95;
            }
            if score < 0.9 {
                let acronym = a.acronyms.iter().any(|acr| {
                    range
                        .clone()
                        .any(|i| f.tok(i) == acr && !title.is_some_and(|t| t.contains(&i)))
                });
                if acronym || (a.as_initials && initials_run(f, range.clone(), &a.folded, title)) {
                    score = 0.9;
                }
            }
        }
        if a.main {
            score
        } else {
            score * 0.85
        }
    }
}

/// A person of a classical work written by surname only ("Karajan" for
/// "Herbert von Karajan"), outside the title: 0.9, else 0.
fn surname_evidence(a: &WantedArtist, view: &PathView, title: Option<&Range<usize>>) -> f64 {
    let Some(surname) = classical::surname(&a.folded) else {
        return 0.0;
    };
    let f = &view.folded;
    let found = (0..view.part(view.stem_part).end)
        .any(|i| f.tok(i) == surname && !title.is_some_and(|t| t.contains(&i)));
    if found {
        0.9
    } else {
        0.0
    }
}

/// Consecutive tokens whose concatenation is `compact` ("ac" "dc" = "acdc").
fn compact_run(
    f: &Folded,
    range: Range<usize>,
    compact: &str,
    title: Option<&Range<usize>>,
) -> bool {
    for i in range.clone() {
        let mut pos = 0;
        for k in i..range.end {
            if title.is_some_and(|t| t.contains(&k)) {
                break;
            }
            let tok = f.tok(k);
            if compact[pos..].starts_with(tok) {
                pos += tok.len();
                if pos == compact.len() {
                    return true;
                }
            } else {
                break;
            }
        }
    }
    false
}

/// Consecutive tokens whose initials spell `initials` ("Electric Light
/// Orchestra" for "ELO").
fn initials_run(
    f: &Folded,
    range: Range<usize>,
    initials: &str,
    title: Option<&Range<usize>>,
) -> bool {
    let n = initials.len();
    if range.len() < n {
        return false;
    }
    (range.start..=range.end - n).any(|i| {
        (i..i + n).all(|k| !title.is_some_and(|t| t.contains(&k)) && f.tok(k).len() >= 2)
            && (i..i + n)
                .map(|k| f.tok(k).as_bytes()[0])
                .eq(initials.bytes())
    })
}

/// The file name has a segment naming someone: words that are not the
/// title, not track numbers, not version or neutral words.
fn file_names_someone_else(
    w: &Wanted,
    f: &Folded,
    stem: Range<usize>,
    title: Option<&Range<usize>>,
) -> bool {
    let mut credit_seg: Option<u16> = None;
    for i in stem {
        let t = f.toks[i];
        if t.group != 0 || title.is_some_and(|r| r.contains(&i)) {
            continue;
        }
        if credit_seg == Some(t.seg) {
            continue;
        }
        let text = f.tok(i);
        if is_credit_word(text) {
            credit_seg = Some(t.seg);
            continue;
        }
        // A segment repeating the title's words (`Title -Title Version-`)
        // names no one.
        if is_number(text)
            || is_vinyl_position(text)
            || explained(w, text)
            || w.title.base.split(' ').any(|x| x == text)
        {
            continue;
        }
        return true;
    }
    false
}

/// A folder says who the artist is, and it is not the wanted one: the
/// folder above the album folder, or the `Artist` of an `Artist - Album`
/// folder.
fn folder_names_someone_else(w: &Wanted, view: &PathView) -> bool {
    if view.artist_part.is_some() {
        return true;
    }
    let Some(album_part) = view.album_part else {
        return false;
    };
    let f = &view.folded;
    let range = view.part(album_part);
    let segs = range.clone().map(|i| f.toks[i].seg).max().unwrap_or(0);
    if segs == 0 {
        return false;
    }
    // `Artist - Album`: the first segment names someone.
    range
        .filter(|&i| f.toks[i].seg == 0 && f.toks[i].group == 0)
        .any(|i| {
            let text = f.tok(i);
            !(is_number(text) || explained(w, text))
        })
}

/// How well the path's album (folder, or a segment of the file name) agrees
/// with the wanted album.
fn album_score(w: &Wanted, f: &Folded, view: &PathView, title: Option<&Range<usize>>) -> f64 {
    let Some(album) = &w.album else {
        return NEUTRAL_ALBUM;
    };
    let mut best: Option<f64> = None;
    // Folder names may be misspelt (fuzzy) and count against when they
    // differ; file name segments are mostly artists and titles, so they
    // only count when they say the album plainly.
    let mut consider = |range: Range<usize>, folder: bool| {
        if range.is_empty() {
            return;
        }
        let s = album_region_score(w, album, f, range, folder);
        if folder || s > 0.3 {
            best = Some(best.map_or(s, |b: f64| b.max(s)));
        }
    };
    if let Some(part) = view.album_part {
        let range = view.part(part);
        // A folder named after the artist (`Music\Artist\Song.mp3`) says
        // nothing about the album.
        let artist_folder = w.artists.iter().any(|a| f.span(range.clone()) == a.folded);
        if !artist_folder {
            consider(range.clone(), true);
            let segs = segments(f, range);
            if segs.len() > 1 {
                for seg_range in segs {
                    consider(seg_range, true);
                }
            }
        }
    }
    let stem = view.part(view.stem_part);
    let stem_segments = segments(f, stem);
    if stem_segments.len() > 1 {
        for seg_range in stem_segments {
            if !title.is_some_and(|t| overlaps(t, &seg_range)) {
                consider(seg_range, false);
            }
        }
    }
    match best {
        Some(b) => b.max(0.3),
        None => UNKNOWN_ALBUM,
    }
}

/// Token ranges of the segments of `range` (brackets included), at most
/// [`MAX_SEGMENTS`].
fn segments(f: &Folded, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = range.start;
    while i < range.end && out.len() < MAX_SEGMENTS {
        let seg = f.toks[i].seg;
        let mut j = i;
        while j < range.end && f.toks[j].seg == seg {
            j += 1;
        }
        out.push(i..j);
        i = j;
    }
    out
}

fn album_region_score(
    w: &Wanted,
    album: &WantedAlbum,
    f: &Folded,
    range: Range<usize>,
    fuzzy: bool,
) -> f64 {
    let text = f.span(range.clone());
    if text == album.folded {
        return 1.0;
    }
    if let Some(acr) = &album.acronym {
        if range.len() == 1 && text == acr {
            return 0.95;
        }
    }
    if let Some(r) = f.find_all(&album.folded, range.clone()).into_iter().next() {
        let extra = range.clone().any(|i| {
            let t = f.tok(i);
            !(r.contains(&i)
                || is_number(t)
                || versions::is_neutral_word(t)
                || versions::is_stop_word(t)
                || w.artist_words.contains(t))
        });
        return if extra { 0.9 } else { 1.0 };
    }
    if text
        .bytes()
        .filter(|b| *b != b' ')
        .eq(album.compact.bytes())
    {
        return 1.0;
    }
    if album.base != album.folded
        && (text == album.base || !f.find_all(&album.base, range.clone()).is_empty())
    {
        return 0.8;
    }
    // Misspellings, never other numbers (`Vol. 4` is not `Vol. 5`).
    if fuzzy && digits(text) == digits(&album.folded) {
        let sim = similarity_at_least(text, &album.folded, 0.8);
        if sim >= 0.8 {
            return sim * 0.95;
        }
    }
    0.3
}

/// Normalized Levenshtein similarity, or 0 without computing it when the
/// lengths alone rule out reaching `floor`, or when a text is too long for
/// typo tolerance ([`fuzzy_allowed`]: the distance is O(n·m)).
fn similarity_at_least(a: &str, b: &str, floor: f64) -> f64 {
    if !fuzzy_allowed(a, b) {
        return 0.0;
    }
    // Byte lengths bound character counts within a factor of 4: a quick
    // rejection before counting.
    let (ba, bb) = (a.len(), b.len());
    if a.is_ascii() && b.is_ascii() && (ba.abs_diff(bb) as f64) > (1.0 - floor) * ba.max(bb) as f64
    {
        return 0.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let longest = la.max(lb);
    if longest == 0 {
        return 1.0;
    }
    if (la.abs_diff(lb) as f64) > (1.0 - floor) * longest as f64 {
        return 0.0;
    }
    normalized_levenshtein(a, b)
}

/// (no version mismatch, clean/censored folder).
fn judge_versions(
    w: &Wanted,
    view: &PathView,
    title: Option<&Range<usize>>,
    stem_artist: &[Range<usize>],
    folder_artist: &[Range<usize>],
) -> (bool, bool) {
    let f = &view.folded;
    let stem = view.part(view.stem_part);
    let skip_stem = |i: usize| {
        title.is_some_and(|t| t.contains(&i)) || stem_artist.iter().any(|r| r.contains(&i))
    };
    let stem_kinds = kinds_in(f, stem, skip_stem, false, &w.title.base);

    // Every folder of the path, not only the album's: `Karaoke Hits\Band\
    // Album\Song.mp3` is karaoke. The same care for names in each: the
    // wanted artist (the band Live) and title are not version words, the
    // vague folder words are ignored, and the wanted album's own words
    // ("Live Through This") are excused below.
    let mut folder_kinds = 0;
    for part in 0..view.stem_part {
        let range = view.part(part);
        let title_in_folder = f.find_all(&w.title.base, range.clone());
        let artists: Vec<Range<usize>> = if Some(part) == view.album_part {
            folder_artist.to_vec()
        } else {
            w.artists
                .iter()
                .flat_map(|a| f.find_all(&a.folded, range.clone()))
                .collect()
        };
        let skip = |i: usize| {
            artists.iter().any(|r| r.contains(&i)) || title_in_folder.iter().any(|r| r.contains(&i))
        };
        folder_kinds |= kinds_in(f, range, skip, true, &w.title.base);
    }

    // Clean/censored cuts are ranked, not refused (a clean edit is still the
    // song when nothing else exists): kept out of the hard comparison.
    let wanted = w.title.kinds & !kind::CLEAN;
    let album_kinds = w.album.as_ref().map_or(0, |a| a.kinds);
    let found = (stem_kinds | folder_kinds) & !kind::CLEAN;
    let offending = found & !wanted & !album_kinds;
    let missing = wanted & !found;
    let mut ok = offending == 0 && missing == 0;

    if ok {
        let parts: Vec<Range<usize>> = [Some(view.stem_part), view.album_part, view.artist_part]
            .into_iter()
            .flatten()
            .map(|p| view.part(p))
            .collect();
        ok = w
            .title
            .qualifiers
            .iter()
            .all(|q| q.words.is_empty() || words_present(f, &parts, &q.words));
    }

    // Clean/censored marks on the file or a folder above it: ranked lower
    // (or higher, when a clean cut is what is wanted).
    let mut clean_mismatch = stem_kinds & kind::CLEAN != 0;
    for part in 0..view.stem_part {
        let range = view.part(part);
        let marked = range
            .clone()
            .any(|i| matches!(f.tok(i), "clean" | "censored" | "edited"));
        if marked {
            let artists: Vec<Range<usize>> = w
                .artists
                .iter()
                .flat_map(|a| f.find_all(&a.folded, range.clone()))
                .collect();
            let skip = |i: usize| artists.iter().any(|r| r.contains(&i));
            if kinds_in(f, range, skip, false, "") & kind::CLEAN != 0 {
                clean_mismatch = true;
            }
        }
    }
    // The explicit track is the default version: a clean/edited cut is
    // another version unless the wanted title asks for one. The reverse
    // stays a ranking matter (an unmarked file may well be the clean one).
    let wants_clean = w.title.kinds & kind::CLEAN != 0;
    let file_clean = clean_mismatch;
    (
        ok && (wants_clean || !file_clean),
        file_clean != wants_clean,
    )
}

/// Version kinds of the tokens of `range` that `skip` does not exclude.
fn kinds_in(
    f: &Folded,
    range: Range<usize>,
    skip: impl Fn(usize) -> bool,
    folder: bool,
    title: &str,
) -> Kinds {
    const STACK: usize = 48;
    let blank = ScanTok {
        text: "",
        unit: 0,
        bracket: false,
        dash_start: false,
    };
    let mut stack_toks = [blank; STACK];
    let mut heap_toks: Vec<ScanTok<'_>> = Vec::new();
    let mut n = 0;
    for i in range.filter(|&i| !skip(i)) {
        let t = f.toks[i];
        let tok = ScanTok {
            text: f.tok(i),
            unit: unit_key(t.part, t.seg, t.group),
            bracket: t.group != 0,
            dash_start: starts_dash_segment(f, i),
        };
        if n < STACK {
            stack_toks[n] = tok;
        } else {
            if heap_toks.is_empty() {
                heap_toks.extend_from_slice(&stack_toks);
            }
            heap_toks.push(tok);
        }
        n += 1;
    }
    if n == 0 {
        return 0;
    }
    if n <= STACK {
        let mut classes = [Class::Other; STACK];
        classify_into(&stack_toks[..n], folder, title, &mut classes[..n]);
        kinds_of(&classes[..n])
    } else {
        kinds_of(&classify(&heap_toks, folder, title))
    }
}

/// Every distinguishing word of a qualifier is in the path (a word may be
/// the start of a longer one: "session" in "sessions"), or all of them
/// written together ("junkiexl").
fn words_present(f: &Folded, parts: &[Range<usize>], words: &[String]) -> bool {
    let tokens = || parts.iter().flat_map(Clone::clone);
    let each = words.iter().all(|w| {
        tokens().any(|i| {
            let t = f.tok(i);
            t == w || (w.chars().count() >= 3 && t.starts_with(w.as_str()))
        })
    });
    if each {
        return true;
    }
    let joined: String = words.concat();
    tokens().any(|i| f.tok(i).starts_with(joined.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_max_segments_are_looked_at() {
        let name = format!("{}.mp3", vec!["word"; 40].join(" - "));
        let view = PathView::new(&name);
        let stem = view.part(view.stem_part);
        assert_eq!(segments(&view.folded, stem).len(), MAX_SEGMENTS);
    }
    use crate::domain::matching::types::TrackQuery;

    fn wanted(artist: &str, title: &str, album: Option<&str>) -> Wanted {
        Wanted::new(&TrackQuery {
            artist: artist.into(),
            title: title.into(),
            album: album.map(str::to_string),
            duration_ms: None,
            track_number: None,
        })
    }

    fn judge(w: &Wanted, path: &str) -> TextVerdict {
        judge_text(w, &PathView::new(path))
    }

    #[test]
    fn duration_boundaries() {
        assert!(duration_check(Some(100.0), Some(105), 5.0).0);
        assert!(duration_check(Some(100.0), Some(95), 5.0).0);
        assert!(!duration_check(Some(100.0), Some(106), 5.0).0);
        assert_eq!(
            duration_check(Some(100.0), None, 5.0),
            (true, NEUTRAL_DURATION)
        );
        assert_eq!(duration_check(None, Some(3), 5.0), (true, NEUTRAL_DURATION));
        assert_eq!(duration_check(Some(100.0), Some(101), 5.0), (true, 1.0));
        let (_, far) = duration_check(Some(100.0), Some(105), 5.0);
        assert!((far - 0.6).abs() < 1e-9);
        assert!(!duration_check(Some(100.4), Some(100), 0.0).0);
    }

    #[test]
    fn title_word_boundaries() {
        let w = wanted("a1", "Tune", None);
        assert!(judge(&w, r"x\a1 - Tune.mp3").title_ok);
        assert!(!judge(&w, r"x\a1 - Tunes.mp3").title_ok);
        assert!(!judge(&w, r"x\a1 - Tune 2.mp3").title_ok);
        let w = wanted("", "Piece 1", None);
        assert!(judge(&w, r"x\01. Piece 1.mp3").title_ok);
        assert!(!judge(&w, r"x\10. Piece 10.mp3").title_ok);
    }

    #[test]
    fn title_with_extra_words_is_another_song() {
        let w = wanted("Band", "Blue Moon", None);
        assert!(!judge(&w, r"Band - Blue Moon (Part 2).mp3").title_ok);
        assert!(!judge(&w, r"Band - Blue Moon, Pt. II.mp3").title_ok);
        let w = wanted("Band", "Blue Moon, Pt. 2", None);
        assert!(judge(&w, r"Band - Blue Moon (Part 2).mp3").title_ok);
        assert!(!judge(&w, r"Band - Blue Moon (Part 1).mp3").title_ok);
        let w = wanted("Band", "Blue Moon", None);
        assert!(!judge(&w, r"Band - Mr Blue Moon.mp3").title_ok);
        assert!(!judge(&w, r"Band - Blue Moon, Blue Moon.mp3").title_ok);
        assert!(judge(&w, r"Band - Blue Moon ~Blue Moon Version~.mp3").title_ok);
        assert!(judge(&w, r"Band - Blue Moon ~Blue Moon Version~.mp3").version_ok);
        assert!(judge(&w, r"Blue Moon -Blue Moon Version-.mp3").artist_ok);
        assert!(judge(&w, r"Band - Blue Moon (Official Video) [HD].mp3").title_ok);
        assert!(judge(&w, r"Blue Moon by Band lyrics.mp3").title_ok);
        assert!(judge(&w, r"Band_Blue_Moon_2011_Remaster.mp3").title_ok);
    }

    #[test]
    fn title_compact_and_fuzzy() {
        let w = wanted("", "Can't Let Go", None);
        assert!(judge(&w, "Cant Let Go.flac").title_ok);
        let w = wanted("", "Moonlighting", None);
        assert!(judge(&w, "Moonlightin.flac").title_ok);
        let w = wanted("", "We're Homeward", None);
        assert!(!judge(&w, "We Were Homeward.flac").title_ok);
        assert!(!judge(&w, "Moonlightin Forever Tonight.flac").title_ok);
        // Short titles never pass on a near-spelling.
        let w = wanted("", "Hello", None);
        assert!(!judge(&w, "Hallo.flac").title_ok);
        // Digits must agree.
        let w = wanted("", "Symphony 5", None);
        assert!(!judge(&w, "Symphony 6.flac").title_ok);
    }

    #[test]
    fn cjk_titles() {
        let w = wanted("", "星の歌", None);
        assert!(judge(&w, "星の歌.flac").title_ok);
        assert!(judge(&w, "01 星の歌.flac").title_ok);
        assert!(!judge(&w, "星の声.flac").title_ok);
        assert!(!judge(&w, "Happy Days.flac").title_ok);
    }

    #[test]
    fn artist_evidence_kinds() {
        let w = wanted("AC/DC", "Thunder Road", None);
        assert_eq!(judge(&w, r"ACDC\Album\Thunder Road.mp3").artist, 0.95);
        let w = wanted("A.R. Rahman", "Song", None);
        assert_eq!(judge(&w, r"A R Rahman\Album\Song.mp3").artist, 1.0);
        let w = wanted("Bright Sky Ensemble", "Night", None);
        assert!(judge(&w, r"BSE\Best\Night.mp3").artist_ok);
        let w = wanted("BSE", "Night", None);
        assert!(judge(&w, r"Bright Sky Ensemble - Night.mp3").artist_ok);
        let w = wanted("Beyoncé", "Halo", None);
        assert_eq!(judge(&w, r"Beyonce\Album\Halo.mp3").artist, 1.0);
        let w = wanted("The Rolling Stones", "Angie", None);
        assert_eq!(
            judge(&w, r"Rolling Stones, The\Album\Angie.mp3").artist,
            1.0
        );
        let w = wanted("Simon & Garfunkel", "Song", None);
        assert_eq!(judge(&w, r"Simon and Garfunkel - Song.mp3").artist, 1.0);
        let w = wanted("Main Act, Second Act", "Song", None);
        assert!(judge(&w, r"Second Act - Song.mp3").artist_ok);
        let w = wanted("Group5", "Song", None);
        assert!(!judge(&w, r"Group6 - Song.mp3").artist_ok);
    }

    #[test]
    fn artist_absent() {
        let w = wanted("Wanted Band", "Long Title Here", Some("Record"));
        // Nothing about the artist in the path: fine.
        let v = judge(&w, r"Music\Stuff\Long Title Here.mp3");
        assert!(v.artist_ok);
        assert_eq!(v.artist, NO_ARTIST_INFO);
        // The file name names someone else.
        assert!(!judge(&w, r"Music\Other Band - Long Title Here.mp3").artist_ok);
        // An artist folder says otherwise: a long title in the right album passes.
        assert!(judge(&w, r"Other Band\Record\Long Title Here.mp3").artist_ok);
        assert!(!judge(&w, r"Other Band\Elsewhere\Long Title Here.mp3").artist_ok);
        // A short title needs artist evidence.
        let w = wanted("Wanted Band", "Go", Some("Record"));
        assert!(!judge(&w, r"Other Band\Record\Go.mp3").artist_ok);
        assert!(judge(&w, r"Wanted Band\Record\Go.mp3").artist_ok);
        // Unknown artist: no condition.
        let w = wanted("", "Go", None);
        assert!(judge(&w, r"Other Band\Record\Go.mp3").artist_ok);
    }

    #[test]
    fn versions_both_ways() {
        let w = wanted("Band", "Song", None);
        assert!(judge(&w, "Band - Song.mp3").version_ok);
        assert!(!judge(&w, "Band - Song (Live).mp3").version_ok);
        assert!(!judge(&w, "Band - Song - Remix.mp3").version_ok);
        assert!(!judge(&w, r"Band\Live in Oslo\Song.mp3").version_ok);
        assert!(judge(&w, "Band - Song (2011 Remaster).mp3").version_ok);
        assert!(judge(&w, "Band - Song (feat. Guest).mp3").version_ok);
        let w = wanted("Band", "Song (Live)", None);
        assert!(!judge(&w, "Band - Song.mp3").version_ok);
        assert!(judge(&w, "Band - Song - Live.mp3").version_ok);
        assert!(!judge(&w, "Band - Song (Acoustic).mp3").version_ok);
        // Distinguishing words.
        let w = wanted("Band", "Song (Nova Remix)", None);
        assert!(judge(&w, "Band - Song (Nova Remix).mp3").version_ok);
        assert!(!judge(&w, "Band - Song (Other Remix).mp3").version_ok);
        // Names that contain version words are not versions.
        let w = wanted("Live Wire Band", "Live Forever", None);
        assert!(judge(&w, "Live Wire Band - Live Forever.mp3").version_ok);
        assert!(!judge(&w, "Live Wire Band - Live Forever (Live).mp3").version_ok);
    }

    #[test]
    fn album_context_explains_versions() {
        let w = wanted("Band", "Song - Live At Arena", Some("Live At Arena"));
        assert!(judge(&w, r"Band\Live At Arena\Song.flac").version_ok);
        assert!(!judge(&w, r"Band\Studio Album\Song.flac").version_ok);
        let w = wanted("Band", "Song", Some("Unplugged in Oslo"));
        assert!(judge(&w, r"Band\Unplugged in Oslo\Song.flac").version_ok);
    }

    #[test]
    fn version_words_in_any_folder() {
        let w = wanted("Band", "Song", Some("Great Record"));
        for path in [
            r"Karaoke Hits\Band\Great Record\Song.mp3",
            r"Instrumentals\Band\Great Record\Song.flac",
            r"Demos\Band\Great Record\Song.flac",
            r"Band\Live at Wembley 1986\CD1\Song.flac",
            r"Live Recordings\Band\Great Record\Song.flac",
        ] {
            assert!(!judge(&w, path).version_ok, "{path}");
        }
        // Plain folders, and vague folder words, are no version.
        for path in [
            r"Music\Band\Great Record\Song.flac",
            r"Mixes\Band\Great Record\Song.flac",
            r"Soulseek Downloads\Band\Great Record\Song.flac",
        ] {
            assert!(judge(&w, path).version_ok, "{path}");
        }
    }

    #[test]
    fn names_in_folders_are_not_versions() {
        // The band Live, in a folder above the album.
        let w = wanted("Live", "Lightning Crashes", Some("Throwing Copper"));
        assert!(judge(&w, r"Music\Live\Throwing Copper\Lightning Crashes.flac").version_ok);
        assert!(judge(&w, r"Live\1994 - Throwing Copper\03 Lightning Crashes.mp3").version_ok);
        // An album called "Live Through This".
        let w = wanted("Hole", "Violet", Some("Live Through This"));
        assert!(judge(&w, r"Rock\Hole\Live Through This\01 Violet.flac").version_ok);
        let w = wanted("Hole", "Violet", None);
        assert!(judge(&w, r"Hole\Live Through This\01 Violet.flac").version_ok);
        // The wanted version in a folder: a live song wanted, a live folder given.
        let w = wanted("Band", "Song - Live", None);
        assert!(judge(&w, r"Live Recordings\Band\Tour\Song.flac").version_ok);
    }

    #[test]
    fn clean_cuts_and_folders_are_marked() {
        let w = wanted("Rapper", "Song", None);
        assert!(judge(&w, r"Clean Versions\Rapper\Song.flac").clean_mismatch);
        assert!(!judge(&w, r"Music\Rapper\Song.flac").clean_mismatch);
        let w = wanted("Clean Machine", "Song", None);
        assert!(!judge(&w, r"Clean Machine\Album\Song.flac").clean_mismatch);
        // A clean cut is another version unless asked for; wanted, it is the match.
        let w = wanted("", "Song", None);
        let v = judge(&w, "Song (Clean).flac");
        assert!(!v.version_ok && v.clean_mismatch);
        assert!(judge(&w, "Mr. Clean - Song.flac").version_ok);
        assert!(!judge(&w, "Mr. Clean - Song.flac").clean_mismatch);
        let w = wanted("", "Song (Clean)", None);
        assert!(judge(&w, "Song (Clean).flac").version_ok);
        assert!(!judge(&w, "Song (Clean).flac").clean_mismatch);
        // Asked for clean, an unmarked file is only ranked lower.
        let v = judge(&w, "Song.flac");
        assert!(v.version_ok && v.clean_mismatch);
    }

    #[test]
    fn another_performer_of_a_classical_work_is_refused() {
        let title = "Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio";
        let album = "Beethoven: Symphonies Nos. 5 & 7";
        let w = wanted("Berliner Philharmoniker", title, Some(album));
        let other = r"Classical\Beethoven\Beethoven - Symphonies Nos. 5 & 7 (Wiener Philharmoniker, Kleiber)\01 Symphony No. 5 in C Minor, Op. 67 I. Allegro con brio.flac";
        assert!(!judge(&w, other).artist_ok);
        let right = r"Classical\Berliner Philharmoniker\Beethoven - Symphonies Nos. 5 & 7\01 Symphony No. 5 in C Minor, Op. 67 I. Allegro con brio.flac";
        assert!(judge(&w, right).artist_ok);
        let english = r"Beethoven - Symphonies Nos. 5 & 7 (Berlin Philharmonic)\01 Symphony No. 5 in C Minor, Op. 67 I. Allegro con brio.flac";
        assert!(judge(&w, english).artist_ok);
        assert!(w.performs_classical_work());
        // A band with "Orchestra" in its name, singing a song: not a work.
        let w = wanted(
            "Electric Light Orchestra",
            "Mr. Blue Sky",
            Some("Out of the Blue"),
        );
        assert!(!w.performs_classical_work());
    }

    const FIFTH: &str = "Symphony No. 5 in C Minor, Op. 67: I. Allegro con brio";
    const FIFTH_FILE: &str = "01 Symphony No. 5 in C Minor, Op. 67 I. Allegro con brio.flac";

    #[test]
    fn a_conductor_alone_is_not_another_conductor() {
        let w = wanted("Herbert von Karajan", FIFTH, Some("Symphonies Nos. 5 & 7"));
        assert!(w.performs_classical_work());
        let kleiber = format!(r"Beethoven\Symphonies Nos. 5 & 7 (Kleiber, 1975)\{FIFTH_FILE}");
        assert!(!judge(&w, &kleiber).artist_ok);
        let other_dash =
            format!(r"Beethoven - Symphonies Nos. 5 & 7 - Carlos Kleiber\{FIFTH_FILE}");
        assert!(!judge(&w, &other_dash).artist_ok);
        let vienna =
            format!(r"Beethoven - Symphonies Nos. 5 & 7 (Wiener Philharmoniker)\{FIFTH_FILE}");
        assert!(!judge(&w, &vienna).artist_ok);
        // The same work by him, written by surname or in full.
        let karajan = format!(r"Beethoven\Symphonies Nos. 5 & 7 (Karajan, 1963)\{FIFTH_FILE}");
        assert!(judge(&w, &karajan).artist_ok);
        let full = format!(r"Herbert von Karajan\Beethoven - Symphonies Nos. 5 & 7\{FIFTH_FILE}");
        assert!(judge(&w, &full).artist_ok);
    }

    #[test]
    fn a_soloist_alone_is_not_another_soloist() {
        let title = "Goldberg Variations, BWV 988: Aria";
        let w = wanted("Glenn Gould", title, Some("Goldberg Variations"));
        let file = "01 Goldberg Variations, BWV 988 - Aria.flac";
        let other = format!(r"Bach\Goldberg Variations (Murray Perahia, piano)\{file}");
        assert!(!judge(&w, &other).artist_ok);
        let his = format!(r"Bach\Goldberg Variations (Glenn Gould, 1981)\{file}");
        assert!(judge(&w, &his).artist_ok);
    }

    #[test]
    fn a_credit_list_with_the_composer_needs_its_performers() {
        let w = wanted(
            "Ludwig van Beethoven, Berliner Philharmoniker, Herbert von Karajan",
            FIFTH,
            Some("Beethoven: Symphonies Nos. 5 & 7"),
        );
        assert!(w.performs_classical_work());
        // The composer is there, in full; the performers are others.
        let other = format!(
            r"Classical\Ludwig van Beethoven - Symphonies Nos. 5 & 7 (Wiener Philharmoniker, Carlos Kleiber)\{FIFTH_FILE}"
        );
        assert!(!judge(&w, &other).artist_ok);
        let conductor =
            format!(r"Ludwig van Beethoven\Symphonies Nos. 5 & 7 (Kleiber)\{FIFTH_FILE}");
        assert!(!judge(&w, &conductor).artist_ok);
        // Karajan with the Vienna orchestra is another recording too.
        let vienna = format!(
            r"Beethoven\Symphonies Nos. 5 & 7 (Wiener Philharmoniker, Karajan)\{FIFTH_FILE}"
        );
        assert!(!judge(&w, &vienna).artist_ok);
        // The orchestra in English, with the conductor: the wanted one.
        let english =
            format!(r"Beethoven\Symphonies Nos. 5 & 7 (Berlin Philharmonic, Karajan)\{FIFTH_FILE}");
        assert!(judge(&w, &english).artist_ok);
        // The composer and a wanted performer: the wanted recording.
        for right in [
            format!(
                r"Beethoven\Symphonies Nos. 5 & 7 (Berliner Philharmoniker, Karajan)\{FIFTH_FILE}"
            ),
            format!(r"Ludwig van Beethoven - Symphonies Nos. 5 & 7 - Karajan\{FIFTH_FILE}"),
            format!(r"Berliner Philharmoniker\Beethoven - Symphonies Nos. 5 & 7\{FIFTH_FILE}"),
        ] {
            assert!(judge(&w, &right).artist_ok, "{right}");
        }
    }

    #[test]
    fn a_composer_wanted_as_the_artist_is_not_refused_for_being_named() {
        // No performer credited: the composer is the artist, any recording
        // of the work is the work, and paths name the composer.
        let w = wanted(
            "Ludwig van Beethoven",
            FIFTH,
            Some("Beethoven: Symphonies Nos. 5 & 7"),
        );
        assert!(!w.performs_classical_work());
        for path in [
            format!(r"Beethoven\Symphonies Nos. 5 & 7 (Kleiber, 1975)\{FIFTH_FILE}"),
            format!(
                r"Classical\Beethoven - Symphonies Nos. 5 & 7 (Wiener Philharmoniker)\{FIFTH_FILE}"
            ),
            format!(r"Ludwig van Beethoven\Symphonies Nos. 5 & 7\{FIFTH_FILE}"),
        ] {
            assert!(judge(&w, &path).artist_ok, "{path}");
        }
        // Without an album saying so, the lone credit may be a performer:
        // a path naming it is still right.
        let w = wanted("Ludwig van Beethoven", FIFTH, None);
        let path = format!(r"Beethoven\Symphonies Nos. 5 & 7 (Kleiber, 1975)\{FIFTH_FILE}");
        assert!(judge(&w, &path).artist_ok);
    }

    #[test]
    fn pop_songs_with_classical_words_are_not_works() {
        // A composer's name in a pop path, a band with Orchestra in its
        // name, a song called Symphony: the usual artist rules.
        let w = wanted(
            "Walter Murphy",
            "A Fifth of Beethoven",
            Some("A Fifth of Beethoven"),
        );
        assert!(w.classical.is_none());
        let path = r"Walter Murphy\A Fifth of Beethoven (1976)\01 A Fifth of Beethoven.mp3";
        assert!(judge(&w, path).artist_ok);
        let w = wanted("The Verve", "Bitter Sweet Symphony", Some("Urban Hymns"));
        assert!(w.classical.is_none());
        // A strong title and album still excuse a folder naming someone
        // else (a compilation filed under the uploader's label).
        let path = r"Hut Recordings\Urban Hymns\01 Bitter Sweet Symphony.mp3";
        assert!(judge(&w, path).artist_ok);
        let w = wanted("Falco", "Rock Me Amadeus", Some("Falco 3"));
        let path = r"Mozart\Falco 3\02 Rock Me Amadeus.mp3";
        assert!(judge(&w, path).artist_ok);
    }

    #[test]
    fn clean_is_not_explicit() {
        let w = wanted("Rapper", "Song", Some("2001"));
        for path in [
            r"Rapper\2001 (Clean Version)\05 Song.flac",
            r"Rapper\2001 (Edited)\05 Song.mp3",
            r"Clean Versions\Rapper\2001\05 Song.flac",
            r"Rapper\2001\05 Song (Clean).flac",
        ] {
            assert!(!judge(&w, path).version_ok, "{path}");
        }
        assert!(judge(&w, r"Rapper\2001 (Explicit)\05 Song.flac").version_ok);
        assert!(judge(&w, r"Rapper\2001\05 Song.flac").version_ok);
        // Asked for explicitly: the clean folder is the match.
        let w = wanted("Rapper", "Song (Clean)", Some("2001"));
        assert!(judge(&w, r"Rapper\2001 (Clean Version)\05 Song.flac").version_ok);
        let w = wanted("Rapper", "Song - Clean Version", Some("2001"));
        let v = judge(&w, r"Rapper\2001 (Edited)\05 Song.mp3");
        assert!(v.version_ok && !v.clean_mismatch);
        // A band named after the word: not a clean cut.
        let w = wanted("Clean Machine", "Song", None);
        assert!(judge(&w, r"Clean Machine\Album\Song.flac").version_ok);
    }

    #[test]
    fn album_scores() {
        let w = wanted("Band", "Song", Some("Great Record"));
        assert_eq!(judge(&w, r"Band\Great Record\Song.mp3").album, 1.0);
        assert_eq!(
            judge(&w, r"Band\(2011) Great Record [FLAC]\Song.mp3").album,
            1.0
        );
        assert_eq!(judge(&w, r"Band - Great Record (2001)\Song.mp3").album, 1.0);
        assert_eq!(judge(&w, r"Band - Great Record - 01 - Song.mp3").album, 1.0);
        assert_eq!(judge(&w, r"Song.mp3").album, UNKNOWN_ALBUM);
        assert!(judge(&w, r"Band\Other Thing\Song.mp3").album < 0.5);
        let w = wanted("Band", "Song", Some("Quiet Nights And Loud Days"));
        assert_eq!(
            judge(&w, r"Band\Quiet Nights & Loud Days\Song.mp3").album,
            1.0
        );
        let w = wanted("Band", "Song", Some("Songs For The Road"));
        assert_eq!(judge(&w, r"Band\SFTR\Song.mp3").album, 0.95);
        let w = wanted("Band", "Song", None);
        assert_eq!(judge(&w, r"Band\X\Song.mp3").album, NEUTRAL_ALBUM);
        // Numbers are not misspellings; track numbers are not albums.
        let w = wanted("Band", "Song", Some("Hits Volume 4"));
        assert!(judge(&w, r"Band\Hits Volume 5\Song.mp3").album < 0.5);
        assert_eq!(judge(&w, r"Band\04 - Song.mp3").album, UNKNOWN_ALBUM);
    }
}
