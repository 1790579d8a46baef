//! The tags a download's file gets: the track as the download was asked
//! for (the wanted track's Spotify data, or what the caller knew), filled
//! in from Spotify's album where the track says nothing. A field left
//! `None` keeps whatever the file already has.

use super::super::spotify_album::AlbumInfo;
use crate::domain::track::Track;
use crate::media::tags::TagSet;

fn known(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn non_empty(value: &str) -> Option<String> {
    Some(value.trim().to_string()).filter(|v| !v.is_empty())
}

pub fn tag_set(track: &Track, info: Option<&AlbumInfo>) -> TagSet {
    let album = info.map(|i| &i.album);
    // Track counts only from a complete track list (its first page is all of it).
    let listed = album.filter(|a| a.tracks.next.is_none() && !a.tracks.items.is_empty());
    let disc = track.disc_number.unwrap_or(1);
    TagSet {
        title: known(&track.title),
        artist: known(&track.artist),
        album: known(&track.album).or_else(|| album.and_then(|a| non_empty(&a.name))),
        album_artist: known(&track.album_artist).or_else(|| {
            album.and_then(|a| {
                let names: Vec<&str> = a
                    .artists
                    .iter()
                    .map(|x| x.name.trim())
                    .filter(|n| !n.is_empty())
                    .collect();
                non_empty(&names.join(", "))
            })
        }),
        track_number: track.track_number.filter(|n| *n > 0),
        track_total: listed.and_then(|a| {
            let n = a
                .tracks
                .items
                .iter()
                .filter(|t| t.disc_number.max(1) == disc)
                .count();
            u32::try_from(n).ok().filter(|n| *n > 0)
        }),
        disc_number: track.disc_number.filter(|n| *n > 0),
        disc_total: track.disc_count.filter(|n| *n > 0).or_else(|| {
            listed
                .and_then(|a| a.tracks.items.iter().map(|t| t.disc_number).max())
                .filter(|n| *n > 0)
        }),
        year: track
            .year
            .or_else(|| album.and_then(|a| a.release_date.get(..4).and_then(|y| y.parse().ok()))),
        genre: album.and_then(|a| a.genres.iter().find_map(|g| non_empty(g))),
        composer: None,
        producer: None,
        isrc: known(&track.isrc).or_else(|| info.and_then(|i| known(&i.isrc))),
        copyright: album.and_then(|a| {
            let of_kind = |kind: &str| {
                a.copyrights
                    .iter()
                    .filter(|c| c.kind.eq_ignore_ascii_case(kind))
                    .find_map(|c| non_empty(&c.text))
            };
            of_kind("C").or_else(|| of_kind("P"))
        }),
        spotify_track_id: known(&track.spotify_track_id),
        spotify_album_id: known(&track.spotify_album_id)
            .or_else(|| album.and_then(|a| non_empty(&a.id))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::spotify::{Album, ArtistRef, Copyright, Page, SimplifiedTrack};

    fn discovery() -> AlbumInfo {
        let track = |n: u32, disc: u32| SimplifiedTrack {
            track_number: n,
            disc_number: disc,
            ..SimplifiedTrack::default()
        };
        AlbumInfo {
            album: Album {
                id: "2noRn2".into(),
                name: "Discovery".into(),
                release_date: "2001-03-12".into(),
                artists: vec![ArtistRef {
                    id: "4tZ".into(),
                    name: "Daft Punk".into(),
                }],
                genres: vec![" ".into(), "French House".into()],
                copyrights: vec![
                    Copyright {
                        text: "(P) 2001 Virgin".into(),
                        kind: "P".into(),
                    },
                    Copyright {
                        text: "(C) 2001 Daft Life".into(),
                        kind: "C".into(),
                    },
                ],
                tracks: Page {
                    items: vec![track(1, 1), track(2, 1), track(3, 1), track(1, 2)],
                    ..Page::default()
                },
                ..Album::default()
            },
            isrc: Some("GBDUW0000053".into()),
        }
    }

    #[test]
    fn the_track_wins_and_the_album_fills_in() {
        let track = Track {
            artist: Some("Daft Punk".into()),
            title: Some("One More Time".into()),
            track_number: Some(1),
            disc_number: Some(1),
            year: Some(2000),
            spotify_track_id: Some("0DiWol".into()),
            ..Track::default()
        };
        let tags = tag_set(&track, Some(&discovery()));
        assert_eq!(tags.title.as_deref(), Some("One More Time"));
        assert_eq!(tags.album.as_deref(), Some("Discovery"));
        assert_eq!(tags.album_artist.as_deref(), Some("Daft Punk"));
        assert_eq!(tags.year, Some(2000), "the track's own year");
        assert_eq!((tags.track_number, tags.track_total), (Some(1), Some(3)));
        assert_eq!((tags.disc_number, tags.disc_total), (Some(1), Some(2)));
        assert_eq!(tags.genre.as_deref(), Some("French House"));
        assert_eq!(tags.copyright.as_deref(), Some("(C) 2001 Daft Life"));
        assert_eq!(tags.isrc.as_deref(), Some("GBDUW0000053"));
        assert_eq!(tags.spotify_album_id.as_deref(), Some("2noRn2"));
        assert_eq!((tags.composer, tags.producer), (None, None));
    }

    #[test]
    fn without_spotify_only_what_is_known() {
        let track = Track {
            artist: Some(" ".into()),
            title: Some("Title".into()),
            album: Some("Album".into()),
            track_number: Some(0),
            disc_count: Some(2),
            ..Track::default()
        };
        let tags = tag_set(&track, None);
        assert_eq!(tags.artist, None);
        assert_eq!(tags.track_number, None);
        assert_eq!(tags.disc_total, Some(2));
        assert_eq!(tags.year, None);
        assert_eq!(tags.genre, None);
    }

    #[test]
    fn an_incomplete_track_list_gives_no_totals() {
        let mut info = discovery();
        info.album.tracks.next =
            Some("https://api.spotify.com/v1/albums/x/tracks?offset=50".into());
        let track = Track {
            track_number: Some(2),
            ..Track::default()
        };
        let tags = tag_set(&track, Some(&info));
        assert_eq!((tags.track_total, tags.disc_total), (None, None));
        assert_eq!(tags.year, Some(2001));
    }
}
