//! Slow clients (issue 16): connections that trickle a body hold no sandbox slot and get a 408
//! after the body deadline, while webhooks are acknowledged at once; with the public share of
//! slots full, the webhook and the drain still get their reserved slots and anything else a
//! 503 with Retry-After instead of an endless wait.

use crate::delivery::webhook_with;
use crate::interactions::SIGNING_SECRET;
use crate::sandbox::{capture_logs, logged, runaway_guest, serve_sandboxed};
use crate::support::{request, request_within, Response, Server, TempDir, JSON};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The host's deadline for a whole body (`host/src/admission.rs`).
const BODY_DEADLINE: Duration = Duration::from_secs(10);
/// How long a trickling client keeps at it before the test gives up on an answer.
const TRICKLE_FOR_SECS: u32 = 25;

/// Headers of a Slack click announcing 1,000 bytes, then one byte a second until the server
/// answers: its status and how long after the headers, or None when it never answered.
fn trickle(addr: SocketAddr, ready: mpsc::Sender<()>) -> JoinHandle<Option<(u16, Duration)>> {
    std::thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).ok()?;
        // The read timeout paces the writes: one byte per second of silence.
        stream.set_read_timeout(Some(Duration::from_secs(1))).ok()?;
        let head = format!(
            "POST /api/slack/interactions HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             X-Slack-Request-Timestamp: 0\r\nX-Slack-Signature: v0=00\r\n\
             Content-Length: 1000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).ok()?;
        let sent = Instant::now();
        let _ = ready.send(());
        let mut buf = [0u8; 512];
        for _ in 0..TRICKLE_FOR_SECS {
            // The server may have answered and closed: its answer is still to be read.
            let _ = stream.write_all(b"p");
            match stream.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => return Some((status_of(&buf[..n])?, sent.elapsed())),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return None,
            }
        }
        None
    })
}

fn status_of(head: &[u8]) -> Option<u16> {
    let line = String::from_utf8_lossy(head);
    line.split(' ').nth(1)?.parse().ok()
}

/// Starts `count` trickling clients and returns once each has sent its headers.
fn start_trickling(addr: SocketAddr, count: usize) -> Vec<JoinHandle<Option<(u16, Duration)>>> {
    let (ready, headers_sent) = mpsc::channel();
    let clients = (0..count).map(|_| trickle(addr, ready.clone())).collect();
    for n in 0..count {
        headers_sent
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("only {n} of {count} slow clients connected"));
    }
    clients
}

/// Every trickling client got a 408 soon after the body deadline; the earliest and latest.
fn assert_all_timed_out(clients: Vec<JoinHandle<Option<(u16, Duration)>>>) -> (Duration, Duration) {
    let answers: Vec<_> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let mut afters = Vec::new();
    for (n, answer) in answers.iter().enumerate() {
        match answer {
            Some((408, after)) => afters.push(*after),
            other => panic!("slow client {n}: {other:?}, not a 408 (all: {answers:?})"),
        }
    }
    let (first, last) = (*afters.iter().min().unwrap(), *afters.iter().max().unwrap());
    assert!(
        first >= BODY_DEADLINE - Duration::from_millis(500) && last < BODY_DEADLINE * 13 / 10,
        "408s came from {first:?} to {last:?} after the headers"
    );
    (first, last)
}

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort();
    let rank = ((samples.len() as f64 * p).ceil() as usize).max(1);
    samples[rank - 1]
}

