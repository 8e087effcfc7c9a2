//! Zooming a chart from Slack end to end: the buttons under the chart, a signed click that
//! posts the chart over its window in the alert's thread (inline, from a real Prometheus), and
//! the same window clicked again within ten minutes answered, to that user alone, with a link
//! to the reply instead of a second one.

use crate::fake_slack::accepted_count;
use crate::interactions::{click, controls, SIGNING_SECRET};
use crate::prometheus::Incident;
use crate::support::TempDir;
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "xoxb-zoom-test";
const WAIT: Duration = Duration::from_secs(60);

/// Clicks `action_id` of alert `alert_id` as `user_id`, waits for the `posts`th post and the
/// outbox to settle, and returns the replies in the thread of the message `ts`.
fn zoomed(
    incident: &Incident,
    (action_id, alert_id): (&str, &str),
    user_id: &str,
    posts: usize,
    ts: &str,
) -> Vec<Value> {
    let (slack, server) = (&incident.slack, &incident.server);
    let answer = click(server, action_id, alert_id, user_id);
    assert_eq!(answer.status, 200, "{}", answer.body);
    slack.wait_until(WAIT, |calls| {
        accepted_count(calls, "chat.postMessage") == posts
    });
    server.wait_outbox_settled(WAIT);
    let posted = slack.accepted("chat.postMessage");
    posted
        .into_iter()
        .filter(|p| p["thread_ts"] == ts)
        .collect()
}

#[test]
fn a_zoom_click_posts_the_chart_over_its_window_in_the_thread_once() {
    let dir = TempDir::new("zoom");
    let env = [
        ("SLACK_CHANNEL", "#alerts"),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
    ];
    let incident = Incident::start(&dir, TOKEN, &env);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    assert_eq!(server.post_alerts(webhook.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    server.wait_outbox_settled(WAIT);
    let post = slack.accepted("chat.postMessage")[0].clone();
    let buttons = controls(&post);
    let zooms: Vec<&str> = buttons
        .iter()
        .filter(|(id, _)| id.starts_with("zoom_"))
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(
        zooms,
        ["zoom_1h", "zoom_6h", "zoom_24h", "zoom_7d"],
        "{post:#}"
    );
    let alert_id = buttons[0].1.clone();
    let calls = slack.calls();
    let posted = calls.iter().find(|c| c.accepted("chat.postMessage"));
    let ts = posted
        .and_then(|c| c.answer["ts"].as_str())
        .expect("the post's ts");
    let ts = ts.to_owned();

    let replies = zoomed(&incident, ("zoom_6h", &alert_id), "U0ADA", 2, &ts);
    assert_eq!(replies.len(), 1, "{replies:#?}");
    let blocks = replies[0]["attachments"][0]["blocks"].as_array().unwrap();
    assert_eq!(
        blocks[0]["elements"][0]["text"],
        ":mag: 6h up to now, asked for by <@U0ADA>"
    );
    let file = blocks[1]["slack_file"]["id"]
        .as_str()
        .expect("an inline chart");
    assert!(slack.is_completed_png(file), "{file} is no completed PNG");

    // The same window again: a link to that reply, for the clicking user alone.
    let again = click(server, "zoom_6h", &alert_id, "U0BOB");
    assert_eq!(again.status, 200, "{}", again.body);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.postEphemeral"))
    });
    server.wait_outbox_settled(WAIT);
    let notes = slack.accepted("chat.postEphemeral");
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(
        (notes[0]["user"].as_str(), notes[0]["thread_ts"].as_str()),
        (Some("U0BOB"), Some(ts.as_str()))
    );
    let text = notes[0]["text"].as_str().unwrap();
    assert!(
        text.contains("/archives/") && text.contains("|see it>"),
        "{text}"
    );
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "no second reply"
    );

    // Another window is drawn afresh.
    let replies = zoomed(&incident, ("zoom_24h", &alert_id), "U0BOB", 3, &ts);
    assert_eq!(replies.len(), 2);
    assert_eq!(
        replies[1]["attachments"][0]["blocks"][0]["elements"][0]["text"],
        ":mag: 24h up to now, asked for by <@U0BOB>"
    );
}
