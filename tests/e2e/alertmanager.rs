//! A real Alertmanager (Debian's `prometheus-alertmanager`) sending to the real binary,
//! which posts to a fake Slack: fire, then resolve with `send_resolved: true`.

use crate::fake_slack::{accepted_count, FakeSlack};
use crate::interactions::SIGNING_SECRET;
use crate::support::{
    ensure_installed, free_port, request, wait_until, Server, Stack, TempDir, FIRING, JSON,
};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "xoxb-am-test";
pub const WEBHOOK_TOKEN: &str = "am-webhook-secret";
const WAIT: Duration = Duration::from_secs(30);

pub struct Alertmanager {
    child: Child,
    pub addr: SocketAddr,
}

impl Alertmanager {
    /// Routes every alert to `webhook` within a second, firing and resolved.
    pub fn start(dir: &TempDir, webhook: SocketAddr) -> Alertmanager {
        let addr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        Alertmanager::start_on(dir, webhook, addr)
    }

    /// As [`Alertmanager::start`], listening on `addr` (known before alertgraph starts).
    pub fn start_on(dir: &TempDir, webhook: SocketAddr, addr: SocketAddr) -> Alertmanager {
        let binary = ensure_installed("prometheus-alertmanager", "prometheus-alertmanager");
        let config = dir.0.join("alertmanager.yml");
        std::fs::write(
            &config,
            format!(
                "route:
  receiver: alertgraph
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: alertgraph
    webhook_configs:
      - url: http://{webhook}/api/alerts
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {WEBHOOK_TOKEN}
"
            ),
        )
        .unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.0.join("am-data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting Alertmanager");
        let am = Alertmanager { child, addr };
        let started = Instant::now();
        while !std::net::TcpStream::connect(addr)
            .is_ok_and(|_| request(addr, "GET", "/-/ready", &[], b"").status == 200)
        {
            assert!(
                started.elapsed() < WAIT,
                "Alertmanager did not become ready"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        am
    }

    /// GET of an API v2 list (`silences`, `alerts`) as JSON.
    pub fn list(&self, what: &str) -> Vec<serde_json::Value> {
        let answer = request(self.addr, "GET", &format!("/api/v2/{what}"), &[], b"");
        assert_eq!(answer.status, 200, "{}", answer.body);
        serde_json::from_str(&answer.body).unwrap()
    }

    /// Sends one alert to Alertmanager's API, as Prometheus does.
    pub fn send(&self, alert: serde_json::Value) {
        let body = serde_json::to_vec(&serde_json::json!([alert])).unwrap();
        let answer = request(
            self.addr,
            "POST",
            "/api/v2/alerts",
            &[("Content-Type", "application/json")],
            &body,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Now plus `offset_secs` as RFC 3339 UTC, from date(1).
pub fn rfc3339(offset_secs: i64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("{offset_secs} seconds"),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .expect("running date");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// alertgraph taking Alertmanager's webhooks with their token, posting to a fake Slack.
fn start(name: &str) -> Stack {
    Stack::start(name, TOKEN, &[("WEBHOOK_TOKEN", WEBHOOK_TOKEN)])
}

#[test]
fn alertmanager_fire_and_resolve_reach_slack_once_each() {
    let stack = start("alertmanager");
    let (slack, server) = (&stack.slack, &stack.server);
    let am = Alertmanager::start(&stack.dir, server.addr);

    let starts_at = rfc3339(-60);
    let alert = serde_json::json!({
        "labels": {"alertname": "HighErrorRate", "service": "checkout", "severity": "page"},
        "annotations": {"summary": "High error rate on checkout"},
        "startsAt": starts_at,
        "generatorURL": "http://127.0.0.1:9/graph?g0.expr=up+%3D%3D+0",
    });
    am.send(alert.clone());
    slack.wait_until(WAIT, |calls| calls.iter().any(|c| c.ok));
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert_eq!(
        posts[0]["text"],
        "[FIRING] HighErrorRate: High error rate on checkout"
    );

    let mut resolved = alert;
    resolved["endsAt"] = rfc3339(0).into();
    am.send(resolved);
    slack.wait_until(WAIT, |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
            && accepted_count(calls, "chat.postMessage") == 2
    });
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(updates[0]["attachments"][0]["color"], "#2EC95A");
    assert_eq!(server.count("alerts"), 1);
    assert_eq!(slack.calls().iter().filter(|c| !c.ok).count(), 0);
}

#[test]
fn two_alertmanagers_sending_the_same_alert_give_one_message() {
    let stack = start("alertmanager-ha");
    let (slack, server) = (&stack.slack, &stack.server);
    let first_dir = TempDir::new("alertmanager-ha-1");
    let second_dir = TempDir::new("alertmanager-ha-2");
    let pair = [
        Alertmanager::start(&first_dir, server.addr),
        Alertmanager::start(&second_dir, server.addr),
    ];
    let alert = serde_json::json!({
        "labels": {"alertname": "InstanceDown", "instance": "db-1:9100", "severity": "ticket"},
        "startsAt": rfc3339(-30),
        "generatorURL": "http://127.0.0.1:9/graph?g0.expr=up+%3D%3D+0",
    });
    for am in &pair {
        am.send(alert.clone());
    }
    // Both webhooks arrive (Prometheus sends to every Alertmanager of an HA pair).
    let started = Instant::now();
    while !server
        .get("/metrics")
        .body
        .contains(r#"alertgraph_webhooks_received_total{outcome="accepted"} 2"#)
    {
        assert!(started.elapsed() < WAIT, "{}", server.get("/metrics").body);
        std::thread::sleep(Duration::from_millis(50));
    }
    server.wait_outbox_settled(WAIT);
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert_eq!(posts[0]["text"], "[FIRING] InstanceDown: db-1:9100 is down");
}

/// alertgraph with Slack's buttons on, and the Alertmanager it makes silences in, which
/// routes every alert to it.
fn with_buttons(name: &str) -> (Stack, Alertmanager) {
    let slack = FakeSlack::start(TOKEN);
    let am_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let am_url = format!("http://{am_addr}");
    let settings = [
        ("WEBHOOK_TOKEN", WEBHOOK_TOKEN),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET),
        ("ALERTMANAGER_URL", &am_url),
    ];
    let stack = Stack::on(slack, name, TOKEN, &settings);
    let am = Alertmanager::start_on(&stack.dir, stack.server.addr, am_addr);
    (stack, am)
}

#[test]
fn a_silence_clicked_in_slack_mutes_the_alert_in_alertmanager_until_unsilenced() {
    use crate::interactions::{click, context_lines, controls};

    let (stack, am) = with_buttons("alertmanager-silence");
    let (slack, server) = (&stack.slack, &stack.server);
    let labels = serde_json::json!({"alertname": "HighErrorRate", "service": "checkout", "severity": "page"});
    let alert = serde_json::json!({
        "labels": labels,
        "annotations": {"summary": "High error rate on checkout"},
        "startsAt": rfc3339(-60),
        "generatorURL": "http://127.0.0.1:9/graph?g0.expr=up+%3D%3D+0",
    });
    am.send(alert.clone());
    let posts = |n| {
        slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.postMessage") >= n);
        slack.accepted("chat.postMessage")
    };
    let fired = &posts(1)[0];
    let buttons = controls(fired);
    let ids: Vec<_> = buttons.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        ["acknowledge", "silence_1h", "silence_4h", "silence_24h"]
    );
    let alert_id = buttons[1].1.clone();

    let answer = click(server, "silence_1h", &alert_id, "U0ADA");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let silenced_update = |calls: &[crate::fake_slack::Call]| {
        calls.iter().any(|c| {
            c.accepted("chat.update") && c.body.to_string().contains("Silenced by <@U0ADA>")
        })
    };
    slack.wait_until(WAIT, silenced_update);
    let update = slack.accepted("chat.update").pop().unwrap();
    let ids: Vec<_> = controls(&update).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["acknowledge", "unsilence"]);
    assert!(
        context_lines(&update)
            .iter()
            .any(|l| l.starts_with(":no_bell: Silenced by <@U0ADA> until <!date^")),
        "{update:#?}"
    );

    // The silence, as Alertmanager holds it: made by the clicking user, every label exact.
    let silences = am.list("silences");
    assert_eq!(silences.len(), 1, "{silences:#?}");
    let silence = &silences[0];
    assert_eq!(silence["status"]["state"], "active");
    assert_eq!(silence["createdBy"], "u0ada");
    assert!(silence["comment"].as_str().unwrap().contains("for 1 h"));
    let mut matchers: Vec<_> = silence["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(
                (&m["isRegex"], &m["isEqual"]),
                (&false.into(), &true.into())
            );
            (m["name"].to_string(), m["value"].to_string())
        })
        .collect();
    matchers.sort();
    let mut expected: Vec<_> = labels
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (format!("{k:?}"), v.to_string()))
        .collect();
    expected.sort();
    assert_eq!(matchers, expected);
    let held = am.list("alerts");
    assert_eq!(held[0]["status"]["state"], "suppressed", "{held:#?}");
    assert_eq!(held[0]["status"]["silencedBy"][0], silence["id"]);

