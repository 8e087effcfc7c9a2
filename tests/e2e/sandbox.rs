//! The per-request sandbox, in-process: requests that loop forever or allocate without bound
//! get a 500 from the host, while the requests beside them are answered as usual.

use crate::support::request;
use alertgraph::config::Config;
use alertgraph::runtime::App;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// The host's log lines in this process, to check why a request failed.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .init();
    });
}

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn logged(needle: &str) -> usize {
    String::from_utf8_lossy(&LOG.lock().unwrap())
        .matches(needle)
        .count()
}

/// The runaway guest (tests/guests/runaway): `/spin` loops, `/grow` allocates, `/` answers.
pub fn runaway_guest() -> Vec<u8> {
    std::fs::read(env!("ALERTGRAPH_RUNAWAY_WASM")).expect("the runaway guest, built by build.rs")
}

/// Serves `wasm` on 127.0.0.1 in this process, storing in `storage`, with a 16 MiB memory
/// cap, a time limit of `timeout_secs` per request and `slots` requests at once.
pub fn serve_sandboxed(
    wasm: Vec<u8>,
    storage: &Path,
    timeout_secs: &str,
    slots: &str,
) -> SocketAddr {
    let settings = [
        ("STORAGE_DIR", storage.to_string_lossy().into_owned()),
        ("REQUEST_TIMEOUT_SECS", timeout_secs.to_owned()),
        ("INSTANCE_MEMORY_MB", "16".to_owned()),
        ("MAX_CONCURRENT_REQUESTS", slots.to_owned()),
    ];
    let lookup = |name: &str| {
        settings
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    serve_with(wasm, Config::from_lookup(lookup).unwrap())
}

/// Serves `wasm` with `config` on 127.0.0.1 in this process, until the tests end.
pub fn serve_with(wasm: Vec<u8>, config: Config) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let app = App::with_component(&config, &wasm).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            alertgraph::server::serve(app, listener).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Two runaway requests to `path` each get a 500 for `cause`, while healthy requests sent
/// meanwhile get their 200, and one more runaway after them is stopped too.
fn assert_contained(path: &'static str, name: &str, cause: &str) {
    capture_logs();
    let before = logged(cause);
    let dir = crate::support::TempDir::new(name);
    // A 1 s time limit; six public slots (two are kept for the webhook): room for healthy
    // requests beside two runaways.
    let addr = serve_sandboxed(runaway_guest(), &dir.0, "1", "8");
    let runaways: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || request(addr, "GET", path, &[], b"")))
        .collect();
    let mut healthy = 0;
    while runaways.iter().any(|r| !r.is_finished()) {
        let answer = request(addr, "GET", "/", &[], b"");
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, "ok\n"),
            "{name}"
        );
        healthy += 1;
    }
    for runaway in runaways {
        let answer = runaway.join().unwrap();
        assert_eq!(answer.status, 500, "{name}");
        assert_eq!(answer.body, "internal error: the request handler failed\n");
    }
    // Each runaway runs until its 1 s limit: healthy requests were answered all along.
    assert!(
        healthy >= 2,
        "{name}: {healthy} healthy answers beside the runaways"
    );
    assert_eq!(request(addr, "GET", path, &[], b"").status, 500, "{name}");
    assert_eq!(
        logged(cause) - before,
        3,
        "{name}: three requests stopped by {cause:?}"
    );
}

#[test]
fn a_request_that_loops_forever_gets_a_500_while_others_are_served() {
    assert_contained("/spin", "loop", "wasm trap: interrupt");
}

#[test]
fn a_request_that_allocates_without_bound_gets_a_500_while_others_are_served() {
    assert_contained("/grow", "grow", "memory allocation of");
}
