//! Which files the library index reads: audio by extension (a cover, a
//! `.lrc`, a `.nfo` is never opened).

use std::path::Path;

/// Extensions lofty reads tags and properties from.
const AUDIO: &[&str] = &[
    "mp3", "flac", "m4a", "mp4", "m4b", "aac", "alac", "ogg", "oga", "opus", "wav", "aif", "aiff",
    "wv", "ape", "mpc", "spx",
];

/// An audio file by its extension (case-insensitive).
pub fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_by_extension_only() {
        assert!(is_audio(Path::new("/m/A/B/01 - X.FLAC")));
        assert!(is_audio(Path::new("x.opus")));
        assert!(!is_audio(Path::new("cover.jpg")));
        assert!(!is_audio(Path::new("01 - X.lrc")));
        assert!(!is_audio(Path::new("mp3")));
    }
}
