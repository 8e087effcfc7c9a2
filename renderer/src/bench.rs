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
    for i in 0..=8 {
        let x = 60 + i * 137;
        write!(svg, r##"<text x="{x}" y="368" font-size="11" text-anchor="middle" fill="#616061">{:02}:{:02}</text>"##, 12 + i / 2, (i % 2) * 30).unwrap();
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
    const RUNS: usize = 30;
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
    let fast = median(&mut || drop(encode::png(pixmap.clone(), true).unwrap()));
    let reference = median(&mut || drop(pixmap.encode_png().unwrap()));
    let options = crate::RenderOptions {
        width: WIDTH,
        height: HEIGHT,
        background: Some("#ffffff".into()),
    };
    let total = median(&mut || drop(renderer.render(&svg, &options).unwrap()));

    let fast_png = encode::png(pixmap.clone(), true).unwrap();
    std::fs::write(std::env::temp_dir().join("chart-scratch.png"), &fast_png).unwrap();
    let fast_bytes = fast_png.len();
    let reference_bytes = pixmap.encode_png().unwrap().len();
    println!(
        "chart {WIDTH}x{HEIGHT}, SVG {} bytes, median of {RUNS}:",
        svg.len()
    );
    println!("  parse (incl. text layout) {parse:?}");
    println!("  rasterise                 {render:?}");
    println!("  encode, fast (png Fast, Sub, RGB)      {fast:?}, {fast_bytes} bytes");
    println!("  encode, tiny-skia encode_png (RGBA)  {reference:?}, {reference_bytes} bytes");
    println!("  render() end to end       {total:?}");
}

#[test]
#[ignore]
fn scratch_matrix() {
    let renderer = Renderer::new();
    let svg = chart_svg();
    let white = background::parse("#ffffff").unwrap();
    let tree = renderer.parse(&svg).unwrap();
    let pixmap = rasterise(&tree, WIDTH, HEIGHT, Some(white)).unwrap();
    let rgba = pixmap.data().to_vec();
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    for (cname, comp) in [
        ("fast", png::Compression::Fast),
        ("default", png::Compression::Default),
    ] {
        for (fname, filt, ad) in [
            (
                "none",
                png::FilterType::NoFilter,
                png::AdaptiveFilterType::NonAdaptive,
            ),
            (
                "sub",
                png::FilterType::Sub,
                png::AdaptiveFilterType::NonAdaptive,
            ),
            (
                "up",
                png::FilterType::Up,
                png::AdaptiveFilterType::NonAdaptive,
            ),
            (
                "paeth",
                png::FilterType::Paeth,
                png::AdaptiveFilterType::NonAdaptive,
            ),
            (
                "adaptive",
                png::FilterType::Sub,
                png::AdaptiveFilterType::Adaptive,
            ),
        ] {
            for (ctn, ct, data) in [
                ("rgb", png::ColorType::Rgb, &rgb),
                ("rgba", png::ColorType::Rgba, &rgba),
            ] {
                let mut times = vec![];
                let mut len = 0;
                for _ in 0..15 {
                    let start = Instant::now();
                    let mut out = Vec::new();
                    let mut e = png::Encoder::new(&mut out, WIDTH, HEIGHT);
                    e.set_color(ct);
                    e.set_depth(png::BitDepth::Eight);
                    e.set_compression(comp);
                    e.set_filter(filt);
                    e.set_adaptive_filter(ad);
                    let mut w = e.write_header().unwrap();
                    w.write_image_data(data).unwrap();
                    w.finish().unwrap();
                    times.push(start.elapsed());
                    len = out.len();
                }
                times.sort();
                println!("{cname:8} {fname:9} {ctn:5} {:?} {len}", times[7]);
            }
        }
    }
}

#[test]
#[ignore]
fn scratch_split() {
    let renderer = Renderer::new();
    let svg = chart_svg();
    let white = background::parse("#ffffff").unwrap();
    let tree = renderer.parse(&svg).unwrap();
    let pixmap = rasterise(&tree, WIDTH, HEIGHT, Some(white)).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        let p = pixmap.clone();
        let clone = t.elapsed();
        let mut data = p.take();
        let t = Instant::now();
        encode::drop_alpha(&mut data);
        let inplace = t.elapsed();
        let data2 = pixmap.data();
        let t = Instant::now();
        let mut rgb = Vec::with_capacity(data2.len() / 4 * 3);
        for px in data2.chunks_exact(4) {
            rgb.extend_from_slice(&px[..3]);
        }
        let extend = t.elapsed();
        let t = Instant::now();
        let all = data2.chunks_exact(4).all(|px| px[3] == 255);
        let scan = t.elapsed();
        let t = Instant::now();
        let v = encode::png(pixmap.clone(), true).unwrap();
        let full = t.elapsed();
        println!("clone {clone:?} inplace {inplace:?} extend {extend:?} scan {scan:?} {all} full {full:?} {}", v.len() + rgb.len() - rgb.len());
    }
}

