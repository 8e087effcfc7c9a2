//! Prometheus text exposition (format 0.0.4) of the store's metrics, under the `alertgraph_`
//! prefix.

use std::fmt::Write;

use crate::store::{Counter, Histogram, MetricsSnapshot};

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4";

const PREFIX: &str = "alertgraph_";

/// Renders everything `/metrics` shows.
pub fn render(m: &MetricsSnapshot) -> String {
    let mut out = String::new();
    counters(&mut out, &m.counters);
    for h in &m.histograms {
        histogram(&mut out, h);
    }

    let outbox = &m.outbox;
    header(&mut out, "outbox_jobs", "gauge", "Outbox jobs by state.");
    for (state, n) in [
        ("pending", outbox.pending),
        ("leased", outbox.leased),
        ("dead", outbox.dead),
        ("done", outbox.done),
    ] {
        sample(&mut out, "outbox_jobs", &[("state", state)], &n.to_string());
    }
    header(
        &mut out,
        "outbox_oldest_pending_seconds",
        "gauge",
        "Age of the oldest pending outbox job, 0 when none.",
    );
    let age = number(outbox.oldest_pending_ms as f64 / 1000.0);
    sample(&mut out, "outbox_oldest_pending_seconds", &[], &age);
    header(
        &mut out,
        "database_bytes",
        "gauge",
        "Size of the database on disk: the file and its write-ahead log where the runtime tells.",
    );
    sample(
        &mut out,
        "database_bytes",
        &[],
        &m.database_bytes.to_string(),
    );
    header(&mut out, "alerts_firing", "gauge", "Alerts firing now.");
    sample(&mut out, "alerts_firing", &[], &m.alerts_firing.to_string());
    header(
        &mut out,
        "delivery_paused",
        "gauge",
        "1 while a configuration fault holds delivery back; channel \"*\" is every channel.",
    );
    for pause in &m.pauses {
        let channel = pause.channel.as_deref().unwrap_or("*");
        let labels = [("reason", pause.reason.as_str()), ("channel", channel)];
        sample(&mut out, "delivery_paused", &labels, "1");
    }
    out
}

/// One family per counter name (in first-seen order), so HELP/TYPE appear once each.
fn counters(out: &mut String, counters: &[Counter]) {
    let mut seen: Vec<&str> = Vec::new();
    for c in counters {
        if seen.contains(&c.name.as_str()) {
            continue;
        }
        seen.push(&c.name);
        header(out, &c.name, "counter", counter_help(&c.name));
        for same in counters.iter().filter(|other| other.name == c.name) {
            let labels: Vec<(&str, &str)> = same
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            sample(out, &c.name, &labels, &same.value.to_string());
        }
    }
}

fn counter_help(name: &str) -> &'static str {
    match name {
        "webhooks_received_total" => {
            "Alertmanager webhooks received, by outcome and refusal reason."
        }
        "deliveries_total" => "Outbox delivery attempts, by outcome.",
        "slack_actions_total" => "Signed button clicks from Slack, by action and outcome.",
        "slack_requests_refused_total" => {
            "Slack requests refused before they were recorded, by reason."
        }
        "posts_unverified_total" => {
            "Alert messages posted without knowing whether an earlier attempt had posted them."
        }
        "outbox_attempts_lost_total" => {
            "Outbox attempts whose instance stopped (trap, memory, time limit) before settling."
        }
        "retention_deleted_total" => {
            "Rows the retention sweep deleted, by kind (alert, chart, job)."
        }
        _ => "Counter kept by the store.",
    }
}

