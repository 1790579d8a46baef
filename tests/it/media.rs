//! File-level tests of `media::tags` against the committed fixtures in `tests/fixtures/`.
//! Every test works on a copy in its own temp dir.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use lofty::config::ParseOptions;
use lofty::file::{AudioFile, TaggedFileExt};
use lofty::flac::FlacFile;
use lofty::id3::v2::Frame;
use lofty::mp4::{AtomData, AtomIdent, Mp4File};
use lofty::mpeg::MpegFile;
use lofty::ogg::{OggPictureStorage, OpusFile, VorbisFile};
use lofty::picture::PictureType;
use lofty::tag::ItemKey;

use harmony::domain::artwork::rules::needs_cover;
use harmony::media::tags::{
    apply, embed_cover, embed_lyrics, existing_cover, read_cover, read_lyrics, read_tags,
    write_tags, AudioFormat, FileChanges, Id3Version, TagError, TagSet,
};

const FORMATS: [&str; 5] = ["tone.mp3", "tone.flac", "tone.m4a", "tone.ogg", "tone.opus"];

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn fixture_bytes(name: &str) -> Vec<u8> {
    fs::read(fixture_path(name)).unwrap()
}

/// A copy of a fixture in a fresh temp dir (kept alive by the returned guard).
fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    fs::copy(fixture_path(name), &path).unwrap();
    (dir, path)
}

/// The names in `dir`, sorted (temp files are hidden dot-files, so they show up here).
fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn full_tags() -> TagSet {
    TagSet {
        title: Some("One More Time – ünïcødé ♫".into()),
        artist: Some("Daft Punk".into()),
        album: Some("Discovery".into()),
        album_artist: Some("Daft Punk & Friends".into()),
        track_number: Some(3),
        track_total: Some(14),
        disc_number: Some(1),
        disc_total: Some(2),
        year: Some(2001),
        genre: Some("French House".into()),
        composer: Some("Thomas Bangalter".into()),
        producer: Some("Guy-Manuel de Homem-Christo".into()),
        isrc: Some("GBDUW0000059".into()),
        copyright: Some("℗ 2001 Virgin".into()),
        spotify_track_id: Some("0DiWol3AO6WpXZgp0goxAV".into()),
        spotify_album_id: Some("2noRn2Aes5aoNVsU6iWThc".into()),
    }
}

fn duration_ms(path: &Path) -> u64 {
    let f = lofty::read_from_path(path).unwrap();
    u64::try_from(f.properties().duration().as_millis()).unwrap()
}

/// Reads the standard fields with lofty's generic `Tag` (its own mapping, not our code).
fn generic_fields(path: &Path) -> Vec<(ItemKey, String)> {
    let f = lofty::read_from_path(path).unwrap();
    let tag = f.primary_tag().expect("primary tag");
    [
        ItemKey::TrackTitle,
        ItemKey::TrackArtist,
        ItemKey::AlbumTitle,
        ItemKey::AlbumArtist,
        ItemKey::TrackNumber,
        ItemKey::TrackTotal,
        ItemKey::DiscNumber,
        ItemKey::DiscTotal,
        ItemKey::RecordingDate,
        ItemKey::Genre,
        ItemKey::Composer,
        ItemKey::Producer,
        ItemKey::Isrc,
        ItemKey::CopyrightMessage,
    ]
    .into_iter()
    .map(|k| (k, tag.get_string(k).unwrap_or("<missing>").to_string()))
    .collect()
}

