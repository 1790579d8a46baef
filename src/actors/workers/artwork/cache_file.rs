//! The cover files in `ARTWORK_DIR`: written to a temporary file in that
//! same directory and renamed (atomic, and never across file systems), read
//! back by name only — a cache row can never point outside the directory.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The file `name` inside `dir`; `None` for anything that is not a plain file name.
fn inside(dir: &Path, name: &str) -> Option<PathBuf> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-');
    plain.then(|| dir.join(name))
}

/// The cached bytes, `None` when the file is gone (or the name is not plain).
pub fn read(dir: &Path, name: &str) -> Option<Vec<u8>> {
    std::fs::read(inside(dir, name)?).ok()
}

pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let target = inside(dir, name).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a plain file name")
    })?;
    std::fs::create_dir_all(dir)?;
    let temp = dir.join(format!(".{name}.{}.tmp", fastrand::u64(..)));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_plain_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join("artwork");
        write(&art, "abc.jpg", b"jpeg").unwrap();
        assert_eq!(read(&art, "abc.jpg").as_deref(), Some(&b"jpeg"[..]));
        assert_eq!(read(&art, "missing.jpg"), None);
        assert!(write(&art, "../escape.jpg", b"x").is_err());
        assert!(write(&art, "a/b.jpg", b"x").is_err());
        assert_eq!(read(&art, "../artwork/abc.jpg"), None);
        let leftovers: Vec<_> = std::fs::read_dir(&art).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }
}
