//! The deploy artifacts, run for real with a real Prometheus, the renderer sidecar and the
//! fake Slack: the SpinKube component (the `source` of deploy/spinkube/spin.toml) under the
//! embedded host, and `spin up` of both manifests. Without a `spin` binary ($SPIN, PATH, or
//! ../shared/tools/spin beside the checkout) the `spin up` tests say so and pass.

use crate::alertmanager::{rfc3339, Alertmanager};
use crate::charts::wait_uploaded_chart;
use crate::fake_slack::{FakeSlack, Scripted};
use crate::libsql::{sqld_binary, Sqld};
use crate::prometheus::past_incident;
use crate::prometheus::{Options, Prometheus};
use crate::replicas::{self, Replica};
use crate::support::{free_port, request, run, wait_until, Response, TempDir, JSON};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "xoxb-spin-test";
const WEBHOOK_TOKEN: &str = "spin-webhook-secret";
const DRAIN_TOKEN: &str = "spin-drain-secret";

/// `spin build` of the SpinKube manifest rewrites the artifact the host test reads.
static ARTIFACT: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The component file a manifest's `[component.alertgraph]` runs, resolved like Spin does.
fn manifest_source(manifest: &Path) -> PathBuf {
    let text = std::fs::read_to_string(manifest).unwrap();
    let source = text
        .lines()
        .find_map(|l| l.strip_prefix("source = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no source in {}", manifest.display()));
    manifest.parent().unwrap().join(source)
}

/// The bytes of the component deploy/spinkube/spin.toml ships.
pub fn spinkube_component() -> Vec<u8> {
    let _artifact = ARTIFACT.lock().unwrap_or_else(|e| e.into_inner());
    std::fs::read(manifest_source(&repo().join("deploy/spinkube/spin.toml"))).unwrap()
}

/// The renderer sidecar, in-process on 127.0.0.1 until dropped.
struct Sidecar {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sidecar {
    fn start() -> Sidecar {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let config = alertgraph_renderer_sidecar::Config::default();
                alertgraph_renderer_sidecar::serve(listener, config, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        Sidecar {
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        let _ = self.stop.take().unwrap().send(());
        let _ = self.thread.take().unwrap().join();
    }
}

#[test]
fn the_spinkube_component_runs_under_the_host_and_draws_through_the_sidecar() {
    let _artifact = ARTIFACT.lock().unwrap_or_else(|e| e.into_inner());
    let component = manifest_source(&repo().join("deploy/spinkube/spin.toml"));
    let (history, webhook) = past_incident();
    let dir = TempDir::new("spinkube-component");
    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());
    let sidecar = Sidecar::start();
    let slack = FakeSlack::start(TOKEN);
    let (component, prometheus_url) = (component.to_str().unwrap(), prometheus.url());
    let start = |slack: &FakeSlack, dir: &TempDir, renderer_url: &str| {
        slack.alertgraph(
            dir,
            TOKEN,
            &[
                ("COMPONENT_PATH", component),
                ("SLACK_CHANNEL", "#alerts"),
                ("PROMETHEUS_URL", prometheus_url.as_str()),
                ("RENDERER_URL", renderer_url),
                ("CHART_DELIVERY", "upload"),
            ],
        )
    };
    let server = start(&slack, &dir, &sidecar.url);
    // The file ran, not the embedded component.
    let size = std::fs::metadata(component).unwrap().len();
    let compiled = server.wait_log_line("compiled the component", Duration::from_secs(5));
    assert!(compiled.contains(&format!("bytes={size}")), "{compiled}");
    let answer = server.post_alerts(webhook.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    wait_uploaded_chart(&slack, "#alerts");
    drop(server);
    drop(sidecar);

    // Without the sidecar the message still goes out, saying why there is no chart.
    let slack = FakeSlack::start(TOKEN);
    let dir = TempDir::new("spinkube-no-sidecar");
    let unreachable = format!("http://127.0.0.1:{}", free_port());
    let server = start(&slack, &dir, &unreachable);
    let answer = server.post_alerts(webhook.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    slack.wait_until(Duration::from_secs(30), |calls| {
        calls.iter().any(|c| c.accepted("chat.postMessage"))
    });
    let post = slack.accepted("chat.postMessage")[0].to_string();
    assert!(post.contains("renderer unreachable"), "{post}");
    assert!(slack.files().is_empty());
}

/// The `spin` CLI to test with, or None (and a plain note on stderr) when there is none.
fn spin_binary(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("SPIN")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .map(|dir| dir.join("spin"))
                .find(|p| p.is_file())
        })
        .or_else(|| Some(repo().join("../shared/tools/spin")).filter(|p| p.is_file()));
    if found.is_none() {
        // Written past the test harness's capture, so that the run shows it.
        let _ = writeln!(
            std::io::stderr(),
            "{test}: SKIPPED, no spin binary ($SPIN, PATH or ../shared/tools/spin)"
        );
    }
    found
}

/// `spin up` of a manifest on 127.0.0.1, in its own directory (state, and the SQLite file
/// under `data/` as the local runtime config says, or on a libSQL server), until dropped.
struct SpinUp<'a> {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
    log: Arc<Mutex<String>>,
    sqld: Option<&'a Sqld>,
}

impl<'a> SpinUp<'a> {
    fn start(spin: &Path, manifest: &Path, dir: &TempDir, variables: &[(&str, &str)]) -> Self {
        Self::start_on(spin, manifest, dir, variables, None)
    }

