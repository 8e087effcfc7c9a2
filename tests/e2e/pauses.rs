//! Configuration faults pause delivery and drop nothing: a revoked token holds every channel,
//! a channel the bot cannot post to holds only that one, each shown in `/metrics` and logged
//! once, and everything goes out once it is fixed. Dead jobs can be sent again on request.

use crate::delivery::{numbered_alerts, webhook_with};
use crate::fake_slack::{FakeSlack, Scripted};
use crate::support::{request, wait_until, Server, Stack};
use serde_json::Value;
use std::time::{Duration, Instant};

const TOKEN: &str = "xoxb-pause-test";
const DRAIN_TOKEN: &str = "drain-token-for-pause-tests";
const HISTORY_TOKEN: &str = "history-token-for-pause-tests";

/// How long the token stays revoked: a minute by default, the issue's five minutes in CI's
/// long runs (`ALERTGRAPH_E2E_TOKEN_FAULT_SECS=300`).
fn fault_length() -> Duration {
    let secs = std::env::var("ALERTGRAPH_E2E_TOKEN_FAULT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

fn dead_jobs(server: &Server) -> i64 {
    server.scalar("SELECT count(*) FROM outbox WHERE state = 'dead'")
}

/// The alert ids of the messages Slack took (their metadata), sorted, repeats kept.
fn posted(slack: &FakeSlack) -> Vec<i64> {
    let mut ids: Vec<i64> = slack
        .accepted("chat.postMessage")
        .iter()
        .map(|m| m["metadata"]["event_payload"]["alert_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn a_revoked_token_pauses_every_channel_and_loses_nothing_once_fixed() {
    let slack = FakeSlack::start(TOKEN);
    slack.set_refusing(None, Some("token_revoked"));
    let stack = Stack::on(slack, "pause-token", TOKEN, &[]);
    let (slack, server) = (&stack.slack, &stack.server);
    let fault = fault_length();
    let started = Instant::now();
    let mut sent = 0;
    // A webhook of three new alerts every ten seconds while the token is revoked.
    while started.elapsed() < fault {
        let hook = numbered_alerts(&format!("during-{sent}"), 3);
        assert_eq!(server.post_alerts(&hook).status, 200);
        sent += 3;
        assert_eq!(dead_jobs(server), 0, "nothing is dropped");
        std::thread::sleep(Duration::from_secs(10).min(fault));
    }
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("alertgraph_delivery_paused{reason=\"token_revoked\",channel=\"*\"} 1\n"),
        "{metrics}"
    );
    let tried = slack.calls().len();
    assert!(
        tried <= 2 * (1 + fault.as_secs() as usize / 30),
        "a paused token is tried about once per pause, not per alert: {tried} calls"
    );
    assert_eq!(posted(slack), Vec::<i64>::new());
    let log = server.log();
    assert_eq!(
        log.matches("delivery paused to every channel: chat.postMessage: token_revoked")
            .count(),
        1,
        "logged once per pause:\n{log}"
    );

    slack.set_refusing(None, None);
    let fixed = Instant::now();
    // The pause has doubled up to at most ten minutes: the fix is seen within one.
    let all = wait_until(Duration::from_secs(11 * 60), || {
        (slack.accepted("chat.postMessage").len() >= sent).then_some(())
    });
    assert!(all.is_some(), "not all delivered; log:\n{}", server.log());
    server.wait_outbox_settled(Duration::from_secs(60));
    let messages = posted(slack);
    let mut unique = messages.clone();
    unique.dedup();
    assert_eq!(messages.len(), sent, "each alert once: {messages:#?}");
    assert_eq!(unique.len(), sent);
    assert_eq!(dead_jobs(server), 0);
    let metrics = server.get("/metrics").body;
    assert!(
        !metrics.contains("alertgraph_delivery_paused{"),
        "{metrics}"
    );
    server.wait_log_line(
        "delivery resumed to every channel: token_revoked is fixed",
        Duration::from_secs(5),
    );
    eprintln!(
        "token fault: {sent} alerts in {fault:?} of revoked token, {tried} Slack calls while \
         paused, all delivered {:?} after the fix",
        fixed.elapsed()
    );
}

#[test]
fn a_channel_the_bot_cannot_post_to_pauses_that_channel_only() {
    let slack = FakeSlack::start(TOKEN);
    slack.set_refusing(Some("#gone"), Some("channel_not_found"));
    let stack = Stack::on(slack, "pause-channel", TOKEN, &[]);
    let (slack, server) = (&stack.slack, &stack.server);
    let to_gone: &[(&str, &str)] = &[("slack_channel", "#gone")];
    let hook = webhook_with(&[("lost-1", to_gone), ("ok-1", &[]), ("ok-2", &[])]);
    assert_eq!(server.post_alerts(&hook).status, 200);
    let others = wait_until(Duration::from_secs(20), || {
        (slack.accepted("chat.postMessage").len() == 2).then_some(())
    });
    assert!(
        others.is_some(),
        "other channels go on: {:#?}",
        slack.calls()
    );
    server.wait_log_line(
        "delivery paused to #gone: chat.postMessage: channel_not_found",
        Duration::from_secs(20),
    );
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(
            "alertgraph_delivery_paused{reason=\"channel_not_found\",channel=\"#gone\"} 1\n"
        ),
        "{metrics}"
    );
    assert!(!metrics.contains("channel=\"*\""), "{metrics}");
    // A later alert to a healthy channel is not held back by the paused one.
    let later = webhook_with(&[("ok-3", &[])]);
    assert_eq!(server.post_alerts(&later).status, 200);
    assert!(wait_until(Duration::from_secs(20), || {
        (slack.accepted("chat.postMessage").len() == 3).then_some(())
    })
    .is_some());
    assert_eq!(dead_jobs(server), 0);

    slack.set_refusing(Some("#gone"), None);
    assert!(
        wait_until(Duration::from_secs(120), || {
            (slack.accepted("chat.postMessage").len() == 4).then_some(())
        })
        .is_some(),
        "the bot is back in #gone; log:\n{}",
        server.log()
    );
    server.wait_outbox_settled(Duration::from_secs(30));
    let gone: Vec<Value> = slack
        .accepted("chat.postMessage")
        .into_iter()
        .filter(|m| m["channel"] == "#gone")
        .collect();
    assert_eq!(gone.len(), 1, "posted once");
    assert!(!server
        .get("/metrics")
        .body
        .contains("alertgraph_delivery_paused{"));
}

#[test]
fn dead_jobs_are_sent_again_on_request_once_and_only_with_the_drain_token() {
    let slack = FakeSlack::start(TOKEN);
    // A refusal of the message itself: retrying the same post cannot help, so it dies.
    slack.push(Scripted::Error("invalid_blocks"));
    let settings = [
        ("DRAIN_TOKEN", DRAIN_TOKEN),
        ("HISTORY_TOKEN", HISTORY_TOKEN),
    ];
    let stack = Stack::on(slack, "outbox-retry", TOKEN, &settings);
    let (slack, server) = (&stack.slack, &stack.server);
    let hook = webhook_with(&[("dead-1", &[])]);
    assert_eq!(server.post_alerts(&hook).status, 200);
    server.wait_outbox_settled(Duration::from_secs(20));
    assert_eq!(dead_jobs(server), 1);
    let job = server.scalar("SELECT id FROM outbox WHERE state = 'dead'");
    let history = request(
        server.addr,
        "GET",
        "/api/history",
        &[("Authorization", &format!("Bearer {HISTORY_TOKEN}"))],
        b"",
    );
    let history: Value = serde_json::from_str(&history.body).unwrap();
    assert_eq!(
        history["alerts"][0]["dead_lettered"],
        "chat.postMessage: invalid_blocks"
    );

    let bearer = format!("Bearer {DRAIN_TOKEN}");
    let retry = |query: &str, auth: &[(&str, &str)]| {
        server.post(&format!("/api/outbox/retry{query}"), auth, b"")
    };
    assert_eq!(retry("", &[]).status, 401, "no token");
    let wrong = retry("", &[("Authorization", "Bearer not-the-drain-token")]);
    assert_eq!(wrong.status, 401);
    assert_eq!(dead_jobs(server), 1, "a refused request changes nothing");
    let bad = retry("?id=x", &[("Authorization", &bearer)]);
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("id must be a job id"), "{}", bad.body);
    assert_eq!(retry("?id=999", &[("Authorization", &bearer)]).status, 404);

    let requeued = retry(&format!("?id={job}"), &[("Authorization", &bearer)]);
    assert_eq!(requeued.status, 200);
    assert_eq!(requeued.body, format!(r#"{{"requeued":[{job}]}}"#));
    assert!(wait_until(Duration::from_secs(20), || {
        (slack.accepted("chat.postMessage").len() == 1).then_some(())
    })
    .is_some());
    server.wait_outbox_settled(Duration::from_secs(20));
    let again = retry("", &[("Authorization", &bearer)]);
    assert_eq!(again.body, r#"{"requeued":[]}"#, "sent once");
    assert_eq!(dead_jobs(server), 0);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);
}
