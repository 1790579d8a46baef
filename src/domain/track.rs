//! What a file is meant to be: the track a download was asked for. Kept on
//! every download from its creation, so organising and tagging never have to
//! guess what the caller already knew.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Track {
    pub artist: Option<String>,
    pub title: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    /// Discs in the release; ≥ 2 puts the disc into the file name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disc_count: Option<u32>,
    pub year: Option<i32>,
    pub duration_ms: Option<u64>,
    pub isrc: Option<String>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
}

impl Track {
    /// Reads the stored JSON; a damaged value reads as "nothing known".
    pub fn from_json(text: &str) -> Track {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_damage() {
        let track = Track {
            artist: Some("Daft Punk".into()),
            title: Some("One More Time".into()),
            track_number: Some(1),
            ..Track::default()
        };
        assert_eq!(Track::from_json(&track.to_json()), track);
        assert_eq!(Track::from_json("not json"), Track::default());
        assert_eq!(
            Track::from_json(r#"{"artist":"A","extra":1}"#)
                .artist
                .as_deref(),
            Some("A")
        );
    }

    #[test]
    fn every_contract_key_is_present() {
        let value = serde_json::to_value(Track::default()).unwrap_or_default();
        for key in [
            "artist",
            "title",
            "album",
            "album_artist",
            "track_number",
            "disc_number",
            "year",
            "duration_ms",
            "isrc",
            "spotify_track_id",
            "spotify_album_id",
        ] {
            assert!(value.get(key).is_some(), "{key}");
        }
    }
}
