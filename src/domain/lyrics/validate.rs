//! Sanity checks for parsed synced lyrics.

use super::LrcLine;

/// How far past the known track duration the last line may start.
pub const END_SLACK_MS: u64 = 1000;

/// Why synced lyrics were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LyricsProblem {
    #[error("no lyric lines")]
    Empty,
    #[error("line {index} at {at_ms} ms comes before the previous line at {previous_ms} ms")]
    OutOfOrder {
        index: usize,
        at_ms: u64,
        previous_ms: u64,
    },
    #[error("line at {at_ms} ms starts after the end of the track ({duration_ms} ms)")]
    PastEnd { at_ms: u64, duration_ms: u64 },
}

/// Checks parsed lines: at least one line with text, timestamps non-decreasing in the order
/// given, and (when the duration is known) the last timestamp at most
/// `duration_ms + END_SLACK_MS`.
pub fn validate(lines: &[LrcLine], duration_ms: Option<u64>) -> Result<(), LyricsProblem> {
    if lines.iter().all(|l| l.text.trim().is_empty()) {
        return Err(LyricsProblem::Empty);
    }
    for (index, pair) in lines.windows(2).enumerate() {
        if pair[1].at_ms < pair[0].at_ms {
            return Err(LyricsProblem::OutOfOrder {
                index: index + 1,
                at_ms: pair[1].at_ms,
                previous_ms: pair[0].at_ms,
            });
        }
    }
    if let (Some(duration_ms), Some(last)) = (duration_ms, lines.last()) {
        if last.at_ms > duration_ms.saturating_add(END_SLACK_MS) {
            return Err(LyricsProblem::PastEnd {
                at_ms: last.at_ms,
                duration_ms,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(at_ms: u64, text: &str) -> LrcLine {
        LrcLine {
            at_ms,
            text: text.into(),
        }
    }

    #[test]
    fn empty_and_blank_only() {
        assert_eq!(validate(&[], None), Err(LyricsProblem::Empty));
        assert_eq!(
            validate(&[l(0, ""), l(1000, "  ")], Some(10_000)),
            Err(LyricsProblem::Empty)
        );
    }

    #[test]
    fn ordered_file_passes() {
        let lines = [l(0, "a"), l(1000, ""), l(1000, "b"), l(5000, "c")];
        assert_eq!(validate(&lines, None), Ok(()));
        assert_eq!(validate(&lines, Some(5000)), Ok(()));
    }

    #[test]
    fn backwards_timestamp_is_reported() {
        let lines = [l(0, "a"), l(3000, "b"), l(2000, "c")];
        assert_eq!(
            validate(&lines, None),
            Err(LyricsProblem::OutOfOrder {
                index: 2,
                at_ms: 2000,
                previous_ms: 3000
            })
        );
    }

    #[test]
    fn duration_with_one_second_slack() {
        let lines = [l(0, "a"), l(11_000, "b")];
        assert_eq!(validate(&lines, Some(10_000)), Ok(()));
        assert_eq!(
            validate(&lines, Some(9_999)),
            Err(LyricsProblem::PastEnd {
                at_ms: 11_000,
                duration_ms: 9_999
            })
        );
        assert_eq!(validate(&lines, None), Ok(()));
    }

    #[test]
    fn problems_have_messages() {
        assert_eq!(LyricsProblem::Empty.to_string(), "no lyric lines");
    }
}
