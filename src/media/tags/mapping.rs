//! Where each `TagSet` field lives in each tag format.
//!
//! These are lofty's standard keys (the tests at the end pin them to `ItemKey::map_key`, so a
//! lofty upgrade that changes a mapping fails loudly). Fields lofty has no key for (the Spotify
//! ids) use a user-defined text field in each format.

/// ID3v2 frame ids (ID3v2.4 names; lofty converts for v2.3 on save).
pub(crate) mod id3 {
    pub const TITLE: &str = "TIT2";
    pub const ARTIST: &str = "TPE1";
    pub const ALBUM: &str = "TALB";
    pub const ALBUM_ARTIST: &str = "TPE2";
    /// "n/total"
    #[allow(dead_code)] // written through lofty's `Accessor`
    pub const TRACK: &str = "TRCK";
    /// "n/total"
    #[allow(dead_code)] // written through lofty's `Accessor`
    pub const DISC: &str = "TPOS";
    pub const RECORDING_DATE: &str = "TDRC";
    pub const GENRE: &str = "TCON";
    pub const COMPOSER: &str = "TCOM";
    /// Involved people list; the producer is the pair with role [`PRODUCER_ROLE`].
    pub const INVOLVED_PEOPLE: &str = "TIPL";
    pub const PRODUCER_ROLE: &str = "producer";
    /// Only read, as a fallback written by other taggers.
    pub const PRODUCER_TXXX: &str = "PRODUCER";
    pub const ISRC: &str = "TSRC";
    pub const COPYRIGHT: &str = "TCOP";
    pub const LYRICS: &str = "USLT";
    pub const PICTURE: &str = "APIC";
    /// `TXXX` descriptions.
    pub const SPOTIFY_TRACK_ID: &str = "SPOTIFY_TRACK_ID";
    pub const SPOTIFY_ALBUM_ID: &str = "SPOTIFY_ALBUM_ID";
    /// ISO-639-2 "unknown" language for `USLT`.
    pub const LYRICS_LANGUAGE: [u8; 3] = *b"XXX";
}

/// Vorbis comment field names (written in upper case, read case-insensitively).
pub(crate) mod vorbis {
    pub const TITLE: &str = "TITLE";
    pub const ARTIST: &str = "ARTIST";
    pub const ALBUM: &str = "ALBUM";
    pub const ALBUM_ARTIST: &str = "ALBUMARTIST";
    pub const ALBUM_ARTIST_ALT: &str = "ALBUM ARTIST";
    pub const TRACK_NUMBER: &str = "TRACKNUMBER";
    pub const TRACK_TOTAL: &str = "TRACKTOTAL";
    pub const TRACK_TOTAL_ALT: &str = "TOTALTRACKS";
    pub const DISC_NUMBER: &str = "DISCNUMBER";
    pub const DISC_TOTAL: &str = "DISCTOTAL";
    pub const DISC_TOTAL_ALT: &str = "TOTALDISCS";
    pub const DATE: &str = "DATE";
    pub const YEAR: &str = "YEAR";
    pub const GENRE: &str = "GENRE";
    pub const COMPOSER: &str = "COMPOSER";
    pub const PRODUCER: &str = "PRODUCER";
    pub const ISRC: &str = "ISRC";
    pub const COPYRIGHT: &str = "COPYRIGHT";
    pub const LYRICS: &str = "LYRICS";
    pub const LYRICS_ALT: &str = "UNSYNCEDLYRICS";
    pub const SPOTIFY_TRACK_ID: &str = "SPOTIFY_TRACK_ID";
    pub const SPOTIFY_ALBUM_ID: &str = "SPOTIFY_ALBUM_ID";
}

/// MP4 `ilst` atoms: four-character codes (`©` is byte 0xA9) and iTunes freeform names.
pub(crate) mod mp4 {
    pub const TITLE: [u8; 4] = *b"\xa9nam";
    pub const ARTIST: [u8; 4] = *b"\xa9ART";
    pub const ALBUM: [u8; 4] = *b"\xa9alb";
    pub const ALBUM_ARTIST: [u8; 4] = *b"aART";
    #[allow(dead_code)] // written through lofty's `Accessor`
    pub const TRACK: [u8; 4] = *b"trkn";
    #[allow(dead_code)] // written through lofty's `Accessor`
    pub const DISC: [u8; 4] = *b"disk";
    pub const DATE: [u8; 4] = *b"\xa9day";
    pub const GENRE: [u8; 4] = *b"\xa9gen";
    pub const COMPOSER: [u8; 4] = *b"\xa9wrt";
    pub const COPYRIGHT: [u8; 4] = *b"cprt";
    pub const LYRICS: [u8; 4] = *b"\xa9lyr";
    /// `mean` of the freeform atoms below (`----:com.apple.iTunes:<name>`).
    pub const FREEFORM_MEAN: &str = "com.apple.iTunes";
    pub const PRODUCER: &str = "PRODUCER";
    pub const ISRC: &str = "ISRC";
    pub const SPOTIFY_TRACK_ID: &str = "SPOTIFY_TRACK_ID";
    pub const SPOTIFY_ALBUM_ID: &str = "SPOTIFY_ALBUM_ID";
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::tag::{ItemKey, TagType};

