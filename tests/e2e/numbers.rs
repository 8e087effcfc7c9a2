//! The chart's numbers in words, end to end: a past incident in a real Prometheus, its alert
//! posted and resolved, and the line under the image (and its alt text) checked against the
//! series Prometheus holds.

use crate::alertmanager::rfc3339;
use crate::fake_slack::FakeSlack;
use crate::prometheus::{past_incident, unix_now, Options, Prometheus, ERROR_RATIO};
use crate::support::TempDir;
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "xoxb-numbers-test";
const WAIT: Duration = Duration::from_secs(60);
/// Chart links point here; the test reads the message, not the image.
const BASE_URL: &str = "http://127.0.0.1:9";

/// The image block's alt text and the context line right under it.
fn numbers_of(message: &Value) -> (String, String) {
    let blocks = message["attachments"][0]["blocks"].as_array().unwrap();
    let at = blocks
        .iter()
        .position(|b| b["type"] == "image")
        .unwrap_or_else(|| panic!("no image block: {message:#}"));
    let under = &blocks[at + 1];
    assert_eq!(under["type"], "context", "{message:#}");
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    (
        text(&blocks[at]["alt_text"]),
        text(&under["elements"][0]["text"]),
    )
}

/// The number before " %" in the part of `line` that starts with `lead` (or ends with it).
fn percent(line: &str, lead: &str) -> f64 {
    let part = line
        .split(" · ")
        .find(|p| p.starts_with(lead) || p.ends_with(lead))
        .unwrap_or_else(|| panic!("no {lead:?} in {line:?}"));
    let number = part.trim_start_matches(lead).split(" %").next().unwrap();
    number.trim().parse().unwrap_or_else(|_| panic!("{part:?}"))
}

/// Minutes of "1 h 2 min above 5 %" ("… in all").
fn minutes_above(line: &str) -> i64 {
    let part = line
        .split(" · ")
        .find(|p| p.contains(" above 5 %"))
        .unwrap_or_else(|| panic!("no time above in {line:?}"));
    let words: Vec<&str> = part.split(' ').collect();
    words
        .windows(2)
        .map(|pair| match pair[1] {
            "h" => pair[0].parse::<i64>().unwrap() * 60,
            "min" => pair[0].parse().unwrap(),
            _ => 0,
        })
        .sum()
}

/// Checkout's error ratio over `start..end` (Unix seconds), one value a minute.
fn checkout_ratio(prometheus: &Prometheus, start: i64, end: i64) -> Vec<f64> {
    let answer = prometheus.query_range(ERROR_RATIO, start, end, 60);
    let checkout = answer
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"]["service"] == "checkout")
        .unwrap_or_else(|| panic!("no checkout series: {answer}"));
    checkout["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_str().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn the_line_under_the_chart_tells_the_series_numbers_firing_and_resolved() {
    let (history, webhook) = past_incident();
    // past_incident: the alert fired two hours ago, its incident lasted an hour.
    let fired = unix_now() - 2 * 3600;
    let dir = TempDir::new("chart-numbers");
    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());
    let slack = FakeSlack::start(TOKEN);
    let prometheus_url = prometheus.url();
    let server = slack.alertgraph(
        &dir,
        TOKEN,
        &[
            ("SLACK_CHANNEL", "#alerts"),
            ("BASE_URL", BASE_URL),
            ("PROMETHEUS_URL", prometheus_url.as_str()),
        ],
    );
    assert_eq!(server.post_alerts(webhook.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    let posts = slack.accepted("chat.postMessage");
    let (alt, line) = numbers_of(&posts[0]);
    assert_eq!(alt, line, "the alt text is the line");

    // What Prometheus holds: the window alertgraph charts, one value a minute.
    let window = checkout_ratio(&prometheus, fired - 6 * 3600, unix_now());
    let peak = window.iter().copied().fold(f64::MIN, f64::max) * 100.0;
    let above = window.iter().filter(|v| **v > 0.05).count() as i64;
    let near_firing = checkout_ratio(&prometheus, fired - 180, fired + 60);
    let (lo, hi) = near_firing
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    // Two significant digits, on alertgraph's own step grid.
    let close = |got: f64, want: f64| (got - want).abs() <= want * 0.05 + 0.1;
    let when_fired = percent(&line, " % when it fired");
    assert!(
        when_fired >= lo * 100.0 * 0.95 && when_fired <= hi * 100.0 * 1.05,
        "{line:?}: Prometheus has {lo}..{hi} around the firing"
    );
    assert!(
        close(percent(&line, "peak "), peak),
        "{line:?}: peak {peak}"
    );
    let minutes = minutes_above(&line);
    assert!((minutes - above).abs() <= 3, "{line:?}: {above} min above");
    assert!(!line.ends_with("in all"), "{line:?}");

    // The resolve redraws the chart: its line counts it all, and no longer says when it fired.
    let mut resolved: Value = serde_json::from_str(&webhook).unwrap();
    resolved["status"] = "resolved".into();
    resolved["alerts"][0]["status"] = "resolved".into();
    resolved["alerts"][0]["endsAt"] = rfc3339(-3600).into();
    let body = serde_json::to_vec(&resolved).unwrap();
    assert_eq!(server.post_alerts(&body).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
    });
    let (alt, line) = numbers_of(&slack.accepted("chat.update")[0]);
    assert_eq!(alt, line, "the alt text is the line");
    assert!(
        line.starts_with("peak ") && line.ends_with(" above 5 % in all"),
        "{line:?}"
    );
    assert!(
        close(percent(&line, "peak "), peak),
        "{line:?}: peak {peak}"
    );
    assert!(
        (minutes_above(&line) - above).abs() <= 3,
        "{line:?}: {above} min above"
    );
}
