//! Inline charts end to end, with no public URL: the chart uploaded to the fake Slack without
//! a channel and shown in the alert's message itself by its file id, waited for while Slack
//! has not processed it, edited in later when it takes too long, and replaced on resolve.

use crate::alertmanager::rfc3339;
use crate::fake_slack::FakeSlack;
use crate::prometheus::Incident;
use crate::support::TempDir;
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "xoxb-inline-test";
const WAIT: Duration = Duration::from_secs(60);
const ENV: [(&str, &str); 1] = [("SLACK_CHANNEL", "#alerts")];

/// The file id the message's image block names, if it has one.
fn shown_file(message: &Value) -> Option<String> {
    message["attachments"][0]["blocks"]
        .as_array()?
        .iter()
        .find(|b| b["type"] == "image")
        .and_then(|b| b["slack_file"]["id"].as_str())
        .map(str::to_owned)
}

/// Asserts that `message` shows a completed PNG upload in its own image block; returns its id.
fn assert_shows_uploaded_png(slack: &FakeSlack, message: &Value) -> String {
    let id = shown_file(message).unwrap_or_else(|| panic!("no slack_file image: {message:#}"));
    assert!(slack.is_completed_png(&id), "{id} is no completed PNG");
    assert!(message["thread_ts"].is_null(), "the message, not a reply");
    id
}

fn refused_posts(slack: &FakeSlack) -> usize {
    let calls = slack.calls();
    calls
        .iter()
        .filter(|c| c.method == "chat.postMessage" && !c.ok)
        .count()
}

/// The incident's webhook, resolved an hour ago.
fn resolved(webhook: &str) -> Vec<u8> {
    let mut resolved: Value = serde_json::from_str(webhook).unwrap();
    resolved["status"] = "resolved".into();
    resolved["alerts"][0]["status"] = "resolved".into();
    resolved["alerts"][0]["endsAt"] = rfc3339(-3600).into();
    serde_json::to_vec(&resolved).unwrap()
}

#[test]
fn without_a_base_url_the_message_itself_shows_the_uploaded_chart_and_its_resolve_replaces_it() {
    let dir = TempDir::new("chart-inline");
    let incident = Incident::start(&dir, TOKEN, &ENV);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    assert_eq!(server.post_alerts(webhook.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    let fired = assert_shows_uploaded_png(slack, &posts[0]);
    assert_eq!(
        refused_posts(slack),
        1,
        "Slack was not ready on the first try"
    );
    assert!(slack.files().is_empty(), "nothing in the thread");

    assert_eq!(server.post_alerts(&resolved(webhook)).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
    });
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(updates[0]["attachments"][0]["color"], "#2EC95A");
    let resolved = assert_shows_uploaded_png(slack, &updates[0]);
    assert_ne!(resolved, fired, "the resolve shows a new chart");
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "one thread reply"
    );
    assert!(slack.files().is_empty(), "nothing in the thread");
}

#[test]
fn a_chart_slack_takes_too_long_to_process_is_edited_into_the_message_posted_without_it() {
    let dir = TempDir::new("chart-inline-late");
    let incident = Incident::start(&dir, TOKEN, &ENV);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    slack.refuse_fresh_files(5);
    assert_eq!(server.post_alerts(webhook.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
    });
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "posted once: {posts:#?}");
    assert_eq!(shown_file(&posts[0]), None);
    assert!(
        posts[0].to_string().contains("chart follows"),
        "{:#}",
        posts[0]
    );
    let updates = slack.accepted("chat.update");
    assert_shows_uploaded_png(slack, &updates[0]);
    assert!(slack.files().is_empty(), "nothing in the thread");
}
