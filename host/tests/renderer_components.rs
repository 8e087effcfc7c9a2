//! The `renderer` components for Spin, built by build.rs, on wasmtime: renderer/wasm draws
//! what the native renderer draws and refuses what it refuses; renderer/http reaches the
//! sidecar (in-process on 127.0.0.1) and maps its answers back to the WIT errors.

#[path = "support/renderer_guest.rs"]
mod renderer_guest;

use alertgraph_renderer::Renderer;
use renderer_guest::{Guest, RenderError, RenderOptions, RENDERER_HTTP_WASM, RENDERER_WASM};

const CHART_SVG: &str = include_str!("../../renderer/tests/fixtures/chart-1180x400.svg");

fn options(width: u32, height: u32) -> RenderOptions {
    RenderOptions {
        width,
        height,
        background: Some("#ffffff".into()),
    }
}

/// The native renderer's answer, in the WIT's terms.
fn native(svg: &str, options: &RenderOptions) -> Result<Vec<u8>, RenderError> {
    let options = alertgraph_renderer::RenderOptions {
        width: options.width,
        height: options.height,
        background: options.background.clone(),
    };
    Renderer::new().render(svg, &options).map_err(|e| {
        let reason = e.reason();
        match e {
            alertgraph_renderer::RenderError::InvalidSvg(_) => RenderError::InvalidSvg(reason),
            alertgraph_renderer::RenderError::TooLarge(_) => RenderError::TooLarge(reason),
            alertgraph_renderer::RenderError::Timeout => RenderError::Timeout,
            alertgraph_renderer::RenderError::Internal(_) => RenderError::Internal(reason),
        }
    })
}

/// Width, height and RGB(A) samples.
fn decode(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(png).read_info().unwrap();
    let mut data = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut data).unwrap();
    data.truncate(frame.buffer_size());
    (frame.width, frame.height, data)
}

/// Both refused, with the same error and the same reason.
fn assert_same_error(got: Result<Vec<u8>, RenderError>, expected: Result<Vec<u8>, RenderError>) {
    match (got, expected) {
        (Err(got), Err(expected)) => assert_eq!(format!("{got:?}"), format!("{expected:?}")),
        (got, expected) => panic!("got {:?}, expected {:?}", got.err(), expected.err()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn wasm_renderer_draws_what_the_native_one_draws() {
    let guest = Guest::load(RENDERER_WASM);
    let mut instance = guest.instantiate(&[]).await;
    let chart = options(1180, 400);
    let wasm = instance.render(CHART_SVG, &chart).await.unwrap();
    let (width, height, pixels) = decode(&wasm);
    let (_, _, expected) = decode(&native(CHART_SVG, &chart).unwrap());
    assert_eq!((width, height), (1180, 400));
    let differing = pixels.iter().zip(&expected).filter(|(a, b)| a != b).count();
    // Exact: the same code, and wasm's floats round as the native build's do.
    assert!(
        pixels.len() == expected.len() && differing == 0,
        "{differing} of {} samples differ",
        pixels.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wasm_renderer_refuses_what_the_native_one_refuses() {
    let guest = Guest::load(RENDERER_WASM);
    let mut instance = guest.instantiate(&[]).await;
    for (svg, options) in [("<svg", options(100, 100)), (CHART_SVG, options(5000, 10))] {
        let got = instance.render(svg, &options).await;
        assert_same_error(got, native(svg, &options));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_renderer_renders_through_the_sidecar() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let config = alertgraph_renderer_sidecar::Config::default();
    let sidecar = tokio::spawn(alertgraph_renderer_sidecar::serve(
        listener,
        config,
        std::future::pending(),
    ));

    let guest = Guest::load(RENDERER_HTTP_WASM);
    let mut instance = guest.instantiate(&[("renderer_url", &url)]).await;
    let chart = options(590, 200);
    let png = instance.render(CHART_SVG, &chart).await.unwrap();
    assert!(
        png == native(CHART_SVG, &chart).unwrap(),
        "not the native PNG"
    );
    let transparent = RenderOptions {
        background: None,
        ..options(40, 20)
    };
    let png = instance.render(CHART_SVG, &transparent).await.unwrap();
    assert!(png == native(CHART_SVG, &transparent).unwrap());
    for (svg, options) in [("<svg", options(100, 100)), (CHART_SVG, options(5000, 10))] {
        let got = instance.render(svg, &options).await;
        assert_same_error(got, native(svg, &options));
    }
    sidecar.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn http_renderer_without_a_sidecar_is_an_internal_error() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let guest = Guest::load(RENDERER_HTTP_WASM);
    let url = format!("http://{closed}");
    let mut instance = guest.instantiate(&[("renderer_url", &url)]).await;
    match instance.render(CHART_SVG, &options(100, 100)).await {
        Err(RenderError::Internal(reason)) => {
            assert!(reason.starts_with("renderer unreachable: "), "{reason}")
        }
        other => panic!("{:?}", other.map(|png| png.len())),
    }

    let mut unset = guest.instantiate(&[]).await;
    match unset.render(CHART_SVG, &options(100, 100)).await {
        Err(RenderError::Internal(reason)) => {
            assert!(reason.starts_with("variable renderer_url: "), "{reason}")
        }
        other => panic!("{:?}", other.map(|png| png.len())),
    }
}
