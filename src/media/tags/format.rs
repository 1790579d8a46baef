//! Which audio formats are handled, and opening / saving them with lofty's concrete file types.
//!
//! The concrete types (`MpegFile`, `FlacFile`, …) are used instead of lofty's generic
//! `TaggedFile`/`Tag`: the generic tag drops frames it has no `ItemKey` for (for example
//! `TXXX:SPOTIFY_TRACK_ID`), and lofty 0.25 has no `ItemKey::Unknown` to write them. Editing the
//! format's own tag keeps everything we do not touch.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use lofty::config::{ParseOptions, WriteOptions};
use lofty::file::{AudioFile, FileType};
use lofty::flac::FlacFile;
use lofty::id3::v2::Id3v2Tag;
use lofty::mp4::{Ilst, Mp4File};
use lofty::mpeg::MpegFile;
use lofty::ogg::tag::VorbisComments;
use lofty::ogg::{OpusFile, VorbisFile};
use lofty::probe::Probe;
use lofty::properties::FileProperties;
use serde::{Deserialize, Serialize};

use super::{Id3Version, TagError};

/// Audio properties used to check that a write left the audio alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioSummary {
    pub format: AudioFormat,
    pub duration_ms: u64,
    /// For Opus: the input sample rate recorded in the header.
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
}

/// The audio formats Harmony tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioFormat {
    /// MPEG audio (MP3) with an ID3v2 tag.
    Mp3,
    /// FLAC with Vorbis comments and picture blocks.
    Flac,
    /// MP4/M4A (AAC or ALAC) with an `ilst` atom.
    Mp4,
    /// Ogg Vorbis with Vorbis comments.
    OggVorbis,
    /// Ogg Opus with Vorbis comments.
    OggOpus,
}

impl AudioFormat {
    fn from_lofty(file_type: FileType) -> Option<Self> {
        match file_type {
            FileType::Mpeg => Some(AudioFormat::Mp3),
            FileType::Flac => Some(AudioFormat::Flac),
            FileType::Mp4 => Some(AudioFormat::Mp4),
            FileType::Vorbis => Some(AudioFormat::OggVorbis),
            FileType::Opus => Some(AudioFormat::OggOpus),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Flac => "flac",
            AudioFormat::Mp4 => "mp4",
            AudioFormat::OggVorbis => "ogg_vorbis",
            AudioFormat::OggOpus => "ogg_opus",
        }
    }
}

/// A parsed file of one of the supported formats.
pub(crate) enum AudioDoc {
    Mp3(MpegFile),
    Flac(FlacFile),
    Mp4(Mp4File),
    OggVorbis(VorbisFile),
    OggOpus(OpusFile),
}

/// An error with its whole `source()` chain: lofty's top-level messages are generic
/// ("failed to write to file"), the cause is in the sources.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn lofty_err(e: lofty::error::FileParseError) -> TagError {
    TagError::Unreadable(error_chain(&e))
}

fn ext_of(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Detects the format from the content (falling back to the extension), like lofty's probe.
pub(crate) fn detect(path: &Path) -> Result<AudioFormat, TagError> {
    let file =
        File::open(path).map_err(|e| TagError::Io(format!("opening {}: {e}", path.display())))?;
    let mut probe = Probe::new(BufReader::new(file));
    if let Some(by_extension) = FileType::from_path(path) {
        probe = probe.set_file_type(by_extension);
    }
    let probe = probe
        .guess_file_type()
        .map_err(|e| TagError::io("reading the file header", e))?;
    match probe.file_type() {
        Some(ft) => AudioFormat::from_lofty(ft)
            .ok_or_else(|| TagError::Unsupported(format!("{ft:?} files (.{})", ext_of(path)))),
        None => Err(TagError::Unsupported(format!(
            "unrecognised file type (.{})",
            ext_of(path)
        ))),
    }
}

/// Content-based format guess for an open file (used on the temp copy, whose name has no
/// meaningful extension).
pub(crate) fn sniff_format(file: &mut File) -> Result<Option<AudioFormat>, TagError> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))
        .map_err(|e| TagError::io("seeking", e))?;
    let probe = Probe::new(BufReader::new(&mut *file))
        .guess_file_type()
        .map_err(|e| TagError::io("reading the file header", e))?;
    Ok(probe.file_type().and_then(AudioFormat::from_lofty))
}

fn parse_options() -> ParseOptions {
    ParseOptions::new()
}

impl AudioDoc {
    /// Opens `path` as a supported format.
    pub(crate) fn open(path: &Path) -> Result<(AudioFormat, AudioDoc), TagError> {
        let format = detect(path)?;
        let file = File::open(path).map_err(|e| TagError::io("opening", e))?;
        let doc = Self::read(format, &mut BufReader::new(file))?;
        Ok((format, doc))
    }

    /// Opens `path` for the library index: tags and properties, no cover
    /// art (a cover is most of a tag's bytes and the index never shows it).
    pub(crate) fn open_without_covers(path: &Path) -> Result<AudioDoc, TagError> {
        let format = detect(path)?;
        let file = File::open(path).map_err(|e| TagError::io("opening", e))?;
        let opts = parse_options().read_cover_art(false);
        Self::read_with(format, &mut BufReader::new(file), opts)
    }

    /// Parses `reader` as `format`.
    pub(crate) fn read<R: std::io::Read + std::io::Seek>(
        format: AudioFormat,
        reader: &mut R,
    ) -> Result<AudioDoc, TagError> {
        Self::read_with(format, reader, parse_options())
    }

