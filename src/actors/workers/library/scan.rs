//! One scan of the library's roots, run on a blocking thread: the walk
//! compares each audio file's size and mtime with the index, the new and
//! changed files are read by a few low-priority threads, and their rows are
//! written in batches as they come (memory stays flat however large the
//! library). Files gone from a root that was walked without an error leave
//! the index; a root that is missing (an unmounted share) keeps its rows.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Mutex;
use std::time::Instant;

use crate::db::library::{self as store, NewLibraryFile, ScanCounts};
use crate::db::{Db, DbError};
use crate::domain::library::in_library::{file_track_key, FileSide};
use crate::domain::time::now_millis;
use crate::media::library_walk::{self, Found, Root};
use crate::media::tags::read_for_index;

/// Tag-reading threads of a scan (the machine is a NAS: two cores).
pub const READERS: usize = 2;
/// Rows written per transaction.
const BATCH: usize = 500;

/// What a scan did.
#[derive(Debug, Clone, Default)]
pub struct ScanSummary {
    pub scan_id: i64,
    pub counts: ScanCounts,
    /// Roots that could not be walked (whole or in part), with the reason.
    pub root_errors: Vec<String>,
    pub seconds: f64,
}

/// The roots of the index: `MUSIC_DIR` first, then `LIBRARY_EXTRA_DIRS`.
pub fn configured_roots(music_dir: &Path, extra: &[PathBuf]) -> Vec<PathBuf> {
    std::iter::once(music_dir.to_path_buf())
        .chain(extra.iter().cloned())
        .collect()
}

fn int<T: TryInto<i32>>(v: Option<T>) -> Option<i32> {
    v.and_then(|v| v.try_into().ok())
}

/// Reads one file into its row (an unreadable one keeps the reason).
pub fn read_row(path: &Path, root: &str, size: i64, mtime_ms: i64) -> NewLibraryFile {
    let mut row = NewLibraryFile {
        path: path.to_string_lossy().into_owned(),
        root: root.to_string(),
        size,
        mtime_ms,
        indexed_at: now_millis(),
        ..NewLibraryFile::default()
    };
    match read_for_index(path) {
        Ok(read) => {
            let t = read.tags;
            row.track_key = file_track_key(&FileSide {
                artist: t.artist.as_deref(),
                album_artist: t.album_artist.as_deref(),
                title: t.title.as_deref(),
                ..FileSide::default()
            });
            row.format = read.format.map(|f| f.as_str().to_string());
            row.artist = t.artist;
            row.album_artist = t.album_artist;
            row.album = t.album;
            row.title = t.title;
            row.track_number = int(t.track_number);
            row.disc_number = int(t.disc_number);
            row.duration_ms = read.duration_ms.and_then(|d| i64::try_from(d).ok());
            row.isrc = t.isrc;
            row.musicbrainz_recording_id = read.musicbrainz_recording_id;
            row.musicbrainz_release_id = read.musicbrainz_release_id;
            row.spotify_track_id = t.spotify_track_id;
            row.spotify_album_id = t.spotify_album_id;
            row.bitrate = int(read.bitrate);
            row.sample_rate = int(read.sample_rate);
            row.bit_depth = int(read.bit_depth.map(u32::from));
        }
        Err(e) => row.error = Some(e.to_string()),
    }
    row
}

fn write(db: &Db, rows: &[NewLibraryFile]) -> Result<(), DbError> {
    db.read_blocking(|c| c.immediate_transaction(|c| store::upsert(c, rows)))
}

