//! What the metadata, artwork and lyrics workers did to a completed
//! download's file (`download_artifacts`), the per-album cover cache
//! (`artwork_cache`) and their jobs. Each outcome writes the download's
//! status, its event, its activity entry and the follow-up jobs in the
//! caller's transaction: the jobs are rows before any worker is woken.

use super::schema::{artwork_cache, download_artifacts, downloads, worker_jobs};
use super::{jobs, DbError};
use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::ids::DownloadId;
use crate::domain::time::UnixMillis;
use crate::domain::workers::name::WorkerName;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = download_artifacts)]
pub struct ArtifactsRow {
    pub download_id: DownloadId,
    pub metadata_path: Option<String>,
    pub tags: Option<String>,
    pub metadata_error: Option<String>,
    pub metadata_at: Option<i64>,
    pub spotify_image_url: Option<String>,
    pub artwork_source: Option<String>,
    pub artwork_cache_key: Option<String>,
    pub artwork_mime: Option<String>,
    pub artwork_width: Option<i32>,
    pub artwork_height: Option<i32>,
    pub artwork_error: Option<String>,
    pub artwork_at: Option<i64>,
    pub lyrics_path: Option<String>,
    pub lyrics_kind: Option<String>,
    pub lyrics_embedded: bool,
    pub lyrics_error: Option<String>,
    pub lyrics_rechecks: i32,
    pub lyrics_at: Option<i64>,
    pub updated_at: i64,
}

/// One cached cover (a file in `ARTWORK_DIR`).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = artwork_cache)]
pub struct CachedCover {
    pub cache_key: String,
    pub file_name: String,
    pub mime: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub bytes: i64,
    pub source: String,
    pub url: String,
    pub fetched_at: i64,
}

/// Which of the three a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    Metadata,
    Artwork,
    Lyrics,
}

impl Artifact {
    pub fn worker(self) -> WorkerName {
        match self {
            Artifact::Metadata => WorkerName::Metadata,
            Artifact::Artwork => WorkerName::Artwork,
            Artifact::Lyrics => WorkerName::Lyrics,
        }
    }

    /// Its name in the activity feed.
    pub fn as_str(self) -> &'static str {
        match self {
            Artifact::Metadata => "metadata",
            Artifact::Artwork => "artwork",
            Artifact::Lyrics => "lyrics",
        }
    }
}

/// Which follow-up jobs a written (or refused) tag job hands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowUps {
    pub artwork: bool,
    pub lyrics: bool,
}

pub enum MetadataOutcome<'a> {
    /// `tags`: the JSON of the tags as read back from the file.
    Written {
        path: &'a str,
        tags: &'a str,
        spotify_image_url: Option<&'a str>,
    },
    /// The format cannot carry tags: the file was not touched.
    Skipped { reason: &'a str },
    /// The file could not be tagged; it was left byte-identical.
    Failed { reason: &'a str },
}

pub enum ArtworkOutcome<'a> {
    Embedded {
        source: &'a str,
        cache_key: &'a str,
        mime: &'a str,
        width: Option<u32>,
        height: Option<u32>,
        replaced: bool,
    },
    /// The file already had a good cover.
    Kept {
        mime: Option<&'a str>,
        width: Option<u32>,
        height: Option<u32>,
    },
    /// Nothing to do: the format cannot carry a cover, or no album to look for.
    Skipped {
        reason: &'a str,
    },
    Failed {
        reason: &'a str,
    },
}

pub enum LyricsOutcome<'a> {
    Written {
        /// `synced` (`.lrc`) or `plain` (`.txt`).
        kind: &'a str,
        path: &'a str,
        embedded: bool,
        embed_error: Option<&'a str>,
    },
    Instrumental,
    /// `recheck_at`: when to look again (a job row due then), if ever.
    NotFound {
        recheck_at: Option<UnixMillis>,
    },
    Failed {
        reason: &'a str,
    },
}

pub fn get(conn: &mut SqliteConnection, id: DownloadId) -> Result<Option<ArtifactsRow>, DbError> {
    Ok(download_artifacts::table
        .find(id)
        .select(ArtifactsRow::as_select())
        .first(conn)
        .optional()?)
}

