//! A whole text document: one track or link per line (`\n`, `\r\n` or `\r`
//! line ends), plus M3U playlists where each `#EXTINF` line is followed by
//! the entry's file path or URL.

use super::collect::{Collector, Input};
use super::line::{is_extinf, is_location, parse_line};
use super::links::is_spotify_link;
use super::normalize::trim_line;
use super::ParsedImport;

/// Parses a text (or M3U) document into a deduplicated, limited import.
pub fn parse_text(text: &str) -> ParsedImport {
    let mut collector = Collector::new();
    collect_text(&mut collector, text);
    collector.finish()
}

/// Adds the lines of `text` to `collector`, in order.
pub(super) fn collect_text(collector: &mut Collector, text: &str) {
    // True between an `#EXTINF` line and the entry's location line.
    let mut after_extinf = false;
    for raw in text.split(['\n', '\r']) {
        let line = trim_line(raw);
        if line.is_empty() {
            continue;
        }
        if after_extinf && !line.starts_with('#') {
            after_extinf = false;
            if is_location(line) && !is_spotify_link(line) {
                continue;
            }
        }
        if is_extinf(line) {
            after_extinf = true;
        }
        collector.outcome(Input::Text(line), parse_line(line));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SkipReason, TooMany, MAX_LINKS, MAX_TRACKS};
    use super::*;

    #[test]
    fn lines_in_order_with_crlf() {
        let parsed = parse_text("A - 1\r\nB - 2\r\n\r\n# comment\rC - 3\n");
        let titles: Vec<_> = parsed.tracks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["1", "2", "3"]);
        assert!(parsed.skipped.is_empty());
    }

    #[test]
    fn skipped_inputs_are_the_original_lines() {
        let parsed = parse_text("  nonsense line \r\nA - T | 3:75\nA - T\na - t\n");
        let skipped: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.input.as_str(), s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                ("nonsense line", SkipReason::Unparsable),
                ("A - T | 3:75", SkipReason::InvalidDuration),
                ("a - t", SkipReason::Duplicate),
            ]
        );
        assert_eq!(parsed.tracks.len(), 1);
    }

    #[test]
    fn m3u_with_extinf() {
        let m3u = "#EXTM3U\n\
                   #EXTINF:225,Daft Punk - One More Time\n\
                   /music/Daft Punk/Discovery/01 - One More Time.mp3\n\
                   #EXTINF:-1,Radio - Stream\n\
                   #EXTGRP:radio\n\
                   http://stream.example/radio\n\
                   #EXTINF:200,Jay-Z - 99 Problems\n\
                   C:\\Music\\99.flac\n\
                   #EXTINF:100,Untitled\n\
                   Music/untitled\n\
                   /music/no-extinf.mp3\n\
                   AC/DC - Back in Black\n";
        let parsed = parse_text(m3u);
        let tracks: Vec<_> = parsed
            .tracks
            .iter()
            .map(|t| (t.artist.as_str(), t.title.as_str(), t.duration_ms))
            .collect();
        assert_eq!(
            tracks,
            [
                ("Daft Punk", "One More Time", Some(225_000)),
                ("Radio", "Stream", None),
                ("Jay-Z", "99 Problems", Some(200_000)),
                ("AC/DC", "Back in Black", None),
            ]
        );
        let skipped: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.input.as_str(), s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                ("#EXTINF:100,Untitled", SkipReason::Unparsable),
                ("/music/no-extinf.mp3", SkipReason::Unparsable),
            ]
        );
    }

    #[test]
    fn a_track_after_extinf_is_not_taken_for_a_path() {
        let parsed = parse_text("#EXTINF:1,A - B\nC - D\n");
        assert_eq!(parsed.tracks.len(), 2);
    }

    #[test]
    fn spotify_links_after_extinf_are_still_read() {
        let parsed = parse_text(
            "#EXTINF:1,A - B\nspotify:track:37i9dQZF1DXcBWIGoYBM5M\n\
             #EXTINF:1,C - D\nhttps://open.spotify.com/playlist/37i9dQZF1DXcBWIGoYBM5M\n",
        );
        assert_eq!(parsed.tracks.len(), 2);
        assert_eq!(parsed.links.len(), 1);
        assert_eq!(parsed.skipped[0].reason, SkipReason::InvalidLink);
    }

    #[test]
    fn links_are_deduplicated_by_id() {
        let id = "37i9dQZF1DXcBWIGoYBM5M";
        let parsed = parse_text(&format!(
            "https://open.spotify.com/playlist/{id}\nspotify:playlist:{id}\n\
             https://open.spotify.com/intl-de/playlist/{id}?si=1\n"
        ));
        assert_eq!(parsed.links.len(), 1);
        assert_eq!(parsed.skipped_total, 2);
        assert!(parsed
            .skipped
            .iter()
            .all(|s| s.reason == SkipReason::Duplicate));
    }

    #[test]
    fn over_ten_thousand_track_lines_refuse_the_import() {
        // Half of them unreadable, one a duplicate: all count.
        let lines = |n: usize| -> String {
            (0..n)
                .map(|i| {
                    if i % 2 == 0 {
                        format!("Artist {i} - Title {i}\n\n# a comment\n")
                    } else {
                        "bad line\n".to_string()
                    }
                })
                .chain(["Artist 0 - Title 0\n".to_string()])
                .collect()
        };
        let at_limit = parse_text(&lines(MAX_TRACKS - 1));
        assert_eq!(at_limit.given_tracks, MAX_TRACKS);
        assert_eq!(at_limit.tracks.len(), MAX_TRACKS / 2);
        assert_eq!(at_limit.check_limits(), Ok(()));
        let over = parse_text(&lines(MAX_TRACKS));
        assert_eq!(over.check_limits(), Err(TooMany::Tracks));
    }

    #[test]
    fn over_a_hundred_links_refuse_the_import_also_next_to_tracks() {
        let mut text = String::from("Air - Sexy Boy\n");
        for i in 0..=MAX_LINKS {
            text.push_str(&format!("https://open.spotify.com/playlist/{i:0>22}\n"));
        }
        assert_eq!(parse_text(&text).check_limits(), Err(TooMany::Links));
    }

    #[test]
    fn skipped_list_is_capped() {
        let text = "bad\n".repeat(1_500);
        let parsed = parse_text(&text);
        assert_eq!(parsed.skipped.len(), 1_000);
        assert_eq!(parsed.skipped_total, 1_500);
    }

    #[test]
    fn ten_thousand_lines_all_parse() {
        // Speed is the sources benchmark's business (examples/sources_bench.rs), not a test's.
        let text: String = (0..MAX_TRACKS)
            .map(|i| format!("Jay-Z {i} - Song (feat. B) | Album {i} | 3:45\n"))
            .collect();
        let parsed = parse_text(&text);
        assert_eq!(parsed.tracks.len(), MAX_TRACKS);
    }
}
