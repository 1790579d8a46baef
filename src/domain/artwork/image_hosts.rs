//! Which hosts cover art may be fetched from (no SSRF): an image URL, and
//! every redirect on the way to it, must point at a known image host. URLs
//! only ever come from providers (Spotify album images, Cover Art Archive
//! redirects), never from user input; the allow-list guards against a
//! provider answer pointing somewhere else.

/// A URL reduced to what the allow-list decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// Lower case, without brackets for IPv6.
    pub host: String,
    /// Explicit, or the scheme's default.
    pub port: u16,
}

/// Splits an absolute `http(s)` URL. `None` for other schemes, relative
/// URLs, user info (`user@host`, a classic way to confuse checks) or a bad port.
pub fn parse_url(url: &str) -> Option<UrlParts> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains('\\') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        match after.strip_prefix(':') {
            Some(p) => (host, p.parse().ok()?),
            None if after.is_empty() => (host, default_port),
            None => return None,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, p)) => (host, p.parse().ok()?),
            None => (authority, default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some(UrlParts {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// Where a redirect's `Location` points, resolved against the URL that
/// answered it (absolute, scheme-relative or absolute-path forms).
pub fn resolve_location(current: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if parse_url(location).is_some() {
        return Some(location.to_string());
    }
    let (scheme, rest) = current.split_once("://")?;
    if let Some(net_path) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{net_path}"));
    }
    if location.starts_with('/') {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        return Some(format!("{scheme}://{authority}{location}"));
    }
    None
}

/// The public image hosts: https only, the domain itself or a subdomain.
const PUBLIC_SUFFIXES: [&str; 4] = [
    // Spotify's album art CDN (i.scdn.co, mosaic.scdn.co).
    "scdn.co",
    // Spotify's newer image CDN (image-cdn-ak.spotifycdn.com, …).
    "spotifycdn.com",
    "coverartarchive.org",
    // Where the Cover Art Archive redirects to (ia800…us.archive.org).
    "archive.org",
];

/// The public hosts plus the configured provider base URLs (their exact
/// scheme, host and port), so that local fakes and proxies work too.
#[derive(Debug, Clone, Default)]
pub struct ImageHosts {
    configured: Vec<UrlParts>,
}

impl ImageHosts {
    /// `bases`: the configured `SPOTIFY_API_URL` and `COVERART_URL`.
    pub fn new<'a>(bases: impl IntoIterator<Item = &'a str>) -> Self {
        ImageHosts {
            configured: bases.into_iter().filter_map(parse_url).collect(),
        }
    }

    pub fn allows(&self, url: &str) -> bool {
        let Some(parts) = parse_url(url) else {
            return false;
        };
        if self.configured.contains(&parts) {
            return true;
        }
        parts.scheme == "https"
            && parts.port == 443
            && PUBLIC_SUFFIXES.iter().any(|suffix| {
                parts.host == *suffix
                    || parts
                        .host
                        .strip_suffix(suffix)
                        .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> ImageHosts {
        ImageHosts::new(["http://127.0.0.1:9000/v1", "https://coverartarchive.org"])
    }

    #[test]
    fn parses_what_matters() {
        let p = parse_url("HTTPS://I.SCDN.CO/image/ab67").unwrap();
        assert_eq!(
            (p.scheme.as_str(), p.host.as_str(), p.port),
            ("https", "i.scdn.co", 443)
        );
        let p = parse_url("http://127.0.0.1:9000?x").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("127.0.0.1", 9000));
        let p = parse_url("http://[::1]:81/a").unwrap();
        assert_eq!((p.host.as_str(), p.port), ("::1", 81));
        for bad in [
            "ftp://i.scdn.co/x",
            "/relative",
            "https://user@i.scdn.co/x",
            "https://i.scdn.co:99999/x",
            "https:///x",
            "file:///etc/passwd",
            "https://evil.com\\@i.scdn.co/",
        ] {
            assert_eq!(parse_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn public_cdns_over_https_only() {
        let h = ImageHosts::default();
        assert!(h.allows("https://i.scdn.co/image/ab67616d0000b273"));
        assert!(h.allows("https://mosaic.scdn.co/640/abc"));
        assert!(h.allows("https://image-cdn-ak.spotifycdn.com/image/x"));
        assert!(h.allows("https://coverartarchive.org/release-group/x/front"));
        assert!(h.allows("https://ia800305.us.archive.org/1/items/mbid-x/y.jpg"));
        assert!(!h.allows("http://i.scdn.co/image/x"), "plain http");
        assert!(!h.allows("https://i.scdn.co:8443/image/x"), "other port");
        assert!(!h.allows("https://evilscdn.co/x"), "suffix without a dot");
        assert!(!h.allows("https://scdn.co.evil.com/x"));
        assert!(!h.allows("https://169.254.169.254/latest/meta-data"));
        assert!(!h.allows("https://localhost/x"));
        assert!(!h.allows("https://.archive.org/x"));
    }

    #[test]
    fn configured_bases_match_scheme_host_and_port() {
        let h = hosts();
        assert!(h.allows("http://127.0.0.1:9000/img/cover.jpg"));
        assert!(
            !h.allows("http://127.0.0.1:9001/img/cover.jpg"),
            "other port"
        );
        assert!(
            !h.allows("https://127.0.0.1:9000/img/cover.jpg"),
            "other scheme"
        );
        assert!(
            !h.allows("http://localhost:9000/img/cover.jpg"),
            "other name"
        );
        assert!(h.allows("https://coverartarchive.org/x"));
    }

    #[test]
    fn redirects_resolve_against_the_answering_url() {
        let base = "https://coverartarchive.org/release-group/abc/front";
        assert_eq!(
            resolve_location(base, "https://ia8.us.archive.org/a.jpg").as_deref(),
            Some("https://ia8.us.archive.org/a.jpg")
        );
        assert_eq!(
            resolve_location(base, "//archive.org/download/a.jpg").as_deref(),
            Some("https://archive.org/download/a.jpg")
        );
        assert_eq!(
            resolve_location("http://127.0.0.1:9000/release-group/x/front", "/img/a.jpg")
                .as_deref(),
            Some("http://127.0.0.1:9000/img/a.jpg")
        );
        assert_eq!(resolve_location(base, "relative.jpg"), None);
        assert_eq!(resolve_location(base, "javascript:alert(1)"), None);
    }
}