    /// With `sqld`, the `default` database is on that server (`type = "libsql"`).
    fn start_on(
        spin: &Path,
        manifest: &Path,
        dir: &TempDir,
        variables: &[(&str, &str)],
        sqld: Option<&'a Sqld>,
    ) -> Self {
        let runtime_config = match sqld {
            Some(sqld) => sqld.runtime_config(dir),
            None => repo().join("deploy/runtime-config/local.toml"),
        };
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut cmd = Command::new(spin);
        cmd.current_dir(&dir.0)
            .arg("up")
            .arg("--from")
            .arg(manifest)
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--state-dir")
            .arg(dir.0.join("state"))
            .arg("--runtime-config-file")
            .arg(runtime_config)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A group of its own, so that dropping it ends the `spin trigger` it starts too.
            .process_group(0);
        // Only what the test says reaches the app.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SPIN_") {
                cmd.env_remove(key);
            }
        }
        for (name, value) in variables {
            cmd.arg("--variable").arg(format!("{name}={value}"));
        }
        let mut child = cmd.spawn().expect("starting spin up");
        let log = Arc::new(Mutex::new(String::new()));
        let out: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in out {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let mut up = SpinUp {
            child,
            addr,
            dir: dir.0.clone(),
            log,
            sqld,
        };
        let started = wait_until(Duration::from_secs(120), || {
            if let Ok(Some(status)) = up.child.try_wait() {
                panic!("spin up exited with {status}:\n{}", up.log());
            }
            let healthy =
                std::net::TcpStream::connect(up.addr).is_ok() && up.get("/healthz").status == 200;
            healthy.then_some(())
        });
        if started.is_none() {
            panic!("spin up did not serve /healthz:\n{}", up.log());
        }
        up
    }

    fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], b"")
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.addr, "POST", path, headers, body)
    }

    /// Spin's own output and the component's stderr (Spin writes it to the state dir).
    fn log(&self) -> String {
        let guest = std::fs::read_to_string(self.dir.join("state/logs/alertgraph_stderr.txt"))
            .unwrap_or_default();
        format!(
            "{}--- component stderr ---\n{guest}",
            self.log.lock().unwrap()
        )
    }

    fn scalar(&self, sql: &str) -> i64 {
        if let Some(sqld) = self.sqld {
            return sqld.scalar(sql);
        }
        rusqlite::Connection::open(self.dir.join("data/alertgraph.db"))
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }
}

