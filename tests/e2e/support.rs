//! What the end-to-end tests share: the real `alertgraph` binary started on 127.0.0.1 with
//! its own storage directory (alone, or posting to a fake Slack as a `Stack`), a tiny
//! HTTP/1.1 client, and read access to its SQLite file.

use crate::fake_slack::FakeSlack;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The path of `binary`, installing Debian's `package` first when it is missing and we may
/// (CI and the README's test command run as root); otherwise a panic that says what to install.
pub fn ensure_installed(binary: &str, package: &str) -> PathBuf {
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = INSTALLING.lock().unwrap_or_else(|e| e.into_inner());
    let find = || {
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(binary))
            .find(|path| path.is_file())
    };
    if let Some(path) = find() {
        return path;
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let install = ["install", "-y", "-qq", "--no-install-recommends", package];
    if !apt(&install) {
        apt(&["update", "-qq"]);
        apt(&install);
    }
    find().unwrap_or_else(|| {
        panic!(
            "{binary} is needed: install the Debian package {package} (apt-get install {package})"
        )
    })
}

/// A port that was free a moment ago on 127.0.0.1, for processes that cannot report theirs.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Calls `probe` every 100 ms until it gives a value, for at most `limit`; None when it never
/// did, so the caller can panic with what it knows (a log, the last answer).
pub fn wait_until<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if started.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub const FIRING: &str = include_str!("../fixtures/alertmanager-0.25/firing.json");
pub const RESOLVED: &str = include_str!("../fixtures/alertmanager-0.25/resolved.json");
pub const JSON: (&str, &str) = ("Content-Type", "application/json");

/// A fresh storage directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("alertgraph-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What `cmd` printed, once it exited successfully; otherwise the test fails with `what`
/// and all of its output.
pub fn run(cmd: &mut Command, what: &str) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run it: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A running `alertgraph` process; killed when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub storage: PathBuf,
    log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(storage: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_alertgraph"));
        cmd.env_clear()
            .env("LISTEN_HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("STORAGE_DIR", storage)
            .env("RUST_LOG", "info")
            // Outbound traffic stays on this machine even if a test forgets to set a URL.
            .env("SLACK_API_URL", "http://127.0.0.1:9/api")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("starting alertgraph");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if let Some(addr) = listening_addr(&line) {
                        let _ = tx.send(addr);
                    }
                    let mut log = log.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        // Compiling the component at start takes a moment in a debug build.
        let addr = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "alertgraph did not start; its log:\n{}",
                    log.lock().unwrap()
                );
            }
        };
        Server {
            child,
            addr,
            storage: storage.to_path_buf(),
            log,
        }
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.addr, "POST", path, headers, body)
    }

    /// A webhook as Alertmanager sends it without a token: `body` as JSON to `/api/alerts`.
    pub fn post_alerts(&self, body: &[u8]) -> Response {
        self.post("/api/alerts", &[JSON], body)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.wait(Duration::from_secs(30))
    }

    /// SIGKILL while others still hold a reference; dropping it then reaps the process.
    pub fn kill_9(&self) {
        let pid = i32::try_from(self.child.id()).expect("a pid fits an i32");
        // SAFETY: kill(2) on our own child's pid; no memory involved.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn crash(mut self) -> ExitStatus {
        self.child.kill().unwrap();
        self.wait(Duration::from_secs(10))
    }

    fn wait(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                std::thread::sleep(Duration::from_millis(50));
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "alertgraph did not exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resident memory of the process, from /proc, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc/<pid>/status")
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.storage.join("alertgraph.db")).unwrap()
    }

    pub fn count(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT count(*) FROM {table}"))
    }

    /// One integer from the database, e.g. a count.
    pub fn scalar(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Waits for a log line containing `needle`: the log is written by another process, so a
    /// line can trail the database change it reports.
    pub fn wait_log_line(&self, needle: &str, limit: Duration) -> String {
        let started = Instant::now();
        loop {
            let log = self.log();
            if let Some(line) = log.lines().find(|l| l.contains(needle)) {
                return line.to_string();
            }
            assert!(
                started.elapsed() < limit,
                "no log line with {needle:?}:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until no outbox job is pending (delivered or dead), at most `limit`.
    pub fn wait_outbox_settled(&self, limit: Duration) {
        let started = Instant::now();
        while self.scalar("SELECT count(*) FROM outbox WHERE state = 'pending'") > 0 {
            assert!(
                started.elapsed() < limit,
                "outbox still pending; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fake Slack, and alertgraph posting to it from a fresh storage directory: where most
/// delivery tests start. Fields drop in order: alertgraph first, its directory last.
pub struct Stack {
    pub server: Server,
    pub slack: FakeSlack,
    pub dir: TempDir,
}

impl Stack {
    /// A fake Slack taking `token`, and alertgraph in the directory `name` posting to it as
    /// `token` to `#alerts`; `env` adds settings or overrides that.
    pub fn start(name: &str, token: &str, env: &[(&str, &str)]) -> Stack {
        Stack::on(FakeSlack::start(token), name, token, env)
    }

    /// As [`Stack::start`], on a fake Slack already told how to answer, with alertgraph
    /// posting as `token` (which that Slack may refuse).
    pub fn on(slack: FakeSlack, name: &str, token: &str, env: &[(&str, &str)]) -> Stack {
        let dir = TempDir::new(name);
        let mut settings = vec![("SLACK_CHANNEL", "#alerts")];
        settings.extend_from_slice(env);
        let server = slack.alertgraph(&dir, token, &settings);
        Stack { server, slack, dir }
    }
}

fn listening_addr(line: &str) -> Option<SocketAddr> {
    if !line.contains("alertgraph listening") {
        return None;
    }
    // Plain logs say `addr=127.0.0.1:PORT`, JSON logs `"addr":"127.0.0.1:PORT"`.
    let (start, end): (&str, &[char]) = if line.starts_with('{') {
        ("\"addr\":\"", &['"'])
    } else {
        ("addr=", &[' '])
    };
    let rest = &line[line.find(start)? + start.len()..];
    rest.split(end).next()?.parse().ok()
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy), for the usual text answers.
    pub body: String,
    /// The body as sent, e.g. a PNG.
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One request on its own connection (`Connection: close`), read to the end.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    request_within(addr, method, path, headers, body, Duration::from_secs(30))
        .unwrap_or_else(|| panic!("no complete answer to {method} {path} from {addr}"))
}

/// Like [`request`], but None when the server said nothing for `silence` before its answer
/// was whole: a stuck server fails the test in bounded time.
pub fn request_within(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    silence: Duration,
) -> Option<Response> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(silence)).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before taking the whole body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    parse_response(&raw)
}

/// None until the head is whole.
fn parse_response(raw: &[u8]) -> Option<Response> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let bytes = if chunked {
        dechunk(body)
    } else {
        body.to_vec()
    };
    Some(Response {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    })
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let rest = &body[line_end + 2..];
        out.extend_from_slice(&rest[..size]);
        body = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
    }
    out
}
