//! Images from clients, decoded only within limits and re-encoded: the
//! dimensions are read from the header first (a 60000×60000 PNG is refused
//! before a pixel is decoded), the decoder's allocations are capped, and the
//! output is a fresh PNG, which drops EXIF, GPS and anything hidden after
//! the image data.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// Not PNG, JPEG or WebP, or not an image at all.
    #[error("not a PNG, JPEG or WebP image")]
    Unsupported,
    #[error("larger than {max}×{max} pixels")]
    TooLarge { max: u32 },
    #[error("the image could not be read")]
    Corrupt,
}

/// The formats accepted for photos and avatars.
const ALLOWED: &[ImageFormat] = &[ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::WebP];

/// Decoder memory cap: a 4096×4096 RGBA image with room to spare.
const MAX_ALLOC: u64 = 128 * 1024 * 1024;

/// Decodes an image of an allowed format no larger than `max`×`max`.
pub fn decode(bytes: &[u8], max: u32) -> Result<DynamicImage, ImageError> {
    let reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| ImageError::Corrupt)?;
    match reader.format() {
        Some(f) if ALLOWED.contains(&f) => {}
        _ => return Err(ImageError::Unsupported),
    }
    let (w, h) = reader.into_dimensions().map_err(|_| ImageError::Corrupt)?;
    if w > max || h > max {
        return Err(ImageError::TooLarge { max });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| ImageError::Corrupt)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(max);
    limits.max_image_height = Some(max);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageError::TooLarge { max },
        _ => ImageError::Corrupt,
    })
}

/// The centre square of an image, `size`×`size`, as a fresh PNG.
pub fn square_png(img: &DynamicImage, size: u32) -> Vec<u8> {
    let side = img.width().min(img.height());
    let x = (img.width() - side) / 2;
    let y = (img.height() - side) / 2;
    let square = img.crop_imm(x, y, side, side).resize_exact(size, size, image::imageops::FilterType::Lanczos3);
    let mut out = Vec::new();
    // Writing a PNG into memory fails only when out of memory.
    let _ = DynamicImage::ImageRgba8(square.to_rgba8()).write_to(&mut Cursor::new(&mut out), ImageFormat::Png);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::new_rgb8(w, h);
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).expect("encode");
        out
    }

    /// PNG's CRC-32 (the IEEE polynomial, bitwise).
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A valid PNG header claiming 60000×60000 pixels: a few dozen bytes that
    /// would ask a naive decoder for 14 GB.
    fn huge_png_header() -> Vec<u8> {
        let mut out = png(1, 1);
        // IHDR: length at 8..12, type and data at 12..29, its CRC at 29..33.
        out[16..20].copy_from_slice(&60000u32.to_be_bytes());
        out[20..24].copy_from_slice(&60000u32.to_be_bytes());
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        out
    }

    #[test]
    fn images_within_limits_become_square_pngs() {
        let img = decode(&png(300, 200), 4096).expect("decodes");
        let out = square_png(&img, 128);
        let back = decode(&out, 4096).expect("our own output decodes");
        assert_eq!((back.width(), back.height()), (128, 128));
    }

    #[test]
    fn a_huge_image_is_refused_before_decoding_and_others_are_named() {
        assert_eq!(decode(&huge_png_header(), 4096).unwrap_err(), ImageError::TooLarge { max: 4096 });
        assert_eq!(decode(&png(5000, 10), 4096).unwrap_err(), ImageError::TooLarge { max: 4096 });
        assert_eq!(decode(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", 4096).unwrap_err(), ImageError::Unsupported);
        assert_eq!(decode(b"GIF89a\x01\x00\x01\x00", 4096).unwrap_err(), ImageError::Unsupported);
        let mut cut = png(64, 64);
        cut.truncate(40);
        assert!(decode(&cut, 4096).is_err());
    }
}
