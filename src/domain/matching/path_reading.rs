//! What a remote path says: the file name, the album folder above it (or
//! above a `CD1` folder), and the folder above that (often the artist).
//!
//! [`read_path`] is the human-facing reading (original casing, for search
//! results). [`PathView`] is the matcher's: the same components folded into
//! one token list, with the album and artist folders located.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::domain::downloads::remote_path::{clean_album_folder, split, stem_and_extension};

use super::normalize::Folded;

/// What a remote path says about its file, original casing kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathReading {
    pub artist: Option<String>,
    pub album: Option<String>,
    /// Never empty for a non-empty path: the file name without extension
    /// when nothing better is found.
    pub title: String,
    pub track_number: Option<u32>,
}

/// Reads artist, album, title and track number from a remote path:
/// `01 - Artist - Title`, `Artist - Album - 01 - Title`, `Artist - Title`,
/// `01. Title`, a parent folder `Artist - Album (2001)` or `Album`, a
/// grandparent as the artist. Best effort; it never fails.
pub fn read_path(filename: &str) -> PathReading {
    let (dirs, file) = split(filename);
    let (stem, _) = stem_and_extension(file);
    let stem = tidy(stem);
    let mut parts: Vec<String> = split_dashes(&stem)
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();

    // A leading track number: `01 - …`, `01. Title`, `1-01 Title`, `(01) Title`.
    let mut track_number = None;
    if let Some(first) = parts.first().cloned() {
        let (number, rest) = leading_track_number(&first);
        if number.is_some() {
            track_number = number;
            if rest.is_empty() {
                parts.remove(0);
            } else {
                parts[0] = rest.to_string();
            }
        }
    }
    // A part that is only a number is a track number (`Artist - 01 - Title`).
    if let Some(i) = parts.iter().position(|p| parse_track(p).is_some()) {
        if parts.len() > 1 {
            if track_number.is_none() {
                track_number = parse_track(&parts[i]);
            }
            if i == 0 {
                parts.remove(0);
            } else {
                // Everything after the number is the title.
                let after = parts.split_off(i + 1);
                parts.truncate(i);
                if !after.is_empty() {
                    parts.push(after.join(" - "));
                }
            }
        }
    }

    let (mut artist, mut album, title) = match parts.len() {
        0 => (None, None, String::new()),
        1 => (None, None, parts[0].clone()),
        2 => (Some(parts[0].clone()), None, parts[1].clone()),
        _ => {
            let last = parts.len() - 1;
            (
                Some(parts[0].clone()),
                Some(parts[1..last].join(" - ")),
                parts[last].clone(),
            )
        }
    };

    let folders = folder_reading(&dirs);
    if artist.is_none() {
        artist = folders.0;
    }
    if album.is_none() {
        album = folders.1;
    }
    let title = if title.is_empty() {
        let fallback = tidy(file);
        if fallback.is_empty() {
            filename.trim().to_string()
        } else {
            fallback
        }
    } else {
        title
    };
    PathReading {
        artist: artist.filter(|a| !a.is_empty()),
        album: album.filter(|a| !a.is_empty()),
        title,
        track_number,
    }
}

