//! Cover Art Archive URLs (`providers.md` §4.3). The unsized `front` is the
//! original upload and may exceed `ARTWORK_MAX_BYTES`; `front-1200` is the
//! largest thumbnail, still above any sensible `ARTWORK_MIN_EDGE`.

/// Which rendition of the front cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontSize {
    Original,
    Px1200,
}

/// `<COVERART_URL>/release-group/<mbid>/front[-1200]`. `None` when the
/// MBID is not a UUID (it comes from a provider answer and ends up in a path).
pub fn front_url(base: &str, mbid: &str, size: FrontSize) -> Option<String> {
    if !is_uuid(mbid) {
        return None;
    }
    let suffix = match size {
        FrontSize::Original => "front",
        FrontSize::Px1200 => "front-1200",
    };
    Some(format!(
        "{}/release-group/{}/{suffix}",
        base.trim_end_matches('/'),
        mbid.to_ascii_lowercase()
    ))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MBID: &str = "48117b82-8a2b-3b5e-8f9b-1b4d2d4e7c11";

    #[test]
    fn urls_only_for_real_mbids() {
        assert_eq!(
            front_url("https://coverartarchive.org/", MBID, FrontSize::Original).as_deref(),
            Some("https://coverartarchive.org/release-group/48117b82-8a2b-3b5e-8f9b-1b4d2d4e7c11/front")
        );
        assert!(front_url("http://x", MBID, FrontSize::Px1200)
            .is_some_and(|u| u.ends_with("/front-1200")));
        for bad in [
            "",
            "../../admin",
            "48117b82-8a2b-3b5e-8f9b-1b4d2d4e7c1/",
            "x".repeat(36).as_str(),
        ] {
            assert_eq!(
                front_url("http://x", bad, FrontSize::Original),
                None,
                "{bad}"
            );
        }
    }
}
