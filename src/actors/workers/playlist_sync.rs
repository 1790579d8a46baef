//! PlaylistSyncWorker: every `PLAYLIST_SYNC_INTERVAL` (and on demand) it
//! refreshes the user's playlists and makes the new tracks of the playlists
//! marked `sync` wanted (`source` `playlist:<id>`). A playlist whose
//! `snapshot_id` has not changed since its last sync costs no request; the
//! saved tracks (`liked`) get a snapshot of their own from their first page.
//! Removing a track on Spotify never deletes anything here.

use std::time::Duration;

use crate::actors::logic::{JobError, WorkFuture, WorkerEnv, WorkerLogic};
use crate::config::Config;
use crate::db::spotify::{self as store, PlaylistRow, SeenPlaylist, LIKED};
use crate::db::wanted::NewWanted;
use crate::domain::time::now_millis;
use crate::domain::track::Track;
use crate::integrations::spotify::session::{AccessError, Session};
use crate::integrations::spotify::{full_track, Page, SavedTrack, SpotifyError};
use crate::jobs::NoJob;
use crate::lifecycle::{sources, Event};

/// Saved tracks per page (Spotify's maximum).
const SAVED_PAGE: u32 = 50;

#[derive(Default)]
pub struct PlaylistSyncWorker;

impl WorkerLogic for PlaylistSyncWorker {
    type Job = NoJob;

    fn tick_interval(&self, config: &Config) -> Option<Duration> {
        Some(config.playlist_sync_interval)
    }

    fn tick(&mut self, env: &WorkerEnv) -> WorkFuture<Result<(), JobError>> {
        let env = env.clone();
        Box::pin(async move {
            match sync_all(&env).await {
                Ok(()) => Ok(()),
                // Nothing to sync without an account; not a worker failure.
                Err(AccessError::Unconfigured | AccessError::Unauthorized) => Ok(()),
                Err(e) => Err(JobError::Retry(e.to_string())),
            }
        })
    }
}

async fn sync_all(env: &WorkerEnv) -> Result<(), AccessError> {
    let mut session = env.spotify.session().await?;
    let seen = list_playlists(&mut session).await?;
    env.db
        .write(move |c| store::record_seen(c, &seen, now_millis()))
        .await?;
    let playlists = env.db.read(store::list).await?;
    let mut added_total = 0;
    for playlist in playlists.into_iter().filter(PlaylistRow::needs_sync) {
        match sync_playlist(env, &mut session, &playlist).await {
            Ok(added) => added_total += added,
            Err(AccessError::Spotify(SpotifyError::NotFound(message))) => {
                // Editorial and algorithmic playlists: Spotify keeps their items to itself.
                tracing::info!(playlist = %playlist.id, %message, "playlist items not available");
                let (id, snapshot) = (playlist.id.clone(), playlist.snapshot_id.clone());
                env.db
                    .write(move |c| {
                        store::mark_unavailable(
                            c,
                            &id,
                            snapshot.as_deref(),
                            "not available: Spotify does not share this playlist's items",
                            now_millis(),
                        )
                    })
                    .await?;
            }
            Err(AccessError::Spotify(SpotifyError::Forbidden(message))) => {
                let id = playlist.id.clone();
                let error = format!("Spotify refused the items: {message}");
                env.db
                    .write(move |c| store::record_error(c, &id, &error, now_millis()))
                    .await?;
            }
            Err(e) => {
                let (id, error) = (playlist.id.clone(), e.to_string());
                env.db
                    .write(move |c| store::record_error(c, &id, &error, now_millis()))
                    .await?;
                return Err(e);
            }
        }
    }
    if added_total > 0 {
        tracing::info!(added_total, "playlists brought new tracks");
    }
    Ok(())
}

