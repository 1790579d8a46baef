//! The library's series in `/metrics` (issue 15): files indexed, the last
//! scan's duration, media-server rescan calls by outcome.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Servers and outcomes of `harmony_media_server_rescans_total` (all exist from the start).
const SERVERS: [&str; 3] = ["navidrome", "jellyfin", "plex"];
const OUTCOMES: [&str; 3] = ["ok", "unreachable", "unauthorized"];

#[derive(Default)]
pub struct LibraryMetrics {
    files_indexed: AtomicU64,
    scans: AtomicU64,
    /// The last scan's duration, in microseconds.
    last_scan_micros: AtomicU64,
    playlists_written: AtomicU64,
    playlists_unchanged: AtomicU64,
    rescans: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
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

    /// A rescan call to `server` ended with `outcome` (a connection state).
    pub fn rescan(&self, server: &'static str, outcome: &'static str) {
        if let Ok(mut map) = self.rescans.lock() {
            *map.entry((server, outcome)).or_default() += 1;
        }
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
        out.push_str(
            "# HELP harmony_media_server_rescans_total Rescan calls to media servers by outcome.\n\
             # TYPE harmony_media_server_rescans_total counter\n",
        );
        let counted = self.rescans.lock().map(|m| m.clone()).unwrap_or_default();
        for server in SERVERS {
            for outcome in OUTCOMES {
                let n = counted.get(&(server, outcome)).copied().unwrap_or(0);
                let _ = writeln!(
                    out,
                    "harmony_media_server_rescans_total{{server=\"{server}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
    }
}
