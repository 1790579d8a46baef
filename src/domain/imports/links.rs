//! Spotify playlist links: `https://open.spotify.com/playlist/<id>` (with or
//! without an `intl-xx/` segment, query string or fragment; also the legacy
//! `user/<name>/playlist/<id>` and `embed/playlist/<id>` forms) and
//! `spotify:playlist:<id>` URIs.

use super::{PlaylistLink, SkipReason};

/// A playlist link or URI in canonical form; `InvalidLink` for anything
/// else Harmony cannot use: a malformed link, a playlist without a valid
/// 22-character id, another Spotify resource (track, album, artist, …), a
/// Spotify short link or page, or another site.
pub fn parse_playlist_link(text: &str) -> Result<PlaylistLink, SkipReason> {
    let text = text.trim();
    if text.chars().any(char::is_whitespace) {
        return Err(SkipReason::InvalidLink);
    }
    if let Some(rest) = strip_prefix_ignore_case(text, "spotify:") {
        return parse_uri(rest);
    }
    let rest = strip_prefix_ignore_case(text, "https://")
        .or_else(|| strip_prefix_ignore_case(text, "http://"))
        .or_else(|| is_bare_spotify_url(text).then_some(text));
    match rest {
        Some(rest) => parse_url(rest),
        None => Err(SkipReason::InvalidLink),
    }
}

/// Whether a line is meant as a link rather than a track: it starts with a
/// URL scheme (`https://`, `spotify:`, …) or with `open.spotify.com/`.
pub fn looks_like_link(text: &str) -> bool {
    let text = text.trim();
    strip_prefix_ignore_case(text, "spotify:").is_some()
        || has_scheme(text)
        || is_bare_spotify_url(text)
}

/// Whether `text` is a link to Spotify (a `spotify:` URI or a URL on a
/// Spotify host), whatever it points at.
pub fn is_spotify_link(text: &str) -> bool {
    match parse_playlist_link(text) {
        Ok(_) => true,
        Err(_) => {
            let text = text.trim();
            if strip_prefix_ignore_case(text, "spotify:").is_some() || is_bare_spotify_url(text) {
                return true;
            }
            let rest = strip_prefix_ignore_case(text, "https://")
                .or_else(|| strip_prefix_ignore_case(text, "http://"));
            rest.is_some_and(|rest| is_spotify_host(&host_of(rest).0))
        }
    }
}

/// Exactly 22 ASCII letters and digits.
pub fn is_playlist_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn playlist(id: &str) -> Result<PlaylistLink, SkipReason> {
    if is_playlist_id(id) {
        Ok(PlaylistLink {
            id: id.to_string(),
            url: format!("https://open.spotify.com/playlist/{id}"),
        })
    } else {
        Err(SkipReason::InvalidLink)
    }
}

/// `playlist:<id>` or `user:<name>:playlist:<id>` (after `spotify:`).
fn parse_uri(rest: &str) -> Result<PlaylistLink, SkipReason> {
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [kind, id] if kind.eq_ignore_ascii_case("playlist") => playlist(id),
        [user, _, kind, id]
            if user.eq_ignore_ascii_case("user") && kind.eq_ignore_ascii_case("playlist") =>
        {
            playlist(id)
        }
        _ => Err(SkipReason::InvalidLink),
    }
}

/// A URL after its `https://`.
fn parse_url(rest: &str) -> Result<PlaylistLink, SkipReason> {
    let (host, path) = host_of(rest);
    if host != "open.spotify.com" && host != "play.spotify.com" {
        // Other sites, and Spotify pages or short links (spotify.link)
        // that would need resolving first.
        return Err(SkipReason::InvalidLink);
    }
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let all: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let is_intl =
        |s: &str| s.len() > 5 && s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("intl-"));
    let segments = match all.split_first() {
        Some((first, rest)) if is_intl(first) => rest,
        _ => all.as_slice(),
    };
    let is = |s: &&str, word: &str| s.eq_ignore_ascii_case(word);
    match segments {
        [kind, id] if is(kind, "playlist") => playlist(id),
        [embed, kind, id] if is(embed, "embed") && is(kind, "playlist") => playlist(id),
        [user, _, kind, id] if is(user, "user") && is(kind, "playlist") => playlist(id),
        _ => Err(SkipReason::InvalidLink),
    }
}

/// The lower-cased host (without user info, port or trailing dot) and the
/// rest of a URL after its scheme.
fn host_of(rest: &str) -> (String, &str) {
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    (host.trim_end_matches('.').to_ascii_lowercase(), path)
}

fn is_spotify_host(host: &str) -> bool {
    host == "spotify.com"
        || host.ends_with(".spotify.com")
        || host == "spotify.link"
        || host.ends_with(".spotify.link")
}

/// `open.spotify.com/…` typed without a scheme.
fn is_bare_spotify_url(text: &str) -> bool {
    strip_prefix_ignore_case(text, "open.spotify.com/").is_some()
        || strip_prefix_ignore_case(text, "play.spotify.com/").is_some()
}

