//! File format, bitrate and the peer: what decides between copies of the
//! same recording.

use super::types::{Candidate, Preferences};

/// Audio containers and codecs Soulseek peers share.
const AUDIO: &[&str] = &[
    "flac", "mp3", "m4a", "aac", "ogg", "oga", "opus", "wav", "wave", "aiff", "aif", "aifc",
    "alac", "ape", "wv", "wma", "mpc", "mp2", "dsf", "dff", "tta", "tak", "caf", "ac3", "mka",
    "spx", "m4b",
];

/// Files that travel with music but are not music (a peer's extension
/// field saying otherwise is not believed).
const NOT_AUDIO: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "heic", "cue", "txt", "nfo", "log",
    "m3u", "m3u8", "pls", "sfv", "md5", "ffp", "st5", "accurip", "pdf", "doc", "docx", "rtf",
    "html", "htm", "url", "lnk", "ini", "db", "zip", "rar", "7z", "iso", "exe", "mkv", "mp4",
    "avi", "webm", "mov", "mpg", "mpeg", "wmv", "flv", "lrc", "srt", "json", "xml", "csv",
    "torrent", "dat", "bin", "nrg", "img",
];

/// Formats that never lose anything: never refused for bitrate.
const LOSSLESS: &[&str] = &[
    "flac", "wav", "wave", "aiff", "aif", "aifc", "alac", "ape", "wv", "dsf", "dff", "tta", "tak",
];

/// The file's format as the matcher sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Format {
    /// Lower-case extension, `None` when neither field nor name has one.
    pub extension: Option<String>,
    pub audio: bool,
    pub lossless: bool,
}

/// The extension field when the peer sent one, else the name's; a name
/// ending in a known non-audio extension (`cover.jpg`) is never audio.
pub(crate) fn format_of(candidate: &Candidate, name_extension: Option<&str>) -> Format {
    let field = candidate
        .extension
        .as_deref()
        .map(|e| e.trim().trim_start_matches('.'))
        .filter(|e| !e.is_empty())
        .map(str::to_ascii_lowercase);
    let extension = field.or_else(|| name_extension.map(str::to_string));
    let name_is_other = name_extension.is_some_and(|e| NOT_AUDIO.contains(&e));
    let audio = extension.as_deref().is_some_and(|e| AUDIO.contains(&e)) && !name_is_other;
    let lossless = audio
        && extension.as_deref().is_some_and(|e| {
            LOSSLESS.contains(&e)
                // ALAC in an m4a: lossless bitrates or a reported bit depth.
                || (e == "m4a"
                    && (candidate.bitrate.is_some_and(|b| b >= 500)
                        || candidate.bit_depth.is_some_and(|d| d >= 16)))
        });
    Format {
        extension,
        audio,
        lossless,
    }
}

/// Position in the preference list; unlisted formats come last.
pub(crate) fn format_rank(format: &Format, prefs: &Preferences) -> usize {
    format
        .extension
        .as_deref()
        .and_then(|e| prefs.formats.iter().position(|f| f.eq_ignore_ascii_case(e)))
        .unwrap_or(prefs.formats.len())
}

/// A claimed bitrate is distrusted only when the average is below this
/// share of it (in percent). Tags and cover art only raise the average, so
/// an honest file never falls this far; 25 % leaves room for VBR files whose
/// peer reports a peak or nominal rate and for a length rounded up.
const CLAIM_MARGIN_PERCENT: u64 = 75;

/// A lossless file averaging less than this (kbps) is a transcode or
/// mislabelled: even quiet 16-bit/44.1 kHz stereo FLAC rarely goes below it.
const LOSSLESS_FLOOR_KBPS: u32 = 400;

/// Why the matcher uses the average bitrate `size × 8 / length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BitrateReason {
    /// The peer sent no bitrate (or 0).
    NotReported,
    /// The claimed bitrate is more than the size can hold.
    ClaimExceedsSize,
    /// Lossless, but too small to be: ranks below honest lossless files.
    LosslessTooSmall,
}

