//! A [`Plot`] as a 1180×400 SVG: title and PromQL subtitle, value and UTC time axes, one
//! `<path>` per series, the threshold, the firing span, the resolved marker and a legend.
//!
//! Built for a fast render: one pre-sized string, one path per series with coordinates of at
//! most one decimal, no filters, gradients, masks, clips or group opacity, and about 30 texts.
//! The legend has a column of its own right of the plot, so it never covers a line.

mod text;

use std::fmt::Write;

use super::axis::{self, TimeTick, ValueAxis};
use super::model::{Earlier, Ms, Plot, Series};
pub(crate) use text::push_escaped;
use text::{shared_prefix, Font};

const WIDTH: f64 = 1180.0;
const HEIGHT: f64 = 400.0;
const MARGIN: f64 = 16.0;
const TITLE_Y: f64 = 28.0;
const SUBTITLE_Y: f64 = 50.0;
const PLOT_TOP: f64 = 74.0;
const PLOT_BOTTOM: f64 = 350.0;
/// Baseline of the time labels.
const TIME_Y: f64 = 371.0;
/// Left edge of the legend column.
const LEGEND_X: f64 = 952.0;
/// The plot's left edge at least (the value labels may push it further right).
const MIN_LEFT: f64 = 48.0;
/// Room between the plot and the legend at least: the last time label's overhang (the
/// threshold's label, drawn there too, may widen it).
const MIN_GAP: f64 = 44.0;
const LEGEND_ROW: f64 = 22.0;
/// Shown on the legend: the series with the highest peaks.
const LEGEND_SERIES: usize = 5;
/// Lifts a label's baseline so that its digits centre on a line (half Inter's cap height).
const CENTRE_DROP: f64 = 4.5;

const TITLE: Font = Font::bold(18.0);
const SUBTITLE: Font = Font::regular(12.0);
const LABEL: Font = Font::regular(13.0);
const LEGEND: Font = LABEL;
const LEGEND_BOLD: Font = Font::bold(LABEL.size);
const NOTE: Font = Font::regular(12.0);
const EMPTY: Font = Font::regular(15.0);

const INK: &str = "#1d1c1d";
const MUTED: &str = "#616061";
const GRID: &str = "#e8e8e8";
const FRAME: &str = "#b8b8b8";
const RED: &str = "#F2303C";
const SHADE: &str = "#FDE4E6";
const GREEN: &str = "#2EC95A";
/// Series colours by position (Tableau 10 without its red, which means "threshold" here).
const PALETTE: [&str; 9] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
    "#17becf",
];
/// One pixel: tiny-skia draws it as an anti-aliased hairline, several times faster than a
/// wider stroke, which it outlines and scan-converts as a polygon.
const LINE_WIDTH: &str = "1";
const HIGHLIGHT_WIDTH: &str = "2";
/// Legend swatches are short: thicker than their lines, so that their colour reads.
const SWATCH_WIDTH: &str = "2";
const HIGHLIGHT_SWATCH_WIDTH: &str = "3";
/// Opens the series lines. Bevel joins: usvg strokes every path once to find its bounds, and
/// round joins and caps cost about 0.4 ms of a 3 ms parse; hairlines are drawn without joins
/// anyway, and the thicker highlighted line keeps its spikes unextended (unlike miters).
pub(super) const SERIES_GROUP: &str = r#"<g fill="none" stroke-linejoin="bevel">"#;
/// The comparison lines' (`CHART_COMPARE`) dashes, on the plot and in the legend.
const EARLIER_DASHES: &str = "5 4";
/// How far a comparison line's colour goes towards white: faint beside its series, still seen.
const EARLIER_FADE: u32 = 55;
/// Appended to a lone point's `M`: a stroke one pixel long.
const DOT: &str = "h1";
/// A time step this many times the series' median step is a gap in the data.
const GAP_STEPS: f64 = 2.5;

