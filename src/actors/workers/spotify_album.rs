//! The track's Spotify album, best effort: genres, copyright, track counts
//! for the tags and the largest image for the cover. Nothing here may keep
//! a file from being tagged: without an account, or when Spotify fails, the
//! answer is simply "unknown".

use crate::actors::logic::WorkerEnv;
use crate::domain::artwork::cache_key::largest;
use crate::domain::track::Track;
use crate::integrations::spotify::session::AccessError;
use crate::integrations::spotify::Album;

/// What Spotify knows about a track's album.
#[derive(Debug, Clone, Default)]
pub struct AlbumInfo {
    pub album: Album,
    /// From the track itself, when it had to be looked up for its album.
    pub isrc: Option<String>,
}

impl AlbumInfo {
    /// The largest album image Spotify lists.
    pub fn image_url(&self) -> Option<String> {
        largest(
            self.album
                .images
                .iter()
                .map(|i| (i.url.as_str(), i.width, i.height)),
        )
        .map(|(url, _, _)| url.to_string())
    }
}

fn known(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The album of `track` (by its album id, else through its track id).
pub async fn lookup(env: &WorkerEnv, track: &Track) -> Option<AlbumInfo> {
    let (album_id, track_id) = (
        known(&track.spotify_album_id),
        known(&track.spotify_track_id),
    );
    if (album_id.is_none() && track_id.is_none()) || !env.spotify.configured() {
        return None;
    }
    match fetch(env, album_id, track_id).await {
        Ok(info) => info,
        Err(e) => {
            tracing::debug!(error = %e, "Spotify album not available; tagging with what is known");
            None
        }
    }
}

async fn fetch(
    env: &WorkerEnv,
    album_id: Option<String>,
    track_id: Option<String>,
) -> Result<Option<AlbumInfo>, AccessError> {
    let mut session = env.spotify.session().await?;
    let mut isrc = None;
    let album_id = match (album_id, track_id) {
        (Some(id), _) => id,
        (None, Some(track_id)) => {
            let full = session
                .call(|client, token| {
                    let id = track_id.clone();
                    async move { client.track(&token, &id).await }
                })
                .await?;
            isrc = full.external_ids.isrc.filter(|i| !i.trim().is_empty());
            match full.album.map(|a| a.id).filter(|id| !id.is_empty()) {
                Some(id) => id,
                None => return Ok(None),
            }
        }
        (None, None) => return Ok(None),
    };
    let album = session
        .call(|client, token| {
            let id = album_id.clone();
            async move { client.album(&token, &id).await }
        })
        .await?;
    Ok(Some(AlbumInfo { album, isrc }))
}
