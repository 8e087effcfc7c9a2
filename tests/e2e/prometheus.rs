//! A real Prometheus (Debian's `prometheus`) on 127.0.0.1 for the chart tests: hours of
//! synthetic history backfilled with `promtool`, live samples scraped every second from an
//! in-test exporter that continues that history, and alert rules evaluated every second and
//! sent to an Alertmanager.

use crate::alertmanager::rfc3339;
use crate::fake_slack::FakeSlack;
use crate::support::{
    ensure_installed, free_port, request, run, wait_until, Server, TempDir, FIRING,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ops::Range;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// One literal for both constants below: concat! takes literals, not consts.
macro_rules! error_ratio {
    () => {
        r#"sum by (service) (rate(http_requests_total{code="500"}[1m])) / sum by (service) (rate(http_requests_total[1m]))"#
    };
}

/// Per service, the share of requests that fail (over 1 minute): what `HighErrorRate` watches.
pub const ERROR_RATIO: &str = error_ratio!();

/// A rule file with one alert, `HighErrorRate` (severity `page`), firing while a service's
/// `ERROR_RATIO` is over 5 %; its summary reads like the README's example message.
pub const HIGH_ERROR_RATE_RULES: &str = concat!(
    "groups:
  - name: alertgraph-e2e
    rules:
      - alert: HighErrorRate
        expr: '",
    error_ratio!(),
    " > 0.05'
        labels:
          severity: page
        annotations:
          summary: 'High error rate on {{ $labels.service }}: {{ $value | humanizePercentage }} of requests fail'
"
);

/// The `job` and `instance` Prometheus gives the exporter's samples; History puts them on
/// every backfilled series so live samples continue the same series.
const JOB: &str = "app";
const INSTANCE: &str = "exporter";

/// Seconds since the Unix epoch: the time base of History, Exporter and the queries.
pub fn unix_now() -> i64 {
    now_f64() as i64
}

fn now_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Synthetic samples every `step_s` seconds from `start_s` through `end_s` (Unix seconds), as
/// OpenMetrics for `promtool tsdb create-blocks-from openmetrics`. Series are written like
/// `http_requests_total{code="500"}`; each also gets `job="app",instance="exporter"`.
pub struct History {
    start_s: i64,
    end_s: i64,
    step_s: i64,
    families: Vec<Family>,
}

struct Family {
    /// The OpenMetrics family name: a counter's is its series name without `_total`.
    name: String,
    kind: &'static str,
    series: Vec<Series>,
}

struct Series {
    /// As the caller wrote it, without the target labels.
    key: String,
    samples: Vec<(i64, f64)>,
    /// A counter's growth per second in its last step, which the Exporter continues.
    last_rate: Option<f64>,
}

impl History {
    /// No series yet; add them with `counter` and `gauge`.
    pub fn new(start_s: i64, end_s: i64, step_s: i64) -> History {
        assert!(step_s > 0 && start_s <= end_s, "bad history range");
        History {
            start_s,
            end_s,
            step_s,
            families: Vec::new(),
        }
    }

    /// Requests of two services, every `step_s` seconds: `checkout` fails about 1 % of the
    /// time except during `incident`, when its error ratio rises from 10 % to 30 % and falls
    /// back (so `ERROR_RATIO > 0.05` holds there, give or take the 1-minute rate window), and
    /// `search` fails 1–3 % throughout. Series: `http_requests_total{service="…",code="200"}`
    /// and `…code="500"}` (counters), `inflight_requests{service="…"}` (gauge).
    pub fn http_requests(start_s: i64, end_s: i64, step_s: i64, incident: Range<i64>) -> History {
        let (from, to) = (incident.start, incident.end);
        let checkout = move |t: i64| 40.0 + 10.0 * wave(t, 7200);
        let checkout_errors = move |t: i64| {
            if (from..to).contains(&t) {
                let progress = (t - from) as f64 / (to - from) as f64;
                0.10 + 0.20 * (std::f64::consts::PI * progress).sin()
            } else {
                0.01 + 0.004 * wave(t, 1800)
            }
        };
        let search = |t: i64| 120.0 + 30.0 * wave(t + 1000, 10800);
        let search_errors = |t: i64| 0.02 + 0.01 * wave(t, 2400);
        History::new(start_s, end_s, step_s)
            .service("checkout", checkout, checkout_errors)
            .service("search", search, search_errors)
    }

    /// `service`'s `http_requests_total` with code 200 and 500 (counters) at `requests(t)`
    /// per second, `errors(t)` of them failing, and its `inflight_requests` (gauge).
    fn service(
        self,
        service: &str,
        requests: impl Fn(i64) -> f64 + Copy,
        errors: impl Fn(i64) -> f64 + Copy,
    ) -> History {
        self.counter(
            &format!(r#"http_requests_total{{service="{service}",code="200"}}"#),
            move |t| requests(t) * (1.0 - errors(t)),
        )
        .counter(
            &format!(r#"http_requests_total{{service="{service}",code="500"}}"#),
            move |t| requests(t) * errors(t),
        )
        // About 50 ms per request in flight.
        .gauge(
            &format!(r#"inflight_requests{{service="{service}"}}"#),
            move |t| 0.05 * requests(t),
        )
    }

    /// Adds counter `series` (its name ends in `_total`): 0 at the start, then growing by
    /// `per_second(t)` over each step that ends at `t`.
    pub fn counter(self, series: &str, per_second: impl Fn(i64) -> f64) -> History {
        let family = metric_name(series)
            .strip_suffix("_total")
            .unwrap_or_else(|| panic!("a counter's name ends in _total: {series}"))
            .to_string();
        let mut value = 0.0;
        let mut rate = per_second(self.start_s);
        let samples = self
            .times()
            .map(|t| {
                if t > self.start_s {
                    rate = per_second(t);
                    value += rate * self.step_s as f64;
                }
                (t, value)
            })
            .collect();
        self.add(family, "counter", series, samples, Some(rate))
    }

    /// Adds gauge `series`, reading `value(t)` at each step.
    pub fn gauge(self, series: &str, value: impl Fn(i64) -> f64) -> History {
        let samples = self.times().map(|t| (t, value(t))).collect();
        self.add(
            metric_name(series).to_string(),
            "gauge",
            series,
            samples,
            None,
        )
    }

    /// The OpenMetrics text: each family's `# TYPE` line, then its series one after another,
    /// each in time order (promtool silently drops a sample older than the one before it).
    pub fn openmetrics(&self) -> String {
        let mut out = String::new();
        for family in &self.families {
            writeln!(out, "# TYPE {} {}", family.name, family.kind).unwrap();
            for series in &family.series {
                let labelled = with_target_labels(&series.key);
                for (t, v) in &series.samples {
                    writeln!(out, "{labelled} {v} {t}").unwrap();
                }
            }
        }
        // promtool refuses input without it.
        out.push_str("# EOF\n");
        out
    }

    fn times(&self) -> impl Iterator<Item = i64> {
        (self.start_s..=self.end_s).step_by(self.step_s as usize)
    }

    fn add(
        mut self,
        family: String,
        kind: &'static str,
        key: &str,
        samples: Vec<(i64, f64)>,
        last_rate: Option<f64>,
    ) -> History {
        let series = Series {
            key: key.to_string(),
            samples,
            last_rate,
        };
        match self.families.iter_mut().find(|f| f.name == family) {
            Some(found) => {
                assert_eq!(found.kind, kind, "{key} changes the type of {family}");
                assert!(found.series.iter().all(|s| s.key != key), "{key} twice");
                found.series.push(series);
            }
            None => self.families.push(Family {
                name: family,
                kind,
                series: vec![series],
            }),
        }
        self
    }
}

/// `sin` of `t` over a period of `period_s` seconds, so the charts are not flat lines.
fn wave(t: i64, period_s: i64) -> f64 {
    (std::f64::consts::TAU * (t % period_s) as f64 / period_s as f64).sin()
}

fn metric_name(series: &str) -> &str {
    series.split('{').next().unwrap()
}

fn with_target_labels(series: &str) -> String {
    let target = format!(r#"job="{JOB}",instance="{INSTANCE}""#);
    match series.strip_suffix('}') {
        Some(open) if open.ends_with('{') => format!("{open}{target}}}"),
        Some(labels) => format!("{labels},{target}}}"),
        None => format!("{series}{{{target}}}"),
    }
}

/// A `/metrics` endpoint on 127.0.0.1 for Prometheus to scrape, with series the test changes
/// while it runs; counters grow with time at the rate the test sets. Stops when dropped.
pub struct Exporter {
    addr: SocketAddr,
    series: Arc<Mutex<BTreeMap<String, Live>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Clone, Copy)]
enum Live {
    /// `value` at Unix time `since` (seconds), growing by `per_second`.
    Counter {
        value: f64,
        since: f64,
        per_second: f64,
    },
    Gauge(f64),
}

impl Live {
    fn value(self, now: f64) -> f64 {
        match self {
            Live::Counter {
                value,
                since,
                per_second,
            } => value + per_second * (now - since).max(0.0),
            Live::Gauge(value) => value,
        }
    }
}

impl Exporter {
    /// Listens on a free port of 127.0.0.1, with no series yet.
    pub fn start() -> Exporter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let series = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (series, stop) = (series.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        answer_scrape(stream, &series);
                    }
                }
            })
        };
        Exporter {
            addr,
            series,
            stop,
            thread: Some(thread),
        }
    }

    /// Where it listens: `Options::scrape`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves every series of `history` from where it ends: gauges at their last value,
    /// counters growing on from their last value at their last rate (no counter reset).
    pub fn resume(&self, history: &History) {
        let mut series = self.series.lock().unwrap();
        for one in history.families.iter().flat_map(|f| &f.series) {
            let &(t, value) = one.samples.last().unwrap();
            let live = match one.last_rate {
                Some(per_second) => Live::Counter {
                    value,
                    since: t as f64,
                    per_second,
                },
                None => Live::Gauge(value),
            };
            series.insert(one.key.clone(), live);
        }
    }

    /// Counter `series` grows by `per_second` from now on, from its current value (0 if new).
    pub fn counter(&self, series: &str, per_second: f64) {
        assert!(metric_name(series).ends_with("_total"), "{series}");
        let now = now_f64();
        let mut all = self.series.lock().unwrap();
        let value = all.get(series).map_or(0.0, |live| live.value(now));
        all.insert(
            series.to_string(),
            Live::Counter {
                value,
                since: now,
                per_second,
            },
        );
    }

    /// Gauge `series` reads `value` from now on.
    pub fn gauge(&self, series: &str, value: f64) {
        let mut all = self.series.lock().unwrap();
        all.insert(series.to_string(), Live::Gauge(value));
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer_scrape(mut stream: TcpStream, series: &Mutex<BTreeMap<String, Live>>) {
    let Some((head, _)) = read_request(&mut stream) else {
        return;
    };
    let (status, body) = if head.split(' ').nth(1) == Some("/metrics") {
        ("200 OK", exposition(&series.lock().unwrap(), now_f64()))
    } else {
        ("404 Not Found", String::new())
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The Prometheus text format, one family after another.
fn exposition(series: &BTreeMap<String, Live>, now: f64) -> String {
    let mut families: BTreeMap<&str, Vec<(&str, Live)>> = BTreeMap::new();
    for (key, live) in series {
        families
            .entry(metric_name(key))
            .or_default()
            .push((key, *live));
    }
    let mut out = String::new();
    for (name, members) in families {
        let kind = match members[0].1 {
            Live::Counter { .. } => "counter",
            Live::Gauge(_) => "gauge",
        };
        writeln!(out, "# TYPE {name} {kind}").unwrap();
        for (key, live) in members {
            writeln!(out, "{key} {}", live.value(now)).unwrap();
        }
    }
    out
}

/// One HTTP/1.1 request: its head (request line and headers) and its body.
fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut raw = Vec::new();
    let mut buf = [0; 4096];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = raw.split_off(head_end + 4);
    while body.len() < length {
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        body.extend_from_slice(&buf[..n]);
    }
    Some((head, body))
}

/// A history with an incident two to one hours ago, and the recorded webhook's alert (same
/// expression) moved to it.
pub fn past_incident() -> (History, String) {
    let now = unix_now();
    let incident = now - 2 * 3600..now - 3600;
    let history = History::http_requests(now - 6 * 3600, now - 60, 15, incident.clone());
    let starts_at = rfc3339(incident.start - now);
    let webhook = FIRING.replace("2026-11-25T20:47:31.731Z", &starts_at);
    assert_ne!(webhook, FIRING, "the fixture's startsAt moved");
    (history, webhook)
}

/// [`past_incident`] served: a real Prometheus with its history, a fake Slack, and
/// alertgraph between them posting as `token` with `env` (`PROMETHEUS_URL` is set here).
pub struct Incident {
    pub webhook: String,
    /// Answers the chart queries while the incident lives.
    prometheus: Prometheus,
    pub slack: FakeSlack,
    pub server: Server,
}

impl Incident {
    pub fn start(dir: &TempDir, token: &str, env: &[(&str, &str)]) -> Incident {
        let (history, webhook) = past_incident();
        Incident::start_on(&history, webhook, dir, token, env)
    }

    /// [`Incident::start`] with `history` in Prometheus (holding [`past_incident`]'s
    /// incident) and `webhook`, e.g. with more of the past.
    pub fn start_on(
        history: &History,
        webhook: String,
        dir: &TempDir,
        token: &str,
        env: &[(&str, &str)],
    ) -> Incident {
        let prometheus = Prometheus::start(dir, Some(&history.openmetrics()), Options::default());
        let slack = FakeSlack::start(token);
        let prometheus_url = prometheus.url();
        let mut env = env.to_vec();
        env.push(("PROMETHEUS_URL", prometheus_url.as_str()));
        let server = slack.alertgraph(dir, token, &env);
        Incident {
            webhook,
            prometheus,
            slack,
            server,
        }
    }

    /// The Prometheus answering the chart queries.
    pub fn prometheus(&self) -> &Prometheus {
        &self.prometheus
    }

    /// Stops alertgraph and starts it again on the same storage, as after a deploy: the
    /// compiled component comes from its cache.
    pub fn restart(&mut self, dir: &TempDir, token: &str, env: &[(&str, &str)]) {
        let prometheus_url = self.prometheus.url();
        let mut env = env.to_vec();
        env.push(("PROMETHEUS_URL", prometheus_url.as_str()));
        let next = self.slack.alertgraph(dir, token, &env);
        std::mem::replace(&mut self.server, next).stop();
    }
}

/// What Prometheus does besides answering queries on its storage; nothing by default.
#[derive(Clone, Copy, Default)]
pub struct Options<'a> {
    /// Scrape this exporter every second, as `job="app",instance="exporter"`; the first
    /// scrape comes within about 5 s (Prometheus applies new targets at most that often).
    pub scrape: Option<SocketAddr>,
    /// A rule file (YAML with `groups:`, e.g. `HIGH_ERROR_RATE_RULES`), evaluated every second.
    pub rules: Option<&'a str>,
    /// Send alerts to the Alertmanager listening here.
    pub alertmanager: Option<SocketAddr>,
}

/// A running Prometheus on 127.0.0.1, its storage, configuration and log in a TempDir;
/// killed when dropped.
pub struct Prometheus {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Prometheus {
    /// Backfills `history` (OpenMetrics, e.g. `History::openmetrics`) when given, starts
    /// Prometheus on it and waits until it is ready.
    pub fn start(dir: &TempDir, history: Option<&str>, options: Options) -> Prometheus {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        Prometheus::start_at(addr, dir, history, options)
    }

    /// [`Prometheus::start`] listening on `addr`, e.g. where a client already points.
    pub fn start_at(
        addr: SocketAddr,
        dir: &TempDir,
        history: Option<&str>,
        options: Options,
    ) -> Prometheus {
        let binary = ensure_installed("prometheus", "prometheus");
        let data = dir.0.join("prometheus-data");
        if let Some(history) = history {
            let promtool = ensure_installed("promtool", "prometheus");
            let file = dir.0.join("history.om");
            std::fs::write(&file, history).unwrap();
            run(
                Command::new(promtool)
                    .args(["tsdb", "create-blocks-from", "openmetrics", "--quiet"])
                    .arg(&file)
                    .arg(&data),
                &format!("promtool backfilling {}", file.display()),
            );
        }
        let config = dir.0.join("prometheus.yml");
        std::fs::write(&config, config_yaml(dir, &options)).unwrap();
        let log = dir.0.join("prometheus.log");
        let log_file = File::create(&log).unwrap();
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address={addr}"))
            // Alerts' generatorURL would otherwise name this machine's host name.
            .arg(format!("--web.external-url=http://{addr}/"))
            // Retention counts back from the newest block: keep history longer than the 15 d default.
            .arg("--storage.tsdb.retention.time=10y")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("starting Prometheus");
        let mut prometheus = Prometheus { child, addr, log };
        let ready = wait_until(Duration::from_secs(60), || {
            if let Some(status) = prometheus.child.try_wait().unwrap() {
                panic!(
                    "Prometheus exited ({status}); its log:\n{}",
                    prometheus.log()
                );
            }
            let ready = TcpStream::connect(addr).is_ok()
                && request(addr, "GET", "/-/ready", &[], b"").status == 200;
            ready.then_some(())
        });
        if ready.is_none() {
            panic!(
                "Prometheus did not become ready; its log:\n{}",
                prometheus.log()
            );
        }
        prometheus
    }

    /// [`Prometheus::start`] on `history`, scraping `exporter` (which continues it), with
    /// `HIGH_ERROR_RATE_RULES` sending to the Alertmanager at `alertmanager`.
    pub fn start_alerting(
        dir: &TempDir,
        history: &History,
        exporter: &Exporter,
        alertmanager: SocketAddr,
    ) -> Prometheus {
        let options = Options {
            scrape: Some(exporter.addr()),
            rules: Some(HIGH_ERROR_RATE_RULES),
            alertmanager: Some(alertmanager),
        };
        Prometheus::start(dir, Some(&history.openmetrics()), options)
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL (also the start of its alerts' `generatorURL`), e.g. for `PROMETHEUS_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An instant query at the current time: the answer's `data.result`, a vector like
    /// `[{"metric": {…}, "value": [t, "v"]}, …]`.
    pub fn query(&self, promql: &str) -> Value {
        self.api(&format!("/api/v1/query?query={}", url_encode(promql)))
    }

    /// A range query (Unix seconds): the answer's `data.result`, a matrix like
    /// `[{"metric": {…}, "values": [[t, "v"], …]}, …]` with points at `start_s + k × step_s`.
    pub fn query_range(&self, promql: &str, start_s: i64, end_s: i64, step_s: i64) -> Value {
        self.api(&format!(
            "/api/v1/query_range?query={}&start={start_s}&end={end_s}&step={step_s}",
            url_encode(promql)
        ))
    }

    fn api(&self, path: &str) -> Value {
        let answer = request(self.addr, "GET", path, &[], b"");
        let body: Value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        assert!(
            answer.status == 200 && body["status"] == "success",
            "GET {path}: {} {}",
            answer.status,
            answer.body
        );
        body["data"]["result"].clone()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config_yaml(dir: &TempDir, options: &Options) -> String {
    // Every second, so live samples and rule results show up within a test's patience.
    let mut yaml = String::from("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n");
    if let Some(target) = options.scrape {
        write!(
            yaml,
            "scrape_configs:
  - job_name: {JOB}
    static_configs:
      - targets: ['{target}']
    relabel_configs:
      - target_label: instance
        replacement: {INSTANCE}
"
        )
        .unwrap();
    }
    if let Some(rules) = options.rules {
        let file = dir.0.join("rules.yml");
        std::fs::write(&file, rules).unwrap();
        write!(yaml, "rule_files:\n  - '{}'\n", file.display()).unwrap();
    }
    if let Some(alertmanager) = options.alertmanager {
        write!(
            yaml,
            "alerting:
  alertmanagers:
    - static_configs:
        - targets: ['{alertmanager}']
"
        )
        .unwrap();
    }
    yaml
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const HOUR: i64 = 3600;
/// Generous: CI machines are slow and busy; nothing here measures time.
const WAIT: Duration = Duration::from_secs(60);

/// The points of the series in `result` whose `label` is `value`, as (Unix seconds, value).
fn points(result: &Value, label: &str, value: &str) -> Vec<(i64, f64)> {
    let series = result
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"][label] == value)
        .unwrap_or_else(|| panic!("no series with {label}={value:?} in {result}"));
    series["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_f64().unwrap() as i64,
                p[1].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect()
}

/// Panics saying what did not happen in time, with the Prometheus log.
fn gave_up<T>(prometheus: &Prometheus, what: &str) -> T {
    panic!(
        "{what} did not happen; Prometheus log:\n{}",
        prometheus.log()
    )
}

fn at(points: &[(i64, f64)], t: i64) -> f64 {
    points
        .iter()
        .find(|(at, _)| *at == t)
        .unwrap_or_else(|| panic!("no point at {t}"))
        .1
}

#[test]
fn backfilled_history_is_queryable() {
    let now = unix_now();
    let (start, end) = (now - 6 * HOUR, now - 60);
    let incident = now - 3 * HOUR..now - 2 * HOUR;
    let history = History::http_requests(start, end, 15, incident.clone());
    let dir = TempDir::new("prometheus-history");
    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());

    // Points of a query_range with a 60 s step fall on start + k minutes.
    let minute = |t: i64| start + (t - start) / 60 * 60;
    let ratio = prometheus.query_range(ERROR_RATIO, start, end, 60);
    let checkout = points(&ratio, "service", "checkout");
    let search = points(&ratio, "service", "search");
    assert!(checkout.len() > 350, "{} points", checkout.len());
    let peak = at(&checkout, minute((incident.start + incident.end) / 2));
    assert!((peak - 0.30).abs() < 0.01, "peak {peak}");
    for t in [
        start + HOUR,
        incident.start - 10 * 60,
        incident.end + 10 * 60,
        end - 5 * 60,
    ] {
        let quiet = at(&checkout, minute(t));
        assert!((0.005..0.02).contains(&quiet), "{quiet} at {t}");
    }
    assert!(
        search.iter().all(|(_, v)| (0.005..0.04).contains(v)),
        "{search:?}"
    );

    // The alert's expression holds during the incident only, give or take the rate window.
    let high = prometheus.query_range(&format!("{ERROR_RATIO} > 0.05"), start, end, 60);
    assert_eq!(high.as_array().unwrap().len(), 1, "{high}");
    let high = points(&high, "service", "checkout");
    let (first, last) = (high[0].0, high[high.len() - 1].0);
    assert!(
        (incident.start - 60..=incident.start + 60).contains(&first),
        "first {first}, incident {incident:?}"
    );
    assert!(
        (incident.end - 60..=incident.end + 60).contains(&last),
        "last {last}, incident {incident:?}"
    );
    assert_eq!(
        high.len() as i64,
        (last - first) / 60 + 1,
        "a gap: {high:?}"
    );

    // Gauges come through, and every series carries the exporter's target labels.
    let inflight =
        prometheus.query_range(r#"inflight_requests{service="checkout"}"#, start, end, 60);
    let inflight = points(&inflight, "service", "checkout");
    assert!(inflight.len() > 350, "{} points", inflight.len());
    assert!(
        inflight.iter().all(|(_, v)| (1.4..2.6).contains(v)),
        "{inflight:?}"
    );
    let labelled = prometheus.query(r#"count({job="app",instance="exporter"})"#);
    assert_eq!(labelled[0]["value"][1], "6", "{labelled}");
}

#[test]
fn a_rule_on_live_samples_fires_and_reaches_the_alertmanager() {
    let now = unix_now();
    // Ten quiet minutes, continued live by the exporter.
    let history = History::http_requests(now - 600, now - 60, 15, 0..0);
    let exporter = Exporter::start();
    exporter.resume(&history);
    // Stands in for Alertmanager: the test takes Prometheus's POSTs when it looks.
    let alertmanager = TcpListener::bind("127.0.0.1:0").unwrap();
    alertmanager.set_nonblocking(true).unwrap();
    let dir = TempDir::new("prometheus-live");
    let alertmanager_addr = alertmanager.local_addr().unwrap();
    let prometheus = Prometheus::start_alerting(&dir, &history, &exporter, alertmanager_addr);
    let found = |promql: &str| {
        let result = prometheus.query(promql);
        (!result.as_array().unwrap().is_empty()).then_some(result)
    };

    // Prometheus applies new scrape targets at most every 5 s, so the first scrape waits.
    exporter.gauge(r#"inflight_requests{service="checkout"}"#, 42.0);
    wait_until(WAIT, || {
        found(r#"inflight_requests{service="checkout",job="app",instance="exporter"} == 42"#)
    })
    .unwrap_or_else(|| gave_up(&prometheus, "a scrape"));
    // The live samples extend the backfilled series: more samples, no counter reset.
    let checkout_200 = r#"http_requests_total{service="checkout",code="200"}[15m]"#;
    let samples = prometheus.query(&format!("count_over_time({checkout_200})"));
    let backfilled = 37; // (600 - 60) / 15 + 1
    assert!(
        samples[0]["value"][1]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > backfilled,
        "{samples}"
    );
    assert_eq!(
        prometheus.query(&format!("resets({checkout_200})"))[0]["value"][1],
        "0"
    );
    assert_eq!(prometheus.query("ALERTS"), serde_json::json!([]));

    // About half of checkout's requests fail from now on.
    exporter.counter(
        r#"http_requests_total{service="checkout",code="500"}"#,
        40.0,
    );
    let alerts = wait_until(WAIT, || {
        found(r#"ALERTS{alertname="HighErrorRate",alertstate="firing"}"#)
    })
    .unwrap_or_else(|| gave_up(&prometheus, "HighErrorRate firing"));
    assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
    assert_eq!(alerts[0]["metric"]["service"], "checkout", "{alerts}");
    assert_eq!(alerts[0]["metric"]["severity"], "page", "{alerts}");

    let posted = wait_until(WAIT, || {
        let (mut stream, _) = alertmanager.accept().ok()?;
        stream.set_nonblocking(false).unwrap();
        let (head, body) = read_request(&mut stream)?;
        let _ =
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        Some((head, serde_json::from_slice::<Value>(&body).unwrap()))
    })
    .unwrap_or_else(|| gave_up(&prometheus, "a POST to the Alertmanager"));
    assert!(posted.0.starts_with("POST /api/v2/alerts "), "{}", posted.0);
    let alert = &posted.1[0];
    assert_eq!(alert["labels"]["alertname"], "HighErrorRate", "{alert}");
    assert_eq!(alert["labels"]["service"], "checkout", "{alert}");
    let generator = alert["generatorURL"].as_str().unwrap();
    assert!(
        generator.starts_with(&format!("{}/graph?g0.expr=", prometheus.url())),
        "{generator}"
    );
    let summary = alert["annotations"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("High error rate on checkout: ")
            && summary.ends_with("% of requests fail"),
        "{summary}"
    );
}
