//! Secrets stay secret: with every token set and debug logging, no credential, in any form it
//! is sent, shows in the log, an answer, /metrics, a Slack message or the database, even when
//! Prometheus echoes the credentials back in its error.

use crate::fake_slack::FakeSlack;
use crate::support::{wait_until, Server, TempDir, FIRING, JSON};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

const BOT_TOKEN: &str = "xoxb-secret-bot-7f3a";
const WEBHOOK_TOKEN: &str = "whk-secret-91c2";
const DRAIN_TOKEN: &str = "drn-secret-55e0";

/// A Prometheus stand-in that refuses every query with 401 and quotes the request's headers,
/// the Authorization header first.
fn echoing_prometheus() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut headers: Vec<String> = BufReader::new(&stream)
                .lines()
                .map_while(Result::ok)
                .take_while(|line| !line.is_empty())
                .collect();
            // The credentials first, so that they are inside the part of the body quoted.
            headers.sort_by_key(|h| !h.to_ascii_lowercase().starts_with("authorization:"));
            let body = format!("denied: {}", headers.join(" | "));
            let _ = write!(
                stream,
                "HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// Every text in every table of the database.
fn database_text(server: &Server) -> String {
    let db = server.db();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut text = String::new();
    for table in tables {
        let mut rows = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = rows.column_count();
        let mut rows = rows.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        text.push_str(&String::from_utf8_lossy(t));
                        text.push('\n');
                    }
                    _ => {}
                }
            }
        }
    }
    text
}

/// Runs webhooks, drains and a failing chart through alertgraph with `prometheus_auth` set,
/// and checks that none of `secrets` appears anywhere it could leak to.
fn assert_nothing_leaks(prometheus_auth: (&str, &str), secrets: &[&str]) {
    let (variable, _) = prometheus_auth;
    let slack = FakeSlack::start(BOT_TOKEN);
    // One directory per test: they run in parallel in one process.
    let dir = TempDir::new(&format!("secrets-{variable}"));
    let prometheus = format!("http://{}", echoing_prometheus());
    let server = slack.alertgraph(
        &dir,
        BOT_TOKEN,
        &[
            ("WEBHOOK_TOKEN", WEBHOOK_TOKEN),
            ("DRAIN_TOKEN", DRAIN_TOKEN),
            ("SLACK_CHANNEL", "#alerts"),
            ("PROMETHEUS_URL", prometheus.as_str()),
            prometheus_auth,
            ("RUST_LOG", "info,alertgraph=debug"),
        ],
    );
    let webhook_bearer = format!("Bearer {WEBHOOK_TOKEN}");
    let drain_bearer = format!("Bearer {DRAIN_TOKEN}");
    let answers = [
        server.post_alerts(FIRING.as_bytes()),
        server.post(
            "/api/alerts",
            &[JSON, ("Authorization", "Bearer whk-secret-91c")],
            FIRING.as_bytes(),
        ),
        server.post(
            "/api/alerts",
            &[JSON, ("Authorization", &webhook_bearer)],
            FIRING.as_bytes(),
        ),
        server.post(
            "/api/outbox/drain",
            &[("Authorization", &webhook_bearer)],
            b"",
        ),
        server.post(
            "/api/outbox/drain",
            &[("Authorization", &drain_bearer)],
            b"",
        ),
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [401, 401, 200, 401, 202]);
    let posted = wait_until(Duration::from_secs(30), || {
        let calls = slack.calls();
        calls
            .iter()
            .any(|c| c.accepted("chat.postMessage"))
            .then_some(())
    });
    assert!(posted.is_some(), "nothing posted; log:\n{}", server.log());
    server.wait_outbox_settled(Duration::from_secs(30));
    let posted = slack.accepted("chat.postMessage")[0].to_string();
    // The chart failed with Prometheus' echo, which the message quotes without the secret.
    assert!(
        posted.contains("Prometheus refused the query (HTTP 401): denied: authorization: "),
        "{posted}"
    );
    assert!(posted.contains("&lt;redacted&gt;"), "{posted}");

    let places = [
        ("the log", server.log()),
        (
            "an answer",
            answers
                .iter()
                .map(|a| a.body.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("/metrics", server.get("/metrics").body),
        (
            "a Slack message",
            slack
                .calls()
                .iter()
                .map(|c| c.body.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("the database", database_text(&server)),
    ];
    for (place, text) in &places {
        assert!(!text.is_empty(), "nothing read from {place}");
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} reached {place}:\n{text}");
        }
    }
    assert!(places[0].1.contains("DEBUG"), "debug logging was on");
}

#[test]
fn no_bearer_token_reaches_a_log_an_answer_metrics_slack_or_the_database() {
    let token = "prm-secret-0b7d";
    assert_nothing_leaks(
        ("PROMETHEUS_TOKEN", token),
        &[BOT_TOKEN, WEBHOOK_TOKEN, DRAIN_TOKEN, token],
    );
}

#[test]
fn no_basic_auth_password_reaches_a_log_an_answer_metrics_slack_or_the_database() {
    // "alice:pw-secret-c4d1" in base64, as the Authorization header carries it.
    let encoded = "YWxpY2U6cHctc2VjcmV0LWM0ZDE=";
    assert_nothing_leaks(
        ("PROMETHEUS_BASIC_AUTH", "alice:pw-secret-c4d1"),
        &[
            BOT_TOKEN,
            WEBHOOK_TOKEN,
            DRAIN_TOKEN,
            "pw-secret-c4d1",
            encoded,
        ],
    );
}
