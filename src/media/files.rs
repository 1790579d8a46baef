//! Finding slskd's finished files and moving them into the library without ever overwriting.
//!
//! Blocking `std::fs` throughout: callers run these on a blocking thread.
//! The downloads directory is written by another program and the remote
//! names come from strangers, so nothing here trusts a path it did not check.

use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::domain::downloads::naming;

/// slskd's collision names carry .NET `DateTime.UtcNow.Ticks`: 18 digits
/// today. Requiring a long run keeps `Song_2.flac` (another remote file)
/// from passing for a collision variant of `Song.flac`.
const TICKS_DIGITS: std::ops::RangeInclusive<usize> = 16..=19;

/// Where slskd puts this remote file, relative to its downloads dir: `(dir, file name)`;
/// None when the name cannot be placed safely (empty file name, or a dir/file segment that is `.`/`..`).
///
/// Mirrors slskd's `ToLocalRelativeFilename` on Linux: both separators
/// split, only the last directory is kept, NUL becomes `_`.
pub fn slskd_relative_location(remote_filename: &str) -> Option<(Option<String>, String)> {
    let mut parts = remote_filename.rsplit(['\\', '/']);
    let file = parts.next().unwrap_or_default().replace('\0', "_");
    if matches!(file.as_str(), "" | "." | "..") {
        return None;
    }
    // `\file.flac` or `a\\file.flac`: slskd combines an empty directory,
    // which leaves the file directly in the downloads dir.
    let dir = match parts.next() {
        None | Some("") => None,
        Some("." | "..") => return None,
        Some(dir) => Some(dir.replace('\0', "_")),
    };
    Some((dir, file))
}

/// The finished file for `remote_filename` inside `downloads_dir`: the plain name or a `_<ticks>` variant.
/// With several candidates prefer one whose length equals `expected_size`, then the most recently modified.
/// Never returns a path outside `downloads_dir` (check after canonicalising; symlinks pointing outside are
/// ignored). Ok(None) when nothing is there.
///
/// The returned path is canonical (symlinks resolved), so it names the file
/// that will actually be moved.
pub fn locate_finished(
    downloads_dir: &Path,
    remote_filename: &str,
    expected_size: Option<u64>,
) -> io::Result<Option<PathBuf>> {
    let Some((dir, file_name)) = slskd_relative_location(remote_filename) else {
        return Ok(None);
    };
    let base = match downloads_dir.canonicalize() {
        Ok(base) => base,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let folder = match &dir {
        Some(dir) => base.join(dir),
        None => base.clone(),
    };

    let mut names = vec![(file_name.clone(), 0u64)];
    names.extend(ticks_variants(&folder, &file_name)?);

    let mut best: Option<Candidate> = None;
    for (name, ticks) in names {
        let Some(path) = inside(&base, &folder.join(&name))? else {
            continue;
        };
        let meta = match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => meta,
            Ok(_) => continue,
            // Gone since it was resolved (slskd or a user cleaning up).
            Err(e) if is_unreachable(&e) => continue,
            Err(e) => return Err(e),
        };
        let candidate = Candidate {
            size_matches: expected_size == Some(meta.len()),
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            ticks,
            path,
        };
        if best.as_ref().is_none_or(|b| candidate.key() > b.key()) {
            best = Some(candidate);
        }
    }
    Ok(best.map(|c| c.path))
}

struct Candidate {
    size_matches: bool,
    modified: SystemTime,
    /// 0 for the plain name; later collisions have larger ticks.
    ticks: u64,
    path: PathBuf,
}

impl Candidate {
    fn key(&self) -> (bool, SystemTime, u64) {
        (self.size_matches, self.modified, self.ticks)
    }
}

/// Names in `folder` of the form `{stem}_{ticks}{ext}`, with their ticks.
fn ticks_variants(folder: &Path, file_name: &str) -> io::Result<Vec<(String, u64)>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if is_unreachable(&e) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let (stem, ext) = dotnet_stem_and_extension(file_name);
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        // Names slskd wrote from a UTF-8 remote name are UTF-8.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let ticks = name
            .strip_prefix(stem)
            .and_then(|rest| rest.strip_prefix('_'))
            .and_then(|rest| rest.strip_suffix(ext))
            .filter(|digits| {
                TICKS_DIGITS.contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
            })
            .and_then(|digits| digits.parse::<u64>().ok());
        if let Some(ticks) = ticks {
            found.push((name, ticks));
        }
    }
    Ok(found)
}

