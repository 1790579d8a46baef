//! Image dimensions from the first bytes of a file, without decoding.
//!
//! Supports PNG (`IHDR`), JPEG (any SOF marker), WebP (`VP8 `, `VP8L`, `VP8X`) and GIF.
//! Every read is bounds-checked: arbitrary input never panics, it yields `None`.

/// Size and type of an image, read from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub width: u32,
    pub height: u32,
    /// `image/png`, `image/jpeg`, `image/webp` or `image/gif`.
    pub mime: &'static str,
}

/// Identifies the image type and reads its dimensions.
///
/// `None` when the bytes are not one of the supported formats, the header is truncated or
/// malformed, or a dimension is zero.
pub fn sniff(bytes: &[u8]) -> Option<ImageInfo> {
    let (width, height, mime) = if bytes.starts_with(PNG_SIGNATURE) {
        let (w, h) = png(bytes)?;
        (w, h, "image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8]) {
        let (w, h) = jpeg(bytes)?;
        (w, h, "image/jpeg")
    } else if bytes.get(0..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        let (w, h) = webp(bytes)?;
        (w, h, "image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        let (w, h) = gif(bytes)?;
        (w, h, "image/gif")
    } else {
        return None;
    };
    (width > 0 && height > 0).then_some(ImageInfo {
        width,
        height,
        mime,
    })
}

/// The MIME type alone, when the bytes look like a supported image (even if the size
/// cannot be read).
pub fn mime_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(PNG_SIGNATURE) {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.get(0..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else {
        None
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn be16(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u32::from(u16::from_be_bytes([s[0], s[1]])))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u32::from(u16::from_le_bytes([s[0], s[1]])))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(3)?)?;
    Some(u32::from(s[0]) | (u32::from(s[1]) << 8) | (u32::from(s[2]) << 16))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// PNG: the first chunk must be `IHDR`; width and height are big-endian u32.
fn png(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16) != Some(b"IHDR") {
        return None;
    }
    Some((be32(b, 16)?, be32(b, 20)?))
}

/// JPEG: walk the marker segments until a start-of-frame marker.
///
/// SOF0–SOF15 are `0xC0..=0xCF` except `0xC4` (DHT), `0xC8` (JPG extension) and `0xCC` (DAC).
fn jpeg(b: &[u8]) -> Option<(u32, u32)> {
    let mut pos = 2usize; // after SOI
    loop {
        // Every segment starts with 0xFF; any number of 0xFF fill bytes may precede the marker.
        if *b.get(pos)? != 0xFF {
            return None;
        }
        while *b.get(pos)? == 0xFF {
            pos += 1;
        }
        let marker = *b.get(pos)?;
        pos += 1;
        match marker {
            // Stand-alone markers without a length: TEM, RST0..RST7, SOI.
            0x01 | 0xD0..=0xD8 => continue,
            // EOI or start of scan before any frame header: no size to be found.
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let len = usize::try_from(be16(b, pos)?).ok()?;
        if len < 2 {
            return None;
        }
        let is_sof = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            // length(2) precision(1) height(2) width(2)
            let height = be16(b, pos + 3)?;
            let width = be16(b, pos + 5)?;
            return Some((width, height));
        }
        pos = pos.checked_add(len)?;
    }
}

/// WebP: RIFF container with one of three first chunks.
fn webp(b: &[u8]) -> Option<(u32, u32)> {
    let chunk = b.get(12..16)?;
    let data = 20usize;
    match chunk {
        // Lossy: 3-byte frame tag, start code 9D 01 2A, then 14-bit width/height (LE).
        b"VP8 " => {
            if b.get(data + 3..data + 6)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((le16(b, data + 6)? & 0x3FFF, le16(b, data + 8)? & 0x3FFF))
        }
        // Lossless: signature 0x2F, then 14-bit width-1 and height-1 packed little-endian.
        b"VP8L" => {
            if *b.get(data)? != 0x2F {
                return None;
            }
            let bits = le32(b, data + 1)?;
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        // Extended: 4 bytes of flags, then 24-bit canvas width-1 and height-1.
        b"VP8X" => Some((le24(b, data + 4)? + 1, le24(b, data + 7)? + 1)),
        _ => None,
    }
}

/// GIF: logical screen width and height, little-endian u16 after the 6-byte signature.
fn gif(b: &[u8]) -> Option<(u32, u32)> {
    Some((le16(b, 6)?, le16(b, 8)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = PNG_SIGNATURE.to_vec();
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0]);
        v
    }

    fn jpeg_with(sof: u8, w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        // APP0 JFIF segment (length 16)
        v.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]);
        v.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        // DHT segment that must be skipped (C4 is not a frame header)
        v.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x05, 0x00, 0x00, 0x00]);
        // fill bytes before the marker are legal
        v.extend_from_slice(&[0xFF, 0xFF, sof, 0x00, 0x11, 0x08]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        v
    }

    #[test]
    fn png_dimensions() {
        let info = sniff(&png_header(800, 600)).unwrap();
        assert_eq!(
            info,
            ImageInfo {
                width: 800,
                height: 600,
                mime: "image/png"
            }
        );
    }

    #[test]
    fn png_without_ihdr_is_rejected() {
        let mut v = png_header(1, 1);
        v[12..16].copy_from_slice(b"IDAT");
        assert_eq!(sniff(&v), None);
    }

    #[test]
    fn jpeg_baseline_progressive_and_lossless() {
        for sof in [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xCB, 0xCD, 0xCF] {
            let info = sniff(&jpeg_with(sof, 1400, 1000)).unwrap();
            assert_eq!(
                (info.width, info.height, info.mime),
                (1400, 1000, "image/jpeg")
            );
        }
    }

    #[test]
    fn jpeg_non_frame_markers_are_not_taken_as_size() {
        // C8 (JPG) and CC (DAC) are skipped like any other segment: then the data ends.
        for marker in [0xC4, 0xC8, 0xCC] {
            let v = vec![
                0xFF, 0xD8, 0xFF, marker, 0x00, 0x07, 0x08, 0x01, 0x00, 0x01, 0x00,
            ];
            assert_eq!(sniff(&v), None, "marker {marker:#x}");
        }
    }

    #[test]
    fn jpeg_standalone_markers_are_skipped() {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0x01, 0xFF, 0xD0];
        v.extend_from_slice(&jpeg_with(0xC0, 10, 20)[2..]);
        assert_eq!(sniff(&v).map(|i| (i.width, i.height)), Some((10, 20)));
    }

    #[test]
    fn jpeg_truncated_or_scan_first() {
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF]), None);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08]), None);
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01]), None);
        assert_eq!(sniff(&[0xFF, 0xD8, 0x00]), None);
        let full = jpeg_with(0xC0, 10, 20);
        for cut in 0..full.len() - 1 {
            // never panics; only the complete header yields a size
            let _ = sniff(&full[..cut]);
        }
        assert!(sniff(&full[..full.len() - 10]).is_some());
    }

    fn riff(chunk: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&((payload.len() + 12) as u32).to_le_bytes());
        v.extend_from_slice(b"WEBP");
        v.extend_from_slice(chunk);
        v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn webp_lossy() {
        let mut p = vec![0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A];
        p.extend_from_slice(&640u16.to_le_bytes());
        p.extend_from_slice(&(480u16 | 0x4000).to_le_bytes()); // scale bits are masked
        let info = sniff(&riff(b"VP8 ", &p)).unwrap();
        assert_eq!(
            (info.width, info.height, info.mime),
            (640, 480, "image/webp")
        );
    }

    #[test]
    fn webp_lossless() {
        let (w, h) = (1000u32, 750u32);
        let bits = (w - 1) | ((h - 1) << 14);
        let mut p = vec![0x2F];
        p.extend_from_slice(&bits.to_le_bytes());
        let info = sniff(&riff(b"VP8L", &p)).unwrap();
        assert_eq!((info.width, info.height), (1000, 750));
    }

    #[test]
    fn webp_extended() {
        let mut p = vec![0x10, 0, 0, 0];
        p.extend_from_slice(&(2999u32).to_le_bytes()[..3]);
        p.extend_from_slice(&(1999u32).to_le_bytes()[..3]);
        let info = sniff(&riff(b"VP8X", &p)).unwrap();
        assert_eq!((info.width, info.height), (3000, 2000));
    }

    #[test]
    fn webp_bad_start_code() {
        let p = vec![0x30, 0x01, 0x00, 0x00, 0x00, 0x00, 1, 0, 1, 0];
        assert_eq!(sniff(&riff(b"VP8 ", &p)), None);
        assert_eq!(sniff(&riff(b"VP8L", &[0x00, 1, 2, 3, 4])), None);
        assert_eq!(sniff(&riff(b"ALPH", &[0; 10])), None);
    }

    #[test]
    fn gif_dimensions() {
        let mut v = b"GIF89a".to_vec();
        v.extend_from_slice(&300u16.to_le_bytes());
        v.extend_from_slice(&200u16.to_le_bytes());
        let info = sniff(&v).unwrap();
        assert_eq!(
            (info.width, info.height, info.mime),
            (300, 200, "image/gif")
        );
    }

    #[test]
    fn zero_dimensions_and_unknown_formats() {
        assert_eq!(sniff(&png_header(0, 10)), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello world, not an image"), None);
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), None);
    }

    #[test]
    fn mime_of_known_magic() {
        assert_eq!(mime_of(&png_header(1, 1)), Some("image/png"));
        assert_eq!(mime_of(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(mime_of(b"GIF87a"), Some("image/gif"));
        assert_eq!(mime_of(b"RIFF\0\0\0\0WEBP"), Some("image/webp"));
        assert_eq!(mime_of(b"RIFF\0\0\0\0WAVE"), None);
    }

    /// xorshift64*: deterministic pseudo-random bytes without a dev-dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    fn fuzz_never_panics() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let prefixes: [&[u8]; 6] = [
            b"",
            PNG_SIGNATURE,
            &[0xFF, 0xD8],
            b"RIFF\0\0\0\0WEBPVP8X",
            b"RIFF\0\0\0\0WEBPVP8L",
            b"GIF89a",
        ];
        for round in 0..20_000 {
            let len = (rng.next() % 96) as usize;
            let mut v = prefixes[round % prefixes.len()].to_vec();
            v.extend(rng.bytes(len));
            // JPEG-heavy noise: many 0xFF bytes and segment markers
            if round % 3 == 0 {
                for b in v.iter_mut().skip(2) {
                    if rng.next().is_multiple_of(4) {
                        *b = 0xFF;
                    }
                }
            }
            if let Some(info) = sniff(&v) {
                assert!(info.width > 0 && info.height > 0);
            }
            let _ = mime_of(&v);
        }
    }
}
