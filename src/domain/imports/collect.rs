//! Gathers the items of one import in input order: dedupe (tracks by
//! [`dedupe_key`], links by id), the count of links and tracks given, and
//! the bounded list of skipped items. Once the input is over a limit (see
//! [`super::limits`]) the import will be refused whole, so nothing more is
//! kept.

use std::collections::HashSet;

use crate::domain::wanted::dedupe_key;

use super::line::LineOutcome;
use super::normalize::{echo_input, truncate_chars};
use super::{
    ImportTrack, ParsedImport, PlaylistLink, SkipReason, Skipped, MAX_INPUT_CHARS,
    MAX_SKIPPED_LISTED,
};

/// Where an item came from, rendered into [`Skipped::input`] only when it
/// is actually listed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Input<'a> {
    /// A text line, a link string or a CSV cell.
    Text(&'a str),
    /// A JSON item, echoed as compact JSON.
    Json(&'a serde_json::Value),
    /// A CSV row, re-joined with `,`.
    Row(&'a csv::StringRecord),
}

impl Input<'_> {
    fn render(self) -> String {
        match self {
            Input::Text(text) => echo_input(text),
            Input::Json(value) => {
                let json = serde_json::to_string(value).unwrap_or_default();
                truncate_chars(&json, MAX_INPUT_CHARS).to_string()
            }
            Input::Row(row) => {
                let mut joined = String::new();
                for (i, cell) in row.iter().enumerate() {
                    if i > 0 {
                        joined.push(',');
                    }
                    joined.push_str(cell);
                    if joined.len() > MAX_INPUT_CHARS * 4 {
                        break;
                    }
                }
                echo_input(&joined)
            }
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Collector {
    parsed: ParsedImport,
    track_keys: HashSet<String>,
    link_ids: HashSet<String>,
}

impl Collector {
    pub(super) fn new() -> Collector {
        Collector::default()
    }

    pub(super) fn outcome(&mut self, input: Input<'_>, outcome: LineOutcome) {
        match outcome {
            LineOutcome::Track(track) => self.track(input, track),
            LineOutcome::Link(link) => self.link(input, link),
            LineOutcome::Skip(reason) => self.skip(input, reason),
            LineOutcome::Ignore => {}
        }
    }

    pub(super) fn track(&mut self, input: Input<'_>, track: ImportTrack) {
        self.parsed.given_tracks += 1;
        if self.parsed.is_over_limit() {
            return;
        }
        let key = dedupe_key(&track.artist, &track.title, track.album.as_deref());
        if self.track_keys.contains(&key) {
            self.record_skip(input, SkipReason::Duplicate);
        } else {
            self.track_keys.insert(key);
            self.parsed.tracks.push(track);
        }
    }

    pub(super) fn link(&mut self, input: Input<'_>, link: PlaylistLink) {
        self.parsed.given_links += 1;
        if self.parsed.is_over_limit() {
            return;
        }
        if self.link_ids.contains(&link.id) {
            self.record_skip(input, SkipReason::Duplicate);
        } else {
            self.link_ids.insert(link.id.clone());
            self.parsed.links.push(link);
        }
    }

    /// An item that cannot be used: a link when it is an `invalid_link`,
    /// else a track.
    pub(super) fn skip(&mut self, input: Input<'_>, reason: SkipReason) {
        if reason == SkipReason::InvalidLink {
            self.parsed.given_links += 1;
        } else {
            self.parsed.given_tracks += 1;
        }
        self.record_skip(input, reason);
    }

    fn record_skip(&mut self, input: Input<'_>, reason: SkipReason) {
        if self.parsed.is_over_limit() {
            return;
        }
        self.parsed.skipped_total += 1;
        if self.parsed.skipped.len() < MAX_SKIPPED_LISTED {
            self.parsed.skipped.push(Skipped {
                input: input.render(),
                reason,
            });
        }
    }

    pub(super) fn finish(self) -> ParsedImport {
        self.parsed
    }
}

#[cfg(test)]
mod tests {
    use super::super::{TooMany, MAX_LINKS, MAX_TRACKS};
    use super::*;

    fn track(artist: &str, title: &str, album: Option<&str>) -> ImportTrack {
        ImportTrack {
            artist: artist.into(),
            title: title.into(),
            album: album.map(Into::into),
            duration_ms: None,
        }
    }

    #[test]
    fn dedupes_tracks_case_insensitively_and_by_nfkc() {
        let mut c = Collector::new();
        c.track(Input::Text("1"), track("Daft Punk", "One More Time", None));
        c.track(Input::Text("2"), track("DAFT PUNK", "one more time", None));
        c.track(
            Input::Text("3"),
            track("Daft Punk", "One More Time", Some("Discovery")),
        );
        c.track(
            Input::Text("4"),
            track("Ｄａｆｔ Punk", "One More Time", Some("Discovery")),
        );
        c.track(Input::Text("5"), track("ﬁve", "x", None));
        c.track(Input::Text("6"), track("five", "X", None));
        let parsed = c.finish();
        assert_eq!(parsed.tracks.len(), 3);
        let reasons: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.input.as_str(), s.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                ("2", SkipReason::Duplicate),
                ("4", SkipReason::Duplicate),
                ("6", SkipReason::Duplicate)
            ]
        );
    }

    #[test]
    fn dedupes_links_by_id() {
        let mut c = Collector::new();
        let id = format!("{:0>22}", 0);
        let link = PlaylistLink {
            url: format!("https://open.spotify.com/playlist/{id}"),
            id,
        };
        c.link(Input::Text("first"), link.clone());
        c.link(Input::Text("again"), link);
        let parsed = c.finish();
        assert_eq!(parsed.links.len(), 1);
        assert_eq!(parsed.skipped_total, 1);
        assert_eq!(parsed.skipped[0].reason, SkipReason::Duplicate);
    }

    #[test]
    fn past_a_limit_nothing_more_is_listed_and_the_import_is_refused() {
        let mut c = Collector::new();
        for i in 0..MAX_LINKS + 3 {
            let id = format!("{i:0>22}");
            c.link(
                Input::Text(&id),
                PlaylistLink {
                    id: id.clone(),
                    url: format!("https://open.spotify.com/playlist/{id}"),
                },
            );
        }
        c.track(Input::Text("t"), track("A", "T", None));
        c.skip(Input::Text("x"), SkipReason::Unparsable);
        let parsed = c.finish();
        assert_eq!(parsed.links.len(), MAX_LINKS);
        assert!(parsed.tracks.is_empty());
        assert_eq!(parsed.skipped_total, 0);
        assert_eq!(parsed.check_limits(), Err(TooMany::Links));
    }

    #[test]
    fn duplicates_and_skipped_items_count_as_given() {
        let link = |i: usize| {
            let id = format!("{:0>22}", i % 2);
            PlaylistLink {
                url: format!("https://open.spotify.com/playlist/{id}"),
                id,
            }
        };
        let mut c = Collector::new();
        for i in 0..MAX_LINKS - 1 {
            c.link(Input::Text("l"), link(i));
        }
        c.skip(Input::Text("bad link"), SkipReason::InvalidLink);
        for _ in 0..MAX_TRACKS - 1 {
            c.track(Input::Text("t"), track("A", "T", None));
        }
        c.skip(Input::Text("bad line"), SkipReason::Unparsable);
        let at_limits = c.finish();
        assert_eq!(
            (at_limits.given_links, at_limits.given_tracks),
            (MAX_LINKS, MAX_TRACKS)
        );
        assert_eq!((at_limits.links.len(), at_limits.tracks.len()), (2, 1));
        assert_eq!(at_limits.check_limits(), Ok(()));

        let mut c = Collector::new();
        for _ in 0..=MAX_TRACKS {
            c.track(Input::Text("t"), track("A", "T", None));
        }
        assert_eq!(c.finish().check_limits(), Err(TooMany::Tracks));
        let mut c = Collector::new();
        for _ in 0..=MAX_LINKS {
            c.skip(Input::Text("l"), SkipReason::InvalidLink);
        }
        assert_eq!(c.finish().check_limits(), Err(TooMany::Links));
    }

    #[test]
    fn lists_at_most_a_thousand_skipped_but_counts_all() {
        let mut c = Collector::new();
        for _ in 0..MAX_SKIPPED_LISTED + 500 {
            c.skip(Input::Text("x"), SkipReason::Unparsable);
        }
        let parsed = c.finish();
        assert_eq!(parsed.skipped.len(), MAX_SKIPPED_LISTED);
        assert_eq!(parsed.skipped_total, MAX_SKIPPED_LISTED + 500);
    }

    #[test]
    fn renders_inputs() {
        let value = serde_json::json!({"artist": 1});
        assert_eq!(Input::Json(&value).render(), r#"{"artist":1}"#);
        let long = serde_json::Value::String("é".repeat(1000));
        assert_eq!(Input::Json(&long).render().chars().count(), 300);
        let row = csv::StringRecord::from(vec!["a", "b c", ""]);
        assert_eq!(Input::Row(&row).render(), "a,b c,");
        let wide = csv::StringRecord::from(vec!["ü".repeat(200); 50]);
        assert_eq!(Input::Row(&wide).render().chars().count(), 300);
    }
}
