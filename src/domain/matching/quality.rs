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

/// Lossy with a known bitrate under the minimum.
pub(crate) fn below_min_bitrate(
    format: &Format,
    candidate: &Candidate,
    prefs: &Preferences,
) -> bool {
    !format.lossless
        && candidate
            .bitrate
            .is_some_and(|b| b > 0 && b < prefs.min_bitrate)
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
    let bitrate_part = if format.lossless {
        1.0
    } else {
        match candidate.bitrate {
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
        let depth = u64::from(candidate.bit_depth.unwrap_or(16).min(64));
        let rate = u64::from(candidate.sample_rate.unwrap_or(44_100).min(1_000_000));
        (1 << 40) | (depth << 24) | rate
    } else {
        u64::from(
            candidate
                .bitrate
                .filter(|b| *b > 0)
                .unwrap_or(prefs.min_bitrate),
        )
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