impl BitrateReason {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            BitrateReason::NotReported => "not_reported",
            BitrateReason::ClaimExceedsSize => "claim_exceeds_size",
            BitrateReason::LosslessTooSmall => "lossless_too_small",
        }
    }
}

/// The average bitrate (kbps) when it replaces what the peer claims, with
/// why; `None` when the claim stands or size/length are unknown (a length
/// of 0 computes nothing).
pub(crate) fn effective_bitrate(
    candidate: &Candidate,
    lossless: bool,
) -> Option<(u32, BitrateReason)> {
    let size = candidate.size.filter(|s| *s > 0)?;
    let length = u64::from(candidate.length.filter(|l| *l > 0)?);
    let average = size.saturating_mul(8) / length / 1000;
    let kbps = u32::try_from(average).unwrap_or(u32::MAX);
    if lossless {
        return (kbps < LOSSLESS_FLOOR_KBPS).then_some((kbps, BitrateReason::LosslessTooSmall));
    }
    match candidate.bitrate.filter(|b| *b > 0) {
        None => Some((kbps, BitrateReason::NotReported)),
        Some(claimed) if average * 100 < u64::from(claimed) * CLAIM_MARGIN_PERCENT => {
            Some((kbps, BitrateReason::ClaimExceedsSize))
        }
        Some(_) => None,
    }
}

/// The lossy bitrate the matcher believes: the average when it replaces
/// the claim, else the claim.
fn believed_bitrate(format: &Format, candidate: &Candidate) -> Option<u32> {
    match effective_bitrate(candidate, format.lossless) {
        Some((kbps, _)) => Some(kbps),
        None => candidate.bitrate.filter(|b| *b > 0),
    }
}

/// Lossy with a known (or computed) bitrate under the minimum.
pub(crate) fn below_min_bitrate(
    format: &Format,
    candidate: &Candidate,
    prefs: &Preferences,
) -> bool {
    !format.lossless
        && believed_bitrate(format, candidate).is_some_and(|b| b > 0 && b < prefs.min_bitrate)
}

/// 0…1: format preference first, then bitrate (lossless counts as full).
pub(crate) fn quality_score(format: &Format, candidate: &Candidate, prefs: &Preferences) -> f64 {
    if !format.audio {
        return 0.0;
    }
    let listed = prefs.formats.len();
    let rank = format_rank(format, prefs);
    let format_part = if listed == 0 {
        0.5
    } else if rank < listed {
        1.0 - rank as f64 / listed as f64 * 0.75
    } else {
        0.15
    };
    let too_small = format.lossless && effective_bitrate(candidate, true).is_some();
    let bitrate_part = if format.lossless && !too_small {
        1.0
    } else if too_small {
        // No better than a good lossy file: it is probably one.
        0.9
    } else {
        match believed_bitrate(format, candidate) {
            Some(b) if b > 0 => (f64::from(b) / 320.0).min(1.0),
            _ => 0.6,
        }
    };
    0.6 * format_part + 0.4 * bitrate_part
}

/// Higher is better among files of one format: lossless by bit depth then
/// sample rate, lossy by bitrate (unknown counts as the minimum).
pub(crate) fn fidelity_key(format: &Format, candidate: &Candidate, prefs: &Preferences) -> u64 {
    if format.lossless {
        if effective_bitrate(candidate, true).is_some() {
            // Below every honest lossless file, whatever depth it claims.
            return 1 << 40;
        }
        let depth = u64::from(candidate.bit_depth.unwrap_or(16).min(64));
        let rate = u64::from(candidate.sample_rate.unwrap_or(44_100).min(1_000_000));
        (1 << 40) | (depth << 24) | rate
    } else {
        u64::from(believed_bitrate(format, candidate).unwrap_or(prefs.min_bitrate))
    }
}

