//! `wanted::create_or_get` for thousands of tracks at once (imports,
//! playlists): the same answers, but the lookups and the inserts of new
//! tracks and their search jobs go in batches, so a 10 000-track import
//! commits in one short transaction instead of 70 000 statements.

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::json;

use super::schema::{downloads, wanted_tracks, worker_jobs};
use super::wanted::{self, job, NewWanted};
use super::{jobs, DbError};
use crate::domain::time::UnixMillis;
use crate::domain::wanted::{album_key, dedupe_key, track_key, WantedState};

/// Rows per statement (well below SQLite's variable limit).
const CHUNK: usize = 250;

/// The wanted track id for each input, in input order.
pub fn create_many(
    conn: &mut SqliteConnection,
    news: &[NewWanted<'_>],
    now: UnixMillis,
) -> Result<Vec<i64>, DbError> {
    let keys: Vec<String> = news
        .iter()
        .map(|n| dedupe_key(n.artist, n.title, n.album))
        .collect();
    let known = existing_by_key(conn, &keys)?;
    let mut ids = vec![0i64; news.len()];
    // Index of the first input with each new key: later equal inputs share its row.
    let mut fresh: HashMap<&str, usize> = HashMap::new();
    let mut fresh_order = Vec::new();
    for (i, new) in news.iter().enumerate() {
        let key = keys[i].as_str();
        let plain_known = known
            .get(key)
            .filter(|(_, state)| !state.is_given_up())
            .map(|(id, _)| *id);
        if new.spotify_track_id.is_some() || known.contains_key(key) && plain_known.is_none() {
            // Spotify-id dedupe and re-arming: the one-by-one path.
            ids[i] = wanted::create_or_get(conn, new, now)?.0.id;
        } else if let Some(id) = plain_known {
            ids[i] = id;
        } else if !fresh.contains_key(key) {
            fresh.insert(key, i);
            fresh_order.push(i);
        }
    }
    let library = in_library(conn, news, &fresh_order)?;
    for chunk in fresh_order.chunks(CHUNK) {
        insert_chunk(conn, news, &keys, chunk, &library, now)?
            .into_iter()
            .for_each(|(i, id)| ids[i] = id);
    }
    for (i, key) in keys.iter().enumerate() {
        if ids[i] == 0 {
            if let Some(first) = fresh.get(key.as_str()) {
                ids[i] = ids[*first];
            }
        }
    }
    Ok(ids)
}

/// The oldest wanted row per dedupe key among `keys`.
fn existing_by_key(
    conn: &mut SqliteConnection,
    keys: &[String],
) -> Result<HashMap<String, (i64, WantedState)>, DbError> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let rows: Vec<(i64, String, String)> = wanted_tracks::table
            .filter(wanted_tracks::dedupe_key.eq_any(chunk))
            .order(wanted_tracks::id)
            .select((
                wanted_tracks::id,
                wanted_tracks::state,
                wanted_tracks::dedupe_key,
            ))
            .load(conn)?;
        for (id, state, key) in rows {
            let state = WantedState::parse(&state).unwrap_or(WantedState::Failed);
            found.entry(key).or_insert((id, state));
        }
    }
    Ok(found)
}

