//! Download rows, their event timeline and the slskd transfers they took:
//! rows and narrow queries only. What a state change leads to (jobs, the
//! wanted track, events) is decided in `lifecycle::downloads`.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::schema::{download_events, downloads, slskd_transfers_taken};
use super::DbError;
use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::downloads::reconcile::Tracked;
use crate::domain::downloads::state::DownloadState;
use crate::domain::ids::{DownloadId, WantedId};
use crate::domain::time::UnixMillis;
use crate::domain::track::Track;
use crate::domain::wanted::{album_key, track_key};

const ACTIVE: [DownloadState; 2] = [DownloadState::Queued, DownloadState::Downloading];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = downloads)]
pub struct DownloadRow {
    pub id: DownloadId,
    pub state: DownloadState,
    pub progress: f64,
    pub username: String,
    pub filename: String,
    pub size: i64,
    pub bytes_transferred: i64,
    pub priority: i32,
    pub retry_count: i32,
    pub next_retry_at: Option<i64>,
    pub last_error: Option<String>,
    pub track: String,
    pub spotify_track_id: Option<String>,
    pub wanted_id: Option<WantedId>,
    pub slskd_id: Option<String>,
    pub submitted_at: Option<i64>,
    pub transfer_done_at: Option<i64>,
    pub organize_target: Option<String>,
    pub organized_path: Option<String>,
    pub metadata_status: ArtifactStatus,
    pub artwork_status: ArtifactStatus,
    pub lyrics_status: ArtifactStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

impl DownloadRow {
    pub fn state(&self) -> DownloadState {
        self.state
    }
}

#[derive(Debug, Clone, Queryable)]
pub struct EventRow {
    pub id: i64,
    pub download_id: DownloadId,
    pub at: i64,
    pub type_: String,
    pub details: String,
}

pub struct NewDownload<'a> {
    pub username: &'a str,
    pub filename: &'a str,
    pub size: i64,
    pub priority: i32,
    pub track: &'a Track,
    pub wanted_id: Option<WantedId>,
    pub artwork_status: ArtifactStatus,
    pub lyrics_status: ArtifactStatus,
}

pub fn get(conn: &mut SqliteConnection, id: DownloadId) -> Result<DownloadRow, DbError> {
    Ok(downloads::table
        .find(id)
        .select(DownloadRow::as_select())
        .first(conn)?)
}