/// The chart of `plot` as an SVG document, 1180×400, every text escaped.
pub fn chart_svg(plot: &Plot) -> String {
    let window = Window::of(plot);
    let values = value_range(plot, &window);
    let mut svg = String::with_capacity(capacity(plot));
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Inter, sans-serif"><rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>"##
    );
    match values {
        Some((lo, hi)) => data_chart(&mut svg, plot, window, axis::value_axis(lo, hi, plot.unit)),
        None => empty_chart(&mut svg, plot, window),
    }
    header(&mut svg, plot);
    svg.push_str("</svg>");
    svg
}

/// Bytes to reserve: the fixed parts plus about 14 per point.
fn capacity(plot: &Plot) -> usize {
    let earlier = plot.earlier.iter().flat_map(|e| &e.lines);
    let points: usize = plot.series.iter().map(|s| s.points.len()).sum::<usize>()
        + earlier.map(|l| l.points.len()).sum::<usize>();
    // Escaping grows text at most sixfold ("\"" → "&quot;").
    4096 + points * 14 + 6 * (plot.title.len() + plot.subtitle.len())
}

/// The time window drawn, never inverted.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Ms,
    end: Ms,
}

impl Window {
    fn of(plot: &Plot) -> Self {
        Window {
            start: plot.start_ms,
            end: plot.end_ms.max(plot.start_ms),
        }
    }

    fn contains(self, t: Ms) -> bool {
        (self.start..=self.end).contains(&t)
    }
}

/// The finite values' range in the window, the comparison lines' too, with the threshold;
/// `None` without data (a comparison alone is none: there is nothing to compare it with).
fn value_range(plot: &Plot, window: &Window) -> Option<(f64, f64)> {
    let present = plot.series.iter().map(|s| s.points.as_slice());
    let earlier = plot.earlier.iter().flat_map(|e| &e.lines);
    let (lo, hi) = extent(present, *window)?;
    let (lo, hi) = extent(earlier.map(|l| l.points.as_slice()), *window)
        .map_or((lo, hi), |(low, high)| (lo.min(low), hi.max(high)));
    let threshold = plot.threshold.map(|t| t.value).filter(|v| v.is_finite());
    Some(threshold.map_or((lo, hi), |t| (lo.min(t), hi.max(t))))
}

/// The lowest and highest finite value of `lines` in the window.
fn extent<'a>(lines: impl Iterator<Item = &'a [(Ms, f64)]>, window: Window) -> Option<(f64, f64)> {
    lines
        .flat_map(|points| finite_values(points, window))
        .fold(None, |range, v| {
            let (lo, hi) = range.unwrap_or((v, v));
            Some((lo.min(v), hi.max(v)))
        })
}

fn finite_values(points: &[(Ms, f64)], window: Window) -> impl Iterator<Item = f64> + '_ {
    points
        .iter()
        .filter(move |(t, v)| window.contains(*t) && v.is_finite())
        .map(|&(_, v)| v)
}

/// Where things go: the plot rectangle, the mapping of time and value onto it, the ticks.
struct Frame {
    left: f64,
    right: f64,
    window: Window,
    axis: Option<ValueAxis>,
    time_ticks: Vec<TimeTick>,
}

impl Frame {
    fn new(left: f64, right: f64, window: Window, axis: Option<ValueAxis>) -> Self {
        Frame {
            left,
            right,
            window,
            axis,
            time_ticks: axis::time_ticks(window.start, window.end),
        }
    }

    fn x(&self, t: Ms) -> f64 {
        let span = (self.window.end - self.window.start).max(1) as f64;
        self.left + (t - self.window.start) as f64 / span * (self.right - self.left)
    }

    /// The value's height; the axis covers every finite value, so nothing leaves the plot.
    fn y(&self, v: f64) -> f64 {
        let Some(axis) = &self.axis else {
            return PLOT_BOTTOM;
        };
        let share = (v - axis.min) / (axis.max - axis.min);
        PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP)
    }

    fn centre(&self) -> f64 {
        (self.left + self.right) / 2.0
    }
}

