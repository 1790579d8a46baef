//! Where a track goes in the library: Unicode-safe path segments (§13 "Library path").
//!
//! `<MUSIC_DIR>/<Artist>/<Album>/<NN> - <Title>.<ext>`. Every segment is made
//! safe on its own (no separators, no `.`/`..`, no Windows device names, at
//! most 200 bytes), so joining the three onto `MUSIC_DIR` can never leave it,
//! whatever a Soulseek peer or a metadata provider sent us.

use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use crate::domain::downloads::remote_path;

/// Byte cap per segment: below the 255-byte name limit of common file
/// systems, with room for a collision suffix and a `.lrc` sidecar.
pub const MAX_SEGMENT_BYTES: usize = 200;

/// Extensions are short; a longer one is cut so the stem keeps its room.
const MAX_EXTENSION_BYTES: usize = 32;

const UNKNOWN_ARTIST: &str = "Unknown Artist";
const UNKNOWN_ALBUM: &str = "Unknown Album";
/// Only when neither the title nor the remote file name says anything.
const UNKNOWN_TITLE: &str = "Unknown Title";

/// What we know about a track when naming its file; `None`, empty and
/// whitespace-only all mean "unknown".
#[derive(Debug, Clone, Default)]
pub struct TrackNaming<'a> {
    pub artist: Option<&'a str>,
    pub album_artist: Option<&'a str>,
    pub title: Option<&'a str>,
    pub album: Option<&'a str>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub disc_count: Option<u32>,
}

/// The three sanitised segments below `MUSIC_DIR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryPath {
    pub artist_dir: String,
    pub album_dir: String,
    pub file_name: String,
}

impl LibraryPath {
    pub fn segments(&self) -> [&str; 3] {
        [&self.artist_dir, &self.album_dir, &self.file_name]
    }

    /// `<music_dir>/<Artist>/<Album>/<file>`; inside `music_dir` because
    /// every segment is a plain name.
    pub fn under(&self, music_dir: &Path) -> PathBuf {
        self.segments()
            .iter()
            .fold(music_dir.to_path_buf(), |path, segment| path.join(segment))
    }
}

/// The library location of a track, from its metadata and, where that is
/// missing, from the Soulseek path it was downloaded from.
pub fn library_path(track: &TrackNaming<'_>, remote_filename: &str) -> LibraryPath {
    let (_, remote_file) = remote_path::split(remote_filename);
    let (remote_stem, extension) = remote_path::stem_and_extension(remote_file);
    let folders = remote_path::guess_from_folders(remote_filename);

    let artist = known(track.album_artist)
        .or_else(|| known(track.artist))
        .or_else(|| known(folders.artist.as_deref()))
        .unwrap_or(UNKNOWN_ARTIST);
    let album = known(track.album)
        .or_else(|| known(folders.album.as_deref()))
        .unwrap_or(UNKNOWN_ALBUM);
    let title = known(track.title)
        .or_else(|| known(Some(remote_stem)))
        .unwrap_or(UNKNOWN_TITLE);

    let stem = match track_prefix(track) {
        Some(prefix) => format!("{prefix} - {title}"),
        None => title.to_string(),
    };
    LibraryPath {
        artist_dir: sanitize_segment(artist),
        album_dir: sanitize_segment(album),
        file_name: sanitize_file_name(&stem, extension.as_deref()),
    }
}

/// `05`, `123`, or `2-05` on multi-disc releases; None without a track number.
fn track_prefix(track: &TrackNaming<'_>) -> Option<String> {
    let number = track.track_number.filter(|n| *n > 0)?;
    let disc = track.disc_number.filter(|d| *d > 0);
    let multi_disc = disc.is_some_and(|d| d >= 2) || track.disc_count.is_some_and(|c| c >= 2);
    Some(if multi_disc {
        format!("{}-{number:02}", disc.unwrap_or(1))
    } else {
        format!("{number:02}")
    })
}