/// 0…1: a free upload slot matters most, then a short queue, then speed.
/// Unknown values count as middling.
pub(crate) fn peer_score(candidate: &Candidate) -> f64 {
    let slot = match candidate.has_free_upload_slot {
        Some(true) => 1.0,
        Some(false) => 0.0,
        None => 0.5,
    };
    let queue = match candidate.queue_length {
        Some(q) => 1.0 / (1.0 + q as f64 / 5.0),
        None => 0.5,
    };
    let speed = match candidate.upload_speed {
        Some(s) => s as f64 / (s as f64 + 500_000.0),
        None => 0.5,
    };
    0.5 * slot + 0.25 * queue + 0.25 * speed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(ext: Option<&str>, bitrate: Option<u32>) -> Candidate {
        Candidate {
            extension: ext.map(str::to_string),
            bitrate,
            ..Candidate::default()
        }
    }

    #[test]
    fn extension_from_field_or_name() {
        let f = format_of(&cand(Some("FLAC"), None), Some("flac"));
        assert!(f.audio && f.lossless);
        let f = format_of(&cand(Some(""), None), Some("mp3"));
        assert_eq!(f.extension.as_deref(), Some("mp3"));
        assert!(f.audio && !f.lossless);
        let f = format_of(&cand(None, None), None);
        assert!(!f.audio);
        let f = format_of(&cand(Some("mp3"), None), Some("jpg"));
        assert!(!f.audio);
        for e in ["jpg", "cue", "txt", "nfo", "log", "m3u", "pdf"] {
            assert!(!format_of(&cand(Some(e), None), Some(e)).audio, "{e}");
        }
        for e in [
            "opus", "aiff", "ape", "wv", "wma", "mpc", "alac", "ogg", "wav",
        ] {
            assert!(format_of(&cand(Some(e), None), Some(e)).audio, "{e}");
        }
        let alac = format_of(&cand(Some("m4a"), Some(900)), Some("m4a"));
        assert!(alac.lossless);
    }

    #[test]
    fn bitrate_floor_only_for_lossy() {
        let prefs = Preferences::default();
        let mp3 = cand(Some("mp3"), Some(128));
        assert!(below_min_bitrate(
            &format_of(&mp3, Some("mp3")),
            &mp3,
            &prefs
        ));
        let mp3 = cand(Some("mp3"), Some(192));
        assert!(!below_min_bitrate(
            &format_of(&mp3, Some("mp3")),
            &mp3,
            &prefs
        ));
        let unknown = cand(Some("mp3"), None);
        assert!(!below_min_bitrate(
            &format_of(&unknown, Some("mp3")),
            &unknown,
            &prefs
        ));
        let flac = cand(Some("flac"), Some(100));
        assert!(!below_min_bitrate(
            &format_of(&flac, Some("flac")),
            &flac,
            &prefs
        ));
    }

    fn sized(ext: &str, bitrate: Option<u32>, size: u64, length: u32) -> Candidate {
        Candidate {
            extension: Some(ext.into()),
            bitrate,
            size: Some(size),
            length: Some(length),
            ..Candidate::default()
        }
    }

    #[test]
    fn effective_bitrate_fills_a_missing_bitrate() {
        // 131 kbps average over 200 s.
        let c = sized("mp3", None, 131_000 / 8 * 200, 200);
        assert_eq!(
            effective_bitrate(&c, false),
            Some((131, BitrateReason::NotReported))
        );
        let prefs = Preferences::default();
        assert!(below_min_bitrate(&format_of(&c, None), &c, &prefs));
        // Honest 320 kbps with no claim: accepted.
        let c = sized("mp3", None, 320_000 / 8 * 200, 200);
        assert!(!below_min_bitrate(&format_of(&c, None), &c, &prefs));
    }

    #[test]
    fn effective_bitrate_exposes_a_claim_the_size_cannot_hold() {
        let prefs = Preferences::default();
        // "320 kbps" that averages 131 kbps.
        let c = sized("mp3", Some(320), 131_000 / 8 * 200, 200);
        assert_eq!(
            effective_bitrate(&c, false),
            Some((131, BitrateReason::ClaimExceedsSize))
        );
        assert!(below_min_bitrate(&format_of(&c, None), &c, &prefs));
        let honest = sized("mp3", Some(320), 320_000 / 8 * 200, 200);
        assert!(
            fidelity_key(&format_of(&c, None), &c, &prefs) < {
                fidelity_key(&format_of(&honest, None), &honest, &prefs)
            }
        );
    }

    #[test]
    fn effective_bitrate_trusts_honest_files() {
        let prefs = Preferences::default();
        // Cover art only raises the average.
        let c = sized("mp3", Some(320), 320_000 / 8 * 200 + 500_000, 200);
        assert_eq!(effective_bitrate(&c, false), None);
        // VBR reported a bit above its average, inside the margin.
        let c = sized("mp3", Some(245), 200_000 / 8 * 200, 200);
        assert_eq!(effective_bitrate(&c, false), None);
        assert!(!below_min_bitrate(&format_of(&c, None), &c, &prefs));
        // Just past the margin (75 % of 256 = 192).
        let c = sized("mp3", Some(256), 190_000 / 8 * 200, 200);
        assert!(effective_bitrate(&c, false).is_some());
    }

    #[test]
    fn effective_bitrate_needs_size_and_a_length() {
        let mut c = sized("mp3", Some(320), 1_000, 0);
        assert_eq!(effective_bitrate(&c, false), None);
        c.length = None;
        assert_eq!(effective_bitrate(&c, false), None);
        let c = Candidate {
            size: None,
            length: Some(200),
            ..cand(Some("mp3"), None)
        };
        assert_eq!(effective_bitrate(&c, false), None);
        assert!(!below_min_bitrate(
            &format_of(&c, None),
            &c,
            &Preferences::default()
        ));
    }

    #[test]
    fn small_hi_res_flac_ranks_below_honest_16_bit() {
        let prefs = Preferences::default();
        let hi = |size: u64| Candidate {
            bit_depth: Some(24),
            sample_rate: Some(96_000),
            ..sized("flac", None, size, 200)
        };
        let fake = hi(266_000 / 8 * 200);
        let honest16 = Candidate {
            bit_depth: Some(16),
            sample_rate: Some(44_100),
            ..sized("flac", None, 900_000 / 8 * 200, 200)
        };
        let true_hi = hi(2_800_000 / 8 * 200);
        let f = |c: &Candidate| fidelity_key(&format_of(c, None), c, &prefs);
        let q = |c: &Candidate| quality_score(&format_of(c, None), c, &prefs);
        assert_eq!(
            effective_bitrate(&fake, true),
            Some((266, BitrateReason::LosslessTooSmall))
        );
        assert_eq!(effective_bitrate(&true_hi, true), None);
        assert_eq!(effective_bitrate(&honest16, true), None);
        assert!(f(&fake) < f(&honest16) && f(&honest16) < f(&true_hi));
        assert!(q(&fake) < q(&honest16));
        // Lossless is still never refused for bitrate.
        assert!(!below_min_bitrate(&format_of(&fake, None), &fake, &prefs));
    }

    #[test]
    fn quality_orders_formats() {
        let prefs = Preferences::default();
        let flac = cand(Some("flac"), None);
        let mp3 = cand(Some("mp3"), Some(320));
        let ogg = cand(Some("ogg"), Some(320));
        let q = |c: &Candidate| quality_score(&format_of(c, None), c, &prefs);
        assert!(q(&flac) > q(&mp3) && q(&mp3) > q(&ogg));
        let f = |c: &Candidate| format_rank(&format_of(c, None), &prefs);
        assert_eq!((f(&flac), f(&mp3), f(&ogg)), (0, 1, 2));
    }

    #[test]
    fn peer_prefers_free_slots() {
        let free = Candidate {
            has_free_upload_slot: Some(true),
            queue_length: Some(0),
            upload_speed: Some(100_000),
            ..Candidate::default()
        };
        let busy = Candidate {
            has_free_upload_slot: Some(false),
            queue_length: Some(0),
            upload_speed: Some(5_000_000),
            ..Candidate::default()
        };
        assert!(peer_score(&free) > peer_score(&busy));
        let p = peer_score(&Candidate::default());
        assert!((0.0..=1.0).contains(&p));
    }
}
