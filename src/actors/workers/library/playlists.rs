//! The `.m3u8` file of every synced playlist (liked songs included), for
//! media servers that import playlists from the library (Navidrome does by
//! itself): the playlist's tracks that are in the library, in Spotify's
//! order. A file is replaced atomically (temporary sibling + rename) and
//! only when its text changed. Blocking: run on a blocking thread.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::db::library as index;
use crate::db::playlist_order::{self, OwnedTrack};
use crate::db::{Db, DbError};
use crate::domain::library::m3u::{self, M3uEntry};

#[derive(Debug, thiserror::Error)]
pub enum PlaylistError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

/// Playlist files written (changed) and left alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub written: usize,
    pub unchanged: usize,
}

fn io(what: &Path) -> impl FnOnce(std::io::Error) -> PlaylistError + '_ {
    move |e| PlaylistError::Io(what.display().to_string(), e)
}

pub fn write_all(db: &Db, dir: &Path) -> Result<Written, PlaylistError> {
    let playlists = db.read_blocking(playlist_order::synced_playlists)?;
    let mut out = Written::default();
    if playlists.is_empty() {
        return Ok(out);
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let dir = std::fs::canonicalize(dir).map_err(io(dir))?;
    for playlist in playlists {
        let id = playlist.id.clone();
        let tracks = db.read_blocking(|c| playlist_order::owned_tracks(c, &id))?;
        let text = m3u::render(&entries(db, &dir, tracks)?);
        let path = dir.join(m3u::file_name(&playlist.name));
        if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
            out.unchanged += 1;
            continue;
        }
        replace(&path, &text)?;
        out.written += 1;
    }
    Ok(out)
}

/// The tracks whose file exists, with the file's length when indexed.
fn entries(db: &Db, dir: &Path, tracks: Vec<OwnedTrack>) -> Result<Vec<M3uEntry>, PlaylistError> {
    let present: Vec<(OwnedTrack, PathBuf)> = tracks
        .into_iter()
        .filter_map(|t| {
            let real = std::fs::canonicalize(&t.path).ok()?;
            Some((t, real))
        })
        .collect();
    let paths: Vec<String> = present
        .iter()
        .map(|(_, p)| p.to_string_lossy().into_owned())
        .collect();
    let indexed = db.read_blocking(|c| index::by_paths(c, &paths))?;
    Ok(present
        .into_iter()
        .map(|(t, real)| {
            let key = real.to_string_lossy();
            let file_ms = indexed
                .iter()
                .find(|f| f.path == key)
                .and_then(|f| f.duration_ms);
            M3uEntry {
                duration_ms: file_ms
                    .or(t.duration_ms)
                    .and_then(|d| u64::try_from(d).ok()),
                artist: t.artist,
                title: t.title,
                path: m3u::relative_path(dir, &real),
            }
        })
        .collect())
}

/// Writes `text` to a hidden sibling, syncs it and renames it over `path`:
/// a media server never reads half a playlist.
fn replace(path: &Path, text: &str) -> Result<(), PlaylistError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.harmony-tmp"));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io(path))
}
