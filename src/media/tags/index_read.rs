//! What the library index keeps of a file: its tags (as `read_tags`), the
//! MusicBrainz ids and its audio properties, read in one pass without covers.

use std::borrow::Cow;
use std::path::Path;

use lofty::id3::v2::{Frame, Id3v2Tag};
use lofty::mp4::{AtomData, AtomIdent, Ilst};
use lofty::ogg::tag::VorbisComments;

use super::format::{AudioDoc, AudioFormat, TagRef};
use super::read::{fields, non_empty};
use super::{TagError, TagSet};

/// One file as the index sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexedTags {
    pub tags: TagSet,
    pub format: Option<AudioFormat>,
    pub musicbrainz_recording_id: Option<String>,
    pub musicbrainz_release_id: Option<String>,
    pub duration_ms: Option<u64>,
    /// kbps.
    pub bitrate: Option<u32>,
    pub sample_rate: Option<u32>,
    pub bit_depth: Option<u8>,
}

/// Reads `path` for the index. Corrupt or unsupported files are errors (the
/// index lists them with the reason).
pub fn read_for_index(path: &Path) -> Result<IndexedTags, TagError> {
    let doc = AudioDoc::open_without_covers(path)?;
    let properties = doc.properties();
    let (recording, release) = match doc.tag() {
        None => (None, None),
        Some(TagRef::Id3(t)) => id3_ids(t),
        Some(TagRef::Vorbis(t)) => vorbis_ids(t),
        Some(TagRef::Ilst(t)) => mp4_ids(t),
    };
    let duration = u64::try_from(properties.duration().as_millis()).unwrap_or(u64::MAX);
    Ok(IndexedTags {
        tags: fields(&doc),
        format: Some(doc.format()),
        musicbrainz_recording_id: recording,
        musicbrainz_release_id: release,
        duration_ms: (duration > 0).then_some(duration),
        bitrate: properties
            .audio_bitrate()
            .or(properties.overall_bitrate())
            .filter(|b| *b > 0),
        sample_rate: properties.sample_rate().filter(|r| *r > 0),
        bit_depth: properties.bit_depth().filter(|d| *d > 0),
    })
}

/// Picard's frames: `UFID:http://musicbrainz.org` (recording) and
/// `TXXX:MusicBrainz Album Id` (release).
fn id3_ids(tag: &Id3v2Tag) -> (Option<String>, Option<String>) {
    let recording = tag.into_iter().find_map(|frame| match frame {
        Frame::UniqueFileIdentifier(f) if f.owner == "http://musicbrainz.org" => {
            non_empty(String::from_utf8_lossy(&f.identifier).into_owned())
        }
        _ => None,
    });
    let release = tag
        .get_user_text("MusicBrainz Album Id")
        .and_then(|s| non_empty(s.to_string()));
    (recording, release)
}

fn vorbis_ids(tag: &VorbisComments) -> (Option<String>, Option<String>) {
    let get = |k: &str| tag.get(k).and_then(|s| non_empty(s.to_string()));
    (get("MUSICBRAINZ_TRACKID"), get("MUSICBRAINZ_ALBUMID"))
}

fn mp4_ids(tag: &Ilst) -> (Option<String>, Option<String>) {
    let get = |name: &'static str| {
        let ident = AtomIdent::Freeform {
            mean: Cow::Borrowed("com.apple.iTunes"),
            name: Cow::Borrowed(name),
        };
        tag.get(&ident)?.data().find_map(|d| match d {
            AtomData::UTF8(s) | AtomData::UTF16(s) => non_empty(s.clone()),
            _ => None,
        })
    };
    (get("MusicBrainz Track Id"), get("MusicBrainz Album Id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn reads_properties_of_every_fixture_format() {
        for (name, format) in [
            ("tone.mp3", AudioFormat::Mp3),
            ("tone.flac", AudioFormat::Flac),
            ("tone.m4a", AudioFormat::Mp4),
            ("tone.ogg", AudioFormat::OggVorbis),
            ("tone.opus", AudioFormat::OggOpus),
        ] {
            let read = read_for_index(&fixture(name)).unwrap();
            assert_eq!(read.format, Some(format), "{name}");
            assert!(read.duration_ms.is_some_and(|d| d > 0), "{name}: {read:?}");
            assert!(read.sample_rate.is_some(), "{name}: {read:?}");
        }
        let flac = read_for_index(&fixture("tone.flac")).unwrap();
        assert!(flac.bit_depth.is_some());
    }

    #[test]
    fn a_corrupt_file_is_an_error_with_its_reason() {
        let err = read_for_index(&fixture("corrupt.mp3")).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
}
