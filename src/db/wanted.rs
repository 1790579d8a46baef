//! Wanted tracks, their candidate lists, per-track blocklists and the peers
//! seen failing: rows and narrow queries only. What a change leads to (a
//! search or choose job, a download) is decided in `lifecycle::wanted`.

use std::collections::HashSet;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::schema::{peer_failures, wanted_candidates, wanted_rejections, wanted_tracks};
use super::DbError;
use crate::domain::ids::{DownloadId, WantedId};
use crate::domain::matching::{Candidate, Components, Refusal, TrackQuery};
use crate::domain::time::UnixMillis;
use crate::domain::track::Track;
use crate::domain::wanted::{WantedState, PEER_PENALTY};

/// Stored candidates per search: every accepted one (up to this many) and
/// the best refused ones, so a person can see why they were refused.
pub const MAX_STORED_ACCEPTED: usize = 200;
pub const MAX_STORED_REFUSED: usize = 100;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wanted_tracks)]
pub struct WantedRow {
    pub id: WantedId,
    pub state: WantedState,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub priority: i32,
    pub source: String,
    pub track: String,
    pub dedupe_key: String,
    pub search_count: i32,
    pub next_search_at: Option<i64>,
    pub last_searched_at: Option<i64>,
    pub last_error: Option<String>,
    pub download_id: Option<DownloadId>,
    pub match_username: Option<String>,
    pub match_filename: Option<String>,
    pub match_score: Option<f64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The user's own search text, searched instead of the derived queries.
    pub search_query: Option<String>,
    /// The indexed file that made the track `completed` (issue 15).
    pub library_path: Option<String>,
}

impl WantedRow {
    pub fn state(&self) -> WantedState {
        self.state
    }

    /// What the matching engine scores candidates against.
    pub fn query(&self) -> TrackQuery {
        TrackQuery {
            artist: self.artist.clone(),
            title: self.title.clone(),
            album: self.album.clone(),
            duration_ms: self.duration_ms.and_then(|d| u64::try_from(d).ok()),
            track_number: self.track_number.and_then(|n| u32::try_from(n).ok()),
        }
    }

    /// What the track's download is meant to be.
    pub fn track(&self) -> Track {
        Track::from_json(&self.track)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wanted_candidates)]
pub struct CandidateRow {
    pub id: i64,
    pub wanted_id: WantedId,
    pub rank: i32,
    pub username: String,
    pub filename: String,
    pub size: Option<i64>,
    pub extension: Option<String>,
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    pub length: Option<i32>,
    pub has_free_upload_slot: Option<bool>,
    pub queue_length: Option<i64>,
    pub upload_speed: Option<i64>,
    pub locked: bool,
    pub score: f64,
    pub accepted: bool,
    pub rejected_by: String,
    pub components: String,
}

impl CandidateRow {
    pub fn rejected_by(&self) -> Vec<String> {
        serde_json::from_str(&self.rejected_by).unwrap_or_default()
    }

    pub fn components(&self) -> Value {
        serde_json::from_str(&self.components).unwrap_or_else(|_| json!({}))
    }
}

/// A file never to choose again for a track, and why.
#[derive(Debug, Clone, Queryable)]
pub struct RejectionRow {
    pub wanted_id: WantedId,
    pub username: String,
    pub filename: String,
    pub reason: String,
    pub created_at: i64,
}

pub struct NewWanted<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub album: Option<&'a str>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<&'a str>,
    pub spotify_track_id: Option<&'a str>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub priority: i32,
    pub source: &'a str,
    /// Everything else known (album artist, year, Spotify ids…).
    pub track: &'a Track,
}

impl<'a> NewWanted<'a> {
    /// A track its source knows fully (Spotify); `None` without artist or title.
    pub fn from_track(track: &'a Track, source: &'a str) -> Option<NewWanted<'a>> {
        Some(NewWanted {
            artist: track.artist.as_deref()?,
            title: track.title.as_deref()?,
            album: track.album.as_deref(),
            duration_ms: track.duration_ms,
            isrc: track.isrc.as_deref(),
            spotify_track_id: track.spotify_track_id.as_deref(),
            track_number: track.track_number,
            disc_number: track.disc_number,
            priority: 0,
            source,
            track,
        })
    }
}

