//! One line of a text import: `Artist - Title | Album | 3:45`, a playlist
//! link, an M3U `#EXTINF` line, a comment or nothing.

use super::duration::{looks_like_duration, parse_duration, parse_extinf_seconds};
use super::links::{looks_like_link, parse_playlist_link};
use super::normalize::{check_length, normalize_text, optional_field, trim_line};
use super::{ImportTrack, PlaylistLink, SkipReason};

/// What one line of text holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    Track(ImportTrack),
    Link(PlaylistLink),
    Skip(SkipReason),
    /// Blank lines, `#` comments and M3U directives other than `#EXTINF`.
    Ignore,
}

/// Separators between artist and title when surrounded by whitespace:
/// hyphen-minus, the Unicode hyphens and dashes, and the minus sign.
const SPACED_DASHES: &[char] = &[
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}',
];
/// Separators even without whitespace: en and em dash (never a hyphen,
/// so `Jay-Z` and `A-ha` survive).
const BARE_DASHES: &[char] = &['\u{2013}', '\u{2014}'];

/// File extensions that mark a line as a file path rather than a track.
const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "flac", "m4a", "mp4", "aac", "ogg", "oga", "opus", "wav", "wma", "aif", "aiff", "alac",
    "ape", "wv", "mpc", "dsf", "dff",
];

/// Reads one line, checked in this order: blank → `Ignore`; `#EXTINF:` →
/// a track from its `Artist - Title`; other `#` lines → `Ignore`; a URL or
/// `spotify:` URI → a playlist link or `InvalidLink`; a
/// file path (`/music/a.mp3`, `C:\Music\…`, `x.flac`) → `Unparsable` (in an M3U
/// document the path after an `#EXTINF` line is ignored instead, see
/// [`super::text::parse_text`]); anything else is a track line.
pub fn parse_line(line: &str) -> LineOutcome {
    let line = trim_line(line);
    if line.is_empty() {
        return LineOutcome::Ignore;
    }
    if let Some(rest) = line.strip_prefix('#') {
        return match strip_extinf(rest) {
            Some(info) => extinf(info),
            None => LineOutcome::Ignore,
        };
    }
    if looks_like_link(line) {
        return match parse_playlist_link(line) {
            Ok(link) => LineOutcome::Link(link),
            Err(reason) => LineOutcome::Skip(reason),
        };
    }
    if looks_like_path(line) {
        return LineOutcome::Skip(SkipReason::Unparsable);
    }
    match track_line(line) {
        Ok(track) => LineOutcome::Track(track),
        Err(reason) => LineOutcome::Skip(reason),
    }
}

/// Whether a line is an M3U `#EXTINF:` line.
pub fn is_extinf(line: &str) -> bool {
    trim_line(line)
        .strip_prefix('#')
        .and_then(strip_extinf)
        .is_some()
}

/// Whether a line is the location of an M3U entry: a URL, or something with
/// path separators or an audio file extension. `AC/DC - Back in Black`
/// (a slash but also an ` - ` separator) is not.
pub fn is_location(line: &str) -> bool {
    let line = trim_line(line);
    looks_like_path(line)
        || line.contains("://")
        || (line.contains('/') && find_separator(line, SPACED_DASHES, true).is_none())
}

/// Strong signs of a file path: absolute or relative path prefixes, a drive
/// letter, backslashes, or an audio file extension at the end.
pub fn looks_like_path(line: &str) -> bool {
    let drive = matches!(
        line.as_bytes(),
        [letter, b':', b'\\' | b'/', ..] if letter.is_ascii_alphabetic()
    );
    line.starts_with('/')
        || line.starts_with("./")
        || line.starts_with("../")
        || line.starts_with("~/")
        || line.contains('\\')
        || drive
        || line
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("file:"))
        || line.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty() && AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(ext))
        })
}

