//! An artist as a person pastes it: the bare 22-character id, a
//! `spotify:artist:<id>` URI, or an `open.spotify.com/…/artist/<id>` link
//! (query string and `intl-xx/` segment allowed).

fn is_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The artist's id, or `None` for anything else.
pub fn artist_id(text: &str) -> Option<String> {
    let text = text.trim();
    if is_id(text) {
        return Some(text.to_string());
    }
    if let Some(rest) = text.strip_prefix("spotify:artist:") {
        return is_id(rest).then(|| rest.to_string());
    }
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let rest = rest.strip_prefix("open.spotify.com/")?;
    let path = rest.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let mut first = segments.next()?;
    if first.starts_with("intl-") {
        first = segments.next()?;
    }
    let id = segments.next()?;
    (first == "artist" && segments.next().is_none() && is_id(id)).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "4tZwfgrHOc3mvqYlEYSvVi";

    #[test]
    fn ids_uris_and_links_name_the_artist() {
        assert_eq!(artist_id(ID).as_deref(), Some(ID));
        assert_eq!(
            artist_id(&format!(" spotify:artist:{ID} ")).as_deref(),
            Some(ID)
        );
        assert_eq!(
            artist_id(&format!("https://open.spotify.com/artist/{ID}?si=abc")).as_deref(),
            Some(ID)
        );
        assert_eq!(
            artist_id(&format!("https://open.spotify.com/intl-de/artist/{ID}")).as_deref(),
            Some(ID)
        );
    }

    #[test]
    fn other_links_are_not_artists() {
        assert_eq!(
            artist_id(&format!("https://open.spotify.com/album/{ID}")),
            None
        );
        assert_eq!(
            artist_id(&format!("https://evil.example/artist/{ID}")),
            None
        );
        assert_eq!(artist_id("daft punk"), None);
        assert_eq!(artist_id(&format!("spotify:track:{ID}")), None);
    }
}
