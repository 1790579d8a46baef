//! The library index: files by path with their tags, scans with their
//! counters, the statistics, lookups for "already in the library".

use std::collections::{BTreeMap, HashMap};

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::SqliteConnection;

use super::schema::wanted_tracks;
use super::schema_library::{library_files, library_scans};
use super::DbError;
use crate::domain::ids::WantedId;
use crate::domain::library::stats::{FormatCount, LibraryStats};
use crate::domain::time::UnixMillis;

/// Rows per statement (well below SQLite's variable limit).
const CHUNK: usize = 200;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = library_files)]
pub struct LibraryFileRow {
    pub id: i64,
    pub path: String,
    pub root: String,
    pub size: i64,
    pub mtime_ms: i64,
    pub error: Option<String>,
    pub format: Option<String>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub musicbrainz_recording_id: Option<String>,
    pub musicbrainz_release_id: Option<String>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    pub track_key: Option<String>,
    pub indexed_at: i64,
}

/// A file as a scan read it (or failed to: `error`).
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = library_files)]
pub struct NewLibraryFile {
    pub path: String,
    pub root: String,
    pub size: i64,
    pub mtime_ms: i64,
    pub error: Option<String>,
    pub format: Option<String>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub musicbrainz_recording_id: Option<String>,
    pub musicbrainz_release_id: Option<String>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    pub track_key: Option<String>,
    pub indexed_at: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = library_scans)]
pub struct ScanRow {
    pub id: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub files_seen: i64,
    pub files_read: i64,
    pub files_skipped: i64,
    pub files_unreadable: i64,
    pub files_removed: i64,
    pub error: Option<String>,
    pub stats: Option<String>,
}

/// What a scan counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanCounts {
    /// Audio files found under the roots.
    pub seen: i64,
    /// Read now (new or changed).
    pub read: i64,
    /// Unchanged since they were last read.
    pub skipped: i64,
    /// Read now and not readable.
    pub unreadable: i64,
    /// Gone from disk, taken out of the index.
    pub removed: i64,
}

/// Size and modification time of every indexed file under `root` (the
/// incremental scan compares them with the disk).
pub fn known_under(
    conn: &mut SqliteConnection,
    root: &str,
) -> Result<HashMap<String, (i64, i64)>, DbError> {
    let rows: Vec<(String, i64, i64)> = library_files::table
        .filter(library_files::root.eq(root))
        .select((
            library_files::path,
            library_files::size,
            library_files::mtime_ms,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(path, size, mtime)| (path, (size, mtime)))
        .collect())
}

