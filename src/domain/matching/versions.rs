//! Version words: what makes a recording another cut of the same song
//! (live, remix, instrumental, sped up…), and what does not (remaster,
//! explicit, "Official Audio", feat. credits).
//!
//! The scanner classifies folded tokens one by one, with a few phrases
//! ("original mix", "radio edit", "a cappella", "10 hours") and context rules
//! for words that are also ordinary words: "live" is a version in
//! `(Live)`, `- Live`, `Live at …`, `Live 1975`, not in `Live Forever`;
//! "clean" and "dub" likewise.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::OnceLock;

/// A set of version kinds (bit flags).
pub(crate) type Kinds = u32;

pub(crate) mod kind {
    use super::Kinds;
    pub const LIVE: Kinds = 1 << 0;
    pub const REMIX: Kinds = 1 << 1;
    pub const INSTRUMENTAL: Kinds = 1 << 2;
    pub const KARAOKE: Kinds = 1 << 3;
    pub const ACAPELLA: Kinds = 1 << 4;
    pub const COVER: Kinds = 1 << 5;
    pub const SPED_UP: Kinds = 1 << 6;
    pub const SLOWED: Kinds = 1 << 7;
    pub const REVERB: Kinds = 1 << 8;
    pub const NIGHTCORE: Kinds = 1 << 9;
    pub const EIGHT_D: Kinds = 1 << 10;
    pub const EDIT: Kinds = 1 << 11;
    pub const DEMO: Kinds = 1 << 12;
    pub const ACOUSTIC: Kinds = 1 << 13;
    pub const UNPLUGGED: Kinds = 1 << 14;
    pub const EXTENDED: Kinds = 1 << 15;
    pub const DUB: Kinds = 1 << 16;
    pub const REACTION: Kinds = 1 << 17;
    pub const CLEAN: Kinds = 1 << 18;
    /// "DFA Version", "Taylor's Version", "English Ver.", re-recordings.
    pub const OTHER_VERSION: Kinds = 1 << 19;
    pub const LOOP: Kinds = 1 << 20;
    pub const BASS_BOOST: Kinds = 1 << 21;
    pub const MEDLEY: Kinds = 1 << 22;
    pub const SESSION: Kinds = 1 << 23;
}

/// What one token is, for version detection and for explaining the words
/// of a file name that are not the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// An ordinary word (part of a name or title).
    Other,
    /// Articles, prepositions, credit words.
    Stop,
    /// Says nothing about the recording: remaster, explicit, official
    /// audio, format tags, "original mix".
    Neutral,
    /// All digits (track numbers, years, "Track 10").
    Number,
    /// Marks another version.
    Version(Kinds),
}

/// A token handed to the scanner: its text, the unit it belongs to (one
/// bracket group or one dash segment of one path component) and whether it
/// is inside brackets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanTok<'a> {
    pub text: &'a str,
    pub unit: u64,
    pub bracket: bool,
    /// First word after a ` - ` (a segment of its own: `Song - Live`).
    pub dash_start: bool,
}

