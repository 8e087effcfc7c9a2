//! Golden-image tests: each case's SVG is rendered by the real renderer (1180×400, white) and
//! compared pixel by pixel with `handler/tests/golden/<case>.png`.
//!
//! Two pixels are equal when no channel differs by more than [`CHANNEL_TOLERANCE`]; a case
//! fails when more than [`MAX_DIFFERING`] of its pixels (0.02 %, 94) differ. The rendering is
//! deterministic on one platform, so the tolerance only absorbs anti-aliasing shifts along a
//! few edges after a dependency update, while small visible changes still fail: rounder line
//! joins and legend swatch caps changed 126 to 144 pixels, a moved label changes hundreds.
//! On failure `<case>.actual.png` and `<case>.diff.png` (differing pixels red over a faded
//! copy) go to `target/golden/` under the workspace root. References are at most 100 KB.
//!
//! `UPDATE_GOLDEN=1 cargo test -p alertgraph-handler chart::golden` rewrites the references.

#[path = "../../benches/anchors/mod.rs"]
mod anchors;
#[path = "../../../renderer/tests/support/png_decode.rs"]
mod png_decode;

use std::path::{Path, PathBuf};

use alertgraph_renderer::{RenderOptions, Renderer};

// `anchors` finds the chart model as `super::model`.
use super::model;
use super::model::{Comparison, Earlier, EarlierLine, Ms, Plot, Series, Span, Threshold, Unit};
use super::svg::{chart_svg, SERIES_GROUP};

const WIDTH: u32 = 1180;
const HEIGHT: u32 = 400;
const CHANNEL_TOLERANCE: u8 = 16;
const MAX_DIFFERING: usize = (WIDTH * HEIGHT / 5000) as usize;
const MAX_PNG_BYTES: usize = 100_000;
const MINUTE: Ms = 60_000;

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn references() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn render(svg: &str) -> Vec<u8> {
    let options = RenderOptions {
        width: WIDTH,
        height: HEIGHT,
        background: Some("#ffffff".to_owned()),
    };
    Renderer::new()
        .render(svg, &options)
        .expect("the chart renders")
}