/// Scans every root. Blocking: run it on a blocking thread.
pub fn scan(db: &Db, dirs: &[PathBuf]) -> Result<ScanSummary, DbError> {
    let started = Instant::now();
    let scan_id = db.read_blocking(|c| store::begin_scan(c, now_millis()))?;
    let (roots, missing) = library_walk::resolve_roots(dirs);
    let mut summary = ScanSummary {
        scan_id,
        root_errors: missing
            .iter()
            .map(|(dir, why)| format!("{}: {why}", dir.display()))
            .collect(),
        ..ScanSummary::default()
    };
    // Rows of roots no longer configured go; those of missing roots stay.
    let mut keep: Vec<String> = roots.iter().map(|r| r.key.clone()).collect();
    keep.extend(
        missing
            .iter()
            .map(|(dir, _)| dir.to_string_lossy().into_owned()),
    );
    let result = (|| {
        if missing.is_empty() {
            summary.counts.removed +=
                i64::try_from(db.read_blocking(|c| store::remove_other_roots(c, &keep))?)
                    .unwrap_or(0);
        }
        for root in &roots {
            scan_root(db, root, &roots, &mut summary)?;
        }
        Ok::<(), DbError>(())
    })();
    let error = match (&result, summary.root_errors.is_empty()) {
        (Err(e), _) => Some(e.to_string()),
        (Ok(()), false) => Some(summary.root_errors.join("; ")),
        (Ok(()), true) => None,
    };
    db.read_blocking(|c| {
        c.immediate_transaction(|c| {
            store::finish_scan(c, scan_id, summary.counts, error.as_deref(), now_millis())
        })
    })?;
    result?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn scan_root(
    db: &Db,
    root: &Root,
    roots: &[Root],
    summary: &mut ScanSummary,
) -> Result<(), DbError> {
    let key = root.key.clone();
    let mut known: HashMap<String, (i64, i64)> =
        db.read_blocking(|c| store::known_under(c, &key))?;
    let (path_tx, path_rx) = sync_channel::<Found>(256);
    let (row_tx, row_rx) = sync_channel::<NewLibraryFile>(256);
    let path_rx = Mutex::new(path_rx);
    let mut written: Result<(i64, i64), DbError> = Ok((0, 0));
    let report = std::thread::scope(|s| {
        for _ in 0..READERS {
            let (rx, tx, root_key) = (&path_rx, row_tx.clone(), root.key.as_str());
            s.spawn(move || {
                library_walk::lower_thread_priority();
                while let Some(found) = next(rx) {
                    let row = read_row(&found.path, root_key, found.size, found.mtime_ms);
                    if tx.send(row).is_err() {
                        break;
                    }
                }
            });
        }
        drop(row_tx);
        let writer = s.spawn(|| write_rows(db, row_rx));
        let report = library_walk::walk(root, roots, |found| {
            summary.counts.seen += 1;
            let path = found.path.to_string_lossy();
            if known.remove(path.as_ref()) == Some((found.size, found.mtime_ms)) {
                summary.counts.skipped += 1;
                return;
            }
            // The readers stopped (the writer failed): nothing more to send.
            let _ = path_tx.send(found);
        });
        drop(path_tx);
        written = writer
            .join()
            .unwrap_or_else(|_| Err(DbError::Task("the index writer panicked".into())));
        report
    });
    let (read, unreadable) = written?;
    summary.counts.read += read;
    summary.counts.unreadable += unreadable;
    if report.errors > 0 {
        summary.root_errors.push(format!(
            "{}: {} entries could not be read ({})",
            root.configured.display(),
            report.errors,
            report.first_error.unwrap_or_default()
        ));
        return Ok(());
    }
    // Not seen on disk (or now a link out of the roots): out of the index.
    let gone: Vec<String> = known.into_keys().collect();
    let removed = db.read_blocking(|c| c.immediate_transaction(|c| store::remove(c, &gone)))?;
    summary.counts.removed += i64::try_from(removed).unwrap_or(0);
    Ok(())
}

fn next(rx: &Mutex<Receiver<Found>>) -> Option<Found> {
    rx.lock().ok()?.recv().ok()
}

/// Writes rows in batches; returns (rows read, of which unreadable).
fn write_rows(db: &Db, rows: Receiver<NewLibraryFile>) -> Result<(i64, i64), DbError> {
    let (mut read, mut unreadable) = (0, 0);
    let mut batch = Vec::with_capacity(BATCH);
    for row in rows {
        read += 1;
        unreadable += i64::from(row.error.is_some());
        batch.push(row);
        if batch.len() == BATCH {
            write(db, &batch)?;
            batch.clear();
        }
    }
    write(db, &batch)?;
    Ok((read, unreadable))
}

/// Indexes one file that landed under a root (or forgets it when it is gone).
/// Returns false when the path is under no root.
pub fn index_one(db: &Db, dirs: &[PathBuf], path: &Path) -> Result<bool, DbError> {
    let (roots, _) = library_walk::resolve_roots(dirs);
    let Ok(real) = std::fs::canonicalize(path) else {
        let gone = vec![path.to_string_lossy().into_owned()];
        db.read_blocking(|c| store::remove(c, &gone))?;
        return Ok(true);
    };
    let Some(root) = roots.iter().find(|r| real.starts_with(&r.path)) else {
        return Ok(false);
    };
    let Ok((size, mtime)) = library_walk::stat(&real) else {
        return Ok(true);
    };
    let row = read_row(&real, &root.key, size, mtime);
    write(db, &[row])?;
    Ok(true)
}
