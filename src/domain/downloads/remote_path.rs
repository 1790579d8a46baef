//! Reading a Soulseek remote path (`@@share\Music\Artist\Album\01 - Title.flac`).
//!
//! Soulseek peers name files by their full path on the sharer's disk, so the
//! folders above a file are often the only metadata we have. Everything here
//! is a best-effort guess from text; it never touches the disk.

/// Both separators: Windows clients send `\`, a few others send `/`.
const SEPARATORS: [char; 2] = ['\\', '/'];

/// Directory segments (non-empty, in order) and the file name (last segment).
///
/// The file name is whatever follows the last separator, so a path ending in
/// a separator has an empty file name rather than borrowing a folder's name.
pub fn split(filename: &str) -> (Vec<&str>, &str) {
    let (dirs, file) = match filename.rfind(SEPARATORS) {
        // Both separators are one byte, so `i + 1` is a char boundary.
        Some(i) => (&filename[..i], &filename[i + 1..]),
        None => ("", filename),
    };
    let dirs = dirs.split(SEPARATORS).filter(|s| !s.is_empty()).collect();
    (dirs, file)
}

/// File name without its extension, and the extension lower-cased (None when
/// the name has no dot, or only a leading dot). Both are read from the name
/// without surrounding spaces: real Soulseek names end in `.mp3 ` too.
///
/// Only a short alphanumeric tail counts as an extension: Soulseek names
/// without one (`01 - Mr. Brightside`) would otherwise lose half the title.
pub fn stem_and_extension(file_name: &str) -> (&str, Option<String>) {
    let file_name = file_name.trim();
    match file_name.rfind('.') {
        Some(i) if i > 0 => {
            let ext = &file_name[i + 1..];
            let plausible = !ext.is_empty()
                && ext.chars().count() <= MAX_EXTENSION_CHARS
                && ext.chars().all(char::is_alphanumeric);
            if plausible {
                (&file_name[..i], Some(ext.to_lowercase()))
            } else {
                (file_name, None)
            }
        }
        _ => (file_name, None),
    }
}

/// Longer "extensions" are sentence fragments after a dot, not file types.
const MAX_EXTENSION_CHARS: usize = 10;

/// What the folders above a file say about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderGuess {
    pub artist: Option<String>,
    pub album: Option<String>,
}

/// Artist and album read from the folders above the file.
///
/// The album folder is the parent (or the one above a `CD1`-style disc
/// folder); `Artist - Album` folders give both, otherwise the artist is the
/// folder above the album unless that is a share root or a generic name.
pub fn guess_from_folders(filename: &str) -> FolderGuess {
    let (dirs, _) = split(filename);
    let dirs: Vec<&str> = dirs.iter().map(|d| d.trim()).collect();
    let Some(mut album_idx) = dirs.len().checked_sub(1) else {
        return FolderGuess::default();
    };
    if is_disc_folder(dirs[album_idx]) {
        match album_idx.checked_sub(1) {
            Some(i) => album_idx = i,
            None => return FolderGuess::default(),
        }
    }
    let album_folder = dirs[album_idx];
    let parent = album_idx.checked_sub(1).map(|i| dirs[i]);

    if let Some((artist, album)) = split_artist_album(album_folder, parent) {
        return FolderGuess {
            artist: Some(artist),
            album: Some(album),
        };
    }

    // `Madonna\Music\` is an album called "Music"; `@@share\Music\` is not.
    let parent_is_name = parent.is_some_and(|p| !is_generic_folder(p));
    let album_is_name = !is_placeholder(album_folder)
        && !album_folder.starts_with("@@")
        && (parent_is_name || !is_generic_folder(album_folder));
    if !album_is_name {
        return FolderGuess::default();
    }
    let artist = parent
        .filter(|_| parent_is_name)
        .map(remove_tag_brackets)
        .filter(|a| !a.is_empty() && !is_placeholder(a));
    FolderGuess {
        artist,
        album: Some(clean_album_folder(album_folder)),
    }
}

/// An album folder name without year/format/scene decorations.
///
/// Editions such as `(Deluxe Edition)` stay: they are part of the album's
/// name, while `[FLAC]`, `(2001)` or `-WEB-2001-GROUP` describe the rip.
pub fn clean_album_folder(name: &str) -> String {
    let cleaned = clean_album_inner(name);
    if cleaned.is_empty() {
        name.trim().to_string()
    } else {
        cleaned
    }
}