/// `Artist - Title | Album | 3:45`: the `|` segments after the first are a
/// duration (when duration-like) and an album, in either order, each at
/// most once; empty segments are ignored.
pub fn track_line(line: &str) -> Result<ImportTrack, SkipReason> {
    let mut segments = line.split('|');
    let head = segments.next().unwrap_or_default();
    let (artist, title) = split_artist_title(head)?;
    let mut album = None;
    let mut duration_ms = None;
    for segment in segments {
        let segment = segment.trim();
        if segment.is_empty() {
            continue;
        }
        if looks_like_duration(segment) {
            if duration_ms.is_some() {
                return Err(SkipReason::Unparsable);
            }
            duration_ms = Some(parse_duration(segment).ok_or(SkipReason::InvalidDuration)?);
        } else {
            let Some(value) = optional_field(segment)? else {
                continue;
            };
            if album.is_some() {
                return Err(SkipReason::Unparsable);
            }
            album = Some(value);
        }
    }
    Ok(ImportTrack {
        artist,
        title,
        album,
        duration_ms,
    })
}

/// Splits `Artist - Title` on the first dash with whitespace (or the line's
/// start/end) on both sides, else on the first en/em dash; a plain hyphen
/// inside a word never splits. A list bullet (`- `, `* `, `• `) in front is
/// dropped when what follows still splits. Both parts are normalised.
pub fn split_artist_title(text: &str) -> Result<(String, String), SkipReason> {
    let normalized = normalize_text(text);
    let mut text = normalized.as_str();
    if let Some(rest) = strip_bullet(text) {
        if separator(rest).is_some() {
            text = rest;
        }
    }
    let (at, dash) = separator(text).ok_or(SkipReason::Unparsable)?;
    let artist = text.get(..at).unwrap_or_default().trim();
    let title = text.get(at + dash.len_utf8()..).unwrap_or_default().trim();
    if artist.is_empty() {
        return Err(SkipReason::MissingArtist);
    }
    if title.is_empty() {
        return Err(SkipReason::MissingTitle);
    }
    Ok((
        check_length(artist.to_string())?,
        check_length(title.to_string())?,
    ))
}

/// The artist/title separator: the first spaced dash, else the first en/em dash.
fn separator(text: &str) -> Option<(usize, char)> {
    find_separator(text, SPACED_DASHES, true).or_else(|| find_separator(text, BARE_DASHES, false))
}

/// The text after a leading list bullet and its space.
fn strip_bullet(text: &str) -> Option<&str> {
    let mut chars = text.chars();
    let bullet = chars.next()?;
    let is_bullet =
        SPACED_DASHES.contains(&bullet) || matches!(bullet, '*' | '•' | '·' | '◦' | '‣');
    if is_bullet && chars.next() == Some(' ') {
        Some(chars.as_str())
    } else {
        None
    }
}

/// Byte offset and character of the first separator in `text`; `spaced`
/// requires whitespace or the text's start/end on both sides.
fn find_separator(text: &str, dashes: &[char], spaced: bool) -> Option<(usize, char)> {
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if dashes.contains(&c) {
            let next = chars.peek().map(|&(_, n)| n);
            let bounded = |side: Option<char>| side.is_none_or(char::is_whitespace);
            if !spaced || (bounded(prev) && bounded(next)) {
                return Some((at, c));
            }
        }
        prev = Some(c);
    }
    None
}

/// `EXTINF:` after the `#`, case-insensitively.
fn strip_extinf(rest: &str) -> Option<&str> {
    let head = rest.get(..7)?;
    head.eq_ignore_ascii_case("EXTINF:")
        .then(|| rest.get(7..))
        .flatten()
}

