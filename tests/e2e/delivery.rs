//! Alerts to Slack through the real binary and a fake Slack Web API: one message per alert,
//! updated in place with a threaded reply on resolve; rate limits and refusals handled.

use crate::fake_slack::{accepted_count, FakeSlack, Scripted};
use crate::support::{wait_until, Server, Stack, TempDir, FIRING, RESOLVED};
use std::time::Duration;

const TOKEN: &str = "xoxb-test-token-123";
const WAIT: Duration = Duration::from_secs(20);
/// Where the messages' explorer button points.
const EXPLORER: (&str, &str) = ("EXPLORER_URL", "http://127.0.0.1:9/explorer");

/// alertgraph posting to `slack` (told how to answer) as TOKEN to #alerts, with explorer links.
fn start_on(slack: FakeSlack, name: &str) -> Stack {
    Stack::on(slack, name, TOKEN, &[EXPLORER])
}

/// As [`start_on`], on a fake Slack that answers normally.
fn start(name: &str) -> Stack {
    start_on(FakeSlack::start(TOKEN), name)
}

/// As [`start_on`], on a fake Slack that gives `answers` first, then answers normally.
fn start_answering(name: &str, answers: impl IntoIterator<Item = Scripted>) -> Stack {
    let slack = FakeSlack::start(TOKEN);
    for answer in answers {
        slack.push(answer);
    }
    start_on(slack, name)
}

/// alertgraph posting as TOKEN to `channel` configured by its id, as the README advises.
fn start_by_id(name: &str, channel: &str) -> Stack {
    let slack = FakeSlack::start(TOKEN);
    let id = slack.channel_id(channel);
    Stack::on(slack, name, TOKEN, &[("SLACK_CHANNEL", &id)])
}

