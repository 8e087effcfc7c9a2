//! Alerts to Slack through the real binary and a fake Slack Web API: one message per alert,
//! updated in place with a threaded reply on resolve; rate limits and refusals handled.

use crate::fake_slack::{FakeSlack, Scripted};
use crate::support::{Server, TempDir, FIRING, RESOLVED};
use std::time::Duration;

const TOKEN: &str = "xoxb-test-token-123";
const JSON: (&str, &str) = ("Content-Type", "application/json");
const WAIT: Duration = Duration::from_secs(20);

fn start(slack: &FakeSlack, dir: &TempDir, token: &str) -> Server {
    Server::start(
        &dir.0,
        &[
            ("SLACK_API_URL", &slack.api_url()),
            ("SLACK_BOT_TOKEN", token),
            ("SLACK_CHANNEL", "#alerts"),
            ("EXPLORER_URL", "http://127.0.0.1:9/explorer"),
            ("DRAIN_INTERVAL_SECS", "1"),
        ],
    )
}

#[test]
fn fire_repeat_resolve_gives_one_message_updated_in_place() {
    let slack = FakeSlack::start(TOKEN);
    let dir = TempDir::new("slack-flow");
    let server = start(&slack, &dir, TOKEN);

    assert_eq!(
        server
            .post("/api/alerts", &[JSON], FIRING.as_bytes())
            .status,
        200
    );
    slack.wait_until(WAIT, |calls| calls.iter().any(|c| c.ok));
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    let post = &posts[0];
    assert_eq!(post["channel"], "#alerts");
    assert_eq!(
        post["text"],
        "[FIRING] HighErrorRate: High error rate on checkout: 6.554% of requests fail"
    );
    let attachment = &post["attachments"][0];
    assert_eq!(attachment["color"], "#F2303C");
    assert_eq!(
        attachment["blocks"][0]["text"]["text"],
        ":rotating_light: Alert is firing"
    );
    let fields = attachment["blocks"][1]["fields"].to_string();
    assert!(fields.contains(":pager: Page"), "{fields}");
    let buttons = attachment["blocks"].as_array().unwrap().last().unwrap()["elements"].to_string();
    assert!(
        buttons.contains("http://127.0.0.1:9/explorer?alertname=HighErrorRate"),
        "{buttons}"
    );

    // Alertmanager repeats the notification: nothing new reaches Slack.
    assert_eq!(
        server
            .post("/api/alerts", &[JSON], FIRING.as_bytes())
            .status,
        200
    );
    server.wait_outbox_settled(WAIT);
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);

    assert_eq!(
        server
            .post("/api/alerts", &[JSON], RESOLVED.as_bytes())
            .status,
        200
    );
    slack.wait_until(WAIT, |calls| {
        calls
            .iter()
            .filter(|c| c.ok && c.method == "chat.postMessage")
            .count()
            == 2
    });
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    let (channel, ts): (String, String) = server
        .db()
        .query_row("SELECT channel, ts FROM messages", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(updates[0]["ts"], ts.as_str());
    assert_eq!(updates[0]["channel"], channel.as_str());
    assert_eq!(updates[0]["attachments"][0]["color"], "#2EC95A");
    let reply = &slack.accepted("chat.postMessage")[1];
    assert_eq!(reply["thread_ts"], ts.as_str());
    assert!(
        reply["text"].as_str().unwrap().contains("Resolved after"),
        "{reply}"
    );

    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE state = 'done'"),
        2
    );
    assert!(
        !server.log().contains(TOKEN),
        "the bot token reached the log"
    );
}

#[test]
fn rate_limited_post_is_delivered_once_after_retry_after() {
    let slack = FakeSlack::start(TOKEN);
    slack.push(Scripted::RateLimited {
        retry_after_secs: 1,
    });
    slack.push(Scripted::Status(503));
    let dir = TempDir::new("slack-429");
    let server = start(&slack, &dir, TOKEN);

    assert_eq!(
        server
            .post("/api/alerts", &[JSON], FIRING.as_bytes())
            .status,
        200
    );
    let calls = slack.wait_until(WAIT, |calls| calls.iter().any(|c| c.ok));
    server.wait_outbox_settled(WAIT);
    assert_eq!(calls.len(), 3, "429, then 503, then delivered: {calls:#?}");
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(r#"alertgraph_deliveries_total{outcome="retried"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"alertgraph_deliveries_total{outcome="delivered"} 1"#),
        "{metrics}"
    );
}

#[test]
fn refused_token_dead_letters_the_job_with_its_reason() {
    let slack = FakeSlack::start(TOKEN);
    let dir = TempDir::new("slack-auth");
    let server = start(&slack, &dir, "xoxb-wrong-token");

    assert_eq!(
        server
            .post("/api/alerts", &[JSON], FIRING.as_bytes())
            .status,
        200
    );
    server.wait_outbox_settled(WAIT);
    assert_eq!(slack.calls().len(), 1);
    let reason: String = server
        .db()
        .query_row(
            "SELECT last_error FROM outbox WHERE state = 'dead'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reason, "chat.postMessage: invalid_auth");
    assert!(
        server.log().contains("dead-lettered outbox job"),
        "{}",
        server.log()
    );
    assert!(!server.log().contains("xoxb-wrong-token"));
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(r#"alertgraph_deliveries_total{outcome="dead"} 1"#),
        "{metrics}"
    );
}

#[test]
fn kill_9_right_after_the_answer_still_delivers_exactly_once() {
    let slack = FakeSlack::start(TOKEN);
    let dir = TempDir::new("slack-kill9");
    let server = start(&slack, &dir, TOKEN);
    assert_eq!(
        server
            .post("/api/alerts", &[JSON], FIRING.as_bytes())
            .status,
        200
    );
    server.crash();

    // The successor takes over whatever the dead process had leased, without waiting.
    let server = start(&slack, &dir, TOKEN);
    server.wait_outbox_settled(WAIT);
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        1,
        "{:#?}",
        slack.calls()
    );
    assert_eq!(server.scalar("SELECT count(*) FROM messages"), 1);
}
