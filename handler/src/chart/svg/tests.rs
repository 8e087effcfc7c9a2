use super::*;
use crate::chart::model::{Comparison, EarlierLine, Span, Threshold, Unit};

const T0: Ms = 1_764_072_000_000;
const MINUTE: Ms = 60_000;

fn series(label: &str, points: Vec<(Ms, f64)>) -> Series {
    Series {
        label: label.to_owned(),
        points,
        highlighted: false,
    }
}

fn plot(series: Vec<Series>) -> Plot {
    Plot {
        title: "Title".to_owned(),
        subtitle: "up == 0".to_owned(),
        start_ms: T0,
        end_ms: T0 + 60 * MINUTE,
        series,
        earlier: None,
        threshold: None,
        firing: None,
        resolved_at: None,
        unit: Unit::Plain,
        empty_reason: None,
    }
}

/// One point a minute from T0.
fn minutes(values: &[f64]) -> Vec<(Ms, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| (T0 + i as Ms * MINUTE, v))
        .collect()
}

fn frame(lo: f64, hi: f64) -> Frame {
    let window = Window {
        start: T0,
        end: T0 + 60 * MINUTE,
    };
    Frame::new(
        100.0,
        700.0,
        window,
        Some(axis::value_axis(lo, hi, Unit::Plain)),
    )
}

fn path(series: &Series, frame: &Frame) -> String {
    let mut out = String::new();
    series_path(&mut out, &series.points, frame);
    out
}

fn numbers(v: f64) -> String {
    let mut out = String::new();
    num(&mut out, v);
    out
}

#[test]
fn coordinates_have_at_most_one_decimal() {
    let cases = [
        (0.0, "0"),
        (12.0, "12"),
        (12.04, "12"),
        (12.06, "12.1"),
        (-0.04, "0"),
        (-0.06, "-0.1"),
        (-3.5, "-3.5"),
        (1e30, "922337203685477580.7"),
    ];
    for (v, expected) in cases {
        assert_eq!(numbers(v), expected, "{v}");
    }
}

#[test]
fn a_series_is_one_run_of_line_commands() {
    let s = series("a", minutes(&[0.0, 5.0, 10.0]));
    assert_eq!(path(&s, &frame(0.0, 10.0)), "M100 350L110 258L120 166");
}

#[test]
fn non_finite_values_break_the_line_and_lone_points_become_dots() {
    let values = [
        1.0,
        2.0,
        f64::NAN,
        3.0,
        f64::INFINITY,
        4.0,
        5.0,
        f64::NEG_INFINITY,
    ];
    let d = path(&series("a", minutes(&values)), &frame(0.0, 10.0));
    assert_eq!(d.matches('M').count(), 3, "{d}");
    assert_eq!(d.matches(DOT).count(), 1, "the lone 3.0: {d}");
    assert!(!d.contains("NaN") && !d.contains("inf"), "{d}");
}

#[test]
fn a_time_gap_over_two_and_a_half_steps_breaks_the_line() {
    let mut points = minutes(&[1.0, 2.0, 3.0, 4.0]);
    points.push((T0 + 6 * MINUTE, 5.0)); // 3 steps after the last: a gap
    points.push((T0 + 8 * MINUTE, 6.0)); // 2 steps: not a gap
    let d = path(&series("a", points), &frame(0.0, 10.0));
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert_eq!(d.matches('L').count(), 4, "{d}");
}

#[test]
fn points_outside_the_window_are_dropped() {
    let points = vec![
        (T0 - MINUTE, 100.0),
        (T0, 1.0),
        (T0 + 60 * MINUTE, 2.0),
        (T0 + 61 * MINUTE, 100.0),
    ];
    let d = path(&series("a", points.clone()), &frame(0.0, 10.0));
    assert_eq!(d, "M100 331.6L700 313.2");
    let p = plot(vec![series("a", points)]);
    assert_eq!(value_range(&p, &Window::of(&p)), Some((1.0, 2.0)));
}

