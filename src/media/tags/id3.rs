//! `TagSet` ↔ ID3v2 frames (MP3).

use std::borrow::Cow;

use lofty::id3::v2::{
    AttachedPictureFrame, Frame, FrameId, Id3v2Tag, KeyValueFrame, TextInformationFrame,
    TimestampFrame, UnsynchronizedTextFrame,
};
use lofty::picture::Picture;
use lofty::tag::items::Timestamp;
use lofty::tag::Accessor;
use lofty::TextEncoding;

use super::mapping::id3 as key;
use super::read::non_empty;
use super::TagSet;

fn id(name: &'static str) -> FrameId<'static> {
    FrameId::Valid(Cow::Borrowed(name))
}

fn set_text(tag: &mut Id3v2Tag, frame: &'static str, value: &str) {
    // `insert` replaces the frame with the same id.
    tag.insert(Frame::Text(TextInformationFrame::new(
        id(frame),
        TextEncoding::UTF8,
        value.to_string(),
    )));
}

/// Raw text of a frame, ID3v2.4 multi-values joined with "/" like lofty's accessors do.
fn text(tag: &Id3v2Tag, frame: &'static str) -> Option<String> {
    non_empty(tag.get_text(&id(frame))?.replace('\0', "/"))
}

fn set_user_text(tag: &mut Id3v2Tag, description: &str, value: &str) {
    let _ = tag.remove_user_text(description);
    let _ = tag.insert_user_text(description.to_string(), value.to_string());
}

fn set_producer(tag: &mut Id3v2Tag, value: &str) {
    let mut pairs: Vec<(Cow<'static, str>, Cow<'static, str>)> = Vec::new();
    let mut encoding = TextEncoding::UTF8;
    for frame in tag.remove(&id(key::INVOLVED_PEOPLE)) {
        if let Frame::KeyValue(kv) = frame {
            encoding = kv.encoding;
            pairs.extend(kv.key_value_pairs.into_owned());
        }
    }
    pairs.retain(|(role, _)| !role.eq_ignore_ascii_case(key::PRODUCER_ROLE));
    pairs.push((
        Cow::Borrowed(key::PRODUCER_ROLE),
        Cow::Owned(value.to_string()),
    ));
    // A Latin-1 frame could not hold every name; UTF-8 is converted to UTF-16 for v2.3.
    if encoding == TextEncoding::Latin1 {
        encoding = TextEncoding::UTF8;
    }
    tag.insert(Frame::KeyValue(KeyValueFrame::new(
        id(key::INVOLVED_PEOPLE),
        encoding,
        pairs,
    )));
}

fn producer(tag: &Id3v2Tag) -> Option<String> {
    let from_tipl = tag.into_iter().find_map(|frame| match frame {
        Frame::KeyValue(kv) if kv.id().as_str() == key::INVOLVED_PEOPLE => kv
            .key_value_pairs
            .iter()
            .find(|(role, _)| role.eq_ignore_ascii_case(key::PRODUCER_ROLE))
            .and_then(|(_, name)| non_empty(name.to_string())),
        _ => None,
    });
    from_tipl.or_else(|| non_empty(tag.get_user_text(key::PRODUCER_TXXX)?.to_string()))
}

/// Writes every `Some` field of `tags` (already cleaned by the caller).
pub(crate) fn write_fields(tag: &mut Id3v2Tag, tags: &TagSet) {
    let texts = [
        (key::TITLE, &tags.title),
        (key::ARTIST, &tags.artist),
        (key::ALBUM, &tags.album),
        (key::ALBUM_ARTIST, &tags.album_artist),
        (key::GENRE, &tags.genre),
        (key::COMPOSER, &tags.composer),
        (key::ISRC, &tags.isrc),
        (key::COPYRIGHT, &tags.copyright),
    ];
    for (frame, value) in texts {
        if let Some(v) = value {
            set_text(tag, frame, v);
        }
    }
    // Accessors keep the other half of "n/total".
    if let Some(n) = tags.track_number {
        tag.set_track(n);
    }
    if let Some(n) = tags.track_total {
        tag.set_track_total(n);
    }
    if let Some(n) = tags.disc_number {
        tag.set_disk(n);
    }
    if let Some(n) = tags.disc_total {
        tag.set_disk_total(n);
    }
    if let Some(year) = tags.year.and_then(|y| u16::try_from(y).ok()) {
        // Keep a full date that already has the right year.
        if tag.date().map(|d| d.year) != Some(year) {
            // Not `Accessor::set_date`: in lofty 0.25.5 it stores TDRC as a plain text frame,
            // which the ID3v2.3 writer drops (it only converts timestamp frames to TYER).
            tag.insert(Frame::Timestamp(TimestampFrame::new(
                id(key::RECORDING_DATE),
                TextEncoding::UTF8,
                Timestamp {
                    year,
                    ..Timestamp::default()
                },
            )));
        }
    }
    if let Some(v) = &tags.producer {
        set_producer(tag, v);
    }
    if let Some(v) = &tags.spotify_track_id {
        set_user_text(tag, key::SPOTIFY_TRACK_ID, v);
    }
    if let Some(v) = &tags.spotify_album_id {
        set_user_text(tag, key::SPOTIFY_ALBUM_ID, v);
    }
}

pub(crate) fn read_fields(tag: &Id3v2Tag) -> TagSet {
    TagSet {
        title: tag.title().and_then(|v| non_empty(v.into_owned())),
        artist: tag.artist().and_then(|v| non_empty(v.into_owned())),
        album: tag.album().and_then(|v| non_empty(v.into_owned())),
        album_artist: text(tag, key::ALBUM_ARTIST),
        track_number: tag.track().filter(|n| *n > 0),
        track_total: tag.track_total().filter(|n| *n > 0),
        disc_number: tag.disk().filter(|n| *n > 0),
        disc_total: tag.disk_total().filter(|n| *n > 0),
        year: tag.date().map(|d| i32::from(d.year)).or_else(|| {
            text(tag, key::RECORDING_DATE).and_then(|t| super::read::year_from_text(&t))
        }),
        genre: tag.genre().and_then(|v| non_empty(v.into_owned())),
        composer: text(tag, key::COMPOSER),
        producer: producer(tag),
        isrc: text(tag, key::ISRC),
        copyright: text(tag, key::COPYRIGHT),
        spotify_track_id: tag
            .get_user_text(key::SPOTIFY_TRACK_ID)
            .and_then(|v| non_empty(v.to_string())),
        spotify_album_id: tag
            .get_user_text(key::SPOTIFY_ALBUM_ID)
            .and_then(|v| non_empty(v.to_string())),
    }
}

/// Replaces all `USLT` frames with one.
pub(crate) fn set_lyrics(tag: &mut Id3v2Tag, text: &str) {
    tag.remove(&id(key::LYRICS)).for_each(drop);
    tag.insert(Frame::UnsynchronizedText(UnsynchronizedTextFrame::new(
        TextEncoding::UTF8,
        key::LYRICS_LANGUAGE,
        String::new(),
        text.to_string(),
    )));
}

pub(crate) fn lyrics(tag: &Id3v2Tag) -> Option<String> {
    tag.unsync_text()
        .find_map(|f| non_empty(f.content.to_string()))
}

pub(crate) fn pictures(tag: &Id3v2Tag) -> Vec<&Picture> {
    tag.into_iter()
        .filter_map(|frame| match frame {
            Frame::Picture(AttachedPictureFrame { picture, .. }) => Some(&**picture),
            _ => None,
        })
        .collect()
}

/// Replaces every `APIC` frame with `picture`.
pub(crate) fn replace_pictures(tag: &mut Id3v2Tag, picture: Picture) {
    tag.remove(&id(key::PICTURE)).for_each(drop);
    let _ = tag.insert_picture(picture);
}