/// [`clean_album_folder`] without the fallback: empty when the name was all
/// decoration, so `Artist - [FLAC]` is not read as an artist and an album.
fn clean_album_inner(name: &str) -> String {
    let mut current = name.trim().to_string();
    if let Some(scene) = strip_scene_suffix(&current) {
        current = scene;
    }
    // Each round removes something or stops; separators left dangling by a
    // removal go too, but a name like `-M-` is left alone.
    loop {
        let without_tags = remove_tag_brackets(&current);
        let undated = strip_leading_year(&without_tags).unwrap_or(&without_tags);
        let undated = strip_trailing_year(undated).unwrap_or(undated);
        if undated == current {
            return current;
        }
        current = clean_name(undated);
    }
}

/// `Artist - Album` (also `Artist - 2001 - Album`, `2001 - Artist - Album`)
/// split into a trimmed artist and a cleaned album.
fn split_artist_album(folder: &str, parent: Option<&str>) -> Option<(String, String)> {
    // `Artist_-_Album-WEB-2001-GROUP` reads as `Artist - Album` once cleaned.
    let unscened = strip_scene_suffix(folder.trim());
    let without_tags = remove_tag_brackets(unscened.as_deref().unwrap_or(folder));
    let undated = strip_leading_year(&without_tags).unwrap_or(&without_tags);
    let (left, right) = split_on_dash(undated)?;
    let artist = left.trim();
    if artist.is_empty()
        || is_placeholder(artist)
        || is_year(artist)
        || is_generic_folder(artist)
        || is_disc_folder(artist)
    {
        return None;
    }
    let album = clean_album_inner(right);
    if album.is_empty() || is_placeholder(&album) {
        return None;
    }
    // `Daft Punk\Discovery - 2001`: under a named artist folder that is not
    // the left side, a bare year on the right is the album's date, not an
    // album called `1989` (`Taylor Swift - 1989` keeps its meaning).
    if is_year(&album) {
        if let Some(parent) = parent.filter(|p| !is_generic_folder(p)) {
            if parent.to_lowercase() != artist.to_lowercase() {
                return None;
            }
        }
    }
    Some((artist.to_string(), album))
}

/// Splits at the first spaced dash (`-`, en dash or em dash).
fn split_on_dash(s: &str) -> Option<(&str, &str)> {
    [" - ", " – ", " — "]
        .iter()
        .filter_map(|sep| s.find(sep).map(|i| (i, sep.len())))
        .min_by_key(|(i, _)| *i)
        .map(|(i, len)| (&s[..i], &s[i + len..]))
}

/// Names that are not names: empty, `.` and `..` (hostile paths use them).
fn is_placeholder(s: &str) -> bool {
    matches!(s.trim(), "" | "." | "..")
}

/// Share roots and container folders that say nothing about the music.
fn is_generic_folder(name: &str) -> bool {
    const GENERIC: [&str; 14] = [
        "music",
        "mp3",
        "flac",
        "downloads",
        "complete",
        "albums",
        "soulseek",
        "shared",
        "my music",
        "audio",
        "itunes",
        "itunes media",
        "musique",
        "musik",
    ];
    let name = name.trim();
    if is_placeholder(name) || name.starts_with("@@") {
        return true;
    }
    // Drive letters: `D`, `D:`.
    let mut chars = name.chars();
    if let (Some(c), rest) = (chars.next(), chars.as_str()) {
        if c.is_ascii_alphabetic() && (rest.is_empty() || rest == ":") {
            return true;
        }
    }
    let lower = name.to_lowercase();
    GENERIC.contains(&lower.as_str())
}

/// `CD1`, `CD 2`, `Disc 1`, `Disk2`, `Disc 1 of 2`, `CD1 - Bonus`….
fn is_disc_folder(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    let Some(rest) = ["disc", "disk", "cd"]
        .iter()
        .find_map(|k| lower.strip_prefix(k))
    else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '_', '.', '-']);
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if !(1..=2).contains(&digits) {
        return false;
    }
    let tail = &rest[digits..];
    tail.is_empty() || tail.starts_with(|c: char| c.is_whitespace() || "-_:([/".contains(c))
}

/// A four-digit year of recorded music.
fn is_year(s: &str) -> bool {
    let s = s.trim();
    s.len() == 4
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s.starts_with("19") || s.starts_with("20"))
}

/// `2001 - Album` → `Album`; None when there is no such prefix.
fn strip_leading_year(s: &str) -> Option<&str> {
    let s = s.trim_start();
    let head = s.get(..4)?;
    if !is_year(head) {
        return None;
    }
    let rest = s[4..].trim_start();
    let rest = rest.strip_prefix(['-', '–', '—', '.', ':'])?;
    let rest = rest.trim_start();
    (!rest.is_empty()).then_some(rest)
}

