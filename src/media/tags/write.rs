//! Writing a `TagSet`: value clean-up, the per-format writers and the read-back comparison.

use std::path::Path;

use super::apply::{apply, FileChanges};
use super::format::{AudioDoc, TagMut};
use super::{id3, mp4, vorbis, Id3Version, TagError, TagSet};

/// Writes the `Some` fields of `tags` (fields left `None` keep whatever the file has) through
/// the verified safe write, and returns every field as read back from the written file.
///
/// Values are cleaned first: control characters become spaces, surrounding whitespace is
/// trimmed, empty strings and zero numbers count as `None`. A total is only written together
/// with a number (given, or already in the file). `id3` selects ID3v2.4 or v2.3 for MP3.
pub fn write_tags(path: &Path, tags: &TagSet, id3: Id3Version) -> Result<TagSet, TagError> {
    apply(
        path,
        &FileChanges {
            tags: Some(tags.clone()),
            id3,
            ..FileChanges::default()
        },
    )
    .map(|applied| applied.tags)
}

fn clean_text(value: &Option<String>) -> Option<String> {
    let v = value.as_deref()?;
    let cleaned: String = v
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Cleans the values of `tags` (see [`write_tags`]); an error for a year outside 1..=9999.
pub(crate) fn prepare(tags: &TagSet) -> Result<TagSet, TagError> {
    let positive = |n: Option<u32>| n.filter(|n| *n > 0);
    if let Some(year) = tags.year {
        if !(1..=9999).contains(&year) {
            return Err(TagError::Invalid(format!(
                "year {year} is outside 1..=9999"
            )));
        }
    }
    Ok(TagSet {
        title: clean_text(&tags.title),
        artist: clean_text(&tags.artist),
        album: clean_text(&tags.album),
        album_artist: clean_text(&tags.album_artist),
        track_number: positive(tags.track_number),
        track_total: positive(tags.track_total),
        disc_number: positive(tags.disc_number),
        disc_total: positive(tags.disc_total),
        year: tags.year,
        genre: clean_text(&tags.genre),
        composer: clean_text(&tags.composer),
        producer: clean_text(&tags.producer),
        isrc: clean_text(&tags.isrc),
        copyright: clean_text(&tags.copyright),
        spotify_track_id: clean_text(&tags.spotify_track_id),
        spotify_album_id: clean_text(&tags.spotify_album_id),
    })
}

/// Drops totals that would have no number next to them (ID3 "n/total" and MP4 `trkn` cannot
/// hold a total alone; Vorbis could, but all formats behave the same).
pub(crate) fn effective(prepared: &TagSet, before: &TagSet) -> TagSet {
    let mut out = prepared.clone();
    if prepared.track_number.or(before.track_number).is_none() {
        out.track_total = None;
    }
    if prepared.disc_number.or(before.disc_number).is_none() {
        out.disc_total = None;
    }
    out
}

pub(crate) fn is_empty(tags: &TagSet) -> bool {
    tags == &TagSet::default()
}

/// Writes `tags` (prepared and [`effective`]) into the document's tag.
pub(crate) fn set_fields(doc: &mut AudioDoc, tags: &TagSet) {
    doc.edit_tag(|tag| match tag {
        TagMut::Id3(t) => id3::write_fields(t, tags),
        TagMut::Vorbis(t) => vorbis::write_fields(t, tags),
        TagMut::Ilst(t) => mp4::write_fields(t, tags),
    });
}

/// Every field as `(name, value as text)`, for comparisons and messages.
fn fields(t: &TagSet) -> [(&'static str, Option<String>); 16] {
    let n = |v: Option<u32>| v.map(|n| n.to_string());
    [
        ("title", t.title.clone()),
        ("artist", t.artist.clone()),
        ("album", t.album.clone()),
        ("album_artist", t.album_artist.clone()),
        ("track_number", n(t.track_number)),
        ("track_total", n(t.track_total)),
        ("disc_number", n(t.disc_number)),
        ("disc_total", n(t.disc_total)),
        ("year", t.year.map(|y| y.to_string())),
        ("genre", t.genre.clone()),
        ("composer", t.composer.clone()),
        ("producer", t.producer.clone()),
        ("isrc", t.isrc.clone()),
        ("copyright", t.copyright.clone()),
        ("spotify_track_id", t.spotify_track_id.clone()),
        ("spotify_album_id", t.spotify_album_id.clone()),
    ]
}

/// Checks a re-read: every written field equals what was requested, every other field is
/// unchanged from `before`.
pub(crate) fn compare(written: &TagSet, before: &TagSet, got: &TagSet) -> Result<(), String> {
    let mut problems = Vec::new();
    let rows = fields(written)
        .into_iter()
        .zip(fields(before))
        .zip(fields(got));
    for (((name, want), (_, old)), (_, now)) in rows {
        match want {
            Some(want) if now.as_deref() != Some(want.as_str()) => {
                problems.push(format!("{name}: wrote {want:?}, read back {now:?}"));
            }
            None if now != old => {
                problems.push(format!("{name}: was {old:?}, now {now:?} (not requested)"));
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_cleans_values() {
        let t = TagSet {
            title: Some("  One\nMore\0Time ".into()),
            artist: Some("   ".into()),
            track_number: Some(0),
            disc_number: Some(2),
            year: Some(2001),
            ..TagSet::default()
        };
        let p = prepare(&t).unwrap();
        assert_eq!(p.title.as_deref(), Some("One More Time"));
        assert_eq!(p.artist, None);
        assert_eq!(p.track_number, None);
        assert_eq!(p.disc_number, Some(2));
        assert_eq!(p.year, Some(2001));
    }

    #[test]
    fn prepare_rejects_bad_years() {
        for year in [0, -5, 10_000] {
            let t = TagSet {
                year: Some(year),
                ..TagSet::default()
            };
            assert!(matches!(prepare(&t), Err(TagError::Invalid(_))), "{year}");
        }
    }

    #[test]
    fn totals_need_a_number() {
        let want = TagSet {
            track_total: Some(12),
            disc_total: Some(2),
            ..TagSet::default()
        };
        let none = TagSet::default();
        let e = effective(&want, &none);
        assert_eq!((e.track_total, e.disc_total), (None, None));
        let has_track = TagSet {
            track_number: Some(3),
            ..TagSet::default()
        };
        let e = effective(&want, &has_track);
        assert_eq!((e.track_total, e.disc_total), (Some(12), None));
    }

    #[test]
    fn compare_reports_mismatches_and_wipes() {
        let written = TagSet {
            title: Some("A".into()),
            ..TagSet::default()
        };
        let before = TagSet {
            genre: Some("Rock".into()),
            ..TagSet::default()
        };
        let mut got = TagSet {
            title: Some("A".into()),
            genre: Some("Rock".into()),
            ..TagSet::default()
        };
        assert_eq!(compare(&written, &before, &got), Ok(()));
        got.genre = None;
        got.title = Some("B".into());
        let err = compare(&written, &before, &got).unwrap_err();
        assert!(
            err.contains("title: wrote \"A\", read back Some(\"B\")"),
            "{err}"
        );
        assert!(err.contains("genre: was Some(\"Rock\"), now None"), "{err}");
    }
}
