//! More than one replica on a real libSQL server (sqld): the embedded binary with
//! `DB_CONNECTION_STRING=http://…`, alone and as several replicas sharing the outbox, one of
//! them killed mid-burst. Without sqld ($SQLD or ../shared/tools/sqld) they say so and pass.

use crate::delivery::webhook_from;
use crate::fake_slack::{Call, FakeSlack, Scripted};
use crate::libsql::{sqld_binary, Sqld};
use crate::support::{wait_until, Response, Server, TempDir, FIRING, JSON, RESOLVED};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

pub const TOKEN: &str = "xoxb-replicas-test";
/// A paced channel, and a 15 s time limit: a killed replica's leases run out 25 s later.
pub const SETTINGS: [(&str, &str); 2] = [
    ("SLACK_CHANNEL_INTERVAL_MS", "400"),
    ("REQUEST_TIMEOUT_SECS", "15"),
];

/// A new directory `name`, sqld serving its database there, and a fake Slack taking TOKEN;
/// None (`test` skipped, as [`sqld_binary`] says) without a sqld binary.
pub fn on_sqld(test: &str, name: &str) -> Option<(TempDir, Sqld, FakeSlack)> {
    let binary = sqld_binary(test)?;
    let dir = TempDir::new(name);
    let sqld = Sqld::start(&binary, &dir);
    Some((dir, sqld, FakeSlack::start(TOKEN)))
}

pub fn replica(
    slack: &FakeSlack,
    dir: &TempDir,
    name: &str,
    sqld: &Sqld,
    extra: &[(&str, &str)],
) -> Server {
    let storage = TempDir(dir.0.join(name));
    std::fs::create_dir_all(&storage.0).unwrap();
    let url = sqld.url();
    let mut env = vec![
        ("DB_CONNECTION_STRING", url.as_str()),
        ("SLACK_CHANNEL", "#alerts"),
    ];
    env.extend_from_slice(extra);
    let server = slack.alertgraph(&storage, TOKEN, &env);
    // The directory is the caller's: do not let this handle remove it.
    std::mem::forget(storage);
    server
}

pub fn wait_settled(sqld: &Sqld, limit: Duration, log: impl Fn() -> String) {
    let settled = wait_until(limit, || {
        (sqld.scalar("SELECT count(*) FROM outbox WHERE state = 'pending'") == 0).then_some(())
    });
    assert!(settled.is_some(), "outbox still pending; log:\n{}", log());
}

#[test]
fn the_embedded_host_on_a_libsql_server_fires_repeats_and_resolves_once() {
    let test = "the_embedded_host_on_a_libsql_server_fires_repeats_and_resolves_once";
    let Some((dir, sqld, slack)) = on_sqld(test, "libsql-host") else {
        return;
    };
    let server = replica(&slack, &dir, "a", &sqld, &[]);
    for hook in [FIRING, FIRING, RESOLVED] {
        let answer = server.post_alerts(hook.as_bytes());
        assert_eq!(answer.status, 200, "{}\n{}", answer.body, server.log());
        wait_settled(&sqld, Duration::from_secs(30), || server.log());
    }
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "the post and its resolved reply"
    );
    let updates = slack.accepted("chat.update");
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0]["attachments"][0]["color"], "#2EC95A");
    assert_eq!(sqld.scalar("SELECT count(*) FROM alerts"), 1);
    assert_eq!(sqld.scalar("SELECT count(*) FROM messages"), 1);
    assert_eq!(
        sqld.scalar("SELECT count(*) FROM outbox WHERE state = 'done'"),
        2
    );
    // Everything went to the server: no SQLite file was made beside the binary.
    assert!(!dir.0.join("a/alertgraph.db").exists());
}