fn data_chart(svg: &mut String, plot: &Plot, window: Window, axis: ValueAxis) {
    let threshold = threshold_label(plot, &axis);
    let widest_tick = axis
        .ticks
        .iter()
        .map(|(_, label)| LABEL.width(label))
        .fold(0.0, f64::max);
    let gap = threshold
        .as_ref()
        .map_or(0.0, |t| NOTE.width(t) + 18.0)
        .max(MIN_GAP);
    let left = (MARGIN + widest_tick + 10.0).max(MIN_LEFT);
    let frame = Frame::new(left, LEGEND_X - gap, window, Some(axis));
    let (listed, more) = legend_entries(&plot.series, window);
    let colours = colours(plot.series.len(), &listed);
    firing_span(svg, plot, &frame);
    grid(svg, &frame);
    earlier_lines(svg, plot.earlier.as_ref(), &frame, &colours);
    series_lines(svg, plot, &frame, &colours);
    threshold_line(svg, plot, &frame, threshold.as_deref());
    resolved_marker(svg, plot, &frame);
    plot_border(svg, &frame);
    value_labels(svg, &frame);
    time_labels(svg, &frame);
    legend(svg, plot, &listed, more, &colours);
}

fn empty_chart(svg: &mut String, plot: &Plot, window: Window) {
    let frame = Frame::new(MIN_LEFT, LEGEND_X - MIN_GAP, window, None);
    firing_span(svg, plot, &frame);
    grid(svg, &frame);
    resolved_marker(svg, plot, &frame);
    plot_border(svg, &frame);
    time_labels(svg, &frame);
    let reason = plot
        .empty_reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .unwrap_or("no data in this window");
    let y = (PLOT_TOP + PLOT_BOTTOM) / 2.0 + CENTRE_DROP;
    let attrs = format!(
        r#"font-size="{}" fill="{MUTED}" text-anchor="middle""#,
        EMPTY.size
    );
    let reason = EMPTY.fit(reason, frame.right - frame.left - 32.0);
    text(svg, frame.centre(), y, &attrs, &reason);
}

