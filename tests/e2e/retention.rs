//! Retention end to end, in minutes: a resolved alert past HISTORY_RETENTION leaves the file
//! with its message and charts, a firing alert's chart past CHART_RETENTION goes while the
//! alert stays, their chart URLs answer 404 and `/metrics` counts them; and a sweep of a
//! large backlog runs while webhooks keep being acknowledged (the figures are printed).

use crate::big_charts::{start_charting, webhook};
use crate::support::{wait_until, Server, TempDir};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "xoxb-retention-test";

/// The chart tokens in a Slack call's JSON, in order.
fn chart_tokens(call: &Value) -> Vec<String> {
    call.to_string()
        .split("/api/chart/")
        .skip(1)
        .map(|rest| rest[..32].to_string())
        .collect()
}

/// `webhook(...)` for one alert, resolved two minutes after it started (long ago).
fn resolved(fingerprint: &str, expr: &str) -> Vec<u8> {
    let mut hook: Value = serde_json::from_slice(&webhook(&[(fingerprint, expr)])).unwrap();
    hook["status"] = "resolved".into();
    let alert = &mut hook["alerts"][0];
    alert["status"] = "resolved".into();
    let starts_at = alert["startsAt"].as_str().unwrap().to_string();
    alert["endsAt"] = bump_minutes(&starts_at, 2).into();
    serde_json::to_vec(&hook).unwrap()
}

/// An RFC 3339 time `minutes` later (within the hour, as the fixture's start allows).
fn bump_minutes(rfc3339: &str, minutes: u32) -> String {
    let (head, rest) = rfc3339.split_at(14);
    let minute: u32 = rest[..2].parse().unwrap();
    format!("{head}{:02}{}", minute + minutes, &rest[2..])
}

fn status(server: &Server, token: &str) -> u16 {
    server.get(&format!("/api/chart/{token}.png")).status
}

fn metric(server: &Server, line_start: &str) -> i64 {
    let text = server.get("/metrics").body;
    text.lines()
        .find_map(|l| l.strip_prefix(line_start))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {line_start} in /metrics:\n{text}"))
}

#[test]
fn alerts_and_charts_past_retention_leave_the_file_and_their_urls_answer_404() {
    let retention = [("HISTORY_RETENTION", "1m"), ("CHART_RETENTION", "1m")];
    let (stack, _) = start_charting("retention", TOKEN, &retention);
    let (slack, server) = (&stack.slack, &stack.server);
    let limit = Duration::from_secs(60);
    let expr = "small_metric > 0";
    let hook = webhook(&[("gone", expr), ("kept", expr)]);
    assert_eq!(server.post_alerts(&hook).status, 200);
    let posts = wait_until(limit, || {
        let posts = slack.accepted("chat.postMessage");
        (posts.len() == 2).then_some(posts)
    })
    .expect("both alerts posted");
    let token_of = |name: &str| {
        let post = posts.iter().find(|p| p.to_string().contains(name)).unwrap();
        chart_tokens(post)[0].clone()
    };
    let (gone_fired, kept_chart) = (token_of("Alert-gone"), token_of("Alert-kept"));
    let drawn_at = Instant::now();

    // "gone" ended long ago: once its resolve is delivered, it is past HISTORY_RETENTION.
    assert_eq!(server.post_alerts(&resolved("gone", expr)).status, 200);
    let update = wait_until(limit, || slack.accepted("chat.update").pop()).expect("resolved");
    let gone_resolved = chart_tokens(&update)[0].clone();
    assert_ne!(gone_resolved, gone_fired, "the resolve redrew the chart");
    let gone = |column: &str| {
        server.scalar(&format!(
            "SELECT count(*) FROM alerts WHERE fingerprint = 'gone' AND {column}"
        ))
    };
    wait_until(limit, || (gone("1") == 0).then_some(()))
        .unwrap_or_else(|| panic!("the resolved alert was not swept; log:\n{}", server.log()));
    assert_eq!(status(server, &gone_fired), 404);
    assert_eq!(status(server, &gone_resolved), 404);
    assert_eq!(status(server, &kept_chart), 200, "not a minute old yet");
    assert_eq!(
        server.count("messages"),
        1,
        "only the firing alert's message is left"
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM past_firings WHERE fingerprint = 'gone'"),
        1,
        "its span stays for the history lines"
    );
    assert_eq!(
        server.scalar("SELECT count(*) FROM outbox WHERE alert_id NOT IN (SELECT id FROM alerts)"),
        0
    );

    // "kept" still fires: past CHART_RETENTION its chart goes, the alert stays.
    wait_until(Duration::from_secs(90), || {
        (server.count("charts") == 0).then_some(())
    })
    .unwrap_or_else(|| panic!("the chart was not swept; log:\n{}", server.log()));
    assert!(
        drawn_at.elapsed() >= Duration::from_secs(55),
        "not before a minute"
    );
    assert_eq!(status(server, &kept_chart), 404);
    assert_eq!(
        server.scalar("SELECT count(*) FROM alerts WHERE fingerprint = 'kept'"),
        1
    );
    assert_eq!(
        metric(
            server,
            "alertgraph_retention_deleted_total{kind=\"alert\"} "
        ),
        1
    );
    assert_eq!(
        metric(
            server,
            "alertgraph_retention_deleted_total{kind=\"chart\"} "
        ),
        3
    );
    let on_disk = std::fs::metadata(stack.dir.0.join("alertgraph.db"))
        .unwrap()
        .len() as i64;
    assert!(metric(server, "alertgraph_database_bytes ") >= on_disk);
    server.wait_log_line("retention sweep removed 1 alerts, 2 charts", limit);
}