/// A server away for a moment is waited out within the webhook; one away for longer gets
/// the webhook a 503, and Alertmanager's retry lands once it is back.
#[test]
fn webhooks_get_503_while_the_libsql_server_is_away_and_nothing_acknowledged_is_lost() {
    let test = "webhooks_get_503_while_the_libsql_server_is_away_and_nothing_acknowledged_is_lost";
    let Some((dir, sqld, slack)) = on_sqld(test, "libsql-away") else {
        return;
    };
    let server = replica(&slack, &dir, "a", &sqld, &[]);
    let first = webhook_from(FIRING, &[("before", &[])]);
    assert_eq!(server.post_alerts(&first).status, 200);

    // Back within half a second: the webhook waits for it (for up to 3 s) instead of a 503.
    sqld.stop();
    let blip = webhook_from(FIRING, &[("blip", &[])]);
    let waited = std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(500));
            sqld.restart();
        });
        server.post_alerts(&blip)
    });
    assert_eq!(waited.status, 200, "{}\n{}", waited.body, server.log());
    sqld.stop();

    let during = webhook_from(FIRING, &[("during", &[])]);
    let refused = server.post_alerts(&during);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.header("retry-after"), Some("1"));

    // Back on the same address with the same files; Alertmanager's retry then lands.
    sqld.restart();
    let retried = server.post_alerts(&during);
    assert_eq!(retried.status, 200, "{}\n{}", retried.body, server.log());
    wait_settled(&sqld, Duration::from_secs(60), || server.log());
    let posted = slack.accepted("chat.postMessage").len();
    assert_eq!(posted, 3, "each alert, once");
    assert_eq!(sqld.scalar("SELECT count(*) FROM alerts"), 3);
}

/// The server goes away between the resolve's edit and its reply's answer: the writes after
/// the reply are tried again until it is back, instead of once, and no attempt after the
/// lease edits the message or replies a second time.
#[test]
fn a_resolve_whose_settle_meets_the_server_away_is_not_sent_twice() {
    let test = "a_resolve_whose_settle_meets_the_server_away_is_not_sent_twice";
    let Some((dir, sqld, slack)) = on_sqld(test, "libsql-away-settle") else {
        return;
    };
    let server = replica(&slack, &dir, "a", &sqld, &[]);
    let alert: [(&str, &[(&str, &str)]); 1] = [("away-settle", &[])];
    let firing = server.post_alerts(&webhook_from(FIRING, &alert));
    assert_eq!(firing.status, 200, "{}", firing.body);
    wait_settled(&sqld, Duration::from_secs(30), || server.log());

    // The edit is answered 3 s after it arrives; the server stops before that and is back
    // 6 s later, so every write after the edit finds it away at first.
    slack.push(Scripted::Slow(Duration::from_secs(3)));
    let resolved = server.post_alerts(&webhook_from(RESOLVED, &alert));
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    let editing = wait_until(Duration::from_secs(30), || {
        (slack.in_flight() == 1).then_some(())
    });
    assert!(editing.is_some(), "the edit never came: {}", server.log());
    sqld.stop_for(Duration::from_secs(6));
    // A settle lost meanwhile would leave the job leased, then sent again after 40 s.
    wait_settled(&sqld, Duration::from_secs(90), || server.log());
    assert_eq!(slack.accepted("chat.update").len(), 1, "{}", server.log());
    let posts = slack.accepted("chat.postMessage");
    assert_eq!(
        posts.len(),
        2,
        "the alert and its resolved reply: {posts:#?}"
    );
    assert_eq!(
        sqld.scalar("SELECT count(*) FROM outbox WHERE state = 'done' AND attempts = 1"),
        2,
        "each job done at its first attempt:\n{}",
        server.log()
    );
}