impl WantedRow {
    /// The track as its download should know it: the stored track data,
    /// with the wanted fields filled in.
    pub fn download_track(&self) -> Track {
        let mut track = self.track();
        track.artist = Some(self.artist.clone());
        track.title = Some(self.title.clone());
        if self.album.is_some() {
            track.album = self.album.clone();
        }
        track.duration_ms = self
            .duration_ms
            .and_then(|d| u64::try_from(d).ok())
            .or(track.duration_ms);
        track.track_number = self
            .track_number
            .and_then(|n| u32::try_from(n).ok())
            .or(track.track_number);
        track.disc_number = self
            .disc_number
            .and_then(|n| u32::try_from(n).ok())
            .or(track.disc_number);
        if self.isrc.is_some() {
            track.isrc = self.isrc.clone();
        }
        if self.spotify_track_id.is_some() {
            track.spotify_track_id = self.spotify_track_id.clone();
        }
        track
    }
}

/// One ranked candidate of a search, as the engine judged it.
pub struct StoredCandidate<'a> {
    pub candidate: &'a Candidate,
    pub score: f64,
    pub accepted: bool,
    pub rejected_by: &'a [Refusal],
    pub components: &'a Components,
}

pub fn get(conn: &mut SqliteConnection, id: WantedId) -> Result<WantedRow, DbError> {
    Ok(wanted_tracks::table
        .find(id)
        .select(WantedRow::as_select())
        .first(conn)?)
}

pub fn find(conn: &mut SqliteConnection, id: WantedId) -> Result<Option<WantedRow>, DbError> {
    Ok(wanted_tracks::table
        .find(id)
        .select(WantedRow::as_select())
        .first(conn)
        .optional()?)
}

/// Which wanted tracks a list shows: every filter `None`/empty means all.
#[derive(Debug, Clone, Default)]
pub struct WantedFilter {
    pub states: Vec<WantedState>,
    /// Exactly this source.
    pub source: Option<String>,
    /// Words found in the artist, title or album (case-insensitive).
    pub text: Option<String>,
}

/// `%word%` for LIKE, the wildcards in the word itself escaped with `\`.
fn like_pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Newest first, with the total the filter matches (one snapshot).
pub fn list(
    conn: &mut SqliteConnection,
    filter: &WantedFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<WantedRow>, i64), DbError> {
    let filtered = || {
        let mut query = wanted_tracks::table.into_boxed();
        if !filter.states.is_empty() {
            query = query.filter(wanted_tracks::state.eq_any(filter.states.clone()));
        }
        if let Some(source) = &filter.source {
            query = query.filter(wanted_tracks::source.eq(source.clone()));
        }
        // Each word must appear somewhere; at most 8 words are read.
        for word in filter
            .text
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .take(8)
        {
            let pattern = like_pattern(word);
            query = query.filter(
                wanted_tracks::artist
                    .like(pattern.clone())
                    .escape('\\')
                    .or(wanted_tracks::title.like(pattern.clone()).escape('\\'))
                    .or(wanted_tracks::album
                        .like(pattern)
                        .escape('\\')
                        .assume_not_null()),
            );
        }
        query
    };
    conn.transaction(|conn| {
        let rows = filtered()
            .order((wanted_tracks::created_at.desc(), wanted_tracks::id.desc()))
            .limit(limit)
            .offset(offset)
            .select(WantedRow::as_select())
            .load(conn)?;
        let total = filtered().count().get_result(conn)?;
        Ok((rows, total))
    })
}

/// Tracks waiting for or in a search: the matching worker's queue.
pub fn count_to_search(conn: &mut SqliteConnection) -> Result<i64, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::state.eq_any([WantedState::Pending, WantedState::Searching]))
        .count()
        .get_result(conn)?)
}