impl Drop for SpinUp<'_> {
    fn drop(&mut self) {
        // `spin up` runs the app in a child (`spin trigger http`), which outlived a kill of
        // `spin up` alone: end the whole group.
        let group = -i32::try_from(self.child.id()).expect("a pid fits an i32");
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved.
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// The variables a cluster would set: Slack (the fake), Prometheus, the sidecar, the tokens.
fn variables<'a>(
    slack: &'a str,
    prometheus: &'a str,
    renderer: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("slack_origin", slack),
        ("slack_bot_token", TOKEN),
        ("slack_channel", "#alerts"),
        ("prometheus_url", prometheus),
        ("renderer_url", renderer),
        ("webhook_token", WEBHOOK_TOKEN),
        ("drain_token", DRAIN_TOKEN),
        ("chart_delivery", "upload"),
    ]
}

/// A webhook through `spin up`: refused without the token, stored, posted with its chart
/// uploaded into the thread; the drain route takes its token; nothing posted twice.
fn serves_a_webhook_end_to_end(up: &SpinUp, slack: &FakeSlack, webhook: &str) {
    // The manifest's routes reach the handler, which answers wrong methods itself.
    assert_eq!(up.get("/").status, 200);
    assert_eq!(up.get("/api/alerts").status, 405);
    let chart = up.get("/api/chart/0123456789abcdef0123456789abcdef.png");
    assert_eq!(
        (chart.status, chart.body.as_str()),
        (404, "no such chart\n")
    );
    assert_eq!(up.get("/nowhere").status, 404);

    let refused = up.post("/api/alerts", &[JSON], webhook.as_bytes());
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(up.scalar("SELECT count(*) FROM alerts"), 0);

    let bearer = format!("Bearer {WEBHOOK_TOKEN}");
    let auth = ("Authorization", bearer.as_str());
    let answer = up.post("/api/alerts", &[JSON, auth], webhook.as_bytes());
    assert_eq!(answer.status, 200, "{}\n{}", answer.body, up.log());
    wait_uploaded_chart(slack, "#alerts");
    assert_eq!(up.scalar("SELECT count(*) FROM alerts"), 1);

    let drain = format!("Bearer {DRAIN_TOKEN}");
    let drained = up.post(
        "/api/outbox/drain",
        &[("Authorization", drain.as_str())],
        b"",
    );
    assert_eq!(drained.status, 202, "{}", drained.body);
    let wrong = up.post("/api/outbox/drain", &[auth], b"");
    assert_eq!(wrong.status, 401, "{}", wrong.body);

    // Alertmanager repeats itself: still one message.
    let again = up.post("/api/alerts", &[JSON, auth], webhook.as_bytes());
    assert_eq!(again.status, 200, "{}", again.body);
    let metrics = up.get("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("alertgraph_alerts_firing 1"),
        "{}",
        metrics.body
    );
    assert_eq!(slack.accepted("chat.postMessage").len(), 1);
}

#[test]
fn spin_up_runs_the_handler_with_the_store_and_renderer_as_dependencies() {
    let Some(spin) =
        spin_binary("spin_up_runs_the_handler_with_the_store_and_renderer_as_dependencies")
    else {
        return;
    };
    serves_a_webhook_beside_the_sidecar(&spin, &repo().join("spin.toml"), "spin-up");
}

/// [`serves_a_webhook_end_to_end`] for `spin up` of `manifest` in a new directory `name`,
/// with a real Prometheus holding [`past_incident`] and the renderer sidecar.
fn serves_a_webhook_beside_the_sidecar(spin: &Path, manifest: &Path, name: &str) {
    let (history, webhook) = past_incident();
    let dir = TempDir::new(name);
    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());
    let sidecar = Sidecar::start();
    let slack = FakeSlack::start(TOKEN);
    let (slack_origin, prometheus_url) = (format!("http://{}", slack.addr), prometheus.url());
    let vars = variables(&slack_origin, &prometheus_url, &sidecar.url);
    let up = SpinUp::start(spin, manifest, &dir, &vars);
    serves_a_webhook_end_to_end(&up, &slack, &webhook);
}

