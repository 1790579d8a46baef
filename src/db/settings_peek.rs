//! The stored settings (layer 5) read for `harmony config check`: one
//! read-only connection, no pool, no migration, nothing created — a check
//! must not write, and may run next to the service.

use std::path::Path;

use diesel::{Connection, SqliteConnection};

use super::pool::DbError;
use super::settings::overrides;

/// The stored overrides; none when there is no database yet or it predates
/// the settings table (the service would create both at its next start).
pub fn stored_overrides(path: &Path) -> Result<Vec<(String, String)>, DbError> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let mut conn = SqliteConnection::establish(&read_only_uri(path, running(path)))?;
    match overrides(&mut conn) {
        Err(DbError::Query(diesel::result::Error::DatabaseError(_, info)))
            if info.message().contains("no such table") =>
        {
            Ok(Vec::new())
        }
        other => other,
    }
}

/// Whether a connection may be writing: the service's WAL file exists only
/// while a connection is open (the last one to close removes it).
fn running(path: &Path) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    Path::new(&wal).exists()
}

/// An SQLite URI opening `path` read-only; the characters a URI gives a
/// meaning to are percent-encoded so any path works. A read-only reader of
/// a WAL database would still create its `-wal` and `-shm` files; with no
/// writer around, `immutable` reads the file as it is and creates nothing.
/// With the service running those files exist already.
fn read_only_uri(path: &Path, running: bool) -> String {
    let mut encoded = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => encoded.push_str(&format!("%{:02X}", c as u32)),
            c => encoded.push(c),
        }
    }
    let immutable = if running { "" } else { "&immutable=1" };
    format!("file:{encoded}?mode=ro{immutable}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_characters_in_the_path_are_encoded() {
        assert_eq!(
            read_only_uri(Path::new("/srv/a?b#c%d/harmony.db"), true),
            "file:/srv/a%3Fb%23c%25d/harmony.db?mode=ro"
        );
        assert_eq!(
            read_only_uri(Path::new("/srv/h.db"), false),
            "file:/srv/h.db?mode=ro&immutable=1"
        );
    }

    #[test]
    fn no_database_means_no_overrides_and_nothing_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("harmony.db");
        assert!(stored_overrides(&path).unwrap().is_empty());
        assert!(!path.exists());
    }

    #[test]
    fn reads_what_the_service_stored_without_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("harmony.db");
        let db = crate::db::Db::open(&path).unwrap();
        db.read_blocking(|conn| {
            conn.immediate_transaction(|conn| {
                crate::db::settings::apply(conn, "MATCH_MIN_SCORE", Some("0.8"), 1)
            })
        })
        .unwrap();
        drop(db);
        let before = std::fs::read(&path).unwrap();
        let files = || std::fs::read_dir(dir.path()).unwrap().count();
        let count = files();
        let stored = stored_overrides(&path).unwrap();
        assert_eq!(files(), count, "a file was created");
        assert_eq!(
            stored,
            vec![("MATCH_MIN_SCORE".to_string(), "0.8".to_string())]
        );
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
