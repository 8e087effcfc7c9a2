//! Slack's buttons: clicks signed the way Slack signs them (v0, HMAC-SHA256), sent to the real
//! binary; acknowledging marks the message once; forged, stale and replayed clicks are
//! refused and change nothing. Silences through a real Alertmanager are in `alertmanager`.

use crate::support::{Response, Server, Stack, TempDir, FIRING};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const SIGNING_SECRET: &str = "e2e-signing-secret-0123456789abcdef";
const TOKEN: &str = "xoxb-interactions";
const WAIT: Duration = Duration::from_secs(30);
const PATH: &str = "/api/slack/interactions";

/// A `block_actions` payload as Slack sends it for a click on `action_id` with `value`.
pub fn click_body(action_id: &str, value: &str, user_id: &str, user_name: &str) -> Vec<u8> {
    let payload = json!({
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0E2E"},
        "api_app_id": "A0E2E",
        "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C0E2E",
                      "is_ephemeral": false},
        "channel": {"id": "C0E2E", "name": "alerts"},
        "response_url": "http://127.0.0.1:9/actions/T0E2E/1/x",
        "actions": [{"action_id": action_id, "block_id": "b", "value": value,
                     "type": "button", "action_ts": "1.000002",
                     "text": {"type": "plain_text", "text": action_id}}],
    });
    form_encode(&payload.to_string())
}

fn form_encode(payload: &str) -> Vec<u8> {
    let mut out = String::from("payload=");
    for b in payload.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.into_bytes()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `v0=<hex HMAC-SHA256(secret, "v0:<timestamp>:<body>")>`, computed here independently of
/// alertgraph's own code.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

/// Posts `body` signed with `secret` at `timestamp`, as Slack would.
pub fn post_signed(server: &Server, secret: &str, timestamp: i64, body: &[u8]) -> Response {
    let signature = sign(secret, timestamp, body);
    let timestamp = timestamp.to_string();
    server.post(
        PATH,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Slack-Request-Timestamp", &timestamp),
            ("X-Slack-Signature", &signature),
        ],
        body,
    )
}

/// A click on `action_id` of alert `alert_id` by `user_id`, signed now.
pub fn click(server: &Server, action_id: &str, alert_id: &str, user_id: &str) -> Response {
    let body = click_body(action_id, alert_id, user_id, &user_id.to_lowercase());
    post_signed(server, SIGNING_SECRET, unix_now(), &body)
}

/// The (action id, value) of every interactive button of a posted or updated message.
pub fn controls(message: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for block in message["attachments"][0]["blocks"].as_array().unwrap() {
        for element in block["elements"].as_array().into_iter().flatten() {
            if let (Some(id), Some(value)) =
                (element["action_id"].as_str(), element["value"].as_str())
            {
                found.push((id.to_owned(), value.to_owned()));
            }
        }
    }
    found
}

/// The context lines of a message (history, who acknowledged or silenced it).
pub fn context_lines(message: &Value) -> Vec<String> {
    message["attachments"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "context")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .filter_map(|e| e["text"].as_str().map(str::to_owned))
        .collect()
}

fn ids(controls: &[(String, String)]) -> Vec<&str> {
    controls.iter().map(|(id, _)| id.as_str()).collect()
}

/// alertgraph with interactivity on (no Alertmanager), the fixture's alert posted; with the
/// id its buttons carry.
fn posted(name: &str) -> (Stack, String) {
    posted_with(name, &[])
}