/// .NET's `GetFileNameWithoutExtension` / `GetExtension` (with the dot),
/// which is how slskd builds `{stem}_{ticks}{ext}`.
fn dotnet_stem_and_extension(file_name: &str) -> (&str, &str) {
    match file_name.rfind('.') {
        Some(i) if i + 1 == file_name.len() => (&file_name[..i], ""),
        Some(i) => (&file_name[..i], &file_name[i..]),
        None => (file_name, ""),
    }
}

/// The canonical form of `path` when it exists and lies strictly inside
/// `base` (itself canonical); broken or escaping symlinks give None.
fn inside(base: &Path, path: &Path) -> io::Result<Option<PathBuf>> {
    let canonical = match path.canonicalize() {
        Ok(canonical) => canonical,
        Err(e) if is_unreachable(&e) => return Ok(None),
        // A broken link whose error is not one of the above.
        Err(_) if is_symlink(path) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok((canonical.starts_with(base) && canonical != base).then_some(canonical))
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Errors that mean "there is nothing usable at this path": missing, a file
/// where a directory was expected, a name too long for the file system
/// (slskd could not have written it either), or a symlink loop (ELOOP, 40
/// on Linux).
fn is_unreachable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::InvalidFilename
    ) || (cfg!(target_os = "linux") && e.raw_os_error() == Some(40))
}

/// Moves `source` to `dest` without ever replacing an existing file (ErrorKind::AlreadyExists then)
/// and so that readers of `dest` never see a partial file: same filesystem → hard link then remove
/// the source (fall back to rename after an existence check if hard links are unsupported); other
/// filesystem (EXDEV / ErrorKind::CrossesDevices) or `force_copy` → copy into a temporary file in
/// dest's directory (name `.{dest file name}.harmony-tmp`, removed first if a crash left one), fsync
/// it, link/rename it to `dest`, fsync the directory, then remove the source. Creates dest's parent
/// directories.
///
/// Once `dest` is complete, failing to remove the source is only logged:
/// the library file is what matters, and reporting failure would make the
/// caller retry into `AlreadyExists`.
pub fn move_no_replace(source: &Path, dest: &Path, force_copy: bool) -> io::Result<()> {
    let file_name = dest.file_name().ok_or_else(|| {
        io::Error::new(
            ErrorKind::InvalidInput,
            format!("destination {} has no file name", dest.display()),
        )
    })?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)?;

    if !force_copy {
        match fs::hard_link(source, dest) {
            Ok(()) => {
                remove_source(source);
                return Ok(());
            }
            Err(e) if is_cross_device(&e) => {}
            Err(e) if hard_links_unsupported(&e) => {
                // No atomic no-replace rename in std: check, then rename.
                // The window is tiny and the caller owns `dest`'s name.
                if exists(dest) {
                    return Err(already_exists(dest));
                }
                return match fs::rename(source, dest) {
                    Err(e) if is_cross_device(&e) => {
                        copy_then_link(source, dest, parent, file_name)
                    }
                    other => other,
                };
            }
            Err(e) => return Err(e),
        }
    }
    copy_then_link(source, dest, parent, file_name)
}

