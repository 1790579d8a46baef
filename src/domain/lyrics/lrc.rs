//! LRC parsing.
//!
//! Accepted time tags: `[m:ss]`, `[mm:ss]`, `[mm:ss.x]` (tenths), `[mm:ss.xx]` (hundredths),
//! `[mm:ss.xxx]` (milliseconds); `,` or `:` are accepted in place of the `.`; minutes may have
//! more than two digits. Seconds must be below 60.
//!
//! - A line may start with several time tags (`[00:10.00][01:10.00]Chorus`): one entry per tag.
//!   Files written that way ("compressed" LRC) are not in chronological order by design, so
//!   when any line carries more than one tag the result is sorted by time (stable). Otherwise
//!   the file order is kept, so that [`super::validate`] can reject files whose timestamps go
//!   backwards.
//! - ID tags (`[ar:…]`, `[ti:…]`, `[length:…]`, `[by:…]`, …) and lines without a time tag are
//!   skipped. `[offset:±ms]` is applied to every line: a positive offset makes lyrics appear
//!   sooner (LRC convention), times are clamped at 0.
//! - The text after the time tags is trimmed; empty texts are kept (timed breaks).
//! - A UTF-8 BOM and `\r\n` / `\r` line endings are accepted.

use super::LrcLine;

/// Parses LRC text into timed lines (see the module documentation for the rules).
/// Text without any time tag gives an empty list.
pub fn parse(text: &str) -> Vec<LrcLine> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut offset_ms: i64 = 0;
    let mut compressed = false;

    for raw in text.split(['\n', '\r']) {
        let mut rest = raw.trim();
        let mut stamps: Vec<u64> = Vec::new();
        let mut metadata_line = false;

        while let Some(after_open) = rest.strip_prefix('[') {
            let Some(close) = after_open.find(']') else {
                break;
            };
            let inner = &after_open[..close];
            if let Some(ms) = parse_time_tag(inner) {
                stamps.push(ms);
                rest = after_open[close + 1..].trim_start();
                continue;
            }
            if stamps.is_empty() {
                // An ID tag (or any other bracketed text) at the start of a line.
                metadata_line = true;
                if let Some(value) = id_tag_value(inner, "offset") {
                    if let Ok(v) = value.trim().parse::<i64>() {
                        offset_ms = v;
                    }
                }
            }
            // After time tags, a non-time bracket belongs to the text.
            break;
        }

        if metadata_line || stamps.is_empty() {
            continue;
        }
        compressed |= stamps.len() > 1;
        let text = rest.trim();
        for at_ms in stamps {
            out.push(LrcLine {
                at_ms,
                text: text.to_string(),
            });
        }
    }

    if offset_ms != 0 {
        for line in &mut out {
            line.at_ms = shift(line.at_ms, offset_ms);
        }
    }
    if compressed {
        out.sort_by_key(|l| l.at_ms);
    }
    out
}

/// `at - offset`, clamped to `0..=u64::MAX`.
fn shift(at_ms: u64, offset_ms: i64) -> u64 {
    if offset_ms >= 0 {
        at_ms.saturating_sub(offset_ms.unsigned_abs())
    } else {
        at_ms.saturating_add(offset_ms.unsigned_abs())
    }
}

/// The value of an ID tag like `offset:+250` when its key matches (case-insensitive).
fn id_tag_value<'a>(inner: &'a str, key: &str) -> Option<&'a str> {
    let (k, v) = inner.split_once(':')?;
    k.trim().eq_ignore_ascii_case(key).then_some(v)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses the inside of a time tag (`mm:ss.xx` etc.) into milliseconds.
