//! One cover per album: the key every track of an album shares, the file
//! name it is cached under, and which provider image to take.

use sha2::{Digest, Sha256};

use crate::domain::track::Track;
use crate::domain::wanted::dedupe_text;

fn known(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `spotify:<album id>` when Spotify's album is known, else
/// `album:<artist>/<album>` (normalised: case, width and spacing do not
/// split an album); `None` without an album to look for.
pub fn cache_key(track: &Track) -> Option<String> {
    if let Some(id) = known(&track.spotify_album_id) {
        return Some(format!("spotify:{id}"));
    }
    let artist = known(&track.album_artist).or(known(&track.artist))?;
    let album = known(&track.album)?;
    Some(format!(
        "album:{}/{}",
        dedupe_text(artist),
        dedupe_text(album)
    ))
}

/// The cache file's name inside `ARTWORK_DIR`: a hash of the key, so no
/// album or artist name ever becomes part of a path.
pub fn file_name(key: &str, mime: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{}", extension(mime))
}

fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        _ => "jpg",
    }
}

/// The largest of a provider's image variants (by area; unknown sizes count
/// as 0, so a listed size wins over none). Ties keep the first.
pub fn largest<'a>(
    images: impl IntoIterator<Item = (&'a str, Option<u32>, Option<u32>)>,
) -> Option<(&'a str, Option<u32>, Option<u32>)> {
    let mut best: Option<(&str, Option<u32>, Option<u32>)> = None;
    let area =
        |w: Option<u32>, h: Option<u32>| u64::from(w.unwrap_or(0)) * u64::from(h.unwrap_or(0));
    for (url, w, h) in images {
        if url.trim().is_empty() {
            continue;
        }
        if best.is_none_or(|(_, bw, bh)| area(w, h) > area(bw, bh)) {
            best = Some((url, w, h));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(artist: &str, album: Option<&str>, album_id: Option<&str>) -> Track {
        Track {
            artist: Some(artist.into()),
            album: album.map(Into::into),
            spotify_album_id: album_id.map(Into::into),
            ..Track::default()
        }
    }

    #[test]
    fn spotify_album_first_then_names() {
        assert_eq!(
            cache_key(&track("Daft Punk", Some("Discovery"), Some("2noRn2"))).as_deref(),
            Some("spotify:2noRn2")
        );
        let a = cache_key(&track("Daft Punk", Some("Discovery"), None));
        let b = cache_key(&track("  DAFT   punk ", Some("discovery"), None));
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("album:daft punk/discovery"));
        assert_eq!(cache_key(&track("Daft Punk", None, None)), None);
        assert_eq!(cache_key(&track("Daft Punk", Some(" "), Some(""))), None);
    }

    #[test]
    fn album_artist_beats_track_artist() {
        let mut t = track("Daft Punk feat. Romanthony", Some("Discovery"), None);
        t.album_artist = Some("Daft Punk".into());
        assert_eq!(cache_key(&t).as_deref(), Some("album:daft punk/discovery"));
    }

    #[test]
    fn file_names_are_hashes_with_the_type() {
        let name = file_name("album:../../etc/passwd", "image/png");
        assert!(name.ends_with(".png"));
        assert_eq!(name.len(), 32 + 4);
        assert!(name[..32].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(file_name("k", "image/jpeg"), file_name("k", "anything"));
        assert_ne!(file_name("a", "image/jpeg"), file_name("b", "image/jpeg"));
    }

    #[test]
    fn largest_by_area() {
        let images = [
            ("https://i.scdn.co/300", Some(300), Some(300)),
            ("https://i.scdn.co/640", Some(640), Some(640)),
            ("https://i.scdn.co/64", Some(64), Some(64)),
            ("", Some(5000), Some(5000)),
        ];
        assert_eq!(largest(images).map(|i| i.0), Some("https://i.scdn.co/640"));
        assert_eq!(
            largest([("a", None, None), ("b", Some(1), Some(1))]).map(|i| i.0),
            Some("b")
        );
        assert_eq!(largest([("a", None, None)]).map(|i| i.0), Some("a"));
        assert_eq!(largest([]), None);
    }
}
