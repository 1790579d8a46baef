//! What the matching engine reads and answers (the vocabulary of
//! `matching.md` and `api.md` §4–§5). The engine itself lives next door.

use std::collections::HashSet;

/// The wanted track, as far as it is known. Only the title is required.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackQuery {
    /// Empty when unknown (an unknown artist is still a valid question).
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
    pub track_number: Option<u32>,
}

/// One file as slskd reports it in a search response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidate {
    pub username: String,
    /// The full remote path, backslashes and all, byte for byte.
    pub filename: String,
    pub size: Option<u64>,
    /// As the peer sent it: may be empty, upper case, or disagree with the name.
    pub extension: Option<String>,
    /// kbps; usually absent for lossless files.
    pub bitrate: Option<u32>,
    /// Seconds, as slskd reports it.
    pub length: Option<u32>,
    pub sample_rate: Option<u32>,
    pub bit_depth: Option<u32>,
    pub has_free_upload_slot: Option<bool>,
    pub queue_length: Option<u64>,
    /// Bytes per second, as the peer reports it.
    pub upload_speed: Option<u64>,
    pub locked: bool,
}

/// Knobs from configuration (`MATCH_*`), overridable per request.
#[derive(Debug, Clone, PartialEq)]
pub struct Preferences {
    /// Lower-case extensions, most preferred first; unlisted formats rank last.
    pub formats: Vec<String>,
    /// Lossy files below this (kbps) are refused when the bitrate is known.
    pub min_bitrate: u32,
    pub duration_tolerance_sec: f64,
    pub min_score: f64,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            formats: vec!["flac".into(), "mp3".into()],
            min_bitrate: 192,
            duration_tolerance_sec: 5.0,
            min_score: 0.7,
        }
    }
}

/// Why a candidate is not accepted; the names are the contract's `rejected_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Refusal {
    Duration,
    Version,
    Title,
    Artist,
    Format,
    Bitrate,
    Locked,
    MinScore,
    UserRejected,
    TransferFailed,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Duration => "duration",
            Refusal::Version => "version",
            Refusal::Title => "title",
            Refusal::Artist => "artist",
            Refusal::Format => "format",
            Refusal::Bitrate => "bitrate",
            Refusal::Locked => "locked",
            Refusal::MinScore => "min_score",
            Refusal::UserRejected => "user_rejected",
            Refusal::TransferFailed => "transfer_failed",
        }
    }

    pub fn parse(name: &str) -> Option<Refusal> {
        Some(match name {
            "duration" => Refusal::Duration,
            "version" => Refusal::Version,
            "title" => Refusal::Title,
            "artist" => Refusal::Artist,
            "format" => Refusal::Format,
            "bitrate" => Refusal::Bitrate,
            "locked" => Refusal::Locked,
            "min_score" => Refusal::MinScore,
            "user_rejected" => Refusal::UserRejected,
            "transfer_failed" => Refusal::TransferFailed,
            _ => return None,
        })
    }
}

/// Each part of the score, 0…1, so a person can see why.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Components {
    pub title: f64,
    pub artist: f64,
    pub album: f64,
    pub duration: f64,
    pub quality: f64,
    pub peer: f64,
    /// kbps `size × 8 / length`, when it replaces the peer's claim (not 0…1).
    pub effective_bitrate: Option<u32>,
    /// Why it does: `not_reported`, `claim_exceeds_size`, `lossless_too_small`.
    pub bitrate_reason: Option<&'static str>,
}

impl Components {
    /// The parts as the API shows and stores them; the computed bitrate and
    /// its reason only when the matcher used one (added keys, old readers
    /// ignore them).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "title": self.title,
            "artist": self.artist,
            "album": self.album,
            "duration": self.duration,
            "quality": self.quality,
            "peer": self.peer,
        });
        if let (Some(kbps), Some(why)) = (self.effective_bitrate, self.bitrate_reason) {
            v["effective_bitrate"] = serde_json::json!(kbps);
            v["bitrate_reason"] = serde_json::json!(why);
        }
        v
    }
}

/// The verdict on one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Index into the candidates given to the engine.
    pub index: usize,
    /// 0…1.
    pub score: f64,
    pub accepted: bool,
    /// Empty when accepted; sorted, no duplicates.
    pub rejected_by: Vec<Refusal>,
    pub components: Components,
}

/// What the caller knows beyond the candidates themselves.
#[derive(Debug, Clone, Default)]
pub struct RankContext {
    /// Files never to choose for this track: (username, filename, why).
    pub excluded: Vec<(String, String, Refusal)>,
    /// Users seen failing recently: still acceptable, ranked after the others.
    pub penalized_users: HashSet<String>,
}

/// All candidates in the contract's order: accepted ones best first, then
/// the refused ones by descending score. `best` is the input index of the
/// first accepted candidate, `None` when nothing is acceptable (abstain).
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub best: Option<usize>,
    pub candidates: Vec<Scored>,
}
