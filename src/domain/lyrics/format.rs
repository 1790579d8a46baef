//! Writing LRC files and unsynced text.

use super::{LrcHeader, LrcLine};

/// `mm:ss.xx` for a time in milliseconds, rounded to the nearest hundredth (half up).
///
/// Rounding happens on the whole value, so 59 999 ms is `01:00.00` (never `00:60.00`).
/// Minutes have at least two digits and grow beyond 99.
pub fn format_timestamp(ms: u64) -> String {
    let centis = ms.saturating_add(5) / 10;
    let minutes = centis / 6000;
    let seconds = (centis % 6000) / 100;
    let hundredths = centis % 100;
    format!("{minutes:02}:{seconds:02}.{hundredths:02}")
}

/// Length tag value `mm:ss`, rounded to the nearest second (half up).
fn format_length(ms: u64) -> String {
    let secs = ms.saturating_add(500) / 1000;
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

/// Line breaks inside a value would start a new LRC line.
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ").trim().to_string()
}

/// A normalised `.lrc` file: `[ti:]`, `[ar:]`, `[al:]` (each only when known),
/// `[length:mm:ss]` (when known), then one `[mm:ss.xx]text` line per entry in the given order;
/// `\n` separators and a trailing newline. An empty header and no lines give `""`.
pub fn format_lrc(header: &LrcHeader, lines: &[LrcLine]) -> String {
    let mut out = String::new();
    let mut push = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    let tags = [
        ("ti", Some(header.title.as_str())),
        ("ar", Some(header.artist.as_str())),
        ("al", header.album.as_deref()),
    ];
    for (key, value) in tags {
        if let Some(value) = value.map(one_line).filter(|v| !v.is_empty()) {
            push(format!("[{key}:{value}]"));
        }
    }
    if let Some(length) = header.length_ms {
        push(format!("[length:{}]", format_length(length)));
    }
    for line in lines {
        push(format!(
            "[{}]{}",
            format_timestamp(line.at_ms),
            one_line(&line.text)
        ));
    }
    out
}

/// The words without timing, for embedding as unsynced lyrics: each text trimmed, runs of
/// blank lines collapsed to one, no blank lines at the start or end, `\n` separators and no
/// trailing newline.
pub fn plain_text(lines: &[LrcLine]) -> String {
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for line in lines {
        let text = line.text.trim();
        if text.is_empty() && out.last().is_none_or(|prev| prev.is_empty()) {
            continue;
        }
        out.push(text);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn l(at_ms: u64, text: &str) -> LrcLine {
        LrcLine {
            at_ms,
            text: text.into(),
        }
    }

    #[test]
    fn timestamp_rounding() {
        assert_eq!(format_timestamp(0), "00:00.00");
        assert_eq!(format_timestamp(4), "00:00.00");
        assert_eq!(format_timestamp(5), "00:00.01");
        assert_eq!(format_timestamp(12_345), "00:12.35");
        assert_eq!(format_timestamp(12_344), "00:12.34");
        assert_eq!(format_timestamp(59_994), "00:59.99");
        assert_eq!(format_timestamp(59_995), "01:00.00");
        assert_eq!(format_timestamp(59_999), "01:00.00");
        assert_eq!(format_timestamp(3_599_999), "60:00.00");
        assert_eq!(format_timestamp(6_000_000), "100:00.00");
    }

    #[test]
    fn length_rounding() {
        assert_eq!(format_length(320_357), "05:20");
        assert_eq!(format_length(59_500), "01:00");
        assert_eq!(format_length(59_499), "00:59");
    }

    #[test]
    fn full_file() {
        let header = LrcHeader {
            title: "One More Time".into(),
            artist: "Daft Punk".into(),
            album: Some("Discovery".into()),
            length_ms: Some(320_357),
        };
        let lines = [
            l(0, "One more time"),
            l(59_999, ""),
            l(61_005, "We're gonna celebrate"),
        ];
        assert_eq!(
            format_lrc(&header, &lines),
            "[ti:One More Time]\n[ar:Daft Punk]\n[al:Discovery]\n[length:05:20]\n\
             [00:00.00]One more time\n[01:00.00]\n[01:01.01]We're gonna celebrate\n"
        );
    }

    #[test]
    fn unknown_header_fields_are_left_out() {
        let header = LrcHeader {
            title: "T".into(),
            artist: " ".into(),
            album: None,
            length_ms: None,
        };
        assert_eq!(
            format_lrc(&header, &[l(1000, "x")]),
            "[ti:T]\n[00:01.00]x\n"
        );
        assert_eq!(format_lrc(&LrcHeader::default(), &[]), "");
    }

    #[test]
    fn line_breaks_in_values_are_flattened() {
        let header = LrcHeader {
            title: "a\nb".into(),
            ..LrcHeader::default()
        };
        assert_eq!(
            format_lrc(&header, &[l(0, "x\r\ny")]),
            "[ti:a b]\n[00:00.00]x  y\n"
        );
    }

    #[test]
    fn round_trip_through_parse() {
        let lines = vec![l(1_230, "a"), l(61_000, "b"), l(6_000_010, "c")];
        let text = format_lrc(&LrcHeader::default(), &lines);
        assert_eq!(parse(&text), lines);
    }

    #[test]
    fn plain_text_collapses_breaks() {
        let lines = [
            l(0, ""),
            l(1, " Verse one "),
            l(2, "line two"),
            l(3, ""),
            l(4, ""),
            l(5, "Chorus"),
            l(6, ""),
        ];
        assert_eq!(plain_text(&lines), "Verse one\nline two\n\nChorus");
        assert_eq!(plain_text(&[]), "");
    }
}
