//! The extended M3U playlist a media server imports (Navidrome, Jellyfin,
//! Plex): `#EXTM3U`, then per track `#EXTINF:<seconds>,<artist> - <title>`
//! and its path relative to the playlist file, `/`-separated.

use std::path::{Component, Path};

use crate::domain::downloads::naming::sanitize_file_name;

/// One track of the playlist, in the playlist's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uEntry {
    /// Whole seconds (rounded); `-1` when unknown, as the format says.
    pub duration_ms: Option<u64>,
    pub artist: String,
    pub title: String,
    /// The file's path relative to the playlist's folder.
    pub path: String,
}

/// The file's text (LF line ends, a final newline).
pub fn render(entries: &[M3uEntry]) -> String {
    let mut out = String::from("#EXTM3U\n");
    for e in entries {
        let seconds = e.duration_ms.map_or(-1, |ms| {
            i64::try_from((ms + 500) / 1000).unwrap_or(i64::MAX)
        });
        // A line break inside a tag would end the directive early.
        let clean = |s: &str| s.replace(['\r', '\n'], " ");
        out.push_str(&format!(
            "#EXTINF:{seconds},{} - {}\n{}\n",
            clean(&e.artist),
            clean(&e.title),
            e.path
        ));
    }
    out
}

/// The playlist's file name: its name sanitised like a library segment.
pub fn file_name(playlist_name: &str) -> String {
    sanitize_file_name(playlist_name, Some("m3u8"))
}

/// `file` relative to the folder `from` (both absolute, normalised), with
/// `/` separators: `../Artist/Album/01 - X.flac`.
pub fn relative_path(from: &Path, file: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = file.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_m3u_with_rounded_seconds() {
        let text = render(&[
            M3uEntry {
                duration_ms: Some(320_357),
                artist: "Daft Punk".into(),
                title: "One More Time".into(),
                path: "../Daft Punk/Discovery/01 - One More Time.flac".into(),
            },
            M3uEntry {
                duration_ms: None,
                artist: "A".into(),
                title: "Line\nbreak".into(),
                path: "x.mp3".into(),
            },
        ]);
        assert_eq!(
            text,
            "#EXTM3U\n#EXTINF:320,Daft Punk - One More Time\n\
             ../Daft Punk/Discovery/01 - One More Time.flac\n\
             #EXTINF:-1,A - Line break\nx.mp3\n"
        );
        assert_eq!(render(&[]), "#EXTM3U\n");
    }

    #[test]
    fn paths_relative_to_the_playlist_folder() {
        assert_eq!(
            relative_path(
                Path::new("/music/Playlists"),
                Path::new("/music/Daft Punk/Discovery/01 - One.flac")
            ),
            "../Daft Punk/Discovery/01 - One.flac"
        );
        assert_eq!(
            relative_path(Path::new("/music"), Path::new("/music/A/x.mp3")),
            "A/x.mp3"
        );
        assert_eq!(
            relative_path(Path::new("/data/lists"), Path::new("/music/A/x.mp3")),
            "../../music/A/x.mp3"
        );
    }

    #[test]
    fn names_are_sanitised_like_library_segments() {
        assert_eq!(file_name("Road trip: 2024/25"), "Road trip_ 2024_25.m3u8");
        assert_eq!(file_name("CON"), "CON_.m3u8");
        assert_eq!(file_name(".."), "_.m3u8");
    }
}