#[test]
fn two_hundred_slow_clients_hold_no_slot_and_webhooks_are_acknowledged_at_once() {
    let dir = TempDir::new("slow-clients");
    // With a signing secret the handler reads a click's body (to check its signature).
    let server = Server::start(&dir.0, &[("SLACK_SIGNING_SECRET", SIGNING_SECRET)]);
    assert_eq!(server.get("/healthz").status, 200);
    let addr = server.addr;

    let clients = start_trickling(addr, 200);
    let trickling = Instant::now();
    // Each webhook as Alertmanager sends it, with a public request beside it.
    let (mut webhooks, mut public) = (Vec::new(), Vec::new());
    for i in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        let body = webhook_with(&[(format!("slow-client-{i:03}").as_str(), &[])]);
        let started = Instant::now();
        let answer = request_within(addr, "POST", "/api/alerts", &[JSON], &body, secs(5));
        let Some(answer) = answer else {
            panic!(
                "webhook {i} not answered within 5 s, {:?} into the trickle; latencies before \
                 it: {webhooks:?}",
                trickling.elapsed()
            );
        };
        webhooks.push(started.elapsed());
        assert_eq!(answer.status, 200, "webhook {i}: {}", answer.body);

        let started = Instant::now();
        let answer = request_within(addr, "GET", "/healthz", &[], b"", secs(5));
        assert_eq!(answer.map(|a| a.status), Some(200), "public request {i}");
        public.push(started.elapsed());
    }
    let posted_for = trickling.elapsed();
    assert!(
        posted_for < BODY_DEADLINE,
        "webhooks posted for {posted_for:?}"
    );
    let (p50, p99) = (
        percentile(webhooks.clone(), 0.5),
        percentile(webhooks, 0.99),
    );
    let public_p99 = percentile(public, 0.99);
    let (first, last) = assert_all_timed_out(clients);
    eprintln!(
        "200 slow clients: 50 webhooks p50 {p50:?} p99 {p99:?}, /healthz p99 {public_p99:?} \
         (over {posted_for:?}); 408s {first:?} to {last:?} after the headers"
    );
    assert!(p99 < secs(1), "webhook p99 {p99:?} under slow clients");
    assert!(public_p99 < secs(1), "/healthz p99 {public_p99:?}");
    assert_eq!(server.count("alerts"), 50);
}

#[test]
fn with_the_public_share_full_the_webhook_gets_a_reserved_slot_and_others_a_503() {
    capture_logs();
    let refusals_logged = logged("answered 503");
    let dir = TempDir::new("reserved-slots");
    // A runaway holds its slot 6 s: past the host's 3 s wait for a slot. Two public slots,
    // two kept for the webhook and the drain.
    let addr = serve_sandboxed(runaway_guest(), &dir.0, "6", "4");

    // Slow clients first: if they held slots the runaways below would get none.
    let clients = start_trickling(addr, 20);
    let runaways = timed_gets(addr, "/spin", 2);
    std::thread::sleep(secs(1));

    for path in ["/api/alerts", "/api/outbox/drain"] {
        let started = Instant::now();
        let answer = request(addr, "POST", path, &[], b"{}");
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert!(
            started.elapsed() < secs(1),
            "{path}: {:?}",
            started.elapsed()
        );
    }

    let refused = timed_gets(addr, "/", 3);
    for answer in refused {
        let (answer, waited) = answer.join().unwrap();
        assert_eq!(answer.status, 503, "{}", answer.body);
        assert_eq!(answer.header("retry-after"), Some("1"));
        assert_eq!(answer.body, "no sandbox free within 3s\n");
        assert!(
            waited >= secs(2) && waited < secs(5),
            "a 503 after {waited:?}"
        );
    }
    // Three refusals, one warning.
    assert_eq!(logged("answered 503") - refusals_logged, 1);

    // The runaways had their slots at once and ran to their time limit.
    for runaway in runaways {
        let (answer, took) = runaway.join().unwrap();
        assert_eq!(answer.status, 500, "{}", answer.body);
        assert!(took >= secs(5), "a runaway ended after {took:?}");
    }
    assert_eq!(request(addr, "GET", "/", &[], b"").status, 200);
    assert_all_timed_out(clients);
}

/// `count` GETs of `path` sent at once, each answer with how long it took.
fn timed_gets(
    addr: SocketAddr,
    path: &'static str,
    count: usize,
) -> Vec<JoinHandle<(Response, Duration)>> {
    (0..count)
        .map(|_| {
            std::thread::spawn(move || {
                let started = Instant::now();
                (request(addr, "GET", path, &[], b""), started.elapsed())
            })
        })
        .collect()
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