/// Replaces the rows of these paths.
pub fn upsert(conn: &mut SqliteConnection, files: &[NewLibraryFile]) -> Result<(), DbError> {
    for chunk in files.chunks(CHUNK) {
        let paths: Vec<&str> = chunk.iter().map(|f| f.path.as_str()).collect();
        diesel::delete(library_files::table.filter(library_files::path.eq_any(paths)))
            .execute(conn)?;
        diesel::insert_into(library_files::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

pub fn remove(conn: &mut SqliteConnection, paths: &[String]) -> Result<usize, DbError> {
    let mut removed = 0;
    for chunk in paths.chunks(CHUNK) {
        removed += diesel::delete(library_files::table.filter(library_files::path.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(removed)
}

/// Every indexed path under a root no longer configured.
pub fn remove_other_roots(conn: &mut SqliteConnection, roots: &[String]) -> Result<usize, DbError> {
    Ok(
        diesel::delete(library_files::table.filter(library_files::root.ne_all(roots)))
            .execute(conn)?,
    )
}

pub fn begin_scan(conn: &mut SqliteConnection, now: UnixMillis) -> Result<i64, DbError> {
    Ok(diesel::insert_into(library_scans::table)
        .values(library_scans::started_at.eq(now))
        .returning(library_scans::id)
        .get_result(conn)?)
}

/// The scan's counters and the statistics it ended with.
pub fn finish_scan(
    conn: &mut SqliteConnection,
    id: i64,
    counts: ScanCounts,
    error: Option<&str>,
    now: UnixMillis,
) -> Result<LibraryStats, DbError> {
    let stats = stats(conn)?;
    let json = serde_json::to_string(&stats).map_err(|e| DbError::Task(e.to_string()))?;
    diesel::update(library_scans::table.find(id))
        .set((
            library_scans::finished_at.eq(Some(now)),
            library_scans::files_seen.eq(counts.seen),
            library_scans::files_read.eq(counts.read),
            library_scans::files_skipped.eq(counts.skipped),
            library_scans::files_unreadable.eq(counts.unreadable),
            library_scans::files_removed.eq(counts.removed),
            library_scans::error.eq(error),
            library_scans::stats.eq(Some(json)),
        ))
        .execute(conn)?;
    Ok(stats)
}

/// The newest scan, finished or not.
pub fn last_scan(conn: &mut SqliteConnection) -> Result<Option<ScanRow>, DbError> {
    Ok(library_scans::table
        .order(library_scans::id.desc())
        .select(ScanRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest finished scan (its stored statistics).
pub fn last_finished_scan(conn: &mut SqliteConnection) -> Result<Option<ScanRow>, DbError> {
    Ok(library_scans::table
        .filter(library_scans::finished_at.is_not_null())
        .order(library_scans::id.desc())
        .select(ScanRow::as_select())
        .first(conn)
        .optional()?)
}

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    tracks: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    size: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    duration: Option<i64>,
    #[diesel(sql_type = BigInt)]
    artists: i64,
    #[diesel(sql_type = BigInt)]
    albums: i64,
}

#[derive(QueryableByName)]
struct ByFormat {
    #[diesel(sql_type = Nullable<Text>)]
    format: Option<String>,
    #[diesel(sql_type = BigInt)]
    tracks: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    size: Option<i64>,
}

/// The statistics of the index as it is now, from one snapshot. Artists
/// and albums are counted case-insensitively by album artist (else track
/// artist).
pub fn stats(conn: &mut SqliteConnection) -> Result<LibraryStats, DbError> {
    conn.transaction(stats_now)
}

fn stats_now(conn: &mut SqliteConnection) -> Result<LibraryStats, DbError> {
    let totals: Totals = diesel::sql_query(
        "SELECT COUNT(*) AS tracks, SUM(size) AS size, SUM(duration_ms) AS duration, \
         COUNT(DISTINCT lower(trim(COALESCE(album_artist, artist)))) AS artists, \
         COUNT(DISTINCT CASE WHEN album IS NOT NULL THEN \
             lower(trim(COALESCE(album_artist, artist, ''))) || char(31) || lower(trim(album)) END) AS albums \
         FROM library_files WHERE error IS NULL",
    )
    .get_result(conn)?;
    let formats: Vec<ByFormat> = diesel::sql_query(
        "SELECT format, COUNT(*) AS tracks, SUM(size) AS size FROM library_files \
         WHERE error IS NULL GROUP BY format ORDER BY format",
    )
    .load(conn)?;
    let unreadable: i64 = library_files::table
        .filter(library_files::error.is_not_null())
        .select(count_star())
        .first(conn)?;
    let by_format: BTreeMap<String, FormatCount> = formats
        .into_iter()
        .map(|f| {
            (
                f.format.unwrap_or_else(|| "unknown".to_string()),
                FormatCount {
                    tracks: f.tracks,
                    size_bytes: f.size.unwrap_or(0),
                },
            )
        })
        .collect();
    Ok(LibraryStats {
        artists: totals.artists,
        albums: totals.albums,
        tracks: totals.tracks,
        total_size_bytes: totals.size.unwrap_or(0),
        total_duration_ms: totals.duration.unwrap_or(0),
        by_format,
        unreadable,
    })
}

/// Readable files whose artist, album artist, album, title or path
/// contains `q` (case-insensitive for ASCII), by path.
pub fn search(
    conn: &mut SqliteConnection,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LibraryFileRow>, i64), DbError> {
    let filtered = || {
        let mut query = library_files::table
            .filter(library_files::error.is_null())
            .into_boxed();
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            let like = format!(
                "%{}%",
                q.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            query = query.filter(
                library_files::artist
                    .like(like.clone())
                    .escape('\\')
                    .or(library_files::album_artist.like(like.clone()).escape('\\'))
                    .or(library_files::album.like(like.clone()).escape('\\'))
                    .or(library_files::title.like(like.clone()).escape('\\'))
                    .or(library_files::path.like(like).escape('\\')),
            );
        }
        query
    };
    conn.transaction(|conn| {
        let total: i64 = filtered().select(count_star()).first(conn)?;
        let rows = filtered()
            .order(library_files::path)
            .limit(limit)
            .offset(offset)
            .select(LibraryFileRow::as_select())
            .load(conn)?;
        Ok((rows, total))
    })
}

/// Files that could not be read, with the reason, by path.
pub fn unreadable(
    conn: &mut SqliteConnection,
    limit: i64,
) -> Result<Vec<(String, String)>, DbError> {
    let rows: Vec<(String, Option<String>)> = library_files::table
        .filter(library_files::error.is_not_null())
        .order(library_files::path)
        .limit(limit)
        .select((library_files::path, library_files::error))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(p, e)| (p, e.unwrap_or_default()))
        .collect())
}

/// Readable files that may be this track: same ISRC, same Spotify id or
/// same normalised artist + title (the caller applies the full rule).
pub fn candidates(
    conn: &mut SqliteConnection,
    isrc: Option<&str>,
    spotify_track_id: Option<&str>,
    track_key: Option<&str>,
) -> Result<Vec<LibraryFileRow>, DbError> {
    let mut found: Vec<LibraryFileRow> = Vec::new();
    let base = || {
        library_files::table
            .filter(library_files::error.is_null())
            .select(LibraryFileRow::as_select())
            .order(library_files::path)
            .limit(20)
    };
    if let Some(isrc) = isrc.map(str::trim).filter(|s| !s.is_empty()) {
        found.extend(base().filter(library_files::isrc.eq(isrc)).load(conn)?);
    }
    if let Some(id) = spotify_track_id.filter(|s| !s.is_empty()) {
        found.extend(
            base()
                .filter(library_files::spotify_track_id.eq(id))
                .load(conn)?,
        );
    }
    if let Some(key) = track_key {
        found.extend(base().filter(library_files::track_key.eq(key)).load(conn)?);
    }
    Ok(found)
}

/// Every readable file with a Spotify id, ISRC or track key among these
/// (the batched lookup of `wanted_bulk`).
pub fn candidates_many(
    conn: &mut SqliteConnection,
    isrcs: &[&str],
    spotify_ids: &[&str],
    track_keys: &[&str],
) -> Result<Vec<LibraryFileRow>, DbError> {
    let mut found = Vec::new();
    for chunk in isrcs.chunks(CHUNK) {
        found.extend(
            library_files::table
                .filter(library_files::error.is_null())
                .filter(library_files::isrc.eq_any(chunk))
                .select(LibraryFileRow::as_select())
                .load(conn)?,
        );
    }
    for chunk in spotify_ids.chunks(CHUNK) {
        found.extend(
            library_files::table
                .filter(library_files::error.is_null())
                .filter(library_files::spotify_track_id.eq_any(chunk))
                .select(LibraryFileRow::as_select())
                .load(conn)?,
        );
    }
    for chunk in track_keys.chunks(CHUNK) {
        found.extend(
            library_files::table
                .filter(library_files::error.is_null())
                .filter(library_files::track_key.eq_any(chunk))
                .select(LibraryFileRow::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Readable files at these paths (the playlist writer's lookup).
pub fn by_paths(
    conn: &mut SqliteConnection,
    paths: &[String],
) -> Result<Vec<LibraryFileRow>, DbError> {
    let mut found = Vec::new();
    for chunk in paths.chunks(CHUNK) {
        found.extend(
            library_files::table
                .filter(library_files::error.is_null())
                .filter(library_files::path.eq_any(chunk))
                .select(LibraryFileRow::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Points a wanted track at the indexed file that holds it.
pub fn set_wanted_library_path(
    conn: &mut SqliteConnection,
    id: WantedId,
    path: &str,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set(wanted_tracks::library_path.eq(path))
        .execute(conn)?;
    Ok(())
}
