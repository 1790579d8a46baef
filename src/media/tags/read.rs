//! Reading tags and audio properties.

use std::path::Path;

use super::format::{AudioDoc, TagRef};
use super::{id3, mp4, vorbis, TagError, TagSet};

/// Reads the Harmony fields of a file. Fields the file does not have are `None`.
///
/// MP3: only the ID3v2 tag is read (ID3v1/APE are left alone by every write).
pub fn read_tags(path: &Path) -> Result<TagSet, TagError> {
    let (_, doc) = AudioDoc::open(path)?;
    Ok(fields(&doc))
}

pub(crate) fn fields(doc: &AudioDoc) -> TagSet {
    match doc.tag() {
        None => TagSet::default(),
        Some(TagRef::Id3(t)) => id3::read_fields(t),
        Some(TagRef::Vorbis(t)) => vorbis::read_fields(t),
        Some(TagRef::Ilst(t)) => mp4::read_fields(t),
    }
}

pub(crate) fn lyrics(doc: &AudioDoc) -> Option<String> {
    match doc.tag()? {
        TagRef::Id3(t) => id3::lyrics(t),
        TagRef::Vorbis(t) => vorbis::lyrics(t),
        TagRef::Ilst(t) => mp4::lyrics(t),
    }
}

/// `Some(s)` unless `s` is empty or whitespace.
pub(crate) fn non_empty(s: String) -> Option<String> {
    if s.trim().is_empty() {
        None
    } else {
        Some(s)
    }
}

/// "3", "3/12", " 3 / 12 " → (number, total). Unparseable halves are `None`.
pub(crate) fn parse_number_pair(s: &str) -> (Option<u32>, Option<u32>) {
    let mut parts = s.splitn(2, '/');
    let number = parts.next().and_then(|n| n.trim().parse().ok());
    let total = parts.next().and_then(|t| t.trim().parse().ok());
    (number, total)
}

/// The year of "2001", "2001-03-12", "2001-03-12T10:00:00": four leading digits.
pub(crate) fn year_from_text(s: &str) -> Option<i32> {
    let s = s.trim();
    let digits = s.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.as_bytes().get(4).is_some_and(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_pairs() {
        assert_eq!(parse_number_pair("3"), (Some(3), None));
        assert_eq!(parse_number_pair("3/12"), (Some(3), Some(12)));
        assert_eq!(parse_number_pair(" 3 / 12 "), (Some(3), Some(12)));
        assert_eq!(parse_number_pair("/12"), (None, Some(12)));
        assert_eq!(parse_number_pair("x"), (None, None));
    }

    #[test]
    fn years() {
        assert_eq!(year_from_text("2001"), Some(2001));
        assert_eq!(year_from_text("2001-03-12"), Some(2001));
        assert_eq!(year_from_text(" 1999-01-01T00:00:00 "), Some(1999));
        assert_eq!(year_from_text("20011"), None);
        assert_eq!(year_from_text("01"), None);
        assert_eq!(year_from_text("abcd"), None);
        assert_eq!(year_from_text("é000"), None);
    }

    #[test]
    fn blank_is_none() {
        assert_eq!(non_empty("  ".into()), None);
        assert_eq!(non_empty(" a ".into()), Some(" a ".into()));
    }
}