/// `#EXTINF:<secs>[ attributes],Artist - Title`; the seconds give the
/// duration when positive, an unreadable number is treated as unknown.
fn extinf(info: &str) -> LineOutcome {
    // The display title follows the first comma outside quoted attributes.
    let mut quoted = false;
    let comma = info.char_indices().find_map(|(i, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        (c == ',' && !quoted).then_some(i)
    });
    let Some(comma) = comma else {
        return LineOutcome::Skip(SkipReason::Unparsable);
    };
    let (head, display) = info.split_at(comma);
    let display = display.get(1..).unwrap_or_default();
    let seconds = head.split_whitespace().next().unwrap_or_default();
    match split_artist_title(display) {
        Ok((artist, title)) => LineOutcome::Track(ImportTrack {
            artist,
            title,
            album: None,
            duration_ms: parse_extinf_seconds(seconds),
        }),
        Err(reason) => LineOutcome::Skip(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(line: &str) -> ImportTrack {
        match parse_line(line) {
            LineOutcome::Track(track) => track,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn skip(line: &str) -> SkipReason {
        match parse_line(line) {
            LineOutcome::Skip(reason) => reason,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn pair(line: &str) -> (String, String) {
        let t = track(line);
        (t.artist, t.title)
    }

    fn p(a: &str, t: &str) -> (String, String) {
        (a.into(), t.into())
    }

    #[test]
    fn full_line() {
        assert_eq!(
            track("Daft Punk - One More Time | Discovery | 5:20"),
            ImportTrack {
                artist: "Daft Punk".into(),
                title: "One More Time".into(),
                album: Some("Discovery".into()),
                duration_ms: Some(320_000),
            }
        );
    }

    #[test]
    fn segments_in_either_order_or_alone() {
        let t = track("Artist - Title | 3:45 | Album");
        assert_eq!(
            (t.album.as_deref(), t.duration_ms),
            (Some("Album"), Some(225_000))
        );
        let t = track("Artist - Title | 3:45");
        assert_eq!((t.album, t.duration_ms), (None, Some(225_000)));
        let t = track("Artist - Title | Album");
        assert_eq!((t.album.as_deref(), t.duration_ms), (Some("Album"), None));
        let t = track("Artist - Title | 225000");
        assert_eq!(t.duration_ms, Some(225_000));
        let t = track("Artist - Title |  | Album |");
        assert_eq!(t.album.as_deref(), Some("Album"));
        let t = track("Prince - 1999 | 1999");
        assert_eq!((t.album.as_deref(), t.duration_ms), (Some("1999"), None));
    }

    #[test]
    fn extra_segments_are_invalid() {
        assert_eq!(skip("A - T | Album | 3:45 | more"), SkipReason::Unparsable);
        assert_eq!(skip("A - T | Album | Other"), SkipReason::Unparsable);
        assert_eq!(skip("A - T | 3:45 | 4:00"), SkipReason::Unparsable);
    }

    #[test]
    fn invalid_durations_skip_the_line() {
        assert_eq!(skip("A - T | Album | 3:75"), SkipReason::InvalidDuration);
        assert_eq!(skip("A - T | 0:00"), SkipReason::InvalidDuration);
        assert_eq!(skip("A - T | 25:00:00"), SkipReason::InvalidDuration);
        assert_eq!(skip("A - T | 3:4:5"), SkipReason::InvalidDuration);
    }

    #[test]
    fn hyphenated_artists_survive() {
        assert_eq!(pair("Jay-Z - 99 Problems"), p("Jay-Z", "99 Problems"));
        assert_eq!(pair("A-ha - Take On Me"), p("A-ha", "Take On Me"));
        assert_eq!(pair("Jay-Z  -   Song - Remix"), p("Jay-Z", "Song - Remix"));
        assert_eq!(skip("Jay-Z-99 Problems"), SkipReason::Unparsable);
        assert_eq!(skip("Artist -Title"), SkipReason::Unparsable);
        assert_eq!(skip("Artist- Title"), SkipReason::Unparsable);
    }

    #[test]
    fn en_and_em_dashes() {
        assert_eq!(pair("Artist – Title"), p("Artist", "Title"));
        assert_eq!(pair("Artist — Title"), p("Artist", "Title"));
        assert_eq!(pair("Artist–Title"), p("Artist", "Title"));
        assert_eq!(pair("Jay-Z—Song"), p("Jay-Z", "Song"));
        assert_eq!(pair("Artist\t-\u{00A0}Title"), p("Artist", "Title"));
        // A spaced dash wins over an earlier bare en dash.
        assert_eq!(pair("A–B - C"), p("A–B", "C"));
    }

    #[test]
    fn list_bullets_are_dropped_when_the_rest_splits() {
        assert_eq!(pair("- Jay-Z - 99 Problems"), p("Jay-Z", "99 Problems"));
        assert_eq!(pair("* A - B"), p("A", "B"));
        assert_eq!(pair("• A – B"), p("A", "B"));
        assert_eq!(skip("- Title"), SkipReason::MissingArtist);
        assert_eq!(skip("* Title"), SkipReason::Unparsable);
        assert_eq!(pair("*NSYNC - Bye Bye Bye"), p("*NSYNC", "Bye Bye Bye"));
    }

    #[test]
    fn titles_keep_their_brackets() {
        let t = track("Artist - Song (feat. B) [Remastered 2011]");
        assert_eq!(t.title, "Song (feat. B) [Remastered 2011]");
        assert_eq!(t.album, None);
    }

    #[test]
    fn missing_parts() {
        assert_eq!(skip(" - Title"), SkipReason::MissingArtist);
        assert_eq!(skip("-"), SkipReason::MissingArtist);
        assert_eq!(skip("Artist - "), SkipReason::MissingTitle);
        assert_eq!(skip("Artist -\u{200B}"), SkipReason::MissingTitle);
        assert_eq!(skip("just words"), SkipReason::Unparsable);
        assert_eq!(skip("| Album | 3:45"), SkipReason::Unparsable);
    }

    #[test]
    fn long_fields() {
        let long = "x".repeat(501);
        assert_eq!(skip(&format!("{long} - T")), SkipReason::TooLong);
        assert_eq!(skip(&format!("A - {long}")), SkipReason::TooLong);
        assert_eq!(skip(&format!("A - T | {long}")), SkipReason::TooLong);
        assert_eq!(track(&format!("A - {}", "x".repeat(500))).title.len(), 500);
    }

    #[test]
    fn normalises_fields() {
        let t = track("\u{FEFF}  Daft\u{200B}  Punk -  One   More Time\r");
        assert_eq!(
            (t.artist.as_str(), t.title.as_str()),
            ("Daft Punk", "One More Time")
        );
        let t = track("Beyonce\u{301} - Halo");
        assert_eq!(t.artist, "Beyonc\u{e9}");
    }

    #[test]
    fn comments_and_blank_lines_are_ignored() {
        for line in [
            "",
            "   \r",
            "# a comment",
            "#EXTM3U",
            "#PLAYLIST:Mine",
            "#EXTALB:x",
        ] {
            assert_eq!(parse_line(line), LineOutcome::Ignore, "{line:?}");
        }
    }

    #[test]
    fn links() {
        let id = "37i9dQZF1DXcBWIGoYBM5M";
        match parse_line(&format!(
            "https://open.spotify.com/intl-de/playlist/{id}?si=x"
        )) {
            LineOutcome::Link(link) => assert_eq!(link.id, id),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_line(&format!("spotify:playlist:{id}")),
            LineOutcome::Link(_)
        ));
        assert_eq!(
            skip(&format!("https://open.spotify.com/track/{id}")),
            SkipReason::InvalidLink
        );
        assert_eq!(
            skip("https://www.youtube.com/watch?v=x"),
            SkipReason::InvalidLink
        );
        assert_eq!(
            skip("https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5"),
            SkipReason::InvalidLink
        );
    }

    #[test]
    fn extinf_lines() {
        let t = track("#EXTINF:225,Daft Punk - One More Time");
        assert_eq!(t.duration_ms, Some(225_000));
        assert_eq!(
            (t.artist.as_str(), t.title.as_str()),
            ("Daft Punk", "One More Time")
        );
        let t = track("#extinf:-1,Jay-Z - 99 Problems");
        assert_eq!((t.artist.as_str(), t.duration_ms), ("Jay-Z", None));
        let t = track(r#"#EXTINF:0 tvg-name="a, b" group="x",A - T, with comma"#);
        assert_eq!((t.title.as_str(), t.duration_ms), ("T, with comma", None));
        let t = track("#EXTINF:abc,A - T");
        assert_eq!(t.duration_ms, None);
        assert_eq!(skip("#EXTINF:123,Untitled"), SkipReason::Unparsable);
        assert_eq!(skip("#EXTINF:123"), SkipReason::Unparsable);
        assert!(is_extinf("#EXTINF:1,A - T"));
        assert!(!is_extinf("#EXTM3U"));
    }

    #[test]
    fn paths() {
        for line in [
            "/music/Artist - Title.mp3",
            "C:\\Music\\a.flac",
            "D:/Music/a",
            "../a.mp3",
            "Artist - Title.FLAC",
            "file:///music/a.mp3",
        ] {
            assert!(is_location(line), "{line}");
            assert!(matches!(
                parse_line(line),
                LineOutcome::Skip(SkipReason::Unparsable | SkipReason::InvalidLink)
            ));
        }
        assert!(is_location("Music/Artist/Title"));
        assert!(is_location("http://stream.example/radio"));
        assert!(!is_location("AC/DC - Back in Black"));
        assert_eq!(pair("AC/DC - Back in Black"), p("AC/DC", "Back in Black"));
        assert!(!is_location("Artist - Title"));
    }
}
