//! On-call mentions end to end: an alert's `slack_mention` pings the ids it names in the
//! firing message only; anything else is left out with a log line, and the resolve's edit and
//! reply ping nobody.

use crate::fake_slack::accepted_count;
use crate::support::{Stack, FIRING, RESOLVED};
use serde_json::Value;
use std::time::Duration;

const TOKEN: &str = "xoxb-test-token-123";
const WAIT: Duration = Duration::from_secs(20);

/// The webhook `hook` with `slack_mention` set to `value` in each alert's labels or annotations.
fn with_mention(hook: &str, set: &str, value: &str) -> Vec<u8> {
    let mut hook: Value = serde_json::from_str(hook).unwrap();
    for alert in hook["alerts"].as_array_mut().unwrap() {
        alert[set]["slack_mention"] = value.into();
    }
    serde_json::to_vec(&hook).unwrap()
}

/// Every Slack mention markup in `message`, in order: `<@…>` and `<!…>` but the date tokens.
fn pings(message: &Value) -> Vec<String> {
    let json = message.to_string();
    let mut found = Vec::new();
    for (i, _) in json.match_indices('<') {
        let markup = &json[i..i + json[i..].find('>').map_or(1, |end| end + 1)];
        if !markup.starts_with("<!date^") {
            found.push(markup.to_owned());
        }
    }
    found
}

#[test]
fn only_ids_are_mentioned_and_only_in_the_firing_post() {
    let stack = Stack::start("mentions", TOKEN, &[]);
    let (slack, server) = (&stack.slack, &stack.server);
    let mention = "U012AB3CD, S0ONCALL1,not an id,<!channel>,here";

    let fired = server.post_alerts(&with_mention(FIRING, "labels", mention));
    assert_eq!(fired.status, 200, "{}", fired.body);
    slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.postMessage") == 1);
    let post = &slack.accepted("chat.postMessage")[0];
    assert_eq!(
        post["text"],
        "<@U012AB3CD> <!subteam^S0ONCALL1> [FIRING] HighErrorRate: High error rate on checkout: \
         6.554% of requests fail"
    );
    assert_eq!(pings(post), ["<@U012AB3CD>", "<!subteam^S0ONCALL1>"]);
    let log = server.log();
    for refused in [
        "slack_mention \"not an id\" left out: not a Slack user id",
        "slack_mention \"<!channel>\" left out: not a Slack user id",
        "slack_mention \"here\" left out: @here and @channel need ALLOW_BROADCAST_MENTIONS=true",
    ] {
        assert!(log.contains(refused), "{refused:?} not in {log}");
    }

    let resolved = server.post_alerts(&with_mention(RESOLVED, "labels", mention));
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.postMessage") == 2);
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(updates[0]["attachments"][0]["color"], "#2EC95A");
    let reply = &slack.accepted("chat.postMessage")[1];
    assert!(reply["thread_ts"].is_string(), "{reply}");
    for later in [&updates[0], reply] {
        assert_eq!(pings(later), Vec::<String>::new(), "{later}");
    }
}

#[test]
fn here_is_mentioned_only_with_broadcasts_allowed() {
    let stack = Stack::start(
        "mentions-broadcast",
        TOKEN,
        &[("ALLOW_BROADCAST_MENTIONS", "true")],
    );
    let (slack, server) = (&stack.slack, &stack.server);

    let fired = server.post_alerts(&with_mention(FIRING, "annotations", "here, W0GRID42"));
    assert_eq!(fired.status, 200, "{}", fired.body);
    slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.postMessage") == 1);
    let post = &slack.accepted("chat.postMessage")[0];
    assert_eq!(pings(post), ["<!here>", "<@W0GRID42>"]);
    assert!(!server.log().contains("left out"), "{}", server.log());
}