/// `Album - 2001` → `Album`; None when there is no such suffix.
fn strip_trailing_year(s: &str) -> Option<&str> {
    let s = s.trim_end();
    let cut = s.len().checked_sub(4)?;
    let tail = s.get(cut..)?;
    if !is_year(tail) {
        return None;
    }
    let rest = s[..cut].trim_end();
    let rest = rest.strip_suffix(['-', '–', '—', ','])?;
    let rest = rest.trim_end();
    (!rest.is_empty()).then_some(rest)
}

/// Trims spaces and the separators left dangling once a tag is gone.
fn clean_name(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | ',' | ';' | '_'))
        .to_string()
}

const BRACKETS: [(char, char); 6] = [
    ('(', ')'),
    ('[', ']'),
    ('{', '}'),
    ('（', '）'),
    ('［', '］'),
    ('【', '】'),
];

/// Removes every bracket group whose content is a year or a rip tag,
/// joining what surrounds it with a single space.
fn remove_tag_brackets(s: &str) -> String {
    let mut out = s.trim().to_string();
    while let Some((start, end)) = find_tag_bracket(&out) {
        let left = out[..start].trim_end();
        let right = out[end..].trim_start();
        out = match (left.is_empty(), right.is_empty()) {
            (false, false) => format!("{left} {right}"),
            _ => format!("{left}{right}"),
        };
    }
    out
}

/// The innermost bracket pair holding only year or rip-tag words.
fn find_tag_bracket(s: &str) -> Option<(usize, usize)> {
    let mut open: Option<(usize, usize, char)> = None;
    for (i, c) in s.char_indices() {
        if let Some(&(_, close)) = BRACKETS.iter().find(|(o, _)| *o == c) {
            open = Some((i, i + c.len_utf8(), close));
        } else if let Some((start, content_start, close)) = open {
            if c == close {
                if is_tag_content(&s[content_start..i]) {
                    return Some((start, i + c.len_utf8()));
                }
                open = None;
            }
        }
    }
    None
}

/// `FLAC`, `2001`, `24-96`, `320 kbps`, `Vinyl Rip`, `WEB`, `Hi-Res`….
fn is_tag_content(content: &str) -> bool {
    let lower = content.to_lowercase().replace("hi-res", "hires");
    let mut tokens = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty())
        .peekable();
    tokens.peek().is_some()
        && tokens.all(|t| is_year(t) || is_quality_token(t) || is_media_count(t))
}

