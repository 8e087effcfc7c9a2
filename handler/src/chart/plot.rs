//! The [`Plot`] for an alert: its query's answer from Prometheus, named and highlighted, with
//! the threshold and the span the alert fired.

use super::model::{Ms, Plot, Series, Span};
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

/// Builds the plot of `answer`, the range query `query` over `window`.
pub fn plot(
    alert: PlottedAlert,
    query: &Query,
    window: (Ms, Ms),
    answer: Vec<RangeSeries>,
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
        let plot = plot(alert, &query(), (0, 300_000), answer);
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
        let alert = PlottedAlert {
            alertname: "",
            labels: &none,
            starts_at: 0,
            ends_at: None,
        };
        let empty = plot(alert, &query(), (0, 1), Vec::new());
        assert_eq!(empty.title, "alert");
        assert!(empty.empty_reason.unwrap().contains("no series"));
        assert_eq!(empty.resolved_at, None);

        let many: Vec<RangeSeries> = (0..MAX_SERIES + 5)
            .map(|i| series(&format!("s{i}"), &[i as f64, f64::INFINITY]))
            .collect();
        let cut = plot(alert, &query(), (0, 1), many);
        assert_eq!(cut.series.len(), MAX_SERIES);
        // The five lowest peaks (0..5) were dropped, infinities ignored when ranking.
        assert!(cut.series.iter().all(|s| s.points[0].1 >= 5.0));
    }
}