/// The download, or `None` when there is no such id.
pub fn find(conn: &mut SqliteConnection, id: DownloadId) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .find(id)
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// The `queued`/`downloading` download of this Soulseek file, if any.
pub fn active_for_file(
    conn: &mut SqliteConnection,
    username: &str,
    filename: &str,
) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .filter(downloads::username.eq(username))
        .filter(downloads::filename.eq(filename))
        .filter(downloads::state.eq_any(ACTIVE))
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest `completed` download of this Spotify track.
pub fn completed_by_spotify_id(
    conn: &mut SqliteConnection,
    spotify_id: &str,
) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .filter(downloads::state.eq(DownloadState::Completed))
        .filter(downloads::spotify_track_id.eq(spotify_id))
        .order(downloads::id.desc())
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// The newest `completed` download with this normalised artist + title
/// (and this album, or none recorded).
pub fn completed_by_track_key(
    conn: &mut SqliteConnection,
    track_key: &str,
    album_key: Option<&str>,
) -> Result<Option<DownloadRow>, DbError> {
    let mut query = downloads::table
        .filter(downloads::state.eq(DownloadState::Completed))
        .filter(downloads::track_key.eq(track_key))
        .into_boxed();
    if let Some(album) = album_key {
        query = query.filter(
            downloads::album_key
                .is_null()
                .or(downloads::album_key.eq(album)),
        );
    }
    Ok(query
        .order(downloads::id.desc())
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// One entry of the download's timeline.
pub fn add_event(
    conn: &mut SqliteConnection,
    id: DownloadId,
    at: UnixMillis,
    type_: &str,
    details: Value,
) -> Result<(), DbError> {
    diesel::insert_into(download_events::table)
        .values((
            download_events::download_id.eq(id),
            download_events::at.eq(at),
            download_events::type_.eq(type_),
            download_events::details.eq(details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn state_changed(
    conn: &mut SqliteConnection,
    id: DownloadId,
    at: UnixMillis,
    from: DownloadState,
    to: DownloadState,
) -> Result<(), DbError> {
    add_event(
        conn,
        id,
        at,
        "state_changed",
        json!({"from": from.as_str(), "to": to.as_str()}),
    )
}

/// A new `queued` download with its `created` timeline entry.
pub fn insert(
    conn: &mut SqliteConnection,
    new: &NewDownload<'_>,
    now: UnixMillis,
) -> Result<DownloadRow, DbError> {
    let row: DownloadRow = diesel::insert_into(downloads::table)
        .values((
            downloads::state.eq(DownloadState::Queued),
            downloads::username.eq(new.username),
            downloads::filename.eq(new.filename),
            downloads::size.eq(new.size),
            downloads::priority.eq(new.priority),
            downloads::track.eq(new.track.to_json()),
            downloads::spotify_track_id.eq(new.track.spotify_track_id.as_deref()),
            downloads::wanted_id.eq(new.wanted_id),
            downloads::track_key.eq(track_key(
                new.track.artist.as_deref().unwrap_or(""),
                new.track.title.as_deref().unwrap_or(""),
            )),
            downloads::album_key.eq(album_key(new.track.album.as_deref())),
            downloads::artwork_status.eq(new.artwork_status),
            downloads::lyrics_status.eq(new.lyrics_status),
            downloads::created_at.eq(now),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?;
    add_event(
        conn,
        row.id,
        now,
        "created",
        json!({"username": row.username, "filename": row.filename, "size": row.size}),
    )?;
    Ok(row)
}

/// Newest first, with the total (one snapshot); `states` empty means all.
pub fn list(
    conn: &mut SqliteConnection,
    states: &[DownloadState],
    limit: i64,
    offset: i64,
) -> Result<(Vec<DownloadRow>, i64), DbError> {
    let mut query = downloads::table.into_boxed();
    let mut count = downloads::table.into_boxed();
    if !states.is_empty() {
        query = query.filter(downloads::state.eq_any(states.to_vec()));
        count = count.filter(downloads::state.eq_any(states.to_vec()));
    }
    conn.transaction(|conn| {
        let rows = query
            .order((downloads::created_at.desc(), downloads::id.desc()))
            .limit(limit)
            .offset(offset)
            .select(DownloadRow::as_select())
            .load(conn)?;
        let total = count.count().get_result(conn)?;
        Ok((rows, total))
    })
}

/// Oldest first.
pub fn events(conn: &mut SqliteConnection, id: DownloadId) -> Result<Vec<EventRow>, DbError> {
    Ok(download_events::table
        .filter(download_events::download_id.eq(id))
        .order(download_events::id)
        .load(conn)?)
}

/// Queued and downloading downloads: the sync worker's queue.
/// The downloads a wanted track made, newest first (at most `limit`).
pub fn for_wanted(
    conn: &mut SqliteConnection,
    wanted: WantedId,
    limit: i64,
) -> Result<Vec<DownloadRow>, DbError> {
    Ok(downloads::table
        .filter(downloads::wanted_id.eq(wanted))
        .order(downloads::id.desc())
        .limit(limit)
        .select(DownloadRow::as_select())
        .load(conn)?)
}

pub fn count_active(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    Ok(downloads::table
        .filter(downloads::state.eq_any(ACTIVE))
        .count()
        .get_result(conn)?)
}

/// Downloads per state, every state present (for `/metrics`).
pub fn count_by_state(conn: &mut SqliteConnection) -> Result<Vec<(DownloadState, i64)>, DbError> {
    let counted: Vec<(DownloadState, i64)> = downloads::table
        .group_by(downloads::state)
        .select((downloads::state, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(DownloadState::ALL
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .find(|(state, _)| state == s)
                .map_or(0, |(_, n)| *n);
            (*s, n)
        })
        .collect())
}

pub fn set_priority(
    conn: &mut SqliteConnection,
    id: DownloadId,
    priority: i32,
    now: UnixMillis,
) -> Result<DownloadRow, DbError> {
    Ok(diesel::update(downloads::table.find(id))
        .set((
            downloads::priority.eq(priority),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?)
}

pub fn mark_cancelled(
    conn: &mut SqliteConnection,
    id: DownloadId,
    now: UnixMillis,
) -> Result<DownloadRow, DbError> {
    Ok(diesel::update(downloads::table.find(id))
        .set((
            downloads::state.eq(DownloadState::Cancelled),
            downloads::next_retry_at.eq(None::<i64>),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?)
}

/// The fields of a fresh attempt (`next_retry_at` is set by each caller).
macro_rules! fresh_attempt {
    ($now:expr) => {
        (
            downloads::progress.eq(0.0),
            downloads::bytes_transferred.eq(0_i64),
            downloads::slskd_id.eq(None::<String>),
            downloads::submitted_at.eq(None::<i64>),
            downloads::transfer_done_at.eq(None::<i64>),
            downloads::organize_target.eq(None::<String>),
            downloads::updated_at.eq($now),
        )
    };
}

/// Back to `queued` for a fresh attempt; a manual retry also starts the
/// retry count over.
pub fn requeue(
    conn: &mut SqliteConnection,
    id: DownloadId,
    start_over: bool,
    now: UnixMillis,
) -> Result<DownloadRow, DbError> {
    let target = downloads::table.find(id);
    let query = diesel::update(target);
    let row = if start_over {
        query
            .set((
                downloads::state.eq(DownloadState::Queued),
                downloads::retry_count.eq(0),
                downloads::last_error.eq(None::<String>),
                downloads::next_retry_at.eq(None::<i64>),
                fresh_attempt!(now),
            ))
            .returning(DownloadRow::as_returning())
            .get_result(conn)?
    } else {
        query
            .set((
                downloads::state.eq(DownloadState::Queued),
                downloads::next_retry_at.eq(None::<i64>),
                fresh_attempt!(now),
            ))
            .returning(DownloadRow::as_returning())
            .get_result(conn)?
    };
    Ok(row)
}

/// How a failed attempt is written down.
pub struct FailedAttempt<'a> {
    /// `failed` or `dead_letter`.
    pub state: DownloadState,
    pub retry_count: i32,
    pub error: &'a str,
    pub next_retry_at: Option<UnixMillis>,
}

pub fn mark_failed(
    conn: &mut SqliteConnection,
    id: DownloadId,
    failed: &FailedAttempt<'_>,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(downloads::table.find(id))
        .set((
            downloads::state.eq(failed.state),
            downloads::retry_count.eq(failed.retry_count),
            downloads::last_error.eq(Some(failed.error)),
            downloads::next_retry_at.eq(failed.next_retry_at),
            fresh_attempt!(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_submitted(
    conn: &mut SqliteConnection,
    id: DownloadId,
    now: UnixMillis,
) -> Result<DownloadRow, DbError> {
    Ok(diesel::update(downloads::table.find(id))
        .set((
            downloads::submitted_at.eq(Some(now)),
            downloads::updated_at.eq(now),
        ))
        .returning(DownloadRow::as_returning())
        .get_result(conn)?)
}

/// Records slskd's transfer id on a download that is still `queued`; false
/// when it is not (cancelled meanwhile).
pub fn set_enqueued(
    conn: &mut SqliteConnection,
    id: DownloadId,
    slskd_id: Option<&str>,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let target = downloads::table
        .find(id)
        .filter(downloads::state.eq(DownloadState::Queued));
    let n = match slskd_id {
        Some(sid) => diesel::update(target)
            .set((
                downloads::slskd_id.eq(Some(sid)),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(downloads::updated_at.eq(now))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// The transfer is this download's: from now on it is history for every
/// later submission of the same file (and for this download's next attempt).
pub fn mark_taken(
    conn: &mut SqliteConnection,
    id: DownloadId,
    transfer_id: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_or_ignore_into(slskd_transfers_taken::table)
        .values((
            slskd_transfers_taken::transfer_id.eq(transfer_id),
            slskd_transfers_taken::download_id.eq(id),
            slskd_transfers_taken::taken_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Transfers of this Soulseek file that download attempts already took:
/// never to be adopted or correlated again.
pub fn taken_transfers(
    conn: &mut SqliteConnection,
    username: &str,
    filename: &str,
) -> Result<Vec<String>, DbError> {
    Ok(slskd_transfers_taken::table
        .inner_join(downloads::table)
        .filter(downloads::username.eq(username))
        .filter(downloads::filename.eq(filename))
        .select(slskd_transfers_taken::transfer_id)
        .load(conn)?)
}

/// Downloads handed to slskd whose transfer is not finished.
pub fn tracked_for_poll(conn: &mut SqliteConnection) -> Result<Vec<Tracked>, DbError> {
    type Cols = (
        DownloadId,
        String,
        String,
        Option<String>,
        Option<i64>,
        DownloadState,
        f64,
        i64,
    );
    let rows: Vec<Cols> = downloads::table
        .filter(downloads::state.eq_any(ACTIVE))
        .filter(downloads::submitted_at.is_not_null())
        .filter(downloads::transfer_done_at.is_null())
        .select((
            downloads::id,
            downloads::username,
            downloads::filename,
            downloads::slskd_id,
            downloads::submitted_at,
            downloads::state,
            downloads::progress,
            downloads::bytes_transferred,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(
            |(id, username, filename, slskd_id, submitted_at, state, progress, bytes)| {
                // Only a download still correlated by file needs to know which
                // transfers of that file are history (few: 0.23, before its first poll).
                let taken = match slskd_id {
                    None => taken_transfers(conn, &username, &filename)?,
                    Some(_) => Vec::new(),
                };
                Ok(Tracked {
                    id,
                    username,
                    filename,
                    slskd_id,
                    submitted_at: submitted_at.unwrap_or(0),
                    state,
                    progress,
                    bytes_transferred: bytes,
                    taken,
                })
            },
        )
        .collect()
}

/// Only the numbers moved, guarded by the state they were computed from.
/// Touching no indexed column keeps a 10 000-transfer poll cheap.
pub fn set_progress(
    conn: &mut SqliteConnection,
    id: DownloadId,
    from: DownloadState,
    progress: f64,
    bytes: i64,
    now: UnixMillis,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        downloads::table
            .find(id)
            .filter(downloads::state.eq(from))
            .filter(downloads::transfer_done_at.is_null()),
    )
    .set((
        downloads::progress.eq(progress),
        downloads::bytes_transferred.eq(bytes),
        downloads::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// The transfer's state, numbers and id, guarded by the state they were
/// computed from (a cancel that landed meanwhile wins).
#[allow(clippy::too_many_arguments)]
pub fn set_transfer(
    conn: &mut SqliteConnection,
    id: DownloadId,
    from: DownloadState,
    to: DownloadState,
    progress: f64,
    bytes: i64,
    slskd_id: &str,
    now: UnixMillis,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        downloads::table
            .find(id)
            .filter(downloads::state.eq(from))
            .filter(downloads::transfer_done_at.is_null()),
    )
    .set((
        downloads::state.eq(to),
        downloads::progress.eq(progress),
        downloads::bytes_transferred.eq(bytes),
        downloads::slskd_id.eq(Some(slskd_id)),
        downloads::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// The transfer finished: the file waits to be organized.
pub fn set_transfer_done(
    conn: &mut SqliteConnection,
    id: DownloadId,
    from: DownloadState,
    slskd_id: &str,
    now: UnixMillis,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        downloads::table
            .find(id)
            .filter(downloads::state.eq(from))
            .filter(downloads::transfer_done_at.is_null()),
    )
    .set((
        downloads::state.eq(DownloadState::Downloading),
        downloads::progress.eq(100.0),
        downloads::bytes_transferred.eq(downloads::size),
        downloads::slskd_id.eq(Some(slskd_id)),
        downloads::transfer_done_at.eq(Some(now)),
        downloads::updated_at.eq(now),
    ))
    .execute(conn)?)
}

/// The download whose finished file is to be moved, if it still is.
pub fn awaiting_organize(
    conn: &mut SqliteConnection,
    id: DownloadId,
) -> Result<Option<DownloadRow>, DbError> {
    Ok(downloads::table
        .find(id)
        .filter(downloads::state.eq(DownloadState::Downloading))
        .filter(downloads::transfer_done_at.is_not_null())
        .select(DownloadRow::as_select())
        .first(conn)
        .optional()?)
}

/// Remembers the library path before the move, so a crash mid-move resumes
/// with the same path instead of picking a second one.
pub fn set_organize_target(
    conn: &mut SqliteConnection,
    id: DownloadId,
    path: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(downloads::table.find(id))
        .set((
            downloads::organize_target.eq(Some(path)),
            downloads::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// `completed` at `path`; false when the download no longer downloads
/// (cancelled meanwhile).
pub fn mark_completed(
    conn: &mut SqliteConnection,
    id: DownloadId,
    path: &str,
    now: UnixMillis,
) -> Result<bool, DbError> {
    let n = diesel::update(
        downloads::table
            .find(id)
            .filter(downloads::state.eq(DownloadState::Downloading)),
    )
    .set((
        downloads::state.eq(DownloadState::Completed),
        downloads::progress.eq(100.0),
        downloads::organized_path.eq(Some(path)),
        downloads::organize_target.eq(Some(path)),
        downloads::next_retry_at.eq(None::<i64>),
        downloads::last_error.eq(None::<String>),
        downloads::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// `failed` downloads whose retry is due, oldest due first.
pub fn due_retries(
    conn: &mut SqliteConnection,
    now: UnixMillis,
    limit: i64,
) -> Result<Vec<DownloadRow>, DbError> {
    Ok(downloads::table
        .filter(downloads::state.eq(DownloadState::Failed))
        .filter(downloads::next_retry_at.le(now))
        .order((downloads::next_retry_at, downloads::id))
        .limit(limit)
        .select(DownloadRow::as_select())
        .load(conn)?)
}

/// No retry is due any more (another download took the file).
pub fn clear_retry(conn: &mut SqliteConnection, id: DownloadId) -> Result<(), DbError> {
    diesel::update(downloads::table.find(id))
        .set(downloads::next_retry_at.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

/// `queued` downloads not (or long ago) submitted and without a transfer.
pub fn unsubmitted(
    conn: &mut SqliteConnection,
    submitted_before: UnixMillis,
) -> Result<Vec<(DownloadId, i32)>, DbError> {
    Ok(downloads::table
        .filter(downloads::state.eq(DownloadState::Queued))
        .filter(downloads::slskd_id.is_null())
        .filter(
            downloads::submitted_at
                .is_null()
                .or(downloads::submitted_at.lt(submitted_before)),
        )
        .select((downloads::id, downloads::priority))
        .load(conn)?)
}