/// Underscores as spaces, runs of whitespace collapsed.
fn tidy(s: &str) -> String {
    s.replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits at spaced dashes (`-`, `–`, `—`) and en/em dashes anywhere.
fn split_dashes(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes: Vec<(usize, char)> = s.char_indices().collect();
    for (k, &(i, c)) in bytes.iter().enumerate() {
        let spaced = |k: usize| {
            let before = k == 0 || bytes[k - 1].1.is_whitespace();
            let after = bytes.get(k + 1).is_none_or(|(_, n)| n.is_whitespace());
            before && after
        };
        let is_sep = match c {
            '–' | '—' | '|' => true,
            '-' => spaced(k),
            _ => false,
        };
        if is_sep {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `01`, `1-01`, `101`, `0101`: a track number (disc prefix dropped).
fn parse_track(s: &str) -> Option<u32> {
    let s = s.trim().trim_end_matches('.');
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let only_number = !digits.is_empty()
        && s.chars().all(|c| c.is_ascii_digit() || c == '-')
        && digits.len() <= 4;
    if !only_number {
        return None;
    }
    let n: u32 = digits.parse().ok()?;
    // `101`, `0101`: disc 1 track 01.
    Some(if digits.len() >= 3 { n % 100 } else { n })
}

/// A track number at the start of a name, and the rest.
fn leading_track_number(s: &str) -> (Option<u32>, &str) {
    let trimmed = s.trim_start();
    // `(01) Title`, `[1-07] Title`.
    if let Some(open) = trimmed.chars().next().filter(|c| *c == '(' || *c == '[') {
        let close = if open == '(' { ')' } else { ']' };
        if let Some(end) = trimmed.find(close) {
            if let Some(n) = parse_track(&trimmed[1..end]) {
                return (Some(n), trimmed[end + 1..].trim_start());
            }
        }
        return (None, s);
    }
    let number_len = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(trimmed.len());
    if number_len == 0 {
        return (None, s);
    }
    let number = &trimmed[..number_len];
    let rest = &trimmed[number_len..];
    // The number must be followed by a separator, not be part of a word
    // (`2Pac`, `99 Luftballons` stays a title only if nothing else is left).
    let rest_trimmed = rest.trim_start_matches(['.', ' ', ')', '_']);
    let separated = rest.is_empty() || rest.starts_with(['.', ' ', ')', '_']);
    match parse_track(number) {
        Some(n) if separated && !rest_trimmed.is_empty() => (Some(n), rest_trimmed),
        _ => (None, s),
    }
}

/// (artist, album) from the folders: `Artist - Album (2001)` or
/// `Artist\Album`, skipping disc folders and generic roots.
fn folder_reading(dirs: &[&str]) -> (Option<String>, Option<String>) {
    let Some(album_idx) = album_folder_index(dirs) else {
        return (None, None);
    };
    let folder = dirs[album_idx].trim();
    let parts: Vec<&str> = split_dashes(folder)
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() >= 2 && !is_generic_folder(parts[0]) {
        let album = clean_album_folder(&parts[1..].join(" - "));
        return (Some(parts[0].to_string()), Some(album));
    }
    let album = clean_album_folder(folder);
    let artist = album_idx
        .checked_sub(1)
        .map(|i| dirs[i].trim())
        .filter(|a| !is_generic_folder(a))
        .map(str::to_string);
    (artist, Some(album))
}

/// The album folder: the parent, or the one above a disc folder; None when
/// that is a generic folder (share root, `Music`, `FLAC`…).
fn album_folder_index(dirs: &[&str]) -> Option<usize> {
    let mut idx = dirs.len().checked_sub(1)?;
    if is_disc_folder(dirs[idx]) {
        idx = idx.checked_sub(1)?;
    }
    (!is_generic_folder(dirs[idx])).then_some(idx)
}

/// `CD1`, `CD 2`, `Disc 1`, `Disk2`, `Disc 1 (Bonus)`.
pub(crate) fn is_disc_folder(name: &str) -> bool {
    let name = trimmed(name).as_bytes();
    let rest = [&b"disc"[..], b"disk", b"cd"].iter().find_map(|k| {
        (name.len() >= k.len() && name[..k.len()].eq_ignore_ascii_case(k)).then(|| &name[k.len()..])
    });
    let Some(rest) = rest else {
        return false;
    };
    let skip = rest
        .iter()
        .take_while(|b| matches!(b, b' ' | b'_' | b'.' | b'-'))
        .count();
    let rest = &rest[skip..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&digits) {
        return false;
    }
    match rest.get(digits) {
        None => true,
        Some(b) => b.is_ascii_whitespace() || b"-_:([/".contains(b),
    }
}

/// Folders that say nothing about artist or album: share roots, drive
/// letters, containers, format and genre folders, years.
pub(crate) fn is_generic_folder(name: &str) -> bool {
    is_generic_component(name, &super::normalize::fold(name))
}

/// [`is_generic_folder`] with the folded form already at hand.
fn is_generic_component(raw: &str, folded: &str) -> bool {
    let raw = trimmed(raw);
    if raw.is_empty() || raw == "." || raw == ".." || raw.starts_with("@@") {
        return true;
    }
    let mut chars = raw.chars();
    if let (Some(c), rest) = (chars.next(), chars.as_str()) {
        if c.is_ascii_alphabetic() && (rest.is_empty() || rest == ":") {
            return true;
        }
    }
    if folded.is_empty() || is_generic_name(folded) {
        return true;
    }
    // Years and year ranges (`2019`, `1990-1999`), letter folders (`A`, `0-9`).
    folded
        .split(' ')
        .all(|t| super::versions::is_year(t) || t.len() <= 1)
}

fn is_generic_name(folded: &str) -> bool {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            [
                "music",
                "my music",
                "musik",
                "musique",
                "musica",
                "muziek",
                "mp3",
                "mp3s",
                "flac",
                "lossless",
                "lossy",
                "audio",
                "downloads",
                "download",
                "complete",
                "completed",
                "incoming",
                "albums",
                "album",
                "singles",
                "single",
                "eps",
                "soulseek",
                "slsk",
                "shared",
                "share",
                "shares",
                "itunes",
                "itunes media",
                "itunes music",
                "media",
                "library",
                "music library",
                "collection",
                "my collection",
                "new",
                "new music",
                "unsorted",
                "sorted",
                "misc",
                "various",
                "various artists",
                "va",
                "compilations",
                "compilation",
                "soundtracks",
                "soundtrack",
                "ost",
                "osts",
                "other",
                "others",
                "tracks",
                "songs",
                "files",
                "backup",
                "torrents",
                "rips",
                "vinyl rips",
                "hi res",
                "hires",
                "24bit",
                "16bit",
                "320",
                "v0",
                "wav",
                "aac",
                "m4a",
                "ogg",
                "opus",
                "alac",
                "dsd",
                "sacd",
                "users",
                "home",
                "public",
                "documents",
                "desktop",
                "volumes",
                "mnt",
                "data",
                "storage",
                "nas",
                "rock",
                "pop",
                "rap",
                "hip hop",
                "hiphop",
                "r b",
                "rnb",
                "soul",
                "funk",
                "jazz",
                "blues",
                "classical",
                "classic",
                "metal",
                "punk",
                "electronic",
                "electronica",
                "dance",
                "house",
                "techno",
                "trance",
                "edm",
                "country",
                "folk",
                "indie",
                "alternative",
                "reggae",
                "latin",
                "world",
                "ambient",
                "anime",
                "k pop",
                "kpop",
                "j pop",
                "jpop",
                "disco",
                "soundcloud",
                "youtube",
                "spotify",
                "playlists",
                "playlist",
                "favorites",
                "favourites",
            ]
            .into_iter()
            .collect()
        })
        .contains(folded)
}

/// `str::trim` with a shortcut for the usual name that needs none.
fn trimmed(s: &str) -> &str {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// [`split`] by bytes (both separators are ASCII): the same answer, faster.
fn split_fast(filename: &str) -> (Vec<&str>, &str) {
    let is_sep = |b: &u8| *b == b'\\' || *b == b'/';
    let (dirs, file) = match filename.as_bytes().iter().rposition(is_sep) {
        Some(i) => (&filename[..i], &filename[i + 1..]),
        None => ("", filename),
    };
    let mut out = Vec::with_capacity(8);
    let mut start = 0;
    for (i, b) in dirs.as_bytes().iter().enumerate() {
        if is_sep(b) {
            if i > start {
                out.push(&dirs[start..i]);
            }
            start = i + 1;
        }
    }
    if start < dirs.len() {
        out.push(&dirs[start..]);
    }
    (out, file)
}

/// The matcher's view of one path.
#[derive(Debug)]
pub(crate) struct PathView {
    pub folded: Folded,
    /// Token index where each component starts (one more entry at the end).
    part_starts: Vec<usize>,
    /// Component index of the file name (stem, without extension).
    pub stem_part: u16,
    /// Component index of the album folder, when there is a meaningful one.
    pub album_part: Option<u16>,
    /// Component index of the folder above the album folder, when it is not
    /// generic (often the artist).
    pub artist_part: Option<u16>,
    /// The extension read from the name (lower case).
    pub name_extension: Option<String>,
}

/// At most this many folders above the file are read (hostile depth).
pub(crate) const MAX_DIRS: usize = 12;

impl PathView {
    /// Token range of component `part` (empty when out of range).
    pub fn part(&self, part: u16) -> std::ops::Range<usize> {
        let p = usize::from(part);
        match (self.part_starts.get(p), self.part_starts.get(p + 1)) {
            (Some(&lo), Some(&hi)) => lo..hi,
            _ => 0..0,
        }
    }

    pub fn new(filename: &str) -> PathView {
        let (dirs, file) = split_fast(filename);
        let dirs = &dirs[dirs.len().saturating_sub(MAX_DIRS)..];
        let (stem, name_extension) = stem_and_extension(file);
        let mut folded = Folded::with_capacity(filename.len());
        for (i, dir) in dirs.iter().enumerate() {
            folded.push_component(dir, i as u16);
        }
        let stem_part = dirs.len() as u16;
        folded.push_component(stem, stem_part);
        // Token ranges of every component, found once.
        let mut part_starts = Vec::with_capacity(dirs.len() + 2);
        let mut k = 0;
        for part in 0..=stem_part {
            part_starts.push(k);
            while k < folded.toks.len() && folded.toks[k].part == part {
                k += 1;
            }
        }
        part_starts.push(k);
        let part = |p: usize| part_starts[p]..part_starts[p + 1];
        let generic = |i: usize| is_generic_component(dirs[i], folded.span(part(i)));
        let album_idx = dirs.len().checked_sub(1).and_then(|last| {
            let idx = if is_disc_folder(dirs[last]) {
                last.checked_sub(1)?
            } else {
                last
            };
            (!generic(idx)).then_some(idx)
        });
        let artist_part = album_idx
            .and_then(|i| i.checked_sub(1))
            .filter(|&i| !generic(i) && !is_disc_folder(dirs[i]))
            .map(|i| i as u16);
        PathView {
            folded,
            part_starts,
            stem_part,
            album_part: album_idx.map(|i| i as u16),
            artist_part,
            name_extension,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(
        artist: Option<&str>,
        album: Option<&str>,
        title: &str,
        n: Option<u32>,
    ) -> PathReading {
        PathReading {
            artist: artist.map(str::to_string),
            album: album.map(str::to_string),
            title: title.to_string(),
            track_number: n,
        }
    }

    #[test]
    fn file_name_shapes() {
        assert_eq!(
            read_path(r"Music\Folder\01 - Artist - Title.mp3"),
            reading(Some("Artist"), Some("Folder"), "Title", Some(1))
        );
        assert_eq!(
            read_path(r"Music\Folder\Artist - Album - 01 - Title.mp3"),
            reading(Some("Artist"), Some("Album"), "Title", Some(1))
        );
        assert_eq!(
            read_path(r"Stuff\Artist - Title.flac"),
            reading(Some("Artist"), Some("Stuff"), "Title", None)
        );
        assert_eq!(
            read_path(r"Artist — Title.flac"),
            reading(Some("Artist"), None, "Title", None)
        );
        assert_eq!(
            read_path(r"Some_Artist - Some_Title.mp3"),
            reading(Some("Some Artist"), None, "Some Title", None)
        );
        assert_eq!(
            read_path("1-01 Artist - Song.mp3"),
            reading(Some("Artist"), None, "Song", Some(1))
        );
        assert_eq!(
            read_path("0103. testartist - testsong3.mp3"),
            reading(Some("testartist"), None, "testsong3", Some(3))
        );
        assert_eq!(
            read_path("(01) Track.mp3"),
            reading(None, None, "Track", Some(1))
        );
        assert_eq!(
            read_path("[1-07] Track.mp3"),
            reading(None, None, "Track", Some(7))
        );
    }

    #[test]
    fn folders_give_artist_and_album() {
        assert_eq!(
            read_path(r"@@abcde\Music\Daft Punk\Discovery (2001) [FLAC]\01 One More Time.flac"),
            reading(
                Some("Daft Punk"),
                Some("Discovery"),
                "One More Time",
                Some(1)
            )
        );
        assert_eq!(
            read_path(r"Music\Daft Punk - Discovery (2001)\CD1\01. One More Time.flac"),
            reading(
                Some("Daft Punk"),
                Some("Discovery"),
                "One More Time",
                Some(1)
            )
        );
        assert_eq!(
            read_path("Pi/DUMBFOUNDED/01 DUMBFOUNDED.flac"),
            reading(Some("Pi"), Some("DUMBFOUNDED"), "DUMBFOUNDED", Some(1))
        );
        assert_eq!(
            read_path(r"@@x\Music\01 - Song.mp3"),
            reading(None, None, "Song", Some(1))
        );
    }

    #[test]
    fn titles_with_numbers_survive() {
        assert_eq!(read_path("99 Luftballons.mp3").title, "Luftballons");
        assert_eq!(
            read_path("2Pac - Changes.mp3").artist.as_deref(),
            Some("2Pac")
        );
        assert_eq!(read_path("1999.mp3").title, "1999");
        assert_eq!(
            read_path("03. Yours Truly 2095.mp3").title,
            "Yours Truly 2095"
        );
    }

    #[test]
    fn hostile_paths() {
        for p in [
            "",
            "\\",
            "///",
            " - - ",
            ".flac",
            "—",
            "01",
            "((((",
            "\u{0}\u{300}",
        ] {
            let r = read_path(p);
            let _ = r.title;
        }
        assert_eq!(read_path("").title, "");
        let long = format!("{}x.flac", "dir\\".repeat(10_000));
        assert_eq!(read_path(&long).title, "x");
        let view = PathView::new(&long);
        assert_eq!(view.stem_part as usize, MAX_DIRS);
    }

    #[test]
    fn generic_and_disc_folders() {
        for g in [
            "@@abc",
            "Music",
            "FLAC",
            "D:",
            "2019",
            "1990-1999",
            "Various Artists",
            "Rock",
        ] {
            assert!(is_generic_folder(g), "{g}");
        }
        for g in ["Daft Punk", "Discovery", "ELO", "宇多田ヒカル"] {
            assert!(!is_generic_folder(g), "{g}");
        }
        assert!(is_disc_folder("CD1") && is_disc_folder("Disc 2 (Bonus)"));
        assert!(!is_disc_folder("CDs") && !is_disc_folder("Discovery"));
    }

    #[test]
    fn fast_split_agrees_with_split() {
        for p in [
            r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac",
            "share/Music\\Album//01.mp3",
            "01.flac",
            "",
            r"\\a\\\b\",
            r"\01.flac",
            "音楽/曲.flac",
        ] {
            assert_eq!(split_fast(p), split(p), "{p}");
        }
    }

    #[test]
    fn view_locates_album_and_artist_folders() {
        let v = PathView::new(r"@@x\Music\Pink Floyd\The Wall\CD2\01 - In the Flesh.flac");
        assert_eq!(v.stem_part, 5);
        assert_eq!(v.album_part, Some(3));
        assert_eq!(v.artist_part, Some(2));
        assert_eq!(v.name_extension.as_deref(), Some("flac"));
        let v = PathView::new(r"Music\SomeFolder\MySong.mp3");
        assert_eq!(v.album_part, Some(1));
        assert_eq!(v.artist_part, None);
        let v = PathView::new("Track.mp3");
        assert_eq!((v.album_part, v.artist_part, v.stem_part), (None, None, 0));
        let v = PathView::new(r"A B\C\D E F.mp3");
        assert_eq!(
            (v.part(0), v.part(1), v.part(2), v.part(3)),
            (0..2, 2..3, 3..6, 0..0)
        );
        assert_eq!(v.part(1), v.folded.part_range(1));
    }
}