/// The saved tracks as a playlist, then every playlist of the user (all pages).
async fn list_playlists(session: &mut Session) -> Result<Vec<SeenPlaylist>, AccessError> {
    let first: Page<SavedTrack> = session
        .call(|c, t| async move { c.saved_tracks(&t, None, SAVED_PAGE).await })
        .await?;
    let mut seen = vec![SeenPlaylist {
        id: LIKED.to_string(),
        name: "Liked Songs".to_string(),
        owner: None,
        track_count: i32::try_from(first.total).unwrap_or(i32::MAX),
        snapshot_id: Some(liked_snapshot(&first)),
    }];
    let mut next: Option<String> = None;
    loop {
        let url = next.clone();
        let page = session
            .call(move |c, t| {
                let url = url.clone();
                async move { c.my_playlists(&t, url.as_deref()).await }
            })
            .await?;
        seen.extend(page.items.into_iter().map(|p| SeenPlaylist {
            id: p.id,
            name: p.name,
            owner: p.owner.display_name.or(Some(p.owner.id)),
            track_count: i32::try_from(p.track_count).unwrap_or(i32::MAX),
            snapshot_id: Some(p.snapshot_id).filter(|s| !s.is_empty()),
        }));
        match page.next {
            Some(url) => next = Some(url),
            None => break,
        }
    }
    Ok(seen)
}

/// Saved tracks have no snapshot: their count and newest entry stand in.
fn liked_snapshot(first: &Page<SavedTrack>) -> String {
    let newest = first.items.first();
    format!(
        "{}:{}:{}",
        first.total,
        newest.and_then(|s| s.added_at.clone()).unwrap_or_default(),
        newest.and_then(|s| s.track.id.clone()).unwrap_or_default()
    )
}

/// Takes every page of one playlist; returns the tracks newly wanted.
async fn sync_playlist(
    env: &WorkerEnv,
    session: &mut Session,
    playlist: &PlaylistRow,
) -> Result<usize, AccessError> {
    let source = format!("playlist:{}", playlist.id);
    let mut next: Option<String> = None;
    let mut added = 0;
    // Spotify's order, for the playlist's .m3u8 file.
    let mut position: i32 = 0;
    loop {
        let url = next.clone();
        let id = playlist.id.clone();
        let (tracks, after) = if playlist.id == LIKED {
            let page = session
                .call(move |c, t| {
                    let url = url.clone();
                    async move { c.saved_tracks(&t, url.as_deref(), SAVED_PAGE).await }
                })
                .await?;
            let tracks: Vec<(String, Track)> = page
                .items
                .iter()
                .filter_map(|s| full_track(&s.track))
                .collect();
            (tracks, page.next)
        } else {
            let page = session
                .call(move |c, t| {
                    let (url, id) = (url.clone(), id.clone());
                    async move { c.playlist_items(&t, &id, url.as_deref()).await }
                })
                .await?;
            let tracks: Vec<(String, Track)> = page
                .items
                .iter()
                .filter_map(|item| item.track().and_then(full_track))
                .collect();
            (tracks, page.next)
        };
        let (id, source_now) = (playlist.id.clone(), source.clone());
        let first_position = position;
        position = position.saturating_add(i32::try_from(tracks.len()).unwrap_or(i32::MAX));
        added += env
            .lifecycle
            .change(move |c| {
                let news: Vec<(String, NewWanted<'_>)> = tracks
                    .iter()
                    .filter_map(|(spotify_id, t)| {
                        NewWanted::from_track(t, &source_now).map(|n| (spotify_id.clone(), n))
                    })
                    .collect();
                sources::take_playlist_tracks(c, &id, &news, first_position)
            })
            .await?;
        match after {
            Some(url) => next = Some(url),
            None => break,
        }
    }
    let (id, snapshot) = (playlist.id.clone(), playlist.snapshot_id.clone());
    let synced = Event::PlaylistSynced {
        playlist_id: playlist.id.clone(),
        name: playlist.name.clone(),
        added,
    };
    env.lifecycle
        .change(move |c| {
            let now = c.now();
            store::mark_synced(c.conn(), &id, snapshot.as_deref(), now)?;
            c.emit(synced);
            // Its order or its tracks changed: the library worker writes its file.
            c.enqueue(&crate::jobs::LibraryJob::WritePlaylists {})?;
            Ok(())
        })
        .await?;
    tracing::info!(playlist = %playlist.id, added, "playlist synced");
    Ok(added)
}