    // The next notification for the alert is suppressed: its resolve never arrives, while
    // another alert, sent at the same moment, does.
    let mut resolved = alert.clone();
    resolved["endsAt"] = rfc3339(0).into();
    am.send(resolved);
    am.send(serde_json::json!({
        "labels": {"alertname": "DiskFull", "instance": "db-1:9100", "severity": "ticket"},
        "startsAt": rfc3339(-10),
        "generatorURL": "http://127.0.0.1:9/graph?g0.expr=up+%3D%3D+0",
    }));
    assert_eq!(posts(2)[1]["text"], "[FIRING] DiskFull: DiskFull");
    // A few of Alertmanager's 1 s group intervals: time for a resolve that is not coming.
    std::thread::sleep(Duration::from_secs(4));
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    assert!(
        updates
            .iter()
            .all(|u| u["attachments"][0]["color"] == "#F2303C"),
        "the muted resolve reached Slack: {updates:#?}"
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM alerts WHERE status = 'firing'"),
        2
    );

    // Unsilence: the silence expires, and Alertmanager, asked about the alert it muted, no
    // longer holds it: the resolve it dropped is recorded, and the message turns green.
    let answer = click(server, "unsilence", &alert_id, "U0BOB");
    assert_eq!(answer.status, 200, "{}", answer.body);
    let started = Instant::now();
    while am.list("silences")[0]["status"]["state"] != "expired" {
        assert!(started.elapsed() < WAIT, "{:#?}", am.list("silences"));
        std::thread::sleep(Duration::from_millis(100));
    }
    slack.wait_until(WAIT, |calls| {
        calls
            .iter()
            .any(|c| c.accepted("chat.update") && c.body["attachments"][0]["color"] == "#2EC95A")
    });
    server.wait_outbox_settled(WAIT);
    let update = slack.accepted("chat.update").pop().unwrap();
    assert_eq!(update["attachments"][0]["color"], "#2EC95A");
    assert!(
        controls(&update).is_empty(),
        "a resolved alert has no buttons"
    );
    assert!(!update.to_string().contains("Silenced by"));
    assert_eq!(
        server
            .scalar("SELECT count(*) FROM alerts WHERE status = 'resolved' AND silence_id IS NULL"),
        1
    );
    let replies: Vec<_> = slack
        .accepted("chat.postMessage")
        .into_iter()
        .filter(|m| m["thread_ts"].is_string())
        .collect();
    assert_eq!(replies.len(), 1, "{replies:#?}");
    assert_eq!(slack.calls().iter().filter(|c| !c.ok).count(), 0);
}

