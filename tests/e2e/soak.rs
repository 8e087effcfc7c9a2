//! Long runs through the real binary: a Slack outage, and a soak of a thousand alerts fired
//! and resolved while Slack answers 429s and 5xx at random. Both check what Slack ends up
//! showing: one message per alert, in order, turned green when resolved. They are sized for
//! a newcomer's test run (a minute's outage, 1,000 alerts); `ALERTGRAPH_E2E_OUTAGE_SECS` and
//! `ALERTGRAPH_E2E_SOAK_ALERTS` set their length, and CI runs them again at ten minutes and
//! 3,000 alerts (`.ci/run`).

use crate::delivery::webhook_from;
use crate::fake_slack::{Call, FakeSlack};
use crate::support::{request, Server, TempDir, FIRING, JSON, RESOLVED};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const TOKEN: &str = "xoxb-soak-test";

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What Slack saw of one alert, by call index: its top-level posts, updates and replies.
#[derive(Default, Debug)]
struct Seen {
    posts: Vec<usize>,
    updates: Vec<usize>,
    replies: Vec<usize>,
}

/// The accepted calls, grouped by the alert id each one is for.
fn seen_by_alert(calls: &[Call]) -> BTreeMap<i64, Seen> {
    let mut ts_to_alert = BTreeMap::new();
    let mut seen = BTreeMap::<i64, Seen>::new();
    for (i, call) in calls.iter().enumerate() {
        if !call.ok {
            continue;
        }
        let body = &call.body;
        match call.method.as_str() {
            "chat.postMessage" if body["thread_ts"].is_null() => {
                let id = body["metadata"]["event_payload"]["alert_id"]
                    .as_i64()
                    .expect("an alert's message carries its id");
                ts_to_alert.insert(call.answer["ts"].as_str().unwrap().to_string(), id);
                seen.entry(id).or_default().posts.push(i);
            }
            "chat.postMessage" => {
                let id = ts_to_alert[body["thread_ts"].as_str().unwrap()];
                seen.entry(id).or_default().replies.push(i);
            }
            "chat.update" => {
                let id = ts_to_alert[body["ts"].as_str().unwrap()];
                seen.entry(id).or_default().updates.push(i);
            }
            _ => {}
        }
    }
    seen
}

/// A webhook of `fixture`'s status for these fingerprints, all in `channel`.
fn hook(fixture: &str, fingerprints: &[String], channel: &str) -> Vec<u8> {
    let labels = [("slack_channel", channel)];
    let alerts: Vec<(&str, &[(&str, &str)])> = fingerprints
        .iter()
        .map(|f| (f.as_str(), &labels[..]))
        .collect();
    webhook_from(fixture, &alerts)
}

/// Posts a webhook as Alertmanager does: a refusal with 5xx is retried a second later.
/// Returns how many tries it took.
fn send(server: &Server, body: &[u8]) -> u32 {
    for tries in 1..=30 {
        let answer = request(server.addr, "POST", "/api/alerts", &[JSON], body);
        match answer.status {
            200 => return tries,
            500..=599 => std::thread::sleep(Duration::from_secs(1)),
            other => panic!("webhook refused with {other}: {}", answer.body),
        }
    }
    panic!("webhook refused 30 times:\n{}", server.log());
}

fn is_resolved(message: &serde_json::Value) -> bool {
    message["text"]
        .as_str()
        .unwrap_or_default()
        .starts_with("[RESOLVED]")
}

#[test]
fn a_long_slack_outage_loses_nothing_and_keeps_each_alert_in_order() {
    let outage = Duration::from_secs(setting("ALERTGRAPH_E2E_OUTAGE_SECS", 60));
    let slack = FakeSlack::start(TOKEN);
    let channel = slack.channel_id("#outage");
    let dir = TempDir::new("soak-outage");
    let server = slack.alertgraph(&dir, TOKEN, &[("SLACK_CHANNEL_INTERVAL_MS", "50")]);
    let fingerprints: Vec<String> = (0..12).map(|i| format!("outage-{i}")).collect();
    slack.set_down(true);
    let down_at = Instant::now();
    // Alerts keep coming while Slack is down: six at its start, six halfway, and half of
    // each batch resolves before Slack is back.
    send(&server, &hook(FIRING, &fingerprints[..6], &channel));
    std::thread::sleep(outage / 2);
    send(&server, &hook(FIRING, &fingerprints[6..], &channel));
    send(&server, &hook(RESOLVED, &fingerprints[..3], &channel));
    std::thread::sleep(outage.saturating_sub(down_at.elapsed()) * 2 / 3);
    send(&server, &hook(RESOLVED, &fingerprints[6..9], &channel));
    std::thread::sleep(outage.saturating_sub(down_at.elapsed()));
    let refused = slack.injected().down;
    assert!(refused > 0, "alertgraph kept trying while Slack was down");
    assert!(slack.calls().iter().all(|c| !c.ok));
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE state = 'dead'"),
        0,
        "nothing given up during the outage:\n{}",
        server.log()
    );

    slack.set_down(false);
    let back_at = Instant::now();
    // The backoff is capped at a minute: the backlog goes out soon after Slack is back.
    // Lookups of posts in doubt (conversations.history) are not deliveries.
    let calls = slack.wait_until(Duration::from_secs(180), |calls| {
        let delivered = calls
            .iter()
            .filter(|c| c.ok && c.method.starts_with("chat."));
        delivered.count() >= 12 + 6 + 6
    });
    server.wait_outbox_settled(Duration::from_secs(60));
    let delivered_after = back_at.elapsed();
    let calls = if slack.calls().len() > calls.len() {
        slack.calls()
    } else {
        calls
    };
    let seen = seen_by_alert(&calls);
    assert_eq!(seen.len(), 12, "{seen:#?}");
    for (id, alert) in &seen {
        assert_eq!(alert.posts.len(), 1, "alert {id}: one message: {alert:?}");
        let resolved = !alert.updates.is_empty();
        if resolved {
            assert_eq!(alert.updates.len(), 1, "alert {id}: {alert:?}");
            assert_eq!(alert.replies.len(), 1, "alert {id}: {alert:?}");
            assert!(
                alert.posts[0] < alert.updates[0] && alert.updates[0] < alert.replies[0],
                "alert {id}: posted, then turned green, then the reply: {alert:?}"
            );
        }
    }
    let resolved = slack
        .messages()
        .iter()
        .filter(|m| m["thread_ts"].is_null() && is_resolved(m))
        .count();
    assert_eq!(resolved, 6, "six alerts resolved during the outage");
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE state = 'dead'"),
        0
    );
    eprintln!(
        "outage: Slack down {outage:?}, {refused} calls refused meanwhile; 12 messages, 6 \
         updates and 6 replies delivered {delivered_after:?} after it came back; duplicates 0"
    );
}

