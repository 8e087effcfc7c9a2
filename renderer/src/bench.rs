//! A chart-like SVG (the handler's typical output) to compare encoders and time the stages.
//!
//! Timings: `cargo test --release -p alertgraph-renderer -- --ignored --nocapture stage_timings`

use std::fmt::Write;
use std::time::{Duration, Instant};

use crate::encode::tests::decode;
use crate::{background, encode, rasterise, Renderer};

const WIDTH: u32 = 1180;
const HEIGHT: u32 = 400;

/// 1180×400, axes and grid, 3 series of 360 points, 20 text labels.
fn chart_svg() -> String {
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Inter, sans-serif">"##
    );
    svg.push_str(r##"<text x="60" y="24" font-size="16" font-weight="bold" fill="#1d1c1d">HighErrorRate: api-gateway 5xx ratio</text>"##);
    svg.push_str(r##"<g stroke="#e6e6e6" stroke-width="1">"##);
    for i in 0..=5 {
        let y = 50 + i * 60;
        write!(svg, r#"<line x1="60" y1="{y}" x2="1160" y2="{y}"/>"#).unwrap();
    }
    svg.push_str("</g>");
    svg.push_str(r##"<path d="M60 40V350H1160" fill="none" stroke="#616061" stroke-width="1"/>"##);
    for i in 0..=5 {
        let y = 350 - i * 60;
        write!(
            svg,
            r##"<text x="52" y="{}" font-size="11" text-anchor="end" fill="#616061">{}%</text>"##,
            y + 4,
            i * 20
        )
        .unwrap();
    }
    for i in 0..12 {
        let (x, minutes) = (60 + i * 100, i * 20);
        let label = format!("{:02}:{:02}", 12 + minutes / 60, minutes % 60);
        write!(
            svg,
            r##"<text x="{x}" y="368" font-size="11" text-anchor="middle" fill="#616061">{label}</text>"##
        )
        .unwrap();
    }
    for (series, colour) in ["#e01e5a", "#36c5f0", "#2eb67d"].iter().enumerate() {
        svg.push_str(
            r#"<polyline fill="none" stroke-width="1.5" stroke-linejoin="round" stroke=""#,
        );
        svg.push_str(colour);
        svg.push_str(r#"" points=""#);
        for i in 0..360 {
            let t = i as f64 / 359.0;
            let wave = (t * (7.0 + series as f64 * 3.0)).sin() * 60.0 + (t * 53.0).sin() * 8.0;
            let y = 200.0 + wave - series as f64 * 50.0;
            write!(svg, "{:.1},{:.1} ", 60.0 + t * 1100.0, y).unwrap();
        }
        svg.push_str(r#""/>"#);
    }
    svg.push_str(r##"<text x="1160" y="392" font-size="11" text-anchor="end" fill="#616061">p50 · p90 · p99</text>"##);
    svg.push_str("</svg>");
    svg
}

#[test]
fn chart_encodes_to_the_same_pixels_as_tiny_skia() {
    let renderer = Renderer::new();
    let tree = renderer.parse(&chart_svg()).unwrap();
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
    let svg = chart_svg();
    let white = background::parse("#ffffff").unwrap();
    let tree = renderer.parse(&svg).unwrap();
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
    let parse = median(&mut || drop(renderer.parse(&svg).unwrap()));
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
    let total = median(&mut || drop(renderer.render(&svg, &options).unwrap()));

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
