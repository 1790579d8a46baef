//! Comparison forms of text: case folded, diacritics folded, punctuation gone.
//!
//! Two shapes come out of here. [`fold`] is the plain comparison string
//! (`"Beyoncé — Halo (Live)"` → `"beyonce halo live"`). [`Folded`] is the
//! same text cut into tokens that remember where they came from: which path
//! component (`part`), which ` - `-separated segment (`seg`) and which
//! top-level bracket group (`group`, 0 = outside brackets). The matcher needs
//! that structure (a version word in brackets, an artist in its own segment)
//! but still searches the flat text with plain substring search.
//!
//! ASCII text (most Soulseek paths) skips Unicode normalisation entirely.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;

use super::bounds::MAX_WORDS;
use unicode_normalization::{IsNormalized, UnicodeNormalization};

/// The comparison form of `text`: NFKC, case folded, diacritics folded
/// (`é` → `e`, `ø` → `o`, `ß` → `ss`), punctuation, underscores and
/// brackets → spaces, `and` dropped (so `&`, `+` and `and` compare equal),
/// whitespace collapsed and trimmed. Scripts without Latin diacritics are
/// kept as they are (Japanese voicing marks stay composed).
pub fn fold(text: &str) -> String {
    let mut folded = Folded::default();
    folded.push_component(text, 0);
    folded.text
}

/// `fold` without spaces: `"A.R. Rahman"` and `"AR Rahman"` both give
/// `"arrahman"`. Only for equality of whole parts, never for containment.
pub(crate) fn compact(folded: &str) -> String {
    folded.chars().filter(|c| *c != ' ').collect()
}

/// The characters of a folded text that are digits, in order: two names
/// whose digits differ are different names (`Artist1` vs `Artist3`).
pub(crate) fn digits(folded: &str) -> String {
    folded.chars().filter(char::is_ascii_digit).collect()
}

/// Scripts written without spaces between words (CJK, Thai…): inside them a
/// substring is as good as a word boundary.
pub(crate) fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF        // Thai, Lao
        | 0x1000..=0x109F      // Myanmar
        | 0x1780..=0x17FF      // Khmer
        | 0x1100..=0x11FF      // Hangul Jamo
        | 0x2E80..=0x2FDF      // CJK radicals
        | 0x3005..=0x3007      // 々 〆 〇
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3100..=0x31FF      // Bopomofo, Katakana extensions
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xA960..=0xA97F
        | 0xAC00..=0xD7AF      // Hangul syllables
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0x20000..=0x3FFFF) // CJK extensions B…
}

/// One token of a [`Folded`] text: its byte range in `text` and where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tok {
    pub start: u32,
    pub end: u32,
    /// Path component (0-based, in order); 0 for plain text.
    pub part: u16,
    /// Segment inside the component: ` - `, `–`, `—` and `|` separate them.
    pub seg: u16,
    /// Top-level bracket group (1, 2…), 0 outside brackets.
    pub group: u16,
}

/// Folded text with its tokens (single spaces between tokens).
#[derive(Debug, Clone, Default)]
pub(crate) struct Folded {
    pub text: String,
    pub toks: Vec<Tok>,
}

impl Folded {
    /// An empty text with room for about `bytes` of input.
    pub fn with_capacity(bytes: usize) -> Folded {
        Folded {
            text: String::with_capacity(bytes + 8),
            toks: Vec::with_capacity(bytes / 4 + 4),
        }
    }

    /// Folds one plain text (a title, an artist) as component 0.
    pub fn of(text: &str) -> Folded {
        let mut folded = Folded::default();
        folded.push_component(text, 0);
        folded
    }

    /// Appends one path component (or any text) as component `part`.
    pub fn push_component(&mut self, raw: &str, part: u16) {
        if raw.is_ascii() {
            self.tokenize(raw, part);
        } else {
            let pre = prenormalize(raw);
            self.tokenize(&pre, part);
        }
    }

    pub fn tok(&self, i: usize) -> &str {
        let t = self.toks[i];
        &self.text[t.start as usize..t.end as usize]
    }

    /// Token indices of component `part` (the matcher keeps its own table:
    /// `PathView::part`).
    #[cfg(test)]
    pub fn part_range(&self, part: u16) -> Range<usize> {
        let lo = self.toks.partition_point(|t| t.part < part);
        let hi = self.toks.partition_point(|t| t.part <= part);
        lo..hi
    }

    /// The folded text spanned by a token range ("" when empty).
    pub fn span(&self, range: Range<usize>) -> &str {
        if range.is_empty() {
            return "";
        }
        let lo = self.toks[range.start].start as usize;
        let hi = self.toks[range.end - 1].end as usize;
        &self.text[lo..hi]
    }

