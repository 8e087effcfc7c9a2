//! An alert's chart, drawn: ask Prometheus, build the SVG, have the `renderer` import turn it
//! into a PNG. Every failure is a one-line reason the message shows instead of the image.

use super::model::Ms;
use super::plot::{self, Alerting};
use super::prometheus::Prometheus;
use super::{query, svg};
use crate::bindings::alertgraph::renderer::renderer::{self, RenderError, RenderOptions};

/// The chart's size in pixels (the SVG is drawn at this size).
pub const WIDTH: u32 = 1180;
pub const HEIGHT: u32 = 400;

/// A rendered chart and its text alternative.
pub struct Drawing {
    pub png: Vec<u8>,
    /// What the chart shows, for screen readers and Slack's `alt_text`.
    pub alt: String,
    /// The PromQL plotted and how many series it gave, for the log.
    pub promql: String,
    pub series: usize,
}

/// How far the window reaches around the alert.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub before_ms: i64,
    pub after_ms: i64,
}

/// Draws the chart of `alert` (its `generator_url` or Sloth labels say what to plot).
pub async fn draw(
    prometheus: &Prometheus,
    alert: Alerting<'_>,
    generator_url: &str,
    window: Window,
    now: Ms,
) -> Result<Drawing, String> {
    let query = query::for_alert(alert.labels, generator_url).map_err(|e| e.to_string())?;
    let span = query::window(
        alert.starts_at,
        alert.ends_at,
        now,
        window.before_ms,
        window.after_ms,
    );
    let step = query::step_seconds(span.0, span.1);
    let answer = prometheus
        .query_range(&query.promql, span.0, span.1, step)
        .await
        .map_err(|e| e.to_string())?;
    let series = answer.len();
    let plot = plot::plot(alert, &query, span, answer);
    let alt = format!("{} chart of {}", plot.title, query.promql);
    let options = RenderOptions {
        width: WIDTH,
        height: HEIGHT,
        background: Some("#ffffff".into()),
    };
    let png = renderer::render(&svg::chart_svg(&plot), &options).map_err(render_failure)?;
    Ok(Drawing {
        png,
        alt,
        promql: query.promql,
        series,
    })
}

fn render_failure(e: RenderError) -> String {
    match e {
        RenderError::InvalidSvg(m) => format!("chart SVG refused by the renderer: {m}"),
        RenderError::TooLarge(m) => format!("chart too large to render: {m}"),
        RenderError::Timeout => "rendering the chart took too long".into(),
        RenderError::Internal(m) => format!("renderer failed: {m}"),
    }
}
