//! End-to-end tests: the real `alertgraph` binary on 127.0.0.1, driven over HTTP with
//! webhooks recorded from a real Alertmanager, checked against its real SQLite file.

mod alertmanager;
mod big_charts;
mod charts;
mod compare;
mod delivery;
mod fake_slack;
mod faults;
mod history;
mod inline;
mod interactions;
mod libsql;
mod mentions;
mod numbers;
mod outbound;
mod pauses;
mod prometheus;
mod replicas;
mod retention;
mod sandbox;
mod secrets;
mod slow_clients;
mod soak;
mod spin;
mod support;
mod zoom;

use support::{Response, Server, TempDir, FIRING, JSON, RESOLVED};

#[test]
fn health_root_metrics_and_unknown_routes() {
    let dir = TempDir::new("routes");
    let server = Server::start(&dir.0, &[]);

    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));

    let root = server.get("/");
    assert_eq!(root.status, 200);
    assert!(root.body.contains("alertgraph"), "{}", root.body);

    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    assert!(
        metrics.body.contains("alertgraph_alerts_firing 0"),
        "{}",
        metrics.body
    );

    let missing = server.get("/nope");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body.lines().count(), 1, "{}", missing.body);

    let wrong_method = server.get("/api/alerts");
    assert_eq!(wrong_method.status, 405);
    assert!(wrong_method.header("allow").unwrap().contains("POST"));
}

/// alertgraph on a new storage directory `name`, once it acknowledged FIRING: the directory,
/// the server and its answer.
fn acknowledged_firing(name: &str) -> (TempDir, Server, Response) {
    let dir = TempDir::new(name);
    let server = Server::start(&dir.0, &[]);
    let answer = server.post_alerts(FIRING.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    (dir, server, answer)
}

#[test]
fn webhook_is_stored_deduplicated_and_survives_restart() {
    let (dir, server, first) = acknowledged_firing("durable");
    assert!(first.body.contains("\"new\":1"), "{}", first.body);
    assert_eq!(server.count("alerts"), 1);
    assert_eq!(server.count("outbox"), 1);

    // Alertmanager repeats the notification (with a changed summary): nothing new to send.
    let repeat = server.post_alerts(FIRING.as_bytes());
    assert_eq!(repeat.status, 200, "{}", repeat.body);
    assert!(repeat.body.contains("\"repeats\":1"), "{}", repeat.body);
    assert_eq!(server.count("outbox"), 1);

    let status = server.stop();
    assert!(status.success(), "exit status {status}");

    let server = Server::start(&dir.0, &[]);
    // The first start compiled the component; this one maps what it left in the cache.
    assert!(
        server.log().contains("loaded the compiled component"),
        "{}",
        server.log()
    );
    let (fingerprint, status): (String, String) = server
        .db()
        .query_row("SELECT fingerprint, status FROM alerts", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (fingerprint.as_str(), status.as_str()),
        ("6e890fd1d2e6636f", "firing")
    );
    let metrics = server.get("/metrics").body;
    assert!(metrics.contains("alertgraph_alerts_firing 1"), "{metrics}");

    let resolved = server.post_alerts(RESOLVED.as_bytes());
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert!(
        resolved.body.contains("\"resolved\":1"),
        "{}",
        resolved.body
    );
    assert_eq!(server.count("alerts"), 1);
    assert_eq!(server.count("outbox"), 2);
    let ends_at: Option<i64> = server
        .db()
        .query_row("SELECT ends_at FROM alerts", [], |r| r.get(0))
        .unwrap();
    assert!(ends_at.is_some());
}

#[test]
fn acknowledged_webhook_survives_kill_9() {
    let (dir, server, _) = acknowledged_firing("kill9");
    server.crash();

    let server = Server::start(&dir.0, &[]);
    assert_eq!(server.count("alerts"), 1);
    assert_eq!(server.count("outbox"), 1);
}

#[test]
fn bad_input_gets_its_4xx_and_writes_nothing() {
    let dir = TempDir::new("bad-input");
    let server = Server::start(&dir.0, &[]);
    // Let migrations run first so the tables exist for counting.
    assert_eq!(server.get("/metrics").status, 200);

    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "malformed JSON",
            b"{\"version\": \"4\", ".to_vec(),
            400,
            "invalid JSON",
        ),
        ("not an object", b"[1,2,3]".to_vec(), 400, "invalid JSON"),
        (
            "wrong version",
            FIRING
                .replace("\"version\": \"4\"", "\"version\": \"3\"")
                .into_bytes(),
            400,
            "version",
        ),
        (
            "bad status",
            FIRING
                .replacen("\"status\": \"firing\"", "\"status\": \"burning\"", 2)
                .into_bytes(),
            400,
            "status",
        ),
        (
            "bad timestamp",
            FIRING
                .replace("2026-11-25T20:47:31.731Z", "yesterday")
                .into_bytes(),
            400,
            "startsAt",
        ),
        ("over 1 MiB", oversized_webhook(), 413, ""),
        (
            "129 labels on one alert",
            over_the_limits(|alert| {
                for n in 0..126 {
                    alert["labels"][format!("extra_{n}")] = "x".into();
                }
            }),
            400,
            "alerts[1] (fingerprint \"second\"): labels: 129 entries, over the limit of 128",
        ),
        (
            "a 17 KiB annotation",
            over_the_limits(|alert| alert["annotations"]["runbook"] = "x".repeat(17 * 1024).into()),
            400,
            "alerts[1] (fingerprint \"second\"): annotations.\"runbook\": a value of 17408 bytes",
        ),
    ];
    for (what, body, status, reason) in cases {
        let answer = server.post_alerts(&body);
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert!(answer.body.contains(reason), "{what}: {}", answer.body);
        assert_eq!(
            answer.body.trim_end().lines().count(),
            1,
            "{what}: {}",
            answer.body
        );
    }
    // A Content-Length over the cap is refused before the body is read.
    let announced = server.post("/api/alerts", &[JSON, ("Content-Length", "2000000")], b"{}");
    assert_eq!(announced.status, 413);

    assert_eq!(server.count("alerts"), 0);
    assert_eq!(server.count("outbox"), 0);
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains(
            r#"alertgraph_webhooks_received_total{outcome="rejected",reason="bad_json"} 2"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"alertgraph_webhooks_received_total{outcome="rejected",reason="bad_alert"} 4"#
        ),
        "{metrics}"
    );
}

