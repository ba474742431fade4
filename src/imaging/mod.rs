//! Encoded image bytes → RGBA pixels. The format is taken from the magic bytes, never
//! from a file name.

mod adjust;

pub use adjust::{Adjust, Channel, Stretch};

/// The image formats a galaxy's bytes may be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    pub fn to_mime_type(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
        }
    }
}

/// Decoded pixels, RGBA 8-bit, row-major.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

/// Why image bytes could not be shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("the image bytes are not JPEG or PNG (they start with {0})")]
    UnknownFormat(String),
    #[error("the {format} image is broken: {detail}")]
    Broken {
        format: &'static str,
        detail: String,
    },
    #[error("the image is empty")]
    Empty,
}

/// Which format the bytes are in, by magic number.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// Whether encoded bytes end the way their format must (JPEG: the end-of-image marker;
/// PNG: the IEND chunk). Browsers draw a truncated image with its missing part grey;
/// this viewer says it is broken instead.
pub fn check_complete(bytes: &[u8]) -> Result<(), ImageError> {
    let trimmed = {
        let end = bytes
            .iter()
            .rposition(|&b| b != 0)
            .map(|i| i + 1)
            .unwrap_or(0);
        &bytes[..end]
    };
    match sniff(bytes) {
        Some(ImageFormat::Jpeg) if !trimmed.ends_with(&[0xFF, 0xD9]) => Err(ImageError::Broken {
            format: "JPEG",
            detail: "it ends before its end-of-image marker (truncated)".into(),
        }),
        Some(ImageFormat::Png)
            if !trimmed.ends_with(&[0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]) =>
        {
            Err(ImageError::Broken {
                format: "PNG",
                detail: "it ends before its IEND chunk (truncated)".into(),
            })
        }
        _ => Ok(()),
    }
}

/// What can be said of image bytes without decoding them: empty, not JPEG or PNG,
/// truncated; else their format.
pub fn precheck(bytes: &[u8]) -> Result<ImageFormat, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    let format = sniff(bytes).ok_or_else(|| {
        ImageError::UnknownFormat(
            bytes
                .iter()
                .take(4)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        )
    })?;
    check_complete(bytes)?;
    Ok(format)
}

/// Decode JPEG or PNG bytes to RGBA (natively; the browser decodes with its own decoder).
#[cfg(not(target_arch = "wasm32"))]
pub fn decode(bytes: &[u8]) -> Result<Rgba, ImageError> {
    let format = precheck(bytes)?;
    let name = format.name();
    let img = image::load_from_memory_with_format(
        bytes,
        match format {
            ImageFormat::Jpeg => image::ImageFormat::Jpeg,
            ImageFormat::Png => image::ImageFormat::Png,
        },
    )
    .map_err(|e| ImageError::Broken {
        format: name,
        detail: e.to_string(),
    })?;
    let rgba = img.to_rgba8();
    Ok(Rgba {
        width: rgba.width(),
        height: rgba.height(),
        pixels: rgba.into_raw(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{
        ExtendedColorType, ImageEncoder, codecs::jpeg::JpegEncoder, codecs::png::PngEncoder,
    };

    fn gradient(w: u32, h: u32) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| [(i % w) as u8, (i / w) as u8, 128])
            .collect()
    }

    #[test]
    fn decodes_jpeg_and_png_by_magic() {
        let rgb = gradient(40, 30);
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode(&rgb, 40, 30, ExtendedColorType::Rgb8)
            .unwrap();
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&rgb, 40, 30, ExtendedColorType::Rgb8)
            .unwrap();
        let j = decode(&jpeg).unwrap();
        assert_eq!((j.width, j.height, j.pixels.len()), (40, 30, 40 * 30 * 4));
        let p = decode(&png).unwrap();
        assert_eq!(
            &p.pixels[..8],
            &[0, 0, 128, 255, 1, 0, 128, 255],
            "PNG is lossless"
        );
        // lossy but close
        assert!((j.pixels[4 * 39] as i32 - 39).abs() < 6);
    }

    #[test]
    fn corrupt_and_unknown_bytes_are_errors() {
        assert_eq!(decode(&[]), Err(ImageError::Empty));
        assert!(
            matches!(decode(b"GIF89a...."), Err(ImageError::UnknownFormat(s)) if s == "47 49 46 38")
        );
        let mut jpeg = Vec::new();
        JpegEncoder::new(&mut jpeg)
            .encode(&gradient(16, 16), 16, 16, ExtendedColorType::Rgb8)
            .unwrap();
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&gradient(16, 16), 16, 16, ExtendedColorType::Rgb8)
            .unwrap();
        assert_eq!(check_complete(&jpeg), Ok(()));
        assert_eq!(check_complete(&png), Ok(()));
        let mut padded = jpeg.clone();
        padded.extend([0, 0, 0]);
        assert_eq!(
            check_complete(&padded),
            Ok(()),
            "zero padding after the end marker is fine"
        );
        png.truncate(png.len() - 4);
        assert!(matches!(
            check_complete(&png),
            Err(ImageError::Broken { format: "PNG", .. })
        ));
        jpeg.truncate(jpeg.len() / 3);
        assert!(matches!(
            decode(&jpeg),
            Err(ImageError::Broken { format: "JPEG", .. })
        ));
        // bytes damaged in the middle but whole at the end are left to the decoder
        let mut scribbled = padded.clone();
        for b in &mut scribbled[2..40] {
            *b = 0x13;
        }
        assert!(decode(&scribbled).is_err());
    }
}
