//! CSV files with a header row: hand-made sheets (`artist,title,album,
//! duration`) and the exports of Exportify (`Track Name`, `Artist Name(s)`,
//! `Album Name`, `Duration (ms)`), TuneMyMusic, Soundiiz and the like.
//!
//! Column names are matched case-insensitively after trimming, with `_` and
//! `-` read as spaces. The delimiter is `,` unless the header row has none
//! and has `;` or tabs instead (spreadsheet exports in some locales).

use csv::StringRecord;

use super::collect::{Collector, Input};
use super::duration::{parse_duration, parse_millis};
use super::normalize::{normalize_text, optional_field, required_field};
use super::{ImportError, ImportTrack, ParsedImport, SkipReason};

const ARTIST: &[&str] = &["artist", "artist name"];
/// Columns that may list several artists; only the first is kept.
const ARTISTS: &[&str] = &["artists", "artist names", "artist name(s)", "artist(s)"];
const TITLE: &[&str] = &[
    "title",
    "track",
    "track name",
    "track title",
    "name",
    "song",
    "song name",
    "song title",
];
const ALBUM: &[&str] = &["album", "album name", "album title"];
/// `m:ss`, `h:mm:ss` or milliseconds.
const DURATION: &[&str] = &["duration", "length"];
/// Milliseconds only.
const DURATION_MS: &[&str] = &["duration ms", "duration (ms)", "length ms", "length (ms)"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DurationColumn {
    Flexible(usize),
    Millis(usize),
}

/// Where the fields are in a row.
#[derive(Debug, Clone, Copy)]
struct Columns {
    artist: usize,
    /// The artist column lists several artists (`A, B` or `A;B`).
    artist_list: bool,
    title: usize,
    album: Option<usize>,
    duration: Option<DurationColumn>,
}

impl Columns {
    fn from_header(header: &StringRecord) -> Result<Columns, ImportError> {
        let names: Vec<String> = header.iter().map(column_key).collect();
        let find = |aliases: &[&str]| names.iter().position(|n| aliases.contains(&n.as_str()));
        let (artist, artist_list) = match (find(ARTIST), find(ARTISTS)) {
            (Some(single), Some(list)) if list < single => (list, true),
            (Some(single), _) => (single, false),
            (None, Some(list)) => (list, true),
            (None, None) => return Err(ImportError::CsvMissingColumn("artist")),
        };
        let title = find(TITLE).ok_or(ImportError::CsvMissingColumn("title"))?;
        let duration = match (find(DURATION), find(DURATION_MS)) {
            (Some(flex), Some(ms)) if ms < flex => Some(DurationColumn::Millis(ms)),
            (Some(flex), _) => Some(DurationColumn::Flexible(flex)),
            (None, ms) => ms.map(DurationColumn::Millis),
        };
        Ok(Columns {
            artist,
            artist_list,
            title,
            album: find(ALBUM),
            duration,
        })
    }

    fn track(&self, row: &StringRecord) -> Result<ImportTrack, SkipReason> {
        let cell = |i: usize| row.get(i).unwrap_or_default();
        let artist_cell = cell(self.artist);
        let artist = if self.artist_list {
            first_artist(artist_cell)
        } else {
            artist_cell.to_string()
        };
        let artist = required_field(&artist, SkipReason::MissingArtist)?;
        let title = required_field(cell(self.title), SkipReason::MissingTitle)?;
        let album = match self.album {
            Some(i) => optional_field(cell(i))?,
            None => None,
        };
        let duration_ms = match self.duration {
            Some(DurationColumn::Flexible(i)) => duration(cell(i), parse_duration)?,
            Some(DurationColumn::Millis(i)) => duration(cell(i), parse_millis)?,
            None => None,
        };
        Ok(ImportTrack {
            artist,
            title,
            album,
            duration_ms,
        })
    }
}

/// Parses CSV text (already decoded, without BOM). `Err` when there is no
/// header row or it lacks an artist or title column.
pub fn parse_csv(text: &str) -> Result<ParsedImport, ImportError> {
    let header_line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(header_line))
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(header) => header.map_err(csv_error)?,
        None => return Err(ImportError::CsvEmpty),
    };
    let columns = Columns::from_header(&header)?;
    let mut collector = Collector::new();
    for row in records {
        let row = row.map_err(csv_error)?;
        if row.iter().all(|cell| normalize_text(cell).is_empty()) {
            continue;
        }
        match columns.track(&row) {
            Ok(track) => collector.track(Input::Row(&row), track),
            Err(reason) => collector.skip(Input::Row(&row), reason),
        }
    }
    Ok(collector.finish())
}