#[test]
fn webhook_token_is_required_when_set() {
    let dir = TempDir::new("auth");
    let token = "s3cret-webhook-token";
    let server = Server::start(&dir.0, &[("WEBHOOK_TOKEN", token)]);
    let bearer = format!("Bearer {token}");
    // "alertmanager:{token}" and "alertmanager:nope" in base64, as a header carries them.
    let basic = "Basic YWxlcnRtYW5hZ2VyOnMzY3JldC13ZWJob29rLXRva2Vu";
    let wrong_basic = "Basic YWxlcnRtYW5hZ2VyOm5vcGU=";

    for (what, header) in [
        ("missing", None),
        ("wrong bearer", Some("Bearer nope")),
        ("prefix of the token", Some("Bearer s3cret")),
        ("wrong basic", Some(wrong_basic)),
        ("garbage", Some("Basic %%%")),
    ] {
        let mut headers = vec![JSON];
        if let Some(h) = header {
            headers.push(("Authorization", h));
        }
        let answer = server.post("/api/alerts", &headers, FIRING.as_bytes());
        assert_eq!(answer.status, 401, "{what}: {}", answer.body);
        assert!(answer.header("www-authenticate").is_some(), "{what}");
    }
    assert_eq!(server.count("alerts"), 0);

    let ok = server.post(
        "/api/alerts",
        &[JSON, ("Authorization", &bearer)],
        FIRING.as_bytes(),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let ok = server.post(
        "/api/alerts",
        &[JSON, ("Authorization", basic)],
        RESOLVED.as_bytes(),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(server.count("alerts"), 1);

    assert!(!server.log().contains(token), "the token reached the log");
    assert!(!server.get("/metrics").body.contains(token));
    assert!(!server.log().contains("WEBHOOK_TOKEN is not set"));
}

#[test]
fn an_open_webhook_is_warned_about_at_start() {
    let dir = TempDir::new("auth-open");
    let server = Server::start(&dir.0, &[]);
    // The seed took webhooks without a token, so alertgraph does too, but says so.
    server.wait_log_line(
        "WEBHOOK_TOKEN is not set: POST /api/alerts takes webhooks from anyone",
        std::time::Duration::from_secs(10),
    );
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
}

#[test]
fn invalid_setting_stops_start_up_naming_it() {
    let dir = TempDir::new("bad-config");
    for (variable, value) in [
        ("PORT", "eighty"),
        ("PROMETHEUS_URL", "localhost:9090"),
        ("LOG_JSON", "sure"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_alertgraph"))
            .env_clear()
            .env("STORAGE_DIR", &dir.0)
            .env(variable, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{variable}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(variable), "{variable}: {stderr}");
    }
}

#[test]
fn the_shipped_placeholder_secret_stops_start_up_and_a_short_token_is_warned_about() {
    use std::io::Read;
    let dir = TempDir::new("placeholder-secret");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_alertgraph"))
        .env_clear()
        .env("LISTEN_HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("STORAGE_DIR", &dir.0)
        .env("WEBHOOK_TOKEN", "change-me")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("alertgraph started with the placeholder as its webhook token");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("WEBHOOK_TOKEN") && stderr.contains("placeholder"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(&dir.0).unwrap().count(),
        0,
        "nothing was written"
    );

    let server = Server::start(&dir.0, &[("HISTORY_TOKEN", "hist-short")]);
    server.wait_log_line(
        "HISTORY_TOKEN is shorter than 16 characters",
        std::time::Duration::from_secs(10),
    );
    assert!(
        !server.log().contains("hist-short"),
        "the token reached the log"
    );
}

#[test]
fn json_logs_when_asked() {
    let dir = TempDir::new("json-logs");
    let server = Server::start(&dir.0, &[("LOG_JSON", "true")]);
    assert_eq!(server.get("/healthz").status, 200);
    let log = server.log();
    let first = log.lines().next().unwrap();
    assert!(first.starts_with('{') && first.ends_with('}'), "{first}");
}

/// The firing fixture with a second alert, `second`, edited past a limit; the first is fine,
/// and is not written either.
fn over_the_limits(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut hook: serde_json::Value = serde_json::from_str(FIRING).unwrap();
    let mut second = hook["alerts"][0].clone();
    second["fingerprint"] = "second".into();
    edit(&mut second);
    hook["alerts"].as_array_mut().unwrap().push(second);
    serde_json::to_vec(&hook).unwrap()
}

fn oversized_webhook() -> Vec<u8> {
    let padding = "x".repeat(1024 * 1024);
    FIRING
        .replacen(
            "\"receiver\": \"app\"",
            &format!("\"receiver\": \"{padding}\""),
            1,
        )
        .into_bytes()
}
