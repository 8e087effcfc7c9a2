//! The components reach only the configured origins: the host denies the rest before any
//! connection (as Spin's `allowed_outbound_hosts` does), and an alert's generatorURL is read
//! for its expression, never called.

use crate::charts::wait_uploaded_chart;
use crate::fake_slack::FakeSlack;
use crate::prometheus::{past_incident, Incident, Options, Prometheus};
use crate::sandbox::{capture_logs, logged, serve_with};
use crate::support::{request, TempDir, JSON};
use alertgraph::config::Config;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "xoxb-outbound-test";

/// A port on 127.0.0.1 that counts the connections made to it and answers none.
struct Trap {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Trap {
    fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Trap { addr, connections }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The webhook of [`past_incident`] with its generatorURL moved to `host`.
fn generated_at(webhook: &str, host: SocketAddr) -> String {
    let moved = webhook.replace(
        "\"generatorURL\": \"http://127.0.0.1:41485/",
        &format!("\"generatorURL\": \"http://{host}/"),
    );
    assert_ne!(moved, webhook, "the fixture's generatorURL moved");
    moved
}

#[test]
fn a_generator_url_is_read_never_called() {
    let trap = Trap::start();
    let dir = TempDir::new("generator-url");
    // Bound whole: a field left out of a pattern would be dropped, Prometheus with it.
    let env = [("SLACK_CHANNEL", "#alerts"), ("CHART_DELIVERY", "upload")];
    let incident = Incident::start(&dir, TOKEN, &env);
    let (webhook, slack, server) = (&incident.webhook, &incident.slack, &incident.server);
    let webhook = generated_at(webhook, trap.addr);
    let answer = server.post_alerts(webhook.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    // The chart of the expression in the URL came from PROMETHEUS_URL…
    wait_uploaded_chart(slack, "#alerts");
    // …and the URL's own host saw nothing.
    assert_eq!(trap.connections(), 0);
}

#[test]
fn an_origin_outside_the_allow_list_is_denied_before_any_connection() {
    capture_logs();
    let (history, webhook) = past_incident();
    let renderer = Trap::start();
    let dir = TempDir::new("denied-origin");
    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());
    let slack = FakeSlack::start(TOKEN);
    let (storage, api_url) = (dir.0.to_string_lossy().into_owned(), slack.api_url());
    let (prometheus_url, renderer_url) = (prometheus.url(), format!("http://{}", renderer.addr));
    let mut config = Config::from_lookup(|name| match name {
        "STORAGE_DIR" => Some(storage.clone()),
        "SLACK_API_URL" => Some(api_url.clone()),
        "SLACK_BOT_TOKEN" => Some(TOKEN.into()),
        "SLACK_CHANNEL" => Some("#alerts".into()),
        "PROMETHEUS_URL" => Some(prometheus_url.clone()),
        "RENDERER_URL" => Some(renderer_url.clone()),
        _ => None,
    })
    .unwrap();
    // The renderer's origin is configured but taken off the allow-list: the SpinKube
    // component's sidecar client must be refused by the host, not by the sidecar.
    let origin = renderer_url.clone();
    let before = config.allowed_outbound.len();
    config.allowed_outbound.retain(|o| *o != origin);
    assert_eq!(
        config.allowed_outbound.len(),
        before - 1,
        "{origin} was allowed"
    );
    let denied_before = logged(&format!(
        "outbound request denied: origin not allowed origin={origin}"
    ));

    let addr = serve_with(crate::spin::spinkube_component(), config);
    let answer = request(addr, "POST", "/api/alerts", &[JSON], webhook.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    slack.wait_until(Duration::from_secs(30), |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    let post = slack.accepted("chat.postMessage")[0].to_string();
    // The guest sees its request body's stream closed; the host's log names the denial.
    assert!(
        post.contains("no chart: renderer failed: renderer unreachable"),
        "{post}"
    );
    assert!(
        logged(&format!(
            "outbound request denied: origin not allowed origin={origin}"
        )) > denied_before,
        "no denial logged for {origin}"
    );
    assert_eq!(renderer.connections(), 0);
}