/// Classifies every token. In `folder` mode the words that are too vague
/// in a folder name (a bare "mix", "edit", "version", "dub") are ignored
/// and "clean" is left to the soft penalty. `title` (folded, may be empty)
/// names the song: "Blue Forest Version" of "Blue Forest" is the song.
pub(crate) fn classify(toks: &[ScanTok<'_>], folder: bool, title: &str) -> Vec<Class> {
    let mut out = vec![Class::Other; toks.len()];
    classify_into(toks, folder, title, &mut out);
    out
}

/// [`classify`] into a buffer of the same length as `toks` (no allocation).
pub(crate) fn classify_into(toks: &[ScanTok<'_>], folder: bool, title: &str, out: &mut [Class]) {
    let mut i = 0;
    while i < toks.len() {
        if let Some((len, class)) = phrase_at(toks, i) {
            for slot in out.iter_mut().skip(i).take(len) {
                *slot = class;
            }
            i += len;
            continue;
        }
        let t = toks[i].text;
        let class = match word(t) {
            Word::Class(c) => c,
            Word::Contextual(k, at_end) => {
                if counts_in_context(toks, i, at_end) {
                    Class::Version(k)
                } else {
                    Class::Other
                }
            }
            Word::Generic(k) => {
                // "mix" and "version" after a version or neutral word belong
                // to it ("Acoustic Version", "Original Mix").
                let absorbed = i > 0
                    && toks[i - 1].unit == toks[i].unit
                    && matches!(out[i - 1], Class::Version(_) | Class::Neutral);
                let self_named = k == kind::OTHER_VERSION
                    && i > 0
                    && toks[i - 1].unit == toks[i].unit
                    && !title.is_empty()
                    && title.split(' ').any(|w| w == toks[i - 1].text);
                if self_named {
                    Class::Neutral
                } else if absorbed {
                    match out[i - 1] {
                        Class::Version(_) => out[i - 1],
                        _ => Class::Neutral,
                    }
                } else {
                    Class::Version(k)
                }
            }
        };
        out[i] = class;
        i += 1;
    }
    if folder {
        for (slot, tok) in out.iter_mut().zip(toks) {
            if matches!(
                tok.text,
                "mix"
                    | "mixes"
                    | "edit"
                    | "edits"
                    | "version"
                    | "versions"
                    | "ver"
                    | "dub"
                    | "clean"
                    | "edited"
                    | "piano"
                    | "orchestral"
                    | "symphonic"
                    | "intro"
                    | "outro"
                    | "interlude"
                    | "skit"
                    | "preview"
                    | "snippet"
            ) {
                if let Class::Version(_) = slot {
                    *slot = Class::Neutral;
                }
            }
        }
    }
}

/// Union of the version kinds found.
pub(crate) fn kinds_of(classes: &[Class]) -> Kinds {
    classes.iter().fold(0, |acc, c| match c {
        Class::Version(k) => acc | k,
        _ => acc,
    })
}

/// Any word of the vocabulary: version, neutral or stop word (one lookup).
pub(crate) fn is_known_word(t: &str) -> bool {
    lexicon().contains_key(t)
}

/// Neutral words: a file name may carry them next to the title.
pub(crate) fn is_neutral_word(t: &str) -> bool {
    matches!(word(t), Word::Class(Class::Neutral))
}

/// Articles, prepositions and credit words.
pub(crate) fn is_stop_word(t: &str) -> bool {
    matches!(word(t), Word::Class(Class::Stop))
}

/// Words that start a credit: everything after them in the same unit is
/// other people's names.
pub(crate) fn is_credit_word(t: &str) -> bool {
    matches!(t, "feat" | "ft" | "featuring" | "prod" | "produced")
}

/// A year of recorded music (1900–2039; "2095" is a title's number).
pub(crate) fn is_year(t: &str) -> bool {
    t.len() == 4
        && t.bytes().all(|b| b.is_ascii_digit())
        && (t.starts_with("19") || t.starts_with("20") && t.as_bytes()[2] <= b'3')
}

#[derive(Debug, Clone, Copy)]
enum Word {
    Class(Class),
    /// A version word only in version context (live, clean, dub, piano):
    /// in brackets, after a dash, before a version word, and — when the
    /// flag says so — at the end of its unit.
    Contextual(Kinds, bool),
    /// A version word unless absorbed by the word before (mix, version).
    Generic(Kinds),
}

/// The vocabulary: (words, meaning).
fn vocabulary() -> Vec<(&'static [&'static str], Word)> {
    use kind::*;
    let v = |k| Word::Class(Class::Version(k));
    vec![
        (&["live"], Word::Contextual(LIVE, true)),
        (&["clean"], Word::Contextual(CLEAN, false)),
        (&["dub"], Word::Contextual(DUB, true)),
        // Arrangements and other parts of a record: `(Piano)`, `- Reprise`.
        (
            &[
                "piano",
                "orchestral",
                "symphonic",
                "lullaby",
                "chipmunk",
                "chipmunks",
                "reprise",
                "interlude",
                "intro",
                "outro",
                "skit",
                "snippet",
                "preview",
            ],
            Word::Contextual(OTHER_VERSION, false),
        ),
        (&["mix"], Word::Generic(REMIX)),
        (
            &["version", "versions", "ver"],
            Word::Generic(OTHER_VERSION),
        ),
        (&["concert", "vivo", "directo"], v(LIVE)),
        (&["unplugged"], v(UNPLUGGED | LIVE)),
        (&["session", "sessions"], v(SESSION)),
        (
            &[
                "remix", "remixes", "remixed", "rmx", "remixe", "rework", "reworked", "bootleg",
                "flip", "vip", "mashup", "megamix", "lofi", "mixes",
            ],
            v(REMIX),
        ),
        (
            &["instrumental", "instrumentals", "inst", "instr"],
            v(INSTRUMENTAL),
        ),
        (&["karaoke"], v(KARAOKE)),
        (
            &["acapella", "acappella", "acapela", "cappella", "capella"],
            v(ACAPELLA),
        ),
        (
            &["cover", "covers", "covered", "tribute", "parody"],
            v(COVER),
        ),
        (&["nightcore"], v(NIGHTCORE)),
        (&["slowed"], v(SLOWED)),
        (&["reverb", "reverbed"], v(REVERB)),
        (&["spedup", "sped"], v(SPED_UP)),
        (&["8d", "16d"], v(EIGHT_D)),
        (&["edit", "edits"], v(EDIT)),
        (
            &["demo", "demos", "rehearsal", "outtake", "outtakes"],
            v(DEMO),
        ),
        (&["acoustic", "stripped"], v(ACOUSTIC)),
        (&["extended"], v(EXTENDED)),
        (
            &["react", "reacts", "reacting", "reaction", "reactions"],
            v(REACTION),
        ),
        (&["censored", "edited"], v(CLEAN)),
        (&["loop", "looped"], v(LOOP)),
        (&["bassboosted", "bassboost"], v(BASS_BOOST)),
        (&["medley"], v(MEDLEY)),
        (&["remake", "alternate"], v(OTHER_VERSION)),
        (
            &[
                "original",
                "album",
                "single",
                "explicit",
                "uncensored",
                "dirty",
                "remaster",
                "remastered",
                "remastering",
                "remasterizado",
                "remasterd",
                "mono",
                "stereo",
                "digital",
                "full",
                "official",
                "soundtrack",
                "ost",
                "movie",
                "film",
                "deluxe",
                "bonus",
                "anniversary",
                "edition",
                "expanded",
                "special",
                "hq",
                "hd",
                "hi",
                "res",
                "hires",
                "audio",
                "video",
                "music",
                "lyric",
                "lyrics",
                "visualizer",
                "visualiser",
                "mv",
                "pv",
                "clip",
                "vevo",
                "topic",
                "kbps",
                "kbit",
                "khz",
                "flac",
                "mp3",
                "aac",
                "m4a",
                "ogg",
                "opus",
                "wav",
                "alac",
                "web",
                "cd",
                "vinyl",
                "rip",
                "cdrip",
                "webrip",
                "promo",
                "free",
                "download",
                "premiere",
                "exclusive",
                "lossless",
                "bit",
                "24bit",
                "16bit",
                "320kbps",
                "4k",
                "1080p",
                "720p",
                "track",
                "hifi",
                "mastered",
                "mqa",
                "ep",
                "lp",
            ],
            Word::Class(Class::Neutral),
        ),
        (
            &[
                "the",
                "a",
                "an",
                "of",
                "at",
                "in",
                "on",
                "by",
                "to",
                "for",
                "from",
                "with",
                "vs",
                "x",
                "feat",
                "ft",
                "featuring",
                "prod",
                "produced",
                "part",
                "volume",
                "la",
                "le",
                "el",
                "de",
                "les",
                "der",
                "die",
                "das",
            ],
            Word::Class(Class::Stop),
        ),
    ]
}

/// FNV-1a: the vocabulary's keys are short; SipHash would cost more than
/// the lookup saves.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Lexicon = HashMap<&'static str, Word, BuildHasherDefault<Fnv>>;

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut map = Lexicon::default();
        for (words, meaning) in vocabulary() {
            for w in words {
                map.insert(w, meaning);
            }
        }
        map
    })
}

