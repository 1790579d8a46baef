//! The JSON body extractor every route uses: syntax first (400), then the
//! shape with the path of the offending field (422), then no NUL in any
//! text the handler reads (422) — once, here, not per handler.

use std::collections::HashSet;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::{JsonBody, Payload};
use actix_web::error::JsonPayloadError;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, FieldError};

/// JSON bodies: 1 MiB.
pub const JSON_LIMIT: usize = 1 << 20;

/// How many NUL fields one answer names (the rest are counted).
const MAX_REPORTED: usize = 20;

/// The body limit of a route; the service-wide one is [`JSON_LIMIT`].
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A request body read as JSON and checked as described in the module doc.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req.app_data::<JsonLimit>().map_or(JSON_LIMIT, |l| l.0);
        // Any syntactically valid JSON is a `Value`: every failure here is
        // the content type, the size or the syntax, never the shape.
        let body = JsonBody::<Value>::new(req, payload, None, true).limit(limit);
        Box::pin(async move {
            let value = body.await.map_err(|e| payload_error(e, limit))?;
            from_value(value).map(Json)
        })
    }
}

fn payload_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => {
            ApiError::BadRequest("expected Content-Type: application/json".into())
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::BadRequest(format!("body is not valid JSON: {e}"))
        }
        other => ApiError::BadRequest(format!("unreadable body: {other}")),
    }
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Index(usize),
}

/// `items[0].track.artist`; the document itself is `body` (`body[0]` for
/// an element of a top-level array).
fn field_name(steps: &[Step]) -> String {
    let mut name = match steps.first() {
        None | Some(Step::Index(_)) => String::from("body"),
        Some(Step::Key(_)) => String::new(),
    };
    for step in steps {
        match step {
            Step::Key(key) if name.is_empty() => name.push_str(key),
            Step::Key(key) => {
                name.push('.');
                name.push_str(key);
            }
            Step::Index(i) => name.push_str(&format!("[{i}]")),
        }
    }
    name
}

/// The shape of a syntactically valid document: the target type, or a 422
/// naming the field (a missing field is named itself, not its parent), or
/// a 422 naming every field read whose text holds a NUL. Fields the type
/// ignores (unknown keys) are not looked at.
/// A number with nothing after the point (`2378.0`) is the integer it
/// names, as JSON Schema counts it, so integer fields accept it.
pub fn from_value<T: DeserializeOwned>(mut value: Value) -> Result<T, ApiError> {
    integral_floats_as_integers(&mut value);
    let value = &value;
    // A set: one look-up per node of the document, however many keys the
    // type ignores.
    let mut ignored: HashSet<Vec<Step>> = HashSet::new();
    let mut note_ignored = |path: serde_ignored::Path| {
        ignored.insert(ignored_steps(&path));
    };
    let parsed: Result<T, _> = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(
        value,
        &mut note_ignored,
    ));
    let parsed = parsed.map_err(|e| {
        let mut steps = path_steps(e.path());
        let inner = shortened(e.into_inner().to_string());
        let message = match missing_field(&inner) {
            Some(field) => {
                steps.push(Step::Key(field.to_string()));
                "is required".to_string()
            }
            None => inner,
        };
        ApiError::validation(&field_name(&steps), message)
    })?;
    let mut with_nul = Vec::new();
    find_nul(value, &mut Vec::new(), &ignored, &mut with_nul);
    if with_nul.is_empty() {
        return Ok(parsed);
    }
    let total = with_nul.len();
    Err(ApiError::Validation {
        message: format!("{total} field(s) contain a NUL character"),
        details: with_nul
            .into_iter()
            .take(MAX_REPORTED)
            .map(|field| FieldError {
                field,
                message: "must not contain NUL".into(),
            })
            .collect(),
    })
}

/// Rewrites, in place, every float without a fractional part that fits an
/// `i64` as that integer; other numbers stay as they are.
fn integral_floats_as_integers(value: &mut Value) {
    // i64's bounds as f64: the upper one is 2^63, itself out of range.
    const LOW: f64 = i64::MIN as f64;
    const HIGH: f64 = -(i64::MIN as f64);
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::Number(n) if n.is_f64() => {
                if let Some(f) = n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= LOW && *f < HIGH)
                {
                    *node = Value::from(f as i64);
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(fields) => stack.extend(fields.values_mut()),
            _ => {}
        }
    }
}

