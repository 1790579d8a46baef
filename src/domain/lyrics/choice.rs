//! Which LRCLIB answer to use: candidates outside the duration window are
//! not the same recording; synced lyrics beat plain ones, which beat an
//! `instrumental` mark; synced lyrics that fail validation fall back to
//! their words.

use super::{parse, plain_text, validate, LrcLine};

/// LRCLIB's own `/api/get` tolerance, applied to `/api/search` results.
pub const DURATION_WINDOW_MS: u64 = 2000;

/// One provider record, reduced to what the choice needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LyricsCandidate {
    pub duration_ms: Option<u64>,
    pub instrumental: bool,
    pub plain: Option<String>,
    pub synced: Option<String>,
}

/// What will be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Valid timed lines: a `.lrc` sidecar, their words embedded.
    Synced(Vec<LrcLine>),
    /// Words only: a `.txt` sidecar, embedded as they are.
    Plain(String),
    Instrumental,
}

impl Found {
    fn rank(&self) -> u8 {
        match self {
            Found::Synced(_) => 0,
            Found::Plain(_) => 1,
            Found::Instrumental => 2,
        }
    }
}

/// Within ±[`DURATION_WINDOW_MS`] of the track. With the track's duration
/// unknown every candidate passes; a candidate without one cannot be checked
/// and does not.
pub fn within_window(candidate: &LyricsCandidate, duration_ms: Option<u64>) -> bool {
    match (duration_ms, candidate.duration_ms) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(track), Some(c)) => track.abs_diff(c) <= DURATION_WINDOW_MS,
    }
}

/// What one record offers for a track of `duration_ms`, if anything.
pub fn evaluate(candidate: &LyricsCandidate, duration_ms: Option<u64>) -> Option<Found> {
    if candidate.instrumental {
        return Some(Found::Instrumental);
    }
    let synced = candidate
        .synced
        .as_deref()
        .map(parse)
        .filter(|lines| !lines.is_empty());
    if let Some(lines) = &synced {
        if validate(lines, duration_ms).is_ok() {
            return synced.map(Found::Synced);
        }
    }
    let plain = candidate
        .plain
        .as_deref()
        .map(normalise_plain)
        .filter(|p| !p.is_empty())
        .or_else(|| synced.map(|l| plain_text(&l)).filter(|p| !p.is_empty()));
    plain.map(Found::Plain)
}

/// The best of several records: inside the window, by kind, then closest
/// in duration; the earlier record wins a tie (the provider's order).
pub fn choose(candidates: &[LyricsCandidate], duration_ms: Option<u64>) -> Option<Found> {
    candidates
        .iter()
        .filter(|c| within_window(c, duration_ms))
        .filter_map(|c| {
            let distance = match (duration_ms, c.duration_ms) {
                (Some(t), Some(d)) => t.abs_diff(d),
                _ => 0,
            };
            evaluate(c, duration_ms).map(|found| (found.rank(), distance, found))
        })
        .min_by_key(|(rank, distance, _)| (*rank, *distance))
        .map(|(_, _, found)| found)
}

/// `\n` line ends, each line trimmed at the end, no blank lines around.
fn normalise_plain(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(duration_s: Option<u64>, synced: Option<&str>, plain: Option<&str>) -> LyricsCandidate {
        LyricsCandidate {
            duration_ms: duration_s.map(|s| s * 1000),
            instrumental: false,
            plain: plain.map(Into::into),
            synced: synced.map(Into::into),
        }
    }

    const SYNCED: &str = "[00:01.00]one\n[00:02.50]two\n";

    #[test]
    fn window_is_two_seconds_either_way() {
        let track = Some(200_000);
        assert!(within_window(&c(Some(202), None, None), track));
        assert!(within_window(&c(Some(198), None, None), track));
        assert!(!within_window(&c(Some(203), None, None), track));
        assert!(!within_window(&c(None, None, None), track));
        assert!(within_window(&c(None, None, None), None));
    }

    #[test]
    fn synced_beats_plain_beats_instrumental_then_closest() {
        let instrumental = LyricsCandidate {
            instrumental: true,
            duration_ms: Some(200_000),
            ..LyricsCandidate::default()
        };
        let plain = c(Some(200), None, Some("words"));
        let far_synced = c(Some(202), Some("[00:01.00]far\n"), None);
        let near_synced = c(Some(201), Some("[00:01.00]near\n"), None);
        let out_of_window = c(Some(230), Some("[00:01.00]other song\n"), None);
        let all = [
            instrumental.clone(),
            plain.clone(),
            out_of_window,
            far_synced,
            near_synced,
        ];
        match choose(&all, Some(200_000)) {
            Some(Found::Synced(lines)) => assert_eq!(lines[0].text, "near"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            choose(&[instrumental.clone(), plain], Some(200_000)),
            Some(Found::Plain("words".into()))
        );
        assert_eq!(
            choose(&[instrumental], Some(200_000)),
            Some(Found::Instrumental)
        );
        assert_eq!(choose(&[], Some(200_000)), None);
    }

    #[test]
    fn invalid_synced_lyrics_fall_back_to_words() {
        // Backwards timestamps: not usable as synced lyrics.
        let backwards = c(Some(10), Some("[00:05.00]b\n[00:01.00]a\n"), None);
        assert_eq!(
            evaluate(&backwards, Some(10_000)),
            Some(Found::Plain("b\na".into()))
        );
        // A last line far past the end of the track, with plain lyrics given.
        let too_long = c(Some(10), Some("[05:00.00]late\n"), Some("late\r\n"));
        assert_eq!(
            evaluate(&too_long, Some(10_000)),
            Some(Found::Plain("late".into()))
        );
        assert!(matches!(
            evaluate(&c(Some(10), Some(SYNCED), None), Some(10_000)),
            Some(Found::Synced(_))
        ));
        assert_eq!(
            evaluate(&c(Some(10), Some("no tags"), Some("  ")), None),
            None
        );
    }
}
