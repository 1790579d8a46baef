//! The labelled matching corpus (`matching.md` § "The benchmark corpus"):
//! loading its files. Shared by the benchmark and `tests/matching_corpus.rs`.

use std::path::{Path, PathBuf};

use harmony::domain::matching::{Candidate, TrackQuery};
use serde_json::Value;

/// The public corpus (outside the repository).
pub const PUBLIC_CORPUS: &str = "/work/shared/data/matching";

/// The companion file of issue 18's hard cases, in the repository.
pub fn companion_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/matching/companion.json")
}

pub struct Case {
    pub id: String,
    pub note: String,
    pub track: TrackQuery,
    pub candidates: Vec<Candidate>,
    pub expected: Vec<usize>,
}

/// Every `*.json` of a directory, or the file itself.
pub fn corpus_files(source: &Path) -> Vec<PathBuf> {
    if source.is_file() {
        return vec![source.to_path_buf()];
    }
    let Ok(entries) = std::fs::read_dir(source) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

pub fn load(file: &Path) -> Result<Vec<Case>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let items = value.as_array().ok_or("not a JSON array")?;
    items.iter().map(case).collect()
}

fn case(v: &Value) -> Result<Case, String> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let u = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
    let t = v.get("track").ok_or("case without track")?;
    let track = TrackQuery {
        artist: s(t, "artist").unwrap_or_default(),
        title: s(t, "title").ok_or("track without title")?,
        album: s(t, "album"),
        duration_ms: u(t, "duration_ms"),
        track_number: u(t, "track_number").and_then(|n| u32::try_from(n).ok()),
    };
    let u32_of = |v: &Value, k: &str| u(v, k).and_then(|n| u32::try_from(n).ok());
    let candidates = v
        .get("candidates")
        .and_then(Value::as_array)
        .ok_or("case without candidates")?
        .iter()
        .map(|c| Candidate {
            username: s(c, "username").unwrap_or_default(),
            filename: s(c, "filename").unwrap_or_default(),
            size: u(c, "size"),
            extension: s(c, "extension"),
            bitrate: u32_of(c, "bitrate"),
            length: u32_of(c, "length"),
            sample_rate: u32_of(c, "sample_rate"),
            bit_depth: u32_of(c, "bit_depth"),
            has_free_upload_slot: c.get("has_free_upload_slot").and_then(Value::as_bool),
            queue_length: u(c, "queue_length"),
            upload_speed: u(c, "upload_speed"),
            locked: c.get("locked").and_then(Value::as_bool).unwrap_or(false),
        })
        .collect();
    let expected = v
        .get("expected")
        .and_then(Value::as_array)
        .ok_or("case without expected")?
        .iter()
        .filter_map(Value::as_u64)
        .map(|n| n as usize)
        .collect();
    Ok(Case {
        id: s(v, "id").unwrap_or_default(),
        note: s(v, "note").unwrap_or_default(),
        track,
        candidates,
        expected,
    })
}
