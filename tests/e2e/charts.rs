//! Charts through the real binary: drawn from a real Prometheus, served by token or uploaded
//! into the thread, redrawn on resolve; without Prometheus the message still goes out.

use crate::alertmanager::{Alertmanager, WEBHOOK_TOKEN};
use crate::fake_slack::FakeSlack;
use crate::prometheus::{
    past_incident, unix_now, Exporter, History, Incident, Options, Prometheus, ERROR_RATIO,
};
use crate::support::{free_port, wait_until, Server, Stack, TempDir};
use std::time::Duration;

const TOKEN: &str = "xoxb-chart-test";
const WAIT: Duration = Duration::from_secs(30);
/// Where chart links point when the test fetches charts from alertgraph itself.
const BASE_URL: &str = "http://127.0.0.1:9";

/// The first context block's text of a posted message (where "no chart: …" goes).
fn context_text(post: &serde_json::Value) -> String {
    post["attachments"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "context")
        .map(|b| b["elements"][0]["text"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn a_chart_missed_while_prometheus_was_down_is_added_when_it_returns() {
    let (history, webhook) = past_incident();
    let slack = FakeSlack::start(TOKEN);
    let down = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let prometheus_url = format!("http://{down}");
    let settings = [
        ("PROMETHEUS_URL", prometheus_url.as_str()),
        ("BASE_URL", BASE_URL),
    ];
    let stack = Stack::on(slack, "chart-redraw", TOKEN, &settings);
    let (slack, server) = (&stack.slack, &stack.server);
    assert_eq!(server.post_alerts(webhook.as_bytes()).status, 200);
    slack.wait_until(WAIT, |calls| calls.iter().any(|c| c.ok));
    // The message goes out without its chart, saying why.
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    let context = context_text(&posts[0]);
    assert!(
        context.starts_with("no chart: Prometheus unreachable"),
        "{context}"
    );
    assert!(!posts[0].to_string().contains("\"image\""));
    assert_eq!(server.count("charts"), 0);
    // The redraw finds Prometheus still down and keeps trying.
    let waited = wait_until(Duration::from_secs(60), || {
        let tried = server.scalar(
            "SELECT count(*) FROM outbox WHERE kind = 'chart-redraw' AND state = 'pending'
             AND last_error LIKE 'chart: Prometheus unreachable%'",
        );
        (tried == 1).then_some(())
    });
    assert!(waited.is_some(), "no failed redraw:\n{}", server.log());
    assert!(slack.accepted("chat.update").is_empty());

    let _prometheus = Prometheus::start_at(
        down,
        &stack.dir,
        Some(&history.openmetrics()),
        Options::default(),
    );
    let calls = slack.wait_until(Duration::from_secs(90), |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
    });
    let updates: Vec<_> = calls.iter().filter(|c| c.accepted("chat.update")).collect();
    assert_eq!(updates.len(), 1);
    let updated = &updates[0].body;
    assert!(
        updated["text"].as_str().unwrap().starts_with("[FIRING]"),
        "{updated}"
    );
    assert!(
        !updated.to_string().contains("no chart"),
        "the reason is gone: {updated}"
    );
    let png = chart_of(server, BASE_URL, updated);
    assert!(pixels_where(&png, threshold_red) > 300);
    server.wait_outbox_settled(WAIT);
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        1,
        "no second message"
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE kind = 'chart-redraw' AND state = 'done'"),
        1
    );
}

#[test]
fn chart_paths_without_a_stored_token_are_not_found() {
    let dir = TempDir::new("chart-tokens");
    let server = Server::start(&dir.0, &[]);
    for path in [
        "/api/chart/0123456789abcdef0123456789abcdef.png",
        "/api/chart/1.png",
        "/api/chart/../alertgraph.db",
        "/api/chart/",
    ] {
        let got = server.get(path);
        assert_eq!(got.status, 404, "{path}");
        assert_eq!(got.body, "no such chart\n", "{path}");
    }
    let post = server.post("/api/chart/1.png", &[], b"");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

/// How many pixels of `png` (a 1180×400 chart) `look` says yes to. Lines are anti-aliased, so
/// the tests ask for a hue, not an exact colour.
pub fn pixels_where(png: &[u8], look: fn([u8; 3]) -> bool) -> usize {
    let mut decoder = png::Decoder::new(png);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG pixels");
    assert_eq!((info.width, info.height), (1180, 400));
    let channels = info.line_size / info.width as usize;
    buf[..info.buffer_size()]
        .chunks(channels)
        .filter(|px| look([px[0], px[1], px[2]]))
        .count()
}

/// The threshold's red (#F2303C) at half coverage or more: not the light firing shade, nor
/// the palette's orange (whose blue channel is far below its green).
pub fn threshold_red([r, g, b]: [u8; 3]) -> bool {
    r >= 200 && g <= 150 && b + 10 >= g && b <= g + 25
}

/// The resolved marker's green (#2EC95A) at half coverage or more, not the palette's green
/// (#2CA02C, whose blue equals its red).
fn resolved_green([r, g, b]: [u8; 3]) -> bool {
    g >= 190 && r <= 150 && b >= r + 15 && b <= 180
}

/// The chart a message shows: its image block's URL (under `base`, the `BASE_URL`) fetched
/// from alertgraph.
fn chart_of(server: &Server, base: &str, message: &serde_json::Value) -> Vec<u8> {
    let blocks = message["attachments"][0]["blocks"].as_array().unwrap();
    let image = blocks
        .iter()
        .find(|b| b["type"] == "image")
        .unwrap_or_else(|| panic!("no image block: {message:#}"));
    let url = image["image_url"].as_str().unwrap();
    let path = url
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("{url} is not under BASE_URL"));
    let got = server.get(path);
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert!(got.bytes.len() <= 100 * 1024, "{} bytes", got.bytes.len());
    got.bytes
}

/// With `ALERTGRAPH_KEEP_CHARTS=<dir>`, the charts a test saw are written there (the README's
/// example image comes from such a run).
fn keep(name: &str, png: &[u8]) {
    if let Some(dir) = std::env::var_os("ALERTGRAPH_KEEP_CHARTS") {
        std::fs::write(std::path::Path::new(&dir).join(name), png).unwrap();
    }
}

#[test]
fn a_real_alert_from_a_real_prometheus_posts_its_chart_and_redraws_it_on_resolve() {
    let now = unix_now();
    // Quiet hours; the incident is the live one below.
    let history = History::http_requests(now - 6 * 3600, now - 60, 15, 0..0);
    let exporter = Exporter::start();
    exporter.resume(&history);
    let slack = FakeSlack::start(TOKEN);
    let dir = TempDir::new("chart-chain");
    // alertgraph's address is needed before it starts: Alertmanager posts there, and the
    // chart links (BASE_URL) point there.
    let port = free_port();
    let alertgraph = format!("127.0.0.1:{port}").parse().unwrap();
    let alertmanager = Alertmanager::start(&dir, alertgraph);
    let prometheus = Prometheus::start_alerting(&dir, &history, &exporter, alertmanager.addr);
    let (port, base, prometheus_url) = (
        port.to_string(),
        format!("http://{alertgraph}"),
        prometheus.url(),
    );
    let server = slack.alertgraph(
        &dir,
        TOKEN,
        &[
            ("PORT", port.as_str()),
            ("SLACK_CHANNEL", "#alerts"),
            ("WEBHOOK_TOKEN", WEBHOOK_TOKEN),
            ("BASE_URL", base.as_str()),
            ("PROMETHEUS_URL", prometheus_url.as_str()),
            // A short window, so the minute or two the alert fires is wide on the chart.
            ("CHART_WINDOW_BEFORE_MINUTES", "30"),
        ],
    );

    // About half of checkout's requests fail from now on: HighErrorRate fires for it.
    exporter.counter(
        r#"http_requests_total{service="checkout",code="500"}"#,
        40.0,
    );
    slack.wait_until(Duration::from_secs(90), |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(
        posts[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("[FIRING] HighErrorRate: High error rate on checkout"),
        "{}",
        posts[0]["text"]
    );
    // The unfiltered expression is plotted: both services, not only the one over 5 %.
    let drew = server.wait_log_line("drew the chart of alert", WAIT);
    assert!(
        drew.contains(&format!("2 series of {ERROR_RATIO} (")),
        "{drew}"
    );
    let firing = chart_of(&server, &base, &posts[0]);
    keep("chart-firing.png", &firing);
    assert!(
        pixels_where(&firing, threshold_red) > 300,
        "no threshold line"
    );
    assert!(
        pixels_where(&firing, resolved_green) < 20,
        "a resolved marker"
    );

    // Errors stop; once the 1-minute rate is under 5 % again the alert resolves.
    exporter.counter(r#"http_requests_total{service="checkout",code="500"}"#, 0.0);
    slack.wait_until(Duration::from_secs(150), |calls| {
        calls.iter().any(|c| c.accepted("chat.update"))
    });
    server.wait_outbox_settled(WAIT);
    let updates = slack.accepted("chat.update");
    assert_eq!(updates.len(), 1, "{updates:#?}");
    assert_eq!(updates[0]["attachments"][0]["color"], "#2EC95A");
    let resolved = chart_of(&server, &base, &updates[0]);
    keep("chart-resolved.png", &resolved);
    assert_ne!(resolved, firing, "the chart was not redrawn");
    assert!(
        pixels_where(&resolved, resolved_green) > 100,
        "no resolved marker"
    );
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "one thread reply"
    );
    assert_eq!(server.count("charts"), 2);
}

/// Waits for the one message of [`past_incident`](crate::prometheus::past_incident) and its chart uploaded into its thread in
/// `channel`; returns the thread's ts.
pub fn wait_uploaded_chart(slack: &FakeSlack, channel: &str) -> String {
    slack.wait_until(WAIT, |calls| {
        calls
            .iter()
            .any(|c| c.accepted("files.completeUploadExternal"))
    });
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(!posts[0].to_string().contains("\"image\""));
    let files = slack.files();
    assert_eq!(files.len(), 1, "{files:#?}");
    let thread = &files[0];
    assert_eq!(thread.channel, slack.channel_id(channel));
    assert!(
        thread.title.starts_with("HighErrorRate"),
        "{}",
        thread.title
    );
    assert!(pixels_where(&thread.bytes, threshold_red) > 300);
    thread.thread_ts.clone()
}

#[test]
fn in_upload_mode_the_chart_is_uploaded_into_the_thread() {
    let dir = TempDir::new("chart-upload");
    // Bound whole: a field left out of a pattern would be dropped, Prometheus with it.
    let env = [("SLACK_CHANNEL", "#alerts"), ("CHART_DELIVERY", "upload")];
    let mut incident = Incident::start(&dir, TOKEN, &env);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    assert_eq!(server.post_alerts(webhook.as_bytes()).status, 200);
    let thread_ts = wait_uploaded_chart(slack, "#alerts");
    // The message the file went to is the alert's own.
    let recorded: String = server
        .db()
        .query_row("SELECT ts FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(thread_ts, recorded);

    // A deploy mid-incident, then Alertmanager repeats the alert: nothing goes out again.
    incident.restart(&dir, TOKEN, &env);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    let repeat = server.post_alerts(webhook.as_bytes());
    assert_eq!(repeat.status, 200, "{}", repeat.body);
    server.wait_outbox_settled(WAIT);
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);
    assert_eq!(slack.files().len(), 1);
}
