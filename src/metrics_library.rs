//! The library's series in `/metrics` (issue 15): files indexed, the last
//! scan's duration, media-server rescan calls by outcome.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct LibraryMetrics {
    files_indexed: AtomicU64,
    scans: AtomicU64,
    /// The last scan's duration, in microseconds.
    last_scan_micros: AtomicU64,
    playlists_written: AtomicU64,
    playlists_unchanged: AtomicU64,
}

impl LibraryMetrics {
    pub fn indexed(&self, files: u64) {
        self.files_indexed.fetch_add(files, Ordering::Relaxed);
    }

    /// A finished scan that read `read` files in `seconds`.
    pub fn scanned(&self, read: u64, seconds: f64) {
        self.indexed(read);
        self.scans.fetch_add(1, Ordering::Relaxed);
        self.last_scan_micros
            .store((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// Playlist files rewritten, and left alone because nothing changed.
    pub fn playlists(&self, written: u64, unchanged: u64) {
        self.playlists_written.fetch_add(written, Ordering::Relaxed);
        self.playlists_unchanged
            .fetch_add(unchanged, Ordering::Relaxed);
    }

    /// Prometheus text of these series.
    pub fn render(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            out,
            "# HELP harmony_library_files_indexed_total Audio files read into the library index.\n\
             # TYPE harmony_library_files_indexed_total counter\n\
             harmony_library_files_indexed_total {}",
            self.files_indexed.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP harmony_library_scans_total Library scans finished.\n\
             # TYPE harmony_library_scans_total counter\n\
             harmony_library_scans_total {}",
            self.scans.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP harmony_library_scan_duration_seconds Duration of the last library scan.\n\
             # TYPE harmony_library_scan_duration_seconds gauge\n\
             harmony_library_scan_duration_seconds {:.6}",
            self.last_scan_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(
            out,
            "# HELP harmony_library_playlist_files_total Playlist files checked: rewritten or left alone.\n\
             # TYPE harmony_library_playlist_files_total counter\n\
             harmony_library_playlist_files_total{{outcome=\"written\"}} {}\n\
             harmony_library_playlist_files_total{{outcome=\"unchanged\"}} {}",
            self.playlists_written.load(Ordering::Relaxed),
            self.playlists_unchanged.load(Ordering::Relaxed)
        );
    }
}