fn expected_generic(t: &TagSet) -> Vec<(ItemKey, String)> {
    let s = |v: &Option<String>| v.clone().unwrap();
    let n = |v: Option<u32>| v.unwrap().to_string();
    vec![
        (ItemKey::TrackTitle, s(&t.title)),
        (ItemKey::TrackArtist, s(&t.artist)),
        (ItemKey::AlbumTitle, s(&t.album)),
        (ItemKey::AlbumArtist, s(&t.album_artist)),
        (ItemKey::TrackNumber, n(t.track_number)),
        (ItemKey::TrackTotal, n(t.track_total)),
        (ItemKey::DiscNumber, n(t.disc_number)),
        (ItemKey::DiscTotal, n(t.disc_total)),
        (ItemKey::RecordingDate, t.year.unwrap().to_string()),
        (ItemKey::Genre, s(&t.genre)),
        (ItemKey::Composer, s(&t.composer)),
        (ItemKey::Producer, s(&t.producer)),
        (ItemKey::Isrc, s(&t.isrc)),
        (ItemKey::CopyrightMessage, s(&t.copyright)),
    ]
}

fn open_reader(path: &Path) -> std::io::BufReader<fs::File> {
    std::io::BufReader::new(fs::File::open(path).unwrap())
}

/// (spotify track id, spotify album id) read with the format's own lofty type.
fn spotify_ids(path: &Path) -> (Option<String>, Option<String>) {
    let opts = ParseOptions::new();
    let ext = path.extension().unwrap().to_str().unwrap();
    match ext {
        "mp3" => {
            let f = MpegFile::read_from(&mut open_reader(path), opts).unwrap();
            let t = f.id3v2().unwrap();
            (
                t.get_user_text("SPOTIFY_TRACK_ID").map(str::to_string),
                t.get_user_text("SPOTIFY_ALBUM_ID").map(str::to_string),
            )
        }
        "flac" => {
            let f = FlacFile::read_from(&mut open_reader(path), opts).unwrap();
            let t = f.vorbis_comments().unwrap();
            (
                t.get("SPOTIFY_TRACK_ID").map(str::to_string),
                t.get("SPOTIFY_ALBUM_ID").map(str::to_string),
            )
        }
        "ogg" => {
            let f = VorbisFile::read_from(&mut open_reader(path), opts).unwrap();
            let t = f.vorbis_comments();
            (
                t.get("SPOTIFY_TRACK_ID").map(str::to_string),
                t.get("SPOTIFY_ALBUM_ID").map(str::to_string),
            )
        }
        "opus" => {
            let f = OpusFile::read_from(&mut open_reader(path), opts).unwrap();
            let t = f.vorbis_comments();
            (
                t.get("SPOTIFY_TRACK_ID").map(str::to_string),
                t.get("SPOTIFY_ALBUM_ID").map(str::to_string),
            )
        }
        "m4a" => {
            let f = Mp4File::read_from(&mut open_reader(path), opts).unwrap();
            let t = f.ilst().unwrap();
            let get = |name: &'static str| {
                let ident = AtomIdent::Freeform {
                    mean: Cow::Borrowed("com.apple.iTunes"),
                    name: Cow::Borrowed(name),
                };
                t.get(&ident).and_then(|a| match a.data().next() {
                    Some(AtomData::UTF8(s)) => Some(s.clone()),
                    _ => None,
                })
            };
            (get("SPOTIFY_TRACK_ID"), get("SPOTIFY_ALBUM_ID"))
        }
        other => panic!("unexpected extension {other}"),
    }
}

#[test]
fn full_tagset_round_trips_in_every_format() {
    let tags = full_tags();
    for name in FORMATS {
        let (dir, path) = copy_fixture(name);
        let before_ms = duration_ms(&path);

        let written = write_tags(&path, &tags, Id3Version::V24).unwrap();
        assert_eq!(written, tags, "{name}: returned tags");
        assert_eq!(read_tags(&path).unwrap(), tags, "{name}: read_tags");

        // independent reads with lofty itself
        assert_eq!(generic_fields(&path), expected_generic(&tags), "{name}");
        assert_eq!(
            spotify_ids(&path),
            (tags.spotify_track_id.clone(), tags.spotify_album_id.clone()),
            "{name}"
        );

        let after_ms = duration_ms(&path);
        assert!(
            before_ms.abs_diff(after_ms) <= 50,
            "{name}: duration {before_ms} -> {after_ms}"
        );
        assert_eq!(dir_listing(dir.path()), vec![name.to_string()], "{name}");
    }
}

