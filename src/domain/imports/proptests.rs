//! Property tests: no input panics, and every accepted import is clean and
//! free of duplicates.

use std::collections::HashSet;

use proptest::prelude::*;
use serde_json::Value;

use crate::domain::wanted::dedupe_key;

use super::*;

/// Accepted tracks are trimmed and non-empty, within limits, and unique by
/// dedupe key; links are canonical and unique; the skipped list is bounded.
fn check(parsed: &ParsedImport) -> Result<(), TestCaseError> {
    let mut keys = HashSet::new();
    for track in &parsed.tracks {
        for field in [&track.artist, &track.title] {
            prop_assert!(!field.is_empty());
            prop_assert_eq!(field.trim(), field.as_str());
            prop_assert!(field.chars().count() <= MAX_FIELD_CHARS);
        }
        if let Some(album) = &track.album {
            prop_assert!(!album.is_empty());
            prop_assert_eq!(album.trim(), album.as_str());
        }
        if let Some(ms) = track.duration_ms {
            prop_assert!(ms > 0 && ms <= duration::MAX_DURATION_MS);
        }
        prop_assert!(keys.insert(dedupe_key(
            &track.artist,
            &track.title,
            track.album.as_deref()
        )));
    }
    let mut ids = HashSet::new();
    for link in &parsed.links {
        prop_assert!(links::is_playlist_id(&link.id));
        prop_assert_eq!(
            &link.url,
            &format!("https://open.spotify.com/playlist/{}", link.id)
        );
        prop_assert!(ids.insert(link.id.clone()));
    }
    prop_assert!(parsed.tracks.len() <= MAX_TRACKS);
    prop_assert!(parsed.links.len() <= MAX_LINKS);
    // Every kept or skipped item was counted as given.
    prop_assert!(
        parsed.tracks.len() + parsed.links.len() <= parsed.given_tracks + parsed.given_links
    );
    prop_assert!(parsed.skipped_total <= parsed.given_tracks + parsed.given_links);
    prop_assert!(parsed.skipped.len() <= MAX_SKIPPED_LISTED);
    prop_assert!(parsed.skipped.len() <= parsed.skipped_total);
    for skipped in &parsed.skipped {
        prop_assert!(skipped.input.chars().count() <= MAX_INPUT_CHARS);
    }
    Ok(())
}

/// Text that often looks like import input: artists with hyphens, dashes of
/// every kind, `|` segments, durations, links, M3U lines, odd whitespace.
fn line_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Jay-Z".to_string()),
        Just("A-ha".to_string()),
        Just(" - ".to_string()),
        Just("–".to_string()),
        Just(" — ".to_string()),
        Just("-".to_string()),
        Just(" | ".to_string()),
        Just("3:45".to_string()),
        Just("3:75".to_string()),
        Just("225000".to_string()),
        Just("#EXTINF:12,".to_string()),
        Just("#".to_string()),
        Just("https://open.spotify.com/".to_string()),
        Just("intl-de/".to_string()),
        Just("playlist/".to_string()),
        Just("spotify:playlist:".to_string()),
        Just("37i9dQZF1DXcBWIGoYBM5M".to_string()),
        Just("?si=1".to_string()),
        Just("/music/a.mp3".to_string()),
        Just("\u{200B}".to_string()),
        Just("\u{FEFF}".to_string()),
        Just("e\u{301}".to_string()),
        Just("ﬁ".to_string()),
        Just("\t".to_string()),
        Just("\r\n".to_string()),
        Just("\n".to_string()),
        "[a-zA-Z ]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        line_like().prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let key = prop_oneof![
            Just("artist".to_string()),
            Just("title".to_string()),
            Just("album".to_string()),
            Just("duration".to_string()),
            Just("duration_ms".to_string()),
            "[a-z]{1,5}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn track_object() -> impl Strategy<Value = Value> {
    (
        line_like(),
        line_like(),
        proptest::option::of(line_like()),
        proptest::option::of(line_like()),
    )
        .prop_map(|(artist, title, album, duration)| {
            let mut map = serde_json::Map::new();
            map.insert("artist".into(), Value::String(artist));
            map.insert("title".into(), Value::String(title));
            if let Some(album) = album {
                map.insert("album".into(), Value::String(album));
            }
            if let Some(duration) = duration {
                map.insert("duration".into(), Value::String(duration));
            }
            Value::Object(map)
        })
}