/// Alerts and charts past retention, written straight into the stopped service's file.
fn seed_backlog(dir: &TempDir, alerts: i64) {
    let db = rusqlite::Connection::open(dir.0.join("alertgraph.db")).unwrap();
    db.execute_batch("BEGIN").unwrap();
    let png = vec![0x5a_u8; 31 * 1024];
    for i in 0..alerts {
        db.execute(
            "INSERT INTO alerts (fingerprint, starts_at, status, alertname, labels, annotations,
                                 ends_at, generator_url, received_at, updated_at)
             VALUES (?1, 1000, 'resolved', 'Old', '{\"alertname\":\"Old\"}', '{}', 2000, '',
                     1000, 2000)",
            [format!("old{i}")],
        )
        .unwrap();
        let id = db.last_insert_rowid();
        db.execute(
            "INSERT INTO charts (token, alert_id, png, created_at) VALUES (?1, ?2, ?3, 1500)",
            rusqlite::params![format!("{id:032x}"), id, png],
        )
        .unwrap();
        db.execute(
            "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
             VALUES ('alert-resolved', ?1, 'done', 2000, 2000, 2000)",
            [id],
        )
        .unwrap();
    }
    db.execute_batch("COMMIT").unwrap();
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

/// Posts webhooks from `connections` threads until `stop`; each sample is (sent, took).
fn burst(server: &Server, connections: usize, stop: &AtomicBool) -> Vec<(Instant, Duration)> {
    let samples = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for c in 0..connections {
            let samples = &samples;
            s.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    let hook = webhook(&[(&format!("burst-{c}-{n}"), "small_metric > 0")]);
                    let sent = Instant::now();
                    let response = server.post_alerts(&hook);
                    let took = sent.elapsed();
                    assert_eq!(response.status, 200, "{}", response.body);
                    samples.lock().unwrap().push((sent, took));
                    n += 1;
                }
            });
        }
    });
    samples.into_inner().unwrap()
}

#[test]
fn a_sweep_of_a_large_backlog_runs_while_webhooks_are_acknowledged() {
    let dir = TempDir::new("retention-burst");
    // A first start creates the schema (on its first store call); the backlog is then
    // written into the file.
    let first = Server::start(&dir.0, &[]);
    assert_eq!(first.get("/metrics").status, 200);
    first.stop();
    let backlog = 3_000;
    seed_backlog(&dir, backlog);
    let file_bytes = || {
        std::fs::metadata(dir.0.join("alertgraph.db"))
            .unwrap()
            .len()
    };
    let seeded = file_bytes();
    let server = Server::start(&dir.0, &[("DRAIN_INTERVAL_SECS", "1")]);
    let alerts_left = || server.scalar("SELECT count(*) FROM alerts WHERE alertname = 'Old'");

    // Webhooks keep coming while the sweep works through the backlog; a watcher notes when
    // the first and the last old alert went.
    let stop = AtomicBool::new(false);
    let window: Arc<Mutex<(Option<Instant>, Option<Instant>)>> = Default::default();
    let during = std::thread::scope(|s| {
        s.spawn(|| {
            let started = Instant::now();
            loop {
                let left = alerts_left();
                let mut w = window.lock().unwrap();
                if left < backlog && w.0.is_none() {
                    w.0 = Some(Instant::now());
                }
                if left == 0 || started.elapsed() > Duration::from_secs(120) {
                    w.1 = Some(Instant::now());
                    break;
                }
                drop(w);
                std::thread::sleep(Duration::from_millis(2));
            }
            // Keep the load on a moment past the sweep's end.
            std::thread::sleep(Duration::from_millis(500));
            stop.store(true, Ordering::SeqCst);
        });
        burst(&server, 8, &stop)
    });
    assert_eq!(
        alerts_left(),
        0,
        "the backlog was swept; log:\n{}",
        server.log()
    );
    assert_eq!(server.count("charts"), 0);
    let (Some(began), Some(ended)) = *window.lock().unwrap() else {
        panic!("the sweep was not seen");
    };
    let mut overlapping: Vec<Duration> = during
        .iter()
        .filter(|(sent, took)| *sent + *took >= began && *sent <= ended)
        .map(|(_, took)| *took)
        .collect();
    assert!(
        overlapping.len() >= 10,
        "too few webhooks ({}) during the {:?} sweep to tell",
        overlapping.len(),
        ended - began
    );

    // The same load with nothing left to sweep, for comparison.
    let stop = AtomicBool::new(false);
    let after = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(ended - began + Duration::from_millis(500));
            stop.store(true, Ordering::SeqCst);
        });
        burst(&server, 8, &stop)
    });
    let mut after: Vec<Duration> = after.into_iter().map(|(_, took)| took).collect();
    // The freed pages go back to the file system (incremental auto_vacuum), a few MB a step.
    let waited = Instant::now();
    while file_bytes() > seeded / 4 {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "the file kept {} of its {seeded} bytes after the sweep",
            file_bytes()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let file = file_bytes();
    let (p99_during, p99_after) = (
        percentile(&mut overlapping, 0.99),
        percentile(&mut after, 0.99),
    );
    eprintln!(
        "retention sweep of {backlog} alerts with a 31 KB chart each: {:?}; webhooks during it \
         {} (p50 {:?}, p99 {p99_during:?}), after it {} (p50 {:?}, p99 {p99_after:?}): the \
         sweep added {:.1} ms to the p99; database file {:.1} MB before, {:.1} MB afterwards",
        ended - began,
        overlapping.len(),
        percentile(&mut overlapping, 0.5),
        after.len(),
        percentile(&mut after, 0.5),
        (p99_during.as_secs_f64() - p99_after.as_secs_f64()) * 1000.0,
        seeded as f64 / 1e6,
        file as f64 / 1e6,
    );
}