#[test]
fn native_keys_are_the_documented_ones() {
    let tags = full_tags();

    // MP3: frames and "n/total"
    let (_d, mp3) = copy_fixture("tone.mp3");
    write_tags(&mp3, &tags, Id3Version::V24).unwrap();
    let f = MpegFile::read_from(&mut open_reader(&mp3), ParseOptions::new()).unwrap();
    let t = f.id3v2().unwrap();
    let text = |id: &'static str| {
        t.get_text(&lofty::id3::v2::FrameId::Valid(Cow::Borrowed(id)))
            .map(str::to_string)
    };
    assert_eq!(text("TRCK").as_deref(), Some("3/14"));
    assert_eq!(text("TPOS").as_deref(), Some("1/2"));
    assert_eq!(text("TPE2").as_deref(), Some("Daft Punk & Friends"));
    assert_eq!(text("TSRC").as_deref(), Some("GBDUW0000059"));
    assert_eq!(text("TCOM").as_deref(), Some("Thomas Bangalter"));
    assert_eq!(text("TCOP").as_deref(), Some("℗ 2001 Virgin"));
    let tipl = t
        .into_iter()
        .find_map(|fr| match fr {
            Frame::KeyValue(kv) if kv.id().as_str() == "TIPL" => Some(kv.key_value_pairs.to_vec()),
            _ => None,
        })
        .unwrap();
    assert_eq!(tipl.len(), 1);
    assert_eq!(tipl[0].0, "producer");
    assert_eq!(tipl[0].1, "Guy-Manuel de Homem-Christo");

    // FLAC: upper-case Vorbis field names, totals in their own fields
    let (_d, flac) = copy_fixture("tone.flac");
    write_tags(&flac, &tags, Id3Version::V24).unwrap();
    let f = FlacFile::read_from(&mut open_reader(&flac), ParseOptions::new()).unwrap();
    let vc = f.vorbis_comments().unwrap();
    let keys: Vec<&str> = vc.items().map(|(k, _)| k).collect();
    for k in [
        "TITLE",
        "ARTIST",
        "ALBUM",
        "ALBUMARTIST",
        "TRACKNUMBER",
        "TRACKTOTAL",
        "DISCNUMBER",
        "DISCTOTAL",
        "DATE",
        "GENRE",
        "COMPOSER",
        "PRODUCER",
        "ISRC",
        "COPYRIGHT",
        "SPOTIFY_TRACK_ID",
        "SPOTIFY_ALBUM_ID",
    ] {
        assert!(keys.contains(&k), "FLAC lacks {k}: {keys:?}");
    }
    assert_eq!(vc.get("TRACKNUMBER"), Some("3"));
    assert_eq!(vc.get("TRACKTOTAL"), Some("14"));
    assert_eq!(vc.get("DATE"), Some("2001"));

    // M4A: fourcc atoms and iTunes freeform atoms
    let (_d, m4a) = copy_fixture("tone.m4a");
    write_tags(&m4a, &tags, Id3Version::V24).unwrap();
    let f = Mp4File::read_from(&mut open_reader(&m4a), ParseOptions::new()).unwrap();
    let ilst = f.ilst().unwrap();
    let idents: Vec<String> = ilst
        .into_iter()
        .map(|a| match a.ident() {
            AtomIdent::Fourcc(c) => c.iter().map(|&b| char::from(b)).collect(),
            AtomIdent::Freeform { mean, name } => format!("----:{mean}:{name}"),
        })
        .collect();
    for want in [
        "\u{a9}nam",
        "\u{a9}ART",
        "\u{a9}alb",
        "aART",
        "trkn",
        "disk",
        "\u{a9}day",
        "\u{a9}gen",
        "\u{a9}wrt",
        "cprt",
        "----:com.apple.iTunes:ISRC",
        "----:com.apple.iTunes:PRODUCER",
        "----:com.apple.iTunes:SPOTIFY_TRACK_ID",
        "----:com.apple.iTunes:SPOTIFY_ALBUM_ID",
    ] {
        assert!(
            idents.iter().any(|i| i == want),
            "M4A lacks {want}: {idents:?}"
        );
    }
}

