//! `TagSet` ↔ MP4 `ilst` atoms (M4A).

use std::borrow::Cow;

use lofty::mp4::{Atom, AtomData, AtomIdent, Ilst};
use lofty::picture::Picture;
use lofty::tag::items::Timestamp;
use lofty::tag::Accessor;

use super::mapping::mp4 as key;
use super::read::{non_empty, year_from_text};
use super::{TagError, TagSet};

/// The legacy numeric genre atom; removed when `©gen` is written so the two cannot disagree.
const NUMERIC_GENRE: [u8; 4] = *b"gnre";

fn fourcc(code: [u8; 4]) -> AtomIdent<'static> {
    AtomIdent::Fourcc(code)
}

fn freeform(name: &'static str) -> AtomIdent<'static> {
    AtomIdent::Freeform {
        mean: Cow::Borrowed(key::FREEFORM_MEAN),
        name: Cow::Borrowed(name),
    }
}

fn set(tag: &mut Ilst, ident: AtomIdent<'static>, value: &str) {
    tag.replace_atom(Atom::new(ident, AtomData::UTF8(value.to_string())));
}

fn get(tag: &Ilst, ident: &AtomIdent<'_>) -> Option<String> {
    tag.get(ident)?.data().find_map(|d| match d {
        AtomData::UTF8(s) | AtomData::UTF16(s) => non_empty(s.clone()),
        _ => None,
    })
}

/// `trkn`/`disk` hold 16-bit numbers.
pub(crate) fn check(tags: &TagSet) -> Result<(), TagError> {
    let numbers = [
        ("track number", tags.track_number),
        ("track total", tags.track_total),
        ("disc number", tags.disc_number),
        ("disc total", tags.disc_total),
    ];
    for (what, n) in numbers {
        if let Some(n) = n.filter(|n| *n > u32::from(u16::MAX)) {
            return Err(TagError::Invalid(format!(
                "{what} {n} does not fit an MP4 atom (max 65535)"
            )));
        }
    }
    Ok(())
}

/// Writes every `Some` field of `tags` (already cleaned and [`check`]ed by the caller).
pub(crate) fn write_fields(tag: &mut Ilst, tags: &TagSet) {
    let texts = [
        (fourcc(key::TITLE), &tags.title),
        (fourcc(key::ARTIST), &tags.artist),
        (fourcc(key::ALBUM), &tags.album),
        (fourcc(key::ALBUM_ARTIST), &tags.album_artist),
        (fourcc(key::GENRE), &tags.genre),
        (fourcc(key::COMPOSER), &tags.composer),
        (fourcc(key::COPYRIGHT), &tags.copyright),
        (freeform(key::PRODUCER), &tags.producer),
        (freeform(key::ISRC), &tags.isrc),
        (freeform(key::SPOTIFY_TRACK_ID), &tags.spotify_track_id),
        (freeform(key::SPOTIFY_ALBUM_ID), &tags.spotify_album_id),
    ];
    for (ident, value) in texts {
        if let Some(v) = value {
            set(tag, ident, v);
        }
    }
    if tags.genre.is_some() {
        tag.remove(&fourcc(NUMERIC_GENRE)).for_each(drop);
    }
    // The accessors keep the other half of the pair.
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
        let current = get(tag, &fourcc(key::DATE)).and_then(|d| year_from_text(&d));
        if current != Some(i32::from(year)) {
            tag.set_date(Timestamp {
                year,
                ..Timestamp::default()
            });
        }
    }
}

pub(crate) fn read_fields(tag: &Ilst) -> TagSet {
    TagSet {
        title: get(tag, &fourcc(key::TITLE)),
        artist: get(tag, &fourcc(key::ARTIST)),
        album: get(tag, &fourcc(key::ALBUM)),
        album_artist: get(tag, &fourcc(key::ALBUM_ARTIST)),
        track_number: tag.track().filter(|n| *n > 0),
        track_total: tag.track_total().filter(|n| *n > 0),
        disc_number: tag.disk().filter(|n| *n > 0),
        disc_total: tag.disk_total().filter(|n| *n > 0),
        year: get(tag, &fourcc(key::DATE)).and_then(|d| year_from_text(&d)),
        genre: tag.genre().and_then(|g| non_empty(g.into_owned())),
        composer: get(tag, &fourcc(key::COMPOSER)),
        producer: get(tag, &freeform(key::PRODUCER)),
        isrc: get(tag, &freeform(key::ISRC)),
        copyright: get(tag, &fourcc(key::COPYRIGHT)),
        spotify_track_id: get(tag, &freeform(key::SPOTIFY_TRACK_ID)),
        spotify_album_id: get(tag, &freeform(key::SPOTIFY_ALBUM_ID)),
    }
}

pub(crate) fn set_lyrics(tag: &mut Ilst, text: &str) {
    set(tag, fourcc(key::LYRICS), text);
}

pub(crate) fn lyrics(tag: &Ilst) -> Option<String> {
    get(tag, &fourcc(key::LYRICS))
}

pub(crate) fn pictures(tag: &Ilst) -> Vec<&Picture> {
    tag.pictures().map(|p| p.collect()).unwrap_or_default()
}

/// Replaces the `covr` atom with a single image (MP4 has no picture types).
pub(crate) fn replace_pictures(tag: &mut Ilst, picture: Picture) {
    tag.remove_pictures();
    tag.insert_picture(picture);
}