/// Buckets are cumulative already (the store's contract); `+Inf` is the total count.
fn histogram(out: &mut String, h: &Histogram) {
    let help = match h.name.as_str() {
        "webhook_duration_seconds" => "Time spent handling a webhook, accepted or refused.",
        _ => "Histogram kept by the store.",
    };
    header(out, &h.name, "histogram", help);
    let bucket = format!("{}_bucket", h.name);
    let mut buckets: Vec<_> = h.buckets.iter().filter(|(le, _)| le.is_finite()).collect();
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (le, n) in buckets {
        sample(out, &bucket, &[("le", &number(*le))], &n.to_string());
    }
    sample(out, &bucket, &[("le", "+Inf")], &h.count.to_string());
    sample(out, &format!("{}_sum", h.name), &[], &number(h.sum));
    sample(out, &format!("{}_count", h.name), &[], &h.count.to_string());
}

/// HELP texts are fixed strings here, free of `\\` and line breaks, so need no escaping.
fn header(out: &mut String, name: &str, kind: &str, help: &'static str) {
    let name = metric_name(name);
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: &str) {
    out.push_str(&metric_name(name));
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&sanitize(k, false));
            out.push_str("=\"");
            out.push_str(&escape_label_value(v));
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

fn metric_name(name: &str) -> String {
    sanitize(&format!("{PREFIX}{name}"), true)
}

/// Maps any character outside `[a-zA-Z0-9_]` (plus `:` in metric names) to `_`, so a
/// stray name from the store cannot break the exposition.
fn sanitize(name: &str, metric: bool) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => c,
            ':' if metric => c,
            _ => '_',
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn escape_label_value(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            _ => s.push(c),
        }
    }
    s
}

