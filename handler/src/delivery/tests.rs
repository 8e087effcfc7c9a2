//! The delivery state machine, run natively on fakes (`fakes`): each job kind's transitions
//! and each failure class, with what reached the chat service and what the store was told.

use std::time::{Duration, Instant};

use fakes::{run, FakeAlertmanager, FakeChat, FakeDrawer, FakeStore, Fakes};

use super::failure::Hold;
use super::settle::{backoff_ms, settle};
use super::silence::settle_ended_silences;
use super::{wait_before_next, Courier, Failure, Options};
use crate::chart::draw::{DrawFailure, Window};
use crate::config::ChartDelivery;
use crate::slack::api::Posted;
use crate::store::{
    Alert, AlertSilence, AlertStatus, ChatMessage, Job, JobKind, PostingIntent, StoredAlert,
    Timestamp,
};

mod fakes;
mod jobs;
mod zoom;

/// One alert (id 1, channel `#alerts`) and everything outside the instance, faked.
struct Desk {
    store: FakeStore,
    chat: FakeChat,
    alertmanager: Option<FakeAlertmanager>,
    drawer: Option<FakeDrawer>,
    options: Options,
}

impl Desk {
    /// No Alertmanager, no charts, messages to `#alerts` unless an alert says otherwise.
    fn new() -> Desk {
        let desk = Desk {
            store: FakeStore::default(),
            chat: FakeChat::default(),
            alertmanager: None,
            drawer: None,
            options: Options {
                default_channel: Some("#alerts".into()),
                explorer_url: None,
                controls: None,
                chart_delivery: ChartDelivery::Url,
                base_url: Some("https://alertgraph.example".into()),
                window: Window::Around {
                    before_ms: 3_600_000,
                    after_ms: 900_000,
                },
                group_limit: 10,
                allow_broadcast_mentions: false,
            },
        };
        desk.add_alert(1, AlertStatus::Firing, &[]);
        desk
    }

    fn with_charts(mut self, delivery: ChartDelivery) -> Desk {
        self.drawer = Some(FakeDrawer::default());
        self.options.chart_delivery = delivery;
        self
    }

    fn with_alertmanager(mut self) -> Desk {
        self.alertmanager = Some(FakeAlertmanager::default());
        self
    }

    fn courier(&self) -> Courier<'_, Fakes> {
        Courier {
            store: &self.store,
            chat: &self.chat,
            alertmanager: self.alertmanager.as_ref(),
            drawer: self.drawer.as_ref(),
            options: &self.options,
        }
    }

    fn deliver(&self, job: &Job) -> Result<(), Hold> {
        run(self.courier().deliver(job))
    }

    /// One attempt at job 7, of `kind`, for alert 1.
    fn attempt(&self, kind: JobKind) -> Result<(), Hold> {
        self.deliver(&job(7, kind, 1))
    }

    /// Asserts that an attempt of `kind` waits for its channel's turn at `next`, sending nothing.
    fn assert_deferred(&self, kind: JobKind, next: Timestamp) {
        assert_eq!(self.attempt(kind), Err(Hold::Deferred(next)));
        assert!(self.calls().is_empty());
    }

    fn add_alert(&self, id: i64, status: AlertStatus, labels: &[(&str, &str)]) {
        let mut all = vec![("alertname".to_owned(), format!("Alert{id}"))];
        all.extend(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let stored = StoredAlert {
            id,
            alert: Alert {
                fingerprint: format!("f{id}"),
                status,
                labels: all,
                annotations: Vec::new(),
                starts_at: crate::now_ms() - 600_000,
                ends_at: (status == AlertStatus::Resolved).then(crate::now_ms),
                generator_url: String::new(),
            },
            received_at: crate::now_ms(),
            updated_at: crate::now_ms(),
            acknowledged: None,
            silenced: None,
        };
        self.store.alerts.borrow_mut().insert(id, stored);
    }

    fn set_status(&self, id: i64, status: AlertStatus) {
        let mut alerts = self.store.alerts.borrow_mut();
        let stored = alerts.get_mut(&id).expect("a stored alert");
        stored.alert.status = status;
        stored.alert.ends_at = (status == AlertStatus::Resolved).then(crate::now_ms);
    }

    fn set_silenced(&self, id: i64, silence_id: &str) {
        let mut alerts = self.store.alerts.borrow_mut();
        alerts.get_mut(&id).expect("a stored alert").silenced = Some(AlertSilence {
            id: silence_id.into(),
            user_id: "U1".into(),
            until: crate::now_ms() + 3_600_000,
        });
    }

    /// Alert `id`'s message as posted earlier, in channel `C0ALERTS0`.
    fn posted_earlier(&self, id: i64) {
        let message = ChatMessage {
            channel: "C0ALERTS0".into(),
            ts: "100.000100".into(),
        };
        self.store.messages.borrow_mut().insert(id, message);
    }

    fn calls(&self) -> Vec<String> {
        self.chat.calls.borrow().clone()
    }

    /// The JSON of the `n`th message sent (posted or updated).
    fn sent(&self, n: usize) -> String {
        serde_json::to_string(&self.chat.sent.borrow()[n]).expect("a message serializes")
    }

    /// Asserts that the `n`th message sent shows `text`.
    fn assert_sent_shows(&self, n: usize, text: &str) {
        let sent = self.sent(n);
        assert!(sent.contains(text), "{text:?} not in {sent}");
    }
}

