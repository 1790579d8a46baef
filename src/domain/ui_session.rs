//! The web UI's sign-in session and request-origin rules, as pure decisions.

use sha2::{Digest, Sha256};

/// The cookie that carries a session's token.
pub const COOKIE: &str = "harmony_session";

/// A session lasts this long from sign-in (30 days), restarts included.
pub const LIFETIME_MS: i64 = 30 * 24 * 3600 * 1000;

/// What is stored of a token: its SHA-256, so a copy of the database signs no one in.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The value of one cookie in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// `Set-Cookie` for a new session: script cannot read it, other sites
/// cannot send it. Not `Secure`: Harmony is usually reached over plain HTTP
/// on a LAN (behind a TLS proxy the browser still keeps it to that origin).
pub fn session_cookie(token: &str) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        LIFETIME_MS / 1000
    )
}

/// `Set-Cookie` that ends the session in the browser.
pub fn cleared_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// A state-changing request is ours when the browser says it came from a page
/// of this same host: its `Origin` (or, failing that, `Referer`) names the
/// host the request was sent to. No header at all is refused: every browser
/// that can run the UI sends `Origin` on a form post.
pub fn same_origin(host: Option<&str>, origin: Option<&str>, referer: Option<&str>) -> bool {
    let Some(host) = host.map(str::trim).filter(|h| !h.is_empty()) else {
        return false;
    };
    let source = match origin.map(str::trim) {
        Some("null") | None => referer,
        Some(o) => Some(o),
    };
    let Some(source) = source else {
        return false;
    };
    let Some(rest) = source
        .strip_prefix("http://")
        .or_else(|| source.strip_prefix("https://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.eq_ignore_ascii_case(host)
}

/// Where to go after signing in: only a path of this site (no `//host`,
/// no scheme), else the dashboard.
pub fn local_target(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.contains(['\r', '\n']) =>
        {
            n
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_hash_is_not_the_token() {
        let hash = token_hash("abc");
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let header = "theme=dark; harmony_session=tok123 ; other=x";
        assert_eq!(cookie_value(header, COOKIE), Some("tok123"));
        assert_eq!(cookie_value("a=b", COOKIE), None);
        assert_eq!(cookie_value("xharmony_session=1", COOKIE), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let c = session_cookie("t");
        assert!(c.contains("HttpOnly"));
        assert!(c.contains("SameSite=Strict"));
        assert!(c.contains("Max-Age=2592000"));
    }

    #[test]
    fn only_requests_from_our_own_pages_change_anything() {
        let host = Some("nas.local:8080");
        assert!(same_origin(host, Some("http://nas.local:8080"), None));
        assert!(same_origin(
            host,
            None,
            Some("http://nas.local:8080/wanted/3")
        ));
        assert!(!same_origin(host, Some("http://evil.example"), None));
        assert!(!same_origin(
            host,
            Some("http://nas.local:8080.evil.example"),
            None
        ));
        assert!(!same_origin(host, Some("http://nas.local"), None));
        assert!(!same_origin(host, None, None));
        assert!(!same_origin(host, Some("null"), None));
        assert!(!same_origin(None, Some("http://nas.local:8080"), None));
    }

    #[test]
    fn after_sign_in_only_local_paths_are_followed() {
        assert_eq!(
            local_target(Some("/wanted?state=failed")),
            "/wanted?state=failed"
        );
        assert_eq!(local_target(Some("//evil.example/")), "/");
        assert_eq!(local_target(Some("/\\evil.example")), "/");
        assert_eq!(local_target(Some("https://evil.example")), "/");
        assert_eq!(local_target(None), "/");
    }
}
