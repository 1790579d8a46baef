//! Copy → change the copy → verify → fsync → atomic rename.
//!
//! The original file is only ever replaced by `rename`, after the changed copy was re-read
//! and checked. Any error removes the copy and leaves the original byte-identical.
//!
//! The temp file doubles as a per-file write lock: it is created with `create_new` and held
//! with an exclusive `File::try_lock` for the whole read-modify-write, so two writers of the
//! same file (say the artwork and the lyrics worker) run one after the other instead of
//! losing each other's change. A temp file nobody holds is a crash leftover and is removed.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lofty::id3::v2::Id3v2Version;

use super::format::AudioSummary;
use super::format::{sniff_format, AudioDoc};
use super::{Id3Version, TagError};

/// Temp copies are named `.<file name>` + this suffix, in the file's own directory.
pub const TEMP_SUFFIX: &str = ".harmony-tmp";

/// Largest accepted difference between the durations before and after a write.
const DURATION_TOLERANCE_MS: u64 = 50;

/// How long to wait for another write of the same file to finish.
const BUSY_WAIT: Duration = Duration::from_secs(10);
const BUSY_POLL: Duration = Duration::from_millis(20);
/// An unlocked temp file seen this many times in a row is a crash leftover.
const STALE_AFTER_POLLS: u32 = 3;

/// The hidden temp path next to `path`.
pub(crate) fn temp_path(path: &Path) -> Result<PathBuf, TagError> {
    let name = path
        .file_name()
        .ok_or_else(|| TagError::Io(format!("{} has no file name", path.display())))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(TEMP_SUFFIX);
    Ok(path.with_file_name(temp_name))
}

/// Whether `path` still names the open `file` (it could have been removed and re-created by
/// someone who wrongly took it for a leftover).
#[cfg(unix)]
fn still_ours(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_ours(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// The locked temp file. Dropping it removes the file (if it is still ours) and then releases
/// the lock, unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    file: File,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed && still_ours(&self.file, &self.path) {
            if let Err(e) = fs::remove_file(&self.path) {
                tracing::warn!(path = %self.path.display(), error = %e, "could not remove temp file");
            }
        }
        // `self.file` closes after this: the lock is released once the path is gone.
    }
}

/// Creates and locks the temp file, waiting while another writer holds it.
fn acquire_temp(path: &Path) -> Result<TempFile, TagError> {
    let deadline = Instant::now() + BUSY_WAIT;
    let mut unlocked_polls = 0;
    loop {
        let created = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path);
        match created {
            Ok(file) => match file.try_lock() {
                Ok(()) => {
                    return Ok(TempFile {
                        path: path.to_path_buf(),
                        file,
                        armed: true,
                    })
                }
                // Someone locked it in the instant after we created it; they own it now.
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => {
                    let _ = fs::remove_file(path);
                    return Err(TagError::io("locking the temp file", e));
                }
            },
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                match OpenOptions::new().read(true).write(true).open(path) {
                    Ok(existing) => match existing.try_lock() {
                        Ok(()) => {
                            unlocked_polls += 1;
                            if unlocked_polls >= STALE_AFTER_POLLS {
                                tracing::warn!(path = %path.display(), "removing stale temp file");
                                match fs::remove_file(path) {
                                    Ok(()) => {}
                                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                                    Err(e) => {
                                        return Err(TagError::io("removing a stale temp file", e))
                                    }
                                }
                                unlocked_polls = 0;
                                continue;
                            }
                        }
                        Err(TryLockError::WouldBlock) => unlocked_polls = 0,
                        Err(TryLockError::Error(e)) => {
                            return Err(TagError::io("checking an existing temp file", e))
                        }
                    },
                    // Renamed or removed meanwhile: try again at once.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(TagError::io("opening an existing temp file", e)),
                }
            }
            Err(e) => return Err(TagError::io("creating the temp file", e)),
        }
        if Instant::now() >= deadline {
            return Err(TagError::Io(format!(
                "another write of this file is still running ({} is locked)",
                path.display()
            )));
        }
        std::thread::sleep(BUSY_POLL);
    }
}

/// Usable audio: something to compare the written copy with.
fn check_audio(summary: &AudioSummary) -> Result<(), TagError> {
    if summary.duration_ms == 0 || summary.sample_rate.unwrap_or(0) == 0 {
        return Err(TagError::Unreadable(
            "no audio stream found (zero duration or sample rate)".to_string(),
        ));
    }
    Ok(())
}

fn same_audio(before: &AudioSummary, after: &AudioSummary) -> Result<(), String> {
    if before.format != after.format {
        return Err(format!(
            "file type changed from {:?} to {:?}",
            before.format, after.format
        ));
    }
    if before.duration_ms.abs_diff(after.duration_ms) > DURATION_TOLERANCE_MS {
        return Err(format!(
            "duration changed from {} ms to {} ms",
            before.duration_ms, after.duration_ms
        ));
    }
    if before.sample_rate != after.sample_rate || before.channels != after.channels {
        return Err(format!(
            "audio format changed from {:?} Hz/{:?} ch to {:?} Hz/{:?} ch",
            before.sample_rate, before.channels, after.sample_rate, after.channels
        ));
    }
    Ok(())
}

