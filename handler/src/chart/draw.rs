//! An alert's chart, drawn: ask Prometheus, build the SVG, have the `renderer` import turn it
//! into a PNG. Every failure is a one-line reason the message shows instead of the image,
//! marked transient when drawing again later can help.

use super::model::Ms;
use super::plot::{self, PastAnswer, PlottedAlert};
use super::prometheus::{Prometheus, QueryFailure, MAX_SERIES};
use super::{numbers, query, svg};
use crate::bindings::alertgraph::renderer::renderer::{self, RenderError, RenderOptions};
use crate::delivery::seams::Drawer;

/// The chart's size in pixels (the SVG is drawn at this size).
pub const WIDTH: u32 = 1180;
pub const HEIGHT: u32 = 400;

/// A rendered chart and its text alternative.
pub struct Drawing {
    pub png: Vec<u8>,
    /// What the chart is, for screen readers when there are no numbers to tell.
    pub alt: String,
    /// The chart's numbers in words ([`numbers::line`]), shown under it.
    pub numbers: Option<String>,
    /// The PromQL plotted and how many series it gave, for the log.
    pub promql: String,
    pub series: usize,
}

/// The time the chart spans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Window {
    /// The alert's own: from `before_ms` ahead of its start to `after_ms` past its resolve
    /// (or now, while it fires).
    Around { before_ms: i64, after_ms: i64 },
    /// A zoom from Slack: the `span_ms` that end now, or at the resolve.
    Last { span_ms: i64 },
}

/// Why no chart was drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawFailure {
    /// One line, shown in the message instead of the image.
    pub reason: String,
    /// Prometheus or the renderer was unreachable or overloaded: a later try may succeed.
    /// A bad expression, missing data or an SVG the renderer refuses stay as they are.
    pub transient: bool,
}

impl DrawFailure {
    fn lasting(reason: String) -> DrawFailure {
        DrawFailure {
            reason,
            transient: false,
        }
    }
}

impl From<QueryFailure> for DrawFailure {
    fn from(failure: QueryFailure) -> DrawFailure {
        let transient = match &failure {
            QueryFailure::Unreachable(_) => true,
            QueryFailure::Refused { status, .. } => *status == 429 || *status >= 500,
            QueryFailure::Unreadable(_) => false,
        };
        DrawFailure {
            reason: failure.to_string(),
            transient,
        }
    }
}

impl From<RenderError> for DrawFailure {
    fn from(e: RenderError) -> DrawFailure {
        let (reason, transient) = match e {
            RenderError::InvalidSvg(m) => {
                (format!("chart SVG refused by the renderer: {m}"), false)
            }
            RenderError::TooLarge(m) => (format!("chart too large to render: {m}"), false),
            RenderError::Timeout => ("rendering the chart took too long".into(), true),
            RenderError::Internal(m) => (format!("renderer failed: {m}"), true),
        };
        DrawFailure { reason, transient }
    }
}

impl Drawing {
    /// Slack's `alt_text` (and an upload's title): the numbers when there are some, as the
    /// words under the image say what it shows.
    pub fn alt_text(&self) -> &str {
        self.numbers.as_deref().unwrap_or(&self.alt)
    }
}

impl Drawer for Prometheus {
    /// Draws the chart of `alert` (its `generator_url` or Sloth labels say what to plot).
    async fn draw(
        &self,
        alert: PlottedAlert<'_>,
        generator_url: &str,
        window: Window,
        now: Ms,
    ) -> Result<Drawing, DrawFailure> {
        let query = query::for_alert(alert.labels, generator_url)
            .map_err(|e| DrawFailure::lasting(e.to_string()))?;
        let span = match window {
            Window::Around {
                before_ms,
                after_ms,
            } => query::window(alert.starts_at, alert.ends_at, now, before_ms, after_ms),
            Window::Last { span_ms } => query::last(alert.ends_at, now, span_ms),
        };
        let step = query::step_seconds(span.0, span.1);
        let promql = query.bounded(MAX_SERIES);
        let present = self.query_range(&promql, span.0, span.1, step);
        let (answer, past) = futures::join!(present, self.past(&promql, span, step));
        let answer = answer?;
        let series = answer.len();
        let compared = past.as_ref().map(|past| past.offset);
        let plot = plot::plot(alert, &query, span, answer, past);
        if let (Some(offset), None, false) = (compared, &plot.earlier, plot.series.is_empty()) {
            eprintln!(
                "alertgraph: chart drawn without its comparison line: Prometheus had none of its \
                 series {}",
                offset.label()
            );
        }
        let alt = format!("{} chart of {}", plot.title, query.promql);
        let numbers = numbers::line(&plot);
        let options = RenderOptions {
            width: WIDTH,
            height: HEIGHT,
            background: Some("#ffffff".into()),
        };
        let png = renderer::render(&svg::chart_svg(&plot), &options)?;
        Ok(Drawing {
            png,
            alt,
            numbers,
            promql: query.promql,
            series,
        })
    }
}

impl Prometheus {
    /// `promql` over `span` moved back by `CHART_COMPARE`: exactly what `offset` on each
    /// selector would give, for any expression. A failure only leaves the comparison out.
    async fn past(&self, promql: &str, span: (Ms, Ms), step: u32) -> Option<PastAnswer> {
        let offset = self.compare?;
        let back = offset.ms();
        match self
            .query_range(promql, span.0 - back, span.1 - back, step)
            .await
        {
            Ok(answer) => Some(PastAnswer { offset, answer }),
            Err(failure) => {
                eprintln!("alertgraph: chart drawn without its comparison line: {failure}");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_causes_that_can_pass_are_transient() {
        let transient = |f: DrawFailure| f.transient;
        assert!(transient(
            QueryFailure::Unreachable("connection refused".into()).into()
        ));
        for status in [429, 500, 502, 503, 504] {
            let refused = QueryFailure::Refused {
                status,
                reason: "overloaded".into(),
            };
            assert!(transient(refused.into()), "{status}");
        }
        for status in [400, 404, 422] {
            let refused = QueryFailure::Refused {
                status,
                reason: "bad query".into(),
            };
            assert!(!transient(refused.into()), "{status}");
        }
        assert!(!transient(
            QueryFailure::Unreadable("not JSON".into()).into()
        ));
        assert!(transient(RenderError::Timeout.into()));
        assert!(transient(
            RenderError::Internal("sidecar down".into()).into()
        ));
        assert!(!transient(RenderError::InvalidSvg("bad".into()).into()));
        assert!(!transient(RenderError::TooLarge("huge".into()).into()));
    }

    #[test]
    fn the_reason_is_the_line_the_message_shows() {
        let failure: DrawFailure = RenderError::Timeout.into();
        assert_eq!(failure.reason, "rendering the chart took too long");
        let failure: DrawFailure = QueryFailure::Unreachable("timed out".into()).into();
        assert_eq!(failure.reason, "Prometheus unreachable: timed out");
    }
}