/// The copy path of [`move_no_replace`]: `dest` appears complete or not at all.
fn copy_then_link(
    source: &Path,
    dest: &Path,
    parent: &Path,
    file_name: &std::ffi::OsStr,
) -> io::Result<()> {
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(".harmony-tmp");
    let tmp = parent.join(tmp_name);

    let mut input = File::open(source)?;
    // Fail before copying gigabytes into a file we cannot place.
    if exists(dest) {
        return Err(already_exists(dest));
    }
    match fs::remove_file(&tmp) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut output = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    let result = write_tmp_and_link(&mut input, &mut output, &tmp, dest);
    // After a successful link `tmp` is a second name for `dest`; after a
    // failure it is garbage. Either way it goes, unless someone else's file
    // has taken its name meanwhile.
    if is_same_file(&output, &tmp) {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(parent)?;
    drop(input);
    remove_source(source);
    Ok(())
}

fn write_tmp_and_link(
    input: &mut File,
    output: &mut File,
    tmp: &Path,
    dest: &Path,
) -> io::Result<()> {
    io::copy(input, output)?;
    // Same permissions as a linked or renamed file would keep.
    output.set_permissions(input.metadata()?.permissions())?;
    output.sync_all()?;
    if !is_same_file(output, tmp) {
        return Err(io::Error::other(format!(
            "{} was replaced while copying",
            tmp.display()
        )));
    }
    match fs::hard_link(tmp, dest) {
        Ok(()) => Ok(()),
        Err(e) if hard_links_unsupported(&e) => {
            if exists(dest) {
                return Err(already_exists(dest));
            }
            fs::rename(tmp, dest)
        }
        Err(e) => Err(e),
    }
}

/// Whether `path` still names the file we hold open: a concurrent mover
/// to the same destination could have replaced the temporary file.
#[cfg(unix)]
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(ours), Ok(now)) => ours.dev() == now.dev() && ours.ino() == now.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_same_file(_file: &File, _path: &Path) -> bool {
    true
}

/// Makes the new directory entry durable, not just the file's bytes.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

fn remove_source(source: &Path) {
    match fs::remove_file(source) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(
            source = %source.display(),
            error = %e,
            "moved into the library but could not remove the download"
        ),
    }
}

/// Any directory entry counts, a dangling symlink included: linking over
/// it would fail and renaming over it would replace it.
fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

fn already_exists(dest: &Path) -> io::Error {
    io::Error::new(
        ErrorKind::AlreadyExists,
        format!("{} already exists", dest.display()),
    )
}

fn is_cross_device(e: &io::Error) -> bool {
    // EXDEV is 18 on Linux; the kind covers other platforms.
    e.kind() == ErrorKind::CrossesDevices
        || (cfg!(target_os = "linux") && e.raw_os_error() == Some(18))
}

/// File systems without hard links (FAT, some FUSE and network mounts)
/// answer EPERM, EOPNOTSUPP, ENOSYS or EMLINK.
fn hard_links_unsupported(e: &io::Error) -> bool {
    if matches!(e.kind(), ErrorKind::Unsupported | ErrorKind::TooManyLinks) {
        return true;
    }
    if cfg!(target_os = "linux") {
        matches!(e.raw_os_error(), Some(1 | 31 | 38 | 95))
    } else {
        e.kind() == ErrorKind::PermissionDenied
    }
}

