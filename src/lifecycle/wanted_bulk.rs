//! `wanted::create_or_get` for thousands of tracks at once (imports,
//! playlists): the same answers, but the lookups and the inserts of new
//! tracks and their search jobs go in batches, so a 10 000-track import
//! commits in one short transaction instead of 70 000 statements.

use std::collections::HashMap;

use super::{wanted, Change};
use crate::db::jobs::{self, NewJob};
use crate::db::wanted::NewWanted;
use crate::db::wanted_bulk::{existing_by_key, in_library, insert_chunk, CHUNK};
use crate::db::DbError;
use crate::domain::ids::WantedId;
use crate::domain::wanted::dedupe_key;
use crate::jobs::{encode, MatchingJob, WorkerJob};

/// The wanted track id for each input, in input order.
pub fn create_many(c: &mut Change<'_>, news: &[NewWanted<'_>]) -> Result<Vec<WantedId>, DbError> {
    let now = c.now();
    let keys: Vec<String> = news
        .iter()
        .map(|n| dedupe_key(n.artist, n.title, n.album))
        .collect();
    let known = existing_by_key(c.conn(), &keys)?;
    let mut ids: Vec<Option<WantedId>> = vec![None; news.len()];
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
            ids[i] = Some(wanted::create_or_get(c, new)?.0.id);
        } else if let Some(id) = plain_known {
            ids[i] = Some(id);
        } else if !fresh.contains_key(key) {
            fresh.insert(key, i);
            fresh_order.push(i);
        }
    }
    let library = in_library(c.conn(), news, &fresh_order)?;
    let not_organized: Vec<usize> = fresh_order
        .iter()
        .copied()
        .filter(|i| !library.contains_key(i))
        .collect();
    let tolerance = c.library_tolerance_ms();
    let indexed = super::in_index::find_many(c.conn(), news, &not_organized, tolerance)?;
    for chunk in fresh_order.chunks(CHUNK) {
        let inserted = insert_chunk(c.conn(), news, &keys, chunk, &library, &indexed, now)?;
        let searches: Vec<_> = inserted
            .iter()
            .filter(|(i, _)| !library.contains_key(i) && !indexed.contains_key(i))
            .map(|&(i, id)| MatchingJob::Search {
                wanted_id: id,
                priority: news[i].priority,
            })
            .collect();
        queue_new_searches(c, &searches)?;
        inserted.into_iter().for_each(|(i, id)| ids[i] = Some(id));
    }
    for (i, key) in keys.iter().enumerate() {
        if ids[i].is_none() {
            if let Some(first) = fresh.get(key.as_str()) {
                ids[i] = ids[*first];
            }
        }
    }
    // Every input found, re-armed or inserted its row above.
    ids.into_iter()
        .map(|id| id.ok_or_else(|| DbError::Task("a track without its wanted row".into())))
        .collect()
}

/// Search jobs of tracks just inserted (none can have one yet), in one go.
fn queue_new_searches(c: &mut Change<'_>, searches: &[MatchingJob]) -> Result<(), DbError> {
    if searches.is_empty() {
        return Ok(());
    }
    let now = c.now();
    let encoded = searches
        .iter()
        .map(|job| {
            let columns = encode(job).map_err(|e| DbError::Task(format!("unwritable job: {e}")))?;
            Ok((
                columns,
                job.dedupe_key(),
                job.priority(),
                job.max_attempts(),
            ))
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    let rows: Vec<NewJob<'_>> = encoded
        .iter()
        .map(|(columns, key, priority, attempts)| NewJob {
            worker: MatchingJob::WORKER.as_str(),
            kind: &columns.kind,
            payload: &columns.payload,
            dedupe_key: key.as_deref(),
            priority: *priority,
            max_attempts: *attempts,
            run_at: now,
        })
        .collect();
    jobs::insert_many(c.conn(), &rows, now)?;
    c.wake(MatchingJob::WORKER);
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::db::schema::{wanted_tracks, worker_jobs};
    use crate::db::wanted as rows;
    use crate::db::Db;
    use crate::domain::track::Track;
    use crate::domain::wanted::WantedState;

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
                let active =
                    wanted::create_or_get(&mut Change::new(c, 1), &new("A", "Active", &t))?
                        .0
                        .id;
                let cancelled =
                    wanted::create_or_get(&mut Change::new(c, 1), &new("A", "Cancelled", &t))?
                        .0
                        .id;
                diesel::update(wanted_tracks::table.find(cancelled))
                    .set(wanted_tracks::state.eq(WantedState::Cancelled))
                    .execute(c)?;
                let batch = [
                    new("a", "ACTIVE", &t),
                    new("A", "Cancelled", &t),
                    new("B", "Fresh", &t),
                    new("b", "fresh", &t),
                ];
                let ids = create_many(&mut Change::new(c, 2), &batch)?;
                assert_eq!(ids[0], active);
                assert_eq!(ids[1], cancelled);
                assert_eq!(ids[2], ids[3], "one row for equal tracks in one batch");
                let states: Vec<&str> = ids
                    .iter()
                    .map(|id| rows::get(c, *id).map(|r| r.state.as_str()))
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
