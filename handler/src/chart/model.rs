//! The chart as plain data: what the SVG builder draws, whatever the data came from.

/// Milliseconds since the Unix epoch (UTC), as the store's timestamps are.
pub type Ms = i64;

/// One chart: 1180×400, a title, one plot area.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// E.g. "HighErrorRate — checkout"; already plain text (the builder escapes it).
    pub title: String,
    /// The plotted PromQL, shown small under the title.
    pub subtitle: String,
    /// The time axis: from `start_ms` to `end_ms`.
    pub start_ms: Ms,
    pub end_ms: Ms,
    pub series: Vec<Series>,
    /// The series some time ago (`CHART_COMPARE`), when asked for and Prometheus had them.
    pub earlier: Option<Earlier>,
    pub threshold: Option<Threshold>,
    /// The span the alert fired; `end_ms` is its resolve time, or `None` while still firing
    /// (shaded up to the window's end).
    pub firing: Option<Span>,
    /// Marked with a vertical line and "resolved" when the alert has resolved.
    pub resolved_at: Option<Ms>,
    pub unit: Unit,
    /// Shown in the frame when no series has a finite point, e.g. "no data for this query".
    pub empty_reason: Option<String>,
}

/// One line on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its legend name, e.g. `service="checkout"`.
    pub label: String,
    /// Time-ordered samples; NaN and ±Inf are gaps, as are steps with no sample.
    pub points: Vec<(Ms, f64)>,
    /// The series the alert's labels identify: drawn on top, thicker.
    pub highlighted: bool,
}

/// Some of the series as they were earlier, moved forward onto the window: faint dashed lines
/// under a single legend entry. Not [`Series`], so never ranked, highlighted or counted.
#[derive(Debug, Clone, PartialEq)]
pub struct Earlier {
    /// Its legend entry, e.g. "1 week ago".
    pub label: String,
    pub lines: Vec<EarlierLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EarlierLine {
    /// The index in [`Plot::series`] of the series it is the past of: it takes its colour.
    pub of: usize,
    /// Time-ordered, already moved forward by the offset.
    pub points: Vec<(Ms, f64)>,
}

/// The alert's threshold, drawn as a dashed line with its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold {
    pub value: f64,
    /// How the plotted value compares with it when the alert fires (`value > 0.05`: `Gt`).
    pub op: Comparison,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Comparison {
    /// The PromQL operator, e.g. ">".
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Gt => ">",
            Comparison::Ge => ">=",
            Comparison::Lt => "<",
            Comparison::Le => "<=",
            Comparison::Eq => "==",
            Comparison::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start_ms: Ms,
    pub end_ms: Option<Ms>,
}

/// How values are labelled on the axis, the legend and the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Plain numbers with SI suffixes (1.5k, 2M, 300m).
    Plain,
    /// A fraction shown as a percentage: 0.05 → "5%".
    Ratio,
    /// Already a percentage: 5 → "5%".
    Percent,
    /// Seconds, shown as µs/ms/s/min/h/d.
    Seconds,
    /// Bytes, shown with binary prefixes (KiB, MiB, GiB).
    Bytes,
}