fn parse_time_tag(inner: &str) -> Option<u64> {
    let (minutes, rest) = inner.split_once(':')?;
    if !all_digits(minutes) || minutes.len() > 6 {
        return None;
    }
    let (seconds, fraction) = match rest.find(['.', ',', ':']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if !all_digits(seconds) || seconds.len() > 2 {
        return None;
    }
    let minutes: u64 = minutes.parse().ok()?;
    let seconds: u64 = seconds.parse().ok()?;
    if seconds >= 60 {
        return None;
    }
    let fraction_ms = match fraction {
        None => 0,
        Some(f) if all_digits(f) && f.len() <= 3 => {
            let v: u64 = f.parse().ok()?;
            match f.len() {
                1 => v * 100,
                2 => v * 10,
                _ => v,
            }
        }
        Some(_) => return None,
    };
    Some(minutes * 60_000 + seconds * 1000 + fraction_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(at_ms: u64, text: &str) -> LrcLine {
        LrcLine {
            at_ms,
            text: text.to_string(),
        }
    }

    #[test]
    fn time_tag_forms() {
        assert_eq!(parse_time_tag("1:05"), Some(65_000));
        assert_eq!(parse_time_tag("01:05"), Some(65_000));
        assert_eq!(parse_time_tag("00:12.5"), Some(12_500));
        assert_eq!(parse_time_tag("00:12.50"), Some(12_500));
        assert_eq!(parse_time_tag("00:12.05"), Some(12_050));
        assert_eq!(
            parse_time_tag("00:12.345"),
            Some(12_345),
            "three digits are ms"
        );
        assert_eq!(parse_time_tag("00:12:34"), Some(12_340));
        assert_eq!(parse_time_tag("00:12,34"), Some(12_340));
        assert_eq!(parse_time_tag("123:00.00"), Some(7_380_000));
    }

    #[test]
    fn invalid_time_tags() {
        for bad in [
            "",
            ":",
            "ar:Artist",
            "00:60.00",
            "00:5x",
            "00:12.3456",
            "00:12.",
            "-1:00",
            "00:123",
            "00",
            "a:00",
            "00:12.3a",
            "1234567:00",
        ] {
            assert_eq!(parse_time_tag(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn simple_file() {
        let text =
            "[ti:Song]\n[ar:Someone]\n[00:01.00]First\n[00:02.50] Second line \n[00:04.123]Third";
        assert_eq!(
            parse(text),
            vec![
                line(1000, "First"),
                line(2500, "Second line"),
                line(4123, "Third")
            ]
        );
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        let text = "\u{feff}[00:01.00]One\r\n\r\n[00:02.00]\r\n[00:03.00]Three\r";
        assert_eq!(
            parse(text),
            vec![line(1000, "One"), line(2000, ""), line(3000, "Three")]
        );
    }

    #[test]
    fn multiple_time_tags_make_one_entry_each_sorted() {
        let text = "[00:10.00][01:10.00]Chorus\n[00:20.00]Verse\n[00:30.00] [00:40.00] Bridge";
        assert_eq!(
            parse(text),
            vec![
                line(10_000, "Chorus"),
                line(20_000, "Verse"),
                line(30_000, "Bridge"),
                line(40_000, "Bridge"),
                line(70_000, "Chorus"),
            ]
        );
    }

    #[test]
    fn single_tag_files_keep_file_order() {
        let text = "[00:20.00]B\n[00:10.00]A";
        assert_eq!(parse(text), vec![line(20_000, "B"), line(10_000, "A")]);
    }

    #[test]
    fn metadata_tags_skipped() {
        let text = "[ar:A]\n[al:B]\n[by:me]\n[length:03:20]\n[re:tool]\n[ve:1]\n[00:01.00]x";
        assert_eq!(parse(text), vec![line(1000, "x")]);
    }

    #[test]
    fn bracket_text_after_time_tag_is_text() {
        assert_eq!(
            parse("[00:01.00][Chorus] la la"),
            vec![line(1000, "[Chorus] la la")]
        );
    }

    #[test]
    fn positive_offset_makes_lines_sooner() {
        let text = "[offset:+500]\n[00:01.00]a\n[00:00.20]b";
        assert_eq!(parse(text), vec![line(500, "a"), line(0, "b")]);
    }

    #[test]
    fn negative_offset_delays_and_offset_may_come_last() {
        let text = "[00:01.00]a\n[offset:-250]";
        assert_eq!(parse(text), vec![line(1250, "a")]);
    }

    #[test]
    fn malformed_offset_ignored() {
        assert_eq!(parse("[offset:soon]\n[00:01.00]a"), vec![line(1000, "a")]);
    }

    #[test]
    fn plain_text_gives_nothing() {
        assert!(parse("just some words\nno timestamps").is_empty());
        assert!(parse("").is_empty());
        assert!(parse("[00:01.00").is_empty());
    }
}
