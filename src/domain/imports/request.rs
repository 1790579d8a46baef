//! An uploaded file (`multipart/form-data` field `file`): which kind it is,
//! decoding, and dispatch to the CSV, JSON or text parser.

use super::csv_file::parse_csv;
use super::json_tracks::parse_json_file;
use super::text::parse_text;
use super::{ImportError, ParsedImport};

/// How an uploaded file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Csv,
    Json,
    /// Plain text or M3U: one track or link per line.
    Text,
}

impl FileKind {
    /// By file-name extension (`.csv`/`.tsv`, `.json`, `.txt`, `.m3u`, `.m3u8`),
    /// else by content type (`text/csv`, `application/json`, `text/plain`,
    /// M3U types), else sniffed: first non-space character `[` or `{` is
    /// JSON, anything else text.
    pub fn detect(file_name: Option<&str>, content_type: Option<&str>, text: &str) -> FileKind {
        file_name
            .and_then(FileKind::from_file_name)
            .or_else(|| content_type.and_then(FileKind::from_content_type))
            .unwrap_or_else(|| FileKind::sniff(text))
    }

    pub fn from_file_name(name: &str) -> Option<FileKind> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let (_, extension) = base.rsplit_once('.')?;
        match extension.trim().to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Some(FileKind::Csv),
            "json" => Some(FileKind::Json),
            "txt" | "text" | "m3u" | "m3u8" => Some(FileKind::Text),
            _ => None,
        }
    }

    pub fn from_content_type(content_type: &str) -> Option<FileKind> {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match mime.as_str() {
            "text/csv" | "application/csv" | "text/comma-separated-values" => Some(FileKind::Csv),
            "application/json" | "text/json" => Some(FileKind::Json),
            _ if mime.starts_with("application/") && mime.ends_with("+json") => {
                Some(FileKind::Json)
            }
            "text/plain"
            | "audio/x-mpegurl"
            | "audio/mpegurl"
            | "application/x-mpegurl"
            | "application/vnd.apple.mpegurl" => Some(FileKind::Text),
            _ => None,
        }
    }

    pub fn sniff(text: &str) -> FileKind {
        match text.trim_start().chars().next() {
            Some('[' | '{') => FileKind::Json,
            _ => FileKind::Text,
        }
    }
}

/// Decodes and parses an uploaded file. The bytes must be UTF-8 (a leading
/// UTF-8 BOM is ignored).
pub fn parse_file(
    file_name: Option<&str>,
    content_type: Option<&str>,
    bytes: &[u8],
) -> Result<ParsedImport, ImportError> {
    let text = decode(bytes)?;
    match FileKind::detect(file_name, content_type, text) {
        FileKind::Csv => parse_csv(text),
        FileKind::Json => parse_json_file(text),
        FileKind::Text => Ok(parse_text(text)),
    }
}

/// UTF-8 text without its BOM.
pub fn decode(bytes: &[u8]) -> Result<&str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::super::SkipReason;
    use super::*;

    #[test]
    fn kind_by_extension_then_content_type_then_sniffing() {
        let detect = FileKind::detect;
        assert_eq!(
            detect(Some("list.CSV"), Some("application/json"), "["),
            FileKind::Csv
        );
        assert_eq!(detect(Some("a.json"), None, "x"), FileKind::Json);
        assert_eq!(detect(Some("a.m3u8"), None, "["), FileKind::Text);
        assert_eq!(detect(Some("dir.csv/a.m3u"), None, ""), FileKind::Text);
        assert_eq!(detect(Some("a.txt"), None, "{"), FileKind::Text);
        assert_eq!(
            detect(Some("upload"), Some("text/csv; charset=utf-8"), ""),
            FileKind::Csv
        );
        assert_eq!(
            detect(Some("a.bin"), Some("Application/JSON"), ""),
            FileKind::Json
        );
        assert_eq!(detect(None, Some("text/plain"), "[x]"), FileKind::Text);
        assert_eq!(
            detect(None, Some("application/octet-stream"), " \n[1]"),
            FileKind::Json
        );
        assert_eq!(detect(None, None, "{}"), FileKind::Json);
        assert_eq!(detect(None, None, "A - T"), FileKind::Text);
        assert_eq!(detect(None, None, ""), FileKind::Text);
    }

    #[test]
    fn utf8_with_or_without_bom() {
        let parsed = parse_file(Some("a.txt"), None, b"\xEF\xBB\xBFA - T\r\n").unwrap();
        assert_eq!(parsed.tracks[0].artist, "A");
        let parsed =
            parse_file(Some("a.csv"), None, b"\xEF\xBB\xBFartist,title\r\nA,T\r\n").unwrap();
        assert_eq!(parsed.tracks[0].artist, "A");
        let parsed = parse_file(
            None,
            None,
            b"\xEF\xBB\xBF[{\"artist\":\"A\",\"title\":\"T\"}]",
        )
        .unwrap();
        assert_eq!(parsed.tracks[0].artist, "A");
        assert_eq!(
            parse_file(None, None, b"A - \xFF"),
            Err(ImportError::NotUtf8)
        );
        assert_eq!(
            parse_file(Some("a.txt"), None, b"\xFF\xFEA\x00"),
            Err(ImportError::NotUtf8)
        );
    }

    #[test]
    fn dispatches_to_each_parser() {
        let parsed =
            parse_file(Some("x.m3u"), None, b"#EXTM3U\n#EXTINF:60,A - T\n/a.mp3\n").unwrap();
        assert_eq!(parsed.tracks[0].duration_ms, Some(60_000));
        assert!(parsed.skipped.is_empty());
        assert_eq!(
            parse_file(Some("x.csv"), None, b"a,b\n1,2\n"),
            Err(ImportError::CsvMissingColumn("artist"))
        );
        assert!(matches!(
            parse_file(Some("x.json"), None, b"A - T"),
            Err(ImportError::Json(_))
        ));
        let parsed = parse_file(None, Some("text/plain"), b"A - T\nbad").unwrap();
        assert_eq!(parsed.skipped[0].reason, SkipReason::Unparsable);
        assert_eq!(
            parse_file(None, None, b"").unwrap(),
            ParsedImport::default()
        );
    }
}