/// As [`posted`], with more settings.
fn posted_with(name: &str, extra: &[(&str, &str)]) -> (Stack, String) {
    let mut env = vec![("SLACK_SIGNING_SECRET", SIGNING_SECRET)];
    env.extend_from_slice(extra);
    let stack = Stack::start(name, TOKEN, &env);
    let (slack, server) = (&stack.slack, &stack.server);
    let answer = server.post_alerts(FIRING.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    slack.wait_until(WAIT, |calls| calls.iter().any(|c| c.ok));
    server.wait_outbox_settled(WAIT);
    let post = &slack.accepted("chat.postMessage")[0];
    let buttons = controls(post);
    assert_eq!(
        ids(&buttons),
        ["acknowledge"],
        "no Alertmanager: no silences"
    );
    let alert_id = buttons[0].1.clone();
    (stack, alert_id)
}

#[test]
fn acknowledge_from_slack_shows_who_took_the_alert_on_once() {
    let (stack, alert_id) = posted("acknowledge");
    let (slack, server) = (&stack.slack, &stack.server);

    let answer = click(server, "acknowledge", &alert_id, "U0ADA");
    assert_eq!((answer.status, answer.body.as_str()), (200, "\n"));
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
    });
    server.wait_outbox_settled(WAIT);
    let updated = slack.accepted("chat.update");
    assert_eq!(updated.len(), 1);
    assert!(controls(&updated[0]).is_empty(), "{:#?}", updated[0]);
    let lines = context_lines(&updated[0]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(":eyes: Acknowledged by <@U0ADA> <!date^")),
        "{lines:?}"
    );
    assert_eq!(updated[0]["attachments"][0]["color"], "#F2303C");
    assert!(updated[0]["attachments"][0]["blocks"][0]["text"]["text"]
        .as_str()
        .unwrap()
        .contains("firing"));

    // A second person's click (a new request) changes nothing: the first one counts.
    let again = click(server, "acknowledge", &alert_id, "U0BOB");
    assert_eq!(again.status, 200, "{}", again.body);
    server.wait_outbox_settled(WAIT);
    assert_eq!(slack.accepted("chat.update").len(), 1);
    assert_eq!(
        server.scalar("SELECT count(*) FROM alerts WHERE acknowledged_by = 'U0ADA'"),
        1
    );
}

#[test]
fn forged_stale_and_replayed_clicks_are_refused_and_change_nothing() {
    let (stack, alert_id) = posted("interaction-refusals");
    let (slack, server) = (&stack.slack, &stack.server);
    let snapshot = |server: &Server| {
        (
            server.count("outbox"),
            server.count("slack_requests"),
            server.scalar("SELECT count(*) FROM alerts WHERE acknowledged_by IS NOT NULL"),
        )
    };
    let before = snapshot(server);
    let body = click_body("acknowledge", &alert_id, "U0EVE", "eve");
    let now = unix_now();
    let mut tampered = body.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    // What is wrong, the headers sent, the body, the reason expected.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, &'a [u8], &'a str);
    let cases: Vec<Case> = vec![
        (
            "unsigned",
            vec![],
            &body,
            "missing X-Slack-Request-Timestamp",
        ),
        (
            "no signature",
            vec![("X-Slack-Request-Timestamp", now.to_string())],
            &body,
            "missing X-Slack-Signature",
        ),
        (
            "wrong secret",
            vec![
                ("X-Slack-Request-Timestamp", now.to_string()),
                ("X-Slack-Signature", sign("not-the-secret", now, &body)),
            ],
            &body,
            "signature does not match",
        ),
        (
            "six minutes old",
            vec![
                ("X-Slack-Request-Timestamp", (now - 360).to_string()),
                ("X-Slack-Signature", sign(SIGNING_SECRET, now - 360, &body)),
            ],
            &body,
            "more than 5 minutes",
        ),
        (
            "six minutes ahead",
            vec![
                ("X-Slack-Request-Timestamp", (now + 360).to_string()),
                ("X-Slack-Signature", sign(SIGNING_SECRET, now + 360, &body)),
            ],
            &body,
            "more than 5 minutes",
        ),
        (
            "body changed after signing",
            vec![
                ("X-Slack-Request-Timestamp", now.to_string()),
                ("X-Slack-Signature", sign(SIGNING_SECRET, now, &body)),
            ],
            &tampered,
            "signature does not match",
        ),
    ];
    for (what, headers, body, reason) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = server.post(PATH, &headers, body);
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
        assert!(answer.body.contains(reason), "{what}: {}", answer.body);
        assert_eq!(answer.body.lines().count(), 1, "{what}");
        assert_eq!(snapshot(server), before, "{what} changed something");
    }

    // Signed, but not a click alertgraph can act on.
    let signed = |body: &[u8]| post_signed(server, SIGNING_SECRET, unix_now(), body);
    for (what, body, status, reason) in [
        ("no payload", b"token=x".to_vec(), 400, "no payload field"),
        (
            "broken JSON",
            b"payload=%7B".to_vec(),
            400,
            "unreadable payload",
        ),
        (
            "not an alert id",
            click_body("acknowledge", "abc", "U0EVE", "eve"),
            400,
            "not an alert id",
        ),
        (
            "unknown alert",
            click_body("acknowledge", "999", "U0EVE", "eve"),
            404,
            "no alert 999",
        ),
    ] {
        let answer = signed(&body);
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert!(answer.body.contains(reason), "{what}: {}", answer.body);
        assert_eq!(snapshot(server), before, "{what} changed something");
    }
    // A link button's click is reported too: answered, nothing done.
    let link = signed(&click_body("WaXA", "", "U0EVE", "eve"));
    assert_eq!(link.status, 200, "{}", link.body);
    assert_eq!(snapshot(server), before);

    // The same signed request twice: the second is a replay.
    let first = post_signed(server, SIGNING_SECRET, now, &body);
    assert_eq!(first.status, 200, "{}", first.body);
    let replay = post_signed(server, SIGNING_SECRET, now, &body);
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(replay.body.contains("replayed"), "{}", replay.body);
    let metrics = server.get("/metrics").body;
    for line in [
        r#"alertgraph_slack_actions_total{action="acknowledge",outcome="recorded"} 1"#,
        r#"alertgraph_slack_actions_total{action="acknowledge",outcome="replayed"} 1"#,
        r#"alertgraph_slack_actions_total{action="acknowledge",outcome="unknown_alert"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line} missing:\n{metrics}");
    }
    server.wait_outbox_settled(WAIT);
    assert_eq!(server.count("slack_requests"), 1);
    assert_eq!(slack.accepted("chat.update").len(), 1);
    assert!(
        !server.log().contains(SIGNING_SECRET),
        "the signing secret reached the log"
    );
}

