//! A chart can never hold its alert back: an 80 MB Prometheus answer is abandoned at the cap
//! and the alert goes out without its chart at once; a query that hangs past the instance's
//! time limit kills its instance twice, then the alert goes out without its chart; other
//! alerts meanwhile are posted as usual, each once.

use crate::delivery::copied_alerts;
use crate::fake_slack::FakeSlack;
use crate::support::{Stack, FIRING};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOKEN: &str = "xoxb-big-chart-test";
/// About what a 12,000-pod cluster answers for a per-pod query over 360 steps.
const HUGE_BYTES: u64 = 80_000_000;

/// What the stand-in answered, for the closing figures.
#[derive(Default)]
pub(crate) struct Served {
    huge_requests: AtomicU64,
    huge_bytes_sent: AtomicU64,
    hung_requests: AtomicU64,
    small_requests: AtomicU64,
}

/// A Prometheus stand-in on 127.0.0.1: `query_range` of a query naming `huge_metric` gets an
/// 80 MB matrix, one naming `hung_metric` a body that never ends (a byte every 2 s), any other
/// a small matrix over the asked window.
fn start_prometheus() -> (SocketAddr, Arc<Served>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(Served::default());
    let counts = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let counts = counts.clone();
            std::thread::spawn(move || answer(stream, &counts));
        }
    });
    (addr, served)
}

fn answer(mut stream: TcpStream, served: &Served) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
    }
    let target = request_line.split(' ').nth(1).unwrap_or_default();
    let param = |name: &str| {
        target
            .split(['?', '&'])
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.split('.').next())
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (start, end) = (param("start"), param("end"));
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
    let open = r#"{"status":"success","data":{"resultType":"matrix","result":["#;
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    if target.contains("huge_metric") {
        served.huge_requests.fetch_add(1, Ordering::SeqCst);
        let mut sent = open.len() as u64;
        let _ = stream.write_all(open.as_bytes());
        let mut pod = 0;
        while sent < HUGE_BYTES {
            let series = series_json("huge_metric", &format!("pod-{pod:05}"), start, end, 360);
            let item = if pod == 0 {
                series
            } else {
                format!(",{series}")
            };
            // alertgraph hangs up at its cap: stop there, as Prometheus would.
            if stream.write_all(item.as_bytes()).is_err() {
                break;
            }
            sent += item.len() as u64;
            pod += 1;
        }
        served.huge_bytes_sent.fetch_add(sent, Ordering::SeqCst);
        let _ = stream.write_all(b"]}}");
    } else if target.contains("hung_metric") {
        served.hung_requests.fetch_add(1, Ordering::SeqCst);
        let _ = stream.write_all(open.as_bytes());
        for _ in 0..120 {
            std::thread::sleep(Duration::from_secs(2));
            if stream.write_all(b" ").is_err() {
                return;
            }
        }
    } else {
        served.small_requests.fetch_add(1, Ordering::SeqCst);
        let body = format!(
            "{open}{}]}}}}",
            series_json("small_metric", "pod-1", start, end, 60)
        );
        let _ = stream.write_all(body.as_bytes());
    }
}

/// The stand-in, and alertgraph drawing its charts from it (their links under an address
/// nobody serves), posting to a fake Slack as `token`; `extra` adds settings.
pub(crate) fn start_charting(
    name: &str,
    token: &str,
    extra: &[(&str, &str)],
) -> (Stack, Arc<Served>) {
    let (prometheus, served) = start_prometheus();
    let prometheus_url = format!("http://{prometheus}");
    let mut env = vec![
        ("PROMETHEUS_URL", prometheus_url.as_str()),
        ("BASE_URL", "http://127.0.0.1:9"),
    ];
    env.extend_from_slice(extra);
    (Stack::start(name, token, &env), served)
}

/// One matrix series of `points` samples from `start` to `end` (seconds).
fn series_json(name: &str, pod: &str, start: i64, end: i64, points: i64) -> String {
    let step = ((end - start) / points).max(1);
    let values: Vec<String> = (0..points)
        .map(|i| format!("[{},\"{}\"]", start + i * step, 1 + i % 3))
        .collect();
    format!(
        r#"{{"metric":{{"__name__":"{name}","namespace":"prod","pod":"{pod}"}},"values":[{}]}}"#,
        values.join(",")
    )
}