/// Applies `change` to a parsed copy of `path` and replaces the file atomically once
/// `verify` accepts the re-read copy.
///
/// `change` edits the in-memory document and returns what the copy must contain; `verify`
/// gets the re-read copy and that value. Returns the value and the re-read document.
pub(crate) fn safe_write<T>(
    path: &Path,
    id3: Id3Version,
    change: impl FnOnce(&mut AudioDoc) -> Result<T, TagError>,
    verify: impl FnOnce(&AudioDoc, &T) -> Result<(), String>,
) -> Result<(T, AudioDoc), TagError> {
    // The lock first, so that the original is parsed after any other writer finished.
    let temp = temp_path(path)?;
    let mut temp = acquire_temp(&temp)?;

    let (format, mut doc) = AudioDoc::open(path)?;
    let before = doc.summary();
    check_audio(&before)?;
    let expected = change(&mut doc)?;

    // 1. byte copy of the original (streamed, never fully in memory)
    let mut original = File::open(path).map_err(|e| TagError::io("opening the original", e))?;
    let original_meta = original
        .metadata()
        .map_err(|e| TagError::io("reading file metadata", e))?;
    let out = &mut temp.file;
    let copied =
        io::copy(&mut original, out).map_err(|e| TagError::io("copying to the temp file", e))?;
    drop(original);
    if copied != original_meta.len() {
        return Err(TagError::Io(format!(
            "copied {copied} of {} bytes",
            original_meta.len()
        )));
    }

    // 2. write the tags into the copy (lofty expects to start at the beginning)
    out.seek(SeekFrom::Start(0))
        .map_err(|e| TagError::io("seeking the temp file", e))?;
    doc.save_to(out, id3)?;
    drop(doc);
    out.sync_all()
        .map_err(|e| TagError::io("syncing the temp file", e))?;

    // 3. re-read and verify the copy
    let sniffed = sniff_format(out)?;
    if sniffed != Some(format) {
        return Err(TagError::Verify(format!(
            "written file is detected as {sniffed:?}, expected {format:?}"
        )));
    }
    out.seek(SeekFrom::Start(0))
        .map_err(|e| TagError::io("seeking the temp file", e))?;
    let reread = AudioDoc::read(format, &mut BufReader::new(&mut *out))
        .map_err(|e| TagError::Verify(format!("written file does not parse: {e}")))?;
    same_audio(&before, &reread.summary()).map_err(TagError::Verify)?;
    if let (Id3Version::V23, AudioDoc::Mp3(f)) = (id3, &reread) {
        let version = f.id3v2().map(|t| t.original_version());
        if version != Some(Id3v2Version::V3) {
            return Err(TagError::Verify(format!(
                "ID3v2.3 requested, file has {version:?}"
            )));
        }
    }
    verify(&reread, &expected).map_err(TagError::Verify)?;

    // 4. keep the original's permissions, then replace it atomically
    out.set_permissions(original_meta.permissions())
        .map_err(|e| TagError::io("copying permissions", e))?;
    if !still_ours(&temp.file, &temp.path) {
        return Err(TagError::Io(
            "the temp file was replaced by another process".to_string(),
        ));
    }
    fs::rename(&temp.path, path).map_err(|e| TagError::io("replacing the original", e))?;
    temp.armed = false;
    sync_dir(path);
    drop(temp);
    Ok((expected, reread))
}

/// Makes the rename durable (best effort: not every platform can fsync a directory).
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::super::AudioFormat;
    use super::*;

    #[test]
    fn temp_name_is_hidden_and_next_to_the_file() {
        let p = temp_path(Path::new("/music/a/01 - x.flac")).unwrap();
        assert_eq!(p, Path::new("/music/a/.01 - x.flac.harmony-tmp"));
        let p = temp_path(Path::new("song.mp3")).unwrap();
        assert_eq!(p, Path::new(".song.mp3.harmony-tmp"));
        assert!(temp_path(Path::new("/")).is_err());
    }

    #[test]
    fn audio_comparison() {
        let a = AudioSummary {
            format: AudioFormat::Flac,
            duration_ms: 1000,
            sample_rate: Some(8000),
            channels: Some(1),
        };
        assert!(same_audio(&a, &a).is_ok());
        let b = AudioSummary {
            duration_ms: 1050,
            ..a
        };
        assert!(same_audio(&a, &b).is_ok());
        let c = AudioSummary {
            duration_ms: 1051,
            ..a
        };
        assert!(same_audio(&a, &c).unwrap_err().contains("duration"));
        let d = AudioSummary {
            channels: Some(2),
            ..a
        };
        assert!(same_audio(&a, &d).is_err());
        let e = AudioSummary {
            format: AudioFormat::Mp3,
            ..a
        };
        assert!(same_audio(&a, &e).is_err());
        assert!(check_audio(&AudioSummary {
            duration_ms: 0,
            ..a
        })
        .is_err());
    }
}
