//! The original's scorer (Harmony @ 9dafb5b, `calculate_slskd_match_confidence`,
//! `matching-and-naming.md` §6.2–6.3), ported for comparison.
//!
//! ```text
//! confidence    = round(0.6·ratio(title, filename) + 0.2·ratio(artist, username)
//!                       + 0.2·bitrate_score, 4)
//! ratio(a, b)   = difflib.SequenceMatcher(None, norm(a), norm(b)).ratio(),
//!                 0.0 when either side normalises to ""
//! norm          = NFKD, non-ASCII dropped, lower case, runs of [^a-z0-9] → " ", trimmed
//! bitrate_score = 1.0 if bitrate ≥ 256 else 0.5 (a missing bitrate counts as 0)
//! ```
//! Python's autojunk rule and tie-breaking are reproduced. It keeps
//! candidates with confidence ≥ 0.65 and picks the highest (the first of
//! equals), else abstains.

use harmony::domain::matching::{Candidate, TrackQuery};
use unicode_normalization::UnicodeNormalization;

/// Candidates at or above this are kept.
pub const THRESHOLD: f64 = 0.65;

/// The original's `_normalize`.
pub fn norm(s: &str) -> String {
    let ascii: String = s.nfkd().filter(char::is_ascii).collect();
    let lower = ascii.to_ascii_lowercase();
    let mut out = String::with_capacity(lower.len());
    let mut gap = false;
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// The original's similarity: difflib ratio of the normalised texts, 0.0
/// when either is empty. Not symmetric: `a` is the wanted side.
pub fn ratio(a: &str, b: &str) -> f64 {
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let matches = matching_characters(a.as_bytes(), b.as_bytes());
    2.0 * matches as f64 / (a.len() + b.len()) as f64
}

/// Sum of the sizes of difflib's matching blocks (`get_matching_blocks`).
fn matching_characters(a: &[u8], b: &[u8]) -> usize {
    // b2j: positions of each byte in b; with autojunk, bytes more frequent
    // than 1 % (+1) of a b of 200 or more are "popular" and left out.
    let mut b2j: Vec<Vec<usize>> = vec![Vec::new(); 256];
    for (j, &c) in b.iter().enumerate() {
        b2j[c as usize].push(j);
    }
    if b.len() >= 200 {
        let ntest = b.len() / 100 + 1;
        for positions in &mut b2j {
            if positions.len() > ntest {
                positions.clear();
            }
        }
    }
    let mut total = 0;
    let mut queue = vec![(0, a.len(), 0, b.len())];
    while let Some((alo, ahi, blo, bhi)) = queue.pop() {
        let (i, j, k) = longest_match(a, b, &b2j, alo, ahi, blo, bhi);
        if k > 0 {
            total += k;
            if alo < i && blo < j {
                queue.push((alo, i, blo, j));
            }
            if i + k < ahi && j + k < bhi {
                queue.push((i + k, ahi, j + k, bhi));
            }
        }
    }
    total
}

/// difflib's `find_longest_match` without a junk function: the longest
/// common block, earliest in `a`, then earliest in `b`; then extended over
/// equal (popular) neighbours as difflib does.
#[allow(clippy::too_many_arguments)]
fn longest_match(
    a: &[u8],
    b: &[u8],
    b2j: &[Vec<usize>],
    alo: usize,
    ahi: usize,
    blo: usize,
    bhi: usize,
) -> (usize, usize, usize) {
    let (mut besti, mut bestj, mut bestsize) = (alo, blo, 0);
    // j2len[j + 1] = length of the match ending at a[i - 1], b[j].
    let mut j2len: Vec<usize> = vec![0; b.len() + 1];
    let mut touched: Vec<usize> = Vec::new();
    let mut new_j2len: Vec<usize> = vec![0; b.len() + 1];
    let mut new_touched: Vec<usize> = Vec::new();
    for (i, &ai) in a.iter().enumerate().take(ahi).skip(alo) {
        for &j in &b2j[ai as usize] {
            if j < blo {
                continue;
            }
            if j >= bhi {
                break;
            }
            let k = j2len[j] + 1;
            new_j2len[j + 1] = k;
            new_touched.push(j + 1);
            if k > bestsize {
                besti = i + 1 - k;
                bestj = j + 1 - k;
                bestsize = k;
            }
        }
        for &t in &touched {
            j2len[t] = 0;
        }
        std::mem::swap(&mut j2len, &mut new_j2len);
        std::mem::swap(&mut touched, &mut new_touched);
        new_touched.clear();
    }
    while besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1] {
        besti -= 1;
        bestj -= 1;
        bestsize += 1;
    }
    while besti + bestsize < ahi
        && bestj + bestsize < bhi
        && a[besti + bestsize] == b[bestj + bestsize]
    {
        bestsize += 1;
    }
    (besti, bestj, bestsize)
}

/// Python's `round(x, 4)` (correctly rounded decimal).
fn round4(x: f64) -> f64 {
    format!("{x:.4}").parse().unwrap_or(x)
}

/// The original's confidence for one candidate.
pub fn confidence(title: &str, artist: &str, candidate: &Candidate) -> f64 {
    let title_score = ratio(title, &candidate.filename);
    let artist_score = ratio(artist, &candidate.username);
    let bitrate_score = if candidate.bitrate.unwrap_or(0) >= 256 {
        1.0
    } else {
        0.5
    };
    round4(0.6 * title_score + 0.2 * artist_score + 0.2 * bitrate_score)
}

/// The original's choice: the highest confidence at or above the threshold
/// (the first of equals), or None.
pub fn pick(track: &TrackQuery, candidates: &[Candidate]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, c) in candidates.iter().enumerate() {
        let s = confidence(&track.title, &track.artist, c);
        if s >= THRESHOLD && best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

/// The reference values of `matching-and-naming.md` §6.3 and §6.2.
pub fn check_reference_values() -> Result<(), String> {
    let cand = |filename: &str, user: &str, bitrate: u32| Candidate {
        username: user.into(),
        filename: filename.into(),
        bitrate: Some(bitrate),
        ..Candidate::default()
    };
    let cases = [
        (cand("One More Time.flac", "user-1", 1000), 0.7299),
        (
            cand(
                r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac",
                "daftfan",
                0,
            ),
            0.4614,
        ),
        (
            cand("Daft Punk - One More Time.mp3", "Daft Punk", 320),
            0.79,
        ),
        (cand("One More Time", "x", 128), 0.7),
    ];
    for (c, expected) in cases {
        let got = confidence("One More Time", "Daft Punk", &c);
        if (got - expected).abs() > 1e-9 {
            return Err(format!("{}: {got} != {expected}", c.filename));
        }
    }
    // difflib is not symmetric (§6.2), on raw strings.
    let raw = |a: &str, b: &str| {
        2.0 * matching_characters(a.as_bytes(), b.as_bytes()) as f64 / (a.len() + b.len()) as f64
    };
    let (ab, ba) = (raw("aa ", "ab ab a"), raw("ab ab a", "aa "));
    if (ab - 0.6).abs() > 1e-9 || (ba - 0.4).abs() > 1e-9 {
        return Err(format!("asymmetry: {ab} / {ba}"));
    }
    Ok(())
}
