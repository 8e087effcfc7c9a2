//! The per-request sandbox, in-process: components that loop forever or allocate without
//! bound get a 500 from the host, and the server goes on answering.

use crate::support::request;
use alertgraph::config::Config;
use alertgraph::runtime::App;
use std::net::SocketAddr;
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

/// A `wasi:http/incoming-handler` whose `handle` runs `body` and never answers by itself.
fn handler_component(body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(component
            (import "wasi:http/types@0.2.0" (instance $types
                (export "incoming-request" (type (sub resource)))
                (export "response-outparam" (type (sub resource)))))
            (alias export $types "incoming-request" (type $request))
            (alias export $types "response-outparam" (type $outparam))
            (core module $m
                (memory 1)
                (func (export "handle") (param i32 i32) {body}))
            (core instance $i (instantiate $m))
            (func $handle (param "request" (own $request)) (param "response-out" (own $outparam))
                (canon lift (core func $i "handle")))
            (instance $handler (export "handle" (func $handle)))
            (export "wasi:http/incoming-handler@0.2.0" (instance $handler)))"#
    ))
    .expect("valid component text")
}

/// Serves `wasm` on 127.0.0.1 in this process, with a 1 s time limit and a 16 MiB memory cap.
fn serve(wasm: Vec<u8>, storage: &std::path::Path) -> SocketAddr {
    let storage = storage.to_string_lossy().into_owned();
    let config = Config::from_lookup(|k| match k {
        "STORAGE_DIR" => Some(storage.clone()),
        "REQUEST_TIMEOUT_SECS" => Some("1".into()),
        "INSTANCE_MEMORY_MB" => Some("16".into()),
        "MAX_CONCURRENT_REQUESTS" => Some("4".into()),
        _ => None,
    })
    .unwrap();
    serve_with(wasm, config)
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

/// Three runaway requests each get a 500 for `cause`, and the server keeps serving.
fn assert_contained(wasm: Vec<u8>, name: &str, cause: &str) {
    capture_logs();
    let before = logged(cause);
    let dir = crate::support::TempDir::new(name);
    let addr = serve(wasm, &dir.0);
    // Two at once, then one more: each runaway is stopped and the server keeps serving.
    let clients: Vec<_> = (0..2)
        .map(|_| std::thread::spawn(move || request(addr, "GET", "/", &[], b"").status))
        .collect();
    for client in clients {
        assert_eq!(client.join().unwrap(), 500, "{name}");
    }
    let again = request(addr, "GET", "/", &[], b"");
    assert_eq!(again.status, 500, "{name}");
    assert_eq!(again.body, "internal error: the request handler failed\n");
    assert_eq!(
        logged(cause) - before,
        3,
        "{name}: three requests stopped by {cause:?}"
    );
}

#[test]
fn a_request_that_loops_forever_gets_a_500() {
    assert_contained(
        handler_component("(loop $spin (br $spin))"),
        "loop",
        "wasm trap: interrupt",
    );
}

#[test]
fn a_request_that_allocates_without_bound_gets_a_500() {
    // Grows 1 MiB at a time until the cap refuses, then traps as an out-of-memory guest would.
    let grow = "(loop $grow (br_if $grow (i32.ne (memory.grow (i32.const 16)) (i32.const -1)))) unreachable";
    let cause = "wasm trap: wasm `unreachable` instruction executed";
    assert_contained(handler_component(grow), "grow", cause);
}