#[test]
fn id3v23_option_writes_a_v23_header() {
    let (_d, path) = copy_fixture("tone.mp3");
    let tags = full_tags();
    let written = write_tags(&path, &tags, Id3Version::V23).unwrap();
    assert_eq!(written, tags);
    let bytes = fs::read(&path).unwrap();
    assert_eq!(&bytes[..4], b"ID3\x03", "ID3v2.3 header");
    // Read back with lofty (upgrades to v2.4 frames in memory; IPLS → TIPL, TYER → TDRC)
    assert_eq!(generic_fields(&path), expected_generic(&tags));
    assert_eq!(
        spotify_ids(&path),
        (tags.spotify_track_id.clone(), tags.spotify_album_id.clone())
    );

    // and the default is v2.4
    let (_d, path) = copy_fixture("tone.mp3");
    write_tags(&path, &tags, Id3Version::V24).unwrap();
    assert_eq!(&fs::read(&path).unwrap()[..4], b"ID3\x04");
}

#[test]
fn fields_not_given_are_kept() {
    for name in FORMATS {
        let (_d, path) = copy_fixture(name);
        write_tags(&path, &full_tags(), Id3Version::V24).unwrap();
        let update = TagSet {
            title: Some("Aerodynamic".into()),
            track_number: Some(2),
            ..TagSet::default()
        };
        let after = write_tags(&path, &update, Id3Version::V24).unwrap();
        let mut want = full_tags();
        want.title = Some("Aerodynamic".into());
        want.track_number = Some(2);
        assert_eq!(after, want, "{name}: totals and other fields survive");
    }
}

#[test]
fn unrelated_existing_metadata_survives() {
    // The ffmpeg-made M4A carries a ©too (encoder) atom; FLAC a vendor string + "encoder".
    let (_d, m4a) = copy_fixture("tone.m4a");
    let encoder_before = lofty::read_from_path(&m4a)
        .unwrap()
        .primary_tag()
        .and_then(|t| t.get_string(ItemKey::EncoderSoftware).map(str::to_string));
    assert!(encoder_before.is_some());
    write_tags(&m4a, &full_tags(), Id3Version::V24).unwrap();
    let encoder_after = lofty::read_from_path(&m4a)
        .unwrap()
        .primary_tag()
        .and_then(|t| t.get_string(ItemKey::EncoderSoftware).map(str::to_string));
    assert_eq!(encoder_before, encoder_after);

    let (_d, flac) = copy_fixture("tone.flac");
    let vendor = |p: &Path| {
        let f = FlacFile::read_from(&mut open_reader(p), ParseOptions::new()).unwrap();
        let vc = f.vorbis_comments().unwrap();
        (
            vc.vendor().to_string(),
            vc.get("ENCODER").map(str::to_string),
        )
    };
    let before = vendor(&flac);
    write_tags(&flac, &full_tags(), Id3Version::V24).unwrap();
    assert_eq!(vendor(&flac), before);

    // A custom TXXX written by someone else survives our ID3 write.
    let (_d, mp3) = copy_fixture("tone.mp3");
    write_tags(&mp3, &full_tags(), Id3Version::V24).unwrap();
    {
        let mut f = MpegFile::read_from(&mut open_reader(&mp3), ParseOptions::new()).unwrap();
        let t = f.id3v2_mut().unwrap();
        t.insert_user_text("MY_TAGGER".into(), "keep me".into());
        f.save_to_path(&mp3, lofty::config::WriteOptions::default())
            .unwrap();
    }
    write_tags(
        &mp3,
        &TagSet {
            genre: Some("House".into()),
            ..TagSet::default()
        },
        Id3Version::V24,
    )
    .unwrap();
    let f = MpegFile::read_from(&mut open_reader(&mp3), ParseOptions::new()).unwrap();
    assert_eq!(
        f.id3v2().unwrap().get_user_text("MY_TAGGER"),
        Some("keep me")
    );
}

