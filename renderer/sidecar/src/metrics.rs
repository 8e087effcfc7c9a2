//! The sidecar's own counters, shown by `GET /metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// How a `POST /render` ended; one counter each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    BadRequest,
    InvalidSvg,
    TooLarge,
    Timeout,
    Internal,
}

impl Outcome {
    const ALL: [Outcome; 6] = [
        Outcome::Ok,
        Outcome::BadRequest,
        Outcome::InvalidSvg,
        Outcome::TooLarge,
        Outcome::Timeout,
        Outcome::Internal,
    ];

    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::BadRequest => "bad_request",
            Outcome::InvalidSvg => "invalid_svg",
            Outcome::TooLarge => "too_large",
            Outcome::Timeout => "timeout",
            Outcome::Internal => "internal",
        }
    }
}

/// Upper bounds of the render duration buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
pub(crate) struct Metrics {
    renders: [AtomicU64; Outcome::ALL.len()],
    /// Cumulative, as exposed: a render counts in every bucket it fits.
    buckets: [AtomicU64; BUCKETS.len()],
    render_count: AtomicU64,
    render_nanos: AtomicU64,
    png_bytes: AtomicU64,
}

impl Metrics {
    pub(crate) fn count(&self, outcome: Outcome) {
        self.renders[outcome as usize].fetch_add(1, Relaxed);
    }

    /// A render that reached the renderer, whatever it answered.
    pub(crate) fn observe_render(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.render_count.fetch_add(1, Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.render_nanos.fetch_add(nanos, Relaxed);
    }

    pub(crate) fn add_png_bytes(&self, bytes: usize) {
        self.png_bytes.fetch_add(bytes as u64, Relaxed);
    }

    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        let name = "alertgraph_renderer_renders_total";
        header(&mut out, name, "counter", "Render requests, by outcome.");
        for outcome in Outcome::ALL {
            let value = self.renders[outcome as usize].load(Relaxed);
            let _ = writeln!(out, "{name}{{outcome=\"{}\"}} {value}", outcome.label());
        }

        let name = "alertgraph_renderer_render_duration_seconds";
        let help = "Time spent rendering (parse, rasterise, encode), not waiting for a slot.";
        header(&mut out, name, "histogram", help);
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.render_count.load(Relaxed);
        let sum = self.render_nanos.load(Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");

        let name = "alertgraph_renderer_png_bytes_total";
        header(&mut out, name, "counter", "Bytes of PNG sent.");
        let _ = writeln!(out, "{name} {}", self.png_bytes.load(Relaxed));
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.count(Outcome::Ok);
        metrics.count(Outcome::Ok);
        metrics.count(Outcome::Timeout);
        metrics.observe_render(Duration::from_millis(20));
        metrics.observe_render(Duration::from_millis(300));
        metrics.add_png_bytes(1500);
        let text = metrics.text();
        for line in [
            "# TYPE alertgraph_renderer_renders_total counter",
            "alertgraph_renderer_renders_total{outcome=\"ok\"} 2",
            "alertgraph_renderer_renders_total{outcome=\"timeout\"} 1",
            "alertgraph_renderer_renders_total{outcome=\"internal\"} 0",
            "# TYPE alertgraph_renderer_render_duration_seconds histogram",
            "alertgraph_renderer_render_duration_seconds_bucket{le=\"0.01\"} 0",
            "alertgraph_renderer_render_duration_seconds_bucket{le=\"0.025\"} 1",
            "alertgraph_renderer_render_duration_seconds_bucket{le=\"0.5\"} 2",
            "alertgraph_renderer_render_duration_seconds_bucket{le=\"+Inf\"} 2",
            "alertgraph_renderer_render_duration_seconds_sum 0.32",
            "alertgraph_renderer_render_duration_seconds_count 2",
            "alertgraph_renderer_png_bytes_total 1500",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }
}