/// Floats as Prometheus spells them (`+Inf`, `-Inf`, `NaN`).
fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_label_value, number, render};
    use crate::store::{Counter, Histogram, MetricsSnapshot, OutboxDepth};

    fn counter(name: &str, labels: &[(&str, &str)], value: u64) -> Counter {
        Counter {
            name: name.into(),
            labels: labels.iter().map(|&(k, v)| (k.into(), v.into())).collect(),
            value,
        }
    }

    fn metrics() -> MetricsSnapshot {
        MetricsSnapshot {
            counters: vec![
                counter("webhooks_received_total", &[("outcome", "accepted")], 7),
                counter("deliveries_total", &[("outcome", "ok")], 3),
                counter(
                    "webhooks_received_total",
                    &[("outcome", "rejected"), ("reason", "bad_json")],
                    2,
                ),
            ],
            histograms: vec![Histogram {
                name: "webhook_duration_seconds".into(),
                buckets: vec![(0.01, 4), (0.005, 1), (0.1, 6), (f64::INFINITY, 9)],
                count: 9,
                sum: 0.75,
            }],
            outbox: OutboxDepth {
                pending: 2,
                leased: 1,
                dead: 0,
                done: 40,
                oldest_pending_ms: 1_500,
            },
            alerts_firing: 5,
            pauses: vec![],
            database_bytes: 12_345_678,
        }
    }

    #[test]
    fn full_exposition() {
        let expected = r#"# HELP alertgraph_webhooks_received_total Alertmanager webhooks received, by outcome and refusal reason.
# TYPE alertgraph_webhooks_received_total counter
alertgraph_webhooks_received_total{outcome="accepted"} 7
alertgraph_webhooks_received_total{outcome="rejected",reason="bad_json"} 2
# HELP alertgraph_deliveries_total Outbox delivery attempts, by outcome.
# TYPE alertgraph_deliveries_total counter
alertgraph_deliveries_total{outcome="ok"} 3
# HELP alertgraph_webhook_duration_seconds Time spent handling a webhook, accepted or refused.
# TYPE alertgraph_webhook_duration_seconds histogram
alertgraph_webhook_duration_seconds_bucket{le="0.005"} 1
alertgraph_webhook_duration_seconds_bucket{le="0.01"} 4
alertgraph_webhook_duration_seconds_bucket{le="0.1"} 6
alertgraph_webhook_duration_seconds_bucket{le="+Inf"} 9
alertgraph_webhook_duration_seconds_sum 0.75
alertgraph_webhook_duration_seconds_count 9
# HELP alertgraph_outbox_jobs Outbox jobs by state.
# TYPE alertgraph_outbox_jobs gauge
alertgraph_outbox_jobs{state="pending"} 2
alertgraph_outbox_jobs{state="leased"} 1
alertgraph_outbox_jobs{state="dead"} 0
alertgraph_outbox_jobs{state="done"} 40
# HELP alertgraph_outbox_oldest_pending_seconds Age of the oldest pending outbox job, 0 when none.
# TYPE alertgraph_outbox_oldest_pending_seconds gauge
alertgraph_outbox_oldest_pending_seconds 1.5
# HELP alertgraph_database_bytes Size of the database on disk: the file and its write-ahead log where the runtime tells.
# TYPE alertgraph_database_bytes gauge
alertgraph_database_bytes 12345678
# HELP alertgraph_alerts_firing Alerts firing now.
# TYPE alertgraph_alerts_firing gauge
alertgraph_alerts_firing 5
# HELP alertgraph_delivery_paused 1 while a configuration fault holds delivery back; channel "*" is every channel.
# TYPE alertgraph_delivery_paused gauge
"#;
        assert_eq!(render(&metrics()), expected);
    }

    #[test]
    fn buckets_stay_cumulative_and_end_at_inf_with_the_count() {
        let text = render(&metrics());
        let counts: Vec<u64> = text
            .lines()
            .filter(|l| l.starts_with("alertgraph_webhook_duration_seconds_bucket"))
            .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(counts, [1, 4, 6, 9]);
        assert!(counts.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(text.matches("le=\"+Inf\"").count(), 1);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(escape_label_value("line\nbreak"), r"line\nbreak");
        let mut m = metrics();
        m.counters = vec![counter("x_total", &[("reason", "say \"hi\"\n\\")], 1)];
        assert!(render(&m).contains("alertgraph_x_total{reason=\"say \\\"hi\\\"\\n\\\\\"} 1\n"));
    }

    #[test]
    fn odd_names_cannot_break_the_format() {
        let mut m = metrics();
        m.counters = vec![counter("bad name-total", &[("2nd label", "v")], 1)];
        let text = render(&m);
        assert!(text.contains("# TYPE alertgraph_bad_name_total counter\n"));
        assert!(text.contains("alertgraph_bad_name_total{_2nd_label=\"v\"} 1\n"));
    }

    #[test]
    fn each_pause_in_force_is_a_sample() {
        use crate::store::DeliveryPause;
        let mut m = metrics();
        m.pauses = vec![
            DeliveryPause {
                channel: None,
                reason: "invalid_auth".into(),
            },
            DeliveryPause {
                channel: Some("#gone".into()),
                reason: "channel_not_found".into(),
            },
        ];
        let text = render(&m);
        assert!(text.contains("# TYPE alertgraph_delivery_paused gauge\n"));
        assert!(
            text.contains("alertgraph_delivery_paused{reason=\"invalid_auth\",channel=\"*\"} 1\n")
        );
        assert!(text.contains(
            "alertgraph_delivery_paused{reason=\"channel_not_found\",channel=\"#gone\"} 1\n"
        ));
    }

    #[test]
    fn empty_store_still_has_gauges() {
        let m = MetricsSnapshot {
            counters: vec![],
            histograms: vec![],
            outbox: OutboxDepth {
                pending: 0,
                leased: 0,
                dead: 0,
                done: 0,
                oldest_pending_ms: 0,
            },
            alerts_firing: 0,
            pauses: vec![],
            database_bytes: 0,
        };
        let text = render(&m);
        assert!(text.contains("alertgraph_outbox_oldest_pending_seconds 0\n"));
        assert!(text.contains("alertgraph_alerts_firing 0\n"));
        assert!(!text.contains("counter"));
    }

    #[test]
    fn special_floats() {
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(2.5), "2.5");
        assert_eq!(number(1e-9), "0.000000001");
    }
}