#[test]
fn total_without_number_is_not_written() {
    let (_d, path) = copy_fixture("tone.flac");
    let tags = TagSet {
        track_total: Some(10),
        title: Some("x".into()),
        ..TagSet::default()
    };
    let after = write_tags(&path, &tags, Id3Version::V24).unwrap();
    assert_eq!(after.track_total, None);
    assert_eq!(after.title.as_deref(), Some("x"));
}

#[test]
fn invalid_values_are_refused_before_touching_the_file() {
    let (dir, path) = copy_fixture("tone.mp3");
    let original = fs::read(&path).unwrap();
    let err = write_tags(
        &path,
        &TagSet {
            year: Some(12_345),
            ..TagSet::default()
        },
        Id3Version::V24,
    )
    .unwrap_err();
    assert!(matches!(err, TagError::Invalid(_)), "{err:?}");
    assert_eq!(fs::read(&path).unwrap(), original);

    let (_d2, m4a) = copy_fixture("tone.m4a");
    let err = write_tags(
        &m4a,
        &TagSet {
            track_number: Some(70_000),
            ..TagSet::default()
        },
        Id3Version::V24,
    )
    .unwrap_err();
    assert!(matches!(err, TagError::Invalid(_)), "{err:?}");
    assert_eq!(dir_listing(dir.path()), vec!["tone.mp3".to_string()]);
}

#[test]
fn cover_1400_is_embedded_and_reported() {
    let image = fixture_bytes("cover_1400.jpg");
    for name in FORMATS {
        let (dir, path) = copy_fixture(name);
        assert_eq!(existing_cover(&path).unwrap(), None, "{name}: no cover yet");
        let before_ms = duration_ms(&path);

        embed_cover(&path, &image).unwrap();
        let info = existing_cover(&path).unwrap().expect("cover");
        assert_eq!(
            (info.width, info.height),
            (Some(1400), Some(1400)),
            "{name}"
        );
        assert_eq!(info.bytes, image.len() as u64, "{name}");
        assert_eq!(info.mime.as_deref(), Some("image/jpeg"), "{name}");
        assert!(
            !needs_cover(Some(&info.as_existing()), 1000, 150_000, false),
            "{name}"
        );

        let cover = read_cover(&path).unwrap().unwrap();
        assert_eq!(cover.data, image, "{name}: exact bytes");

        // independent: lofty sees exactly one picture, front cover where the format has types
        let f = lofty::read_from_path(&path).unwrap();
        let pics = f.primary_tag().unwrap().pictures();
        assert_eq!(pics.len(), 1, "{name}");
        if name != "tone.m4a" {
            assert_eq!(pics[0].pic_type(), PictureType::CoverFront, "{name}");
        }
        assert_eq!(pics[0].data(), &image[..], "{name}");

        assert!(before_ms.abs_diff(duration_ms(&path)) <= 50, "{name}");
        assert_eq!(dir_listing(dir.path()), vec![name.to_string()]);
    }
}

#[test]
fn low_res_cover_is_replaced_and_needs_cover_decides() {
    let low = fixture_bytes("cover_300.jpg");
    let high = fixture_bytes("cover_1400.jpg");
    for name in FORMATS {
        let (_d, path) = copy_fixture(name);
        embed_cover(&path, &low).unwrap();
        let info = existing_cover(&path).unwrap().unwrap();
        assert_eq!((info.width, info.height), (Some(300), Some(300)), "{name}");
        assert!(
            needs_cover(Some(&info.as_existing()), 1000, 150_000, false),
            "{name}"
        );

        embed_cover(&path, &high).unwrap();
        let info = existing_cover(&path).unwrap().unwrap();
        assert_eq!(info.width, Some(1400), "{name}: replaced, not added");
        assert!(!needs_cover(
            Some(&info.as_existing()),
            1000,
            150_000,
            false
        ));
        assert!(
            needs_cover(Some(&info.as_existing()), 1000, 150_000, true),
            "refresh"
        );
        let f = lofty::read_from_path(&path).unwrap();
        assert_eq!(f.primary_tag().unwrap().pictures().len(), 1, "{name}");
    }
}

