//! The alert history: `GET /api/history` filtered and paged behind its token, and the
//! `/history` page in a real headless browser (Debian's chromium) with a screenshot check:
//! flapping alerts first, charts drawn from a real Prometheus.

use crate::alertmanager::rfc3339;
use crate::delivery::webhook_from;
use crate::prometheus::Incident;
use crate::support::{ensure_installed, run, Response, Server, Stack, TempDir, FIRING, RESOLVED};
use serde_json::Value;
use std::process::Command;
use std::time::Duration;

const TOKEN: &str = "xoxb-history";
const HISTORY_TOKEN: &str = "history-e2e-token";
const WAIT: Duration = Duration::from_secs(60);

fn get(server: &Server, path: &str) -> Response {
    let bearer = format!("Bearer {HISTORY_TOKEN}");
    crate::support::request(server.addr, "GET", path, &[("Authorization", &bearer)], b"")
}

fn alerts(server: &Server, path: &str) -> (Vec<i64>, Value) {
    let answer = get(server, path);
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    let ids = body["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    (ids, body)
}

#[test]
fn the_history_api_filters_and_pages_behind_its_token() {
    let stack = Stack::start("history-api", TOKEN, &[("HISTORY_TOKEN", HISTORY_TOKEN)]);
    let (slack, server) = (&stack.slack, &stack.server);
    let fired = webhook_from(
        FIRING,
        &[
            ("a1", &[]),
            ("a2", &[("service", "search")]),
            ("a3", &[("alertname", "DiskFull"), ("service", "db")]),
            ("a4", &[("alertname", "DiskFull"), ("service", "db2")]),
            ("a5", &[("alertname", "LatencyHigh")]),
        ],
    );
    assert_eq!(server.post_alerts(&fired).status, 200);
    let resolved = webhook_from(
        RESOLVED,
        &[("a3", &[("alertname", "DiskFull"), ("service", "db")])],
    );
    assert_eq!(server.post_alerts(&resolved).status, 200);
    server.wait_outbox_settled(WAIT);

    for (what, authorization) in [
        ("no token", None),
        ("wrong token", Some("Bearer nope")),
        (
            "the webhook's scheme, wrong",
            Some("Token history-e2e-token"),
        ),
    ] {
        let headers: Vec<(&str, &str)> = authorization
            .map(|a| ("Authorization", a))
            .into_iter()
            .collect();
        for path in ["/api/history", "/history"] {
            let answer = crate::support::request(server.addr, "GET", path, &headers, b"");
            assert_eq!(answer.status, 401, "{what} {path}: {}", answer.body);
            assert!(answer
                .header("www-authenticate")
                .unwrap()
                .starts_with("Basic"));
        }
    }

    let (ids, body) = alerts(server, "/api/history");
    assert_eq!(ids, [5, 4, 3, 2, 1], "newest first");
    assert_eq!(body["next"], Value::Null);
    let disk = &body["alerts"][2];
    assert_eq!(disk["alertname"], "DiskFull");
    assert_eq!(disk["labels"]["service"], "db");
    assert_eq!(disk["status"], "resolved");
    assert_eq!(disk["duration_ms"], 90_000);
    assert_eq!(disk["starts_at"], "2026-11-25T20:47:31.731Z");
    assert_eq!(disk["ends_at"], "2026-11-25T20:49:01.731Z");
    let states: Vec<_> = disk["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["firing", "resolved"]);
    let channel = slack.channel_id("#alerts");
    let url = disk["message"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://slack.com/archives/{channel}/p")),
        "{url}"
    );
    assert_eq!(body["alerts"][0]["status"], "firing");
    assert_eq!(body["alerts"][0]["history"]["flapping"], false);

    for (query, expected) in [
        ("alertname=DiskFull", vec![4, 3]),
        ("label=service%3Dcheckout", vec![5, 1]),
        ("label=service=checkout&alertname=LatencyHigh", vec![5]),
        ("status=resolved", vec![3]),
        ("status=firing&alertname=DiskFull", vec![4]),
        ("until=2026-11-25T00:00:00Z", vec![]),
        (
            "since=2026-11-25T00:00:00Z&until=2026-11-26T00:00:00Z",
            vec![5, 4, 3, 2, 1],
        ),
    ] {
        let (ids, _) = alerts(server, &format!("/api/history?{query}"));
        assert_eq!(ids, expected, "{query}");
    }

    // Pages of two, following `next`.
    let mut path = "/api/history?limit=2&status=".to_owned();
    let mut pages = Vec::new();
    loop {
        let (ids, body) = alerts(server, &path);
        pages.push(ids);
        match body["next"].as_str() {
            Some(next) => path = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, [vec![5, 4], vec![3, 2], vec![1]]);

    for (query, reason) in [
        (
            "status=burning",
            "status \"burning\" is neither firing nor resolved",
        ),
        ("limit=0", "limit \"0\" is not a number from 1 to 500"),
        ("since=yesterday", "not an RFC 3339 time"),
        ("order=asc", "unknown parameter \"order\""),
    ] {
        let answer = get(server, &format!("/api/history?{query}"));
        assert_eq!(answer.status, 400, "{query}: {}", answer.body);
        assert!(answer.body.starts_with("bad query: "), "{}", answer.body);
        assert!(answer.body.contains(reason), "{query}: {}", answer.body);
        assert_eq!(answer.body.lines().count(), 1);
    }
    // Browsers send Basic: any user name, the token as the password.
    // "sre:{HISTORY_TOKEN}" in base64.
    let basic = "Basic c3JlOmhpc3RvcnktZTJlLXRva2Vu";
    let page = crate::support::request(
        server.addr,
        "GET",
        "/history",
        &[("Authorization", basic)],
        b"",
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(page.body.contains("id=\"alert-3\""));
    assert!(!server.log().contains(HISTORY_TOKEN));
}

#[test]
fn without_a_history_token_the_history_is_closed() {
    let dir = TempDir::new("history-off");
    let server = Server::start(&dir.0, &[]);
    for path in ["/api/history", "/history"] {
        let answer = server.get(path);
        assert_eq!(answer.status, 401, "{}", answer.body);
        assert!(answer.body.contains("no HISTORY_TOKEN"), "{}", answer.body);
    }
}

#[test]
fn without_a_slack_token_the_history_page_previews_each_message_and_says_none_is_posted() {
    let dir = TempDir::new("history-preview");
    let server = Server::start(
        &dir.0,
        &[
            ("HISTORY_TOKEN", HISTORY_TOKEN),
            ("EXPLORER_URL", "https://grafana.example/explore"),
            ("SLACK_SIGNING_SECRET", "preview-signing-secret"),
        ],
    );
    assert_eq!(server.post_alerts(FIRING.as_bytes()).status, 200);
    let page = get(&server, "/history");
    assert_eq!(page.status, 200, "{}", page.body);
    // The fixture's alert as Slack would show it: red bar, header, fields, buttons, links.
    for shown in [
        "Nothing is being posted to Slack",
        "<div class=\"slack-attachment\" style=\"border-left-color:#F2303C\">",
        "<div class=\"slack-header\">🚨 Alert is firing</div>",
        "<b>Severity</b>",
        "<span class=\"slack-button primary\">Acknowledge</span>",
        "<a class=\"slack-button\" href=\"https://grafana.example/explore?",
    ] {
        assert!(page.body.contains(shown), "{shown:?} not in {}", page.body);
    }
}

/// `count` pixels of exactly `rgb` in an RGB(A) PNG.
fn pixels_of(png: &[u8], rgb: [u8; 3]) -> usize {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|p| p[..3] == rgb)
        .count()
}

#[test]
fn the_history_page_shows_flapping_alerts_first_with_their_charts_in_a_real_browser() {
    let chromium = ensure_installed("chromium", "chromium");
    let dir = TempDir::new("history-page");
    let incident = Incident::start(
        &dir,
        TOKEN,
        &[
            ("SLACK_CHANNEL", "#alerts"),
            ("HISTORY_TOKEN", HISTORY_TOKEN),
        ],
    );
    let server = &incident.server;
    // An alert that fired three times and resolved twice in the last hour: flapping.
    let template: Value = serde_json::from_str(&incident.webhook).unwrap();
    let starts = template["alerts"][0]["startsAt"]
        .as_str()
        .unwrap()
        .to_owned();
    for (minutes_ago, resolved_after) in [(50, Some(5)), (40, Some(5)), (30, None)] {
        let mut hook = template.clone();
        let alert = &mut hook["alerts"][0];
        alert["fingerprint"] = "flappy".into();
        alert["labels"]["alertname"] = "CheckoutFlapping".into();
        alert["annotations"]["summary"] = "Checkout errors come and go".into();
        alert["startsAt"] = rfc3339(-60 * minutes_ago).into();
        if let Some(after) = resolved_after {
            alert["status"] = "resolved".into();
            alert["endsAt"] = rfc3339(-60 * (minutes_ago - after)).into();
        }
        let body = serde_json::to_vec(&hook).unwrap();
        assert_eq!(server.post_alerts(&body).status, 200);
    }
    // The incident's alert comes last, so it is the newest.
    let answer = server.post_alerts(incident.webhook.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_ne!(starts, "");
    server.wait_outbox_settled(WAIT);
    assert!(server.count("charts") >= 4, "{}", server.log());

    let profile = dir.0.join("chromium-profile");
    let url = format!("http://sre:{HISTORY_TOKEN}@{}/history", server.addr);
    let browse = |args: &[&str]| {
        let mut cmd = Command::new(&chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            // Lets the page's images load before the DOM or the screenshot is taken.
            "--virtual-time-budget=10000",
            "--window-size=1280,3200",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(&url);
        String::from_utf8_lossy(&run(&mut cmd, "chromium").stdout).into_owned()
    };
    let dom = browse(&["--dump-dom"]);
    let order: Vec<usize> = ["CheckoutFlapping", "HighErrorRate"]
        .iter()
        .map(|name| {
            dom.find(&format!("FLAPPING</span>{name}"))
                .or_else(|| dom.find(&format!("</span>{name}</h2>")))
                .unwrap_or_else(|| panic!("{name} missing:\n{dom}"))
        })
        .collect();
    assert!(order[0] < order[1], "the flapping alert leads:\n{dom}");
    assert!(
        dom.contains("⚠ flapping: 5 state changes in the last hour"),
        "{dom}"
    );
    assert_eq!(
        dom.matches("<img").count(),
        4,
        "one chart per alert row:\n{dom}"
    );

    let shot = dir.0.join("history.png");
    browse(&[&format!("--screenshot={}", shot.display())]);
    let png = std::fs::read(&shot).unwrap();
    if let Some(keep) = std::env::var_os("ALERTGRAPH_E2E_SCREENSHOT") {
        std::fs::write(keep, &png).unwrap();
    }
    // The badges, and the charts' shaded firing spans: the images loaded and were drawn.
    assert!(
        pixels_of(&png, [0xe6, 0x51, 0x00]) > 200,
        "no FLAPPING badge"
    );
    assert!(pixels_of(&png, [0xb7, 0x1c, 0x1c]) > 200, "no FIRING badge");
    assert!(
        pixels_of(&png, [0x1b, 0x5e, 0x20]) > 200,
        "no RESOLVED badge"
    );
    assert!(
        pixels_of(&png, [0xfd, 0xe4, 0xe6]) > 20_000,
        "no chart drew its firing span"
    );
}
