//! The public API end to end: PNGs are decoded and their pixels checked.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use alertgraph_renderer::{Limits, RenderError, RenderOptions, Renderer};

#[path = "support/png_decode.rs"]
mod png_decode;

struct Image {
    colour: png::ColorType,
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl Image {
    fn decode(png: &[u8]) -> Self {
        let (colour, width, height, data) = png_decode::decode(png);
        Self {
            colour,
            width,
            height,
            data,
        }
    }

    /// RGBA at (x, y), alpha 255 for RGB images.
    fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let channels = self.colour.samples();
        let at = (y * self.width + x) as usize * channels;
        let px = &self.data[at..at + channels];
        [px[0], px[1], px[2], if channels == 4 { px[3] } else { 255 }]
    }

    /// Pixels in [x0, x1) × [y0, y1) darker than mid-grey.
    fn dark_pixels(&self, (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let [r, g, b, a] = self.pixel(x, y);
                a > 128 && u32::from(r) + u32::from(g) + u32::from(b) < 3 * 128
            })
            .count()
    }
}

fn options(width: u32, height: u32, background: Option<&str>) -> RenderOptions {
    RenderOptions {
        width,
        height,
        background: background.map(str::to_owned),
    }
}

fn render(svg: &str, opts: &RenderOptions) -> Image {
    Image::decode(&Renderer::new().render(svg, opts).expect("renders"))
}

fn svg(width: u32, height: u32, body: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">{body}</svg>"#
    )
}

const RED: [u8; 4] = [255, 0, 0, 255];
const WHITE: [u8; 4] = [255, 255, 255, 255];
const CLEAR: [u8; 4] = [0, 0, 0, 0];

#[test]
fn rect_lands_on_its_pixels() {
    let image = render(
        &svg(
            100,
            100,
            r##"<rect x="10" y="20" width="30" height="40" fill="#ff0000"/>"##,
        ),
        &options(100, 100, Some("#ffffff")),
    );
    assert_eq!(
        image.colour,
        png::ColorType::Rgb,
        "opaque output is written as RGB"
    );
    for (x, y) in [(10, 20), (25, 40), (39, 59)] {
        assert_eq!(image.pixel(x, y), RED, "inside at {x},{y}");
    }
    for (x, y) in [(9, 20), (10, 19), (40, 40), (25, 60), (0, 0), (99, 99)] {
        assert_eq!(image.pixel(x, y), WHITE, "outside at {x},{y}");
    }
}