/// serde quotes the offending value whole: a long string is cut in the answer.
fn shortened(message: String) -> String {
    const MAX_MESSAGE_CHARS: usize = 200;
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

/// serde's "missing field `x`" names the field; the path is its parent's.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|f| !f.is_empty())
}

fn path_steps(path: &serde_path_to_error::Path) -> Vec<Step> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } | Segment::Enum { variant: key } => Some(Step::Key(key.clone())),
            Segment::Unknown => None,
        })
        .collect()
}

fn ignored_steps(path: &serde_ignored::Path) -> Vec<Step> {
    use serde_ignored::Path;
    let mut steps = Vec::new();
    let mut at = path;
    loop {
        match at {
            Path::Root => break,
            Path::Seq { parent, index } => {
                steps.push(Step::Index(*index));
                at = parent;
            }
            Path::Map { parent, key } => {
                steps.push(Step::Key(key.clone()));
                at = parent;
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => at = parent,
        }
    }
    steps.reverse();
    steps
}

/// Every string (outside ignored subtrees) that holds a NUL, by field name.
fn find_nul(
    value: &Value,
    at: &mut Vec<Step>,
    ignored: &HashSet<Vec<Step>>,
    found: &mut Vec<String>,
) {
    if !ignored.is_empty() && ignored.contains(at.as_slice()) {
        return;
    }
    match value {
        Value::String(text) if text.contains('\0') => found.push(field_name(at)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(Step::Index(i));
                find_nul(item, at, ignored, found);
                at.pop();
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                at.push(Step::Key(key.clone()));
                find_nul(item, at, ignored, found);
                at.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        items: Vec<Item>,
        note: Option<String>,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        username: String,
        size: i64,
        track: Option<Track>,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Track {
        artist: Option<String>,
    }

    fn fields(value: Value) -> Vec<String> {
        match from_value::<Body>(value) {
            Err(ApiError::Validation { details, .. }) => {
                details.into_iter().map(|d| d.field).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_of_a_wrong_type() {
        let body = json!({"items": [{"username": "u", "size": "big"}]});
        assert_eq!(fields(body), ["items[0].size"]);
        assert_eq!(fields(json!({"items": "x"})), ["items"]);
        assert_eq!(fields(json!("x")), ["body"]);
        assert_eq!(fields(json!([1, 2])), ["body[0]"]);
    }

    #[test]
    fn quotes_a_long_value_shortened() {
        let body = json!({"items": "x".repeat(10_000)});
        let Err(ApiError::Validation { details, .. }) = from_value::<Body>(body.clone()) else {
            panic!("expected a validation error")
        };
        assert!(
            details[0].message.chars().count() <= 201,
            "{}",
            details[0].message
        );
    }

    #[test]
    fn names_a_missing_field_itself() {
        assert_eq!(
            fields(json!({"items": [{"size": 1}]})),
            ["items[0].username"]
        );
        assert_eq!(fields(json!({})), ["items"]);
    }

    #[test]
    fn refuses_nul_in_read_text_only() {
        let body = json!({"items": [{"username": "u", "size": 1, "track": {"artist": "a\u{0}b"}}],
                          "note": "\u{0}"});
        assert_eq!(fields(body), ["items[0].track.artist", "note"]);
        // Unknown fields are ignored, NUL or not.
        let body =
            json!({"items": [{"username": "u", "size": 1, "extra": "\u{0}"}], "other": "\u{0}"});
        assert!(from_value::<Body>(body.clone()).is_ok());
    }

    #[test]
    fn integral_floats_are_integers_and_fractions_are_not() {
        let body = json!({"items": [{"username": "u", "size": 1313.0}]});
        let parsed = from_value::<Body>(body).unwrap();
        assert_eq!(parsed.items[0].size, 1313);
        assert_eq!(
            fields(json!({"items": [{"username": "u", "size": 13.5}]})),
            ["items[0].size"]
        );
        assert_eq!(
            fields(json!({"items": [{"username": "u", "size": 1e19}]})),
            ["items[0].size"]
        );
    }
}