#[test]
fn soak_thousands_of_alerts_through_random_rate_limits_and_server_errors() {
    let alerts = setting("ALERTGRAPH_E2E_SOAK_ALERTS", 1_000) as usize;
    // Alertmanager's default group size: one message each, no summaries.
    const PER_WEBHOOK: usize = 10;
    let slack = FakeSlack::start(TOKEN);
    let channels: Vec<String> = (0..20)
        .map(|i| slack.channel_id(&format!("#soak-{i}")))
        .collect();
    let dir = TempDir::new("soak-alerts");
    let server = slack.alertgraph(&dir, TOKEN, &[("SLACK_CHANNEL_INTERVAL_MS", "20")]);
    slack.inject_random_faults(0x5eed_1234, 50, 50);
    let batches: Vec<(Vec<String>, &String)> = (0..alerts.div_ceil(PER_WEBHOOK))
        .map(|b| {
            let fingerprints = (b * PER_WEBHOOK..((b + 1) * PER_WEBHOOK).min(alerts))
                .map(|i| format!("soak-{i:05}"))
                .collect();
            (fingerprints, &channels[b % channels.len()])
        })
        .collect();
    // Two equal passes, each sent and then delivered: the first warms every cache and pool
    // up, the second must not need more memory than the first left behind.
    let idle_rss = server.rss_kib();
    let started = Instant::now();
    let (first, second) = batches.split_at(batches.len() / 2);
    let mut rss = Vec::new();
    let (mut webhooks, mut retried) = (0, 0);
    for pass in [first, second] {
        let (sent, retries) = fire_and_resolve(&server, pass);
        webhooks += sent;
        retried += retries;
        server.wait_outbox_settled(Duration::from_secs(400));
        rss.push(server.rss_kib());
    }
    let settled_in = started.elapsed();

    let calls = slack.calls();
    let seen = seen_by_alert(&calls);
    let duplicates: usize = seen
        .values()
        .map(|s| s.posts.len().saturating_sub(1) + s.replies.len().saturating_sub(1))
        .sum();
    let messages = slack.messages();
    let green = messages
        .iter()
        .filter(|m| m["thread_ts"].is_null() && is_resolved(m))
        .count();
    let injected = slack.injected();
    eprintln!(
        "soak: {alerts} alerts in {webhooks} webhooks ({retried} retried by the sender), all \
         delivered after {settled_in:?}; Slack calls {}, faults injected: {} 429s and {} 5xx; \
         messages expected {alerts}, delivered {}, turned green {green}; duplicates \
         {duplicates}; RSS {idle_rss} KiB idle, {} KiB after the first pass, {} KiB after the \
         second",
        calls.len(),
        injected.rate_limited,
        injected.server_errors,
        seen.len(),
        rss[0],
        rss[1],
    );
    assert!(injected.rate_limited > 0 && injected.server_errors > 0);
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE state = 'dead'"),
        0,
        "nothing given up"
    );
    assert_eq!(seen.len(), alerts, "every alert has its message");
    assert_eq!(duplicates, 0, "nothing posted twice");
    for (id, alert) in &seen {
        assert!(
            !alert.updates.is_empty() && alert.replies.len() == 1,
            "alert {id} turned green with one reply: {alert:?}"
        );
        assert!(alert.posts[0] < alert.updates[0], "alert {id}: {alert:?}");
    }
    assert_eq!(green, alerts, "every message shows its alert resolved");
    // Flat: the second pass reuses what the first one grew, it does not add to it.
    let (first, second) = (rss[0], rss[1]);
    assert!(
        second <= first + first / 4,
        "RSS grew from {first} KiB after the first pass to {second} KiB after the second"
    );
}

/// Sends `batches` as Alertmanager would: each round fires a batch and resolves the one fired
/// five rounds before, so fires, resolves and their retries overlap all along. Returns the
/// webhooks sent and how many of them had to be retried.
fn fire_and_resolve(server: &Server, batches: &[(Vec<String>, &String)]) -> (u32, u32) {
    const LAG: usize = 5;
    let (mut webhooks, mut retried) = (0, 0);
    for round in 0..batches.len() + LAG {
        let fire = batches.get(round).map(|b| (FIRING, b));
        let resolve = round
            .checked_sub(LAG)
            .and_then(|r| batches.get(r))
            .map(|b| (RESOLVED, b));
        for (fixture, (fingerprints, channel)) in fire.into_iter().chain(resolve) {
            retried += send(server, &hook(fixture, fingerprints, channel)) - 1;
            webhooks += 1;
        }
    }
    (webhooks, retried)
}
