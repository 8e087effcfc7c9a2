//! Properties of [`chart_svg`] on hostile plots: it never panics, and its output is well-formed
//! SVG made only of the builder's own elements and attributes, with numbers for coordinates
//! and every text from the plot shown as text, cleaned and maybe cut, never as markup.

use proptest::prelude::*;
use proptest::sample::select;
use roxmltree::{Document, Node};

use super::text::clean;
use super::{chart_svg, EMPTY, INK, SUBTITLE_Y, TITLE_Y};
use crate::chart::model::{Comparison, Ms, Plot, Series, Span, Threshold, Unit};
use crate::props::{cases, config, maybe_long_text};

/// Windows come from RFC 3339 times (years 0000–9999) with the chart's margins around them.
const EARLIEST: Ms = -62_200_000_000_000;
const LATEST: Ms = 253_500_000_000_000;
/// Far beyond those, and still far from overflowing the window's arithmetic.
const FAR: Ms = i64::MAX / 2;
const DAY: Ms = 86_400_000;

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const ELEMENTS: [&str; 5] = ["svg", "rect", "path", "g", "text"];
const ATTRIBUTES: [&str; 16] = [
    "width",
    "height",
    "viewBox",
    "font-family",
    "font-size",
    "font-weight",
    "fill",
    "x",
    "y",
    "text-anchor",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-linejoin",
    "shape-rendering",
    "d",
];
/// Attributes whose value is one number.
const NUMBERS: [&str; 6] = ["x", "y", "width", "height", "font-size", "stroke-width"];
/// Everything a path's `d` is written with.
const PATH_CHARS: &str = "MLHVh0123456789.- ";

fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -1e3..1e3f64,
        2 => any::<f64>(),
        1 => -1e-6..1e-6f64,
        2 => select(&[
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            5e-324,
            -0.0,
            1e-300,
            1e300,
            0.0,
        ][..]),
    ]
}

fn label() -> impl Strategy<Value = String> {
    maybe_long_text(500)
}

fn series(start: Ms, end: Ms) -> impl Strategy<Value = Series> {
    let (first, last) = (start.min(end), start.max(end));
    let margin = (last - first) / 4 + 1;
    let time = prop_oneof![8 => first - margin..=last + margin, 1 => any::<i64>()];
    let points = prop_oneof![
        8 => prop::collection::vec((time.clone(), value()), 0..60),
        1 => prop::collection::vec((time, value()), 0..4000),
    ];
    (label(), points, any::<bool>(), prop::bool::weighted(0.9)).prop_map(
        |(label, mut points, highlighted, ordered)| {
            if ordered {
                points.sort_by_key(|&(t, _)| t);
            }
            Series {
                label,
                points,
                highlighted,
            }
        },
    )
}

fn plot() -> impl Strategy<Value = Plot> {
    let length = prop_oneof![
        1 => Just(0),
        2 => 0..1000i64,
        4 => 0..7 * DAY,
        1 => 0..100 * 365 * DAY,
        1 => -DAY..0,
    ];
    let start = prop_oneof![4 => EARLIEST..LATEST, 1 => -FAR..FAR];
    (start, length).prop_flat_map(|(start, length)| {
        let end = (start + length).clamp(-FAR, FAR);
        let near = start - DAY..=end + DAY;
        let threshold = (
            value(),
            select(
                &[
                    Comparison::Gt,
                    Comparison::Ge,
                    Comparison::Lt,
                    Comparison::Le,
                    Comparison::Eq,
                    Comparison::Ne,
                ][..],
            ),
        )
            .prop_map(|(value, op)| Threshold { value, op });
        let firing = (near.clone(), prop::option::of(near.clone()))
            .prop_map(|(start_ms, end_ms)| Span { start_ms, end_ms });
        let unit = select(
            &[
                Unit::Plain,
                Unit::Ratio,
                Unit::Percent,
                Unit::Seconds,
                Unit::Bytes,
            ][..],
        );
        (
            (
                label(),
                label(),
                prop::collection::vec(series(start, end), 0..12),
            ),
            (
                prop::option::of(threshold),
                prop::option::of(firing),
                prop::option::of(near),
            ),
            (unit, prop::option::of(label())),
        )
            .prop_map(
                move |(
                    (title, subtitle, series),
                    (threshold, firing, resolved_at),
                    (unit, empty_reason),
                )| Plot {
                    title,
                    subtitle,
                    start_ms: start,
                    end_ms: end,
                    series,
                    earlier: None,
                    threshold,
                    firing,
                    resolved_at,
                    unit,
                    empty_reason,
                },
            )
    })
}