#[test]
fn a_silence_that_runs_out_is_followed_up_with_alertmanager() {
    use crate::interactions::{click, controls};

    let (stack, am) = with_buttons("alertmanager-silence-ends");
    let (slack, server) = (&stack.slack, &stack.server);
    let alert = |name: &str| {
        serde_json::json!({
            "labels": {"alertname": name, "severity": "page"},
            "startsAt": rfc3339(-60),
            "generatorURL": "http://127.0.0.1:9/graph?g0.expr=up+%3D%3D+0",
        })
    };
    am.send(alert("GoesAway"));
    am.send(alert("StaysOn"));
    slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.postMessage") == 2);
    for post in slack.accepted("chat.postMessage") {
        let (_, alert_id) = controls(&post).swap_remove(1);
        assert_eq!(click(server, "silence_4h", &alert_id, "U0ADA").status, 200);
    }
    slack.wait_until(WAIT, |calls| accepted_count(calls, "chat.update") >= 2);
    let mut gone = alert("GoesAway");
    gone["endsAt"] = rfc3339(0).into();
    am.send(gone);
    // Four hours later, as far as alertgraph's records go: both silences have run out.
    server
        .db()
        .execute(
            "UPDATE alerts SET silenced_until = silenced_until - 5 * 3600 * 1000",
            [],
        )
        .unwrap();
    slack.wait_until(WAIT, |calls| {
        let updated = |name: &str, color: &str| {
            calls.iter().any(|c| {
                c.accepted("chat.update")
                    && c.body["text"].as_str().unwrap().contains(name)
                    && c.body["attachments"][0]["color"] == color
                    && !c.body.to_string().contains("Silenced by")
            })
        };
        updated("GoesAway", "#2EC95A") && updated("StaysOn", "#F2303C")
    });
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    let last_of = |name: &str| {
        updates
            .iter()
            .rev()
            .find(|u| u["text"].as_str().unwrap().contains(name))
            .unwrap()
            .clone()
    };
    assert_eq!(last_of("GoesAway")["attachments"][0]["color"], "#2EC95A");
    let stays = last_of("StaysOn");
    assert_eq!(stays["attachments"][0]["color"], "#F2303C");
    assert!(!stays.to_string().contains("Silenced by"), "{stays:#}");
    let ids: Vec<_> = controls(&stays).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        ids,
        ["acknowledge", "silence_1h", "silence_4h", "silence_24h"]
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM alerts WHERE silence_id IS NOT NULL"),
        0
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM alerts WHERE status = 'firing'"),
        1
    );
}