#[test]
fn with_slack_team_id_a_click_from_another_workspace_is_refused() {
    let (stack, alert_id) =
        posted_with("interactions-team", &[("SLACK_TEAM_ID", "T0OTHER, T0E2E")]);
    let server = &stack.server;
    // A Slack Connect guest clicks in our channel: the app signs it, the user's team is theirs.
    let ours = click_body("acknowledge", &alert_id, "U0GUEST", "guest");
    let guest = String::from_utf8(ours).unwrap().replace(
        "%22team_id%22%3A%22T0E2E%22",
        "%22team_id%22%3A%22T0GUEST%22",
    );
    let answer = post_signed(server, SIGNING_SECRET, unix_now(), guest.as_bytes());
    assert_eq!(answer.status, 403, "{}", answer.body);
    assert_eq!(
        answer.body.trim_end(),
        "forbidden: the click came from Slack workspace \"T0GUEST\", which SLACK_TEAM_ID does \
         not list"
    );
    assert_eq!(server.count("slack_requests"), 0, "nothing recorded");
    assert!(server
        .get("/metrics")
        .body
        .contains(r#"alertgraph_slack_requests_refused_total{reason="foreign_team"} 1"#));

    let answer = click(server, "acknowledge", &alert_id, "U0ADA");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(server.count("slack_requests"), 1);
}

#[test]
fn without_a_signing_secret_every_click_is_refused() {
    let dir = TempDir::new("interactions-off");
    let server = Server::start(&dir.0, &[]);
    let answer = click(&server, "acknowledge", "1", "U0ADA");
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(
        answer.body.contains("no SLACK_SIGNING_SECRET"),
        "{}",
        answer.body
    );
    let wrong_method = server.get(PATH);
    assert_eq!(wrong_method.status, 405);
}
