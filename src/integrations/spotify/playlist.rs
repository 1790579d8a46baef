//! Playlists in both shapes Spotify serves: the February 2026 development-mode
//! names (`items: {total}` on playlists, `items[].item` on entries) and the
//! older ones (`tracks: {total}`, `items[].track`) extended-quota apps still get.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::model::{nullable, FullTrack};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Owner {
    #[serde(default, deserialize_with = "nullable")]
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A playlist as `me/playlists` lists it; `track_count` is Spotify's total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RawPlaylist")]
pub struct PlaylistSummary {
    pub id: String,
    pub name: String,
    pub owner: Owner,
    /// Changes whenever the playlist does: a sync can skip an unchanged one.
    pub snapshot_id: String,
    pub track_count: u32,
}

/// `{href, total}` (or a whole page: only `total` is read).
#[derive(Deserialize)]
struct Count {
    #[serde(default, deserialize_with = "nullable")]
    total: u32,
}

#[derive(Deserialize)]
struct RawPlaylist {
    #[serde(default, deserialize_with = "nullable")]
    id: String,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    owner: Owner,
    #[serde(default, deserialize_with = "nullable")]
    snapshot_id: String,
    #[serde(default)]
    items: Option<Count>,
    #[serde(default)]
    tracks: Option<Count>,
}

impl From<RawPlaylist> for PlaylistSummary {
    fn from(raw: RawPlaylist) -> Self {
        let track_count = raw.items.or(raw.tracks).map_or(0, |c| c.total);
        PlaylistSummary {
            id: raw.id,
            name: raw.name,
            owner: raw.owner,
            snapshot_id: raw.snapshot_id,
            track_count,
        }
    }
}

/// A podcast episode in a playlist: kept only so it can be told apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Episode {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub duration_ms: u64,
}

/// What a playlist entry holds.
// Nearly every entry is a track: boxing it would add an allocation per entry
// to save space only on the rare episode.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaylistEntry {
    Track(FullTrack),
    Episode(Episode),
    /// A `type` this client does not know.
    Other(String),
}

impl<'de> Deserialize<'de> for PlaylistEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("track");
        // The older shape flags an episode served as a track with `"episode": true`.
        let flagged_episode = v.get("episode").and_then(Value::as_bool) == Some(true);
        match kind {
            "episode" => serde_json::from_value(v)
                .map(PlaylistEntry::Episode)
                .map_err(serde::de::Error::custom),
            "track" if flagged_episode => serde_json::from_value(v)
                .map(PlaylistEntry::Episode)
                .map_err(serde::de::Error::custom),
            "track" => serde_json::from_value(v)
                .map(PlaylistEntry::Track)
                .map_err(serde::de::Error::custom),
            other => Ok(PlaylistEntry::Other(other.to_string())),
        }
    }
}

/// One entry of `playlists/{id}/items`; `item` is `None` for a track that
/// is no longer available.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "RawItem")]
pub struct PlaylistItem {
    pub added_at: Option<String>,
    pub item: Option<PlaylistEntry>,
}

#[derive(Deserialize)]
struct RawItem {
    #[serde(default)]
    added_at: Option<String>,
    #[serde(default)]
    item: Option<PlaylistEntry>,
    #[serde(default)]
    track: Option<PlaylistEntry>,
}

impl From<RawItem> for PlaylistItem {
    fn from(raw: RawItem) -> Self {
        PlaylistItem {
            added_at: raw.added_at,
            item: raw.item.or(raw.track),
        }
    }
}

impl PlaylistItem {
    /// The catalog track, if this entry is one: not an episode, not a local
    /// file, not a removed track.
    pub fn track(&self) -> Option<&FullTrack> {
        match &self.item {
            Some(PlaylistEntry::Track(t)) if t.id.is_some() && !t.is_local => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_playlist_shapes_give_the_count() {
        let new: PlaylistSummary = serde_json::from_str(
            r#"{"id":"p","name":"N","owner":{"id":"u","display_name":null},
                "snapshot_id":"s","items":{"href":"h","total":7}}"#,
        )
        .unwrap();
        assert_eq!(new.track_count, 7);
        assert_eq!(new.owner.display_name, None);
        let old: PlaylistSummary =
            serde_json::from_str(r#"{"id":"p","tracks":{"href":"h","total":3}}"#).unwrap();
        assert_eq!(old.track_count, 3);
    }

    #[test]
    fn entries_of_every_kind() {
        let parse = |s: &str| serde_json::from_str::<PlaylistItem>(s).unwrap();
        let new = parse(r#"{"added_at":"t","item":{"type":"track","id":"x","name":"A"}}"#);
        assert_eq!(new.track().unwrap().name, "A");
        let old = parse(r#"{"track":{"type":"track","id":"x","name":"B","episode":false}}"#);
        assert_eq!(old.track().unwrap().name, "B");
        assert!(parse(r#"{"item":null}"#).track().is_none());
        assert!(parse(r#"{"item":{"type":"episode","id":"e"}}"#)
            .track()
            .is_none());
        assert!(
            parse(r#"{"track":{"type":"track","id":"e","episode":true}}"#)
                .track()
                .is_none()
        );
        assert!(
            parse(r#"{"item":{"type":"track","id":null,"is_local":true}}"#)
                .track()
                .is_none()
        );
        assert_eq!(
            parse(r#"{"item":{"type":"audiobook"}}"#).item,
            Some(PlaylistEntry::Other("audiobook".into()))
        );
    }
}