/// The same run with the database on a libSQL server, as a SpinKube cluster with replicas
/// has it: Spin's libSQL connection answers 0 to `last_insert_rowid` and `changes`, which
/// the store therefore never asks (it failed its first webhook on a foreign key before).
#[test]
fn spin_up_on_a_libsql_server_serves_a_webhook_end_to_end() {
    let test = "spin_up_on_a_libsql_server_serves_a_webhook_end_to_end";
    let (Some(spin), Some(sqld)) = (spin_binary(test), sqld_binary(test)) else {
        return;
    };
    let (history, webhook) = past_incident();
    let dir = TempDir::new("spin-up-libsql");
    let sqld = Sqld::start(&sqld, &dir);
    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());
    let sidecar = Sidecar::start();
    let slack = FakeSlack::start(TOKEN);
    let (slack_origin, prometheus_url) = (format!("http://{}", slack.addr), prometheus.url());
    let vars = variables(&slack_origin, &prometheus_url, &sidecar.url);
    let up = SpinUp::start_on(&spin, &repo().join("spin.toml"), &dir, &vars, Some(&sqld));
    serves_a_webhook_end_to_end(&up, &slack, &webhook);
    // The rows are on the server, linked as on a file.
    assert_eq!(
        sqld.scalar(
            "SELECT count(*) FROM outbox AS o JOIN alerts AS a ON a.id = o.alert_id
             WHERE o.state = 'done'"
        ),
        sqld.scalar("SELECT count(*) FROM outbox WHERE state = 'done'")
    );
    assert!(
        sqld.scalar("SELECT count(*) FROM messages") == 1,
        "{}",
        up.log()
    );
}

impl Replica for SpinUp<'_> {
    fn post_webhook(&self, body: &[u8]) -> Response {
        let bearer = format!("Bearer {}", crate::alertmanager::WEBHOOK_TOKEN);
        self.post("/api/alerts", &[JSON, ("Authorization", &bearer)], body)
    }

    fn log(&self) -> String {
        SpinUp::log(self)
    }
}

/// `spin` and [`replicas::on_sqld`]; None (`test` skipped, as they say) without either binary.
fn spin_on_sqld(test: &str, name: &str) -> Option<(PathBuf, TempDir, Sqld, FakeSlack)> {
    let spin = spin_binary(test)?;
    let (dir, sqld, slack) = replicas::on_sqld(test, name)?;
    Some((spin, dir, sqld, slack))
}

/// `spin up` on sqld: Slack's 429 is waited out, and a `spin up` killed with -9 after its
/// answer, while its post is on the way, leaves its job to the next one once the lease (60 s
/// under Spin) runs out; each alert is posted once (the successor finds the post Slack took).
#[test]
fn spin_up_on_sqld_waits_out_a_429_and_its_kill_after_the_answer_still_posts_once() {
    let test = "spin_up_on_sqld_waits_out_a_429_and_its_kill_after_the_answer_still_posts_once";
    let Some((spin, _dir, sqld, slack)) = spin_on_sqld(test, "spin-429-kill") else {
        return;
    };
    slack.push(Scripted::RateLimited {
        retry_after_secs: 1,
    });
    let slack_origin = format!("http://{}", slack.addr);
    // Posts the successor may have to look for are found by the channel's id.
    let channel = slack.channel_id("#alerts");
    let vars = [
        ("slack_origin", slack_origin.as_str()),
        ("slack_bot_token", replicas::TOKEN),
        ("slack_channel", channel.as_str()),
        ("webhook_token", crate::alertmanager::WEBHOOK_TOKEN),
        ("renderer_url", "http://127.0.0.1:9"),
        ("drain_token", DRAIN_TOKEN),
    ];
    let manifest = repo().join("spin.toml");
    let (first_dir, second_dir) = (TempDir::new("spin-429-a"), TempDir::new("spin-429-b"));
    let first = SpinUp::start_on(&spin, &manifest, &first_dir, &vars, Some(&sqld));
    let limited = crate::delivery::webhook_from(crate::support::FIRING, &[("limited", &[])]);
    answered_200(&first, &limited);
    drained_until_settled(&first, &sqld, Duration::from_secs(60));
    let calls = slack.calls();
    assert_eq!(calls.len(), 2, "429, then delivered: {calls:#?}");

    // Killed while Slack takes its post (answered 3 s after it arrives, to nobody).
    slack.push(Scripted::Slow(Duration::from_secs(3)));
    let killed = crate::delivery::webhook_from(crate::support::FIRING, &[("killed", &[])]);
    answered_200(&first, &killed);
    let posting = wait_until(Duration::from_secs(30), || {
        (slack.in_flight() == 1).then_some(())
    });
    assert!(posting.is_some(), "the post never came: {}", first.log());
    drop(first);
    let second = SpinUp::start_on(&spin, &manifest, &second_dir, &vars, Some(&sqld));
    drained_until_settled(&second, &sqld, Duration::from_secs(120));
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "{:#?}",
        slack.calls()
    );
    assert_eq!(sqld.scalar("SELECT count(*) FROM messages"), 2);
}