fn job(id: i64, kind: JobKind, alert_id: i64) -> Job {
    Job {
        id,
        kind,
        alert_id,
        attempt: 1,
        failures: 0,
        deaths: 0,
        due_at: 0,
        lease_until: 0,
        last_error: None,
        payload: None,
        posting: None,
        steps_done: 0,
    }
}

fn retry(reason: &str, maybe_posted: bool) -> Failure {
    Failure::Retry {
        after_ms: None,
        reason: reason.into(),
        maybe_posted,
    }
}

fn missing_scope(channel: Option<&str>) -> Failure {
    Failure::Misconfigured {
        channel: channel.map(str::to_owned),
        code: "missing_scope".into(),
        reason: "chat.postMessage: missing_scope".into(),
    }
}

fn transient(reason: &str) -> DrawFailure {
    DrawFailure {
        reason: reason.into(),
        transient: true,
    }
}

/// The reason of a `Hold::Failed(Failure::Retry)`, and whether it says maybe posted.
fn retried(hold: Result<(), Hold>) -> (String, bool) {
    match hold {
        Err(Hold::Failed(Failure::Retry {
            reason,
            maybe_posted,
            ..
        })) => (reason, maybe_posted),
        other => panic!("not a retry: {other:?}"),
    }
}

fn permanent(hold: Result<(), Hold>) -> String {
    match hold {
        Err(Hold::Failed(Failure::Permanent(reason))) => reason,
        other => panic!("not permanent: {other:?}"),
    }
}

// What an attempt leaves in the outbox (`settle`).

/// What the store is told when `job` settles with `result`.
fn settled_on(store: &FakeStore, job: &Job, result: Result<(), Hold>) -> Vec<String> {
    settle(store, job, result, Instant::now() + Duration::from_secs(2));
    store.journal.borrow().clone()
}

/// The same, on a store that answers every call.
fn settled(job: &Job, result: Result<(), Hold>) -> Vec<String> {
    settled_on(&FakeStore::default(), job, result)
}

#[test]
fn each_result_of_an_attempt_settles_its_job_by_its_class() {
    let fired = job(7, JobKind::AlertFired, 1);
    assert_eq!(settled(&fired, Ok(())), ["complete 7"]);
    assert_eq!(settled(&fired, Err(Hold::Deferred(5))), ["defer 7"]);
    let result = Err(retry("chat.postMessage: HTTP 503", true).into());
    assert_eq!(
        settled(&fired, result),
        ["reschedule 7 (maybe posted): chat.postMessage: HTTP 503"]
    );
    let result = Err(Failure::Permanent("msg_too_long".into()).into());
    assert_eq!(settled(&fired, result), ["dead-letter 7: msg_too_long"]);
}

#[test]
fn a_configuration_fault_pauses_delivery_and_is_never_dead_lettered() {
    let mut last_try = job(7, JobKind::AlertFired, 1);
    last_try.failures = super::limits::MAX_ATTEMPTS + 5;
    let everywhere = Err(missing_scope(None).into());
    assert_eq!(
        settled(&last_try, everywhere),
        [
            "pause everywhere missing_scope",
            "reschedule 7: chat.postMessage: missing_scope"
        ]
    );
    let one_channel = Err(missing_scope(Some("#alerts")).into());
    assert_eq!(
        settled(&last_try, one_channel)[0],
        "pause #alerts missing_scope"
    );
}

#[test]
fn a_passing_failure_is_dead_lettered_only_at_the_last_attempt() {
    let mut last = job(7, JobKind::AlertFired, 1);
    last.failures = super::limits::MAX_ATTEMPTS - 1;
    assert_eq!(
        settled(&last, Err(retry("HTTP 503", false).into())),
        ["dead-letter 7: gave up after 1440 attempts: HTTP 503"]
    );
}

#[test]
fn an_attempt_after_an_unanswered_post_stays_in_doubt_until_a_lookup_settles_it() {
    let mut fired = job(7, JobKind::AlertFired, 1);
    fired.posting = Some(PostingIntent {
        channel: "#alerts".into(),
        since: 1,
    });
    assert_eq!(
        settled(&fired, Err(retry("store: busy", false).into())),
        ["reschedule 7 (maybe posted): store: busy"]
    );
}