/// Completed downloads holding these tracks (same rule as
/// `create_or_get`: same artist + title, and the same album when both have one).
fn in_library(
    conn: &mut SqliteConnection,
    news: &[NewWanted<'_>],
    candidates: &[usize],
) -> Result<HashMap<usize, i64>, DbError> {
    let wanted_keys: Vec<(usize, String, Option<String>)> = candidates
        .iter()
        .filter_map(|&i| {
            let n = &news[i];
            track_key(n.artist, n.title).map(|k| (i, k, album_key(n.album)))
        })
        .collect();
    let mut by_track: HashMap<String, Vec<(i64, Option<String>)>> = HashMap::new();
    for chunk in wanted_keys.chunks(CHUNK) {
        let keys: Vec<&str> = chunk.iter().map(|(_, k, _)| k.as_str()).collect();
        let rows: Vec<(i64, Option<String>, Option<String>)> = downloads::table
            .filter(downloads::state.eq("completed"))
            .filter(downloads::track_key.eq_any(keys))
            .order(downloads::id.desc())
            .select((downloads::id, downloads::track_key, downloads::album_key))
            .load(conn)?;
        for (id, track, album) in rows {
            if let Some(track) = track {
                by_track.entry(track).or_default().push((id, album));
            }
        }
    }
    let mut found = HashMap::new();
    for (i, key, album) in wanted_keys {
        let hit = by_track.get(&key).and_then(|downloads| {
            downloads
                .iter()
                .find(|(_, theirs)| album.is_none() || theirs.is_none() || *theirs == album)
        });
        if let Some((id, _)) = hit {
            found.insert(i, *id);
        }
    }
    Ok(found)
}

/// Inserts one chunk of new tracks and the search jobs of those not
/// already in the library; returns (input index, new id).
fn insert_chunk(
    conn: &mut SqliteConnection,
    news: &[NewWanted<'_>],
    keys: &[String],
    chunk: &[usize],
    library: &HashMap<usize, i64>,
    now: UnixMillis,
) -> Result<Vec<(usize, i64)>, DbError> {
    let rows: Vec<_> = chunk
        .iter()
        .map(|&i| {
            let n = &news[i];
            let state = if library.contains_key(&i) {
                WantedState::Completed
            } else {
                WantedState::Pending
            };
            (
                wanted_tracks::state.eq(state.as_str()),
                wanted_tracks::artist.eq(n.artist),
                wanted_tracks::title.eq(n.title),
                wanted_tracks::album.eq(n.album),
                wanted_tracks::duration_ms.eq(n.duration_ms.and_then(|d| i64::try_from(d).ok())),
                wanted_tracks::isrc.eq(n.isrc),
                wanted_tracks::track_number.eq(n.track_number.and_then(|v| i32::try_from(v).ok())),
                wanted_tracks::disc_number.eq(n.disc_number.and_then(|v| i32::try_from(v).ok())),
                wanted_tracks::priority.eq(n.priority),
                wanted_tracks::source.eq(n.source),
                wanted_tracks::track.eq(n.track.to_json()),
                wanted_tracks::dedupe_key.eq(keys[i].as_str()),
                wanted_tracks::download_id.eq(library.get(&i).copied()),
                wanted_tracks::created_at.eq(now),
                wanted_tracks::updated_at.eq(now),
            )
        })
        .collect();
    let inserted: Vec<(i64, String)> = diesel::insert_into(wanted_tracks::table)
        .values(rows)
        .returning((wanted_tracks::id, wanted_tracks::dedupe_key))
        .get_results(conn)?;
    // RETURNING order is not guaranteed: match rows by their (unique in this chunk) key.
    let by_key: HashMap<&str, usize> = chunk.iter().map(|&i| (keys[i].as_str(), i)).collect();
    let mut out = Vec::with_capacity(inserted.len());
    for (id, key) in &inserted {
        if let Some(&i) = by_key.get(key.as_str()) {
            out.push((i, *id));
        }
    }
    let searches: Vec<_> = out
        .iter()
        .filter(|(i, _)| !library.contains_key(i))
        .map(|&(i, id)| {
            (
                worker_jobs::worker.eq(job::WORKER),
                worker_jobs::kind.eq(job::SEARCH),
                worker_jobs::payload.eq(json!({ "wanted_id": id }).to_string()),
                worker_jobs::dedupe_key.eq(format!("{}:{id}", job::SEARCH)),
                worker_jobs::priority.eq(news[i].priority),
                worker_jobs::state.eq(jobs::QUEUED),
                worker_jobs::max_attempts.eq(job::SEARCH_ATTEMPTS),
                worker_jobs::run_at.eq(now),
                worker_jobs::created_at.eq(now),
                worker_jobs::updated_at.eq(now),
            )
        })
        .collect();
    if !searches.is_empty() {
        diesel::insert_into(worker_jobs::table)
            .values(searches)
            .execute(conn)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::domain::track::Track;

    fn new<'a>(artist: &'a str, title: &'a str, track: &'a Track) -> NewWanted<'a> {
        NewWanted {
            artist,
            title,
            album: None,
            duration_ms: Some(200_000),
            isrc: None,
            spotify_track_id: None,
            track_number: None,
            disc_number: None,
            priority: 3,
            source: "import:1",
            track,
        }
    }

    #[actix_rt::test]
    async fn answers_like_create_or_get_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let t = Track::default();
        let (ids, states, searches) = db
            .write(move |c| {
                let active = wanted::create_or_get(c, &new("A", "Active", &t), 1)?.0.id;
                let cancelled = wanted::create_or_get(c, &new("A", "Cancelled", &t), 1)?
                    .0
                    .id;
                diesel::update(wanted_tracks::table.find(cancelled))
                    .set(wanted_tracks::state.eq("cancelled"))
                    .execute(c)?;
                let batch = [
                    new("a", "ACTIVE", &t),
                    new("A", "Cancelled", &t),
                    new("B", "Fresh", &t),
                    new("b", "fresh", &t),
                ];
                let ids = create_many(c, &batch, 2)?;
                assert_eq!(ids[0], active);
                assert_eq!(ids[1], cancelled);
                assert_eq!(ids[2], ids[3], "one row for equal tracks in one batch");
                let states: Vec<String> = ids
                    .iter()
                    .map(|id| wanted::get(c, *id).map(|r| r.state))
                    .collect::<Result<_, _>>()?;
                let searches: i64 = worker_jobs::table
                    .filter(worker_jobs::dedupe_key.eq(format!("search:{}", ids[2])))
                    .filter(worker_jobs::priority.eq(3))
                    .count()
                    .get_result(c)?;
                Ok((ids, states, searches))
            })
            .await
            .unwrap();
        assert_eq!(
            states,
            vec!["pending", "pending", "pending", "pending"],
            "{ids:?}"
        );
        assert_eq!(searches, 1, "the new track got its search job");
    }
}