#[test]
fn svg_is_scaled_to_fit_and_centred() {
    // Left half red: drawn 1:1 in the middle of a 200×100 canvas, 3× on a 300×300 one.
    let half = svg(100, 100, r#"<rect width="50" height="100" fill="red"/>"#);
    let wide = render(&half, &options(200, 100, None));
    assert_eq!(wide.pixel(49, 50), CLEAR, "left margin");
    assert_eq!(wide.pixel(50, 50), RED);
    assert_eq!(wide.pixel(99, 50), RED);
    assert_eq!(wide.pixel(100, 50), CLEAR, "right half of the SVG");
    assert_eq!(wide.pixel(150, 50), CLEAR, "right margin");

    let big = render(&half, &options(300, 300, None));
    assert_eq!(big.pixel(149, 299), RED);
    assert_eq!(big.pixel(150, 0), CLEAR);
}

#[test]
fn png_has_the_requested_size() {
    let body = r#"<rect width="10" height="10" fill="red"/>"#;
    for (width, height) in [(1180, 400), (1, 1), (4096, 1), (1, 4096), (33, 77)] {
        let image = render(&svg(10, 10, body), &options(width, height, Some("white")));
        assert_eq!((image.width, image.height), (width, height));
        assert_eq!(image.data.len(), (width * height * 3) as usize);
    }
}

#[test]
fn text_renders_with_the_bundled_font() {
    let text = |family: &str, weight: &str| {
        svg(
            300,
            60,
            &format!(
                r##"<text x="10" y="45" font-family="{family}" font-weight="{weight}" font-size="36" fill="#000">Firing 42</text>"##
            ),
        )
    };
    let opts = options(300, 60, Some("white"));
    let ink = |svg: &str| render(svg, &opts).dark_pixels((0, 0), (300, 60));

    let regular = render(&text("Inter, sans-serif", "normal"), &opts);
    assert!(
        regular.dark_pixels((10, 10), (200, 50)) > 500,
        "glyphs inside the text's box"
    );
    assert_eq!(
        regular.dark_pixels((0, 0), (300, 8)),
        0,
        "nothing above the cap height"
    );
    assert_eq!(ink(&svg(300, 60, "")), 0, "no text, no ink");

    // Unknown and generic families all fall back to Inter.
    let inter = ink(&text("Inter, sans-serif", "normal"));
    for family in ["Helvetica", "serif", "monospace", "DejaVu Sans, cursive"] {
        assert_eq!(ink(&text(family, "normal")), inter, "{family}");
    }
    assert!(
        ink(&text("Inter", "bold")) > inter * 11 / 10,
        "bold uses the bold face"
    );
}

#[test]
fn background_is_painted_under_the_svg() {
    let body = r#"<rect x="50" width="50" height="100" fill="red"/>"#;
    let svg = svg(100, 100, body);

    let none = render(&svg, &options(100, 100, None));
    assert_eq!(none.colour, png::ColorType::Rgba);
    assert_eq!((none.pixel(10, 10), none.pixel(75, 50)), (CLEAR, RED));

    let blue = render(&svg, &options(100, 100, Some("#336699")));
    assert_eq!(blue.colour, png::ColorType::Rgb);
    assert_eq!(
        (blue.pixel(10, 10), blue.pixel(75, 50)),
        ([0x33, 0x66, 0x99, 255], RED)
    );

    let short = render(&svg, &options(100, 100, Some("#fff")));
    assert_eq!(short.pixel(10, 10), WHITE);

    let translucent = render(&svg, &options(100, 100, Some("#11223380")));
    assert_eq!(translucent.colour, png::ColorType::Rgba);
    let [r, g, b, a] = translucent.pixel(10, 10);
    assert_eq!(a, 0x80);
    for (got, want) in [(r, 0x11), (g, 0x22), (b, 0x33)] {
        assert!(
            got.abs_diff(want) <= 1,
            "straight colour {got:#x} ≈ {want:#x}"
        );
    }
    assert_eq!(translucent.pixel(75, 50), RED);

    let transparent = render(&svg, &options(100, 100, Some("transparent")));
    assert_eq!(transparent.pixel(10, 10), CLEAR);
}

#[test]
fn translucent_fill_is_written_demultiplied() {
    let image = render(
        &svg(
            10,
            10,
            r##"<rect width="10" height="10" fill="#ff8000" fill-opacity="0.5"/>"##,
        ),
        &options(10, 10, None),
    );
    let [r, g, b, a] = image.pixel(5, 5);
    assert!(a.abs_diff(128) <= 1, "alpha {a}");
    assert_eq!(r, 255, "straight, not premultiplied");
    assert!(g.abs_diff(128) <= 1, "green {g}");
    assert_eq!(b, 0);
}

#[test]
fn image_hrefs_never_read_files() {
    let path = std::env::temp_dir().join(format!("alertgraph-renderer-{}.svg", std::process::id()));
    std::fs::write(
        &path,
        svg(10, 10, r#"<rect width="10" height="10" fill="red"/>"#),
    )
    .unwrap();
    let body = format!(
        r#"<image href="{}" width="10" height="10"/>"#,
        path.display()
    );
    let image = render(&svg(10, 10, &body), &options(10, 10, Some("white")));
    std::fs::remove_file(&path).unwrap();
    assert_eq!(image.pixel(5, 5), WHITE);
}

fn error(svg: &str, opts: &RenderOptions) -> RenderError {
    Renderer::new().render(svg, opts).expect_err("must fail")
}

#[test]
fn unparsable_svg_is_invalid() {
    for bad in [
        "",
        "not xml",
        "<svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"></g>",
        "<html/>",
    ] {
        match error(bad, &options(10, 10, None)) {
            RenderError::InvalidSvg(reason) => assert!(!reason.is_empty()),
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
}

#[test]
fn sizes_outside_the_caps_are_too_large() {
    let small = svg(10, 10, "");
    for (width, height, names) in [
        (0, 10, "width"),
        (10, 0, "height"),
        (4097, 10, "width"),
        (10, 4097, "height"),
        (4096, 4096, "pixels"),
        (4096, 2049, "pixels"),
    ] {
        match error(&small, &options(width, height, None)) {
            RenderError::TooLarge(reason) => assert!(reason.contains(names), "{reason}"),
            other => panic!("{width}x{height} gave {other:?}"),
        }
    }
    assert!(
        Renderer::new()
            .render(&small, &options(4096, 2048, None))
            .is_ok(),
        "8 Mi pixels fit"
    );
}

#[test]
fn huge_input_is_too_large_before_parsing() {
    // Not even valid XML: the size cap must answer first.
    let huge = "x".repeat(4 * 1024 * 1024 + 1);
    assert!(
        matches!(error(&huge, &options(10, 10, None)), RenderError::TooLarge(r) if r.contains("bytes"))
    );

    let renderer = Renderer::with_limits(Limits {
        max_svg_bytes: 100,
        ..Limits::default()
    });
    let padded = svg(10, 10, &" ".repeat(100));
    assert!(matches!(
        renderer.render(&padded, &options(10, 10, None)),
        Err(RenderError::TooLarge(_))
    ));
}

#[test]
fn bad_background_is_invalid_and_named() {
    for bad in ["#12", "red", "#ggg", "rgb(0,0,0)"] {
        match error(&svg(10, 10, ""), &options(10, 10, Some(bad))) {
            RenderError::InvalidSvg(reason) => {
                assert!(reason.starts_with("background"), "{reason}")
            }
            other => panic!("{bad:?} gave {other:?}"),
        }
    }
}

#[test]
fn zero_time_cap_times_out() {
    let renderer = Renderer::with_limits(Limits {
        time: Duration::ZERO,
        ..Limits::default()
    });
    let result = renderer.render(&svg(10, 10, ""), &options(10, 10, None));
    assert_eq!(result, Err(RenderError::Timeout));
    // The caps on input come first: they need no time to check.
    let too_wide = renderer.render(&svg(10, 10, ""), &options(0, 10, None));
    assert!(matches!(too_wide, Err(RenderError::TooLarge(_))));
}

#[test]
fn errors_display_on_one_line() {
    let multi_line = "line one\n  line two".to_owned();
    for e in [
        RenderError::InvalidSvg(multi_line.clone()),
        RenderError::TooLarge(multi_line.clone()),
        RenderError::Timeout,
        RenderError::Internal(multi_line),
    ] {
        let shown = e.to_string();
        assert!(!shown.is_empty() && !shown.contains('\n'), "{shown:?}");
    }
    assert_eq!(
        RenderError::InvalidSvg("a\nb".into()).to_string(),
        "invalid SVG: a b"
    );
    assert_eq!(RenderError::InvalidSvg("a\nb".into()).reason(), "a b");
    assert_eq!(RenderError::Timeout.reason(), "render timed out");
}

#[test]
fn renderer_is_reusable_across_calls_and_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Renderer>();

    let renderer = Arc::new(Renderer::new());
    let chart = |i: u32| {
        svg(
            120,
            40,
            &format!(
                r##"<rect x="{i}" width="20" height="40" fill="#2eb67d"/><text x="60" y="30" font-size="20">{i}</text>"##
            ),
        )
    };
    let opts = options(240, 80, Some("white"));
    let expected: Vec<Vec<u8>> = (0..4)
        .map(|i| renderer.render(&chart(i), &opts).unwrap())
        .collect();
    assert_ne!(expected[0], expected[1], "different inputs, different PNGs");

    // Errors in between leave the renderer usable.
    assert!(renderer.render("junk", &opts).is_err());
    assert_eq!(renderer.render(&chart(0), &opts).unwrap(), expected[0]);

    let handles: Vec<_> = (0..4)
        .map(|i| {
            let (renderer, opts, svg) = (Arc::clone(&renderer), opts.clone(), chart(i));
            thread::spawn(move || {
                (0..3)
                    .map(|_| renderer.render(&svg, &opts).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        for png in handle.join().unwrap() {
            assert_eq!(png, expected[i], "thread {i}");
        }
    }
}
