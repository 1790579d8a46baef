//! Embedded cover art: inspect, extract, replace.

use std::path::Path;

use lofty::ogg::OggPictureStorage;
use lofty::picture::{MimeType, Picture, PictureInformation, PictureType};
use serde::{Deserialize, Serialize};

use super::format::{AudioDoc, AudioFormat, TagMut};
use super::{id3, mp4, TagError};
use crate::domain::artwork::image_size;
use crate::domain::artwork::rules::ExistingCover;

/// What is known about an embedded picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverInfo {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: u64,
    pub mime: Option<String>,
}

impl CoverInfo {
    /// The input of [`crate::domain::artwork::rules::needs_cover`].
    pub fn as_existing(&self) -> ExistingCover {
        ExistingCover {
            width: self.width,
            height: self.height,
            bytes: self.bytes,
        }
    }
}

/// An embedded picture with its bytes (for `GET …/artwork`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    pub data: Vec<u8>,
    pub info: CoverInfo,
}

/// The embedded cover: the front cover when there is one, else the first picture. MP4 `covr`
/// items have no type, so for M4A this is always the first item.
pub fn existing_cover(path: &Path) -> Result<Option<CoverInfo>, TagError> {
    let (_, doc) = AudioDoc::open(path)?;
    Ok(chosen_info(&doc))
}

/// The bytes of the picture [`existing_cover`] describes.
pub fn read_cover(path: &Path) -> Result<Option<Cover>, TagError> {
    let (_, doc) = AudioDoc::open(path)?;
    Ok(chosen(&doc).map(|(pic, flac_info)| Cover {
        data: pic.data().to_vec(),
        info: describe(pic, flac_info),
    }))
}

/// Every picture of the file, with the FLAC picture-block header when there is one.
pub(crate) fn pictures(doc: &AudioDoc) -> Vec<(&Picture, Option<PictureInformation>)> {
    fn ogg(list: &[(Picture, PictureInformation)]) -> Vec<(&Picture, Option<PictureInformation>)> {
        list.iter().map(|(p, i)| (p, Some(*i))).collect()
    }
    match doc {
        AudioDoc::Mp3(f) => f
            .id3v2()
            .map(|t| id3::pictures(t).into_iter().map(|p| (p, None)).collect())
            .unwrap_or_default(),
        AudioDoc::Flac(f) => {
            let mut all = ogg(f.pictures());
            if let Some(vc) = f.vorbis_comments() {
                all.extend(ogg(vc.pictures()));
            }
            all
        }
        AudioDoc::Mp4(f) => f
            .ilst()
            .map(|t| mp4::pictures(t).into_iter().map(|p| (p, None)).collect())
            .unwrap_or_default(),
        AudioDoc::OggVorbis(f) => ogg(f.vorbis_comments().pictures()),
        AudioDoc::OggOpus(f) => ogg(f.vorbis_comments().pictures()),
    }
}

fn chosen(doc: &AudioDoc) -> Option<(&Picture, Option<PictureInformation>)> {
    let all = pictures(doc);
    let front = all
        .iter()
        .position(|(p, _)| p.pic_type() == PictureType::CoverFront)
        .unwrap_or(0);
    all.get(front).copied()
}

/// [`describe`] of the picture [`existing_cover`] reports.
pub(crate) fn chosen_info(doc: &AudioDoc) -> Option<CoverInfo> {
    chosen(doc).map(|(pic, flac_info)| describe(pic, flac_info))
}

/// Size and type: sniffed from the image bytes, else the FLAC picture header.
pub(crate) fn describe(pic: &Picture, flac_info: Option<PictureInformation>) -> CoverInfo {
    let sniffed = image_size::sniff(pic.data());
    let (width, height) = match (sniffed, flac_info) {
        (Some(i), _) => (Some(i.width), Some(i.height)),
        (None, Some(i)) if i.width > 0 && i.height > 0 => (Some(i.width), Some(i.height)),
        _ => (None, None),
    };
    let mime = pic
        .mime_type()
        .map(|m| m.as_str().to_string())
        .or_else(|| image_size::mime_of(pic.data()).map(str::to_string));
    CoverInfo {
        width,
        height,
        bytes: pic.data().len() as u64,
        mime,
    }
}

/// Replaces all pictures of `doc` with `image` as the front cover; returns what a re-read must
/// report.
pub(crate) fn set_cover(doc: &mut AudioDoc, image: Vec<u8>) -> Result<CoverInfo, TagError> {
    let Some(info) = image_size::sniff(&image) else {
        return Err(TagError::Invalid(
            "cover bytes are not a JPEG, PNG, WebP or GIF image with readable dimensions"
                .to_string(),
        ));
    };
    let mime = MimeType::from_str(info.mime);
    if doc.format() == AudioFormat::Mp4 && !matches!(mime, MimeType::Jpeg | MimeType::Png) {
        return Err(TagError::Unsupported(format!(
            "{} covers in MP4 files (JPEG or PNG only)",
            info.mime
        )));
    }
    let expected = CoverInfo {
        width: Some(info.width),
        height: Some(info.height),
        bytes: image.len() as u64,
        mime: Some(info.mime.to_string()),
    };
    let picture = Picture::unchecked(image)
        .pic_type(PictureType::CoverFront)
        .mime_type(mime)
        .build();
    // FLAC/Ogg picture blocks carry width/height/depth; lofty reads them from JPEG/PNG.
    let block_info = PictureInformation::from_picture(&picture)
        .ok()
        .filter(|i| i.width > 0 && i.height > 0)
        .unwrap_or(PictureInformation {
            width: info.width,
            height: info.height,
            color_depth: 0,
            num_colors: 0,
        });
    let ogg_err = |e: lofty::picture::error::PictureParseError| TagError::Invalid(e.to_string());

    match doc {
        AudioDoc::Mp3(_) | AudioDoc::Mp4(_) => doc.edit_tag(|tag| match tag {
            TagMut::Id3(t) => id3::replace_pictures(t, picture),
            TagMut::Ilst(t) => mp4::replace_pictures(t, picture),
            TagMut::Vorbis(_) => {}
        }),
        AudioDoc::Flac(f) => {
            f.remove_pictures();
            if let Some(vc) = f.vorbis_comments_mut() {
                vc.remove_pictures();
            }
            f.insert_picture(picture, Some(block_info))
                .map_err(ogg_err)?;
        }
        AudioDoc::OggVorbis(f) => {
            let vc = f.vorbis_comments_mut();
            vc.remove_pictures();
            vc.insert_picture(picture, Some(block_info))
                .map_err(ogg_err)?;
        }
        AudioDoc::OggOpus(f) => {
            let vc = f.vorbis_comments_mut();
            vc.remove_pictures();
            vc.insert_picture(picture, Some(block_info))
                .map_err(ogg_err)?;
        }
    }
    Ok(expected)
}

/// The description of the single picture a re-read file must have after [`set_cover`].
pub(crate) fn single_cover(doc: &AudioDoc) -> Result<CoverInfo, String> {
    let all = pictures(doc);
    match all.as_slice() {
        [(pic, info)] => {
            if doc.format() != AudioFormat::Mp4 && pic.pic_type() != PictureType::CoverFront {
                return Err(format!(
                    "picture type is {:?}, not front cover",
                    pic.pic_type()
                ));
            }
            Ok(describe(pic, *info))
        }
        other => Err(format!("{} pictures instead of 1", other.len())),
    }
}
