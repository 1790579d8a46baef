//! BackfillWorker: a `backfill` job enriches imported wanted tracks that
//! have no Spotify data (Spotify search by title and artist; the same ISRC,
//! or the same title and artist within ±2 s, see `domain::spotify::track_match`),
//! caching every lookup (matches and misses) for `BACKFILL_CACHE_TTL_SEC`,
//! and optionally expands the imports' playlist links into wanted tracks.
//! Each track's result, the counters and the resume point commit together.

use crate::domain::ids::BackfillId;
use std::time::Duration;

use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::db::backfill::{self as store, BackfillRow, Outcome};
use crate::db::imports;
use crate::db::wanted::{NewWanted, WantedRow};
use crate::db::DbError;
use crate::domain::imports::backfill_state::BackfillState;
use crate::domain::spotify::track_match::{best_match, lookup_key, search_query};
use crate::domain::spotify::track_match::{LookupCandidate, LookupQuery};
use crate::domain::time::now_millis;
use crate::domain::track::Track;
use crate::domain::workers::backoff::doubling_delay;
use crate::integrations::spotify::session::{AccessError, Session};
use crate::integrations::spotify::{full_track, FullTrack, SpotifyError};
use crate::jobs::BackfillJob;
use crate::lifecycle::sources;

/// Tracks read from the database at a time.
const BATCH: i64 = 50;
/// Spotify search results considered per lookup (the 2026 maximum).
const SEARCH_LIMIT: u32 = 10;

#[derive(Default)]
pub struct BackfillWorker;

impl WorkerLogic for BackfillWorker {
    type Job = BackfillJob;

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: BackfillJob,
        meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            let id = job.backfill_id();
            let last_attempt = meta.attempt >= meta.max_attempts;
            match run(&env, id).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let message = e.to_string();
                    let give_up = !e.is_transient() || last_attempt;
                    let state = if give_up {
                        BackfillState::Failed
                    } else {
                        BackfillState::Queued
                    };
                    let error = message.clone();
                    env.db
                        .write(move |c| store::set_state(c, id, state, Some(&error), now_millis()))
                        .await
                        .map_err(db_error)?;
                    Err(if give_up {
                        JobError::Permanent(message)
                    } else {
                        JobError::Retry(message)
                    })
                }
            }
        })
    }

    fn retry_delay(&self, _job: &BackfillJob, attempt: u32) -> Duration {
        doubling_delay(attempt, Duration::from_secs(30), Duration::from_secs(1800))
    }
}

fn db_error(e: DbError) -> JobError {
    JobError::Retry(e.to_string())
}

async fn run(env: &WorkerEnv, id: BackfillId) -> Result<(), AccessError> {
    let row = env.db.read(move |c| store::get(c, id)).await?;
    if row.state.is_finished() {
        return Ok(());
    }
    env.db
        .write(move |c| store::set_state(c, id, BackfillState::Running, None, now_millis()))
        .await?;
    let mut session = env.spotify.session().await?;
    enrich(env, &mut session, &row).await?;
    if row.expand_playlists {
        expand_links(env, &mut session, id).await?;
    }
    env.lifecycle
        .change(move |c| sources::complete_backfill(c, id))
        .await?;
    Ok(())
}

/// Looks up imported tracks after the run's cursor until `max_items` are processed.
async fn enrich(
    env: &WorkerEnv,
    session: &mut Session,
    row: &BackfillRow,
) -> Result<(), AccessError> {
    let ttl = env.config.current().backfill_cache_ttl;
    let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
    let id = row.id;
    loop {
        let current = env.db.read(move |c| store::get(c, id)).await?;
        let remaining = i64::from(current.max_items - current.processed);
        if remaining <= 0 {
            return Ok(());
        }
        let cursor = current.cursor;
        let batch = env
            .db
            .read(move |c| store::next_tracks(c, cursor, remaining.min(BATCH)))
            .await?;
        if batch.is_empty() {
            return Ok(());
        }
        for wanted in batch {
            let key = lookup_key(&wanted.artist, &wanted.title, wanted.album.as_deref());
            let fresh_after = now_millis().saturating_sub(ttl_ms);
            let cache_key = key.clone();
            let cached = env
                .db
                .read(move |c| store::cached_lookup(c, &cache_key, fresh_after))
                .await?;
            let (outcome, cache_hit) = match cached {
                Some(found) => (found.map_or(Outcome::NoMatch, Outcome::Matched), true),
                None => match look_up(session, &wanted).await {
                    Ok(found) => {
                        let stored = found.clone();
                        env.db
                            .write(move |c| {
                                store::store_lookup(c, &key, stored.as_ref(), now_millis())
                            })
                            .await?;
                        (found.map_or(Outcome::NoMatch, Outcome::Matched), false)
                    }
                    // The service, not the track, is the problem: stop and resume later.
                    Err(e) if e.is_transient() => return Err(e),
                    Err(AccessError::Unauthorized) => return Err(AccessError::Unauthorized),
                    Err(e) => (Outcome::Error(e.to_string()), false),
                },
            };
            env.lifecycle
                .change(move |c| sources::record_backfill(c, id, &wanted, &outcome, cache_hit))
                .await?;
        }
    }
}