fn word(t: &str) -> Word {
    if let Some(w) = lexicon().get(t) {
        return *w;
    }
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        Word::Class(Class::Number)
    } else {
        Word::Class(Class::Other)
    }
}

/// Multi-word phrases starting at `i` (same unit): their length and class.
fn phrase_at(toks: &[ScanTok<'_>], i: usize) -> Option<(usize, Class)> {
    use kind::*;
    const PHRASES: &[(&[&str], Class)] = &[
        (&["original", "mix"], Class::Neutral),
        (&["original", "version"], Class::Neutral),
        (&["album", "version"], Class::Neutral),
        (&["album", "mix"], Class::Neutral),
        (&["main", "mix"], Class::Neutral),
        (&["single", "version"], Class::Neutral),
        (&["explicit", "version"], Class::Neutral),
        (&["radio", "edit"], Class::Version(EDIT)),
        (&["radio", "version"], Class::Version(EDIT)),
        (&["radio", "mix"], Class::Version(EDIT)),
        (&["short", "version"], Class::Version(EDIT)),
        (&["short", "edit"], Class::Version(EDIT)),
        (&["tv", "size"], Class::Version(EDIT)),
        (&["tv", "version"], Class::Version(EDIT)),
        (&["tv", "ver"], Class::Version(EDIT)),
        (&["long", "version"], Class::Version(EXTENDED)),
        (&["sped", "up"], Class::Version(SPED_UP)),
        (&["speed", "up"], Class::Version(SPED_UP)),
        (&["slowed", "down"], Class::Version(SLOWED)),
        (&["a", "cappella"], Class::Version(ACAPELLA)),
        (&["a", "capella"], Class::Version(ACAPELLA)),
        (&["bass", "boosted"], Class::Version(BASS_BOOST)),
        (&["bass", "boost"], Class::Version(BASS_BOOST)),
        (&["8d", "audio"], Class::Version(EIGHT_D)),
        (&["in", "the", "style", "of"], Class::Version(KARAOKE)),
        (&["made", "famous", "by"], Class::Version(COVER)),
        (&["originally", "performed", "by"], Class::Version(COVER)),
        (&["off", "vocal"], Class::Version(INSTRUMENTAL)),
        (&["backing", "track"], Class::Version(INSTRUMENTAL)),
        (&["minus", "one"], Class::Version(INSTRUMENTAL)),
        (&["re", "recorded"], Class::Version(OTHER_VERSION)),
        (&["re", "recording"], Class::Version(OTHER_VERSION)),
        (&["re", "record"], Class::Version(OTHER_VERSION)),
        (&["chopped", "screwed"], Class::Version(SLOWED)),
        (&["lo", "fi"], Class::Version(REMIX)),
        (&["vocals", "only"], Class::Version(ACAPELLA)),
        (&["vocal", "only"], Class::Version(ACAPELLA)),
    ];
    let unit = toks[i].unit;
    let first = toks[i].text;
    let starts_a_phrase = matches!(
        first,
        "original"
            | "album"
            | "main"
            | "single"
            | "explicit"
            | "radio"
            | "short"
            | "tv"
            | "long"
            | "sped"
            | "speed"
            | "slowed"
            | "a"
            | "bass"
            | "8d"
            | "in"
            | "made"
            | "originally"
            | "off"
            | "backing"
            | "minus"
            | "re"
            | "chopped"
            | "lo"
            | "vocals"
            | "vocal"
    );
    for (words, class) in PHRASES.iter().filter(|_| starts_a_phrase) {
        let fits = words.len() <= toks.len() - i
            && words
                .iter()
                .zip(&toks[i..])
                .all(|(w, t)| *w == t.text && t.unit == unit);
        if fits {
            return Some((words.len(), *class));
        }
    }
    // "10 hours", "1 hour": a loop upload.
    if toks[i].text.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(next) = toks.get(i + 1) {
            if next.unit == unit && matches!(next.text, "hour" | "hours" | "hrs") {
                return Some((2, Class::Version(LOOP)));
            }
        }
    }
    None
}