/// Every piece of `shown` between ellipses is part of one of `sources`, cleaned: the text is
/// the input, cut, not something else.
fn is_cut_from(shown: &str, sources: &[&str]) -> bool {
    let cleaned: Vec<String> = sources
        .iter()
        .map(|s| s.chars().filter_map(clean).collect())
        .collect();
    shown
        .split('…')
        .map(str::trim)
        .all(|piece| cleaned.iter().any(|source| source.contains(piece)))
}

fn number(node: Node, name: &str) -> Option<f64> {
    node.attribute(name)?.parse().ok()
}

/// The SVG parses as XML and holds nothing but the builder's own markup; texts show the plot's.
fn assert_inert(plot: &Plot, svg: &str) -> Result<(), TestCaseError> {
    let doc = Document::parse(svg).map_err(|e| TestCaseError::fail(format!("not XML: {e}")))?;
    prop_assert_eq!(doc.root_element().tag_name().name(), "svg");
    let mut texts = 0;
    for node in doc.root().descendants().skip(1) {
        if node.is_text() {
            prop_assert_eq!(
                node.parent_element().map(|p| p.tag_name().name()),
                Some("text")
            );
            continue;
        }
        prop_assert!(node.is_element(), "{:?} node", node.node_type());
        let name = node.tag_name().name();
        prop_assert!(ELEMENTS.contains(&name), "<{}>", name);
        prop_assert_eq!(node.tag_name().namespace(), Some(SVG_NS));
        for attr in node.attributes() {
            let attr_name = attr.name();
            prop_assert!(ATTRIBUTES.contains(&attr_name), "{attr_name}=");
            prop_assert!(!attr_name.to_ascii_lowercase().starts_with("on"));
            prop_assert!(attr.namespace().is_none(), "{attr_name}=");
            if NUMBERS.contains(&attr_name) {
                let number = attr.value().parse::<f64>();
                prop_assert!(
                    number.is_ok_and(f64::is_finite),
                    "{}={:?}",
                    attr_name,
                    attr.value()
                );
            }
            if attr_name == "d" {
                prop_assert!(
                    attr.value().chars().all(|c| PATH_CHARS.contains(c)),
                    "d={:?}",
                    attr.value()
                );
            }
        }
        if name != "text" {
            continue;
        }
        texts += 1;
        prop_assert!(node.children().all(|c| c.is_text()), "markup inside <text>");
        let shown = node.text().unwrap_or_default();
        let labels: Vec<&str> = plot.series.iter().map(|s| s.label.as_str()).collect();
        let empty_reason = [
            plot.empty_reason.as_deref().unwrap_or_default(),
            "no data in this window",
        ];
        // A legend entry takes the legend's ink; "and N more" has a colour of its own.
        let in_legend = node.parent_element().and_then(|g| g.attribute("fill")) == Some(INK)
            && node.attribute("fill").is_none();
        let sources: &[&str] = if number(node, "y") == Some(TITLE_Y) {
            &[&plot.title]
        } else if number(node, "y") == Some(SUBTITLE_Y) {
            &[&plot.subtitle]
        } else if in_legend {
            &labels
        } else if number(node, "font-size") == Some(EMPTY.size) {
            &empty_reason
        } else {
            continue;
        };
        prop_assert!(
            is_cut_from(shown, sources),
            "{:?} is not from {:?}",
            shown,
            sources
        );
    }
    // About 30 texts make a chart: no input multiplies them.
    prop_assert!(texts <= 40, "{texts} texts");
    Ok(())
}

proptest! {
    #![proptest_config(config(cases::SVG_ARBITRARY_PLOTS))]
    #[test]
    fn any_plot_gives_well_formed_inert_svg(plot in plot()) {
        let svg = chart_svg(&plot);
        assert_inert(&plot, &svg)?;
    }
}