/// Spotify's track for this wanted track, if one is clearly it.
async fn look_up(session: &mut Session, wanted: &WantedRow) -> Result<Option<Track>, AccessError> {
    let query = search_query(&wanted.artist, &wanted.title);
    let hits: Vec<FullTrack> = session
        .call(move |c, t| {
            let query = query.clone();
            async move { c.search_tracks(&t, &query, SEARCH_LIMIT).await }
        })
        .await?;
    let candidates: Vec<(String, Track)> = hits.iter().filter_map(full_track).collect();
    let lookup: Vec<LookupCandidate> = candidates
        .iter()
        .map(|(_, t)| LookupCandidate {
            title: t.title.clone().unwrap_or_default(),
            artists: hits
                .iter()
                .find(|h| h.id.as_deref() == t.spotify_track_id.as_deref())
                .map(|h| h.artists.iter().map(|a| a.name.clone()).collect())
                .unwrap_or_default(),
            album: t.album.clone(),
            duration_ms: t.duration_ms,
            isrc: t.isrc.clone(),
        })
        .collect();
    let query = LookupQuery {
        artist: &wanted.artist,
        title: &wanted.title,
        album: wanted.album.as_deref(),
        duration_ms: wanted.duration_ms.and_then(|d| u64::try_from(d).ok()),
        isrc: wanted.isrc.as_deref(),
    };
    Ok(best_match(&query, &lookup).and_then(|i| candidates.get(i).map(|(_, t)| t.clone())))
}

/// Every import's playlist links not expanded yet: their tracks become
/// wanted for that import.
async fn expand_links(
    env: &WorkerEnv,
    session: &mut Session,
    id: BackfillId,
) -> Result<(), AccessError> {
    let links = env.db.read(|c| imports::pending_links(c, 1000)).await?;
    for link in links {
        match playlist_tracks(session, &link.playlist_id).await {
            Ok(tracks) => {
                let count = tracks.len();
                env.lifecycle
                    .change(move |c| {
                        let source = format!("import:{}", link.import_id);
                        for (_, t) in &tracks {
                            if let Some(new) = NewWanted::from_track(t, &source) {
                                sources::link_to_import(c, link.import_id, &new)?;
                            }
                        }
                        let now = c.now();
                        imports::reopen(c.conn(), link.import_id)?;
                        imports::link_done(c.conn(), &link, None, now)?;
                        store::count_expansion(c.conn(), id, count, None, now)
                    })
                    .await?;
            }
            Err(AccessError::Spotify(
                e @ (SpotifyError::NotFound(_)
                | SpotifyError::Forbidden(_)
                | SpotifyError::BadRequest(_)),
            )) => {
                let error = format!("playlist {}: {e}", link.playlist_id);
                env.db
                    .write(move |c| {
                        let now = now_millis();
                        imports::link_done(c, &link, Some(&error), now)?;
                        store::count_expansion(c, id, 0, Some(&error), now)
                    })
                    .await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn playlist_tracks(
    session: &mut Session,
    playlist_id: &str,
) -> Result<Vec<(String, Track)>, AccessError> {
    let mut tracks = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let (url, id) = (next.clone(), playlist_id.to_string());
        let page = session
            .call(move |c, t| {
                let (url, id) = (url.clone(), id.clone());
                async move { c.playlist_items(&t, &id, url.as_deref()).await }
            })
            .await?;
        tracks.extend(
            page.items
                .iter()
                .filter_map(|i| i.track().and_then(full_track)),
        );
        match page.next {
            Some(url) => next = Some(url),
            None => return Ok(tracks),
        }
    }
}