/// The sources wanted tracks came from, for a filter (at most `limit`).
pub fn sources(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<String>, DbError> {
    Ok(wanted_tracks::table
        .select(wanted_tracks::source)
        .distinct()
        .order(wanted_tracks::source)
        .limit(limit)
        .load(conn)?)
}

/// Stores (or, with `None`, clears) the user's own search text.
pub fn set_search_query(
    conn: &mut SqliteConnection,
    id: WantedId,
    query: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::search_query.eq(query),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn count_by_state(conn: &mut SqliteConnection) -> Result<Vec<(WantedState, i64)>, DbError> {
    Ok(wanted_tracks::table
        .group_by(wanted_tracks::state)
        .select((wanted_tracks::state, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The last search's candidates in the engine's order, and the track's blocklist.
pub fn candidates(
    conn: &mut SqliteConnection,
    id: WantedId,
) -> Result<(Vec<CandidateRow>, Vec<RejectionRow>), DbError> {
    let rows = wanted_candidates::table
        .filter(wanted_candidates::wanted_id.eq(id))
        .order(wanted_candidates::rank)
        .select(CandidateRow::as_select())
        .load(conn)?;
    Ok((rows, rejections(conn, id)?))
}

pub fn rejections(conn: &mut SqliteConnection, id: WantedId) -> Result<Vec<RejectionRow>, DbError> {
    Ok(wanted_rejections::table
        .filter(wanted_rejections::wanted_id.eq(id))
        .load(conn)?)
}

/// Users seen failing within the penalty window.
pub fn penalized_users(
    conn: &mut SqliteConnection,
    now: UnixMillis,
) -> Result<HashSet<String>, DbError> {
    let since = now.saturating_sub(i64::try_from(PEER_PENALTY.as_millis()).unwrap_or(i64::MAX));
    Ok(peer_failures::table
        .filter(peer_failures::last_failed_at.gt(since))
        .select(peer_failures::username)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

pub fn add_rejection(
    conn: &mut SqliteConnection,
    id: WantedId,
    username: &str,
    filename: &str,
    reason: Refusal,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_or_ignore_into(wanted_rejections::table)
        .values((
            wanted_rejections::wanted_id.eq(id),
            wanted_rejections::username.eq(username),
            wanted_rejections::filename.eq(filename),
            wanted_rejections::reason.eq(reason.as_str()),
            wanted_rejections::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_peer_failure(
    conn: &mut SqliteConnection,
    username: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_into(peer_failures::table)
        .values((
            peer_failures::username.eq(username),
            peer_failures::failures.eq(1),
            peer_failures::last_failed_at.eq(now),
        ))
        .on_conflict(peer_failures::username)
        .do_update()
        .set((
            peer_failures::failures.eq(peer_failures::failures + 1),
            peer_failures::last_failed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The oldest entry of this Spotify track.
pub fn find_by_spotify_id(
    conn: &mut SqliteConnection,
    spotify_id: &str,
) -> Result<Option<WantedRow>, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::spotify_track_id.eq(spotify_id))
        .order(wanted_tracks::id)
        .select(WantedRow::as_select())
        .first(conn)
        .optional()?)
}

/// The oldest entry with this dedupe key.
pub fn find_by_dedupe_key(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<WantedRow>, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::dedupe_key.eq(key))
        .order(wanted_tracks::id)
        .select(WantedRow::as_select())
        .first(conn)
        .optional()?)
}

/// An entry wanted again: `pending`, its search schedule started over.
pub fn rearm(
    conn: &mut SqliteConnection,
    id: WantedId,
    now: UnixMillis,
) -> Result<WantedRow, DbError> {
    Ok(diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(WantedState::Pending),
            wanted_tracks::search_count.eq(0),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::last_error.eq(None::<String>),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?)
}

pub fn insert(
    conn: &mut SqliteConnection,
    new: &NewWanted<'_>,
    dedupe_key: &str,
    state: WantedState,
    download_id: Option<DownloadId>,
    now: UnixMillis,
) -> Result<WantedRow, DbError> {
    Ok(diesel::insert_into(wanted_tracks::table)
        .values((
            wanted_tracks::state.eq(state),
            wanted_tracks::artist.eq(new.artist),
            wanted_tracks::title.eq(new.title),
            wanted_tracks::album.eq(new.album),
            wanted_tracks::duration_ms.eq(new.duration_ms.and_then(|d| i64::try_from(d).ok())),
            wanted_tracks::isrc.eq(new.isrc),
            wanted_tracks::spotify_track_id.eq(new.spotify_track_id),
            wanted_tracks::track_number.eq(new.track_number.and_then(|n| i32::try_from(n).ok())),
            wanted_tracks::disc_number.eq(new.disc_number.and_then(|n| i32::try_from(n).ok())),
            wanted_tracks::priority.eq(new.priority),
            wanted_tracks::source.eq(new.source),
            wanted_tracks::track.eq(new.track.to_json()),
            wanted_tracks::dedupe_key.eq(dedupe_key),
            wanted_tracks::download_id.eq(download_id),
            wanted_tracks::created_at.eq(now),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?)
}

pub fn set_state(
    conn: &mut SqliteConnection,
    id: WantedId,
    state: WantedState,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(state),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_cancelled(
    conn: &mut SqliteConnection,
    id: WantedId,
    now: UnixMillis,
) -> Result<WantedRow, DbError> {
    Ok(diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(WantedState::Cancelled),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?)
}

/// Why an entry was cancelled for the system's own reasons.
pub fn set_last_error(
    conn: &mut SqliteConnection,
    id: WantedId,
    error: &str,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set(wanted_tracks::last_error.eq(error))
        .execute(conn)?;
    Ok(())
}

/// `pending` again with `search_count` searches counted.
pub fn set_pending(
    conn: &mut SqliteConnection,
    id: WantedId,
    search_count: i32,
    now: UnixMillis,
) -> Result<WantedRow, DbError> {
    Ok(diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(WantedState::Pending),
            wanted_tracks::search_count.eq(search_count),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?)
}

pub fn set_searching(
    conn: &mut SqliteConnection,
    id: WantedId,
    now: UnixMillis,
) -> Result<WantedRow, DbError> {
    Ok(diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(WantedState::Searching),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::updated_at.eq(now),
        ))
        .returning(WantedRow::as_returning())
        .get_result(conn)?)
}

/// A `searching` track back to `pending`, with the reason.
pub fn search_failed(
    conn: &mut SqliteConnection,
    id: WantedId,
    error: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(
        wanted_tracks::table
            .find(id)
            .filter(wanted_tracks::state.eq(WantedState::Searching)),
    )
    .set((
        wanted_tracks::state.eq(WantedState::Pending),
        wanted_tracks::last_error.eq(Some(error)),
        wanted_tracks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Replaces the track's stored candidates: every accepted one (up to
/// `MAX_STORED_ACCEPTED`), then the best refused ones.
pub fn replace_candidates(
    conn: &mut SqliteConnection,
    id: WantedId,
    ranked: &[StoredCandidate<'_>],
) -> Result<(), DbError> {
    diesel::delete(wanted_candidates::table.filter(wanted_candidates::wanted_id.eq(id)))
        .execute(conn)?;
    let accepted = ranked
        .iter()
        .filter(|c| c.accepted)
        .take(MAX_STORED_ACCEPTED);
    let refused = ranked
        .iter()
        .filter(|c| !c.accepted)
        .take(MAX_STORED_REFUSED);
    let to_i32 = |v: Option<u32>| v.and_then(|n| i32::try_from(n).ok());
    let to_i64 = |v: Option<u64>| v.and_then(|n| i64::try_from(n).ok());
    let rows: Vec<_> = accepted
        .chain(refused)
        .enumerate()
        .map(|(rank, c)| {
            let names: Vec<&str> = c.rejected_by.iter().map(|r| r.as_str()).collect();
            let components = c.components.to_json();
            (
                wanted_candidates::wanted_id.eq(id),
                wanted_candidates::rank.eq(i32::try_from(rank).unwrap_or(i32::MAX)),
                wanted_candidates::username.eq(c.candidate.username.clone()),
                wanted_candidates::filename.eq(c.candidate.filename.clone()),
                wanted_candidates::size.eq(to_i64(c.candidate.size)),
                wanted_candidates::extension.eq(c.candidate.extension.clone()),
                wanted_candidates::bitrate.eq(to_i32(c.candidate.bitrate)),
                wanted_candidates::sample_rate.eq(to_i32(c.candidate.sample_rate)),
                wanted_candidates::bit_depth.eq(to_i32(c.candidate.bit_depth)),
                wanted_candidates::length.eq(to_i32(c.candidate.length)),
                wanted_candidates::has_free_upload_slot.eq(c.candidate.has_free_upload_slot),
                wanted_candidates::queue_length.eq(to_i64(c.candidate.queue_length)),
                wanted_candidates::upload_speed.eq(to_i64(c.candidate.upload_speed)),
                wanted_candidates::locked.eq(c.candidate.locked),
                wanted_candidates::score.eq(c.score),
                wanted_candidates::accepted.eq(c.accepted),
                wanted_candidates::rejected_by.eq(json!(names).to_string()),
                wanted_candidates::components.eq(components.to_string()),
            )
        })
        .collect();
    // SQLite limits bound parameters per statement; 19 columns × 50 rows stays well below it.
    for chunk in rows.chunks(50) {
        diesel::insert_into(wanted_candidates::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

/// One more search done, without error.
pub fn count_search(
    conn: &mut SqliteConnection,
    id: WantedId,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::search_count.eq(wanted_tracks::search_count + 1),
            wanted_tracks::last_searched_at.eq(Some(now)),
            wanted_tracks::last_error.eq(None::<String>),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The stored candidate of the last search with this file.
pub fn candidate(
    conn: &mut SqliteConnection,
    id: WantedId,
    username: &str,
    filename: &str,
) -> Result<Option<CandidateRow>, DbError> {
    Ok(wanted_candidates::table
        .filter(wanted_candidates::wanted_id.eq(id))
        .filter(wanted_candidates::username.eq(username))
        .filter(wanted_candidates::filename.eq(filename))
        .select(CandidateRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn remove_rejection(
    conn: &mut SqliteConnection,
    id: WantedId,
    username: &str,
    filename: &str,
) -> Result<(), DbError> {
    diesel::delete(
        wanted_rejections::table
            .filter(wanted_rejections::wanted_id.eq(id))
            .filter(wanted_rejections::username.eq(username))
            .filter(wanted_rejections::filename.eq(filename)),
    )
    .execute(conn)?;
    Ok(())
}

/// The track no longer points at a download.
pub fn detach_download(conn: &mut SqliteConnection, id: WantedId) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set(wanted_tracks::download_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

/// `downloading` this candidate through this download.
pub fn set_choice(
    conn: &mut SqliteConnection,
    id: WantedId,
    download_id: DownloadId,
    candidate: &CandidateRow,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(WantedState::Downloading),
            wanted_tracks::download_id.eq(Some(download_id)),
            wanted_tracks::match_username.eq(Some(&candidate.username)),
            wanted_tracks::match_filename.eq(Some(&candidate.filename)),
            wanted_tracks::match_score.eq(Some(candidate.score)),
            wanted_tracks::next_search_at.eq(None::<i64>),
            wanted_tracks::last_error.eq(None::<String>),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Nothing acceptable: `not_found` until `next_search_at`, or `failed`
/// (given up) without one.
pub fn set_nothing_found(
    conn: &mut SqliteConnection,
    id: WantedId,
    next_search_at: Option<UnixMillis>,
    error: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    let state = match next_search_at {
        Some(_) => WantedState::NotFound,
        None => WantedState::Failed,
    };
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::state.eq(state),
            wanted_tracks::next_search_at.eq(next_search_at),
            wanted_tracks::last_error.eq(Some(error)),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// `completed` through this download, unless the track was cancelled.
pub fn mark_completed(
    conn: &mut SqliteConnection,
    id: WantedId,
    download_id: DownloadId,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(
        wanted_tracks::table
            .find(id)
            .filter(wanted_tracks::state.ne(WantedState::Cancelled)),
    )
    .set((
        wanted_tracks::state.eq(WantedState::Completed),
        wanted_tracks::download_id.eq(Some(download_id)),
        wanted_tracks::next_search_at.eq(None::<i64>),
        wanted_tracks::last_error.eq(None::<String>),
        wanted_tracks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// Tracks that wait for a search (`pending`, `searching`, `not_found`):
/// id, priority, when the next search is due.
pub fn waiting_for_search(
    conn: &mut SqliteConnection,
) -> Result<Vec<(WantedId, i32, Option<i64>)>, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::state.eq_any([
            WantedState::Pending,
            WantedState::Searching,
            WantedState::NotFound,
        ]))
        .select((
            wanted_tracks::id,
            wanted_tracks::priority,
            wanted_tracks::next_search_at,
        ))
        .load(conn)?)
}

impl crate::domain::wanted::Choosable for CandidateRow {
    fn username(&self) -> &str {
        &self.username
    }

    fn filename(&self) -> &str {
        &self.filename
    }

    fn accepted(&self) -> bool {
        self.accepted
    }

    fn has_size(&self) -> bool {
        self.size.is_some()
    }
}

/// Another entry of this Spotify track that is still wanted or done.
pub fn other_with_spotify_id(
    conn: &mut SqliteConnection,
    spotify_id: &str,
    except: WantedId,
) -> Result<Option<WantedId>, DbError> {
    Ok(wanted_tracks::table
        .filter(wanted_tracks::spotify_track_id.eq(spotify_id))
        .filter(wanted_tracks::id.ne(except))
        .filter(wanted_tracks::state.ne_all([WantedState::Failed, WantedState::Cancelled]))
        .order(wanted_tracks::id)
        .select(wanted_tracks::id)
        .first(conn)
        .optional()?)
}

/// The track as Spotify knows it (a backfill's match).
pub fn set_track_data(
    conn: &mut SqliteConnection,
    id: WantedId,
    track: &Track,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(wanted_tracks::table.find(id))
        .set((
            wanted_tracks::spotify_track_id.eq(&track.spotify_track_id),
            wanted_tracks::isrc.eq(&track.isrc),
            wanted_tracks::album.eq(&track.album),
            wanted_tracks::duration_ms.eq(track.duration_ms.and_then(|d| i64::try_from(d).ok())),
            wanted_tracks::track_number.eq(track.track_number.and_then(|n| i32::try_from(n).ok())),
            wanted_tracks::disc_number.eq(track.disc_number.and_then(|n| i32::try_from(n).ok())),
            wanted_tracks::track.eq(track.to_json()),
            wanted_tracks::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}