/// `2cd`, `3lp`: how many discs the rip spans.
fn is_media_count(t: &str) -> bool {
    t.strip_suffix("cd")
        .or_else(|| t.strip_suffix("lp"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One lower-case word of a rip description.
fn is_quality_token(t: &str) -> bool {
    const WORDS: [&str; 48] = [
        "flac", "mp3", "aac", "alac", "ogg", "opus", "vorbis", "wav", "wave", "aiff", "ape", "wv",
        "wavpack", "m4a", "dsd", "dsf", "dff", "mqa", "sacd", "lossless", "lossy", "web", "webrip",
        "webflac", "cd", "cdrip", "vinyl", "vinylrip", "rip", "hires", "hd", "hq", "kbps", "kbit",
        "khz", "hz", "bit", "bits", "cbr", "vbr", "abr", "v0", "v1", "v2", "log", "cue", "24bit",
        "16bit",
    ];
    // Bit depths, sample rates and bitrates that appear bare: `(320)`, `[24-96]`.
    const NUMBERS: [&str; 21] = [
        "8", "16", "24", "32", "44", "44.1", "48", "88", "88.2", "96", "128", "160", "176",
        "176.4", "192", "224", "256", "320", "352.8", "384", "512",
    ];
    const UNITS: [&str; 8] = ["kbps", "kbit", "kb", "k", "khz", "hz", "bit", "bits"];
    if WORDS.contains(&t) || NUMBERS.contains(&t) {
        return true;
    }
    // `320k`, `24bit`, `96khz`, `44.1khz`.
    let number_len = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    number_len > 0
        && t[..number_len].bytes().any(|b| b.is_ascii_digit())
        && UNITS.contains(&&t[number_len..])
}

/// `Daft_Punk-Discovery-WEB-2001-GROUP` → `Daft Punk-Discovery`: a scene
/// release name is one space-less word whose dash-separated tail is rip tags
/// and a group. None when `name` is not in that style.
fn strip_scene_suffix(name: &str) -> Option<String> {
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let mut segments: Vec<&str> = name.split('-').collect();
    let group = segments.pop()?;
    let group_ok = !group.is_empty()
        && group.bytes().all(|b| b.is_ascii_alphanumeric())
        && group.bytes().any(|b| b.is_ascii_alphabetic());
    if !group_ok {
        return None;
    }
    let mut stripped = 0;
    while let Some(last) = segments.last() {
        if !is_scene_tag(last) {
            break;
        }
        segments.pop();
        stripped += 1;
    }
    if stripped == 0 || segments.iter().all(|s| s.is_empty()) {
        return None;
    }
    let title = segments.join("-").replace(['_', '.'], " ");
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let title = clean_name(&title);
    (!title.is_empty()).then_some(title)
}

/// A dash-separated scene tag: year, source, format, `2CD`, `(CAT123)`.
fn is_scene_tag(segment: &str) -> bool {
    const EXTRA: [&str; 13] = [
        "cdm", "cds", "cdr", "vls", "lp", "ep", "retail", "promo", "proper", "bootleg", "internal",
        "read_nfo", "dirfix",
    ];
    let lower = segment.to_lowercase();
    if is_year(&lower)
        || is_quality_token(&lower)
        || is_media_count(&lower)
        || EXTRA.contains(&lower.as_str())
    {
        return true;
    }
    // Catalogue numbers in parentheses: `(ABC123)`.
    if let Some(inner) = lower.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        return !inner.is_empty()
            && inner.bytes().all(|b| b.is_ascii_alphanumeric())
            && inner.bytes().any(|b| b.is_ascii_digit());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guess(artist: Option<&str>, album: Option<&str>) -> FolderGuess {
        FolderGuess {
            artist: artist.map(str::to_string),
            album: album.map(str::to_string),
        }
    }

    #[test]
    fn split_on_backslashes_and_slashes() {
        let (dirs, file) = split(r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac");
        assert_eq!(dirs, vec!["@@abcde", "Music", "Daft Punk", "Discovery"]);
        assert_eq!(file, "01 - One More Time.flac");

        let (dirs, file) = split("share/Music\\Album//01.mp3");
        assert_eq!(dirs, vec!["share", "Music", "Album"]);
        assert_eq!(file, "01.mp3");
    }

    #[test]
    fn split_edge_cases() {
        assert_eq!(split("01.flac"), (vec![], "01.flac"));
        assert_eq!(split(""), (vec![], ""));
        assert_eq!(split(r"\\a\\\b\"), (vec!["a", "b"], ""));
        assert_eq!(split(r"\01.flac"), (vec![], "01.flac"));
    }

    #[test]
    fn stem_and_extension_rules() {
        assert_eq!(
            stem_and_extension("01 - One More Time.FLAC"),
            ("01 - One More Time", Some("flac".to_string()))
        );
        assert_eq!(
            stem_and_extension("a.b.Mp3"),
            ("a.b", Some("mp3".to_string()))
        );
        assert_eq!(stem_and_extension("noext"), ("noext", None));
        // Surrounding spaces are not part of the extension (nor of the stem).
        assert_eq!(
            stem_and_extension("01 - Trailing.mp3 "),
            ("01 - Trailing", Some("mp3".to_string()))
        );
        assert_eq!(
            stem_and_extension(" \t01 - X.FLAC\t "),
            ("01 - X", Some("flac".to_string()))
        );
        assert_eq!(stem_and_extension(".hidden"), (".hidden", None));
        assert_eq!(stem_and_extension("trailing."), ("trailing.", None));
        assert_eq!(stem_and_extension(""), ("", None));
        // A dot inside a title is not an extension.
        assert_eq!(
            stem_and_extension("01 - Mr. Brightside"),
            ("01 - Mr. Brightside", None)
        );
        assert_eq!(
            stem_and_extension("曲.Opus"),
            ("曲", Some("opus".to_string()))
        );
    }

    #[test]
    fn artist_and_album_from_plain_folders() {
        assert_eq!(
            guess_from_folders(r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
    }

    #[test]
    fn generic_parent_gives_no_artist() {
        assert_eq!(
            guess_from_folders(r"@@share\Music\Discovery\01.flac"),
            guess(None, Some("Discovery"))
        );
        for parent in [
            "@@xyz",
            "MUSIC",
            "mp3",
            "Flac",
            "Downloads",
            "complete",
            "Albums",
            "Soulseek",
            "shared",
            "My Music",
            "audio",
            "iTunes",
            "iTunes Media",
            "D",
            "d:",
        ] {
            let remote = format!(r"{parent}\Discovery\01.flac");
            assert_eq!(
                guess_from_folders(&remote),
                guess(None, Some("Discovery")),
                "{parent}"
            );
        }
    }

    #[test]
    fn artist_dash_album_folder() {
        assert_eq!(
            guess_from_folders(
                r"Music\Daft Punk - Discovery (2001) [FLAC]\01 - One More Time.flac"
            ),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\Daft Punk - 2001 - Discovery\01.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\2001 - Daft Punk - Discovery\01.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        // The folder's own artist wins over the folder above it.
        assert_eq!(
            guess_from_folders(r"@@x\Electronic\Daft Punk – Homework\01.flac"),
            guess(Some("Daft Punk"), Some("Homework"))
        );
    }

    #[test]
    fn year_dash_album_is_not_an_artist() {
        assert_eq!(
            guess_from_folders(r"@@x\Daft Punk\2001 - Discovery\01.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\Daft Punk\Discovery - 2001\01.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\Daft Punk\Discovery - [FLAC]\01.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        // Without a named folder above, `Artist - 1989` is an album called 1989.
        assert_eq!(
            guess_from_folders(r"@@x\Music\Taylor Swift - 1989\01.flac"),
            guess(Some("Taylor Swift"), Some("1989"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\Prince\Prince - 1999\01.flac"),
            guess(Some("Prince"), Some("1999"))
        );
    }

    #[test]
    fn disc_folders_are_skipped() {
        for disc in [
            "CD1",
            "cd 2",
            "Disc 1",
            "DISK2",
            "Disc 1 of 2",
            "CD_1",
            "cd-03",
            "Disc 2 (Bonus)",
        ] {
            let remote = format!(r"@@x\Pink Floyd\The Wall\{disc}\01.flac");
            assert_eq!(
                guess_from_folders(&remote),
                guess(Some("Pink Floyd"), Some("The Wall")),
                "{disc}"
            );
        }
        // Not disc folders.
        for name in ["CDs", "Discovery", "Disco 2000", "CD 2000"] {
            assert!(!is_disc_folder(name), "{name}");
        }
        // A disc folder with nothing above it says nothing.
        assert_eq!(guess_from_folders(r"CD1\01.flac"), FolderGuess::default());
    }

    #[test]
    fn cjk_and_other_scripts_are_kept() {
        assert_eq!(
            guess_from_folders(r"@@x\音楽\宇多田ヒカル\First Love [FLAC]\01.flac"),
            guess(Some("宇多田ヒカル"), Some("First Love"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\椎名林檎 - 無罪モラトリアム（1999）\01.flac"),
            guess(Some("椎名林檎"), Some("無罪モラトリアム"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\-M-\Mister Mystère [FLAC]\01.mp3"),
            guess(Some("-M-"), Some("Mister Mystère"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\Кино\Группа крови\01.mp3"),
            guess(Some("Кино"), Some("Группа крови"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\فيروز - Ya Tara [320]\01.mp3"),
            guess(Some("فيروز"), Some("Ya Tara"))
        );
    }

    #[test]
    fn no_folders_no_guess() {
        assert_eq!(
            guess_from_folders("01 - Track.flac"),
            FolderGuess::default()
        );
        assert_eq!(guess_from_folders(""), FolderGuess::default());
        // A share root alone is not an album.
        assert_eq!(
            guess_from_folders(r"@@abcde\01.flac"),
            FolderGuess::default()
        );
        assert_eq!(guess_from_folders(r"Music\01.flac"), FolderGuess::default());
    }

    #[test]
    fn generic_album_name_under_a_real_artist_is_an_album() {
        assert_eq!(
            guess_from_folders(r"@@x\Madonna\Music\01 - Music.flac"),
            guess(Some("Madonna"), Some("Music"))
        );
        assert_eq!(
            guess_from_folders(r"@@x\Downloads\Music\01.flac"),
            FolderGuess::default()
        );
    }

    #[test]
    fn dot_folders_never_become_names() {
        let g = guess_from_folders(r"..\..\etc\passwd");
        assert_eq!(g, guess(None, Some("etc")));
        assert_eq!(guess_from_folders(r"a\..\x.flac"), FolderGuess::default());
        assert_eq!(guess_from_folders(r"..\x.flac"), FolderGuess::default());
        let g = guess_from_folders(r".. - ..\x.flac");
        assert_ne!(g.artist.as_deref(), Some(".."));
        assert_ne!(g.album.as_deref(), Some(".."));
    }

    #[test]
    fn clean_removes_years() {
        assert_eq!(clean_album_folder("Discovery (2001)"), "Discovery");
        assert_eq!(clean_album_folder("[2001] Discovery"), "Discovery");
        assert_eq!(clean_album_folder("(2001) Discovery"), "Discovery");
        assert_eq!(clean_album_folder("2001 - Discovery"), "Discovery");
        assert_eq!(clean_album_folder("Discovery - 2001"), "Discovery");
        assert_eq!(clean_album_folder("Discovery (1999-2001)"), "Discovery");
        // A year that is the whole name, or part of it, stays.
        assert_eq!(clean_album_folder("1999"), "1999");
        assert_eq!(clean_album_folder("(2001)"), "(2001)");
        assert_eq!(
            clean_album_folder("2001 A Space Odyssey"),
            "2001 A Space Odyssey"
        );
        assert_eq!(clean_album_folder("1812 - Overture"), "1812 - Overture");
        assert_eq!(
            clean_album_folder("Abbey Road (2019 Remaster)"),
            "Abbey Road (2019 Remaster)"
        );
    }

    #[test]
    fn clean_removes_format_tags() {
        for (raw, clean) in [
            ("Discovery [FLAC]", "Discovery"),
            ("Discovery (320)", "Discovery"),
            ("Discovery [24-96]", "Discovery"),
            ("Discovery [WEB]", "Discovery"),
            ("Discovery (Vinyl Rip)", "Discovery"),
            ("Discovery [MP3 320kbps]", "Discovery"),
            ("Discovery [FLAC 24bit 96kHz]", "Discovery"),
            ("Discovery [16-44.1]", "Discovery"),
            ("Discovery (Lossless)", "Discovery"),
            ("Discovery [Hi-Res]", "Discovery"),
            ("Discovery [V0]", "Discovery"),
            ("Discovery {OGG}", "Discovery"),
            ("Discovery [AAC] [ALAC]", "Discovery"),
            ("Discovery (2001) [FLAC]", "Discovery"),
            ("Discovery [2001, CD, FLAC]", "Discovery"),
            ("[FLAC] Discovery", "Discovery"),
            (
                "Discovery [FLAC] (Deluxe Edition)",
                "Discovery (Deluxe Edition)",
            ),
            ("Discovery - [FLAC]", "Discovery"),
            ("Discovery【FLAC】", "Discovery"),
            ("Now 50 [2CD] [MP3]", "Now 50"),
        ] {
            assert_eq!(clean_album_folder(raw), clean, "{raw}");
        }
    }

    #[test]
    fn clean_keeps_editions_and_names() {
        for kept in [
            "Discovery (Deluxe Edition)",
            "Abbey Road [Super Deluxe]",
            "Live (Explicit)",
            "Homework (Live)",
            "Songs (1)",
            "Greatest Hits, Vol. 2",
            "Jay-Z",
            "Blink-182",
            "無罪モラトリアム",
            "-M-",
            "...",
        ] {
            assert_eq!(clean_album_folder(kept), kept);
        }
    }

    #[test]
    fn clean_strips_scene_suffixes() {
        assert_eq!(
            clean_album_folder("Daft_Punk-Discovery-WEB-2001-GROUP"),
            "Daft Punk-Discovery"
        );
        assert_eq!(clean_album_folder("Discovery-2001-FTD"), "Discovery");
        assert_eq!(
            guess_from_folders(r"@@x\Complete\Daft_Punk_-_Discovery-(VIR123)-WEB-2001-GRP\01.flac"),
            guess(Some("Daft Punk"), Some("Discovery"))
        );
        assert_eq!(
            clean_album_folder("VA-Some.Compilation-(ABC123)-2CD-FLAC-2020-C4"),
            "VA-Some Compilation"
        );
        // Underscores outside scene names are left alone.
        assert_eq!(clean_album_folder("Some_Album"), "Some_Album");
        assert_eq!(
            clean_album_folder("Some_Album (Deluxe)"),
            "Some_Album (Deluxe)"
        );
    }

    #[test]
    fn clean_falls_back_to_trimmed_input() {
        assert_eq!(clean_album_folder("  [FLAC]  "), "[FLAC]");
        assert_eq!(clean_album_folder("   "), "");
        assert_eq!(clean_album_folder(" Discovery "), "Discovery");
    }
}