#[test]
fn infinities_never_stretch_the_axis_but_the_threshold_does() {
    let mut p = plot(vec![series(
        "a",
        minutes(&[1.0, f64::INFINITY, 3.0, f64::NEG_INFINITY]),
    )]);
    assert_eq!(value_range(&p, &Window::of(&p)), Some((1.0, 3.0)));
    p.threshold = Some(Threshold {
        value: 10.0,
        op: Comparison::Gt,
    });
    assert_eq!(value_range(&p, &Window::of(&p)), Some((1.0, 10.0)));
    p.series[0].points = minutes(&[f64::NAN, f64::INFINITY]);
    assert_eq!(
        value_range(&p, &Window::of(&p)),
        None,
        "a threshold alone is no data"
    );
}

#[test]
fn the_comparison_stretches_the_axis_and_takes_one_faint_dashed_legend_row() {
    let mut p = plot(vec![
        series("a", minutes(&[1.0, 2.0])),
        series("b", minutes(&[1.5])),
    ]);
    let line = |of, values: &[f64]| EarlierLine {
        of,
        points: minutes(values),
    };
    p.earlier = Some(Earlier {
        label: "1 week ago".to_owned(),
        lines: vec![line(0, &[0.5, 4.0]), line(1, &[1.0])],
    });
    assert_eq!(value_range(&p, &Window::of(&p)), Some((0.5, 4.0)));
    let svg = chart_svg(&p);
    assert_eq!(svg.matches(">1 week ago</text>").count(), 1, "{svg}");
    let group = format!(r#"stroke-dasharray="{EARLIER_DASHES}">"#);
    let dashed = svg.split(&group).nth(1).unwrap();
    assert_eq!(
        dashed
            .split("</g>")
            .next()
            .unwrap()
            .matches("<path")
            .count(),
        2
    );
    // Series a is the palette's first colour; its past is that blue faded towards white.
    assert!(svg.contains(&format!(r#"stroke="{}""#, faint(PALETTE[0]))));
    assert_eq!(faint("#1f77b4"), "#9ac1dd");
    p.series
        .iter_mut()
        .for_each(|s| s.points = minutes(&[f64::NAN]));
    assert_eq!(
        value_range(&p, &Window::of(&p)),
        None,
        "a comparison alone is no data"
    );
}

#[test]
fn the_legend_lists_the_top_five_by_peak_and_always_the_highlighted() {
    let mut all: Vec<Series> = (0..12)
        .map(|k| series(&format!("s{k}"), minutes(&[k as f64, 0.0])))
        .collect();
    all[1].highlighted = true;
    all[3].points = minutes(&[f64::NAN]);
    let window = Window::of(&plot(vec![]));
    let (listed, more) = legend_entries(&all, window);
    assert_eq!(listed, [11, 10, 9, 8, 1]);
    assert_eq!(more, 7);
    let (listed, more) = legend_entries(&all[..3], window);
    assert_eq!((listed, more), (vec![2, 1, 0], 0));
}

#[test]
fn listed_series_get_distinct_colours_and_the_rest_the_others() {
    let colours = colours(12, &[11, 10, 9, 8, 1]);
    let listed: Vec<&str> = [1, 8, 9, 10, 11].iter().map(|&i| colours[i]).collect();
    assert_eq!(listed, PALETTE[..5]);
    for (i, colour) in colours.iter().enumerate() {
        if ![1, 8, 9, 10, 11].contains(&i) {
            assert!(PALETTE[5..].contains(colour), "series {i}: {colour}");
        }
    }
}

#[test]
fn the_highlighted_series_is_drawn_last_and_thicker() {
    let mut p = plot(vec![
        series("first", minutes(&[1.0, 2.0])),
        series("second", minutes(&[2.0, 3.0])),
    ]);
    p.series[0].highlighted = true;
    let svg = chart_svg(&p);
    let lines = svg.split(SERIES_GROUP).nth(1).unwrap();
    let lines = lines.split("</g>").next().unwrap();
    let widths: Vec<&str> = lines.matches(r#"stroke-width="2""#).collect();
    assert_eq!(widths.len(), 1);
    assert!(lines.rfind(r#"stroke-width="2""#) > lines.rfind(r#"stroke-width="1""#));
    assert!(svg.contains(r#"font-weight="bold">first</text>"#));
}

#[test]
fn no_data_draws_the_frame_with_the_reason() {
    let mut p = plot(vec![series("a", minutes(&[f64::NAN]))]);
    let svg = chart_svg(&p);
    assert!(svg.contains(">no data in this window</text>"), "{svg}");
    assert!(svg.contains(">Title</text>") && svg.contains(">12:00</text>"));
    assert!(svg.contains(">UTC</text>") && !svg.contains(">a</text>"));
    p.empty_reason = Some("Prometheus said: bad_data <x>".to_owned());
    assert!(chart_svg(&p).contains(">Prometheus said: bad_data &lt;x&gt;</text>"));
}

#[test]
fn the_firing_span_is_clamped_to_the_window() {
    let mut p = plot(vec![series("a", minutes(&[1.0, 2.0]))]);
    p.firing = Some(Span {
        start_ms: T0 - 30 * MINUTE,
        end_ms: None,
    });
    let svg = chart_svg(&p);
    let shade = svg.split(SHADE).next().unwrap();
    let rect = &shade[shade.rfind("<rect").unwrap()..];
    assert!(rect.contains(r#"y="74""#), "{rect}");
    let x: f64 = attr(rect, "x");
    let width: f64 = attr(rect, "width");
    let border = &svg[svg.find(r##"fill="none" stroke="#b8b8b8""##).unwrap() - 80..];
    assert!(
        (x - (attr(border, "x") - 0.5)).abs() <= 1.0,
        "starts at the plot's left"
    );
    assert!(x + width > 800.0, "ends at the plot's right: {rect}");
    p.firing = Some(Span {
        start_ms: T0 + 90 * MINUTE,
        end_ms: None,
    });
    assert!(
        !chart_svg(&p).contains(SHADE),
        "a span after the window is not drawn"
    );
}

/// The number in attribute `name="…"` of `element`.
fn attr(element: &str, name: &str) -> f64 {
    let start = element.find(&format!(r#" {name}=""#)).unwrap() + name.len() + 3;
    let end = start + element[start..].find('"').unwrap();
    element[start..end].parse().unwrap()
}

#[test]
fn the_resolved_marker_shows_only_inside_the_window() {
    let mut p = plot(vec![series("a", minutes(&[1.0, 2.0]))]);
    p.resolved_at = Some(T0 + 30 * MINUTE);
    assert!(chart_svg(&p).contains(">resolved</text>"));
    p.resolved_at = Some(T0 + 61 * MINUTE);
    assert!(!chart_svg(&p).contains("resolved"));
}

#[test]
fn the_threshold_is_labelled_in_the_axis_unit() {
    let mut p = plot(vec![series("a", minutes(&[0.01, 0.02]))]);
    p.unit = Unit::Ratio;
    p.threshold = Some(Threshold {
        value: 0.05,
        op: Comparison::Gt,
    });
    let svg = chart_svg(&p);
    assert!(svg.contains(">&gt; 5%</text>"), "{svg}");
    assert!(svg.contains(r##"stroke="#F2303C" stroke-width="1.5" stroke-dasharray="6 4""##));
}

#[test]
fn many_series_stay_within_the_text_budget() {
    let all = (0..40)
        .map(|k| series(&format!("series {k}"), minutes(&[k as f64, 1.0])))
        .collect();
    let mut p = plot(all);
    p.threshold = Some(Threshold {
        value: 50.0,
        op: Comparison::Gt,
    });
    p.resolved_at = Some(T0 + MINUTE);
    let svg = chart_svg(&p);
    assert!(svg.matches("<text").count() <= 40);
    assert!(svg.contains(">and 35 more</text>"));
}

#[test]
fn the_reserved_capacity_holds_the_whole_chart() {
    let all = (0..3)
        .map(|k| series(&format!("s{k}"), minutes(&vec![0.123_456; 61])))
        .collect();
    let p = plot(all);
    let svg = chart_svg(&p);
    assert!(
        svg.len() <= capacity(&p),
        "{} > {}",
        svg.len(),
        capacity(&p)
    );
}
