//! The JSON request body (`{"links": […], "tracks": […], "text": "…"}`) and
//! JSON files (the same object, or a bare array of tracks).
//!
//! A track object has `artist` and `title` strings, an optional `album`
//! string, and an optional `duration` (`m:ss` / `h:mm:ss` / digits as ms in a
//! string, or a number of ms) or `duration_ms` (number of ms); other keys
//! are ignored. A string item is read as a text line; anything else is
//! skipped as `unparsable` (a `links` entry that is not a string as
//! `invalid_link`).

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::collect::{Collector, Input};
use super::duration::{parse_duration, parse_millis, valid_ms};
use super::line::parse_line;
use super::links::parse_playlist_link;
use super::normalize::{optional_field, required_field};
use super::text::collect_text;
use super::{ImportError, ImportTrack, ParsedImport, SkipReason};

/// The JSON body of `POST /api/v1/imports`. Items are kept as raw values so
/// that one wrong-typed item is skipped instead of failing the request;
/// `null` counts as absent.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JsonRequest {
    #[serde(deserialize_with = "null_as_empty")]
    pub links: Vec<Value>,
    #[serde(deserialize_with = "null_as_empty")]
    pub tracks: Vec<Value>,
    pub text: Option<String>,
}

fn null_as_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Value>, D::Error> {
    Ok(Option::<Vec<Value>>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses the request: `links`, then `tracks`, then the lines of `text`,
/// all deduplicated and limited together.
pub fn parse_json_request(req: &JsonRequest) -> ParsedImport {
    let mut collector = Collector::new();
    collect_request(&mut collector, req);
    collector.finish()
}

/// Parses a JSON file (decoded, without BOM): an array of track items, or
/// an object shaped like [`JsonRequest`].
pub fn parse_json_file(text: &str) -> Result<ParsedImport, ImportError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ImportError::Json(e.to_string()))?;
    let mut collector = Collector::new();
    match value {
        Value::Array(items) => collect_tracks(&mut collector, &items),
        Value::Object(_) => {
            let req = JsonRequest::deserialize(&value)
                .map_err(|e| ImportError::JsonShape(e.to_string()))?;
            collect_request(&mut collector, &req);
        }
        other => {
            return Err(ImportError::JsonShape(format!(
                "found {}",
                type_name(&other)
            )))
        }
    }
    Ok(collector.finish())
}

/// Reads one track object. `MissingArtist`/`MissingTitle` when the key is
/// absent, `null` or empty after normalisation; `Unparsable` when a field has
/// the wrong type.
pub fn track_from_object(
    object: &serde_json::Map<String, Value>,
) -> Result<ImportTrack, SkipReason> {
    let artist = required_string(object.get("artist"), SkipReason::MissingArtist)?;
    let title = required_string(object.get("title"), SkipReason::MissingTitle)?;
    let album = match object.get("album") {
        None | Some(Value::Null) => None,
        Some(Value::String(album)) => optional_field(album)?,
        Some(_) => return Err(SkipReason::Unparsable),
    };
    let duration_ms = match object.get("duration") {
        None | Some(Value::Null) => duration_value(object.get("duration_ms"), parse_millis)?,
        duration => duration_value(duration, parse_duration)?,
    };
    Ok(ImportTrack {
        artist,
        title,
        album,
        duration_ms,
    })
}

fn collect_request(collector: &mut Collector, req: &JsonRequest) {
    for item in &req.links {
        match item {
            Value::String(text) => match parse_playlist_link(text) {
                Ok(link) => collector.link(Input::Text(text), link),
                Err(reason) => collector.skip(Input::Text(text), reason),
            },
            other => collector.skip(Input::Json(other), SkipReason::InvalidLink),
        }
    }
    collect_tracks(collector, &req.tracks);
    if let Some(text) = &req.text {
        collect_text(collector, text);
    }
}

