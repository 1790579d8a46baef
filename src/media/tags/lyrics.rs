//! Unsynchronised lyrics embedded in the audio file.
//!
//! ID3v2: one `USLT` frame (language `XXX`, empty description; lofty maps `USLT` to
//! `ItemKey::UnsyncLyrics` because ID3 keeps synced lyrics in `SYLT`). Vorbis comments:
//! `LYRICS`. MP4: `©lyr`. Synced LRC goes to the `.lrc` file next to the track instead.

use std::path::Path;

use super::apply::{apply, FileChanges};
use super::format::{AudioDoc, TagMut};
use super::{id3, mp4, read, vorbis, TagError};

/// Embeds `text` as the file's unsynchronised lyrics (replacing any), via the verified safe
/// write. Line endings are normalised to `\n`; NUL characters are dropped.
pub fn embed_lyrics(path: &Path, text: &str) -> Result<(), TagError> {
    apply(
        path,
        &FileChanges {
            lyrics: Some(text.to_string()),
            ..FileChanges::default()
        },
    )
    .map(|_| ())
}

/// The embedded unsynchronised lyrics, if any.
pub fn read_lyrics(path: &Path) -> Result<Option<String>, TagError> {
    let (_, doc) = AudioDoc::open(path)?;
    Ok(read::lyrics(&doc))
}

/// The text as it will be stored; an error when nothing but whitespace is left.
pub(crate) fn clean(text: &str) -> Result<String, TagError> {
    let text = text
        .replace("\r\n", "\n")
        .replace(['\r'], "\n")
        .replace('\0', "");
    let text = text.trim_matches(['\n', ' ', '\t']).to_string();
    if text.is_empty() {
        return Err(TagError::Invalid("lyrics are empty".to_string()));
    }
    Ok(text)
}

pub(crate) fn set_lyrics(doc: &mut AudioDoc, text: &str) {
    doc.edit_tag(|tag| match tag {
        TagMut::Id3(t) => id3::set_lyrics(t, text),
        TagMut::Vorbis(t) => vorbis::set_lyrics(t, text),
        TagMut::Ilst(t) => mp4::set_lyrics(t, text),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_normalises() {
        assert_eq!(clean("a\r\nb\rc\0\n\n").unwrap(), "a\nb\nc");
        assert!(matches!(clean(" \n\t"), Err(TagError::Invalid(_))));
    }
}
