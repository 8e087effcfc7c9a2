//! The [`Plot`] for an alert: its query's answer from Prometheus, named and highlighted, with
//! the threshold and the span the alert fired.

use super::compare::Offset;
use super::model::{Earlier, EarlierLine, Ms, Plot, Series, Span};
use super::prometheus::{RangeSeries, MAX_SERIES};
use super::query::{self, Query};

/// What the chart needs to know about the alert itself.
#[derive(Debug, Clone, Copy)]
pub struct PlottedAlert<'a> {
    pub alertname: &'a str,
    pub labels: &'a [(String, String)],
    pub starts_at: Ms,
    /// Its resolve time, once resolved.
    pub ends_at: Option<Ms>,
}

/// Labels that say where an alert comes from, in the order the title prefers them.
const WHERE_LABELS: [&str; 5] = ["service", "job", "namespace", "instance", "pod"];
/// Without the alert's own series, the highest-peaking ones get a comparison line: more would
/// tangle with the present lines.
const COMPARED_SERIES: usize = 3;

/// The same range query's answer over the window moved `offset` back (`CHART_COMPARE`).
#[derive(Debug, Clone)]
pub struct PastAnswer {
    pub offset: Offset,
    pub answer: Vec<RangeSeries>,
}

/// Builds the plot of `answer`, the range query `query` over `window`, with the lines of
/// `past` that match its compared series.
pub fn plot(
    alert: PlottedAlert,
    query: &Query,
    window: (Ms, Ms),
    answer: Vec<RangeSeries>,
    past: Option<PastAnswer>,
) -> Plot {
    let mut answer = answer;
    if answer.len() > MAX_SERIES {
        // The legend shows the top series by peak anyway: keep those.
        answer.sort_by(|a, b| peak(b).total_cmp(&peak(a)));
        answer.truncate(MAX_SERIES);
    }
    let label_sets: Vec<Vec<(String, String)>> = answer.iter().map(|s| s.labels.clone()).collect();
    let names = query::legend_labels(&label_sets);
    let highlighted = query::alert_series(alert.labels, &label_sets);
    let earlier = past.and_then(|past| earlier(past, &label_sets, &compared(&answer, highlighted)));
    let empty_reason = answer
        .is_empty()
        .then(|| "Prometheus returned no series for this query in this window".to_owned());
    let series = answer
        .into_iter()
        .zip(names)
        .enumerate()
        .map(|(i, (s, label))| Series {
            label,
            points: s.points,
            highlighted: highlighted == Some(i),
        })
        .collect();
    Plot {
        title: title(alert),
        subtitle: query.promql.clone(),
        start_ms: window.0,
        end_ms: window.1,
        series,
        earlier,
        threshold: query.threshold,
        firing: Some(Span {
            start_ms: alert.starts_at,
            end_ms: alert.ends_at,
        }),
        resolved_at: alert.ends_at,
        unit: query.unit,
        empty_reason,
    }
}

/// The alert's name and where it fires, e.g. "HighErrorRate · service=checkout".
fn title(alert: PlottedAlert) -> String {
    let place = WHERE_LABELS.iter().find_map(|name| {
        alert
            .labels
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
    });
    match (alert.alertname, place) {
        ("", None) => "alert".to_owned(),
        ("", Some(place)) => place,
        (name, None) => name.to_owned(),
        (name, Some(place)) => format!("{name} · {place}"),
    }
}

/// Which series get a comparison line: the alert's own, else the highest-peaking few.
fn compared(answer: &[RangeSeries], highlighted: Option<usize>) -> Vec<usize> {
    if let Some(own) = highlighted {
        return vec![own];
    }
    let mut by_peak: Vec<usize> = (0..answer.len()).collect();
    by_peak.sort_by(|&a, &b| peak(&answer[b]).total_cmp(&peak(&answer[a])));
    by_peak.truncate(COMPARED_SERIES);
    by_peak
}

/// The past of each compared series (the one with the same labels) moved forward by the
/// offset; `None` when `past` holds none of them with a finite sample.
fn earlier(
    past: PastAnswer,
    present: &[Vec<(String, String)>],
    compared: &[usize],
) -> Option<Earlier> {
    let shift = past.offset.ms();
    let lines: Vec<EarlierLine> = compared
        .iter()
        .filter_map(|&of| {
            let labels = &present[of];
            let then = past.answer.iter().find(|s| {
                s.labels.len() == labels.len() && s.labels.iter().all(|l| labels.contains(l))
            })?;
            let points = then.points.iter().map(|&(t, v)| (t + shift, v)).collect();
            Some(EarlierLine { of, points })
        })
        .filter(|line| line.points.iter().any(|(_, v)| v.is_finite()))
        .collect();
    (!lines.is_empty()).then(|| Earlier {
        label: past.offset.label(),
        lines,
    })
}

