//! Faults the service cannot prevent: a full disk gets a 5xx (so Alertmanager retries) and
//! never a 2xx for unsaved work; once there is space again the retried webhooks are stored.
//! A database another process keeps locked is waited for, then refused the same way.

use crate::delivery::webhook_with;
use crate::fake_slack::Scripted;
use crate::support::{request, Server, TempDir, JSON};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// A tmpfs of `size` mounted for one test (the tests run as root, as CI does).
struct SmallDisk {
    path: PathBuf,
    _dir: TempDir,
}

impl SmallDisk {
    fn mount(name: &str, size: &str) -> SmallDisk {
        let dir = TempDir::new(name);
        let path = dir.0.join("disk");
        std::fs::create_dir_all(&path).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(mounted.success(), "mounting a {size} tmpfs needs root");
        SmallDisk { path, _dir: dir }
    }

    /// Writes a filler file until the disk refuses more.
    fn fill(&self) -> PathBuf {
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        while file
            .write_all(&chunk)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: a file the test still holds open must not leave the mount behind.
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

#[test]
fn a_full_disk_gets_a_5xx_and_nothing_is_acknowledged_unsaved() {
    let disk = SmallDisk::mount("disk-full", "4m");
    let server = Server::start(&disk.path, &[]);
    let webhook = |i: usize| {
        let fingerprint = format!("{i:016x}");
        let instance = format!("host-{i}");
        webhook_with(&[(fingerprint.as_str(), &[("instance", instance.as_str())])])
    };
    // The first webhook creates the schema while there is room.
    assert_eq!(server.post_alerts(&webhook(0)).status, 200);
    let filler = disk.fill();

    // Webhooks until the store runs out of room: each 2xx must be stored, each refusal not.
    let mut refused = Vec::new();
    let mut stored: i64 = 1;
    for i in 1..300 {
        let answer = server.post_alerts(&webhook(i));
        match answer.status {
            200 => stored += 1,
            507 => {
                assert!(answer.body.contains("full"), "{}", answer.body);
                assert_eq!(answer.body.lines().count(), 1, "{}", answer.body);
                refused.push(i);
            }
            other => panic!("webhook {i}: {other} {}\n{}", answer.body, server.log()),
        }
        if refused.len() == 3 {
            break;
        }
    }
    assert_eq!(refused.len(), 3, "the disk never filled up");
    assert_eq!(server.count("alerts"), stored);

    // Space again: Alertmanager's retries of the refused webhooks are taken.
    std::fs::remove_file(filler).unwrap();
    for i in &refused {
        let answer = server.post_alerts(&webhook(*i));
        assert_eq!(answer.status, 200, "retry of {i}: {}", answer.body);
    }
    assert_eq!(server.count("alerts"), stored + 3);
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn sigterm_mid_burst_loses_nothing_it_acknowledged() {
    const TOKEN: &str = "xoxb-sigterm-test";
    let slack = crate::fake_slack::FakeSlack::start(TOKEN);
    let dir = TempDir::new("sigterm-burst");
    let server = slack.alertgraph(&dir, TOKEN, &[]);
    let addr = server.addr;
    // Each alert to its own channel, so that Slack's per-channel pace does not queue them.
    let webhook = |i: usize| {
        let (fingerprint, channel) = (format!("{i:016x}"), format!("#burst-{i}"));
        webhook_with(&[(fingerprint.as_str(), &[("slack_channel", channel.as_str())])])
    };
    // Six senders post until the server is gone (at most 200 each).
    let senders: Vec<_> = (0..6)
        .map(|sender| {
            std::thread::spawn(move || {
                let mut sent = Vec::new();
                for n in 0..200 {
                    let i = sender * 1000 + n;
                    let body = webhook(i);
                    // A refused connection (the server is gone) is an unacknowledged webhook.
                    let status = std::panic::catch_unwind(|| {
                        crate::support::request(addr, "POST", "/api/alerts", &[JSON], &body).status
                    })
                    .ok();
                    sent.push((i, status));
                    if status != Some(200) {
                        break;
                    }
                }
                sent
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(150));
    let status = server.stop();
    assert!(status.success(), "exit status {status}");
    let sent: Vec<(usize, Option<u16>)> = senders
        .into_iter()
        .flat_map(|s| s.join().unwrap())
        .collect();
    let acknowledged: Vec<usize> = sent
        .iter()
        .filter(|(_, status)| *status == Some(200))
        .map(|(i, _)| *i)
        .collect();
    assert!(!acknowledged.is_empty(), "the burst was not under way");
    assert!(
        acknowledged.len() < sent.len(),
        "SIGTERM came after the burst"
    );

    // Restarted on the same file: whatever was acknowledged is delivered, each once.
    let server = slack.alertgraph(&dir, TOKEN, &[]);
    server.wait_outbox_settled(std::time::Duration::from_secs(60));
    let stored = server.count("alerts");
    assert!(stored >= acknowledged.len() as i64, "{stored} stored");
    let posts = slack.accepted("chat.postMessage");
    let mut channels: Vec<String> = posts
        .iter()
        .map(|p| p["channel"].as_str().unwrap().to_owned())
        .collect();
    channels.sort();
    let posted = channels.len();
    channels.dedup();
    assert_eq!(channels.len(), posted, "a message was posted twice");
    assert_eq!(posted as i64, stored, "every stored alert posted once");
    for i in acknowledged {
        assert!(
            channels.contains(&format!("#burst-{i}")),
            "acknowledged alert {i} was never posted"
        );
    }
}

#[test]
fn a_locked_database_is_waited_for_then_refused_with_503_and_nothing_is_lost() {
    const TOKEN: &str = "xoxb-locked-db";
    let slack = crate::fake_slack::FakeSlack::start(TOKEN);
    let dir = TempDir::new("fault-locked-db");
    let server = slack.alertgraph(&dir, TOKEN, &[("SLACK_CHANNEL", "#alerts")]);
    // Another process (a backup, an operator's sqlite3 shell) takes the write lock.
    let other = server.db();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let addr = server.addr;
    let first = webhook_with(&[("locked-1", &[])]);
    let waiting = std::thread::spawn(move || request(addr, "POST", "/api/alerts", &[JSON], &first));
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(!waiting.is_finished(), "the webhook waits for the lock");
    other.execute_batch("COMMIT").unwrap();
    let answer = waiting.join().unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);

    // Held past the busy timeout: a 503 that Alertmanager retries, and nothing written.
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let second = webhook_with(&[("locked-2", &[])]);
    let refused = server.post_alerts(&second);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.body.lines().count(), 1, "{}", refused.body);
    assert!(refused.body.contains("busy"), "{}", refused.body);
    other.execute_batch("COMMIT").unwrap();
    assert_eq!(
        server.count("alerts"),
        1,
        "the refused webhook wrote nothing"
    );
    let retried = server.post_alerts(&second);
    assert_eq!(retried.status, 200, "{}", retried.body);

    // The outbox went on once the lock was gone: one message per alert.
    slack.wait_until(std::time::Duration::from_secs(60), |calls| {
        calls.iter().filter(|c| c.ok).count() == 2
    });
    server.wait_outbox_settled(std::time::Duration::from_secs(30));
    assert_eq!(slack.accepted("chat.postMessage").len(), 2);
    assert_eq!(server.count("messages"), 2);

    // Locked while a post is on its way: Slack takes the message, recording it waits out
    // the lock, and the alert is not posted a second time.
    slack.push(Scripted::Slow(std::time::Duration::from_secs(1)));
    let third = webhook_with(&[("locked-3", &[])]);
    assert_eq!(server.post_alerts(&third).status, 200);
    let posting = crate::support::wait_until(std::time::Duration::from_secs(30), || {
        let sql =
            "SELECT count(*) FROM outbox WHERE state = 'pending' AND posting_channel IS NOT NULL";
        (server.scalar(sql) == 1).then_some(())
    });
    assert!(
        posting.is_some(),
        "the post never started:\n{}",
        server.log()
    );
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // Past the busy timeout (5 s) of a write that starts when Slack answers, a second later.
    std::thread::sleep(std::time::Duration::from_secs(8));
    other.execute_batch("COMMIT").unwrap();
    server.wait_outbox_settled(std::time::Duration::from_secs(60));
    assert_eq!(
        slack.accepted("chat.postMessage").len(),
        3,
        "one message per alert"
    );
    assert_eq!(server.count("messages"), 3);
}