/// Makes sure the download has its row.
fn ensure_row(conn: &mut SqliteConnection, id: DownloadId, now: UnixMillis) -> Result<(), DbError> {
    diesel::insert_into(download_artifacts::table)
        .values((
            download_artifacts::download_id.eq(id),
            download_artifacts::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

pub fn set_status(
    conn: &mut SqliteConnection,
    id: DownloadId,
    artifact: Artifact,
    status: ArtifactStatus,
    now: UnixMillis,
) -> Result<(), DbError> {
    let target = downloads::table.find(id);
    match artifact {
        Artifact::Metadata => diesel::update(target)
            .set((
                downloads::metadata_status.eq(status),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
        Artifact::Artwork => diesel::update(target)
            .set((
                downloads::artwork_status.eq(status),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
        Artifact::Lyrics => diesel::update(target)
            .set((
                downloads::lyrics_status.eq(status),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// Writes the tag job's outcome into the download's artifacts row.
pub fn write_metadata(
    conn: &mut SqliteConnection,
    id: DownloadId,
    outcome: &MetadataOutcome<'_>,
    now: UnixMillis,
) -> Result<(), DbError> {
    ensure_row(conn, id, now)?;
    let row = download_artifacts::table.find(id);
    match outcome {
        MetadataOutcome::Written {
            path,
            tags,
            spotify_image_url,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::metadata_path.eq(Some(*path)),
                    download_artifacts::tags.eq(Some(*tags)),
                    download_artifacts::metadata_error.eq(None::<String>),
                    download_artifacts::metadata_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            if let Some(url) = spotify_image_url {
                diesel::update(row)
                    .set(download_artifacts::spotify_image_url.eq(Some(*url)))
                    .execute(conn)?;
            }
        }
        MetadataOutcome::Skipped { reason } | MetadataOutcome::Failed { reason } => {
            diesel::update(row)
                .set((
                    download_artifacts::metadata_error.eq(Some(*reason)),
                    download_artifacts::metadata_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes the artwork job's outcome. A failure keeps what an earlier
/// success recorded: the file still has it.
pub fn write_artwork(
    conn: &mut SqliteConnection,
    id: DownloadId,
    outcome: &ArtworkOutcome<'_>,
    now: UnixMillis,
) -> Result<(), DbError> {
    ensure_row(conn, id, now)?;
    let row = download_artifacts::table.find(id);
    let dim = |v: Option<u32>| v.and_then(|v| i32::try_from(v).ok());
    match outcome {
        ArtworkOutcome::Embedded {
            source,
            cache_key,
            mime,
            width,
            height,
            ..
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::artwork_source.eq(Some(*source)),
                    download_artifacts::artwork_cache_key.eq(Some(*cache_key)),
                    download_artifacts::artwork_mime.eq(Some(*mime)),
                    download_artifacts::artwork_width.eq(dim(*width)),
                    download_artifacts::artwork_height.eq(dim(*height)),
                    download_artifacts::artwork_error.eq(None::<String>),
                    download_artifacts::artwork_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        ArtworkOutcome::Kept {
            mime,
            width,
            height,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::artwork_source.eq(Some("file")),
                    download_artifacts::artwork_mime.eq(*mime),
                    download_artifacts::artwork_width.eq(dim(*width)),
                    download_artifacts::artwork_height.eq(dim(*height)),
                    download_artifacts::artwork_error.eq(None::<String>),
                    download_artifacts::artwork_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        ArtworkOutcome::Skipped { reason } | ArtworkOutcome::Failed { reason } => {
            diesel::update(row)
                .set((
                    download_artifacts::artwork_error.eq(Some(*reason)),
                    download_artifacts::artwork_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes the lyrics job's outcome (a planned re-check counts one more).
pub fn write_lyrics(
    conn: &mut SqliteConnection,
    id: DownloadId,
    outcome: &LyricsOutcome<'_>,
    now: UnixMillis,
) -> Result<(), DbError> {
    ensure_row(conn, id, now)?;
    let row = download_artifacts::table.find(id);
    match outcome {
        LyricsOutcome::Written {
            kind,
            path,
            embedded,
            embed_error,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_path.eq(Some(*path)),
                    download_artifacts::lyrics_kind.eq(Some(*kind)),
                    download_artifacts::lyrics_embedded.eq(*embedded),
                    download_artifacts::lyrics_error.eq(*embed_error),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        LyricsOutcome::Instrumental | LyricsOutcome::NotFound { .. } => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_error.eq(None::<String>),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            if let LyricsOutcome::NotFound {
                recheck_at: Some(_),
            } = outcome
            {
                diesel::update(row)
                    .set(
                        download_artifacts::lyrics_rechecks
                            .eq(download_artifacts::lyrics_rechecks + 1),
                    )
                    .execute(conn)?;
            }
        }
        LyricsOutcome::Failed { reason } => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_error.eq(Some(*reason)),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

pub fn cached_cover(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<CachedCover>, DbError> {
    Ok(artwork_cache::table
        .find(key)
        .select(CachedCover::as_select())
        .first(conn)
        .optional()?)
}

pub fn store_cover(conn: &mut SqliteConnection, cover: &CachedCover) -> Result<(), DbError> {
    diesel::replace_into(artwork_cache::table)
        .values(cover)
        .execute(conn)?;
    Ok(())
}

/// Jobs of `worker` that are due or running: a look-up planned for next
/// week is not work waiting now (`queue_size`).
pub fn count_due(
    conn: &mut SqliteConnection,
    worker: &str,
    now: UnixMillis,
) -> Result<i64, DbError> {
    Ok(worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(
            worker_jobs::state.eq(jobs::RUNNING).or(worker_jobs::state
                .eq(jobs::QUEUED)
                .and(worker_jobs::run_at.le(now))),
        )
        .count()
        .get_result(conn)?)
}