#[test]
fn png_cover_works_everywhere() {
    let png = fixture_bytes("cover_800.png");
    for name in FORMATS {
        let (_d, path) = copy_fixture(name);
        embed_cover(&path, &png).unwrap();
        let info = existing_cover(&path).unwrap().unwrap();
        assert_eq!((info.width, info.height), (Some(800), Some(800)), "{name}");
        assert_eq!(info.mime.as_deref(), Some("image/png"), "{name}");
    }
}

#[test]
fn flac_picture_block_has_dimensions() {
    let (_d, path) = copy_fixture("tone.flac");
    embed_cover(&path, &fixture_bytes("cover_1400.jpg")).unwrap();
    let f = FlacFile::read_from(&mut open_reader(&path), ParseOptions::new()).unwrap();
    let pics = f.pictures();
    assert_eq!(pics.len(), 1);
    assert_eq!((pics[0].1.width, pics[0].1.height), (1400, 1400));
    assert_eq!(pics[0].0.pic_type(), PictureType::CoverFront);
}

#[test]
fn non_image_cover_bytes_are_refused() {
    for name in FORMATS {
        let (dir, path) = copy_fixture(name);
        let original = fs::read(&path).unwrap();
        let err = embed_cover(&path, b"<html>not an image</html>").unwrap_err();
        assert!(matches!(err, TagError::Invalid(_)), "{name}: {err:?}");
        assert_eq!(fs::read(&path).unwrap(), original, "{name}");
        assert_eq!(dir_listing(dir.path()), vec![name.to_string()]);
    }
}

#[test]
fn webp_cover_is_refused_for_mp4_only() {
    // minimal VP8L header: 1000×1000
    let mut webp = b"RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f".to_vec();
    let bits: u32 = 999 | (999 << 14);
    webp.extend_from_slice(&bits.to_le_bytes());
    webp.extend_from_slice(&[0; 8]);

    let (_d, m4a) = copy_fixture("tone.m4a");
    let original = fs::read(&m4a).unwrap();
    let err = embed_cover(&m4a, &webp).unwrap_err();
    assert!(matches!(err, TagError::Unsupported(_)), "{err:?}");
    assert_eq!(fs::read(&m4a).unwrap(), original);

    let (_d, flac) = copy_fixture("tone.flac");
    embed_cover(&flac, &webp).unwrap();
    let info = existing_cover(&flac).unwrap().unwrap();
    assert_eq!((info.width, info.height), (Some(1000), Some(1000)));
    assert_eq!(info.mime.as_deref(), Some("image/webp"));
}

#[test]
fn lyrics_embed_and_read_back() {
    let text = "First line\nSecond line – ü\n\nChorus";
    for name in FORMATS {
        let (dir, path) = copy_fixture(name);
        assert_eq!(read_lyrics(&path).unwrap(), None, "{name}");
        embed_lyrics(&path, "First line\r\nSecond line – ü\r\n\r\nChorus\r\n").unwrap();
        assert_eq!(read_lyrics(&path).unwrap().as_deref(), Some(text), "{name}");

        // independent read: USLT → UnsyncLyrics for ID3, Lyrics elsewhere
        let f = lofty::read_from_path(&path).unwrap();
        let tag = f.primary_tag().unwrap();
        let got = tag
            .get_string(ItemKey::Lyrics)
            .or_else(|| tag.get_string(ItemKey::UnsyncLyrics));
        assert_eq!(got, Some(text), "{name}");

        // replacing keeps one
        embed_lyrics(&path, "new").unwrap();
        assert_eq!(
            read_lyrics(&path).unwrap().as_deref(),
            Some("new"),
            "{name}"
        );
        assert_eq!(dir_listing(dir.path()), vec![name.to_string()]);
    }
}