/// The trimmed value when it says something.
fn known(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// One path segment made safe (rules above, 200-byte cap).
pub fn sanitize_segment(raw: &str) -> String {
    non_empty(clean_part(raw, MAX_SEGMENT_BYTES, true))
}

/// A file name (stem + optional extension) made safe; the cap keeps the extension.
pub fn sanitize_file_name(stem: &str, extension: Option<&str>) -> String {
    let Some(ext) = extension.and_then(clean_extension) else {
        return sanitize_segment(stem);
    };
    let budget = MAX_SEGMENT_BYTES - 1 - ext.len();
    // Dots inside the name are fine once an extension follows; only a stem
    // made of dots alone would read as `.`/`..`-like noise.
    let stem = clean_part(stem, budget, false);
    let stem = if stem.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        stem
    };
    format!("{stem}.{ext}")
}

/// `01 - X.flac` → `01 - X_1.flac` for n = 1 (still ≤ 200 bytes, extension kept).
/// `n = 0` returns the name unchanged, so callers can count from zero.
pub fn with_collision_suffix(file_name: &str, n: u32) -> String {
    if n == 0 {
        return file_name.to_string();
    }
    let suffix = format!("_{n}");
    // A dot followed by text with spaces (`Mr. Brightside`) is not an extension.
    let (stem, ext) = match file_name.rfind('.') {
        Some(i)
            if i > 0
                && file_name.len() - i > 1
                && file_name.len() - i <= MAX_EXTENSION_BYTES + 1
                && !file_name[i..].contains(char::is_whitespace) =>
        {
            (&file_name[..i], &file_name[i..])
        }
        _ => (file_name, ""),
    };
    let budget = MAX_SEGMENT_BYTES.saturating_sub(suffix.len() + ext.len());
    format!("{}{suffix}{ext}", cut_at_char_boundary(stem, budget))
}

/// Characters no file system of ours accepts in a name, plus controls.
fn is_forbidden(c: char) -> bool {
    matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control()
}

/// NFC, forbidden characters replaced by `_`.
fn normalize(raw: &str) -> String {
    raw.nfc()
        .map(|c| if is_forbidden(c) { '_' } else { c })
        .collect()
}

/// Leading spaces; trailing spaces (and trailing dots, which Windows drops).
fn trim_ends(s: &str, trailing_dots: bool) -> &str {
    s.trim_start()
        .trim_end_matches(|c: char| c.is_whitespace() || (trailing_dots && c == '.'))
}

/// Normalised, trimmed, device-safe and at most `budget` bytes; may be empty.
fn clean_part(raw: &str, budget: usize, trailing_dots: bool) -> String {
    let normalized = normalize(raw);
    let trimmed = trim_ends(&normalized, trailing_dots);
    let cut = trim_ends(cut_at_char_boundary(trimmed, budget), trailing_dots);
    // The device check runs after the cut: cutting `CON    …x` leaves `CON`.
    let safe = avoid_device_name(cut);
    if safe.len() > budget {
        // The `_` sits right after a ≤ 4-character device name, far from
        // the end that is cut off here.
        trim_ends(cut_at_char_boundary(&safe, budget), trailing_dots).to_string()
    } else {
        safe
    }
}

/// A segment that would be empty or `.`/`..` becomes `_`.
fn non_empty(s: String) -> String {
    if matches!(s.as_str(), "" | "." | "..") {
        "_".to_string()
    } else {
        s
    }
}

/// The extension cleaned like a segment, without dots at either end.
fn clean_extension(ext: &str) -> Option<String> {
    let normalized = normalize(ext);
    let trimmed = normalized.trim_matches(|c: char| c.is_whitespace() || c == '.');
    let cut = cut_at_char_boundary(trimmed, MAX_EXTENSION_BYTES)
        .trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    (!cut.is_empty()).then(|| cut.to_string())
}

/// Windows opens a device instead of a file for `CON`, `CON.mp3`, `con .txt`:
/// a `_` after the name (before the first dot) turns it into a plain name.
fn avoid_device_name(s: &str) -> String {
    let base_end = s.find('.').unwrap_or(s.len());
    let base = s[..base_end].trim_end();
    if is_device_name(base) {
        format!("{base}_{}", &s[base.len()..])
    } else {
        s.to_string()
    }
}

