//! "Already in the library" against the index: a wanted track is an indexed
//! file when both carry the same ISRC, or the same Spotify track id, or the
//! same normalised artist + title with lengths within the tolerance (when
//! both have one). Titles are compared whole: "Song (Live)" and
//! "Song - 2011 Remaster" are other recordings than "Song" — downloading a
//! track twice costs a search, skipping one the user does not have loses it.

use crate::domain::wanted::track_key;

/// What a wanted track brings to the comparison.
#[derive(Debug, Clone, Copy, Default)]
pub struct WantedSide<'a> {
    pub artist: &'a str,
    pub title: &'a str,
    pub duration_ms: Option<u64>,
    pub isrc: Option<&'a str>,
    pub spotify_track_id: Option<&'a str>,
}

/// What an indexed file brings to the comparison.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSide<'a> {
    pub artist: Option<&'a str>,
    pub album_artist: Option<&'a str>,
    pub title: Option<&'a str>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<&'a str>,
    pub spotify_track_id: Option<&'a str>,
}

/// Why a file is the wanted track (the strongest reason first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameBecause {
    Isrc,
    SpotifyId,
    ArtistTitle,
}

fn same_id(a: Option<&str>, b: Option<&str>) -> bool {
    match (a.map(str::trim), b.map(str::trim)) {
        (Some(a), Some(b)) => !a.is_empty() && a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// The rule of issue 15; `tolerance_ms` is `MATCH_DURATION_TOLERANCE_SEC`.
pub fn same_track(
    wanted: &WantedSide<'_>,
    file: &FileSide<'_>,
    tolerance_ms: u64,
) -> Option<SameBecause> {
    if same_id(wanted.isrc, file.isrc) {
        return Some(SameBecause::Isrc);
    }
    if same_id(wanted.spotify_track_id, file.spotify_track_id) {
        return Some(SameBecause::SpotifyId);
    }
    let wanted_key = track_key(wanted.artist, wanted.title)?;
    let title = file.title?;
    let artist_matches = [file.artist, file.album_artist]
        .into_iter()
        .flatten()
        .any(|artist| track_key(artist, title).as_deref() == Some(wanted_key.as_str()));
    if !artist_matches {
        return None;
    }
    match (wanted.duration_ms, file.duration_ms) {
        (Some(a), Some(b)) if a.abs_diff(b) > tolerance_ms => None,
        _ => Some(SameBecause::ArtistTitle),
    }
}

/// The key the index is searched by for artist + title (the file's track
/// artist, else its album artist).
pub fn file_track_key(file: &FileSide<'_>) -> Option<String> {
    let title = file.title?;
    file.artist
        .and_then(|a| track_key(a, title))
        .or_else(|| file.album_artist.and_then(|a| track_key(a, title)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOL: u64 = 5_000;

    fn wanted<'a>(artist: &'a str, title: &'a str, duration_ms: Option<u64>) -> WantedSide<'a> {
        WantedSide {
            artist,
            title,
            duration_ms,
            ..WantedSide::default()
        }
    }

    fn file<'a>(artist: &'a str, title: &'a str, duration_ms: Option<u64>) -> FileSide<'a> {
        FileSide {
            artist: Some(artist),
            title: Some(title),
            duration_ms,
            ..FileSide::default()
        }
    }

    #[test]
    fn same_normalised_artist_and_title_within_the_tolerance() {
        let w = wanted("Daft Punk", "One More Time", Some(320_357));
        assert_eq!(
            same_track(
                &w,
                &file(" daft  PUNK", "one more time", Some(322_000)),
                TOL
            ),
            Some(SameBecause::ArtistTitle)
        );
        // Either side without a length: the names decide.
        assert!(same_track(&w, &file("Daft Punk", "One More Time", None), TOL).is_some());
        let no_length = wanted("Daft Punk", "One More Time", None);
        assert!(same_track(
            &no_length,
            &file("Daft Punk", "One More Time", Some(1)),
            TOL
        )
        .is_some());
    }

    #[test]
    fn a_different_length_is_another_recording() {
        let w = wanted("Daft Punk", "One More Time", Some(320_357));
        // The radio edit.
        assert_eq!(
            same_track(&w, &file("Daft Punk", "One More Time", Some(233_000)), TOL),
            None
        );
        // Just outside the tolerance, and just inside.
        assert_eq!(
            same_track(&w, &file("Daft Punk", "One More Time", Some(325_358)), TOL),
            None
        );
        assert!(same_track(&w, &file("Daft Punk", "One More Time", Some(325_357)), TOL).is_some());
    }

    #[test]
    fn live_and_remastered_versions_are_not_the_studio_track() {
        let w = wanted("Queen", "Bohemian Rhapsody", Some(354_000));
        for other in [
            "Bohemian Rhapsody (Live)",
            "Bohemian Rhapsody - Live at Wembley '86",
            "Bohemian Rhapsody - Remastered 2011",
            "Bohemian Rhapsody (2011 Remaster)",
        ] {
            assert_eq!(
                same_track(&w, &file("Queen", other, Some(354_000)), TOL),
                None,
                "{other}"
            );
        }
        let live = wanted("Queen", "Bohemian Rhapsody (Live)", None);
        assert_eq!(
            same_track(&live, &file("Queen", "Bohemian Rhapsody", None), TOL),
            None
        );
    }

    #[test]
    fn another_artist_is_another_track() {
        let w = wanted("Daft Punk", "Get Lucky", None);
        assert_eq!(
            same_track(&w, &file("Daughtry", "Get Lucky", None), TOL),
            None
        );
        // The album artist counts when the track artist differs (compilations).
        let f = FileSide {
            artist: Some("Daft Punk feat. Pharrell Williams"),
            album_artist: Some("Daft Punk"),
            title: Some("Get Lucky"),
            ..FileSide::default()
        };
        assert!(same_track(&w, &f, TOL).is_some());
    }

    #[test]
    fn ids_win_over_names_and_lengths() {
        let w = WantedSide {
            isrc: Some("USQX91300108"),
            ..wanted("Daft Punk", "Get Lucky (Radio Edit)", Some(248_000))
        };
        let f = FileSide {
            isrc: Some(" usqx91300108 "),
            ..file("Daft Punk", "Get Lucky", Some(369_000))
        };
        assert_eq!(same_track(&w, &f, TOL), Some(SameBecause::Isrc));
        let w = WantedSide {
            spotify_track_id: Some("69kOkLUCkxIZYexIgSG8rq"),
            ..wanted("X", "Y", None)
        };
        let f = FileSide {
            spotify_track_id: Some("69kOkLUCkxIZYexIgSG8rq"),
            ..FileSide::default()
        };
        assert_eq!(same_track(&w, &f, TOL), Some(SameBecause::SpotifyId));
        // Different ISRCs do not forbid a name match (a re-release of the same master).
        let w = WantedSide {
            isrc: Some("A"),
            ..wanted("Daft Punk", "Get Lucky", None)
        };
        let f = FileSide {
            isrc: Some("B"),
            ..file("Daft Punk", "Get Lucky", None)
        };
        assert_eq!(same_track(&w, &f, TOL), Some(SameBecause::ArtistTitle));
        // Blank ids never match each other.
        let w = WantedSide {
            isrc: Some(" "),
            ..wanted("A", "B", None)
        };
        let f = FileSide {
            isrc: Some(""),
            ..FileSide::default()
        };
        assert_eq!(same_track(&w, &f, TOL), None);
    }

    #[test]
    fn untitled_files_match_by_ids_only() {
        let w = wanted("A", "B", None);
        assert_eq!(same_track(&w, &FileSide::default(), TOL), None);
        assert_eq!(file_track_key(&FileSide::default()), None);
        let f = FileSide {
            album_artist: Some("A"),
            title: Some("B"),
            ..FileSide::default()
        };
        assert_eq!(file_track_key(&f), track_key("A", "B"));
    }
}