/// "live", "clean", "dub" are versions in brackets, right after a dash
/// (`Song - Live`), or before a word that goes with a version ("Live at",
/// "Live 1975", "Clean Version"). "live" and "dub" also at the end of their
/// unit (`Song Live`); "clean" not (`Mr. Clean - Song`).
fn counts_in_context(toks: &[ScanTok<'_>], i: usize, at_end: bool) -> bool {
    let t = toks[i];
    if t.bracket || t.dash_start {
        return true;
    }
    match toks.get(i + 1) {
        None => at_end,
        Some(next) if next.unit != t.unit => at_end,
        Some(next) => {
            matches!(
                next.text,
                "at" | "in"
                    | "from"
                    | "on"
                    | "version"
                    | "versions"
                    | "ver"
                    | "session"
                    | "sessions"
                    | "recording"
                    | "recordings"
                    | "edit"
                    | "mix"
                    | "acoustic"
                    | "radio"
                    | "performance"
                    | "unplugged"
                    | "set"
                    | "tour"
            ) || next.text.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::matching::normalize::Folded;

    fn scan(text: &str, folder: bool) -> Kinds {
        let f = Folded::of(text);
        let toks: Vec<ScanTok<'_>> = (0..f.toks.len())
            .map(|i| ScanTok {
                text: f.tok(i),
                unit: u64::from(f.toks[i].seg) << 16 | u64::from(f.toks[i].group),
                bracket: f.toks[i].group != 0,
                dash_start: f.toks[i].seg > 0
                    && f.toks[i].group == 0
                    && (i == 0 || f.toks[i - 1].seg != f.toks[i].seg),
            })
            .collect();
        kinds_of(&classify(&toks, folder, ""))
    }

    #[test]
    fn version_words_are_found() {
        use kind::*;
        assert_eq!(scan("Song (Live)", false), LIVE);
        assert_eq!(scan("Song - Live", false), LIVE);
        assert_eq!(scan("Song (Live at Wembley)", false), LIVE);
        assert_eq!(scan("Live At Wembley Stadium", true), LIVE);
        assert_eq!(scan("Song (Shazam Remix)", false), REMIX);
        assert_eq!(scan("Song [RMX]", false), REMIX);
        assert_eq!(scan("Song (2019 Mix)", false), REMIX);
        assert_eq!(scan("Song (Instrumental)", false), INSTRUMENTAL);
        assert_eq!(scan("Song (Karaoke Version)", false), KARAOKE);
        assert_eq!(scan("Song (A Cappella)", false), ACAPELLA);
        assert_eq!(scan("Song | Drum Cover", false), COVER);
        assert_eq!(scan("Song (Sped Up)", false), SPED_UP);
        assert_eq!(scan("Song (Slowed + Reverb)", false), SLOWED | REVERB);
        assert_eq!(scan("Song Nightcore", false), NIGHTCORE);
        assert_eq!(scan("Song (8D Audio)", false), EIGHT_D);
        assert_eq!(scan("Song (Radio Edit)", false), EDIT);
        assert_eq!(scan("Song (Demo)", false), DEMO);
        assert_eq!(scan("Song (Acoustic Version)", false), ACOUSTIC);
        assert_eq!(scan("Song (MTV Unplugged)", false), UNPLUGGED | LIVE);
        assert_eq!(scan("Song (Extended Mix)", false), EXTENDED);
        assert_eq!(scan("Song (DFA Version)", false), OTHER_VERSION);
        assert_eq!(scan("WE REACT TO X", false), REACTION);
        assert_eq!(scan("Song (Clean)", false), CLEAN);
        assert_eq!(scan("Song (Censored)", false), CLEAN);
        assert_eq!(scan("Song 10 Hours", false), LOOP);
        assert_eq!(scan("Song (BBC Session)", false), SESSION);
        assert_eq!(scan("Song (Piano)", false), OTHER_VERSION);
        assert_eq!(scan("Song - Reprise", false), OTHER_VERSION);
        assert_eq!(scan("Piano Man", false), 0);
        assert_eq!(scan("AD PIANO X", true), 0);
    }

    #[test]
    fn neutral_words_are_not_versions() {
        for text in [
            "Song (Remastered)",
            "Song - 2011 Remaster",
            "Song [Remaster] (HQ)",
            "Song (Explicit)",
            "Song (Uncensored)",
            "Song (feat. Guest)",
            "Song (Official Audio)",
            "Song (Lyrics)",
            "Song (Original Mix)",
            "Song (Album Version)",
            "Song - Single Version",
            "Song (Mono)",
            "Song (Deluxe Edition)",
            "Song (Bonus Track)",
        ] {
            assert_eq!(scan(text, false), 0, "{text}");
        }
    }

    #[test]
    fn ordinary_words_are_not_versions() {
        assert_eq!(scan("Staying Alive", false), 0);
        assert_eq!(scan("Live Forever", false), 0);
        assert_eq!(scan("Live Through This", true), 0);
        assert_eq!(scan("Mr. Clean OST", true), 0);
        assert_eq!(scan("Mr. Clean - Song Title", false), 0);
        assert_eq!(scan("Song Title - Clean", false), kind::CLEAN);
        assert_eq!(scan("Radio Ga Ga", false), 0);
        assert_eq!(scan("Delivery", false), 0);
    }

    #[test]
    fn folder_mode_ignores_vague_words() {
        assert_eq!(scan("Summer Mix 2019", true), 0);
        assert_eq!(scan("Clean Versions", true), 0);
        assert_eq!(
            scan("Acoustic Sessions Vol. 2", true),
            kind::ACOUSTIC | kind::SESSION
        );
    }

    #[test]
    fn helpers() {
        assert!(is_year("1999") && is_year("2011") && !is_year("2095") && !is_year("199"));
        assert!(is_neutral_word("remastered") && is_stop_word("the") && is_credit_word("ft"));
        assert!(is_known_word("live") && is_known_word("the") && !is_known_word("song"));
        assert_eq!(scan("", false), 0);
    }
}