    /// Every occurrence of `needle` (a folded text) inside the tokens of
    /// `range`, on word boundaries (relaxed next to unspaced scripts), as
    /// token ranges (a token cut by an unspaced-script match counts whole).
    pub fn find_all(&self, needle: &str, range: Range<usize>) -> Vec<Range<usize>> {
        let mut found = Vec::new();
        self.for_each_match(needle, range, |r| {
            found.push(r);
            true
        });
        found
    }

    /// The first occurrence of `needle` in `range` whose tokens `accept`s.
    pub fn find_where(
        &self,
        needle: &str,
        range: Range<usize>,
        mut accept: impl FnMut(&Range<usize>) -> bool,
    ) -> Option<Range<usize>> {
        let mut hit = None;
        self.for_each_match(needle, range, |r| {
            if accept(&r) {
                hit = Some(r);
                false
            } else {
                true
            }
        });
        hit
    }

    /// Calls `visit` with each boundary-respecting occurrence until it
    /// returns false. Matches start at a token start; inside tokens of
    /// unspaced scripts they may start anywhere after such a character.
    fn for_each_match(
        &self,
        needle: &str,
        range: Range<usize>,
        mut visit: impl FnMut(Range<usize>) -> bool,
    ) {
        if needle.is_empty() || range.is_empty() {
            return;
        }
        let text = self.text.as_bytes();
        let nb = needle.as_bytes();
        let hi = self.toks[range.end - 1].end as usize;
        let first = needle.chars().next().unwrap_or(' ');
        let last = needle.chars().next_back().unwrap_or(' ');
        let first_unspaced = is_unspaced_script(first);
        let last_unspaced = is_unspaced_script(last);
        let right_ok = |end: usize| {
            end == hi
                || text[end] == b' '
                || last_unspaced
                || self.text[end..]
                    .chars()
                    .next()
                    .is_some_and(is_unspaced_script)
        };
        for i in range {
            let t = self.toks[i];
            let (s, e) = (t.start as usize, t.end as usize);
            let mut candidates_at = |at: usize| -> bool {
                let end = at + nb.len();
                if end <= hi && &text[at..end] == nb && right_ok(end) {
                    let end32 = end as u32;
                    let mut t_hi = i + 1;
                    while t_hi < self.toks.len() && self.toks[t_hi].start < end32 {
                        t_hi += 1;
                    }
                    return visit(i..t_hi);
                }
                true
            };
            if !candidates_at(s) {
                return;
            }
            // Inside a token written in an unspaced script.
            if !self.text[s..e].is_ascii() {
                let mut prev_unspaced = false;
                for (off, c) in self.text[s..e].char_indices() {
                    if off > 0 && (prev_unspaced || first_unspaced) && !candidates_at(s + off) {
                        return;
                    }
                    prev_unspaced = is_unspaced_script(c);
                }
            }
        }
    }

    /// The tokenizer: words are runs of letters, digits and combining marks;
    /// everything else separates them, and some separators carry structure.
    fn tokenize(&mut self, s: &str, part: u16) {
        let mut seg: u16 = 0;
        let mut group: u16 = 0;
        let mut groups: u16 = 0;
        let mut depth: u32 = 0;
        let mut tok_start: Option<usize> = None;
        let mut prev: char = ' ';
        // `Title ~Subtitle~` / `〜…〜`: a wrapper like a bracket pair.
        let mut tilde_open = false;
        // Scene names (`01-daft_punk-one_more_time-ftd`): underscores for
        // spaces, every dash a separator.
        let scene = s.contains('_') && !s.contains(char::is_whitespace);
        let first_tok = self.toks.len();
        for (i, c) in s.char_indices() {
            if is_word_char(c) {
                if tok_start.is_none() {
                    // Hostile lengths: the words after the first MAX_WORDS
                    // are not read (bounded work per candidate).
                    if self.toks.len() - first_tok >= MAX_WORDS {
                        break;
                    }
                    if !self.text.is_empty() {
                        self.text.push(' ');
                    }
                    tok_start = Some(self.text.len());
                }
                self.text.push(c.to_ascii_lowercase());
                prev = c;
                continue;
            }
            if let Some(start) = tok_start.take() {
                self.finish_token(start, part, seg, group);
            }
            match c {
                '(' | '[' | '{' | '【' | '〔' | '〖' | '［' | '（' => {
                    if depth == 0 {
                        groups = groups.saturating_add(1);
                        group = groups;
                    }
                    depth += 1;
                }
                ')' | ']' | '}' | '】' | '〕' | '〗' | '］' | '）' if depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        group = 0;
                    }
                }
                '~' | '〜' => {
                    if tilde_open {
                        tilde_open = false;
                        if depth > 0 {
                            depth -= 1;
                            if depth == 0 {
                                group = 0;
                            }
                        }
                    } else if depth == 0 && is_spacing(prev) {
                        tilde_open = true;
                        groups = groups.saturating_add(1);
                        group = groups;
                        depth += 1;
                    }
                }
                '–' | '—' | '―' | '|' if depth == 0 => seg = seg.saturating_add(1),
                '-' | '‐' | '‑' | '‒' | '−' if depth == 0 => {
                    // A dash with space on either side separates (`A - B`,
                    // `Title -Subtitle-`); inside a word it does not (`Jay-Z`).
                    let next = s[i + c.len_utf8()..].chars().next().unwrap_or(' ');
                    if scene || is_spacing(prev) || is_spacing(next) {
                        seg = seg.saturating_add(1);
                    }
                }
                _ => {}
            }
            prev = c;
        }
        if let Some(start) = tok_start {
            self.finish_token(start, part, seg, group);
        }
    }

    fn finish_token(&mut self, start: usize, part: u16, seg: u16, group: u16) {
        let end = self.text.len();
        match &self.text[start..end] {
            // `&`, `+` and `and` compare equal: all three vanish.
            "and" => {
                self.text.truncate(start.saturating_sub(1));
                return;
            }
            // Abbreviations written both ways: `Pt. 2` / `Part 2`.
            "pt" => {
                self.text.truncate(start);
                self.text.push_str("part");
            }
            "vol" => {
                self.text.truncate(start);
                self.text.push_str("volume");
            }
            _ => {}
        }
        let end = self.text.len();
        self.toks.push(Tok {
            start: start as u32,
            end: end as u32,
            part,
            seg,
            group,
        });
    }
}