#[test]
fn fire_repeat_resolve_gives_one_message_updated_in_place() {
    let stack = start("slack-flow");
    let (slack, server) = (&stack.slack, &stack.server);

    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
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
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    server.wait_outbox_settled(WAIT);
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);

    assert_eq!(server.post_alerts(RESOLVED.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.postMessage") == 2);
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
    let rate_limited = Scripted::RateLimited {
        retry_after_secs: 1,
    };
    let stack = start_answering("slack-429", [rate_limited, Scripted::Status(503)]);
    let (slack, server) = (&stack.slack, &stack.server);

    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
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
fn a_day_long_retry_after_on_a_503_defers_the_post_five_minutes_at_most() {
    let day_long = Scripted::Unavailable {
        retry_after_secs: 86_400,
    };
    let stack = start_answering("slack-503-day", [day_long]);
    let (slack, server) = (&stack.slack, &stack.server);
    let epoch_ms = || {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        i64::try_from(since.unwrap().as_millis()).unwrap()
    };

    let before = epoch_ms();
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    let rescheduled = "SELECT count(*) FROM outbox WHERE lease_until IS NULL \
                       AND last_error IS NOT NULL";
    let deadline = std::time::Instant::now() + WAIT;
    while server.scalar(rescheduled) == 0 {
        assert!(std::time::Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = epoch_ms();
    // The job and its channel both wait what Retry-After asked, cut to five minutes.
    let five_minutes = before + 300_000..=after + 300_000;
    let due = server.scalar("SELECT due_at FROM outbox");
    let channel_paused_until = server.scalar("SELECT max(next_at) FROM channel_turns");
    for until in [due, channel_paused_until] {
        assert!(
            five_minutes.contains(&until),
            "waits {} s, not five minutes: {}",
            (until - after) / 1000,
            server.log()
        );
    }
    assert_eq!(slack.calls().len(), 1, "nothing else was tried meanwhile");
}

#[test]
fn refused_token_pauses_the_job_with_its_reason_and_never_logs_the_token() {
    let slack = FakeSlack::start(TOKEN);
    let stack = Stack::on(
        slack,
        "slack-auth",
        "xoxb-wrong-token",
        &[("LOG_JSON", "true")],
    );
    let (slack, server) = (&stack.slack, &stack.server);

    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    let line = server.wait_log_line("delivery paused to every channel", WAIT);
    // The component's own lines reach the log as JSON events too.
    assert!(
        line.starts_with('{') && line.contains(r#""target":"alertgraph::guest""#),
        "{line}"
    );
    assert!(line.contains("chat.postMessage: invalid_auth"), "{line}");
    assert_eq!(slack.calls().len(), 1);
    // Waiting out its pause, with its reason: not dead.
    let settled = wait_until(WAIT, || {
        server
            .db()
            .query_row(
                "SELECT state FROM outbox WHERE last_error = 'chat.postMessage: invalid_auth'",
                [],
                |r| r.get::<_, String>(0),
            )
            .ok()
    });
    assert_eq!(settled.as_deref(), Some("pending"));
    assert!(!server.log().contains("xoxb-wrong-token"));
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(r#"alertgraph_deliveries_total{outcome="retried"} 1"#),
        "{metrics}"
    );
}

#[test]
fn kill_9_right_after_the_answer_still_delivers_exactly_once() {
    let slack = FakeSlack::start(TOKEN);
    // The crash may fall between Slack taking the post and alertgraph recording it: the
    // successor then finds the message by the channel id (see README, "Exactly once").
    let channel = slack.channel_id("#alerts");
    let dir = TempDir::new("slack-kill9");
    // A 5 s time limit: leases last 15 s.
    let settings = [
        ("SLACK_CHANNEL", channel.as_str()),
        ("REQUEST_TIMEOUT_SECS", "5"),
    ];
    let server = slack.alertgraph(&dir, TOKEN, &settings);
    let answer = server.post_alerts(FIRING.as_bytes());
    assert_eq!(answer.status, 200);
    server.crash();

    // The successor takes over whatever the dead process had leased once the lease has run
    // out: it cannot tell a dead process from a live replica.
    let server = slack.alertgraph(&dir, TOKEN, &settings);
    server.wait_outbox_settled(WAIT + Duration::from_secs(15));
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        1,
        "{:#?}",
        slack.calls()
    );
    assert_eq!(server.scalar("SELECT count(*) FROM messages"), 1);
}

/// The firing fixture with `n` alerts, each its own fingerprint, with extra labels.
pub fn webhook_with(alerts: &[(&str, &[(&str, &str)])]) -> Vec<u8> {
    webhook_from(FIRING, alerts)
}

/// A firing webhook of `count` alerts with no extra labels, fingerprints `<prefix>-<i>`.
pub fn numbered_alerts(prefix: &str, count: usize) -> Vec<u8> {
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}")).collect();
    let alerts: Vec<(&str, &[(&str, &str)])> =
        names.iter().map(|n| (n.as_str(), &[][..])).collect();
    webhook_with(&alerts)
}

/// `fixture` (a recorded webhook) with its first alert copied once per fingerprint, with
/// extra labels.
pub fn webhook_from(fixture: &str, alerts: &[(&str, &[(&str, &str)])]) -> Vec<u8> {
    copied_alerts(fixture, alerts, |alert, _, labels| {
        for (k, v) in labels.iter() {
            alert["labels"][*k] = (*v).into();
        }
    })
}

/// `fixture` (a recorded webhook) with its first alert copied once per `(fingerprint, what)`:
/// each copy takes its fingerprint, then `edit` changes it as `what` says.
pub fn copied_alerts<T>(
    fixture: &str,
    alerts: &[(&str, T)],
    edit: impl Fn(&mut serde_json::Value, &str, &T),
) -> Vec<u8> {
    let mut hook: serde_json::Value = serde_json::from_str(fixture).unwrap();
    let template = hook["alerts"][0].clone();
    hook["alerts"] = alerts
        .iter()
        .map(|(fingerprint, what)| {
            let mut alert = template.clone();
            alert["fingerprint"] = (*fingerprint).into();
            edit(&mut alert, fingerprint, what);
            alert
        })
        .collect();
    serde_json::to_vec(&hook).unwrap()
}

#[test]
fn posts_to_one_channel_are_paced() {
    let stack = Stack::start("slack-pace", TOKEN, &[("SLACK_CHANNEL_INTERVAL_MS", "300")]);
    let (slack, server) = (&stack.slack, &stack.server);
    let body = webhook_with(&[("f1", &[]), ("f2", &[]), ("f3", &[]), ("f4", &[])]);
    assert_eq!(server.post_alerts(&body).status, 200);
    server.wait_outbox_settled(WAIT);
    let posts: Vec<_> = slack
        .calls()
        .into_iter()
        .filter(|c| c.accepted("chat.postMessage"))
        .collect();
    assert_eq!(posts.len(), 4);
    for pair in posts.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(290), "posts {gap:?} apart");
    }
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(r#"alertgraph_deliveries_total{outcome="delivered"} 4"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"outcome="deferred""#), "{metrics}");
}

#[test]
fn a_burst_is_delivered_by_a_few_drainers_not_one_per_webhook() {
    let slack = FakeSlack::start(TOKEN);
    // Slow answers keep every drainer busy, so the instances left would pile up.
    slack.set_latency(Duration::from_millis(300));
    let stack = start_on(slack, "slack-drainers");
    let (slack, server) = (&stack.slack, &stack.server);
    let channels: Vec<String> = (0..24).map(|i| format!("#burst-{i}")).collect();
    std::thread::scope(|scope| {
        for (i, channel) in channels.iter().enumerate() {
            scope.spawn(move || {
                let body = webhook_with(&[(&format!("b{i}"), &[("slack_channel", channel)])]);
                assert_eq!(server.post_alerts(&body).status, 200);
            });
        }
    });
    server.wait_outbox_settled(WAIT);
    let mut posted: Vec<_> = slack
        .accepted("chat.postMessage")
        .iter()
        .map(|p| p["channel"].as_str().unwrap().to_string())
        .collect();
    posted.sort();
    let mut expected = channels.clone();
    expected.sort();
    assert_eq!(posted, expected, "one post per alert");
    // The store hands out four drain turns.
    let most = slack.max_in_flight();
    assert!(most <= 4, "{most} Slack calls were in flight at once");
}

#[test]
fn a_drain_out_of_time_gives_its_unstarted_jobs_back_at_once() {
    let slack = FakeSlack::start(TOKEN);
    // Twelve posts at 2 s each are more than one drain's 15 s budget, and more than the 20 s
    // an instance may run: a drain that went on would be killed with jobs still leased.
    slack.set_latency(Duration::from_secs(2));
    let settings = [
        ("SLACK_CHANNEL_INTERVAL_MS", "0"),
        ("SLACK_GROUP_LIMIT", "50"),
        ("REQUEST_TIMEOUT_SECS", "20"),
    ];
    let stack = Stack::on(slack, "slack-drain-budget", TOKEN, &settings);
    let (slack, server) = (&stack.slack, &stack.server);
    assert_eq!(
        server.post_alerts(&numbered_alerts("budget", 12)).status,
        200
    );
    server.wait_outbox_settled(Duration::from_secs(60));
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        12,
        "each posted once"
    );
    // Given back, not failed: no job was tried twice, and no instance ran out of time.
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE attempts - deferrals > 1"),
        0,
        "{}",
        server.log()
    );
    assert!(
        server
            .get("/metrics")
            .body
            .contains(r#"alertgraph_deliveries_total{outcome="deferred"}"#),
        "some jobs were given back"
    );
    assert!(!server.log().contains("exceeded its time limit"));
}

#[test]
fn a_rate_limit_holds_only_its_channel() {
    let slack = FakeSlack::start(TOKEN);
    slack.push_for(
        "#a",
        Scripted::RateLimited {
            retry_after_secs: 3,
        },
    );
    let dir = TempDir::new("slack-429-channel");
    let server = slack.alertgraph(&dir, TOKEN, &[("SLACK_CHANNEL_INTERVAL_MS", "100")]);
    let body = webhook_with(&[
        ("fa", &[("slack_channel", "#a")]),
        ("fb1", &[("slack_channel", "#b")]),
        ("fb2", &[("slack_channel", "#b")]),
    ]);
    assert_eq!(server.post_alerts(&body).status, 200);
    server.wait_outbox_settled(WAIT);
    let order: Vec<String> = slack
        .accepted("chat.postMessage")
        .iter()
        .map(|p| p["channel"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, ["#b", "#b", "#a"], "{:#?}", slack.calls());
}

/// Slack took the post but its answer never came back: the retry finds the message in the
/// channel's history by its metadata instead of posting it again.
/// `posts`: the alert messages expected in Slack (and recorded) afterwards.
fn assert_lost_answer_not_reposted(slack: &FakeSlack, server: &Server, alert: &[u8], posts: usize) {
    slack.push(Scripted::LoseAnswer);
    assert_eq!(server.post_alerts(alert).status, 200);
    server.wait_outbox_settled(WAIT);
    let calls = slack.calls();
    let lookups = calls
        .iter()
        .filter(|c| c.method == "conversations.history")
        .count();
    assert_eq!(lookups, 1, "{calls:#?}");
    let accepted = slack.accepted("chat.postMessage");
    assert_eq!(accepted.len(), posts, "{calls:#?}");
    assert_eq!(
        accepted[posts - 1]["metadata"]["event_type"],
        "alertgraph_alert"
    );
    assert_eq!(server.count("messages"), posts as i64);
}

#[test]
fn a_lost_answer_is_not_posted_twice_when_the_channel_id_is_configured() {
    let stack = start_by_id("slack-lost-by-id", "#alerts");
    assert_lost_answer_not_reposted(&stack.slack, &stack.server, FIRING.as_bytes(), 1);
}

#[test]
fn a_lost_answer_is_not_posted_twice_once_the_channel_id_is_learnt() {
    let stack = start("slack-lost-learnt");
    let (slack, server) = (&stack.slack, &stack.server);
    let first = webhook_with(&[("first", &[])]);
    assert_eq!(server.post_alerts(&first).status, 200);
    server.wait_outbox_settled(WAIT);
    let second = webhook_with(&[("second", &[])]);
    assert_lost_answer_not_reposted(slack, server, &second, 2);
}

#[test]
fn a_lost_answer_is_posted_again_when_the_channel_history_cannot_be_read() {
    let stack = start_by_id("slack-lost-no-scope", "#private");
    let (slack, server) = (&stack.slack, &stack.server);
    // Slack takes the post but the answer is lost; the lookup then needs a scope the app
    // lacks (a private channel's `groups:history`).
    slack.push(Scripted::LoseAnswer);
    slack.push(Scripted::Error("missing_scope"));
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    server.wait_outbox_settled(WAIT);
    let calls = slack.calls();
    let methods: Vec<&str> = calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "chat.postMessage",
            "conversations.history",
            "chat.postMessage"
        ],
        "{calls:#?}"
    );
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "posted again: a duplicate, not a loss"
    );
    assert_eq!(server.count("messages"), 1);
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE state = 'dead'"),
        0
    );
    server.wait_log_line("posting again rather than risk losing it", WAIT);
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("alertgraph_posts_unverified_total 1"),
        "{metrics}"
    );
}

