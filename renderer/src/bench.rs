//! A chart-like SVG (the handler's typical output) to compare encoders and time the stages.
//!
//! Timings: `cargo test --release -p alertgraph-renderer -- --ignored --nocapture stage_timings`

use std::time::{Duration, Instant};

use crate::png_decode::decode;
use crate::{background, encode, rasterise, Renderer};

const WIDTH: u32 = 1180;
const HEIGHT: u32 = 400;

/// 1180×400, axes and grid, 3 series of 360 points, 20 text labels; shared with the
/// sidecar's tests, the wasm component's test and the native-vs-wasm benchmark.
const CHART_SVG: &str = include_str!("../tests/fixtures/chart-1180x400.svg");

#[test]
fn chart_encodes_to_the_same_pixels_as_tiny_skia() {
    let renderer = Renderer::new();
    let tree = renderer.parse(CHART_SVG).unwrap();
    let white = background::parse("#ffffff").unwrap();
    let pixmap = rasterise(&tree, WIDTH, HEIGHT, Some(white)).unwrap();

    let (reference_type, _, _, reference) = decode(&pixmap.encode_png().unwrap());
    let (fast_type, width, height, fast) = decode(&encode::png(pixmap, false).unwrap());

    assert_eq!(
        (reference_type, fast_type),
        (png::ColorType::Rgba, png::ColorType::Rgb)
    );
    assert_eq!((width, height), (WIDTH, HEIGHT));
    assert!(reference.chunks_exact(4).all(|px| px[3] == 255));
    let reference_rgb: Vec<u8> = reference
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    assert!(fast == reference_rgb, "the fast encoder changed pixels");
    assert!(
        fast.iter().any(|&c| c < 64),
        "the chart drew something dark"
    );
}

#[test]
#[ignore = "timing printout, run in release"]
fn stage_timings() {
    const RUNS: usize = 101;
    let renderer = Renderer::new();
    let svg = CHART_SVG;
    let white = background::parse("#ffffff").unwrap();
    let tree = renderer.parse(svg).unwrap();
    let pixmap = rasterise(&tree, WIDTH, HEIGHT, Some(white)).unwrap();

    let median = |stage: &mut dyn FnMut()| {
        let mut times: Vec<Duration> = (0..RUNS)
            .map(|_| {
                let start = Instant::now();
                stage();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[RUNS / 2]
    };
    let parse = median(&mut || drop(renderer.parse(svg).unwrap()));
    let render = median(&mut || drop(rasterise(&tree, WIDTH, HEIGHT, Some(white)).unwrap()));
    // Both encoders pay one pixmap copy here (encode_png copies internally); render() does not.
    let copy = median(&mut || drop(std::hint::black_box(pixmap.clone())));
    let fast = median(&mut || drop(encode::png(pixmap.clone(), true).unwrap()));
    let reference = median(&mut || drop(pixmap.encode_png().unwrap()));
    let options = crate::RenderOptions {
        width: WIDTH,
        height: HEIGHT,
        background: Some("#ffffff".into()),
    };
    let total = median(&mut || drop(renderer.render(svg, &options).unwrap()));

    let fast_bytes = encode::png(pixmap.clone(), true).unwrap().len();
    let reference_bytes = pixmap.encode_png().unwrap().len();
    println!(
        "chart {WIDTH}x{HEIGHT}, SVG {} bytes, median of {RUNS}:",
        svg.len()
    );
    println!("  parse (incl. text layout) {parse:?}");
    println!("  rasterise                 {render:?}");
    println!("  encode, fast (png Fast, Sub, RGB) {fast:?}, {fast_bytes} bytes");
    println!("  encode, tiny-skia encode_png      {reference:?}, {reference_bytes} bytes");
    println!("  (each encode includes a pixmap copy of {copy:?})");
    println!("  render() end to end       {total:?}");
}
