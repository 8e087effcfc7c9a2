//! PNG encoding tuned for speed and size: zlib (zlib-rs) on unfiltered rows, RGB when opaque.
//!
//! Level 1 first: on the benchmark chart (1180×400, three noisy series) 88 KB in 1.1 ms of
//! thread CPU. Busier images that come out over [`BUDGET`] at level 1 (twelve series: 102 KB)
//! are deflated again at level 2 (80 KB, 1.8 ms more). For comparison: miniz_oxide's level 1
//! took 3 ms for 84 KB, fdeflate's ultra-fast mode (the png crate's `Fast`) 1 ms for 135 to
//! 215 KB; PNG's Up filter made the twelve lines 35 % bigger (a thin horizontal line differs
//! from the row above twice) and nothing smaller.

use std::io::Write;

use resvg::tiny_skia::Pixmap;

/// zlib's level 1 (deflate_quick, a static Huffman code): the fastest that still finds repeats.
const FAST: u32 = 1;
/// zlib's level 2: dynamic Huffman codes, 20 % smaller on busy charts.
const DENSE: u32 = 2;
/// The size a chart should stay under (Slack shows images of any size, but they load slower).
const BUDGET: usize = 100_000;
/// PNG's filter type byte for "None": the row as it is.
const FILTER_NONE: u8 = 0;

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
    let stride = width as usize * colour.samples();
    let mut idat = deflate_rows(&data, stride, FAST)?;
    if idat.len() > BUDGET {
        idat = deflate_rows(&data, stride, DENSE)?;
    }
    let mut out = Vec::with_capacity(idat.len() + 64);
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    // The png crate cannot pick a zlib level: the image data goes in as a ready IDAT chunk.
    writer.write_chunk(png::chunk::IDAT, &idat)?;
    writer.finish()?;
    Ok(out)
}

/// The zlib stream of an IDAT chunk: every row unfiltered, deflated at `level`.
fn deflate_rows(data: &[u8], stride: usize, level: u32) -> std::io::Result<Vec<u8>> {
    // Charts compress to a few percent of the raw size; start small to spare a big allocation.
    let sink = Vec::with_capacity(data.len() / 16);
    let mut zlib = flate2::write::ZlibEncoder::new(sink, flate2::Compression::new(level));
    for line in data.chunks_exact(stride) {
        zlib.write_all(&[FILTER_NONE])?;
        zlib.write_all(line)?;
    }
    zlib.finish()
}

/// RGBA → RGB in place: at alpha 255 premultiplied and straight colour are the same.
fn drop_alpha(data: &mut Vec<u8>) {
    const STRIPE: usize = 256;
    let pixels = data.len() / 4;
    // Pixel i moves from 4i to 3i: within the first 3 stripes source and destination overlap.
    let overlapping = pixels.min(3 * STRIPE);
    for i in 1..overlapping {
        data.copy_within(4 * i..4 * i + 3, 3 * i);
    }
    // Past them a stripe's destination lies wholly before its source: a split lets it vectorise.
    for start in (overlapping..pixels).step_by(STRIPE) {
        let end = (start + STRIPE).min(pixels);
        let (moved, unmoved) = data.split_at_mut(4 * start);
        let to = moved[3 * start..3 * end].chunks_exact_mut(3);
        for (to, from) in to.zip(unmoved.chunks_exact(4)) {
            to.copy_from_slice(&from[..3]);
        }
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
mod tests {
    use super::*;
    use crate::png_decode::decode;
    use resvg::tiny_skia::{Color, PremultipliedColorU8};

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
    fn drop_alpha_keeps_every_pixel_across_the_overlapping_stripes() {
        for pixels in [0, 1, 767, 768, 769, 1024, 2000] {
            let rgba: Vec<u8> = (0..pixels * 4).map(|i| (i * 7 % 251) as u8).collect();
            let expected: Vec<u8> = rgba
                .chunks_exact(4)
                .flat_map(|px| [px[0], px[1], px[2]])
                .collect();
            let mut data = rgba;
            drop_alpha(&mut data);
            assert!(data == expected, "{pixels} pixels");
        }
    }

    #[test]
    fn images_over_the_budget_are_deflated_again_and_keep_their_pixels() {
        // Noise does not compress: 300×200 RGB is 180 KB at any level, so both levels run.
        let mut pixmap = Pixmap::new(300, 200).unwrap();
        let mut seed = 1u32;
        for px in pixmap.pixels_mut() {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let [r, g, b, _] = seed.to_le_bytes();
            *px = PremultipliedColorU8::from_rgba(r, g, b, 255).unwrap();
        }
        let expected: Vec<u8> = pixmap
            .data()
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect();
        let encoded = png(pixmap, true).unwrap();
        assert!(encoded.len() > BUDGET);
        let (colour, width, height, data) = decode(&encoded);
        assert_eq!((colour, width, height), (png::ColorType::Rgb, 300, 200));
        assert!(data == expected, "the pixels changed");
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