#[test]
fn a_500_alert_group_posts_a_bounded_number_of_messages() {
    let settings = [
        ("SLACK_GROUP_LIMIT", "5"),
        ("SLACK_CHANNEL_INTERVAL_MS", "0"),
    ];
    let stack = Stack::start("slack-storm", TOKEN, &settings);
    let (slack, server) = (&stack.slack, &stack.server);
    let body = numbered_alerts("storm", 500);
    let answer = server.post_alerts(&body);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.body.contains("\"new\":500"), "{}", answer.body);
    server.wait_outbox_settled(WAIT);
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(
        posts.len(),
        6,
        "5 alerts and one summary: {:#?}",
        slack.calls().len()
    );
    let summary = posts
        .iter()
        .find(|p| {
            p["text"]
                .as_str()
                .unwrap()
                .contains("495 more alerts firing")
        })
        .unwrap_or_else(|| panic!("no summary among {posts:#?}"));
    assert_eq!(summary["channel"], "#alerts");
    assert_eq!(server.count("alerts"), 500);
}

#[test]
fn a_429_storm_still_delivers_once() {
    let rate_limited = || Scripted::RateLimited {
        retry_after_secs: 1,
    };
    let stack = start_answering(
        "slack-429-storm",
        std::iter::repeat_with(rate_limited).take(4),
    );
    let (slack, server) = (&stack.slack, &stack.server);
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    server.wait_outbox_settled(WAIT);
    let calls = slack.calls();
    assert_eq!(calls.iter().filter(|c| !c.ok).count(), 4, "{calls:#?}");
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);
    // Each retry came after the Retry-After it was given.
    for pair in calls.windows(2) {
        assert!(
            pair[1].at - pair[0].at >= Duration::from_millis(950),
            "{calls:#?}"
        );
    }
}