    fn fourcc(code: [u8; 4]) -> String {
        code.iter().map(|&b| char::from(b)).collect()
    }

    fn freeform(name: &str) -> String {
        format!("----:{}:{name}", mp4::FREEFORM_MEAN)
    }

    #[test]
    fn id3_matches_lofty() {
        let t = TagType::Id3v2;
        for (key, expected) in [
            (ItemKey::TrackTitle, id3::TITLE),
            (ItemKey::TrackArtist, id3::ARTIST),
            (ItemKey::AlbumTitle, id3::ALBUM),
            (ItemKey::AlbumArtist, id3::ALBUM_ARTIST),
            (ItemKey::TrackNumber, id3::TRACK),
            (ItemKey::TrackTotal, id3::TRACK),
            (ItemKey::DiscNumber, id3::DISC),
            (ItemKey::DiscTotal, id3::DISC),
            (ItemKey::RecordingDate, id3::RECORDING_DATE),
            (ItemKey::Genre, id3::GENRE),
            (ItemKey::Composer, id3::COMPOSER),
            (ItemKey::Producer, id3::INVOLVED_PEOPLE),
            (ItemKey::Isrc, id3::ISRC),
            (ItemKey::CopyrightMessage, id3::COPYRIGHT),
            (ItemKey::UnsyncLyrics, id3::LYRICS),
        ] {
            assert_eq!(key.map_key(t), Some(expected), "{key:?}");
        }
        // Spotify ids have no lofty key: they must not collide with a mapped TXXX description.
        assert_eq!(ItemKey::from_key(t, id3::SPOTIFY_TRACK_ID), None);
        assert_eq!(ItemKey::from_key(t, id3::SPOTIFY_ALBUM_ID), None);
    }

    #[test]
    fn vorbis_matches_lofty() {
        let t = TagType::VorbisComments;
        for (key, expected) in [
            (ItemKey::TrackTitle, vorbis::TITLE),
            (ItemKey::TrackArtist, vorbis::ARTIST),
            (ItemKey::AlbumTitle, vorbis::ALBUM),
            (ItemKey::AlbumArtist, vorbis::ALBUM_ARTIST),
            (ItemKey::TrackNumber, vorbis::TRACK_NUMBER),
            (ItemKey::TrackTotal, vorbis::TRACK_TOTAL),
            (ItemKey::DiscNumber, vorbis::DISC_NUMBER),
            (ItemKey::DiscTotal, vorbis::DISC_TOTAL),
            (ItemKey::RecordingDate, vorbis::DATE),
            (ItemKey::Year, vorbis::YEAR),
            (ItemKey::Genre, vorbis::GENRE),
            (ItemKey::Composer, vorbis::COMPOSER),
            (ItemKey::Producer, vorbis::PRODUCER),
            (ItemKey::Isrc, vorbis::ISRC),
            (ItemKey::CopyrightMessage, vorbis::COPYRIGHT),
            (ItemKey::Lyrics, vorbis::LYRICS),
            (ItemKey::UnsyncLyrics, vorbis::LYRICS_ALT),
        ] {
            assert_eq!(key.map_key(t), Some(expected), "{key:?}");
        }
        for (alt, key) in [
            (vorbis::ALBUM_ARTIST_ALT, ItemKey::AlbumArtist),
            (vorbis::TRACK_TOTAL_ALT, ItemKey::TrackTotal),
            (vorbis::DISC_TOTAL_ALT, ItemKey::DiscTotal),
        ] {
            assert_eq!(ItemKey::from_key(t, alt), Some(key), "{alt}");
        }
        assert_eq!(ItemKey::from_key(t, vorbis::SPOTIFY_TRACK_ID), None);
    }

    #[test]
    fn mp4_matches_lofty() {
        let t = TagType::Mp4Ilst;
        for (key, expected) in [
            (ItemKey::TrackTitle, fourcc(mp4::TITLE)),
            (ItemKey::TrackArtist, fourcc(mp4::ARTIST)),
            (ItemKey::AlbumTitle, fourcc(mp4::ALBUM)),
            (ItemKey::AlbumArtist, fourcc(mp4::ALBUM_ARTIST)),
            (ItemKey::TrackNumber, fourcc(mp4::TRACK)),
            (ItemKey::TrackTotal, fourcc(mp4::TRACK)),
            (ItemKey::DiscNumber, fourcc(mp4::DISC)),
            (ItemKey::DiscTotal, fourcc(mp4::DISC)),
            (ItemKey::RecordingDate, fourcc(mp4::DATE)),
            (ItemKey::Genre, fourcc(mp4::GENRE)),
            (ItemKey::Composer, fourcc(mp4::COMPOSER)),
            (ItemKey::CopyrightMessage, fourcc(mp4::COPYRIGHT)),
            (ItemKey::Lyrics, fourcc(mp4::LYRICS)),
            (ItemKey::Producer, freeform(mp4::PRODUCER)),
            (ItemKey::Isrc, freeform(mp4::ISRC)),
        ] {
            assert_eq!(key.map_key(t), Some(expected.as_str()), "{key:?}");
        }
        assert_eq!(ItemKey::from_key(t, &freeform(mp4::SPOTIFY_TRACK_ID)), None);
    }
}