fn is_spacing(c: char) -> bool {
    c.is_whitespace() || c == '_'
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

/// Non-ASCII text: compatibility decomposition, Latin diacritics dropped,
/// lower case, special letters spelled out, then recomposed (so Japanese
/// voicing marks and Hangul syllables come back whole).
fn prenormalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 8);
    // Most non-Latin text is already decomposed as far as it goes (CJK,
    // Cyrillic without marks): lower case and special letters only.
    if unicode_normalization::is_nfkd_quick(raw.chars()) == IsNormalized::Yes
        && !raw.chars().any(is_combining_mark)
    {
        for c in raw.chars() {
            for lower in c.to_lowercase() {
                if ('\u{300}'..='\u{36f}').contains(&lower) {
                    continue;
                }
                match special_letter(lower) {
                    Some(spelled) => out.push_str(spelled),
                    None => out.push(lower),
                }
            }
        }
        return out;
    }
    for c in raw.nfkd() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        for lower in c.to_lowercase() {
            match special_letter(lower) {
                Some(spelled) => out.push_str(spelled),
                None => out.push(lower),
            }
        }
    }
    if out.is_ascii() {
        out
    } else {
        out.nfc().collect()
    }
}

/// Letters without a canonical decomposition that readers treat as Latin.
fn special_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'ø' => "o",
        'æ' => "ae",
        'ß' => "ss",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'œ' => "oe",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        '\u{2019}' | '\u{2018}' | '\u{02bc}' | '`' | '´' => "'",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_basics() {
        assert_eq!(fold("  Daft   Punk "), "daft punk");
        assert_eq!(fold("Beyoncé"), "beyonce");
        assert_eq!(fold("Motörhead"), "motorhead");
        assert_eq!(fold("Sigur Rós"), "sigur ros");
        assert_eq!(fold("Ærøskøbing ß Łódź"), "aeroskobing ss lodz");
        assert_eq!(fold("Simon & Garfunkel"), "simon garfunkel");
        assert_eq!(fold("Simon and Garfunkel"), "simon garfunkel");
        assert_eq!(fold("Florence + the Machine"), "florence the machine");
        assert_eq!(fold("A.R. Rahman"), "a r rahman");
        assert_eq!(fold("Song, Pt. 2"), fold("Song (Part 2)"));
        assert_eq!(fold("Hits Vol. 3"), "hits volume 3");
        assert_eq!(fold("Some_Artist"), "some artist");
        assert_eq!(fold("ＡＢＣ：ｄｅｆ"), "abc def");
        assert_eq!(fold(""), "");
        assert_eq!(fold(" - _ / "), "");
    }

    #[test]
    fn apostrophes_split_words_instead_of_joining_them() {
        assert_eq!(fold("We're Shameless"), "we re shameless");
        assert_eq!(fold("We’re Shameless"), "we re shameless");
        assert_ne!(fold("We're Shameless"), fold("We Were Shameless"));
        assert_eq!(compact(&fold("Don't Stop")), compact(&fold("Dont Stop")));
    }

    #[test]
    fn slash_colon_and_underscore_agree() {
        assert_eq!(
            fold("You See Big Girl / T:T"),
            fold("You See Big Girl _ T_T")
        );
    }

    #[test]
    fn cjk_is_kept_and_voicing_marks_stay_composed() {
        assert_eq!(fold("命の灯火"), "命の灯火");
        assert_eq!(fold("ガンダム"), "ガンダム");
        // Half-width katakana becomes full width, voiced.
        assert_eq!(fold("ｶﾞﾝﾀﾞﾑ"), "ガンダム");
        assert_eq!(fold("한국어"), "한국어");
        assert_eq!(fold("Кино"), "кино");
        assert_eq!(fold("नशा"), "नशा");
    }

    #[test]
    fn tokens_know_segments_and_groups() {
        let f = Folded::of("01 - Artist — Title (Live at X) [HQ]");
        let toks: Vec<(&str, u16, u16)> = (0..f.toks.len())
            .map(|i| (f.tok(i), f.toks[i].seg, f.toks[i].group))
            .collect();
        assert_eq!(
            toks,
            vec![
                ("01", 0, 0),
                ("artist", 1, 0),
                ("title", 2, 0),
                ("live", 2, 1),
                ("at", 2, 1),
                ("x", 2, 1),
                ("hq", 2, 2),
            ]
        );
        // A hyphen inside a word is not a separator.
        let f = Folded::of("Jay-Z 1-01 Some_Artist_-_Title");
        assert_eq!(f.text, "jay z 1 01 some artist title");
        assert_eq!(f.toks.last().map(|t| t.seg), Some(1));
        let f = Folded::of("01-daft_punk-one_more_time-ftd");
        let segs: Vec<u16> = f.toks.iter().map(|t| t.seg).collect();
        assert_eq!(segs, vec![0, 1, 1, 2, 2, 2, 3]);
    }

    #[test]
    fn tilde_and_dash_wrappers() {
        let f = Folded::of("Blue Forest ~Blue Forest Version~ x");
        let groups: Vec<u16> = f.toks.iter().map(|t| t.group).collect();
        assert_eq!(groups, vec![0, 0, 1, 1, 1, 0]);
        let f = Folded::of("Hello~World");
        assert!(f.toks.iter().all(|t| t.group == 0));
        let f = Folded::of("Blue Forest -Blue Forest Version-");
        let segs: Vec<u16> = f.toks.iter().map(|t| t.seg).collect();
        assert_eq!(segs, vec![0, 0, 1, 1, 1]);
    }

    #[test]
    fn find_respects_word_boundaries() {
        let f = Folded::of("testartist - testsong3");
        assert!(f.find_all("testsong", 0..f.toks.len()).is_empty());
        let f = Folded::of("Track 10");
        assert!(f.find_all("track 1", 0..f.toks.len()).is_empty());
        let f = Folded::of("Staying Alive");
        assert!(f.find_all("live", 0..f.toks.len()).is_empty());
        let f = Folded::of("01. Track 1");
        assert_eq!(f.find_all("track 1", 0..f.toks.len()), vec![1..3]);
    }

    #[test]
    fn find_inside_unspaced_scripts() {
        let f = Folded::of("アーティスト命の灯火");
        assert_eq!(f.find_all("命の灯火", 0..f.toks.len()), vec![0..1]);
        let f = Folded::of("命の音");
        assert!(f.find_all("命の灯火", 0..f.toks.len()).is_empty());
    }

    #[test]
    fn parts_are_separate() {
        let mut f = Folded::default();
        f.push_component("Daft Punk", 0);
        f.push_component("Discovery", 1);
        f.push_component("One More Time", 2);
        assert_eq!(f.part_range(1), 2..3);
        assert_eq!(f.span(f.part_range(2)), "one more time");
        // No match across components.
        assert!(f.find_all("punk discovery", f.part_range(0)).is_empty());
        assert!(f.part_range(7).is_empty());
    }

    #[test]
    fn digits_and_compact() {
        assert_eq!(digits("artist1 track 10"), "110");
        assert_eq!(compact("a r rahman"), "arrahman");
    }

    #[test]
    fn hostile_text_never_panics() {
        for s in [
            "\u{0}",
            "\u{300}\u{301}",
            "((((",
            "))))",
            "- - - -",
            "—",
            "a\u{200b}b",
            "🎵🎶",
            "\u{FEFF}x",
            "ǅ",
            "İstanbul",
            "ﬁ",
            "\u{10FFFF}",
        ] {
            let _ = fold(s);
            let f = Folded::of(s);
            let _ = f.find_all("a", 0..f.toks.len());
        }
        let long = "ab - (cd) ".repeat(5000);
        assert!(!fold(&long).is_empty());
    }
}