/// The largest finite value of a series, for ranking.
fn peak(series: &RangeSeries) -> f64 {
    series
        .points
        .iter()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::model::{Comparison, Threshold, Unit};

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn query() -> Query {
        Query {
            promql: "sum by (service) (rate(errors_total[1m]))".into(),
            threshold: Some(Threshold {
                value: 0.05,
                op: Comparison::Gt,
            }),
            unit: Unit::Ratio,
            scalar: false,
        }
    }

    fn series(service: &str, values: &[f64]) -> RangeSeries {
        RangeSeries {
            labels: labels(&[("service", service)]),
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as Ms * 60_000, *v))
                .collect(),
        }
    }

    /// A nameless alert with `labels`, firing since the epoch.
    fn firing_since_0(labels: &[(String, String)]) -> PlottedAlert<'_> {
        PlottedAlert {
            alertname: "",
            labels,
            starts_at: 0,
            ends_at: None,
        }
    }

    #[test]
    fn the_alerts_own_series_is_highlighted_with_threshold_and_span() {
        let alert_labels = labels(&[("alertname", "HighErrorRate"), ("service", "checkout")]);
        let alert = PlottedAlert {
            alertname: "HighErrorRate",
            labels: &alert_labels,
            starts_at: 120_000,
            ends_at: Some(240_000),
        };
        let answer = vec![
            series("api", &[0.01, 0.02]),
            series("checkout", &[0.04, 0.09]),
        ];
        let plot = plot(alert, &query(), (0, 300_000), answer, None);
        assert_eq!(plot.title, "HighErrorRate · service=checkout");
        assert_eq!(plot.subtitle, "sum by (service) (rate(errors_total[1m]))");
        assert_eq!((plot.start_ms, plot.end_ms), (0, 300_000));
        assert_eq!(plot.series.len(), 2);
        assert!(!plot.series[0].highlighted && plot.series[1].highlighted);
        assert_eq!(plot.threshold, query().threshold);
        assert_eq!(
            plot.firing,
            Some(Span {
                start_ms: 120_000,
                end_ms: Some(240_000)
            })
        );
        assert_eq!(plot.resolved_at, Some(240_000));
        assert_eq!(plot.unit, Unit::Ratio);
        assert_eq!(plot.empty_reason, None);
    }

    #[test]
    fn no_series_is_explained_and_many_are_cut_to_the_highest() {
        let none = Vec::new();
        let alert = firing_since_0(&none);
        let empty = plot(alert, &query(), (0, 1), Vec::new(), None);
        assert_eq!(empty.title, "alert");
        assert!(empty.empty_reason.unwrap().contains("no series"));
        assert_eq!(empty.resolved_at, None);

        let many: Vec<RangeSeries> = (0..MAX_SERIES + 5)
            .map(|i| series(&format!("s{i}"), &[i as f64, f64::INFINITY]))
            .collect();
        let cut = plot(alert, &query(), (0, 1), many, None);
        assert_eq!(cut.series.len(), MAX_SERIES);
        // The five lowest peaks (0..5) were dropped, infinities ignored when ranking.
        assert!(cut.series.iter().all(|s| s.points[0].1 >= 5.0));
    }

    #[test]
    fn the_alerts_own_series_is_compared_moved_forward_and_apart_from_the_series() {
        let alert_labels = labels(&[("service", "checkout")]);
        let alert = firing_since_0(&alert_labels);
        let answer = vec![series("api", &[0.01]), series("checkout", &[0.09])];
        let past = PastAnswer {
            offset: Offset::Weeks(1),
            answer: vec![series("checkout", &[0.02, 0.03]), series("api", &[0.5])],
        };
        let plot = plot(alert, &query(), (0, 60_000), answer, Some(past));
        let week = Offset::Weeks(1).ms();
        let earlier = plot.earlier.expect("a comparison");
        assert_eq!(earlier.label, "1 week ago");
        assert_eq!(
            earlier.lines,
            vec![EarlierLine {
                of: 1,
                points: vec![(week, 0.02), (week + 60_000, 0.03)],
            }]
        );
        assert_eq!(plot.series.len(), 2);
    }

    #[test]
    fn without_the_alerts_series_the_three_highest_are_compared_if_prometheus_had_them() {
        let none = Vec::new();
        let alert = firing_since_0(&none);
        let answer: Vec<RangeSeries> = (0..5)
            .map(|i| series(&format!("s{i}"), &[i as f64]))
            .collect();
        let past = |answer| {
            Some(PastAnswer {
                offset: Offset::Day,
                answer,
            })
        };
        let compared = plot(
            alert,
            &query(),
            (0, 1),
            answer.clone(),
            past(answer.clone()),
        );
        let mut of: Vec<usize> = compared
            .earlier
            .unwrap()
            .lines
            .iter()
            .map(|l| l.of)
            .collect();
        of.sort_unstable();
        assert_eq!(of, [2, 3, 4]);
        // Nothing of the same labels, or only gaps: no comparison at all.
        let elsewhere = vec![series("other", &[1.0]), series("s4", &[f64::NAN])];
        assert_eq!(
            plot(alert, &query(), (0, 1), answer, past(elsewhere)).earlier,
            None
        );
    }
}
