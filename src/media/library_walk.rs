//! Walking the library's roots: audio files with their size and mtime.
//! Symbolic links are taken only when they point at a file inside one of
//! the roots; a directory link is never entered (no loops, no escape).

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use walkdir::WalkDir;

use crate::domain::library::audio_files::is_audio;

/// A root as configured, and where it really is.
#[derive(Debug, Clone)]
pub struct Root {
    pub configured: PathBuf,
    /// Canonical path: every indexed path starts with it.
    pub path: PathBuf,
    /// `path` as text, the `root` column.
    pub key: String,
}

/// Roots that exist, and the others with the reason.
pub fn resolve_roots(dirs: &[PathBuf]) -> (Vec<Root>, Vec<(PathBuf, String)>) {
    let mut ok: Vec<Root> = Vec::new();
    let mut failed = Vec::new();
    for dir in dirs {
        match std::fs::canonicalize(dir) {
            Ok(path) if path.is_dir() => {
                if ok.iter().all(|r| r.path != path) {
                    ok.push(Root {
                        configured: dir.clone(),
                        key: path.to_string_lossy().into_owned(),
                        path,
                    });
                }
            }
            Ok(_) => failed.push((dir.clone(), "not a directory".to_string())),
            Err(e) => failed.push((dir.clone(), e.to_string())),
        }
    }
    (ok, failed)
}

/// An audio file found by the walk.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub size: i64,
    pub mtime_ms: i64,
}

/// What a walk could not take.
#[derive(Debug, Clone, Default)]
pub struct WalkReport {
    /// Entries the walk could not read (permissions, vanished): the root's
    /// index is then not pruned, a file merely unreadable is not deleted.
    pub errors: usize,
    pub first_error: Option<String>,
    /// Links pointing outside every root (or at a directory), left alone.
    pub links_not_followed: usize,
}

/// Size and modification time (ms since the epoch) of a file.
pub fn stat(path: &Path) -> std::io::Result<(i64, i64)> {
    let meta = std::fs::metadata(path)?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Ok((i64::try_from(meta.len()).unwrap_or(i64::MAX), mtime))
}

/// Is `path` (canonical) inside one of the roots?
pub fn inside(path: &Path, roots: &[Root]) -> bool {
    roots.iter().any(|r| path.starts_with(&r.path))
}

/// Calls `visit` for every audio file under `root`, in directory order.
pub fn walk(root: &Root, roots: &[Root], mut visit: impl FnMut(Found)) -> WalkReport {
    let mut report = WalkReport::default();
    for entry in WalkDir::new(&root.path).follow_links(false) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                report.errors += 1;
                report.first_error.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        let file_type = entry.file_type();
        if file_type.is_dir() || !is_audio(entry.path()) {
            continue;
        }
        if file_type.is_symlink() {
            let target = std::fs::canonicalize(entry.path());
            if !target.is_ok_and(|t| t.is_file() && inside(&t, roots)) {
                report.links_not_followed += 1;
                continue;
            }
        } else if !file_type.is_file() {
            continue;
        }
        match stat(entry.path()) {
            Ok((size, mtime_ms)) => visit(Found {
                path: entry.into_path(),
                size,
                mtime_ms,
            }),
            Err(e) => {
                report.errors += 1;
                report.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    report
}

/// Lowers the calling thread's scheduling priority (nice 10), so the tag
/// reads of a scan yield to the HTTP workers. Linux only (per-thread nice).
pub fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions; setpriority on our own thread
        // id only changes this thread's nice value (it may fail, harmlessly).
        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
        // Never 0: that would mean the whole process.
        if let Ok(tid) = libc::id_t::try_from(tid).map(|t| t.max(1)) {
            unsafe {
                let _ = libc::setpriority(libc::PRIO_PROCESS as _, tid, 10);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_taken_only_to_files_inside_the_roots() {
        let dir = tempfile::tempdir().unwrap();
        let (root, outside) = (dir.path().join("music"), dir.path().join("outside"));
        std::fs::create_dir_all(root.join("A")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(root.join("A/a.mp3"), b"x").unwrap();
        std::fs::write(root.join("A/notes.txt"), b"x").unwrap();
        std::fs::write(outside.join("o.mp3"), b"x").unwrap();
        std::os::unix::fs::symlink(root.join("A/a.mp3"), root.join("b.mp3")).unwrap();
        std::os::unix::fs::symlink(outside.join("o.mp3"), root.join("c.mp3")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("D")).unwrap();
        // A loop is never entered.
        std::os::unix::fs::symlink(&root, root.join("A/loop")).unwrap();
        let (roots, failed) = resolve_roots(&[root.clone(), dir.path().join("missing")]);
        assert_eq!(failed.len(), 1);
        let mut found = Vec::new();
        let report = walk(&roots[0], &roots, |f| found.push(f.path));
        found.sort();
        let base = &roots[0].path;
        assert_eq!(found, vec![base.join("A/a.mp3"), base.join("b.mp3")]);
        assert_eq!(
            report.links_not_followed, 1,
            "c.mp3 (D and loop are directories)"
        );
        assert_eq!(report.errors, 0);
    }
}