    fn read_with<R: std::io::Read + std::io::Seek>(
        format: AudioFormat,
        reader: &mut R,
        opts: ParseOptions,
    ) -> Result<AudioDoc, TagError> {
        let doc = match format {
            AudioFormat::Mp3 => {
                AudioDoc::Mp3(MpegFile::read_from(reader, opts).map_err(lofty_err)?)
            }
            AudioFormat::Flac => {
                AudioDoc::Flac(FlacFile::read_from(reader, opts).map_err(lofty_err)?)
            }
            AudioFormat::Mp4 => AudioDoc::Mp4(Mp4File::read_from(reader, opts).map_err(lofty_err)?),
            AudioFormat::OggVorbis => {
                AudioDoc::OggVorbis(VorbisFile::read_from(reader, opts).map_err(lofty_err)?)
            }
            AudioFormat::OggOpus => {
                AudioDoc::OggOpus(OpusFile::read_from(reader, opts).map_err(lofty_err)?)
            }
        };
        Ok(doc)
    }

    pub(crate) fn format(&self) -> AudioFormat {
        match self {
            AudioDoc::Mp3(_) => AudioFormat::Mp3,
            AudioDoc::Flac(_) => AudioFormat::Flac,
            AudioDoc::Mp4(_) => AudioFormat::Mp4,
            AudioDoc::OggVorbis(_) => AudioFormat::OggVorbis,
            AudioDoc::OggOpus(_) => AudioFormat::OggOpus,
        }
    }

    pub(crate) fn properties(&self) -> FileProperties {
        match self {
            AudioDoc::Mp3(f) => (*f.properties()).into(),
            AudioDoc::Flac(f) => (*f.properties()).into(),
            AudioDoc::Mp4(f) => f.properties().clone().into(),
            AudioDoc::OggVorbis(f) => (*f.properties()).into(),
            AudioDoc::OggOpus(f) => (*f.properties()).into(),
        }
    }

    pub(crate) fn summary(&self) -> AudioSummary {
        let p = self.properties();
        AudioSummary {
            format: self.format(),
            duration_ms: u64::try_from(p.duration().as_millis()).unwrap_or(u64::MAX),
            sample_rate: p.sample_rate(),
            channels: p.channels(),
        }
    }

    /// Writes every tag of the in-memory document into `file` (which must hold the same audio).
    pub(crate) fn save_to(&self, file: &mut File, id3: Id3Version) -> Result<(), TagError> {
        let opts = WriteOptions::default().use_id3v23(id3 == Id3Version::V23);
        let result = match self {
            AudioDoc::Mp3(f) => f.save_to(file, opts),
            AudioDoc::Flac(f) => f.save_to(file, opts),
            AudioDoc::Mp4(f) => f.save_to(file, opts),
            AudioDoc::OggVorbis(f) => f.save_to(file, opts),
            AudioDoc::OggOpus(f) => f.save_to(file, opts),
        };
        result.map_err(|e| TagError::Io(format!("writing tags: {}", error_chain(&e))))
    }
}

/// The tag we edit in each format, created empty when the file has none.
pub(crate) enum TagMut<'a> {
    Id3(&'a mut Id3v2Tag),
    Vorbis(&'a mut VorbisComments),
    Ilst(&'a mut Ilst),
}

/// Read access to the tag of each format (`None` when the file has no tag).
pub(crate) enum TagRef<'a> {
    Id3(&'a Id3v2Tag),
    Vorbis(&'a VorbisComments),
    Ilst(&'a Ilst),
}

impl AudioDoc {
    /// Runs `edit` on the file's tag, creating an empty one first when the file has none.
    pub(crate) fn edit_tag<R>(&mut self, edit: impl FnOnce(TagMut<'_>) -> R) -> R {
        match self {
            AudioDoc::Mp3(f) => {
                let mut tag = f.remove_id3v2().unwrap_or_default();
                let out = edit(TagMut::Id3(&mut tag));
                f.set_id3v2(tag);
                out
            }
            AudioDoc::Flac(f) => {
                let mut tag = f.remove_vorbis_comments().unwrap_or_default();
                let out = edit(TagMut::Vorbis(&mut tag));
                f.set_vorbis_comments(tag);
                out
            }
            AudioDoc::Mp4(f) => {
                let mut tag = f.remove_ilst().unwrap_or_default();
                let out = edit(TagMut::Ilst(&mut tag));
                f.set_ilst(tag);
                out
            }
            AudioDoc::OggVorbis(f) => edit(TagMut::Vorbis(f.vorbis_comments_mut())),
            AudioDoc::OggOpus(f) => edit(TagMut::Vorbis(f.vorbis_comments_mut())),
        }
    }

    pub(crate) fn tag(&self) -> Option<TagRef<'_>> {
        match self {
            AudioDoc::Mp3(f) => f.id3v2().map(TagRef::Id3),
            AudioDoc::Flac(f) => f.vorbis_comments().map(TagRef::Vorbis),
            AudioDoc::Mp4(f) => f.ilst().map(TagRef::Ilst),
            AudioDoc::OggVorbis(f) => Some(TagRef::Vorbis(f.vorbis_comments())),
            AudioDoc::OggOpus(f) => Some(TagRef::Vorbis(f.vorbis_comments())),
        }
    }
}