/// The first of `dir/name`, `dir/name_1`, `dir/name_2`… (via `naming::with_collision_suffix`) that does not exist.
///
/// A name that cannot be checked (permission error) counts as free: the
/// move will then report the real error instead of this looping forever.
pub fn first_free_path(dir: &Path, file_name: &str) -> PathBuf {
    for n in 0..u32::MAX {
        let candidate = dir.join(naming::with_collision_suffix(file_name, n));
        if fs::symlink_metadata(&candidate).is_err() {
            return candidate;
        }
    }
    dir.join(naming::with_collision_suffix(file_name, u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Duration;

    const REMOTE: &str = r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac";

    fn write(path: &Path, content: &[u8]) {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).unwrap();
        }
        let mut f = File::create(path).unwrap();
        f.write_all(content).unwrap();
    }

    fn set_mtime(path: &Path, secs_ago: u64) {
        let f = OpenOptions::new().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(secs_ago))
            .unwrap();
    }

    fn dir_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn relative_location_follows_slskd() {
        assert_eq!(
            slskd_relative_location(REMOTE),
            Some((
                Some("Discovery".to_string()),
                "01 - One More Time.flac".to_string()
            ))
        );
        assert_eq!(
            slskd_relative_location("share/Album/01.mp3"),
            Some((Some("Album".to_string()), "01.mp3".to_string()))
        );
        assert_eq!(
            slskd_relative_location("01.mp3"),
            Some((None, "01.mp3".to_string()))
        );
        assert_eq!(
            slskd_relative_location(r"\01.mp3"),
            Some((None, "01.mp3".to_string()))
        );
        assert_eq!(
            slskd_relative_location(r"a\b\\01.mp3"),
            Some((None, "01.mp3".to_string()))
        );
        assert_eq!(
            slskd_relative_location("a\\b\0c\\d\0e.mp3"),
            Some((Some("b_c".to_string()), "d_e.mp3".to_string()))
        );
    }

    #[test]
    fn relative_location_refuses_unsafe_names() {
        for remote in [
            "",
            r"a\b\",
            r"a\..\x.flac",
            r"..\x.flac",
            r"a\.\x.flac",
            r"a\b\..",
            r"a\b\.",
            "../x.flac",
        ] {
            assert_eq!(slskd_relative_location(remote), None, "{remote}");
        }
    }

    #[test]
    fn finds_the_plain_name() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("Discovery/01 - One More Time.flac");
        write(&file, b"audio");
        let found = locate_finished(tmp.path(), REMOTE, Some(5)).unwrap();
        assert_eq!(found, Some(file.canonicalize().unwrap()));

        // A remote file without folders lands in the downloads dir itself.
        write(&tmp.path().join("loose.mp3"), b"x");
        let found = locate_finished(tmp.path(), "loose.mp3", None).unwrap();
        assert_eq!(
            found,
            Some(tmp.path().join("loose.mp3").canonicalize().unwrap())
        );
    }

    #[test]
    fn finds_a_ticks_variant_when_the_plain_name_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let variant = tmp
            .path()
            .join("Discovery/01 - One More Time_638912345678901234.flac");
        write(&variant, b"audio");
        // Look-alikes that are not slskd collision names.
        write(
            &tmp.path().join("Discovery/01 - One More Time_2.flac"),
            b"x",
        );
        write(
            &tmp.path()
                .join("Discovery/01 - One More Time_638912345678901234.mp3"),
            b"x",
        );
        write(
            &tmp.path()
                .join("Other/01 - One More Time_638912345678901234.flac"),
            b"x",
        );
        let found = locate_finished(tmp.path(), REMOTE, None).unwrap();
        assert_eq!(found, Some(variant.canonicalize().unwrap()));
    }

    #[test]
    fn nothing_there_is_none() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(locate_finished(tmp.path(), REMOTE, None).unwrap(), None);
        write(&tmp.path().join("Discovery/02 - Aerodynamic.flac"), b"x");
        assert_eq!(locate_finished(tmp.path(), REMOTE, None).unwrap(), None);
        let missing = tmp.path().join("does-not-exist");
        assert_eq!(locate_finished(&missing, REMOTE, None).unwrap(), None);
        // Names no file system takes are simply not there.
        let long = format!(r"@@x\{}\{}.flac", "d".repeat(300), "f".repeat(300));
        assert_eq!(locate_finished(tmp.path(), &long, None).unwrap(), None);
        // A directory with the file's name is not the file.
        fs::create_dir_all(tmp.path().join("Discovery/01 - One More Time.flac")).unwrap();
        assert_eq!(locate_finished(tmp.path(), REMOTE, None).unwrap(), None);
    }

    #[test]
    fn prefers_the_expected_size_then_the_newest() {
        let tmp = tempfile::tempdir().unwrap();
        let plain = tmp.path().join("Discovery/01 - One More Time.flac");
        let older = tmp
            .path()
            .join("Discovery/01 - One More Time_638900000000000000.flac");
        let newer = tmp
            .path()
            .join("Discovery/01 - One More Time_638912345678901234.flac");
        write(&plain, b"12345");
        write(&older, b"123");
        write(&newer, b"1234");
        set_mtime(&plain, 300);
        set_mtime(&older, 200);
        set_mtime(&newer, 100);

        let found = |size| locate_finished(tmp.path(), REMOTE, size).unwrap();
        assert_eq!(found(Some(3)), Some(older.canonicalize().unwrap()));
        assert_eq!(found(Some(5)), Some(plain.canonicalize().unwrap()));
        assert_eq!(found(Some(4)), Some(newer.canonicalize().unwrap()));
        // No size, or no candidate of that size: the newest.
        assert_eq!(found(None), Some(newer.canonicalize().unwrap()));
        assert_eq!(found(Some(999)), Some(newer.canonicalize().unwrap()));
    }

    #[test]
    fn dot_dot_remote_dir_never_reads_outside() {
        let tmp = tempfile::tempdir().unwrap();
        let downloads = tmp.path().join("downloads");
        fs::create_dir_all(&downloads).unwrap();
        write(&tmp.path().join("secret.flac"), b"secret");
        write(&downloads.join("secret.flac"), b"inside");
        for remote in [
            r"@@x\..\secret.flac",
            "@@x/../secret.flac",
            r"..\secret.flac",
        ] {
            assert_eq!(locate_finished(&downloads, remote, None).unwrap(), None);
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_escaping_the_downloads_dir_are_ignored() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let downloads = tmp.path().join("downloads");
        let outside = tmp.path().join("outside");
        write(&outside.join("01 - One More Time.flac"), b"secret");

        // A file symlink pointing outside.
        fs::create_dir_all(downloads.join("Discovery")).unwrap();
        symlink(
            outside.join("01 - One More Time.flac"),
            downloads.join("Discovery/01 - One More Time.flac"),
        )
        .unwrap();
        assert_eq!(locate_finished(&downloads, REMOTE, None).unwrap(), None);

        // A ticks variant that is a symlink pointing outside.
        symlink(
            outside.join("01 - One More Time.flac"),
            downloads.join("Discovery/01 - One More Time_638912345678901234.flac"),
        )
        .unwrap();
        assert_eq!(locate_finished(&downloads, REMOTE, None).unwrap(), None);

        // A directory symlink pointing outside.
        symlink(&outside, downloads.join("Homework")).unwrap();
        let remote = r"@@x\Daft Punk\Homework\01 - One More Time.flac";
        assert_eq!(locate_finished(&downloads, remote, None).unwrap(), None);

        // Dangling and looping links are simply not there.
        symlink(downloads.join("nowhere"), downloads.join("Dangling")).unwrap();
        symlink(downloads.join("Loop"), downloads.join("Loop")).unwrap();
        assert_eq!(
            locate_finished(&downloads, r"x\Dangling\a.flac", None).unwrap(),
            None
        );
        assert_eq!(
            locate_finished(&downloads, r"x\Loop\a.flac", None).unwrap(),
            None
        );

        // A symlink that stays inside is followed.
        let real = downloads.join("real/01.flac");
        write(&real, b"audio");
        fs::create_dir_all(downloads.join("Inside")).unwrap();
        symlink(&real, downloads.join("Inside/01.flac")).unwrap();
        assert_eq!(
            locate_finished(&downloads, r"x\Inside\01.flac", None).unwrap(),
            Some(real.canonicalize().unwrap())
        );
    }

    #[test]
    fn move_on_the_same_filesystem() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("downloads/Discovery/01.flac");
        let dest = tmp
            .path()
            .join("music/Daft Punk/Discovery/01 - One More Time.flac");
        write(&source, b"audio bytes");
        move_no_replace(&source, &dest, false).unwrap();
        assert!(!source.exists());
        assert_eq!(fs::read(&dest).unwrap(), b"audio bytes");
        assert_eq!(
            dir_names(dest.parent().unwrap()),
            vec!["01 - One More Time.flac"]
        );
    }

    #[test]
    fn move_with_forced_copy() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("downloads/01.flac");
        let dest = tmp.path().join("music/A/B/01 - X.flac");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        write(&source, &content);
        move_no_replace(&source, &dest, true).unwrap();
        assert!(!source.exists());
        assert_eq!(fs::read(&dest).unwrap(), content);
        assert_eq!(dir_names(dest.parent().unwrap()), vec!["01 - X.flac"]);
    }

    #[test]
    fn never_overwrites_an_existing_file() {
        for force_copy in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let source = tmp.path().join("downloads/01.flac");
            let dest = tmp.path().join("music/01 - X.flac");
            write(&source, b"new");
            write(&dest, b"old");
            let err = move_no_replace(&source, &dest, force_copy).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{force_copy}");
            assert_eq!(fs::read(&dest).unwrap(), b"old");
            assert_eq!(fs::read(&source).unwrap(), b"new");
            assert_eq!(dir_names(dest.parent().unwrap()), vec!["01 - X.flac"]);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symlink_at_dest_is_not_replaced() {
        use std::os::unix::fs::symlink;
        for force_copy in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let source = tmp.path().join("01.flac");
            let dest = tmp.path().join("music/01 - X.flac");
            write(&source, b"new");
            fs::create_dir_all(dest.parent().unwrap()).unwrap();
            symlink(tmp.path().join("nowhere"), &dest).unwrap();
            let err = move_no_replace(&source, &dest, force_copy).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AlreadyExists);
            assert!(fs::symlink_metadata(&dest)
                .unwrap()
                .file_type()
                .is_symlink());
            assert!(!tmp.path().join("nowhere").exists());
        }
    }

    #[test]
    fn a_leftover_tmp_file_is_cleaned() {
        let tmp = tempfile::tempdir().unwrap();
        let source = tmp.path().join("downloads/x.flac");
        let dest = tmp.path().join("music/x.flac");
        let leftover = tmp.path().join("music/.x.flac.harmony-tmp");
        write(&source, b"fresh");
        write(&leftover, b"half a file from a crash");
        move_no_replace(&source, &dest, true).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"fresh");
        assert!(!leftover.exists());
        assert_eq!(dir_names(dest.parent().unwrap()), vec!["x.flac"]);
    }

    #[test]
    fn a_missing_source_is_not_found_and_leaves_nothing() {
        for force_copy in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let dest = tmp.path().join("music/x.flac");
            let err = move_no_replace(&tmp.path().join("nope"), &dest, force_copy).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
            assert!(dir_names(dest.parent().unwrap()).is_empty());
        }
    }

    #[cfg(unix)]
    #[test]
    fn moves_across_filesystems() {
        use std::os::unix::fs::MetadataExt;
        let shm = Path::new("/dev/shm");
        let tmp = tempfile::tempdir().unwrap();
        let (Ok(shm_meta), Ok(tmp_meta)) = (fs::metadata(shm), fs::metadata(tmp.path())) else {
            println!("skipped: /dev/shm or the temp dir cannot be inspected");
            return;
        };
        if shm_meta.dev() == tmp_meta.dev() {
            println!("skipped: /dev/shm is on the same device as the temp dir");
            return;
        }
        let Ok(other) = tempfile::tempdir_in(shm) else {
            println!("skipped: cannot create a directory in /dev/shm");
            return;
        };
        let source = other.path().join("Discovery/01.flac");
        let dest = tmp
            .path()
            .join("music/Daft Punk/Discovery/01 - One More Time.flac");
        let content: Vec<u8> = (0..100_000u32).map(|i| (i % 241) as u8).collect();
        write(&source, &content);
        move_no_replace(&source, &dest, false).unwrap();
        assert!(!source.exists());
        assert_eq!(fs::read(&dest).unwrap(), content);
        assert_eq!(
            dir_names(dest.parent().unwrap()),
            vec!["01 - One More Time.flac"]
        );

        // And across devices the no-replace rule still holds.
        write(&source, b"new");
        let err = move_no_replace(&source, &dest, false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&dest).unwrap(), content);
    }

    #[test]
    fn first_free_path_counts_up() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        assert_eq!(first_free_path(dir, "01 - X.flac"), dir.join("01 - X.flac"));
        write(&dir.join("01 - X.flac"), b"");
        assert_eq!(
            first_free_path(dir, "01 - X.flac"),
            dir.join("01 - X_1.flac")
        );
        write(&dir.join("01 - X_1.flac"), b"");
        assert_eq!(
            first_free_path(dir, "01 - X.flac"),
            dir.join("01 - X_2.flac")
        );
        write(&dir.join("noext"), b"");
        assert_eq!(first_free_path(dir, "noext"), dir.join("noext_1"));
        // Missing directory: the plain name is free.
        let missing = dir.join("missing");
        assert_eq!(first_free_path(&missing, "a.mp3"), missing.join("a.mp3"));
    }
}