fn is_device_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" => true,
        _ => {
            let bytes = upper.as_bytes();
            bytes.len() == 4
                && (upper.starts_with("COM") || upper.starts_with("LPT"))
                && (b'1'..=b'9').contains(&bytes[3])
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes ending at a char boundary.
fn cut_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMOTE: &str = r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac";

    fn full() -> TrackNaming<'static> {
        TrackNaming {
            artist: Some("Daft Punk"),
            album_artist: None,
            title: Some("One More Time"),
            album: Some("Discovery"),
            track_number: Some(1),
            disc_number: Some(1),
            disc_count: None,
        }
    }

    fn path(artist: &str, album: &str, file: &str) -> LibraryPath {
        LibraryPath {
            artist_dir: artist.to_string(),
            album_dir: album.to_string(),
            file_name: file.to_string(),
        }
    }

    #[test]
    fn full_metadata() {
        assert_eq!(
            library_path(&full(), REMOTE),
            path("Daft Punk", "Discovery", "01 - One More Time.flac")
        );
        assert_eq!(
            library_path(&full(), REMOTE).segments(),
            ["Daft Punk", "Discovery", "01 - One More Time.flac"]
        );
    }

    #[test]
    fn under_music_dir() {
        let p = library_path(&full(), REMOTE).under(Path::new("/music"));
        assert_eq!(
            p,
            Path::new("/music/Daft Punk/Discovery/01 - One More Time.flac")
        );
    }

    #[test]
    fn artist_precedence() {
        let mut t = full();
        t.album_artist = Some("Various Artists");
        assert_eq!(library_path(&t, REMOTE).artist_dir, "Various Artists");

        // Blank album artist counts as unknown.
        t.album_artist = Some("   ");
        assert_eq!(library_path(&t, REMOTE).artist_dir, "Daft Punk");

        // The track artist is taken as given, commas and all.
        t.artist = Some("Tyler, the Creator");
        assert_eq!(library_path(&t, REMOTE).artist_dir, "Tyler, the Creator");

        // Then the folder above the album folder.
        t.artist = Some("");
        t.album_artist = None;
        let remote = r"@@x\Music\Justice\Cross\01.flac";
        assert_eq!(library_path(&t, remote).artist_dir, "Justice");

        // Or the artist of an `Artist - Album` folder.
        let remote = r"@@x\Music\Justice - Cross (2007) [FLAC]\01.flac";
        assert_eq!(library_path(&t, remote).artist_dir, "Justice");

        // Else unknown.
        let remote = r"@@x\Music\Cross\01.flac";
        assert_eq!(library_path(&t, remote).artist_dir, "Unknown Artist");
        assert_eq!(library_path(&t, "01.flac").artist_dir, "Unknown Artist");
    }

    #[test]
    fn album_precedence() {
        let mut t = full();
        t.album = None;
        let remote = r"@@x\Music\Daft Punk - Discovery (2001) [FLAC]\01.flac";
        assert_eq!(library_path(&t, remote).album_dir, "Discovery");
        let remote = r"@@x\Daft Punk\Discovery-WEB-2001-GROUP\CD1\01.flac";
        assert_eq!(library_path(&t, remote).album_dir, "Discovery");
        t.album = Some(" ");
        assert_eq!(library_path(&t, "01.flac").album_dir, "Unknown Album");
        let remote = r"@@x\Music\01.flac";
        assert_eq!(library_path(&t, remote).album_dir, "Unknown Album");
    }

    #[test]
    fn track_numbers_and_discs() {
        let mut t = full();
        t.track_number = Some(5);
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "05 - One More Time.flac"
        );
        t.disc_number = Some(2);
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "2-05 - One More Time.flac"
        );
        t.disc_number = Some(1);
        t.disc_count = Some(2);
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "1-05 - One More Time.flac"
        );
        // Disc count ≥ 2 without a disc number: disc 1.
        t.disc_number = None;
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "1-05 - One More Time.flac"
        );
        t.disc_number = Some(0);
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "1-05 - One More Time.flac"
        );
        // Single disc: no prefix.
        t.disc_count = Some(1);
        t.disc_number = Some(1);
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "05 - One More Time.flac"
        );
        // Three digits as they are.
        t.track_number = Some(123);
        assert_eq!(
            library_path(&t, REMOTE).file_name,
            "123 - One More Time.flac"
        );
        // 0 is unknown; without a track number the disc is not shown either.
        t.track_number = Some(0);
        t.disc_number = Some(2);
        assert_eq!(library_path(&t, REMOTE).file_name, "One More Time.flac");
        t.track_number = None;
        assert_eq!(library_path(&t, REMOTE).file_name, "One More Time.flac");
    }

    #[test]
    fn title_falls_back_to_remote_stem_and_extension_is_lower_case() {
        let mut t = full();
        t.title = None;
        let remote = r"@@x\A\B\01 - One More Time.FLAC";
        assert_eq!(
            library_path(&t, remote).file_name,
            "01 - 01 - One More Time.flac"
        );
        t.track_number = None;
        assert_eq!(
            library_path(&t, remote).file_name,
            "01 - One More Time.flac"
        );
        t.title = Some("  ");
        assert_eq!(
            library_path(&t, r"x\Mr. Brightside").file_name,
            "Mr. Brightside"
        );
        assert_eq!(library_path(&t, r"x\").file_name, "Unknown Title");
    }

    #[test]
    fn forbidden_characters_are_replaced() {
        assert_eq!(sanitize_segment("AC/DC"), "AC_DC");
        assert_eq!(sanitize_segment(r"a\b:c*d?e"), "a_b_c_d_e");
        assert_eq!(sanitize_segment("\"<x>|"), "__x__");
        assert_eq!(sanitize_segment("nul\0byte"), "nul_byte");
        assert_eq!(sanitize_segment("tab\there\u{7f}\u{85}"), "tab_here__");
        assert_eq!(sanitize_segment("Jay-Z"), "Jay-Z");
        assert_eq!(sanitize_segment("Mr. Brightside"), "Mr. Brightside");
        let t = TrackNaming {
            artist: Some("AC/DC"),
            album: Some("Back in Black"),
            title: Some("Hells Bells / Live?"),
            track_number: Some(1),
            ..Default::default()
        };
        assert_eq!(
            library_path(&t, r"x\y\01.mp3"),
            path("AC_DC", "Back in Black", "01 - Hells Bells _ Live_.mp3")
        );
    }

    #[test]
    fn trailing_dots_and_spaces_are_removed() {
        assert_eq!(sanitize_segment("  Album. . "), "Album");
        assert_eq!(sanitize_segment("Hello..."), "Hello");
        assert_eq!(sanitize_segment(".hidden"), ".hidden");
        assert_eq!(sanitize_segment("..."), "_");
        assert_eq!(sanitize_segment(" .. "), "_");
        assert_eq!(sanitize_segment("."), "_");
        assert_eq!(sanitize_segment(""), "_");
        assert_eq!(sanitize_segment("   "), "_");
        assert_eq!(sanitize_file_name(" Title ", Some("flac")), "Title.flac");
        assert_eq!(sanitize_file_name("Hello...", Some("mp3")), "Hello....mp3");
        assert_eq!(sanitize_file_name("..", Some("mp3")), "_.mp3");
        assert_eq!(sanitize_file_name("", Some("mp3")), "_.mp3");
        assert_eq!(sanitize_file_name("Title", Some(" .FLAC. ")), "Title.FLAC");
        assert_eq!(sanitize_file_name("Title.", Some("")), "Title");
        assert_eq!(sanitize_file_name("Title.", None), "Title");
    }

    #[test]
    fn device_names_get_an_underscore() {
        assert_eq!(sanitize_file_name("CON", Some("mp3")), "CON_.mp3");
        assert_eq!(sanitize_segment("CON.mp3"), "CON_.mp3");
        assert_eq!(sanitize_segment("con"), "con_");
        assert_eq!(sanitize_segment("Nul"), "Nul_");
        assert_eq!(sanitize_segment("aux "), "aux_");
        assert_eq!(sanitize_segment("PRN.tar.gz"), "PRN_.tar.gz");
        assert_eq!(sanitize_segment("com1"), "com1_");
        assert_eq!(sanitize_segment("LPT9.flac"), "LPT9_.flac");
        assert_eq!(sanitize_file_name("con .x", Some("flac")), "con_ .x.flac");
        // Not devices.
        for name in ["COM0", "COM10", "LPT", "CONSOLE", "Icon", "NULL", "CON_"] {
            assert_eq!(sanitize_segment(name), name);
        }
        // A cut that leaves a device name is caught too.
        let raw = format!("CON{}x", " ".repeat(300));
        assert_eq!(sanitize_segment(&raw), "CON_");
        let t = TrackNaming {
            title: Some("CON"),
            ..Default::default()
        };
        assert_eq!(library_path(&t, r"a\CON.MP3").file_name, "CON_.mp3");
        let t = TrackNaming::default();
        assert_eq!(library_path(&t, r"a\CON.MP3").file_name, "CON_.mp3");
    }

    #[test]
    fn nfc_normalisation() {
        assert_eq!(sanitize_segment("Beyonce\u{301}"), "Beyoncé");
        assert_eq!(sanitize_segment("e\u{301}"), "\u{e9}");
        let t = TrackNaming {
            artist: Some("Sigur Ro\u{301}s"),
            title: Some("Se\u{301}"),
            ..Default::default()
        };
        let p = library_path(&t, r"x\y.flac");
        assert_eq!(p.artist_dir, "Sigur Rós");
        assert_eq!(p.file_name, "Sé.flac");
    }

    #[test]
    fn non_latin_scripts_are_kept() {
        for name in [
            "宇多田ヒカル",
            "椎名林檎",
            "Кино",
            "فيروز",
            "עומר אדם",
            "BTS (방탄소년단)",
        ] {
            assert_eq!(sanitize_segment(name), name);
        }
        let t = TrackNaming {
            artist: Some("Кино"),
            album: Some("Группа крови"),
            title: Some("Звезда по имени Солнце"),
            track_number: Some(7),
            ..Default::default()
        };
        assert_eq!(
            library_path(&t, r"x\y.mp3"),
            path("Кино", "Группа крови", "07 - Звезда по имени Солнце.mp3")
        );
    }

    #[test]
    fn long_names_are_cut_at_a_char_boundary() {
        let long = "東".repeat(100); // 300 bytes
        let seg = sanitize_segment(&long);
        assert_eq!(seg.len(), 198);
        assert_eq!(seg, "東".repeat(66));

        let file = sanitize_file_name(&long, Some("flac"));
        assert!(file.len() <= MAX_SEGMENT_BYTES, "{}", file.len());
        assert!(file.ends_with(".flac"));
        assert_eq!(file, format!("{}.flac", "東".repeat(65)));

        let t = TrackNaming {
            title: Some(&long),
            track_number: Some(1),
            ..Default::default()
        };
        let p = library_path(&t, r"x\y.flac");
        assert!(p.file_name.len() <= MAX_SEGMENT_BYTES);
        assert!(p.file_name.starts_with("01 - 東"));
        assert!(p.file_name.ends_with("東.flac"));

        // Trailing spaces exposed by the cut go too.
        let raw = format!("{}{}", "a".repeat(199), "  b");
        assert_eq!(sanitize_segment(&raw), "a".repeat(199));

        // An absurd extension is capped instead of eating the stem.
        let file = sanitize_file_name("Title", Some(&"x".repeat(300)));
        assert_eq!(file, format!("Title.{}", "x".repeat(32)));
    }

    #[test]
    fn collision_suffix() {
        assert_eq!(with_collision_suffix("01 - X.flac", 1), "01 - X_1.flac");
        assert_eq!(with_collision_suffix("01 - X.flac", 12), "01 - X_12.flac");
        assert_eq!(with_collision_suffix("01 - X.flac", 0), "01 - X.flac");
        assert_eq!(with_collision_suffix("noext", 2), "noext_2");
        assert_eq!(with_collision_suffix(".hidden", 1), ".hidden_1");
        assert_eq!(
            with_collision_suffix("Mr. Brightside", 1),
            "Mr. Brightside_1"
        );
        assert_eq!(with_collision_suffix("Hello....mp3", 1), "Hello..._1.mp3");
        assert_eq!(with_collision_suffix("CON_.mp3", 1), "CON__1.mp3");

        let long = sanitize_file_name(&"é".repeat(150), Some("flac"));
        let bumped = with_collision_suffix(&long, 3);
        assert!(bumped.len() <= MAX_SEGMENT_BYTES);
        assert!(bumped.ends_with("é_3.flac"), "{bumped}");

        let bumped = with_collision_suffix(&long, u32::MAX);
        assert!(bumped.len() <= MAX_SEGMENT_BYTES);
        assert!(bumped.ends_with(&format!("_{}.flac", u32::MAX)));
    }

    #[test]
    fn hostile_remote_paths() {
        let t = TrackNaming::default();
        let p = library_path(&t, r"..\..\etc\passwd");
        for segment in p.segments() {
            assert_ne!(segment, "..");
            assert_ne!(segment, ".");
        }
        assert_eq!(p, path("Unknown Artist", "etc", "passwd"));

        let p = library_path(&t, r"..\..\..\x.flac");
        assert_eq!(p, path("Unknown Artist", "Unknown Album", "x.flac"));

        let p = library_path(&t, "/etc/../../x/..");
        for segment in p.segments() {
            assert!(!matches!(segment, "" | "." | ".."), "{p:?}");
            assert!(!segment.contains('/'));
        }

        let p = library_path(&t, "a\\b\0c\\d\0e.flac");
        assert_eq!(p.album_dir, "b_c");
        assert_eq!(p.file_name, "d_e.flac");
    }

    #[test]
    fn every_segment_is_safe() {
        let long_cjk = "字".repeat(120);
        let long_dots = ".".repeat(250);
        let long_ascii = format!("{}.flac", "a".repeat(400));
        let nasty: Vec<&str> = vec![
            "",
            " ",
            ".",
            "..",
            "...",
            ". .",
            "/",
            "\\",
            "../..",
            "..\\..",
            "\0",
            "a\0b",
            "CON",
            "con.mp3",
            "LPT1.",
            "NUL .txt",
            "AUX..",
            "COM9 ",
            "AC/DC",
            "e\u{301}",
            "\u{202e}evil\u{200b}",
            "\u{feff}",
            "\n\r\t",
            "  . . .  ",
            ":*?\"<>|",
            "@@share",
            &long_cjk,
            &long_dots,
            &long_ascii,
            "🎵🎶",
            "Tyler, the Creator",
        ];
        let check = |s: &str, context: &str| {
            assert!(!s.is_empty(), "{context:?}");
            assert!(s != "." && s != "..", "{context:?}");
            assert!(!s.contains(['/', '\\', '\0']), "{context:?} → {s:?}");
            assert!(s.len() <= MAX_SEGMENT_BYTES, "{context:?}");
            assert_eq!(s.trim_end(), s, "{context:?}");
        };
        for raw in &nasty {
            check(&sanitize_segment(raw), raw);
            for ext in [None, Some("flac"), Some(*raw)] {
                check(&sanitize_file_name(raw, ext), raw);
            }
            check(&with_collision_suffix(&sanitize_segment(raw), 7), raw);
            let t = TrackNaming {
                artist: Some(raw),
                album: Some(raw),
                title: Some(raw),
                track_number: Some(3),
                ..Default::default()
            };
            for remote in [raw.to_string(), format!(r"{raw}\{raw}\{raw}.{raw}")] {
                let p = library_path(&t, &remote);
                for s in p.segments() {
                    check(s, raw);
                }
                let p = library_path(&TrackNaming::default(), &remote);
                for s in p.segments() {
                    check(s, raw);
                }
                let joined = p.under(Path::new("/music"));
                assert!(joined.starts_with("/music"));
                assert_eq!(joined.components().count(), 5, "{joined:?}");
            }
        }
    }
}
