//! One instance per data directory. Two processes on one database would claim
//! the same jobs and move the same files, so the first holds an exclusive OS
//! lock (`flock`) on `<data dir>/harmony.lock` for its whole life. The kernel
//! drops the lock when the process ends, however it ends (SIGKILL included),
//! so a stale lock cannot outlive its owner.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const LOCK_FILE: &str = "harmony.lock";

/// Held while the process runs; dropping it releases the lock.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another Harmony instance{} is already using the data directory {}",
        .pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        .dir.display()
    )]
    Held { dir: PathBuf, pid: Option<u32> },
    #[error("cannot lock the data directory {}: {source}", .dir.display())]
    Io {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl DataDirLock {
    /// Takes the lock without waiting, creating the directory if needed, and
    /// writes this process's id into the lock file for the next one to name.
    pub fn acquire(dir: &Path) -> Result<DataDirLock, LockError> {
        let io = |source| LockError::Io {
            dir: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    pid: read_pid(&mut file),
                })
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(DataDirLock { _file: file })
    }
}

/// The owner's pid as it wrote it; `None` while it is still writing it.
fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_and_names_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let first = DataDirLock::acquire(&data).unwrap();
        match DataDirLock::acquire(&data) {
            Err(LockError::Held { dir, pid }) => {
                assert_eq!(dir, data);
                assert_eq!(pid, Some(std::process::id()));
            }
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        DataDirLock::acquire(&data).unwrap();
    }

    #[test]
    fn the_message_is_one_line_naming_directory_and_process() {
        let e = LockError::Held {
            dir: PathBuf::from("/srv/harmony"),
            pid: Some(42),
        };
        assert_eq!(
            e.to_string(),
            "another Harmony instance (pid 42) is already using the data directory /srv/harmony"
        );
    }
}
