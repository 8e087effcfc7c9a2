//! `CHART_COMPARE` through the real binary: a real Prometheus holding more than a week of
//! history, each chart drawn from one more range query (its window a week back) and posted.

use crate::prometheus::{past_incident, unix_now, History, Incident, Prometheus, ERROR_RATIO};
use crate::support::{request, TempDir};
use std::time::Duration;

const TOKEN: &str = "xoxb-compare-test";
const WAIT: Duration = Duration::from_secs(60);
const WEEK_S: i64 = 7 * 24 * 3600;
/// Chart links point here; the test reads the message and Prometheus' counters.
const BASE_URL: &str = "http://127.0.0.1:9";

/// How many range queries Prometheus answered, from its own `/metrics`.
fn range_queries(prometheus: &Prometheus) -> u64 {
    let metrics = request(prometheus.addr(), "GET", "/metrics", &[], b"").body;
    metrics
        .lines()
        .filter(|line| {
            line.starts_with("prometheus_http_requests_total{")
                && line.contains(r#"handler="/api/v1/query_range""#)
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[test]
fn a_chart_compared_with_last_week_costs_one_more_range_query_and_still_posts() {
    // past_incident's alert fired two hours ago; the history here also holds the same hours
    // a week earlier (with a 30-minute window the chart starts two and a half hours ago).
    let (_, webhook) = past_incident();
    let now = unix_now();
    let hours = now - 2 * 3600..now - 3600;
    let history = History::http_requests(now - WEEK_S - 3 * 3600, now - 60, 20, hours);
    let dir = TempDir::new("compare");
    let settings = [
        ("SLACK_CHANNEL", "#alerts"),
        ("BASE_URL", BASE_URL),
        ("CHART_WINDOW_BEFORE_MINUTES", "30"),
        ("CHART_COMPARE", "1w"),
    ];
    let incident = Incident::start_on(&history, webhook, &dir, TOKEN, &settings);
    let (prometheus, slack, server) = (incident.prometheus(), &incident.slack, &incident.server);
    let week_ago = prometheus.query_range(ERROR_RATIO, now - WEEK_S - 9000, now - WEEK_S, 60);
    assert_eq!(week_ago.as_array().map(Vec::len), Some(2), "{week_ago}");
    let before = range_queries(prometheus);

    assert_eq!(server.post_alerts(incident.webhook.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(posts[0].to_string().contains("\"image\""), "{:#}", posts[0]);
    server.wait_log_line("drew the chart of alert", WAIT);
    assert_eq!(server.count("charts"), 1);
    assert_eq!(
        range_queries(prometheus) - before,
        2,
        "the chart's and a week back"
    );
    let log = server.log();
    assert!(!log.contains("without its comparison line"), "{log}");
}
