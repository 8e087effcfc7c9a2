//! The chart the peers in `../shared/bench-anchors` draw, as a [`Plot`]: three error ratios
//! of 360 points from its `data.csv`, a dashed 5 % threshold and the firing span
//! 14:00–15:30 UTC. Shared by the chart benchmark and the golden-image tests, whose parents
//! both bring the chart's `model` into scope.

use super::model::{Comparison, Ms, Plot, Series, Span, Threshold, Unit};

/// 2025-11-25 12:00 UTC, the first sample.
pub const T0_MS: Ms = 1_764_072_000_000;
const MINUTE_MS: Ms = 60_000;
const NAMES: [&str; 3] = ["api-gateway 5xx", "checkout 5xx", "auth 5xx"];

/// The plot of `csv` (lines of `epoch_seconds,s1,s2,s3`); panics on a malformed line.
pub fn plot(csv: &str) -> Plot {
    let mut series: Vec<Series> = NAMES
        .iter()
        .map(|name| Series {
            label: (*name).to_owned(),
            points: Vec::with_capacity(360),
            highlighted: false,
        })
        .collect();
    for line in csv.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.split(',').map(str::trim);
        let seconds: Ms = fields.next().and_then(|f| f.parse().ok()).expect("a time");
        for s in &mut series {
            let value = fields.next().and_then(|f| f.parse().ok()).expect("a value");
            s.points.push((seconds * 1000, value));
        }
    }
    let end_ms = series[0].points.last().map_or(T0_MS, |p| p.0);
    Plot {
        title: "HTTP error ratio - checkout-prod (last 6h)".to_owned(),
        // The peers draw no PromQL line: neither does the benchmark.
        subtitle: String::new(),
        start_ms: T0_MS,
        end_ms,
        series,
        earlier: None,
        threshold: Some(Threshold {
            value: 0.05,
            op: Comparison::Gt,
        }),
        firing: Some(Span {
            start_ms: T0_MS + 120 * MINUTE_MS,
            end_ms: Some(T0_MS + 210 * MINUTE_MS),
        }),
        resolved_at: None,
        unit: Unit::Ratio,
        empty_reason: None,
    }
}