/// Starts with `<scheme>://` (RFC 3986 scheme characters).
fn has_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once("://") else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "37i9dQZF1DXcBWIGoYBM5M";

    fn ok(text: &str) -> PlaylistLink {
        parse_playlist_link(text).unwrap()
    }

    #[test]
    fn canonical_playlist_links() {
        let link = ok(&format!("https://open.spotify.com/playlist/{ID}"));
        assert_eq!(link.id, ID);
        assert_eq!(link.url, format!("https://open.spotify.com/playlist/{ID}"));
        for text in [
            format!("  https://open.spotify.com/playlist/{ID}  "),
            format!("https://open.spotify.com/playlist/{ID}/"),
            format!("https://open.spotify.com/intl-de/playlist/{ID}"),
            format!("https://open.spotify.com/intl-pt-BR/playlist/{ID}?si=abc123&pt=x"),
            format!("https://open.spotify.com/playlist/{ID}#top"),
            format!("HTTPS://OPEN.SPOTIFY.COM/playlist/{ID}"),
            format!("http://open.spotify.com/playlist/{ID}"),
            format!("https://open.spotify.com:443/playlist/{ID}"),
            format!("open.spotify.com/playlist/{ID}"),
            format!("https://play.spotify.com/playlist/{ID}"),
            format!("https://open.spotify.com/embed/playlist/{ID}?utm_source=x"),
            format!("https://open.spotify.com/user/someone/playlist/{ID}"),
            format!("spotify:playlist:{ID}"),
            format!("Spotify:Playlist:{ID}"),
            format!("spotify:user:someone:playlist:{ID}"),
        ] {
            assert_eq!(ok(&text), link, "{text}");
        }
    }

    #[test]
    fn bad_ids_are_invalid() {
        let short = &ID[..21];
        for text in [
            format!("https://open.spotify.com/playlist/{short}"),
            format!("https://open.spotify.com/playlist/{ID}x"),
            format!("spotify:playlist:{short}"),
            "https://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5-".to_string(),
            "https://open.spotify.com/playlist/".to_string(),
            "https://open.spotify.com/playlist".to_string(),
            format!("https://open.spotify.com/playlist/{ID}/extra"),
            "https://open.spotify.com/".to_string(),
            "https://".to_string(),
            "spotify:".to_string(),
            "spotify:playlist".to_string(),
            "spotify:nonsense:x".to_string(),
            "not a link".to_string(),
            "".to_string(),
            format!("https://open.spotify.com/playlist/{ID} extra"),
        ] {
            assert_eq!(
                parse_playlist_link(&text),
                Err(SkipReason::InvalidLink),
                "{text}"
            );
        }
    }

    #[test]
    fn other_resources_and_sites_are_invalid_links() {
        for text in [
            format!("https://open.spotify.com/track/{ID}"),
            format!("https://open.spotify.com/intl-fr/album/{ID}"),
            format!("https://open.spotify.com/artist/{ID}?si=1"),
            format!("https://open.spotify.com/embed/track/{ID}"),
            format!("spotify:track:{ID}"),
            format!("spotify:album:{ID}"),
            format!("spotify:artist:{ID}"),
            "https://spotify.link/AbCdEf".to_string(),
            "https://www.spotify.com/playlist/x".to_string(),
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ".to_string(),
            "https://music.apple.com/us/playlist/x/pl.123".to_string(),
            "ftp://example.com/x".to_string(),
            format!("https://evil.example/open.spotify.com/playlist/{ID}"),
        ] {
            assert_eq!(
                parse_playlist_link(&text),
                Err(SkipReason::InvalidLink),
                "{text}"
            );
        }
    }

    #[test]
    fn user_info_does_not_fake_the_host() {
        assert_eq!(
            parse_playlist_link(&format!(
                "https://open.spotify.com@evil.example/playlist/{ID}"
            )),
            Err(SkipReason::InvalidLink)
        );
        assert_eq!(
            ok(&format!("https://me@open.spotify.com/playlist/{ID}")).id,
            ID
        );
    }

    #[test]
    fn link_detection() {
        assert!(looks_like_link("https://example.com"));
        assert!(looks_like_link("spotify:track:x"));
        assert!(looks_like_link("open.spotify.com/playlist/x"));
        assert!(!looks_like_link("Jay-Z - 99 Problems"));
        assert!(!looks_like_link("Artist - Title: A Story"));
        assert!(!looks_like_link("C:\\Music\\a.mp3"));
        assert!(is_spotify_link(&format!("spotify:track:{ID}")));
        assert!(is_spotify_link("https://spotify.link/x"));
        assert!(!is_spotify_link("https://example.com/x"));
        assert!(!is_spotify_link("/music/a.mp3"));
    }

    #[test]
    fn ids() {
        assert!(is_playlist_id(ID));
        assert!(!is_playlist_id(&ID[..21]));
        assert!(!is_playlist_id("37i9dQZF1DXcBWIGoYBM5é"));
    }
}
