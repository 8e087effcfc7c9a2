//! PNG encoding tuned for speed: fdeflate's fast mode, one cheap filter, RGB when opaque.

use resvg::tiny_skia::Pixmap;

/// Encodes a rendered pixmap; `opaque` promises every alpha is 255, which skips the scan.
pub(crate) fn png(pixmap: Pixmap, opaque: bool) -> Result<Vec<u8>, png::EncodingError> {
    let (width, height) = (pixmap.width(), pixmap.height());
    let mut data = pixmap.take();
    let colour = if opaque || data.chunks_exact(4).all(|px| px[3] == 255) {
        drop_alpha(&mut data);
        png::ColorType::Rgb
    } else {
        demultiply(&mut data);
        png::ColorType::Rgba
    };
    // Charts compress to a few percent of the raw size; start small to spare a big allocation.
    let mut out = Vec::with_capacity(data.len() / 16);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder.set_filter(png::FilterType::Sub);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&data)?;
    writer.finish()?;
    Ok(out)
}

/// RGBA → RGB in place: at alpha 255 premultiplied and straight colour are the same.
pub(crate) fn drop_alpha(data: &mut Vec<u8>) {
    let pixels = data.len() / 4;
    for i in 0..pixels {
        let (from, to) = (i * 4, i * 3);
        data[to] = data[from];
        data[to + 1] = data[from + 1];
        data[to + 2] = data[from + 2];
    }
    data.truncate(pixels * 3);
}

/// Premultiplied → straight alpha, rounding to nearest (PNG stores straight alpha).
fn demultiply(data: &mut [u8]) {
    for px in data.chunks_exact_mut(4) {
        let alpha = u32::from(px[3]);
        // At 255 nothing changes; at 0 the colour is already 0.
        if alpha == 255 || alpha == 0 {
            continue;
        }
        for channel in &mut px[..3] {
            // Clamped: a channel above its alpha is invalid premultiplied data, not a reason to wrap.
            *channel = ((u32::from(*channel) * 255 + alpha / 2) / alpha).min(255) as u8;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use resvg::tiny_skia::{Color, PremultipliedColorU8};

    /// Decodes a PNG into (colour type, width, height, pixel bytes).
    pub(crate) fn decode(png: &[u8]) -> (png::ColorType, u32, u32, Vec<u8>) {
        let mut reader = png::Decoder::new(png)
            .read_info()
            .expect("a valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut buf).expect("valid PNG data");
        buf.truncate(frame.buffer_size());
        (frame.color_type, frame.width, frame.height, buf)
    }

    #[test]
    fn demultiply_rounds_to_nearest_for_every_valid_pair() {
        for alpha in 1..=255u8 {
            for colour in 0..=alpha {
                let mut px = [colour, colour, colour, alpha];
                demultiply(&mut px);
                let exact = (f64::from(colour) * 255.0 / f64::from(alpha)).round() as u8;
                assert_eq!(
                    px,
                    [exact, exact, exact, alpha],
                    "colour {colour} alpha {alpha}"
                );
            }
        }
    }

    #[test]
    fn opaque_pixmap_becomes_rgb_with_the_same_colours() {
        let mut pixmap = Pixmap::new(3, 2).unwrap();
        pixmap.fill(Color::from_rgba8(10, 20, 30, 255));
        pixmap.pixels_mut()[4] = PremultipliedColorU8::from_rgba(200, 100, 0, 255).unwrap();
        for hint in [false, true] {
            let (colour, width, height, data) = decode(&png(pixmap.clone(), hint).unwrap());
            assert_eq!((colour, width, height), (png::ColorType::Rgb, 3, 2));
            let mut expected = [10, 20, 30].repeat(6);
            expected[12..15].copy_from_slice(&[200, 100, 0]);
            assert_eq!(data, expected);
        }
    }

    #[test]
    fn translucent_pixmap_becomes_straight_rgba() {
        let mut pixmap = Pixmap::new(2, 1).unwrap();
        pixmap.pixels_mut()[0] = PremultipliedColorU8::from_rgba(100, 0, 50, 100).unwrap();
        let (colour, _, _, data) = decode(&png(pixmap, false).unwrap());
        assert_eq!(colour, png::ColorType::Rgba);
        assert_eq!(data, [255, 0, 128, 100, 0, 0, 0, 0]);
    }
}
