//! When to (re)embed a cover: providers.md §4.1 with the `ARTWORK_MIN_EDGE` /
//! `ARTWORK_MIN_BYTES` settings of config.md.

use serde::{Deserialize, Serialize};

/// What is known about the picture already embedded in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ExistingCover {
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Size of the encoded image.
    pub bytes: u64,
}

/// "Low resolution": the shorter edge is below `min_edge` when both dimensions are known,
/// otherwise the encoded size is below `min_bytes`.
pub fn is_low_res(cover: &ExistingCover, min_edge: u32, min_bytes: u64) -> bool {
    match (cover.width, cover.height) {
        (Some(w), Some(h)) => w.min(h) < min_edge,
        _ => cover.bytes < min_bytes,
    }
}

/// Whether a cover should be embedded: on `refresh`, when the file has none, or when the
/// existing one is low resolution (see [`is_low_res`]).
pub fn needs_cover(
    existing: Option<&ExistingCover>,
    min_edge: u32,
    min_bytes: u64,
    refresh: bool,
) -> bool {
    refresh || existing.is_none_or(|cover| is_low_res(cover, min_edge, min_bytes))
}

/// Whether a downloaded source image is below `min_edge` (config.md: such a source sends the
/// worker to the fallback provider first). Unknown dimensions count as too small.
pub fn source_below_min_edge(width: Option<u32>, height: Option<u32>, min_edge: u32) -> bool {
    match (width, height) {
        (Some(w), Some(h)) => w.min(h) < min_edge,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDGE: u32 = 600;
    const BYTES: u64 = 150_000;

    fn cover(w: Option<u32>, h: Option<u32>, bytes: u64) -> ExistingCover {
        ExistingCover {
            width: w,
            height: h,
            bytes,
        }
    }

    #[test]
    fn no_cover_needs_one() {
        assert!(needs_cover(None, EDGE, BYTES, false));
    }

    #[test]
    fn refresh_always_embeds() {
        let big = cover(Some(3000), Some(3000), 5_000_000);
        assert!(needs_cover(Some(&big), EDGE, BYTES, true));
    }

    #[test]
    fn shorter_edge_decides_when_dimensions_known() {
        // small in bytes but large in pixels: keep it
        assert!(!needs_cover(
            Some(&cover(Some(1400), Some(1400), 30_000)),
            EDGE,
            BYTES,
            false
        ));
        // wide but short
        assert!(needs_cover(
            Some(&cover(Some(2000), Some(599), 900_000)),
            EDGE,
            BYTES,
            false
        ));
        assert!(needs_cover(
            Some(&cover(Some(300), Some(300), 900_000)),
            EDGE,
            BYTES,
            false
        ));
        // exactly the minimum is enough
        assert!(!needs_cover(
            Some(&cover(Some(600), Some(800), 1)),
            EDGE,
            BYTES,
            false
        ));
        // Spotify's 640 px art under the providers.md default of 1000
        assert!(needs_cover(
            Some(&cover(Some(640), Some(640), 200_000)),
            1000,
            BYTES,
            false
        ));
    }

    #[test]
    fn bytes_decide_when_dimensions_unknown() {
        assert!(needs_cover(
            Some(&cover(None, None, 149_999)),
            EDGE,
            BYTES,
            false
        ));
        assert!(!needs_cover(
            Some(&cover(None, None, 150_000)),
            EDGE,
            BYTES,
            false
        ));
        // only one dimension known counts as unknown
        assert!(needs_cover(
            Some(&cover(Some(3000), None, 10)),
            EDGE,
            BYTES,
            false
        ));
        assert!(!needs_cover(
            Some(&cover(None, Some(10), 200_000)),
            EDGE,
            BYTES,
            false
        ));
    }

    #[test]
    fn low_res_helper_matches() {
        assert!(is_low_res(&cover(Some(599), Some(2000), 0), EDGE, BYTES));
        assert!(!is_low_res(&cover(Some(600), Some(600), 0), EDGE, BYTES));
    }

    #[test]
    fn source_check() {
        assert!(source_below_min_edge(Some(640), Some(640), 1000));
        assert!(!source_below_min_edge(Some(1400), Some(1400), 1000));
        assert!(source_below_min_edge(None, Some(1400), 1000));
    }
}
