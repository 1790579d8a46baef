//! The lyrics file next to the audio file (`<audio name>.lrc` or `.txt`),
//! written through a temporary file in the same directory and renamed, so
//! a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// `song.flac` → `song.lrc`: same directory, same name.
pub fn path_for(audio: &Path, extension: &str) -> PathBuf {
    audio.with_extension(extension)
}

pub fn write(path: &Path, contents: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", fastrand::u64(..)));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Removes the other kind of sidecar an earlier run wrote (`.txt` when a
/// `.lrc` replaces it); only ever a sibling of `audio` with its name.
pub fn remove_stale(audio: &Path, previous: &Path, current: &Path) {
    let sibling = previous.parent() == audio.parent()
        && previous.file_stem() == audio.file_stem()
        && previous
            .extension()
            .is_some_and(|e| e == "lrc" || e == "txt");
    if sibling && previous != current {
        let _ = std::fs::remove_file(previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_to_the_audio_and_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let audio = dir.path().join("01 - One More Time.flac");
        let lrc = path_for(&audio, "lrc");
        assert_eq!(lrc, dir.path().join("01 - One More Time.lrc"));
        write(&lrc, "[00:01.00]a\n").unwrap();
        write(&lrc, "[00:01.00]b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&lrc).unwrap(), "[00:01.00]b\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let txt = path_for(&audio, "txt");
        write(&txt, "words").unwrap();
        remove_stale(&audio, &txt, &lrc);
        assert!(!txt.exists());
        let unrelated = dir.path().join("notes.txt");
        write(&unrelated, "keep").unwrap();
        remove_stale(&audio, &unrelated, &lrc);
        assert!(unrelated.exists());
    }
}