#[test]
fn silences_that_run_out_are_followed_up_without_a_slack_token() {
    // The bot token was taken away (being rotated, say): messages wait in the outbox, but the
    // silences made from Slack before still end, and a resolve one muted is still recorded.
    let dir = TempDir::new("alertmanager-silence-ends-tokenless");
    let am_addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let am_url = format!("http://{am_addr}");
    let server = Server::start(
        &dir.0,
        &[
            ("WEBHOOK_TOKEN", WEBHOOK_TOKEN),
            ("ALERTMANAGER_URL", &am_url),
            ("DRAIN_INTERVAL_SECS", "1"),
        ],
    );
    let am = Alertmanager::start_on(&dir, server.addr, am_addr);
    // Alertmanager never hears of this one: as if it resolved while its silence held.
    let mut goes_away: serde_json::Value = serde_json::from_str(FIRING).unwrap();
    goes_away["alerts"] = serde_json::json!([goes_away["alerts"][0]]);
    goes_away["alerts"][0]["fingerprint"] = "goes-away".into();
    goes_away["alerts"][0]["labels"]["alertname"] = "GoesAway".into();
    let goes_away = serde_json::to_vec(&goes_away).unwrap();
    let bearer = format!("Bearer {WEBHOOK_TOKEN}");
    let answer = server.post(
        "/api/alerts",
        &[JSON, ("Authorization", &bearer)],
        &goes_away,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    am.send(serde_json::json!({
        "labels": {"alertname": "StaysOn", "severity": "page"},
        "startsAt": rfc3339(-60),
    }));
    let alerts = || server.scalar("SELECT count(*) FROM alerts");
    assert!(wait_until(WAIT, || (alerts() == 2).then_some(())).is_some());
    server
        .db()
        .execute(
            "UPDATE alerts SET silence_id = 'ran-out', silenced_by = 'U0ADA', \
             silenced_until = CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 1000",
            [],
        )
        .unwrap();
    let silenced = || server.scalar("SELECT count(*) FROM alerts WHERE silence_id IS NOT NULL");
    let settled = wait_until(WAIT, || (silenced() == 0).then_some(()));
    assert!(settled.is_some(), "{}", server.log());
    let status = |name: &str| {
        server.scalar(&format!(
            "SELECT count(*) FROM alerts WHERE status = 'resolved' AND labels LIKE '%{name}%'"
        ))
    };
    assert_eq!(status("GoesAway"), 1, "{}", server.log());
    assert_eq!(status("StaysOn"), 0);
    assert!(server.log().contains("resolved while silenced"));
}