fn file_name() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(Some("list.csv")),
        Just(Some("list.json")),
        Just(Some("list.txt")),
        Just(Some("list.m3u8")),
        Just(None),
    ]
}

proptest! {
    #[test]
    fn parse_line_never_panics_and_tracks_are_clean(line in prop_oneof![line_like(), any::<String>()]) {
        match parse_line(&line) {
            LineOutcome::Track(track) => {
                let parsed = ParsedImport {
                    tracks: vec![track],
                    given_tracks: 1,
                    ..ParsedImport::default()
                };
                check(&parsed)?;
            }
            LineOutcome::Link(link) => prop_assert!(links::is_playlist_id(&link.id)),
            LineOutcome::Skip(_) | LineOutcome::Ignore => {}
        }
    }

    #[test]
    fn parse_duration_never_panics(text in prop_oneof![any::<String>(), "[0-9:]{0,12}", " ?[0-9]{1,3}:[0-9]{2}(:[0-9]{2})? ?"]) {
        if let Some(ms) = parse_duration(&text) {
            prop_assert!(ms > 0 && ms <= duration::MAX_DURATION_MS);
        }
    }

    #[test]
    fn durations_round_trip(h in 0u64..24, m in 0u64..60, s in 0u64..60) {
        let ms = ((h * 60 + m) * 60 + s) * 1000;
        prop_assume!(ms > 0);
        prop_assert_eq!(parse_duration(&format!("{h}:{m:02}:{s:02}")), Some(ms));
        prop_assert_eq!(parse_duration(&format!("{}:{s:02}", h * 60 + m)), Some(ms));
        prop_assert_eq!(parse_duration(&ms.to_string()), Some(ms));
    }

    #[test]
    fn parse_playlist_link_never_panics(text in prop_oneof![line_like(), any::<String>()]) {
        if let Ok(link) = parse_playlist_link(&text) {
            prop_assert!(links::is_playlist_id(&link.id));
            prop_assert_eq!(link.url, format!("https://open.spotify.com/playlist/{}", link.id));
        }
    }

    #[test]
    fn parse_file_never_panics_on_bytes(name in file_name(), bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(parsed) = parse_file(name, None, &bytes) {
            check(&parsed)?;
        }
    }

    #[test]
    fn parse_file_never_panics_on_text(
        name in file_name(),
        content_type in prop_oneof![Just(None), Just(Some("text/csv")), Just(Some("application/json"))],
        lines in prop::collection::vec(prop_oneof![line_like(), "[a-z,\" ;\t]{0,20}"], 0..20),
        header in prop_oneof![Just(""), Just("artist,title,album,duration\n"), Just("Track Name,Artist Name(s),Duration (ms)\n")],
    ) {
        let text = format!("{header}{}", lines.join("\n"));
        if let Ok(parsed) = parse_file(name, content_type, text.as_bytes()) {
            check(&parsed)?;
        }
    }

    #[test]
    fn parse_json_request_never_panics(
        links in prop::collection::vec(prop_oneof![json_value(), line_like().prop_map(Value::String)], 0..6),
        tracks in prop::collection::vec(prop_oneof![json_value(), track_object()], 0..12),
        text in proptest::option::of(line_like()),
    ) {
        let req = JsonRequest { links, tracks, text };
        check(&parse_json_request(&req))?;
    }

    #[test]
    fn parse_json_file_never_panics(value in json_value()) {
        let text = value.to_string();
        if let Ok(parsed) = parse_file(Some("x.json"), None, text.as_bytes()) {
            check(&parsed)?;
        }
    }

    #[test]
    fn duplicates_never_survive(
        tracks in prop::collection::vec(
            (prop_oneof![Just("a"), Just("A"), Just("Ａ"), Just(" a ")], prop_oneof![Just("t"), Just("T"), Just("ｔ")]),
            0..20,
        )
    ) {
        let text: String = tracks.iter().map(|(a, t)| format!("{a} - {t}\n")).collect();
        let parsed = parse_text(&text);
        check(&parsed)?;
        prop_assert_eq!(parsed.tracks.len() + parsed.skipped_total, tracks.len());
        prop_assert!(parsed.tracks.len() <= 1);
    }
}
