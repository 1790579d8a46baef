//! WatchlistWorker: every `WATCHLIST_INTERVAL` each watched artist gets a
//! `check` job (one per artist, so one failing artist never stops the
//! others). A check lists the artist's albums and singles (not
//! `appears_on`, not compilations), takes the releases dated on or after the
//! day of the last successful check and not in the future (at their
//! `release_date_precision`), and makes their tracks wanted. `last_checked`
//! moves to the check's start only when the whole check succeeded.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::actors::logic::{JobError, JobMeta, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::db::wanted::NewWanted;
use crate::db::watchlist as store;
use crate::db::DbError;
use crate::domain::ids::WatchId;
use crate::domain::spotify::release_date::ReleaseDate;
use crate::domain::time::{now_millis, UnixMillis};
use crate::domain::track::Track;
use crate::domain::workers::backoff::doubling_delay;
use crate::integrations::spotify::session::{AccessError, Session};
use crate::integrations::spotify::{album_track, SimplifiedAlbum};
use crate::jobs::WatchlistJob;
use crate::lifecycle::{sources, Event};

#[derive(Default)]
pub struct WatchlistWorker;

impl WorkerLogic for WatchlistWorker {
    type Job = WatchlistJob;

    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.watchlist_interval)
    }

    /// Queues a check for every artist not checked within the interval.
    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            let interval = env.config.current().watchlist_interval;
            // A tenth of slack, so an artist checked just after the last tick is not skipped a round.
            let due_ms = i64::try_from(interval.as_millis() * 9 / 10).unwrap_or(i64::MAX);
            env.lifecycle
                .change(move |c| {
                    let before = c.now().saturating_sub(due_ms);
                    sources::request_due_checks(c, before)
                })
                .await
                .map_err(db_error)?;
            Ok(())
        })
    }

    fn run_job(
        &mut self,
        env: &WorkerEnv,
        job: WatchlistJob,
        _meta: JobMeta,
    ) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            let id = job.watch_id();
            match check(&env, id).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let message = e.to_string();
                    tracing::warn!(watch_id = %id, error = %message, "watchlist check failed");
                    let error = message.clone();
                    env.db
                        .write(move |c| store::check_failed(c, id, &error))
                        .await
                        .map_err(db_error)?;
                    Err(if e.is_transient() {
                        JobError::Retry(message)
                    } else {
                        JobError::Permanent(message)
                    })
                }
            }
        })
    }

    fn retry_delay(&self, _job: &WatchlistJob, attempt: u32) -> Duration {
        doubling_delay(attempt, Duration::from_secs(30), Duration::from_secs(3600))
    }
}

fn db_error(e: DbError) -> JobError {
    JobError::Retry(e.to_string())
}

fn day_of(ms: UnixMillis) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .date_naive()
}

async fn check(env: &WorkerEnv, id: WatchId) -> Result<(), AccessError> {
    let watch = match env.db.read(move |c| store::get(c, id)).await {
        Ok(watch) => watch,
        // Unwatched meanwhile: nothing to check.
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let started_at = now_millis();
    let (since, today) = (day_of(watch.last_checked), day_of(started_at));
    let mut session = env.spotify.session().await?;
    let name = match &watch.name {
        Some(_) => None,
        None => {
            let artist_id = watch.spotify_artist_id.clone();
            let artist = session
                .call(move |c, t| {
                    let artist_id = artist_id.clone();
                    async move { c.artist(&t, &artist_id).await }
                })
                .await?;
            Some(artist.name)
        }
    };
    let albums = artist_releases(&mut session, &watch.spotify_artist_id).await?;
    let known = env.db.read(move |c| store::known_releases(c, id)).await?;
    // Named after the artist, not the entry: it survives unwatching and watching again.
    let source = format!("watchlist:{}", watch.spotify_artist_id);
    let (mut releases, mut tracks_wanted) = (0, 0);
    for album in albums {
        if known.contains(&album.id) {
            continue;
        }
        let Some(date) = ReleaseDate::parse(&album.release_date, &album.release_date_precision)
        else {
            continue;
        };
        if !date.is_new(since, today) {
            continue;
        }
        let tracks = album_tracks(&mut session, &album).await?;
        let source = source.clone();
        let wanted = env
            .lifecycle
            .change(move |c| {
                let news: Vec<NewWanted<'_>> = tracks
                    .iter()
                    .filter_map(|(_, t)| NewWanted::from_track(t, &source))
                    .collect();
                sources::take_release(c, id, &album.id, &album.name, &album.release_date, &news)
            })
            .await?;
        releases += 1;
        tracks_wanted += wanted;
    }
    let spotify_artist_id = watch.spotify_artist_id.clone();
    env.lifecycle
        .change(move |c| {
            store::checked(c.conn(), id, started_at, name.as_deref())?;
            if releases > 0 {
                c.emit(Event::NewReleasesFound {
                    watch_id: id,
                    spotify_artist_id,
                    releases,
                    tracks: tracks_wanted,
                });
            }
            Ok(())
        })
        .await?;
    tracing::info!(
        watch_id = %id,
        releases,
        tracks_wanted,
        "watchlist check done"
    );
    Ok(())
}

/// Every album and single of the artist (all pages).
async fn artist_releases(
    session: &mut Session,
    artist_id: &str,
) -> Result<Vec<SimplifiedAlbum>, AccessError> {
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let (url, artist) = (next.clone(), artist_id.to_string());
        let page = session
            .call(move |c, t| {
                let (url, artist) = (url.clone(), artist.clone());
                async move { c.artist_albums(&t, &artist, url.as_deref()).await }
            })
            .await?;
        // `include_groups` asks for these; a server that ignores it is filtered here.
        all.extend(page.items.into_iter().filter(|a| {
            matches!(
                a.album_group.as_deref().unwrap_or(a.album_type.as_str()),
                "album" | "single"
            )
        }));
        match page.next {
            Some(url) => next = Some(url),
            None => return Ok(all),
        }
    }
}

async fn album_tracks(
    session: &mut Session,
    album: &SimplifiedAlbum,
) -> Result<Vec<(String, Track)>, AccessError> {
    let mut tracks = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let (url, id) = (next.clone(), album.id.clone());
        let page = session
            .call(move |c, t| {
                let (url, id) = (url.clone(), id.clone());
                async move { c.album_tracks(&t, &id, url.as_deref()).await }
            })
            .await?;
        tracks.extend(page.items.iter().filter_map(|t| album_track(t, album)));
        match page.next {
            Some(url) => next = Some(url),
            None => return Ok(tracks),
        }
    }
}