/// A firing webhook whose alerts plot `expr` each, by fingerprint.
pub(crate) fn webhook(alerts: &[(&str, &str)]) -> Vec<u8> {
    copied_alerts(FIRING, alerts, |alert, fingerprint, expr| {
        alert["labels"]["alertname"] = format!("Alert-{fingerprint}").into();
        alert["generatorURL"] = format!(
            "http://127.0.0.1:9/graph?g0.expr={}&g0.tab=1",
            expr.replace(' ', "+").replace('>', "%3E")
        )
        .into();
    })
}

/// The posted message of the alert named `Alert-<fingerprint>`, as JSON text.
fn posts_of(slack: &FakeSlack, fingerprint: &str) -> Vec<String> {
    let name = format!("Alert-{fingerprint}");
    slack
        .accepted("chat.postMessage")
        .iter()
        .map(Value::to_string)
        .filter(|m| m.contains(&name))
        .collect()
}

#[test]
fn a_chart_too_big_or_too_slow_to_draw_never_holds_its_alert_back() {
    // A short time limit, so the hung query's two deaths take seconds, not minutes.
    let (stack, served) = start_charting("big-charts", TOKEN, &[("REQUEST_TIMEOUT_SECS", "6")]);
    let (slack, server) = (&stack.slack, &stack.server);
    let started = Instant::now();
    let hook = webhook(&[
        ("huge", "sum by (namespace, pod) (huge_metric) > 0"),
        ("hung", "hung_metric > 0"),
        ("small", "small_metric > 0"),
    ]);
    assert_eq!(server.post_alerts(&hook).status, 200);

    let mut rss_peak_kib = 0;
    let mut huge_posted = None;
    let deadline = Duration::from_secs(90);
    while posts_of(slack, "hung").is_empty() {
        rss_peak_kib = rss_peak_kib.max(server.rss_kib());
        if huge_posted.is_none() && !posts_of(slack, "huge").is_empty() {
            huge_posted = Some(started.elapsed());
        }
        assert!(
            started.elapsed() < deadline,
            "the hung alert was not posted in {deadline:?}; log:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let hung_posted = started.elapsed();
    server.wait_outbox_settled(Duration::from_secs(30));

    let small = posts_of(slack, "small");
    let huge = posts_of(slack, "huge");
    let hung = posts_of(slack, "hung");
    assert_eq!(
        [small.len(), huge.len(), hung.len()],
        [1, 1, 1],
        "each once"
    );
    assert!(small[0].contains("/api/chart/"), "charted: {}", small[0]);
    assert!(
        huge[0].contains("no chart: unreadable Prometheus answer: answer of more than")
            && huge[0].contains("over the 8 MiB cap"),
        "{}",
        huge[0]
    );
    assert!(
        hung[0].contains("no chart: could not be drawn: the instance drawing it stopped 2 times"),
        "{}",
        hung[0]
    );
    let job = |fingerprint: &str, column: &str| {
        server.scalar(&format!(
            "SELECT o.{column} FROM outbox o JOIN alerts a ON a.id = o.alert_id
             WHERE a.fingerprint = '{fingerprint}' AND o.kind = 'alert-fired'"
        ))
    };
    assert_eq!(
        job("huge", "deaths"),
        0,
        "abandoned at the cap: its instance lived"
    );
    assert_eq!(
        job("huge", "attempts - deferrals"),
        1,
        "posted on its first attempt"
    );
    assert_eq!(job("hung", "deaths"), 2, "two instances died drawing it");
    // Claims given back unstarted (a drain out of its budget) are not attempts.
    assert_eq!(
        job("hung", "attempts - deferrals"),
        3,
        "claimed no more than the bound"
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE kind = 'chart-redraw'"),
        0,
        "no redraw is queued for a chart that cannot be drawn"
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE state <> 'done'"),
        0
    );
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("alertgraph_outbox_attempts_lost_total 2\n"),
        "{metrics}"
    );
    server.wait_log_line("stopped before settling it (2 of 3 such stops)", deadline);
    let huge_bytes = served.huge_bytes_sent.load(Ordering::SeqCst);
    assert!(
        huge_bytes < HUGE_BYTES,
        "alertgraph hung up before the end of the 80 MB answer ({huge_bytes} bytes sent)"
    );
    eprintln!(
        "big charts: huge alert posted after {:?} (Prometheus wrote {} of {HUGE_BYTES} bytes \
         before alertgraph hung up, {} request(s)); hung alert posted after {hung_posted:?} \
         ({} requests); small alert posts: {}; host RSS peak {} MiB",
        huge_posted.unwrap_or(hung_posted),
        huge_bytes,
        served.huge_requests.load(Ordering::SeqCst),
        served.hung_requests.load(Ordering::SeqCst),
        small.len(),
        rss_peak_kib / 1024,
    );
}