#[test]
fn empty_lyrics_are_refused() {
    let (_d, path) = copy_fixture("tone.ogg");
    assert!(matches!(
        embed_lyrics(&path, " \n "),
        Err(TagError::Invalid(_))
    ));
}

#[test]
fn apply_does_everything_in_one_write() {
    let image = fixture_bytes("cover_1400.jpg");
    for name in FORMATS {
        let (dir, path) = copy_fixture(name);
        let applied = apply(
            &path,
            &FileChanges {
                tags: Some(full_tags()),
                cover: Some(image.clone()),
                lyrics: Some("la la la".into()),
                id3: Id3Version::V24,
            },
        )
        .unwrap();
        assert!(applied.written);
        assert_eq!(applied.tags, full_tags(), "{name}");
        let cover = applied.cover.unwrap();
        assert_eq!((cover.width, cover.height), (Some(1400), Some(1400)));
        assert!(applied.has_lyrics);
        let format = match name {
            "tone.mp3" => AudioFormat::Mp3,
            "tone.flac" => AudioFormat::Flac,
            "tone.m4a" => AudioFormat::Mp4,
            "tone.ogg" => AudioFormat::OggVorbis,
            _ => AudioFormat::OggOpus,
        };
        assert_eq!(applied.format, format);
        // encoder padding: MP3 reports 1152 ms, M4A 1128 ms for the 1 s tone
        assert!(applied.audio.duration_ms >= 1000 && applied.audio.duration_ms < 1200);
        assert_eq!(dir_listing(dir.path()), vec![name.to_string()]);

        // nothing to do: not rewritten
        let before = fs::read(&path).unwrap();
        let again = apply(&path, &FileChanges::default()).unwrap();
        assert!(!again.written);
        assert_eq!(again.tags, full_tags());
        assert_eq!(fs::read(&path).unwrap(), before);
    }
}

#[test]
fn corrupt_mp3_is_an_error_and_untouched() {
    let (dir, path) = copy_fixture("corrupt.mp3");
    let original = fs::read(&path).unwrap();
    let err = write_tags(&path, &full_tags(), Id3Version::V24).unwrap_err();
    assert!(matches!(err, TagError::Unreadable(_)), "{err:?}");
    assert!(!err.to_string().is_empty());
    assert!(matches!(
        embed_cover(&path, &fixture_bytes("cover_1400.jpg")),
        Err(TagError::Unreadable(_))
    ));
    assert!(matches!(
        embed_lyrics(&path, "x"),
        Err(TagError::Unreadable(_))
    ));
    assert!(read_tags(&path).is_err());
    assert!(existing_cover(&path).is_err());
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(dir_listing(dir.path()), vec!["corrupt.mp3".to_string()]);
}

#[test]
fn unsupported_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("notes.txt");
    fs::write(&txt, "hello").unwrap();
    assert!(matches!(
        write_tags(&txt, &full_tags(), Id3Version::V24),
        Err(TagError::Unsupported(_))
    ));
    let img = dir.path().join("cover.jpg");
    fs::write(&img, fixture_bytes("cover_300.jpg")).unwrap();
    // JPEG's FF D8 FF looks enough like MPEG to be probed as MP3, then fails to parse
    assert!(matches!(
        read_tags(&img),
        Err(TagError::Unsupported(_) | TagError::Unreadable(_))
    ));
    assert!(matches!(
        read_tags(&dir.path().join("missing.mp3")),
        Err(TagError::Io(_))
    ));
    assert_eq!(fs::read(&txt).unwrap(), b"hello");
}