/// Slack's 429 and a replica killed right after its answer, on a shared server: the rate
/// limit is waited out, the killed replica's job is taken over by another once its lease
/// runs out, and each alert is posted once (the successor finds a post Slack took).
#[test]
fn a_429_and_a_replica_killed_after_its_answer_still_post_once() {
    let test = "a_429_and_a_replica_killed_after_its_answer_still_post_once";
    let Some((dir, sqld, slack)) = on_sqld(test, "libsql-429-kill") else {
        return;
    };
    slack.push(Scripted::RateLimited {
        retry_after_secs: 1,
    });
    // Posts the successor may have to look for are found by the channel's id.
    let channel = slack.channel_id("#alerts");
    let settings = [("SLACK_CHANNEL", channel.as_str()), SETTINGS[1]];
    let first = replica(&slack, &dir, "a", &sqld, &settings);
    let limited = webhook_from(FIRING, &[("limited", &[])]);
    assert_eq!(first.post_webhook(&limited).status, 200);
    wait_settled(&sqld, Duration::from_secs(60), || first.log());
    let calls = slack.calls();
    assert_eq!(calls.len(), 2, "429, then delivered: {calls:#?}");

    let killed = webhook_from(FIRING, &[("killed", &[])]);
    assert_eq!(first.post_webhook(&killed).status, 200);
    first.crash();
    let second = replica(&slack, &dir, "b", &sqld, &settings);
    wait_settled(&sqld, Duration::from_secs(90), || second.log());
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        2,
        "{:#?}",
        slack.calls()
    );
    assert_eq!(sqld.scalar("SELECT count(*) FROM messages"), 2);
}

#[test]
fn a_database_url_that_does_not_answer_stops_start_up_naming_it() {
    let dir = TempDir::new("libsql-down");
    let port = crate::support::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_alertgraph"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LISTEN_HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("STORAGE_DIR", &dir.0)
        .env("DB_CONNECTION_STRING", &url)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot reach the libSQL server {url}")),
        "{stderr}"
    );
}

/// A post's alert, from the metadata every alert message carries (not its thread replies).
fn alert_id(post: &Value) -> Option<i64> {
    if post.get("thread_ts").is_some() {
        return None;
    }
    post["metadata"]["event_payload"]["alert_id"].as_i64()
}

/// For a failure message: the alerts of the messages `keys` (channel, ts), their outbox jobs
/// and every log line naming them.
fn what_touched(
    calls: &[Call],
    keys: &[(&(String, String), &usize)],
    sqld: &Sqld,
    logs: &str,
) -> String {
    let mut out = String::new();
    for ((channel, ts), _) in keys {
        // The keys are the JSON values as text.
        let (channel, ts): (Value, Value) = (
            serde_json::from_str(channel).unwrap(),
            serde_json::from_str(ts).unwrap(),
        );
        let posted = calls.iter().find(|c| {
            c.accepted("chat.postMessage") && c.answer["ts"] == ts && c.answer["channel"] == channel
        });
        if let Some(id) = posted.and_then(|c| alert_id(&c.body)) {
            out += &about_alert(id, sqld, logs);
        }
    }
    out
}

/// For a failure message: the alert's outbox jobs and every log line naming them.
fn about_alert(id: i64, sqld: &Sqld, logs: &str) -> String {
    let jobs = sqld.query(&format!(
        "SELECT id, kind, state, attempts, deaths, last_error FROM outbox \
         WHERE alert_id = {id} ORDER BY id"
    ));
    let mut out =
        format!("alert {id}: jobs (id, kind, state, attempts, deaths, last_error): {jobs:?}\n");
    let named = |line: &str| {
        line.contains(&format!("alert {id}"))
            || jobs
                .iter()
                .any(|row| line.contains(&format!("outbox job {}", row[0].as_i64().unwrap_or(-1))))
    };
    for line in logs.lines().filter(|l| named(l)) {
        out += line;
        out.push('\n');
    }
    out
}

/// One process of a cluster the tests post webhooks to.
pub trait Replica {
    fn post_webhook(&self, body: &[u8]) -> Response;
    fn log(&self) -> String;
}

impl Replica for Server {
    fn post_webhook(&self, body: &[u8]) -> Response {
        let bearer = format!("Bearer {}", crate::alertmanager::WEBHOOK_TOKEN);
        self.post("/api/alerts", &[JSON, ("Authorization", &bearer)], body)
    }