fn va(data: &mut Vec<u8>) {
    encode::drop_alpha(data)
}
fn vb(data: &mut Vec<u8>) {
    let pixels = data.len() / 4;
    for i in 1..pixels {
        data.copy_within(4 * i..4 * i + 3, 3 * i);
    }
    data.truncate(pixels * 3);
}
fn vc(data: &mut Vec<u8>) {
    let pixels = data.len() / 4;
    let blocks = pixels / 4;
    for i in 0..pixels.min(12) {
        let (f, t) = (4 * i, 3 * i);
        data[t] = data[f];
        data[t + 1] = data[f + 1];
        data[t + 2] = data[f + 2];
    }
    for b in 3..blocks {
        let (dst, src) = data.split_at_mut(16 * b);
        let s: &[u8; 16] = src[..16].try_into().unwrap();
        let d: &mut [u8; 12] = (&mut dst[12 * b..12 * b + 12]).try_into().unwrap();
        *d = [
            s[0], s[1], s[2], s[4], s[5], s[6], s[8], s[9], s[10], s[12], s[13], s[14],
        ];
    }
    for i in blocks * 4..pixels {
        let (f, t) = (4 * i, 3 * i);
        data[t] = data[f];
        data[t + 1] = data[f + 1];
        data[t + 2] = data[f + 2];
    }
    data.truncate(pixels * 3);
}
fn vd(data: &[u8], out: &mut [u8]) {
    for (d, s) in out.chunks_exact_mut(3).zip(data.chunks_exact(4)) {
        d.copy_from_slice(&s[..3]);
    }
}

#[test]
#[ignore]
fn scratch_convert() {
    let renderer = Renderer::new();
    let tree = renderer.parse(&chart_svg()).unwrap();
    let white = background::parse("#ffffff").unwrap();
    let pixmap = rasterise(&tree, WIDTH, HEIGHT, Some(white)).unwrap();
    let src = pixmap.data().to_vec();
    let mut reference = src.clone();
    va(&mut reference);
    for (name, f) in [
        ("index", va as fn(&mut Vec<u8>)),
        ("copy_within", vb),
        ("blocks", vc),
    ] {
        let mut times = vec![];
        for _ in 0..21 {
            let mut buf = src.clone();
            let t = Instant::now();
            f(&mut buf);
            times.push(t.elapsed());
            assert!(buf == reference, "{name}");
        }
        times.sort();
        println!("{name:12} {:?}", times[10]);
    }
    let mut out = vec![0u8; src.len() / 4 * 3];
    let mut times = vec![];
    for _ in 0..21 {
        let t = Instant::now();
        vd(&src, &mut out);
        times.push(t.elapsed());
    }
    times.sort();
    assert!(out == reference);
    println!("zip-warm     {:?}", times[10]);
    let mut times = vec![];
    for _ in 0..21 {
        let t = Instant::now();
        let mut o = vec![0u8; src.len() / 4 * 3];
        vd(&src, &mut o);
        times.push(t.elapsed());
        drop(o);
    }
    times.sort();
    println!("zip-cold     {:?}", times[10]);
}
