//! All changes to one file in a single copy / verify / rename.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cover::{self, CoverInfo};
use super::format::AudioSummary;
use super::format::{AudioDoc, AudioFormat};
use super::read;
use super::safe_write::safe_write;
use super::{lyrics, mp4, write, Id3Version, TagError, TagSet};

/// What to change in a file. `None` leaves that part alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChanges {
    /// Fields to write (`None` fields inside keep the file's values).
    pub tags: Option<TagSet>,
    /// Image bytes to embed as the only picture (front cover).
    pub cover: Option<Vec<u8>>,
    /// Unsynchronised lyrics to embed.
    pub lyrics: Option<String>,
    /// ID3v2 version for MP3 files.
    pub id3: Id3Version,
}

/// The state of the file after [`apply`], as read back from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub format: AudioFormat,
    pub audio: AudioSummary,
    /// Every field as read back.
    pub tags: TagSet,
    /// The embedded cover after the change (front cover, else the first picture).
    pub cover: Option<CoverInfo>,
    /// Whether the file has embedded lyrics after the change.
    pub has_lyrics: bool,
    /// `false` when there was nothing to change and the file was not rewritten.
    pub written: bool,
}

#[derive(Default)]
struct Expected {
    before: TagSet,
    tags: Option<TagSet>,
    cover: Option<CoverInfo>,
    lyrics: Option<String>,
}

fn describe(doc: &AudioDoc, written: bool) -> Applied {
    Applied {
        format: doc.format(),
        audio: doc.summary(),
        tags: read::fields(doc),
        cover: cover::chosen_info(doc),
        has_lyrics: read::lyrics(doc).is_some(),
        written,
    }
}

/// Applies tags, cover and lyrics to `path` in one verified safe write (see
/// [`super::safe_write`]): the file is copied once, changed, re-read, checked (audio
/// unchanged, every written value reads back, fields not asked for untouched, exactly one
/// front cover, the lyrics text) and renamed over the original.
///
/// Value rules are those of [`super::write_tags`], [`super::embed_cover`] and
/// [`super::embed_lyrics`]. With nothing to change the file is only read.
pub fn apply(path: &Path, changes: &FileChanges) -> Result<Applied, TagError> {
    let tags = match &changes.tags {
        Some(t) => Some(write::prepare(t)?).filter(|t| !write::is_empty(t)),
        None => None,
    };
    let lyrics = changes.lyrics.as_deref().map(lyrics::clean).transpose()?;

    if tags.is_none() && changes.cover.is_none() && lyrics.is_none() {
        let (_, doc) = AudioDoc::open(path)?;
        return Ok(describe(&doc, false));
    }

    let (_, reread) = safe_write(
        path,
        changes.id3,
        |doc| {
            let mut exp = Expected {
                before: read::fields(doc),
                ..Expected::default()
            };
            if let Some(t) = &tags {
                if doc.format() == AudioFormat::Mp4 {
                    mp4::check(t)?;
                }
                let eff = write::effective(t, &exp.before);
                write::set_fields(doc, &eff);
                exp.tags = Some(eff);
            }
            if let Some(image) = &changes.cover {
                exp.cover = Some(cover::set_cover(doc, image.clone())?);
            }
            if let Some(text) = &lyrics {
                lyrics::set_lyrics(doc, text);
                exp.lyrics = Some(text.clone());
            }
            Ok(exp)
        },
        |doc, exp| {
            let written = exp.tags.clone().unwrap_or_default();
            write::compare(&written, &exp.before, &read::fields(doc))?;
            if let Some(want) = &exp.cover {
                let got = cover::single_cover(doc)?;
                if &got != want {
                    return Err(format!("cover: wrote {want:?}, read back {got:?}"));
                }
            }
            if let Some(want) = &exp.lyrics {
                let got = read::lyrics(doc);
                if got.as_deref() != Some(want.as_str()) {
                    return Err(format!(
                        "lyrics: wrote {} chars, read back {:?} chars",
                        want.chars().count(),
                        got.map(|g| g.chars().count())
                    ));
                }
            }
            Ok(())
        },
    )?;
    Ok(describe(&reread, true))
}

/// Replaces every embedded picture with `image` as the single front cover.
///
/// `image` must be a JPEG, PNG, WebP or GIF whose dimensions can be read (MP4 accepts only
/// JPEG and PNG). Goes through the verified safe write.
pub fn embed_cover(path: &Path, image: &[u8]) -> Result<(), TagError> {
    apply(
        path,
        &FileChanges {
            cover: Some(image.to_vec()),
            ..FileChanges::default()
        },
    )
    .map(|_| ())
}
