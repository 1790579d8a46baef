//! Where a cover comes from: the largest Spotify album image, else (with
//! `ARTWORK_FALLBACK_ENABLED`) MusicBrainz + the Cover Art Archive. A
//! source image below `ARTWORK_MIN_EDGE` is kept in reserve while the
//! fallback is tried; the larger of the two wins. Only provider URLs are
//! ever fetched, each through the allow-list.

use super::super::spotify_album;
use crate::actors::logic::WorkerEnv;
use crate::config::Config;
use crate::domain::artwork::image_hosts::ImageHosts;
use crate::domain::artwork::rules::source_below_min_edge;
use crate::domain::track::Track;
use crate::integrations::covers::{
    fetch_image, front_url, CoverError, FetchLimits, FetchedImage, FrontSize, MusicBrainzClient,
    Pace,
};

pub const SPOTIFY: &str = "spotify";
pub const COVER_ART_ARCHIVE: &str = "coverartarchive";

pub struct Found {
    pub image: FetchedImage,
    pub source: &'static str,
}

/// What the search gave: a cover, or why not.
#[derive(Default)]
pub struct Search {
    pub found: Option<Found>,
    /// `source: reason` for each source that gave nothing.
    pub problems: Vec<String>,
    /// Some source failed in a way worth trying again later.
    pub transient: bool,
}

impl Search {
    fn note(&mut self, source: &str, error: &CoverError) {
        self.transient |= error.is_transient();
        self.problems.push(format!("{source}: {error}"));
    }

    /// Keeps the larger of the reserve and `candidate`.
    fn reserve(&mut self, candidate: Found) {
        let area = |f: &Found| {
            u64::from(f.image.width.unwrap_or(0)) * u64::from(f.image.height.unwrap_or(0))
        };
        if self
            .found
            .as_ref()
            .is_none_or(|f| area(&candidate) > area(f))
        {
            self.found = Some(candidate);
        }
    }
}

fn known(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `stored_url`: the Spotify image the metadata worker saw (saves a call).
pub async fn find(
    env: &WorkerEnv,
    track: &Track,
    stored_url: Option<String>,
    pace: Pace,
) -> Search {
    let config = env.config.current();
    let hosts = ImageHosts::new([
        config.spotify_api_url.as_str(),
        config.coverart_url.as_str(),
    ]);
    let limits = FetchLimits {
        max_bytes: config.artwork_max_bytes,
        timeout: config.artwork_http_timeout,
    };
    let good = |image: &FetchedImage| {
        !source_below_min_edge(image.width, image.height, config.artwork_min_edge)
    };
    let mut search = Search::default();

    let spotify_url = match stored_url {
        Some(url) => Some(url),
        None => spotify_album::lookup(env, track)
            .await
            .and_then(|info| info.image_url()),
    };
    if let Some(url) = spotify_url {
        match fetch_image(&hosts, &url, limits).await {
            Ok(image) if good(&image) => {
                search.found = Some(Found {
                    image,
                    source: SPOTIFY,
                });
                return search;
            }
            Ok(image) => search.reserve(Found {
                image,
                source: SPOTIFY,
            }),
            Err(e) => search.note(SPOTIFY, &e),
        }
    }

    let artist = known(&track.album_artist).or(known(&track.artist));
    if let (true, Some(artist), Some(album)) =
        (config.artwork_fallback_enabled, artist, known(&track.album))
    {
        match cover_art_archive(&config, &hosts, limits, pace, artist, album).await {
            Ok(image) => search.reserve(Found {
                image,
                source: COVER_ART_ARCHIVE,
            }),
            Err(e) => search.note(COVER_ART_ARCHIVE, &e),
        }
    }
    if search.found.is_none() && search.problems.is_empty() {
        search
            .problems
            .push("no source: no Spotify album image, and no fallback to ask".into());
    }
    search
}

/// The release group's front cover; the 1200 px rendition when the
/// original upload is over the size limit.
async fn cover_art_archive(
    config: &Config,
    hosts: &ImageHosts,
    limits: FetchLimits,
    pace: Pace,
    artist: &str,
    album: &str,
) -> Result<FetchedImage, CoverError> {
    let musicbrainz = MusicBrainzClient::new(&config.musicbrainz_url, limits.timeout, pace);
    let mbid = musicbrainz
        .release_group(artist, album)
        .await?
        .ok_or(CoverError::NotFound)?;
    let url = |size| {
        front_url(&config.coverart_url, &mbid, size)
            .ok_or_else(|| CoverError::Decode(format!("not an MBID: {mbid}")))
    };
    match fetch_image(hosts, &url(FrontSize::Original)?, limits).await {
        Err(CoverError::TooLarge(_)) => fetch_image(hosts, &url(FrontSize::Px1200)?, limits).await,
        other => other,
    }
}