/// Title and subtitle, each cut with "…" to the chart's width.
fn header(svg: &mut String, plot: &Plot) {
    let width = WIDTH - 2.0 * MARGIN;
    let title = format!(
        r#"font-size="{}" font-weight="bold" fill="{INK}""#,
        TITLE.size
    );
    text(svg, MARGIN, TITLE_Y, &title, &TITLE.fit(&plot.title, width));
    let subtitle = format!(r#"font-size="{}" fill="{MUTED}""#, SUBTITLE.size);
    text(
        svg,
        MARGIN,
        SUBTITLE_Y,
        &subtitle,
        &SUBTITLE.fit(&plot.subtitle, width),
    );
}

/// Appends `<text x y attrs>content</text>`, `content` escaped; nothing when it is blank.
fn text(svg: &mut String, x: f64, y: f64, attrs: &str, content: &str) {
    if content.trim().is_empty() {
        return;
    }
    svg.push_str(r#"<text x=""#);
    num(svg, x);
    svg.push_str(r#"" y=""#);
    num(svg, y);
    svg.push('"');
    if !attrs.is_empty() {
        svg.push(' ');
        svg.push_str(attrs);
    }
    svg.push('>');
    push_escaped(svg, content);
    svg.push_str("</text>");
}

/// The firing span, shaded from its start (or the window's) to its end (or the window's).
fn firing_span(svg: &mut String, plot: &Plot, frame: &Frame) {
    let Some(span) = plot.firing else { return };
    let window = frame.window;
    let from = span.start_ms.max(window.start);
    let to = span.end_ms.unwrap_or(window.end).min(window.end);
    if from >= to {
        return;
    }
    let (x0, x1) = (frame.x(from), frame.x(to));
    svg.push_str(r#"<rect x=""#);
    num(svg, x0);
    let _ = write!(svg, r#"" y="{PLOT_TOP}" width=""#);
    num(svg, x1 - x0);
    let _ = write!(
        svg,
        r#"" height="{}" fill="{SHADE}"/>"#,
        PLOT_BOTTOM - PLOT_TOP
    );
}

/// Horizontal lines at the value ticks and vertical ones at the time ticks, pixel-aligned.
fn grid(svg: &mut String, frame: &Frame) {
    let _ = write!(
        svg,
        r#"<path fill="none" stroke="{GRID}" shape-rendering="crispEdges" d=""#
    );
    for (v, _) in frame.axis.iter().flat_map(|a| &a.ticks) {
        svg.push('M');
        num(svg, frame.left);
        svg.push(' ');
        num(svg, frame.y(*v).round() + 0.5);
        svg.push('H');
        num(svg, frame.right);
    }
    for tick in &frame.time_ticks {
        svg.push('M');
        num(svg, frame.x(tick.at_ms).round() + 0.5);
        let _ = write!(svg, " {PLOT_TOP}V{PLOT_BOTTOM}");
    }
    svg.push_str(r#""/>"#);
}

/// The plot's outline, drawn over the lines so their ends look tidy.
fn plot_border(svg: &mut String, frame: &Frame) {
    let _ = write!(
        svg,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{FRAME}" shape-rendering="crispEdges"/>"#,
        frame.left.round() + 0.5,
        PLOT_TOP + 0.5,
        (frame.right - frame.left).round(),
        PLOT_BOTTOM - PLOT_TOP
    );
}

/// Every series as one path, in order, the highlighted ones last and thicker.
fn series_lines(svg: &mut String, plot: &Plot, frame: &Frame, colours: &[&str]) {
    svg.push_str(SERIES_GROUP);
    let plain = plot
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.highlighted);
    let highlighted = plot
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| s.highlighted);
    for (i, series) in plain.chain(highlighted) {
        let width = if series.highlighted {
            HIGHLIGHT_WIDTH
        } else {
            LINE_WIDTH
        };
        let _ = write!(
            svg,
            r#"<path stroke="{}" stroke-width="{width}" d=""#,
            colours[i]
        );
        series_path(svg, &series.points, frame);
        svg.push_str(r#""/>"#);
    }
    svg.push_str("</g>");
}

/// The comparison lines, each dashed in its series' colour faded towards white.
fn earlier_lines(svg: &mut String, earlier: Option<&Earlier>, frame: &Frame, colours: &[&str]) {
    let Some(earlier) = earlier else { return };
    let _ = write!(
        svg,
        r#"<g fill="none" stroke-linejoin="bevel" stroke-dasharray="{EARLIER_DASHES}">"#
    );
    for line in &earlier.lines {
        let colour = faint(colours.get(line.of).unwrap_or(&MUTED));
        let _ = write!(
            svg,
            r#"<path stroke="{colour}" stroke-width="{LINE_WIDTH}" d=""#
        );
        series_path(svg, &line.points, frame);
        svg.push_str(r#""/>"#);
    }
    svg.push_str("</g>");
}

/// `#rrggbb` moved [`EARLIER_FADE`] % towards white: faint without opacity, which renders slower.
fn faint(colour: &str) -> String {
    let channel = |at: usize| {
        let c = u32::from_str_radix(colour.get(at..at + 2).unwrap_or("00"), 16).unwrap_or(0);
        c + (255 - c) * EARLIER_FADE / 100
    };
    format!("#{:02x}{:02x}{:02x}", channel(1), channel(3), channel(5))
}

/// Each series' colour: the listed ones take the palette's first colours in series order, so
/// the legend never shows one twice; the others cycle through the colours left.
fn colours(count: usize, listed: &[usize]) -> Vec<&'static str> {
    let mut in_order = listed.to_vec();
    in_order.sort_unstable();
    let mut colours = vec![""; count];
    for (&i, &colour) in in_order.iter().zip(&PALETTE) {
        colours[i] = colour;
    }
    let rest = PALETTE[in_order.len()..].iter().cycle();
    for (slot, &colour) in colours.iter_mut().filter(|c| c.is_empty()).zip(rest) {
        *slot = colour;
    }
    colours
}

/// M/L commands through the series' points in the window, broken at non-finite values and at
/// time gaps; a lone point becomes a dot.
fn series_path(svg: &mut String, points: &[(Ms, f64)], frame: &Frame) {
    let window = frame.window;
    let max_gap = gap_limit(points, window);
    let mut run = 0usize;
    let mut last_t = None;
    for &(t, v) in points.iter().filter(|(t, _)| window.contains(*t)) {
        let gap = last_t.is_some_and(|last| (t - last) as f64 > max_gap);
        last_t = Some(t);
        if !v.is_finite() || gap {
            end_run(svg, run);
            run = 0;
        }
        if !v.is_finite() {
            continue;
        }
        svg.push(if run == 0 { 'M' } else { 'L' });
        num(svg, frame.x(t));
        svg.push(' ');
        num(svg, frame.y(v));
        run += 1;
    }
    end_run(svg, run);
}

/// A run of one point would draw nothing: a one-pixel stroke shows it as a dot.
fn end_run(svg: &mut String, run: usize) {
    if run == 1 {
        svg.push_str(DOT);
    }
}

/// The longest step that is not a gap: [`GAP_STEPS`] times the median step in the window.
fn gap_limit(points: &[(Ms, f64)], window: Window) -> f64 {
    let times: Vec<Ms> = points
        .iter()
        .map(|&(t, _)| t)
        .filter(|&t| window.contains(t))
        .collect();
    let mut steps: Vec<Ms> = times.windows(2).map(|w| w[1] - w[0]).collect();
    if steps.is_empty() {
        return f64::INFINITY;
    }
    let middle = steps.len() / 2;
    let (_, median, _) = steps.select_nth_unstable(middle);
    *median as f64 * GAP_STEPS
}

/// "> 5%": the threshold's comparison and value, when there is one.
fn threshold_label(plot: &Plot, axis: &ValueAxis) -> Option<String> {
    let t = plot.threshold.filter(|t| t.value.is_finite())?;
    Some(format!("{} {}", t.op.symbol(), axis.label(t.value)))
}

/// The dashed threshold line with its label just right of the plot.
fn threshold_line(svg: &mut String, plot: &Plot, frame: &Frame, label: Option<&str>) {
    let (Some(threshold), Some(label)) = (plot.threshold, label) else {
        return;
    };
    let y = frame.y(threshold.value);
    let _ = write!(
        svg,
        r#"<path stroke="{RED}" stroke-width="1.5" stroke-dasharray="6 4" d="M"#
    );
    num(svg, frame.left);
    svg.push(' ');
    num(svg, y);
    svg.push('H');
    num(svg, frame.right);
    svg.push_str(r#""/>"#);
    let attrs = format!(r#"font-size="{}" fill="{RED}""#, NOTE.size);
    text(svg, frame.right + 6.0, y + CENTRE_DROP, &attrs, label);
}

/// A green vertical line at the resolve time, labelled above the plot.
fn resolved_marker(svg: &mut String, plot: &Plot, frame: &Frame) {
    let Some(at) = plot.resolved_at.filter(|&t| frame.window.contains(t)) else {
        return;
    };
    let x = frame.x(at);
    let _ = write!(svg, r#"<path stroke="{GREEN}" stroke-width="2" d="M"#);
    num(svg, x);
    let _ = write!(svg, r#" {PLOT_TOP}V{PLOT_BOTTOM}"/>"#);
    // Centred on the line unless that would run past the plot's left edge.
    let half = NOTE.width("resolved") / 2.0;
    let attrs = format!(
        r#"font-size="{}" fill="{GREEN}" text-anchor="middle""#,
        NOTE.size
    );
    let label_x = x.clamp(frame.left + half, frame.right);
    text(svg, label_x, PLOT_TOP - 6.0, &attrs, "resolved");
}

/// The value labels left of the plot, right-aligned on their grid lines.
fn value_labels(svg: &mut String, frame: &Frame) {
    let Some(axis) = &frame.axis else { return };
    let _ = write!(
        svg,
        r#"<g font-size="{}" fill="{MUTED}" text-anchor="end">"#,
        LABEL.size
    );
    for (v, label) in &axis.ticks {
        text(svg, frame.left - 8.0, frame.y(*v) + CENTRE_DROP, "", label);
    }
    svg.push_str("</g>");
}

/// The time labels under the plot, and "UTC" once at the end of their row, past the plot's
/// right edge and the last label.
fn time_labels(svg: &mut String, frame: &Frame) {
    let _ = write!(
        svg,
        r#"<g font-size="{}" fill="{MUTED}" text-anchor="middle">"#,
        LABEL.size
    );
    let mut utc_x = frame.right + 8.0;
    for TimeTick { at_ms, label } in &frame.time_ticks {
        let x = frame.x(*at_ms);
        utc_x = utc_x.max(x + LABEL.width(label) / 2.0 + 10.0);
        text(svg, x, TIME_Y, "", label);
    }
    text(svg, utc_x, TIME_Y, r#"text-anchor="start""#, "UTC");
    svg.push_str("</g>");
}

/// The legend column: the highest-peaking series (the highlighted one always), then
/// "and N more".
fn legend(svg: &mut String, plot: &Plot, listed: &[usize], more: usize, colours: &[&str]) {
    let text_x = LEGEND_X + 26.0;
    let max_width = WIDTH - MARGIN - text_x;
    let _ = write!(svg, r#"<g font-size="{}" fill="{INK}">"#, LEGEND.size);
    let shared = shared_prefix(listed.iter().map(|&i| plot.series[i].label.as_str()));
    let mut y = PLOT_TOP + 14.0;
    for &i in listed {
        let series = &plot.series[i];
        let (font, width) = if series.highlighted {
            (LEGEND_BOLD, HIGHLIGHT_SWATCH_WIDTH)
        } else {
            (LEGEND, SWATCH_WIDTH)
        };
        let _ = write!(
            svg,
            r#"<path stroke="{}" stroke-width="{width}" d="M{LEGEND_X} {}h18"/>"#,
            colours[i],
            y - CENTRE_DROP,
        );
        let attrs = if font.bold {
            r#"font-weight="bold""#
        } else {
            ""
        };
        let label = font.fit_keeping(&series.label, shared, max_width);
        text(svg, text_x, y, attrs, &label);
        y += LEGEND_ROW;
    }
    if more > 0 {
        let attrs = format!(r#"fill="{MUTED}""#);
        text(svg, text_x, y, &attrs, &format!("and {more} more"));
        y += LEGEND_ROW;
    }
    if let Some(earlier) = &plot.earlier {
        // One row for all comparison lines: in its colour when alone, grey for several.
        let colour = match earlier.lines.as_slice() {
            [only] => faint(colours.get(only.of).unwrap_or(&MUTED)),
            _ => faint(MUTED),
        };
        let _ = write!(
            svg,
            r#"<path stroke="{colour}" stroke-width="{SWATCH_WIDTH}" stroke-dasharray="{EARLIER_DASHES}" d="M{LEGEND_X} {}h18"/>"#,
            y - CENTRE_DROP,
        );
        text(svg, text_x, y, "", &LEGEND.fit(&earlier.label, max_width));
    }
    svg.push_str("</g>");
}

/// Indices of the series the legend lists, by peak (highest first), and how many it leaves
/// out. Highlighted series are always listed, taking the places of the lowest others.
fn legend_entries(series: &[Series], window: Window) -> (Vec<usize>, usize) {
    let peak =
        |i: usize| finite_values(&series[i].points, window).fold(f64::NEG_INFINITY, f64::max);
    let mut order: Vec<(usize, f64)> = (0..series.len()).map(|i| (i, peak(i))).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (highlighted, others): (Vec<_>, Vec<_>) =
        order.into_iter().partition(|(i, _)| series[*i].highlighted);
    let mut listed: Vec<(usize, f64)> = highlighted.into_iter().take(LEGEND_SERIES).collect();
    let room = LEGEND_SERIES - listed.len();
    listed.extend(others.into_iter().take(room));
    listed.sort_by(|a, b| b.1.total_cmp(&a.1));
    let more = series.len() - listed.len();
    (listed.into_iter().map(|(i, _)| i).collect(), more)
}

/// Appends `v` rounded to one decimal, without a trailing ".0".
fn num(svg: &mut String, v: f64) {
    // Saturating cast: a coordinate far off the canvas stays far off, never wraps.
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        svg.push('-');
    }
    let tenths = tenths.unsigned_abs();
    let _ = write!(svg, "{}", tenths / 10);
    let decimal = (tenths % 10) as u8;
    if decimal != 0 {
        svg.push('.');
        svg.push(char::from(b'0' + decimal));
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