/// `,`, unless the header has no comma but semicolons or tabs.
fn delimiter(header_line: &str) -> u8 {
    if header_line.contains(',') {
        b','
    } else if header_line.contains(';') {
        b';'
    } else if header_line.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

/// A header cell as compared with the aliases.
fn column_key(name: &str) -> String {
    normalize_text(&name.to_lowercase().replace(['_', '-'], " "))
}

/// The first artist of a multi-artist cell. Exportify writes either
/// `A;B` or `A, B` with commas inside names escaped as `\,`
/// (`Tyler\, The Creator, Kali Uchis`).
fn first_artist(cell: &str) -> String {
    if cell.contains(';') {
        return cell.split(';').next().unwrap_or_default().to_string();
    }
    let mut first = String::new();
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                first.push(',');
                chars.next();
            }
            ',' => break,
            _ => first.push(c),
        }
    }
    first
}

/// An optional duration cell: empty is `None`, unreadable is `InvalidDuration`.
fn duration(cell: &str, parse: fn(&str) -> Option<u64>) -> Result<Option<u64>, SkipReason> {
    if cell.trim().is_empty() {
        return Ok(None);
    }
    parse(cell).map(Some).ok_or(SkipReason::InvalidDuration)
}

fn csv_error(error: csv::Error) -> ImportError {
    ImportError::Csv(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(parsed: &ParsedImport) -> Vec<(String, String, Option<String>, Option<u64>)> {
        parsed
            .tracks
            .iter()
            .map(|t| {
                (
                    t.artist.clone(),
                    t.title.clone(),
                    t.album.clone(),
                    t.duration_ms,
                )
            })
            .collect()
    }

    fn row(
        a: &str,
        t: &str,
        al: Option<&str>,
        d: Option<u64>,
    ) -> (String, String, Option<String>, Option<u64>) {
        (a.into(), t.into(), al.map(Into::into), d)
    }

    #[test]
    fn simple_sheet() {
        let parsed = parse_csv("Artist,Title,Album,Duration\nJay-Z,99 Problems,The Black Album,3:54\nA-ha,Take On Me,,225000\n").unwrap();
        assert_eq!(
            summary(&parsed),
            [
                row(
                    "Jay-Z",
                    "99 Problems",
                    Some("The Black Album"),
                    Some(234_000)
                ),
                row("A-ha", "Take On Me", None, Some(225_000)),
            ]
        );
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn exportify_export() {
        let csv = "\"Track URI\",\"Track Name\",\"Artist URI(s)\",\"Artist Name(s)\",\"Album Name\",\"Album Artist Name(s)\",\"Duration (ms)\"\r\n\
                   \"spotify:track:1\",\"Family Ties\",\"spotify:artist:1, spotify:artist:2\",\"Baby Keem, Kendrick Lamar\",\"The Melodic Blue\",\"Baby Keem\",\"252262\"\r\n\
                   \"spotify:track:2\",\"See You Again (feat. Kali Uchis)\",\"x\",\"Tyler\\, The Creator, Kali Uchis\",\"Flower Boy\",\"Tyler\\, The Creator\",\"180386\"\r\n\
                   \"spotify:track:3\",\"Song\",\"x\",\"A;B\",\"Album\",\"A\",\"1000\"\r\n";
        let parsed = parse_csv(csv).unwrap();
        assert_eq!(
            summary(&parsed),
            [
                row(
                    "Baby Keem",
                    "Family Ties",
                    Some("The Melodic Blue"),
                    Some(252_262)
                ),
                row(
                    "Tyler, The Creator",
                    "See You Again (feat. Kali Uchis)",
                    Some("Flower Boy"),
                    Some(180_386)
                ),
                row("A", "Song", Some("Album"), Some(1_000)),
            ]
        );
    }

    #[test]
    fn quoted_fields_with_commas_quotes_and_newlines() {
        let csv = "title,artist,album\n\"Hello, Goodbye\",\"The Beatles\",\"Magical \"\"Mystery\"\" Tour\"\n\"Two\nLines\",X,\n";
        let parsed = parse_csv(csv).unwrap();
        assert_eq!(
            summary(&parsed),
            [
                row(
                    "The Beatles",
                    "Hello, Goodbye",
                    Some("Magical \"Mystery\" Tour"),
                    None
                ),
                row("X", "Two Lines", None, None),
            ]
        );
    }

    #[test]
    fn header_aliases_case_and_spacing() {
        for header in [
            " ARTIST , Track ",
            "artist_name,track_name",
            "Artist Name,Name",
            "Artists,Song",
            "artist,track title",
        ] {
            let parsed = parse_csv(&format!("{header}\nA,T\n")).unwrap();
            assert_eq!(summary(&parsed), [row("A", "T", None, None)], "{header}");
        }
        let parsed = parse_csv("artist;title;length\nA;T;1:00\n").unwrap();
        assert_eq!(summary(&parsed), [row("A", "T", None, Some(60_000))]);
        let parsed = parse_csv("artist\ttitle\nA\tT\n").unwrap();
        assert_eq!(summary(&parsed), [row("A", "T", None, None)]);
    }

    #[test]
    fn missing_columns_are_an_error() {
        assert_eq!(
            parse_csv("name,album\nx,y\n"),
            Err(ImportError::CsvMissingColumn("artist"))
        );
        assert_eq!(
            parse_csv("artist,album\nx,y\n"),
            Err(ImportError::CsvMissingColumn("title"))
        );
        assert_eq!(
            parse_csv("Jay-Z - 99 Problems\n"),
            Err(ImportError::CsvMissingColumn("artist"))
        );
        assert_eq!(parse_csv(""), Err(ImportError::CsvEmpty));
        assert_eq!(parse_csv("\n\n"), Err(ImportError::CsvEmpty));
    }

    #[test]
    fn ragged_and_empty_rows() {
        let csv = "artist,title,album\nA,T\n,,\n\n  ,  \nB,U,X,extra,cells\nC\n";
        let parsed = parse_csv(csv).unwrap();
        assert_eq!(
            summary(&parsed),
            [row("A", "T", None, None), row("B", "U", Some("X"), None)]
        );
        assert_eq!(parsed.skipped.len(), 1);
        assert_eq!(parsed.skipped[0].input, "C");
        assert_eq!(parsed.skipped[0].reason, SkipReason::MissingTitle);
    }

    #[test]
    fn skipped_rows() {
        let long = "x".repeat(501);
        let csv = format!(
            "artist,title,duration_ms,album\n,T,1,\nA,,1,\nA,T,3:45,\nA,T,0,\nA,T,,{long}\nA,T,1,\na,t,2,\n"
        );
        let parsed = parse_csv(&csv).unwrap();
        let reasons: Vec<_> = parsed.skipped.iter().map(|s| s.reason).collect();
        assert_eq!(
            reasons,
            [
                SkipReason::MissingArtist,
                SkipReason::MissingTitle,
                SkipReason::InvalidDuration,
                SkipReason::InvalidDuration,
                SkipReason::TooLong,
                SkipReason::Duplicate,
            ]
        );
        assert_eq!(parsed.skipped[0].input, ",T,1,");
        assert_eq!(parsed.skipped[4].input.chars().count(), 300);
        assert_eq!(parsed.tracks.len(), 1);
    }

    #[test]
    fn plain_artist_column_keeps_commas() {
        let parsed = parse_csv("artist,title\n\"Tyler, The Creator\",EARFQUAKE\n").unwrap();
        assert_eq!(parsed.tracks[0].artist, "Tyler, The Creator");
    }

    #[test]
    fn first_artist_of_a_list() {
        assert_eq!(first_artist("A, B"), "A");
        assert_eq!(first_artist("A;B"), "A");
        assert_eq!(
            first_artist("Tyler\\, The Creator, B"),
            "Tyler, The Creator"
        );
        assert_eq!(first_artist("Solo"), "Solo");
        assert_eq!(first_artist(""), "");
    }

    #[test]
    fn header_only_is_an_empty_import() {
        let parsed = parse_csv("artist,title\r\n").unwrap();
        assert_eq!(parsed, ParsedImport::default());
    }
}