/// RGB pixels of a PNG (the renderer writes RGB when opaque; RGBA is flattened on white).
fn pixels(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let (colour, width, height, data) = png_decode::decode(png_bytes);
    let rgb = match colour {
        png::ColorType::Rgb => data,
        png::ColorType::Rgba => data
            .chunks_exact(4)
            .flat_map(|p| {
                let a = u32::from(p[3]);
                p[..3]
                    .iter()
                    .map(move |&c| ((u32::from(c) * a + 255 * (255 - a)) / 255) as u8)
            })
            .collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (width, height, rgb)
}

fn encode(rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("PNG header");
    writer.write_image_data(rgb).expect("PNG data");
    writer.finish().expect("PNG end");
    out
}

/// Differing pixels in red over a faded copy of the expected image, and their count.
fn diff(expected: &[u8], actual: &[u8]) -> (Vec<u8>, usize) {
    let mut count = 0;
    let image = expected
        .chunks_exact(3)
        .zip(actual.chunks_exact(3))
        .flat_map(|(e, a)| {
            let differs = e
                .iter()
                .zip(a)
                .any(|(x, y)| x.abs_diff(*y) > CHANNEL_TOLERANCE);
            count += usize::from(differs);
            if differs {
                [255, 0, 0]
            } else {
                [e[0], e[1], e[2]].map(|c| 255 - (255 - c) / 4)
            }
        })
        .collect();
    (image, count)
}

/// Renders `plot` and compares it with its reference (or rewrites it with `UPDATE_GOLDEN=1`).
fn check(name: &str, plot: &Plot) {
    let actual_png = render(&chart_svg(plot));
    let reference = references().join(format!("{name}.png"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&reference, &actual_png).expect("write the reference");
    }
    assert!(
        actual_png.len() <= MAX_PNG_BYTES,
        "{name}: the PNG is {} bytes, over {MAX_PNG_BYTES}",
        actual_png.len()
    );
    let expected_png = std::fs::read(&reference).unwrap_or_else(|e| {
        panic!(
            "{name}: no reference {} ({e}); run with UPDATE_GOLDEN=1 to create it",
            reference.display()
        )
    });
    assert!(
        expected_png.len() <= MAX_PNG_BYTES,
        "{name}: the reference is over {MAX_PNG_BYTES} bytes"
    );
    let (expected, actual) = (pixels(&expected_png), pixels(&actual_png));
    assert_eq!(
        (expected.0, expected.1),
        (WIDTH, HEIGHT),
        "{name}: reference size"
    );
    let (image, differing) = diff(&expected.2, &actual.2);
    if differing > MAX_DIFFERING {
        let out = workspace().join("target/golden");
        std::fs::create_dir_all(&out).expect("create target/golden");
        std::fs::write(out.join(format!("{name}.actual.png")), &actual_png).expect("write");
        std::fs::write(out.join(format!("{name}.diff.png")), encode(&image)).expect("write");
        panic!(
            "{name}: {differing} pixels differ from {reference} (at most {MAX_DIFFERING} may); \
             see {out}/{name}.actual.png and {out}/{name}.diff.png; UPDATE_GOLDEN=1 accepts it",
            reference = reference.display(),
            out = out.display(),
        );
    }
}

fn anchors_plot() -> Plot {
    let csv = std::fs::read_to_string(references().join("anchors-data.csv")).expect("the data");
    anchors::plot(&csv)
}

/// Deterministic noise in 0..1 (splitmix64): the references must not move between runs.
fn noise(i: usize, seed: usize) -> f64 {
    let mut z = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (seed as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A slow wave with noise, in 0..1.
fn wobble(i: usize, seed: usize) -> f64 {
    0.5 + 0.3 * (i as f64 / (7.0 + seed as f64)).sin() + 0.4 * (noise(i, seed) - 0.5)
}

fn series(label: &str, points: Vec<(Ms, f64)>) -> Series {
    Series {
        label: label.to_owned(),
        points,
        highlighted: false,
    }
}

fn threshold(op: Comparison, value: f64) -> Option<Threshold> {
    Some(Threshold { value, op })
}

fn firing(start_ms: Ms, end_ms: Option<Ms>) -> Option<Span> {
    Some(Span { start_ms, end_ms })
}

/// A plot with defaults for the parts a case does not set.
fn plot(title: &str, subtitle: &str, start_ms: Ms, end_ms: Ms, unit: Unit) -> Plot {
    Plot {
        title: title.to_owned(),
        subtitle: subtitle.to_owned(),
        start_ms,
        end_ms,
        series: Vec::new(),
        earlier: None,
        threshold: None,
        firing: None,
        resolved_at: None,
        unit,
        empty_reason: None,
    }
}

#[test]
fn anchors_firing() {
    check("anchors_firing", &anchors_plot());
}

#[test]
fn anchors_resolved() {
    let mut plot = anchors_plot();
    plot.resolved_at = plot.firing.and_then(|s| s.end_ms);
    check("anchors_resolved", &plot);
}

#[test]
fn no_data() {
    let t0 = anchors::T0_MS;
    let mut plot = plot(
        "HighErrorRate — checkout",
        "sum(rate(http_requests_total{code=\"500\"}[5m])) / sum(rate(http_requests_total[5m]))",
        t0,
        t0 + 360 * MINUTE,
        Unit::Ratio,
    );
    plot.series = vec![series(
        "checkout",
        vec![(t0, f64::NAN), (t0 + MINUTE, f64::INFINITY)],
    )];
    plot.threshold = threshold(Comparison::Gt, 0.05);
    plot.firing = firing(t0 + 300 * MINUTE, None);
    check("no_data", &plot);
}

fn latency_plot() -> Plot {
    let t0 = anchors::T0_MS;
    let mut plot = plot(
        "SlowRequests — p99 latency above 1.5s",
        "histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket[5m])))",
        t0,
        t0 + 180 * MINUTE,
        Unit::Seconds,
    );
    let mut api = Vec::new();
    let mut web = Vec::new();
    for i in 0..=180usize {
        let t = t0 + i as Ms * MINUTE;
        let base = 0.35 + wobble(i, 1) * 0.25 + if (95..130).contains(&i) { 1.1 } else { 0.0 };
        let value = match i {
            40..=47 => f64::NAN,
            60 => f64::INFINITY,
            61 => f64::NEG_INFINITY,
            _ => base,
        };
        // Samples 80..=99 are missing (a scrape outage): a time gap, except the lone 90.
        if !(80..=99).contains(&i) || i == 90 {
            api.push((t, value));
        }
        web.push((t, 0.12 + wobble(i, 2) * 0.1));
    }
    plot.series = vec![series("route=\"/api\"", api), series("route=\"/web\"", web)];
    plot.series[0].highlighted = true;
    plot.threshold = threshold(Comparison::Gt, 1.5);
    plot.firing = firing(t0 + 100 * MINUTE, Some(t0 + 128 * MINUTE));
    plot.resolved_at = Some(t0 + 128 * MINUTE);
    plot
}

#[test]
fn seconds_with_gaps() {
    check("seconds_with_gaps", &latency_plot());
}

#[test]
fn crossing_midnight() {
    let start = anchors::T0_MS + 9 * 60 * MINUTE + 10 * MINUTE; // Nov 25 21:10
    let mut plot = plot(
        "QueueBacklog — orders",
        "sum by (queue) (rabbitmq_queue_messages_ready) > 1000",
        start,
        start + 360 * MINUTE,
        Unit::Plain,
    );
    plot.series = (0..3)
        .map(|k| {
            let points = (0..=180usize)
                .map(|i| {
                    let t = start + i as Ms * 2 * MINUTE;
                    let surge = if i > 110 {
                        (i - 110) as f64 * 18.0
                    } else {
                        0.0
                    };
                    (
                        t,
                        120.0 + wobble(i, k + 3) * 300.0 / (k + 1) as f64 + surge / (k + 1) as f64,
                    )
                })
                .collect();
            series(["orders", "payments", "emails"][k], points)
        })
        .collect();
    plot.threshold = threshold(Comparison::Gt, 1000.0);
    plot.firing = firing(start + 290 * MINUTE, None);
    check("crossing_midnight", &plot);
}

#[test]
fn many_series() {
    let t0 = anchors::T0_MS;
    let mut plot = plot(
        "HighCPU — node pool default",
        "sum by (pod) (rate(container_cpu_usage_seconds_total{namespace=\"shop\"}[5m])) > 0.8",
        t0,
        t0 + 120 * MINUTE,
        Unit::Plain,
    );
    plot.series = (0..12)
        .map(|k| {
            let points = (0..=120usize)
                .map(|i| {
                    (
                        t0 + i as Ms * MINUTE,
                        0.1 + 0.05 * k as f64 + wobble(i, k) * 0.04,
                    )
                })
                .collect();
            series(
                &format!("pod=\"shop-frontend-7d9f8b6c5-{k:02}x\", container=\"app\""),
                points,
            )
        })
        .collect();
    // A low series: it must still be listed, drawn last and thicker.
    plot.series[2].highlighted = true;
    plot.threshold = threshold(Comparison::Gt, 0.8);
    check("many_series", &plot);
}

#[test]
fn bytes() {
    let t0 = anchors::T0_MS;
    let gib = 1024.0 * 1024.0 * 1024.0;
    let mut plot = plot(
        "MemoryHigh — checkout",
        "container_memory_working_set_bytes{pod=~\"checkout-.*\"} > 3.5 * 1024^3",
        t0,
        t0 + 240 * MINUTE,
        Unit::Bytes,
    );
    plot.series = (0..2)
        .map(|k| {
            let points = (0..=240usize)
                .map(|i| {
                    (
                        t0 + i as Ms * MINUTE,
                        (1.2 + k as f64 * 0.4 + i as f64 * 0.01 + wobble(i, k) * 0.2) * gib,
                    )
                })
                .collect();
            series(["checkout-0", "checkout-1"][k], points)
        })
        .collect();
    plot.threshold = threshold(Comparison::Gt, 3.5 * gib);
    plot.firing = firing(t0 + 200 * MINUTE, None);
    check("bytes", &plot);
}

#[test]
fn success_rate_below_threshold() {
    let t0 = anchors::T0_MS;
    let mut plot = plot(
        "SLO — checkout availability below 99.9%",
        "sum(rate(http_requests_total{code!~\"5..\"}[5m])) / sum(rate(http_requests_total[5m])) < 0.999",
        t0,
        t0 + 360 * MINUTE,
        Unit::Ratio,
    );
    let points = (0..=360usize)
        .map(|i| {
            let dip = if (200..260).contains(&i) { 0.0025 } else { 0.0 };
            (t0 + i as Ms * MINUTE, 0.9996 - wobble(i, 9) * 0.0005 - dip)
        })
        .collect();
    plot.series = vec![series("checkout", points)];
    plot.threshold = threshold(Comparison::Lt, 0.999);
    plot.firing = firing(t0 + 202 * MINUTE, Some(t0 + 262 * MINUTE));
    plot.resolved_at = Some(t0 + 262 * MINUTE);
    check("success_rate_below_threshold", &plot);
}

#[test]
fn compared_with_last_week() {
    let t0 = anchors::T0_MS;
    let mut plot = plot(
        "HighErrorRate · service=checkout",
        "sum by (service) (rate(http_requests_total{code=\"500\"}[5m])) / sum by (service) (rate(http_requests_total[5m]))",
        t0,
        t0 + 360 * MINUTE,
        Unit::Ratio,
    );
    let minutes = |value: &dyn Fn(usize) -> f64| -> Vec<(Ms, f64)> {
        (0..=360usize)
            .map(|i| (t0 + i as Ms * MINUTE, value(i)))
            .collect()
    };
    let incident = |i: usize| if (240..300).contains(&i) { 0.09 } else { 0.0 };
    let checkout = minutes(&|i| 0.012 + wobble(i, 4) * 0.012 + incident(i));
    let search = minutes(&|i| 0.02 + wobble(i, 5) * 0.01);
    // A week ago the same hours had a daily bump, higher than today's base but no incident.
    let bump = |i: usize| if (100..160).contains(&i) { 0.025 } else { 0.0 };
    let week_ago = minutes(&|i| 0.014 + wobble(i, 6) * 0.01 + bump(i));
    plot.series = vec![series("checkout", checkout), series("search", search)];
    plot.series[0].highlighted = true;
    plot.earlier = Some(Earlier {
        label: "1 week ago".to_owned(),
        lines: vec![EarlierLine {
            of: 0,
            points: week_ago,
        }],
    });
    plot.threshold = threshold(Comparison::Gt, 0.05);
    plot.firing = firing(t0 + 242 * MINUTE, None);
    check("compared_with_last_week", &plot);
}

#[test]
fn hostile_text_is_escaped_and_parses() {
    let mut plot = latency_plot();
    let hostile =
        "</text><script>alert('x')</script> &amp; \"quoted\" 'single' 🔥 \u{0}\u{1b}[31m\u{7f}";
    plot.title = hostile.to_owned();
    plot.subtitle = format!("{hostile}]]><!-- <![CDATA[");
    plot.series[0].label = hostile.to_owned();
    plot.series[1].label = "<svg onload=alert(1)>".to_owned();
    let svg = chart_svg(&plot);
    assert!(!svg.contains("<script"), "raw <script in {svg}");
    assert!(!svg.contains("<svg onload"), "raw <svg in the output");
    assert!(
        !svg.chars().any(|c| c.is_control()),
        "a control character survived"
    );
    assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"));
    assert!(
        svg.contains("&amp;amp;")
            && svg.contains("&quot;quoted&quot;")
            && svg.contains("&apos;single&apos;")
    );
    let png = render(&svg);
    assert!(png.starts_with(b"\x89PNG"));
}

#[test]
fn every_chart_stays_within_the_text_budget() {
    let plots = [anchors_plot(), latency_plot()];
    for plot in &plots {
        let svg = chart_svg(plot);
        let texts = svg.matches("<text").count();
        assert!(texts <= 40, "{texts} text elements");
        let lines = svg
            .split(SERIES_GROUP)
            .nth(1)
            .and_then(|rest| rest.split("</g>").next());
        let paths = lines.map_or(0, |group| group.matches("<path").count());
        assert_eq!(paths, plot.series.len(), "one path per series");
        for banned in ["<filter", "Gradient", "<mask", "<clipPath", "opacity"] {
            assert!(!svg.contains(banned), "{banned} in the SVG");
        }
    }
}
