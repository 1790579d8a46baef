//! `TagSet` ↔ Vorbis comments (FLAC, Ogg Vorbis, Ogg Opus).
//!
//! Field names are written in upper case and read case-insensitively. Pictures are handled in
//! `cover.rs` (FLAC keeps them in picture blocks, Ogg in `METADATA_BLOCK_PICTURE`).

use lofty::ogg::tag::VorbisComments;

use super::mapping::vorbis as key;
use super::read::{non_empty, parse_number_pair, year_from_text};
use super::TagSet;

fn get(tag: &VorbisComments, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| tag.get_all(name).find_map(|v| non_empty(v.to_string())))
}

fn set(tag: &mut VorbisComments, name: &str, value: &str) {
    // `insert` removes every field with the same name (any case) first.
    tag.insert(name.to_string(), value.to_string());
}

fn remove(tag: &mut VorbisComments, name: &str) {
    tag.remove(name).for_each(drop);
}

/// (number, total) from `TRACKNUMBER` ("n" or "n/total") and `TRACKTOTAL`/`TOTALTRACKS`.
fn pair(tag: &VorbisComments, number: &str, totals: &[&str]) -> (Option<u32>, Option<u32>) {
    let (n, inline_total) = get(tag, &[number])
        .map(|v| parse_number_pair(&v))
        .unwrap_or((None, None));
    let total = get(tag, totals)
        .and_then(|v| v.trim().parse::<u32>().ok())
        .or(inline_total);
    (n.filter(|n| *n > 0), total.filter(|n| *n > 0))
}

/// Writes a number/total pair as separate fields, keeping the half that is not given.
fn write_pair(
    tag: &mut VorbisComments,
    (number_key, total_key, total_alt): (&str, &str, &str),
    (number, total): (Option<u32>, Option<u32>),
) {
    if number.is_none() && total.is_none() {
        return;
    }
    let (old_number, old_total) = pair(tag, number_key, &[total_key, total_alt]);
    if let Some(n) = number.or(old_number) {
        set(tag, number_key, &n.to_string());
    }
    if let Some(t) = total.or(old_total) {
        set(tag, total_key, &t.to_string());
        remove(tag, total_alt);
    }
}

/// Writes every `Some` field of `tags` (already cleaned by the caller).
pub(crate) fn write_fields(tag: &mut VorbisComments, tags: &TagSet) {
    let texts = [
        (key::TITLE, &tags.title),
        (key::ARTIST, &tags.artist),
        (key::ALBUM, &tags.album),
        (key::ALBUM_ARTIST, &tags.album_artist),
        (key::GENRE, &tags.genre),
        (key::COMPOSER, &tags.composer),
        (key::PRODUCER, &tags.producer),
        (key::ISRC, &tags.isrc),
        (key::COPYRIGHT, &tags.copyright),
        (key::SPOTIFY_TRACK_ID, &tags.spotify_track_id),
        (key::SPOTIFY_ALBUM_ID, &tags.spotify_album_id),
    ];
    for (name, value) in texts {
        if let Some(v) = value {
            set(tag, name, v);
        }
    }
    if tags.album_artist.is_some() {
        remove(tag, key::ALBUM_ARTIST_ALT);
    }
    write_pair(
        tag,
        (key::TRACK_NUMBER, key::TRACK_TOTAL, key::TRACK_TOTAL_ALT),
        (tags.track_number, tags.track_total),
    );
    write_pair(
        tag,
        (key::DISC_NUMBER, key::DISC_TOTAL, key::DISC_TOTAL_ALT),
        (tags.disc_number, tags.disc_total),
    );
    if let Some(year) = tags.year {
        // Keep a full date that already has the right year.
        let current = get(tag, &[key::DATE]).and_then(|d| year_from_text(&d));
        if current != Some(year) {
            set(tag, key::DATE, &format!("{year:04}"));
        }
        remove(tag, key::YEAR);
    }
}

pub(crate) fn read_fields(tag: &VorbisComments) -> TagSet {
    let (track_number, track_total) = pair(
        tag,
        key::TRACK_NUMBER,
        &[key::TRACK_TOTAL, key::TRACK_TOTAL_ALT],
    );
    let (disc_number, disc_total) = pair(
        tag,
        key::DISC_NUMBER,
        &[key::DISC_TOTAL, key::DISC_TOTAL_ALT],
    );
    TagSet {
        title: get(tag, &[key::TITLE]),
        artist: get(tag, &[key::ARTIST]),
        album: get(tag, &[key::ALBUM]),
        album_artist: get(tag, &[key::ALBUM_ARTIST, key::ALBUM_ARTIST_ALT]),
        track_number,
        track_total,
        disc_number,
        disc_total,
        year: get(tag, &[key::DATE, key::YEAR]).and_then(|d| year_from_text(&d)),
        genre: get(tag, &[key::GENRE]),
        composer: get(tag, &[key::COMPOSER]),
        producer: get(tag, &[key::PRODUCER]),
        isrc: get(tag, &[key::ISRC]),
        copyright: get(tag, &[key::COPYRIGHT]),
        spotify_track_id: get(tag, &[key::SPOTIFY_TRACK_ID]),
        spotify_album_id: get(tag, &[key::SPOTIFY_ALBUM_ID]),
    }
}

pub(crate) fn set_lyrics(tag: &mut VorbisComments, text: &str) {
    set(tag, key::LYRICS, text);
}

pub(crate) fn lyrics(tag: &VorbisComments) -> Option<String> {
    get(tag, &[key::LYRICS, key::LYRICS_ALT])
}