#[test]
fn a_settle_the_store_refuses_as_busy_is_written_once_it_is_free() {
    let fired = job(7, JobKind::AlertFired, 1);
    let store = FakeStore::default();
    store.busy.borrow_mut().insert("complete_job", 3);
    assert_eq!(settled_on(&store, &fired, Ok(())), ["complete 7"]);
    let store = FakeStore::default();
    store.busy.borrow_mut().insert("complete_job", u32::MAX);
    settle(
        &store,
        &fired,
        Ok(()),
        Instant::now() + Duration::from_millis(600),
    );
    assert!(
        store.journal.borrow().is_empty(),
        "given up at its deadline"
    );
}

// The drain loop's pure parts.

#[test]
fn a_drainer_waits_only_for_a_job_due_soon_within_its_budget() {
    let s = Duration::from_secs;
    assert_eq!(wait_before_next(5_000, 4_000, s(14)), Some(Duration::ZERO));
    assert_eq!(wait_before_next(5_000, 5_000, s(14)), Some(Duration::ZERO));
    assert_eq!(
        wait_before_next(5_000, 6_500, s(14)),
        Some(Duration::from_millis(1_500))
    );
    assert_eq!(wait_before_next(5_000, 7_000, s(14)), Some(s(2)));
    assert_eq!(
        wait_before_next(5_000, 7_001, s(14)),
        None,
        "a retry's backoff"
    );
    assert_eq!(
        wait_before_next(5_000, 6_000, s(1)),
        None,
        "past the budget"
    );
    assert_eq!(wait_before_next(5_000, 5_000, Duration::ZERO), None);
}

#[test]
fn backoff_doubles_up_to_a_minute_with_bounded_jitter() {
    for (attempt, base) in [
        (1, 2_000u64),
        (2, 4_000),
        (3, 8_000),
        (5, 32_000),
        (6, 60_000),
        (40, 60_000),
    ] {
        for now in [0i64, 1, 199, 200, 400, 123_456_789] {
            let got = backoff_ms(attempt, now);
            assert!(
                got >= base * 8 / 10 && got <= base * 12 / 10,
                "{attempt} {now}: {got}"
            );
        }
    }
}

#[test]
fn a_failing_job_is_retried_for_about_a_day_before_it_is_dead_lettered() {
    let shortest: u64 = (1..super::limits::MAX_ATTEMPTS)
        .map(|a| backoff_ms(a, 0))
        .sum();
    let longest: u64 = (1..super::limits::MAX_ATTEMPTS)
        .map(|a| backoff_ms(a, 400))
        .sum();
    let hours = |ms: u64| ms as f64 / 3_600_000.0;
    assert!(hours(shortest) > 18.0, "{}", hours(shortest));
    assert!(hours(longest) < 30.0, "{}", hours(longest));
}

#[test]
fn a_job_that_killed_instances_goes_alone_or_is_given_up_before_it_starts() {
    let desk = Desk::new();
    let mut doomed = job(7, JobKind::AlertFired, 1);
    doomed.deaths = super::limits::MAX_DEATHS;
    let mut dying = job(8, JobKind::AlertFired, 1);
    dying.deaths = 1;
    let mate = job(9, JobKind::AlertFired, 1);
    *desk.store.due.borrow_mut() = vec![doomed, dying, mate];
    let soon = Instant::now() + Duration::from_secs(5);
    run(desk.courier().deliver_due("me", 60_000, (soon, soon)));
    let journal = desk.store.journal.borrow();
    assert!(
        journal[0].starts_with("dead-letter 7: its instance stopped 3 times"),
        "{journal:?}"
    );
    assert_eq!(journal[1], "start 8");
    assert_eq!(
        journal[2], "defer 9",
        "its batch-mate is released before it runs"
    );
    assert!(journal.contains(&"complete 8".to_owned()), "{journal:?}");
    assert!(!journal.contains(&"start 9".to_owned()), "{journal:?}");
    assert_eq!(desk.calls(), ["post #alerts"]);
}

#[test]
fn out_of_time_the_jobs_not_started_are_released_at_once() {
    let desk = Desk::new();
    *desk.store.due.borrow_mut() = vec![job(7, JobKind::AlertFired, 1)];
    let past = Instant::now();
    run(desk.courier().deliver_due("me", 60_000, (past, past)));
    assert!(desk.calls().is_empty());
    // The loop does not even claim past its deadline.
    assert_eq!(desk.store.due.borrow().len(), 1);
}

#[test]
fn the_earlier_post_the_lookup_finds_is_the_one_recorded() {
    let desk = Desk::new();
    let mut fired = job(7, JobKind::AlertFired, 1);
    fired.posting = Some(PostingIntent {
        channel: "C0ALERTS0".into(),
        since: crate::now_ms() - 5_000,
    });
    *desk.chat.history.borrow_mut() = Some(Posted {
        channel: "C0ALERTS0".into(),
        ts: "42.000100".into(),
    });
    assert_eq!(desk.deliver(&fired), Ok(()));
    assert_eq!(desk.calls(), ["find 1 in C0ALERTS0"]);
    assert_eq!(
        desk.store.written("message"),
        ["message 1 C0ALERTS0 42.000100 as C0ALERTS0"]
    );
}
