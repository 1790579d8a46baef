//! A typed job to and from its `worker_jobs` columns.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// The `kind` and `payload` columns of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub kind: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobDecodeError {
    #[error("the payload of a '{kind}' job is not JSON: {error}")]
    NotJson { kind: String, error: String },
    #[error("a '{kind}' job this worker cannot read: {error}")]
    Shape { kind: String, error: String },
}

/// Job enums are adjacently tagged (`{"kind": …, "payload": {…}}`); the two
/// parts are the row's two columns.
pub fn encode<J: Serialize>(job: &J) -> Result<Encoded, serde_json::Error> {
    let value = serde_json::to_value(job)?;
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| serde::ser::Error::custom("a job enum must be tagged by \"kind\""))?
        .to_string();
    let payload = value.get("payload").cloned().unwrap_or_else(|| json!({}));
    Ok(Encoded {
        kind,
        payload: payload.to_string(),
    })
}

pub fn decode<J: DeserializeOwned>(kind: &str, payload: &str) -> Result<J, JobDecodeError> {
    let payload: Value = serde_json::from_str(payload).map_err(|e| JobDecodeError::NotJson {
        kind: kind.to_string(),
        error: e.to_string(),
    })?;
    serde_json::from_value(json!({"kind": kind, "payload": payload})).map_err(|e| {
        JobDecodeError::Shape {
            kind: kind.to_string(),
            error: e.to_string(),
        }
    })
}

/// The serde name of a job's variant (its `kind` column).
pub fn kind_of<J: Serialize>(job: &J) -> String {
    encode(job).map(|e| e.kind).unwrap_or_default()
}