fn collect_tracks(collector: &mut Collector, items: &[Value]) {
    for item in items {
        match item {
            Value::Object(object) => match track_from_object(object) {
                Ok(track) => collector.track(Input::Json(item), track),
                Err(reason) => collector.skip(Input::Json(item), reason),
            },
            Value::String(line) => collector.outcome(Input::Text(line), parse_line(line)),
            other => collector.skip(Input::Json(other), SkipReason::Unparsable),
        }
    }
}

fn required_string(value: Option<&Value>, missing: SkipReason) -> Result<String, SkipReason> {
    match value {
        None | Some(Value::Null) => Err(missing),
        Some(Value::String(text)) => required_field(text, missing),
        Some(_) => Err(SkipReason::Unparsable),
    }
}

/// A duration given as a string (read with `parse`; blank means absent) or
/// as a whole number of milliseconds.
fn duration_value(
    value: Option<&Value>,
    parse: fn(&str) -> Option<u64>,
) -> Result<Option<u64>, SkipReason> {
    let ms = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => parse(text),
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 1.0 && *f <= 1e15)
                .map(|f| f as u64)
        }),
        Some(_) => None,
    };
    ms.and_then(valid_ms)
        .map(Some)
        .ok_or(SkipReason::InvalidDuration)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{PlaylistLink, Skipped};
    use super::*;

    const ID: &str = "37i9dQZF1DXcBWIGoYBM5M";

    fn object(value: Value) -> Result<ImportTrack, SkipReason> {
        match value {
            Value::Object(map) => track_from_object(&map),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn track_objects() {
        assert_eq!(
            object(
                json!({"artist": " Jay-Z ", "title": "99  Problems", "album": "The Black Album", "duration": "3:54", "extra": [1]})
            ),
            Ok(ImportTrack {
                artist: "Jay-Z".into(),
                title: "99 Problems".into(),
                album: Some("The Black Album".into()),
                duration_ms: Some(234_000),
            })
        );
        let t = object(json!({"artist": "A", "title": "T", "duration": 225000})).unwrap();
        assert_eq!(t.duration_ms, Some(225_000));
        let t = object(json!({"artist": "A", "title": "T", "duration": "225000"})).unwrap();
        assert_eq!(t.duration_ms, Some(225_000));
        let t = object(json!({"artist": "A", "title": "T", "duration_ms": 1000})).unwrap();
        assert_eq!(t.duration_ms, Some(1_000));
        let t = object(json!({"artist": "A", "title": "T", "duration": 1000.0})).unwrap();
        assert_eq!(t.duration_ms, Some(1_000));
        let t = object(json!({"artist": "A", "title": "T", "duration": " ", "album": ""})).unwrap();
        assert_eq!((t.duration_ms, t.album), (None, None));
        let t =
            object(json!({"artist": "A", "title": "T", "duration": null, "album": null})).unwrap();
        assert_eq!((t.duration_ms, t.album), (None, None));
    }

    #[test]
    fn bad_track_objects() {
        let cases = [
            (json!({"title": "T"}), SkipReason::MissingArtist),
            (
                json!({"artist": null, "title": "T"}),
                SkipReason::MissingArtist,
            ),
            (
                json!({"artist": " \u{200B}", "title": "T"}),
                SkipReason::MissingArtist,
            ),
            (json!({"artist": "A"}), SkipReason::MissingTitle),
            (
                json!({"artist": "A", "title": ""}),
                SkipReason::MissingTitle,
            ),
            (json!({"artist": 5, "title": "T"}), SkipReason::Unparsable),
            (
                json!({"artist": "A", "title": ["T"]}),
                SkipReason::Unparsable,
            ),
            (
                json!({"artist": "A", "title": "T", "album": 1}),
                SkipReason::Unparsable,
            ),
            (
                json!({"artist": "A", "title": "T", "duration": "3:75"}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "A", "title": "T", "duration": 0}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "A", "title": "T", "duration": -5}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "A", "title": "T", "duration": 1.5}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "A", "title": "T", "duration": true}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "A", "title": "T", "duration_ms": "3:45"}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "A", "title": "T", "duration": 86_400_001u64}),
                SkipReason::InvalidDuration,
            ),
            (
                json!({"artist": "x".repeat(501), "title": "T"}),
                SkipReason::TooLong,
            ),
        ];
        for (value, reason) in cases {
            assert_eq!(object(value.clone()), Err(reason), "{value}");
        }
    }

    #[test]
    fn request_with_wrong_typed_items() {
        let req: JsonRequest = serde_json::from_value(json!({
            "links": [format!("https://open.spotify.com/playlist/{ID}"), 42, "https://open.spotify.com/track/x"],
            "tracks": [{"artist": "A", "title": "T"}, 7, null, ["x"], "B - U | 3:00", {"artist": "a", "title": "t"}],
            "text": "C - V\nnonsense"
        }))
        .unwrap();
        let parsed = parse_json_request(&req);
        assert_eq!(
            parsed.links,
            [PlaylistLink {
                id: ID.into(),
                url: format!("https://open.spotify.com/playlist/{ID}")
            }]
        );
        let titles: Vec<_> = parsed.tracks.iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["T", "U", "V"]);
        let skipped: Vec<_> = parsed
            .skipped
            .iter()
            .map(|s| (s.input.as_str(), s.reason))
            .collect();
        assert_eq!(
            skipped,
            [
                ("42", SkipReason::InvalidLink),
                ("https://open.spotify.com/track/x", SkipReason::InvalidLink),
                ("7", SkipReason::Unparsable),
                ("null", SkipReason::Unparsable),
                ("[\"x\"]", SkipReason::Unparsable),
                (r#"{"artist":"a","title":"t"}"#, SkipReason::Duplicate),
                ("nonsense", SkipReason::Unparsable),
            ]
        );
    }

    #[test]
    fn request_deserialisation() {
        let req: JsonRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(req, JsonRequest::default());
        let req: JsonRequest =
            serde_json::from_str(r#"{"links": null, "tracks": null, "text": null}"#).unwrap();
        assert_eq!(req, JsonRequest::default());
        assert!(serde_json::from_str::<JsonRequest>(r#"{"track": []}"#).is_err());
        assert!(serde_json::from_str::<JsonRequest>(r#"{"tracks": {}}"#).is_err());
        assert!(serde_json::from_str::<JsonRequest>(r#"{"text": 1}"#).is_err());
    }

    #[test]
    fn json_files() {
        let parsed = parse_json_file(r#"[{"artist": "A", "title": "T"}, "B - U", 1]"#).unwrap();
        assert_eq!(parsed.tracks.len(), 2);
        assert_eq!(
            parsed.skipped,
            [Skipped {
                input: "1".into(),
                reason: SkipReason::Unparsable
            }]
        );
        let parsed = parse_json_file(&format!(
            r#"{{"tracks": [{{"artist": "A", "title": "T"}}], "links": ["spotify:playlist:{ID}"], "text": "B - U"}}"#
        ))
        .unwrap();
        assert_eq!((parsed.tracks.len(), parsed.links.len()), (2, 1));
        assert_eq!(parse_json_file("[]").unwrap(), ParsedImport::default());
    }

    #[test]
    fn bad_json_files() {
        assert!(matches!(parse_json_file("[1,"), Err(ImportError::Json(_))));
        assert!(matches!(parse_json_file(""), Err(ImportError::Json(_))));
        assert!(matches!(
            parse_json_file(r#"{"artist": "A", "title": "T"}"#),
            Err(ImportError::JsonShape(_))
        ));
        assert!(matches!(
            parse_json_file(r#"{"tracks": "A - T"}"#),
            Err(ImportError::JsonShape(_))
        ));
        assert_eq!(
            parse_json_file("\"A - T\""),
            Err(ImportError::JsonShape("found a string".into()))
        );
    }
}
