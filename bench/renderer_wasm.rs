//! The renderer natively and compiled to wasm (renderer/wasm on wasmtime), on the same
//! 1180×400 chart: the median of SAMPLES renders each, in one warm instance and in a fresh
//! instance per render (what Spin pays per request: instantiation and the font database
//! included). Prints one JSON line (milliseconds, bytes).

#[path = "../host/tests/support/renderer_guest.rs"]
mod renderer_guest;

use std::time::{Duration, Instant};

use alertgraph_renderer::Renderer;
use renderer_guest::{Guest, RenderOptions, RENDERER_HTTP_WASM, RENDERER_WASM};

const CHART_SVG: &str = include_str!("../renderer/tests/fixtures/chart-1180x400.svg");
const SAMPLES: usize = 31;

fn main() {
    let options = RenderOptions {
        width: 1180,
        height: 400,
        background: Some("#ffffff".into()),
    };
    let native_options = alertgraph_renderer::RenderOptions {
        width: options.width,
        height: options.height,
        background: options.background.clone(),
    };
    let renderer = Renderer::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let compiling = Instant::now();
    let guest = Guest::load(RENDERER_WASM);
    let compile = compiling.elapsed();
    let mut warm_instance = rt.block_on(guest.instantiate(&[]));

    // Interleaved, so that the three see the same load on a shared machine; round 0 warms up.
    let (mut native, mut warm, mut fresh) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..=SAMPLES {
        native.push(time(|| {
            renderer.render(CHART_SVG, &native_options).unwrap();
        }));
        warm.push(time(|| {
            rt.block_on(warm_instance.render(CHART_SVG, &options))
                .unwrap();
        }));
        fresh.push(time(|| {
            rt.block_on(async {
                let mut instance = guest.instantiate(&[]).await;
                instance.render(CHART_SVG, &options).await.unwrap();
            })
        }));
    }
    let (native, warm, fresh) = (median(native), median(warm), median(fresh));

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let size = |path: &str| std::fs::metadata(path).map_or(0, |m| m.len());
    println!(
        "{{\"samples\":{SAMPLES},\"native_ms\":{:.2},\"wasm_ms\":{:.2},\"wasm_fresh_instance_ms\":{:.2},\"ratio\":{:.2},\"fresh_ratio\":{:.2},\"compile_ms\":{:.0},\"renderer_wasm_bytes\":{},\"renderer_http_bytes\":{}}}",
        ms(native),
        ms(warm),
        ms(fresh),
        ms(warm) / ms(native),
        ms(fresh) / ms(native),
        ms(compile),
        size(RENDERER_WASM),
        size(RENDERER_HTTP_WASM),
    );
}

fn time(run: impl FnOnce()) -> Duration {
    let started = Instant::now();
    run();
    started.elapsed()
}

/// The median of the samples after the first (the warm-up).
fn median(mut samples: Vec<Duration>) -> Duration {
    samples.remove(0);
    samples.sort();
    samples[samples.len() / 2]
}
