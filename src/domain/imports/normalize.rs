//! The clean-up every imported text field goes through: invisible characters
//! out, Unicode NFC, whitespace collapsed to single spaces, trimmed; plus
//! the length check and the truncation of echoed inputs.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::{SkipReason, MAX_FIELD_CHARS, MAX_INPUT_CHARS};

/// Characters that render as nothing and only get in the way of matching:
/// zero-width space/non-joiner/joiner, word joiner, BOM, and the bidi marks
/// and embeddings/isolates.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// NFC, control and zero-width characters removed, whitespace (including
/// tabs and line breaks) collapsed to single spaces, trimmed.
pub fn normalize_text(text: &str) -> String {
    if text.is_ascii() {
        // NFC is the identity on ASCII: one pass is enough.
        return collapse(
            text.chars()
                .filter(|c| c.is_whitespace() || !c.is_ascii_control()),
        );
    }
    // Drop invisible characters first so that NFC sees the real neighbours
    // (`e` + ZWSP + combining acute becomes `é`); whitespace controls such as
    // tab count as whitespace, other controls are dropped.
    let filtered: String = text
        .chars()
        .filter(|&c| c.is_whitespace() || !(c.is_control() || is_invisible(c)))
        .collect();
    let composed: String = match is_nfc_quick(filtered.chars()) {
        IsNormalized::Yes => filtered,
        _ => filtered.nfc().collect(),
    };
    collapse(composed.chars())
}

/// Whitespace runs as single spaces, none at either end.
fn collapse(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in chars {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// A normalised optional field: `Ok(None)` when empty, `TooLong` over
/// [`MAX_FIELD_CHARS`] characters.
pub fn optional_field(text: &str) -> Result<Option<String>, SkipReason> {
    let text = normalize_text(text);
    if text.is_empty() {
        Ok(None)
    } else {
        check_length(text).map(Some)
    }
}

/// A normalised required field: `missing` when empty, `TooLong` over
/// [`MAX_FIELD_CHARS`] characters.
pub fn required_field(text: &str, missing: SkipReason) -> Result<String, SkipReason> {
    optional_field(text)?.ok_or(missing)
}

/// `TooLong` when an already normalised field is over [`MAX_FIELD_CHARS`].
pub fn check_length(text: String) -> Result<String, SkipReason> {
    if text.chars().nth(MAX_FIELD_CHARS).is_some() {
        Err(SkipReason::TooLong)
    } else {
        Ok(text)
    }
}

/// At most `max` characters of `text`, cut at a character boundary.
pub fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

/// The `input` echoed in a skipped entry: trimmed and cut to
/// [`MAX_INPUT_CHARS`] characters.
pub fn echo_input(text: &str) -> String {
    truncate_chars(trim_line(text), MAX_INPUT_CHARS).to_string()
}

/// A raw line without surrounding whitespace, line-break remnants or BOMs.
pub fn trim_line(line: &str) -> &str {
    line.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace_and_drops_invisible_characters() {
        assert_eq!(normalize_text("  Daft \t Punk\r\n "), "Daft Punk");
        assert_eq!(
            normalize_text("Da\u{200B}ft\u{FEFF} P\u{200D}unk"),
            "Daft Punk"
        );
        assert_eq!(normalize_text("a\u{0}b\u{7}c\u{85}d"), "abc d");
        assert_eq!(normalize_text("\u{2003}x\u{00A0}y\u{3000}"), "x y");
        assert_eq!(normalize_text(" \u{200B} "), "");
        // The ASCII fast path agrees with the general one.
        assert_eq!(normalize_text("a\u{B}b\u{1F}c"), "a bc");
        assert_eq!(normalize_text("a\u{B}b\u{1F}c\u{e9}"), "a bc\u{e9}");
    }

    #[test]
    fn composes_to_nfc() {
        assert_eq!(normalize_text("Beyonce\u{301}"), "Beyonc\u{e9}");
        assert_eq!(normalize_text("e\u{200B}\u{301}"), "\u{e9}");
        // NFC keeps compatibility characters (NFKC is only for dedupe keys).
        assert_eq!(normalize_text("\u{FB01}"), "\u{FB01}");
    }

    #[test]
    fn fields_are_checked_for_emptiness_and_length() {
        assert_eq!(optional_field("  "), Ok(None));
        assert_eq!(optional_field(" Album "), Ok(Some("Album".into())));
        assert_eq!(
            required_field("\u{200B}", SkipReason::MissingArtist),
            Err(SkipReason::MissingArtist)
        );
        let ok = "é".repeat(500);
        assert_eq!(
            required_field(&ok, SkipReason::MissingTitle),
            Ok(ok.clone())
        );
        assert_eq!(
            required_field(&format!("{ok}x"), SkipReason::MissingTitle),
            Err(SkipReason::TooLong)
        );
        // Counted after collapsing whitespace.
        let spaced = format!("{}   {}", "a".repeat(249), "b".repeat(249));
        assert!(optional_field(&spaced).unwrap().is_some());
    }

    #[test]
    fn truncates_at_char_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hé", 5), "hé");
        assert_eq!(truncate_chars("", 0), "");
        let long = "ü".repeat(400);
        assert_eq!(echo_input(&long).chars().count(), 300);
        assert_eq!(echo_input("  a - b \r"), "a - b");
    }
}