/// Posts `webhook` to `up` and asserts a 200, naming the answer and the log otherwise.
fn answered_200(up: &SpinUp, webhook: &[u8]) {
    let response = up.post_webhook(webhook);
    assert_eq!(
        response.status,
        200,
        "{}\nlog:\n{}",
        response.body,
        up.log()
    );
}

/// Drains `up` every 2 s, as the shipped CronJob does every minute, until no post or resolve
/// is pending (with no Prometheus here, a chart is retried for as long as its alert fires).
fn drained_until_settled(up: &SpinUp, sqld: &Sqld, limit: Duration) {
    let drain = format!("Bearer {DRAIN_TOKEN}");
    let settled = wait_until(limit, || {
        let pending = sqld.scalar(
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND kind != 'chart-redraw'",
        );
        if pending > 0 {
            up.post(
                "/api/outbox/drain",
                &[("Authorization", drain.as_str())],
                b"",
            );
            std::thread::sleep(Duration::from_secs(2));
        }
        (pending == 0).then_some(())
    });
    let outbox = "SELECT id, kind, state, attempts, due_at, lease_until, last_error FROM outbox";
    assert!(
        settled.is_some(),
        "outbox still pending: {:?}; log:\n{}",
        sqld.query(outbox),
        up.log()
    );
}

