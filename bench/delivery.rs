//! Delivery end to end through the real binary, on 127.0.0.1: a webhook in, the message in
//! the fake Slack of the end-to-end tests, with a real Prometheus query and chart.
//! - single alerts one after another: latency from the POST to Slack receiving the message;
//! - a burst (5,000 alerts over a minute, ten per webhook, spread over channels): how long
//!   until every message is out, against the minimum Slack's per-channel pace allows, and
//!   the smallest gap between two posts to one channel;
//! - the host's resident memory, idle and at its peak during the burst.
//!
//! Prints one JSON line. `--singles N --burst N --burst-secs S --channels N` change the sizes.

// The end-to-end tests' harness; what only their tests use is unused here.
#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/alertmanager.rs"]
mod alertmanager;
#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/fake_slack.rs"]
mod fake_slack;
// The Alertmanager module's tests sign Slack clicks with it.
#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/interactions.rs"]
mod interactions;
#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/prometheus.rs"]
mod prometheus;
#[allow(dead_code, unused_imports)]
#[path = "../tests/e2e/support.rs"]
mod support;

use fake_slack::Call;
use prometheus::Incident;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{request, Server, TempDir};

const TOKEN: &str = "xoxb-bench-delivery";
const JSON: (&str, &str) = ("Content-Type", "application/json");
/// Slack's pace for one channel, alertgraph's default `SLACK_CHANNEL_INTERVAL_MS`.
const CHANNEL_INTERVAL: Duration = Duration::from_secs(1);
const PER_WEBHOOK: usize = 10;

fn main() {
    let singles = arg("--singles", 200);
    let burst = arg("--burst", 5_000);
    let burst_secs = arg("--burst-secs", 60) as u64;
    let channels = arg("--channels", 50);

    let dir = TempDir::new("bench-delivery");
    // Bound whole: a field left out of a pattern would be dropped, Prometheus with it.
    let env = [("BASE_URL", "http://127.0.0.1:9")];
    let mut incident = Incident::start(&dir, TOKEN, &env);
    // A first start compiles the component; every later one maps it from the cache.
    let rss_first_start = incident.server.rss_kib();
    incident.restart(&dir, TOKEN, &env);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    let template: Value = serde_json::from_str(webhook).unwrap();
    let rss_idle = server.rss_kib();

    // Single alerts, 20 channels in turn, so the channel pace never holds one back.
    let mut latencies = Vec::with_capacity(singles);
    for i in 0..singles {
        let alert = (format!("single-{i:05}"), format!("#single-{}", i % 20));
        let body = hook(&template, &[alert]);
        let sent = Instant::now();
        post(server, &body);
        let calls = slack.wait_until(Duration::from_secs(30), |calls| posts(calls).len() > i);
        latencies.push((posts(&calls)[i].at - sent).as_secs_f64() * 1e3);
        std::thread::sleep(Duration::from_millis(50));
    }
    let charted = slack
        .accepted("chat.postMessage")
        .iter()
        .filter(|m| m.to_string().contains("\"image\""))
        .count();

    // The burst: ten alerts per webhook, sent evenly over `burst_secs`.
    let webhooks = burst.div_ceil(PER_WEBHOOK);
    let gap = Duration::from_secs(burst_secs) / webhooks as u32;
    let started = Instant::now();
    let mut rss_peak = server.rss_kib();
    for w in 0..webhooks {
        let alerts: Vec<_> = (w * PER_WEBHOOK..((w + 1) * PER_WEBHOOK).min(burst))
            .map(|n| (format!("burst-{n:05}"), format!("#burst-{}", n % channels)))
            .collect();
        let due = started + gap * w as u32;
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
        post(server, &hook(&template, &alerts));
        if w % 10 == 0 {
            rss_peak = rss_peak.max(server.rss_kib());
        }
    }
    let sent_in = started.elapsed();
    let calls = loop {
        rss_peak = rss_peak.max(server.rss_kib());
        let calls = slack.calls();
        if posts(&calls).len() >= singles + burst {
            break calls;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3_600),
            "the burst was not delivered within an hour"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let drained = started.elapsed();
    // Each channel takes one message per interval: its share of the burst, at best.
    let per_channel = burst.div_ceil(channels);
    let minimum = (CHANNEL_INTERVAL * per_channel as u32).max(Duration::from_secs(burst_secs));

    latencies.sort_by(f64::total_cmp);
    let result = json!({
        "singles": singles,
        "single_charted": charted,
        "single_p50_ms": percentile(&latencies, 0.50),
        "single_p90_ms": percentile(&latencies, 0.90),
        "single_p99_ms": percentile(&latencies, 0.99),
        "single_max_ms": latencies.last(),
        "burst": burst,
        "burst_channels": channels,
        "burst_sent_s": sent_in.as_secs_f64(),
        "burst_drained_s": drained.as_secs_f64(),
        "burst_minimum_s": minimum.as_secs_f64(),
        "min_channel_gap_ms": min_channel_gap(&calls).as_secs_f64() * 1e3,
        "rss_first_start_idle_kib": rss_first_start,
        "rss_idle_kib": rss_idle,
        "rss_peak_kib": rss_peak,
    });
    println!("{result}");
}

/// `--name N` from the command line (cargo bench passes `--bench` too), else `default`.
fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
        .unwrap_or(default)
}

/// The recorded webhook with one alert per (fingerprint, channel).
fn hook(template: &Value, alerts: &[(String, String)]) -> Vec<u8> {
    let mut hook = template.clone();
    let first = hook["alerts"][0].clone();
    hook["alerts"] = alerts
        .iter()
        .map(|(fingerprint, channel)| {
            let mut alert = first.clone();
            alert["fingerprint"] = fingerprint.as_str().into();
            alert["labels"]["slack_channel"] = channel.as_str().into();
            alert
        })
        .collect();
    serde_json::to_vec(&hook).unwrap()
}

fn post(server: &Server, body: &[u8]) {
    let answer = request(server.addr, "POST", "/api/alerts", &[JSON], body);
    if answer.status != 200 {
        let log = server.log();
        let tail: Vec<_> = log.lines().rev().take(20).collect();
        panic!(
            "webhook answered {}: {}\n{tail:#?}",
            answer.status, answer.body
        );
    }
}

/// The alerts' own messages Slack took, in order (no thread replies).
fn posts(calls: &[Call]) -> Vec<&Call> {
    calls
        .iter()
        .filter(|c| c.ok && c.method == "chat.postMessage" && c.body["thread_ts"].is_null())
        .collect()
}

/// The smallest time between two messages Slack took for one channel.
fn min_channel_gap(calls: &[Call]) -> Duration {
    let mut last = BTreeMap::new();
    let mut gap = Duration::MAX;
    for call in posts(calls) {
        let channel = call.body["channel"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(previous) = last.insert(channel, call.at) {
            gap = gap.min(call.at - previous);
        }
    }
    gap
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}