#[test]
fn a_slow_slack_is_waited_for_without_a_second_post() {
    // Longer than the drain interval: other drains run while this post is in flight.
    let stack = start_answering("slack-slow", [Scripted::Slow(Duration::from_secs(3))]);
    let (slack, server) = (&stack.slack, &stack.server);
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    server.wait_outbox_settled(WAIT);
    assert_eq!(slack.calls().len(), 1, "{:#?}", slack.calls());
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);
}

#[test]
fn firing_again_after_a_resolve_posts_a_new_message() {
    let stack = start("slack-refire");
    let (slack, server) = (&stack.slack, &stack.server);
    for body in [FIRING.to_string(), RESOLVED.to_string()] {
        assert_eq!(server.post_alerts(body.as_bytes()).status, 200);
        server.wait_outbox_settled(WAIT);
    }
    // Prometheus gives a re-fired alert a new startsAt.
    let again = FIRING.replace("2026-11-25T20:47:31.731Z", "2026-11-25T21:30:00.000Z");
    assert_eq!(server.post_alerts(again.as_bytes()).status, 200);
    server.wait_outbox_settled(WAIT);
    let posts = slack.accepted("chat.postMessage");
    let firing: Vec<_> = posts.iter().filter(|p| p["thread_ts"].is_null()).collect();
    assert_eq!(firing.len(), 2, "{posts:#?}");
    assert_eq!(slack.accepted("chat.update").len(), 1);
    assert_eq!(server.count("messages"), 2);
    // The new message tells what the store knows of the alert's past; the first had none.
    let history = |post: &serde_json::Value| {
        let blocks = post["attachments"][0]["blocks"].as_array().unwrap().clone();
        blocks
            .iter()
            .filter(|b| b["type"] == "context")
            .map(|b| b["elements"][0]["text"].as_str().unwrap().to_lowercase())
            .find(|t| t.contains("resolved after"))
    };
    assert_eq!(history(firing[0]), None, "{:#?}", firing[0]);
    let told = history(firing[1]).unwrap_or_else(|| panic!("{:#?}", firing[1]));
    assert!(
        told.contains("last time resolved after 1 min 30 s"),
        "{told}"
    );
}