    fn log(&self) -> String {
        Server::log(self)
    }
}

/// 500 alerts to 20 channels, ten to a webhook, spread over `replicas`, with `midway`
/// called halfway (it returns the index of a replica it took down, if it did); then their
/// resolves. Each alert must be posted once and turned green once, and each channel's pace
/// (400 ms) held.
pub fn burst_is_posted_once(
    slack: &FakeSlack,
    sqld: &Sqld,
    replicas: &[&dyn Replica],
    midway: &dyn Fn() -> Option<usize>,
) {
    let (alerts, channels) = (500, 20);
    // By id, as the README advises: a post whose record an outage took can then be looked
    // for (to a channel name whose id is not known yet, it is posted again and counted).
    let ids: Vec<String> = (0..channels)
        .map(|c| slack.channel_id(&format!("#c{c}")))
        .collect();
    let names: Vec<(String, String)> = (0..alerts)
        .map(|i| (format!("burst-{i}"), ids[i % channels].clone()))
        .collect();
    let hooks: Vec<(Vec<u8>, Vec<u8>)> = names
        .chunks(10)
        .map(|chunk| {
            let alerts: Vec<(&str, Vec<(&str, &str)>)> = chunk
                .iter()
                .map(|(f, c)| (f.as_str(), vec![("slack_channel", c.as_str())]))
                .collect();
            let refs: Vec<(&str, &[(&str, &str)])> =
                alerts.iter().map(|(f, l)| (*f, l.as_slice())).collect();
            (webhook_from(FIRING, &refs), webhook_from(RESOLVED, &refs))
        })
        .collect();
    let mut live: Vec<&dyn Replica> = replicas.to_vec();
    // As Alertmanager does: a 5xx (the shared database busy or away, a sandbox past its time
    // limit) is sent again, for a minute here.
    let retried = std::cell::Cell::new(0);
    let send = |replica: &dyn Replica, body: &[u8]| {
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let answer = replica.post_webhook(body);
            if answer.status < 500 {
                return answer;
            }
            retried.set(retried.get() + 1);
            std::thread::sleep(Duration::from_millis(250));
        }
        replica.post_webhook(body)
    };
    let log = |live: &[&dyn Replica]| {
        live.iter()
            .map(|r| r.log())
            .collect::<Vec<_>>()
            .join("\n---\n")
    };
    let mut accepted = Vec::new();
    for (n, (firing, _)) in hooks.iter().enumerate() {
        if n == hooks.len() / 2 {
            if let Some(down) = midway() {
                live.remove(down);
            }
        }
        let answer = send(live[n % live.len()], firing);
        assert_eq!(answer.status, 200, "{}\n{}", answer.body, log(&live));
        accepted.push(std::time::Instant::now());
    }
    wait_settled(sqld, Duration::from_secs(180), || log(&live));
    for (n, (_, resolved)) in hooks.iter().enumerate() {
        let answer = send(live[n % live.len()], resolved);
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    wait_settled(sqld, Duration::from_secs(180), || log(&live));

    // Each alert posted once, and turned green once.
    let calls = slack.calls();
    let mut posts: BTreeMap<i64, usize> = BTreeMap::new();
    for call in calls.iter().filter(|c| c.accepted("chat.postMessage")) {
        if let Some(id) = alert_id(&call.body) {
            *posts.entry(id).or_default() += 1;
        }
    }
    let twice: Vec<_> = posts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "posted more than once: {twice:?}\n{}",
        twice
            .iter()
            .map(|(id, _)| about_alert(**id, sqld, &log(&live)))
            .collect::<String>()
    );
    assert!(posts.len() >= alerts, "{} alerts posted", posts.len());
    let mut greened: BTreeMap<(String, String), usize> = BTreeMap::new();
    for call in calls
        .iter()
        .filter(|c| c.accepted("chat.update") && c.body["attachments"][0]["color"] == "#2EC95A")
    {
        let key = (
            call.body["channel"].to_string(),
            call.body["ts"].to_string(),
        );
        *greened.entry(key).or_default() += 1;
    }
    assert!(
        greened.len() >= alerts,
        "{} messages turned green",
        greened.len()
    );
    let greened_twice: Vec<_> = greened.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        greened_twice.is_empty(),
        "turned green more than once: {greened_twice:?}\n{}",
        what_touched(&calls, &greened_twice, sqld, &log(&live))
    );

    // Each channel's pace held across the replicas: posts to one channel at least 400 ms
    // apart where they were taken, less the send's jitter on arrival.
    let mut last: BTreeMap<String, std::time::Instant> = BTreeMap::new();
    let mut closest = Duration::MAX;
    let top_level = |c: &&Call| c.accepted("chat.postMessage") && alert_id(&c.body).is_some();
    for call in calls.iter().filter(top_level) {
        let channel = call.body["channel"].to_string();
        if let Some(before) = last.insert(channel, call.at) {
            closest = closest.min(call.at - before);
        }
    }
    assert!(
        closest >= Duration::from_millis(200),
        "posts {closest:?} apart in one channel"
    );
    // From the webhook's 200 to its alert's post: mostly the channel's pace (25 alerts a
    // channel, one each 400 ms).
    let fingerprints: BTreeMap<i64, String> = sqld
        .query("SELECT id, fingerprint FROM alerts")
        .into_iter()
        .map(|row| {
            (
                row[0].as_i64().unwrap(),
                row[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut latencies: Vec<Duration> = calls
        .iter()
        .filter(top_level)
        .filter_map(|call| {
            let fingerprint = fingerprints.get(&alert_id(&call.body)?)?;
            let i: usize = fingerprint.strip_prefix("burst-")?.parse().ok()?;
            Some(call.at.saturating_duration_since(accepted[i / 10]))
        })
        .collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    eprintln!(
        "{alerts} alerts over {channels} channels on {} replicas: posted once each, turned \
         green once each; closest posts in one channel {closest:?}; {} webhooks sent again \
         after a 5xx; webhook answered → alert posted p50 {:?} p99 {:?} max {:?}",
        replicas.len(),
        retried.get(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

#[test]
fn replicas_sharing_a_libsql_server_post_each_alert_once_with_one_killed_mid_burst() {
    let test = "replicas_sharing_a_libsql_server_post_each_alert_once_with_one_killed_mid_burst";
    let Some((dir, sqld, slack)) = on_sqld(test, "libsql-replicas") else {
        return;
    };
    let [a, b, c] = ["a", "b", "c"].map(|name| replica(&slack, &dir, name, &sqld, &SETTINGS));
    burst_is_posted_once(&slack, &sqld, &[&a, &b, &c], &|| {
        c.kill_9();
        Some(2)
    });
}

/// The shared server stopped for 20 s mid-burst: webhooks get 503 meanwhile and are sent
/// again, nothing acknowledged is lost, and delivery resumes with no alert posted twice.
#[test]
fn replicas_ride_out_a_libsql_server_stopped_20_s_mid_burst() {
    let test = "replicas_ride_out_a_libsql_server_stopped_20_s_mid_burst";
    let Some((dir, sqld, slack)) = on_sqld(test, "libsql-stopped") else {
        return;
    };
    let [a, b] = ["a", "b"].map(|name| replica(&slack, &dir, name, &sqld, &SETTINGS));
    std::thread::scope(|scope| {
        burst_is_posted_once(&slack, &sqld, &[&a, &b], &|| {
            scope.spawn(|| sqld.stop_for(Duration::from_secs(20)));
            None
        });
    });
    let logs = format!("{}{}", a.log(), b.log());
    assert!(
        logs.contains("Connection refused"),
        "the server was away: {logs}"
    );
}
