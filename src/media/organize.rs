//! Moving a finished download into the library (blocking: run it through
//! `web::block`). Resumable: the chosen path is recorded before the move, so
//! a crash at any point ends with the file in exactly one place.

use std::io;
use std::path::{Path, PathBuf};

use super::files::{first_free_path, locate_finished, move_no_replace};
use crate::domain::downloads::naming::{library_path, TrackNaming};
use crate::domain::track::Track;

/// What to move where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The file already is at its library path (a move finished before a crash).
    Done(PathBuf),
    Move {
        source: PathBuf,
        target: PathBuf,
        new_target: bool,
    },
    /// slskd's finished file is not in its downloads folder.
    Missing { looked_in: PathBuf },
}

/// The download's facts the move needs.
#[derive(Debug, Clone)]
pub struct Finished {
    pub filename: String,
    pub size: i64,
    pub track: Track,
    /// The path chosen by an earlier, interrupted attempt.
    pub target: Option<PathBuf>,
}

/// The library path for a track, inside `music_dir` (made absolute).
pub fn library_target(
    music_dir: &Path,
    track: &Track,
    remote_filename: &str,
) -> io::Result<PathBuf> {
    let naming = TrackNaming {
        artist: track.artist.as_deref(),
        album_artist: track.album_artist.as_deref(),
        title: track.title.as_deref(),
        album: track.album.as_deref(),
        track_number: track.track_number,
        disc_number: track.disc_number,
        disc_count: track.disc_count,
    };
    let path = library_path(&naming, remote_filename);
    let [artist, album, file] = path.segments();
    let dir = std::path::absolute(music_dir)?.join(artist).join(album);
    Ok(first_free_path(&dir, file))
}

pub fn plan(downloads_dir: &Path, music_dir: &Path, f: &Finished) -> io::Result<Plan> {
    let expected = u64::try_from(f.size).ok();
    let source = locate_finished(downloads_dir, &f.filename, expected)?;
    if let Some(target) = &f.target {
        if target.exists() {
            // The move got as far as the library; only the source may remain.
            if let Some(source) = &source {
                if same_size(source, target) {
                    std::fs::remove_file(source)?;
                }
            }
            return Ok(Plan::Done(target.clone()));
        }
        if let Some(source) = source {
            return Ok(Plan::Move {
                source,
                target: target.clone(),
                new_target: false,
            });
        }
    }
    match source {
        Some(source) => Ok(Plan::Move {
            source,
            target: library_target(music_dir, &f.track, &f.filename)?,
            new_target: true,
        }),
        None => Ok(Plan::Missing {
            looked_in: downloads_dir.to_path_buf(),
        }),
    }
}

fn same_size(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.len() == y.len(),
        _ => false,
    }
}

/// Moves the file; when the target was taken meanwhile (by something outside
/// Harmony), the next free name is used. Returns where the file now is.
pub fn execute(source: &Path, target: &Path) -> io::Result<PathBuf> {
    let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut target = target.to_path_buf();
    for _ in 0..100 {
        match move_no_replace(source, &target, false) {
            Ok(()) => return Ok(target),
            // Taken since it was chosen: the next free `_n` of the same name.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                target = first_free_path(&dir, &name);
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free file name in the album folder"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(filename: &str, size: i64) -> Finished {
        Finished {
            filename: filename.into(),
            size,
            track: Track {
                artist: Some("Daft Punk".into()),
                album: Some("Discovery".into()),
                title: Some("One More Time".into()),
                track_number: Some(1),
                ..Track::default()
            },
            target: None,
        }
    }

    #[test]
    fn plans_moves_and_resumes_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let (dl, music) = (dir.path().join("dl"), dir.path().join("music"));
        std::fs::create_dir_all(dl.join("Discovery")).unwrap();
        std::fs::write(
            dl.join("Discovery").join("01 - One More Time.flac"),
            b"12345",
        )
        .unwrap();
        let f = finished(
            "@@x\\Music\\Daft Punk\\Discovery\\01 - One More Time.flac",
            5,
        );

        let Plan::Move {
            source,
            target,
            new_target,
        } = plan(&dl, &music, &f).unwrap()
        else {
            panic!("expected a move")
        };
        assert!(new_target);
        assert_eq!(
            target,
            std::path::absolute(&music)
                .unwrap()
                .join("Daft Punk/Discovery/01 - One More Time.flac")
        );
        let landed = execute(&source, &target).unwrap();
        assert_eq!(landed, target);
        assert!(!source.exists());

        // The same job again after a crash before the commit: nothing moves twice.
        let again = Finished {
            target: Some(target.clone()),
            ..f.clone()
        };
        assert_eq!(
            plan(&dl, &music, &again).unwrap(),
            Plan::Done(target.clone())
        );

        // A different file of the same name gets `_1`.
        std::fs::write(
            dl.join("Discovery").join("01 - One More Time.flac"),
            b"other",
        )
        .unwrap();
        let Plan::Move { target: second, .. } = plan(&dl, &music, &f).unwrap() else {
            panic!("expected a move")
        };
        assert!(second.ends_with("01 - One More Time_1.flac"), "{second:?}");
    }

    #[test]
    fn a_missing_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let f = finished("@@x\\A\\B\\c.mp3", 3);
        assert!(matches!(
            plan(dir.path(), dir.path(), &f).unwrap(),
            Plan::Missing { .. }
        ));
    }

    #[test]
    fn crash_between_link_and_source_removal_is_finished_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let (dl, music) = (dir.path().join("dl"), dir.path().join("music"));
        std::fs::create_dir_all(dl.join("B")).unwrap();
        std::fs::write(dl.join("B").join("c.mp3"), b"abc").unwrap();
        let target = music.join("x.mp3");
        std::fs::create_dir_all(&music).unwrap();
        std::fs::write(&target, b"abc").unwrap();
        let f = Finished {
            target: Some(target.clone()),
            ..finished("@@x\\A\\B\\c.mp3", 3)
        };
        assert_eq!(plan(&dl, &music, &f).unwrap(), Plan::Done(target));
        assert!(!dl.join("B").join("c.mp3").exists());
    }
}
