//! Track durations as people and exports write them: `m:ss`, `h:mm:ss`, or a
//! plain number of milliseconds.

/// Longest believable track: 24 hours.
pub const MAX_DURATION_MS: u64 = 24 * 3600 * 1000;

/// `"3:45"` → 225 000, `"1:02:03"` → 3 723 000, `"225000"` → 225 000 (digits
/// alone are milliseconds). Fields after the first need exactly two digits
/// below 60; zero and anything over 24 hours are `None`. Surrounding
/// whitespace is ignored.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let mut fields = text.split(':');
    let lead = digits_value(fields.next()?)?;
    let mut total = lead;
    let mut count = 1;
    for field in fields {
        count += 1;
        if count > 3 || field.len() != 2 {
            return None;
        }
        let value = digits_value(field)?;
        if value >= 60 {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(value)?;
    }
    let ms = if count == 1 {
        total
    } else {
        total.checked_mul(1000)?
    };
    valid_ms(ms)
}

/// A number of milliseconds written as digits only (CSV `duration_ms`
/// columns): positive and at most 24 hours.
pub fn parse_millis(text: &str) -> Option<u64> {
    valid_ms(digits_value(text.trim())?)
}

/// `Some(ms)` when `ms` is a believable duration.
pub fn valid_ms(ms: u64) -> Option<u64> {
    (ms > 0 && ms <= MAX_DURATION_MS).then_some(ms)
}

/// Whether a `|` segment of a text line is meant as a duration (so a bad
/// one is reported instead of becoming the album): digits and colons with
/// at least one colon, or a bare number of five digits or more. Shorter bare
/// numbers are album names (`Prince - 1999 | 1999`): no track lasts under
/// ten seconds.
pub fn looks_like_duration(segment: &str) -> bool {
    let segment = segment.trim();
    let only_digits_and_colons = segment.bytes().all(|b| b.is_ascii_digit() || b == b':');
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    only_digits_and_colons && digits > 0 && (segment.contains(':') || digits >= 5)
}

/// The seconds of an M3U `#EXTINF:<secs>` field (`-1` means unknown), as
/// milliseconds; fractions such as `225.5` are kept to the millisecond.
pub fn parse_extinf_seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (text, ""),
    };
    let seconds = digits_value(whole)?;
    let mut ms: u64 = 0;
    let mut scale = 100;
    for b in fraction.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        ms += u64::from(b - b'0') * scale;
        scale /= 10;
    }
    valid_ms(seconds.checked_mul(1000)?.checked_add(ms)?)
}

/// The value of a non-empty run of ASCII digits (no sign, no spaces).
fn digits_value(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_and_seconds() {
        assert_eq!(parse_duration("3:45"), Some(225_000));
        assert_eq!(parse_duration(" 03:45 "), Some(225_000));
        assert_eq!(parse_duration("0:01"), Some(1_000));
        assert_eq!(parse_duration("75:00"), Some(4_500_000));
        assert_eq!(parse_duration("3:75"), None);
        assert_eq!(parse_duration("3:5"), None);
        assert_eq!(parse_duration("3:456"), None);
        assert_eq!(parse_duration(":45"), None);
        assert_eq!(parse_duration("3:"), None);
    }

    #[test]
    fn hours_minutes_seconds() {
        assert_eq!(parse_duration("1:02:03"), Some(3_723_000));
        assert_eq!(parse_duration("24:00:00"), Some(MAX_DURATION_MS));
        assert_eq!(parse_duration("24:00:01"), None);
        assert_eq!(parse_duration("1:60:00"), None);
        assert_eq!(parse_duration("1:00:60"), None);
        assert_eq!(parse_duration("1:2:03"), None);
        assert_eq!(parse_duration("1:02:03:04"), None);
    }

    #[test]
    fn digits_are_milliseconds() {
        assert_eq!(parse_duration("225000"), Some(225_000));
        assert_eq!(parse_duration("\t225000\n"), Some(225_000));
        assert_eq!(parse_duration("86400000"), Some(MAX_DURATION_MS));
        assert_eq!(parse_duration("86400001"), None);
        assert_eq!(parse_duration("99999999999999999999999"), None);
    }

    #[test]
    fn rejects_zero_and_garbage() {
        for text in [
            "", " ", "0", "0:00", "00:00:00", "-3:45", "+3:45", "3.45", "3:4５", "abc", "3 :45",
            "٣:٤٥",
        ] {
            assert_eq!(parse_duration(text), None, "{text:?}");
        }
    }

    #[test]
    fn milliseconds_only() {
        assert_eq!(parse_millis(" 225000 "), Some(225_000));
        assert_eq!(parse_millis("3:45"), None);
        assert_eq!(parse_millis("0"), None);
        assert_eq!(parse_millis(""), None);
    }

    #[test]
    fn duration_like_segments() {
        assert!(looks_like_duration("3:45"));
        assert!(looks_like_duration("3:75"));
        assert!(looks_like_duration("0:00"));
        assert!(looks_like_duration("225000"));
        assert!(looks_like_duration("12345"));
        assert!(!looks_like_duration("1999"));
        assert!(!looks_like_duration("Discovery"));
        assert!(!looks_like_duration(":"));
        assert!(!looks_like_duration("3:45 min"));
    }

    #[test]
    fn extinf_seconds() {
        assert_eq!(parse_extinf_seconds("225"), Some(225_000));
        assert_eq!(parse_extinf_seconds("225.5"), Some(225_500));
        assert_eq!(parse_extinf_seconds("1.2345"), Some(1_234));
        assert_eq!(parse_extinf_seconds("-1"), None);
        assert_eq!(parse_extinf_seconds("0"), None);
        assert_eq!(parse_extinf_seconds("abc"), None);
        assert_eq!(parse_extinf_seconds("1.x"), None);
        assert_eq!(parse_extinf_seconds("100000"), None);
    }
}