#[test]
fn temp_failure_leaves_original_intact() {
    // A directory squatting on the temp name cannot be created over or removed as a file:
    // the write must fail before anything touches the original (works even as root).
    let (dir, path) = copy_fixture("tone.flac");
    let original = fs::read(&path).unwrap();
    let squatter = dir.path().join(".tone.flac.harmony-tmp");
    fs::create_dir(&squatter).unwrap();
    fs::write(squatter.join("x"), b"x").unwrap();
    let err = write_tags(&path, &full_tags(), Id3Version::V24).unwrap_err();
    assert!(matches!(err, TagError::Io(_)), "{err:?}");
    assert_eq!(fs::read(&path).unwrap(), original);
    fs::remove_dir_all(&squatter).unwrap();

    // a stale temp *file* from a crash is replaced and cleaned up
    fs::write(&squatter, b"garbage").unwrap();
    write_tags(&path, &full_tags(), Id3Version::V24).unwrap();
    assert_eq!(dir_listing(dir.path()), vec!["tone.flac".to_string()]);
}

#[cfg(unix)]
#[test]
fn read_only_directory_leaves_original_intact() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, path) = copy_fixture("tone.opus");
    let original = fs::read(&path).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    // root ignores directory permissions: then this test cannot provoke the failure
    let probe = dir.path().join(".probe");
    let privileged = fs::write(&probe, b"").is_ok();
    let _ = fs::remove_file(&probe);
    let result = write_tags(&path, &full_tags(), Id3Version::V24);
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    if privileged {
        eprintln!("running with privileges: read-only directory not enforced, skipped");
        result.unwrap();
        return;
    }
    assert!(matches!(result, Err(TagError::Io(_))), "{result:?}");
    assert_eq!(fs::read(&path).unwrap(), original);
    assert_eq!(dir_listing(dir.path()), vec!["tone.opus".to_string()]);
}

#[cfg(unix)]
#[test]
fn permissions_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, path) = copy_fixture("tone.ogg");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    write_tags(&path, &full_tags(), Id3Version::V24).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn fixtures_are_small() {
    for name in FORMATS
        .iter()
        .chain(&["corrupt.mp3", "cover_300.jpg", "cover_800.png"])
    {
        let len = fs::metadata(fixture_path(name)).unwrap().len();
        assert!(len < 30 * 1024, "{name} is {len} bytes");
    }
    assert!(fs::metadata(fixture_path("cover_1400.jpg")).unwrap().len() < 150 * 1024);
}

#[test]
fn concurrent_writers_of_one_file_do_not_lose_changes() {
    let image = fixture_bytes("cover_300.jpg");
    for name in ["tone.mp3", "tone.flac", "tone.m4a"] {
        let (dir, path) = copy_fixture(name);
        std::thread::scope(|s| {
            let a = s.spawn(|| embed_cover(&path, &image));
            let b = s.spawn(|| embed_lyrics(&path, "both changes survive"));
            let c = s.spawn(|| {
                write_tags(
                    &path,
                    &TagSet {
                        title: Some("concurrent".into()),
                        ..TagSet::default()
                    },
                    Id3Version::V24,
                )
            });
            a.join().unwrap().unwrap();
            b.join().unwrap().unwrap();
            c.join().unwrap().unwrap();
        });
        assert!(existing_cover(&path).unwrap().is_some(), "{name}");
        assert_eq!(
            read_lyrics(&path).unwrap().as_deref(),
            Some("both changes survive"),
            "{name}"
        );
        assert_eq!(
            read_tags(&path).unwrap().title.as_deref(),
            Some("concurrent"),
            "{name}"
        );
        assert_eq!(dir_listing(dir.path()), vec![name.to_string()]);
    }
}

#[test]
fn a_held_temp_file_makes_the_writer_wait() {
    let (_d, path) = copy_fixture("tone.ogg");
    let temp = path.with_file_name(".tone.ogg.harmony-tmp");
    let holder = fs::File::create(&temp).unwrap();
    holder.lock().unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(200));
        drop(holder); // unlocked but left behind, like a crashed writer
    });
    let started = std::time::Instant::now();
    write_tags(&path, &full_tags(), Id3Version::V24).unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    release.join().unwrap();
    assert_eq!(read_tags(&path).unwrap(), full_tags());
    assert!(!temp.exists());
}