/// A mixed cluster on one sqld: two embedded replicas and a `spin up`. An HA pair of real
/// Alertmanagers, each sending to a different replica, gives one message and one green
/// update; then a burst spread over all three, one embedded replica killed halfway, is
/// posted once each with the channels' pace kept.
#[test]
fn embedded_and_spin_replicas_share_a_libsql_server() {
    let test = "embedded_and_spin_replicas_share_a_libsql_server";
    let Some((spin, dir, sqld, slack)) = spin_on_sqld(test, "mixed-replicas") else {
        return;
    };
    let token = crate::alertmanager::WEBHOOK_TOKEN;
    let mut settings = replicas::SETTINGS.to_vec();
    settings.push(("WEBHOOK_TOKEN", token));
    let a = replicas::replica(&slack, &dir, "a", &sqld, &settings);
    let b = replicas::replica(&slack, &dir, "b", &sqld, &settings);
    let slack_origin = format!("http://{}", slack.addr);
    let vars = [
        ("slack_origin", slack_origin.as_str()),
        ("slack_bot_token", replicas::TOKEN),
        ("slack_channel", "#alerts"),
        ("webhook_token", token),
        ("slack_channel_interval_ms", "400"),
        ("renderer_url", "http://127.0.0.1:9"),
    ];
    let spin_dir = TempDir::new("mixed-replicas-spin");
    let up = SpinUp::start_on(
        &spin,
        &repo().join("spin.toml"),
        &spin_dir,
        &vars,
        Some(&sqld),
    );

    let (first_dir, second_dir) = (TempDir::new("mixed-am-1"), TempDir::new("mixed-am-2"));
    let pair = [
        Alertmanager::start(&first_dir, a.addr),
        Alertmanager::start(&second_dir, up.addr),
    ];
    let mut alert = serde_json::json!({
        "labels": {"alertname": "InstanceDown", "instance": "db-1:9100"},
        "startsAt": rfc3339(-30),
    });
    for am in &pair {
        am.send(alert.clone());
    }
    let both = wait_until(Duration::from_secs(60), || {
        (sqld.scalar("SELECT count(*) FROM outbox WHERE kind = 'alert-fired' AND state = 'done'")
            == 1
            && slack.accepted("chat.postMessage").len() == 1)
            .then_some(())
    });
    assert!(both.is_some(), "{}\n{}", a.log(), up.log());
    alert["endsAt"] = rfc3339(0).into();
    for am in &pair {
        am.send(alert.clone());
    }
    let green = wait_until(Duration::from_secs(60), || {
        (slack.accepted("chat.update").len() == 1).then_some(())
    });
    assert!(green.is_some(), "{}\n{}", a.log(), up.log());
    assert_eq!(sqld.scalar("SELECT count(*) FROM messages"), 1);

    replicas::burst_is_posted_once(&slack, &sqld, &[&a, &up, &b], &|| {
        b.kill_9();
        Some(2)
    });
    assert_eq!(
        slack
            .accepted("chat.postMessage")
            .iter()
            .filter(|p| p["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("[FIRING] InstanceDown")))
            .count(),
        1
    );
}

#[test]
fn spin_up_with_the_wasm_renderer_needs_no_sidecar() {
    let Some(spin) = spin_binary("spin_up_with_the_wasm_renderer_needs_no_sidecar") else {
        return;
    };
    let (history, webhook) = past_incident();
    let dir = TempDir::new("spin-up-wasm-renderer");
    // spin.toml's documented alternative: the renderer compiled to wasm as the dependency.
    let root = repo();
    let manifest = std::fs::read_to_string(root.join("spin.toml")).unwrap();
    let swapped = manifest.replace(
        "alertgraph_renderer_http.wasm\" }",
        "alertgraph_renderer_wasm.wasm\" }",
    );
    assert_ne!(swapped, manifest, "spin.toml names the renderer dependency");
    let absolute = swapped.replace("\"target/", &format!("\"{}/target/", root.display()));
    let manifest = dir.0.join("spin.toml");
    std::fs::write(&manifest, absolute).unwrap();

    let prometheus = Prometheus::start(&dir, Some(&history.openmetrics()), Options::default());
    let slack = FakeSlack::start(TOKEN);
    let (slack_origin, prometheus_url) = (format!("http://{}", slack.addr), prometheus.url());
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let vars = variables(&slack_origin, &prometheus_url, &nowhere);
    let up = SpinUp::start(&spin, &manifest, &dir, &vars);
    serves_a_webhook_end_to_end(&up, &slack, &webhook);
}

#[test]
fn spin_build_and_up_of_the_spinkube_manifest() {
    let Some(spin) = spin_binary("spin_build_and_up_of_the_spinkube_manifest") else {
        return;
    };
    let manifest = repo().join("deploy/spinkube/spin.toml");
    let _artifact = ARTIFACT.lock().unwrap_or_else(|e| e.into_inner());
    let artifact = manifest_source(&manifest);
    let before = std::fs::read(&artifact).unwrap();
    run(
        Command::new(&spin)
            .args(["build", "--from"])
            .arg(&manifest)
            .env_remove("CARGO_TARGET_DIR"),
        "spin build",
    );
    // The build gives the very bytes the host's build composed (and the host test ran).
    assert!(
        std::fs::read(&artifact).unwrap() == before,
        "spin build changed {}",
        artifact.display()
    );

    serves_a_webhook_beside_the_sidecar(&spin, &manifest, "spin-up-spinkube");
}

#[test]
fn a_component_path_that_cannot_run_stops_start_up_naming_it() {
    let dir = TempDir::new("bad-component");
    let not_wasm = repo().join("spin.toml");
    let missing = dir.0.join("missing.wasm");
    for path in [not_wasm, missing] {
        let out = Command::new(env!("CARGO_BIN_EXE_alertgraph"))
            .env_clear()
            .env("STORAGE_DIR", &dir.0)
            .env("COMPONENT_PATH", &path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("COMPONENT_PATH") && stderr.contains(&*path.to_string_lossy()),
            "{stderr}"
        );
        assert!(!dir.0.join("alertgraph.db").exists(), "nothing was created");
    }
}
