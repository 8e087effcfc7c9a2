//! In-memory stand-ins for what delivery reaches outside the instance: each keeps a journal of
//! the calls that change something, answers from plain fields, and fails on request.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::alertmanager::SilenceSpec;
use crate::chart::draw::{DrawFailure, Drawing, Window};
use crate::chart::plot::PlottedAlert;
use crate::slack::api::{Ephemeral, PngFile, Posted, Upload};
use crate::slack::message::Message;
use crate::store::{
    AlertHistory, AlertSilence, ChatMessage, DeliveryPause, DrainTurn, Job, Paused, PostingJob,
    StoreError, StoredAlert, Timestamp, Webhook,
};

use super::super::seams::{Chat, Drawer, Edges, Silences, Store};
use super::super::Failure;

/// The fakes as one set.
pub struct Fakes;

impl Edges for Fakes {
    type Store = FakeStore;
    type Chat = FakeChat;
    type Alertmanager = FakeAlertmanager;
    type Drawer = FakeDrawer;
}

/// Runs a future that never waits on anything outside (the fakes answer at once).
pub fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

type Stored<T> = Result<T, StoreError>;

#[derive(Default)]
pub struct FakeStore {
    pub alerts: RefCell<BTreeMap<i64, StoredAlert>>,
    pub messages: RefCell<BTreeMap<i64, ChatMessage>>,
    /// Channel names whose id is known.
    pub channel_ids: RefCell<BTreeMap<String, String>>,
    /// A channel's next turn, as both the look and the take see it.
    pub next_turn: RefCell<BTreeMap<String, Timestamp>>,
    /// A channel whose turn another sender takes between the look and the take.
    pub taken_turn: RefCell<BTreeMap<String, Timestamp>>,
    pub ended_silences: RefCell<Vec<i64>>,
    /// Jobs the next claim hands out.
    pub due: RefCell<Vec<Job>>,
    /// Calls that answer busy, by name, and how many more times (`u32::MAX`: always).
    pub busy: RefCell<BTreeMap<&'static str, u32>>,
    /// Zoom replies posted, by alert and window.
    pub zoom_replies: RefCell<BTreeMap<(i64, i64), ChatMessage>>,
    /// The writes, one line each, in order.
    pub journal: RefCell<Vec<String>>,
    charts: Cell<u32>,
}

impl FakeStore {
    fn call(&self, name: &'static str) -> Stored<()> {
        let mut busy = self.busy.borrow_mut();
        match busy.get_mut(name) {
            Some(0) | None => Ok(()),
            Some(left) => {
                *left = left.saturating_sub(u32::from(*left != u32::MAX));
                Err(StoreError::Busy(format!("{name}: database is locked")))
            }
        }
    }

    fn write(&self, name: &'static str, line: String) -> Stored<()> {
        self.call(name)?;
        self.journal.borrow_mut().push(line);
        Ok(())
    }

    /// The journal's lines that start with `prefix`.
    pub fn written(&self, prefix: &str) -> Vec<String> {
        let journal = self.journal.borrow();
        journal
            .iter()
            .filter(|line| line.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Another sender takes `channel`'s turn, until `next`, between the look and the take.
    pub fn turn_taken_meanwhile(&self, channel: &str, next: Timestamp) {
        self.taken_turn.borrow_mut().insert(channel.into(), next);
    }
}

impl Store for FakeStore {
    fn get_alert(&self, id: i64) -> Stored<Option<StoredAlert>> {
        self.call("get_alert")?;
        Ok(self.alerts.borrow().get(&id).cloned())
    }
    fn get_alert_history(&self, _: i64, _: Timestamp) -> Stored<Option<AlertHistory>> {
        self.call("get_alert_history")?;
        Ok(None)
    }
    fn set_alert_silence(
        &self,
        id: i64,
        silence: Option<&AlertSilence>,
        _: Timestamp,
    ) -> Stored<()> {
        let line = match silence {
            Some(s) => format!("silence {id} {} by {}", s.id, s.user_id),
            None => format!("unsilence {id}"),
        };
        self.write("set_alert_silence", line)
    }
    fn ended_silences(&self, _: Timestamp) -> Stored<Vec<i64>> {
        self.call("ended_silences")?;
        Ok(self.ended_silences.borrow().clone())
    }
    fn record_webhook(&self, hook: &Webhook, _: Timestamp, _: u32) -> Stored<()> {
        let alerts: Vec<_> = hook.alerts.iter().map(|a| a.fingerprint.clone()).collect();
        let line = format!("webhook {:?} {}", hook.status, alerts.join(","));
        self.write("record_webhook", line)
    }
    fn begin_drain(&self, _: Timestamp, _: u32, _: u32, _: &str) -> Stored<Option<DrainTurn>> {
        self.call("begin_drain")?;
        Ok(Some(DrainTurn { slot: 0, ticket: 1 }))
    }
    fn end_drain(&self, _: DrainTurn, _: Timestamp) -> Stored<Option<Timestamp>> {
        self.call("end_drain")?;
        Ok(None)
    }
    fn claim_jobs(&self, _: Timestamp, _: u32, _: u32, _: &str) -> Stored<Vec<Job>> {
        self.call("claim_jobs")?;
        Ok(std::mem::take(&mut *self.due.borrow_mut()))
    }
    fn start_job(&self, id: i64, _: u32) -> Stored<()> {
        self.write("start_job", format!("start {id}"))
    }
    fn defer_job(&self, id: i64, _: u32, _: Timestamp) -> Stored<()> {
        self.write("defer_job", format!("defer {id}"))
    }
    fn complete_job(&self, id: i64, _: u32) -> Stored<()> {
        self.write("complete_job", format!("complete {id}"))
    }
    fn reschedule_job(
        &self,
        id: i64,
        _: u32,
        _: Timestamp,
        error: &str,
        uncertain: bool,
    ) -> Stored<()> {
        let doubt = if uncertain { " (maybe posted)" } else { "" };
        self.write("reschedule_job", format!("reschedule {id}{doubt}: {error}"))
    }
    fn dead_letter_job(&self, id: i64, _: u32, error: &str) -> Stored<()> {
        self.write("dead_letter_job", format!("dead-letter {id}: {error}"))
    }
    fn record_job_step(&self, id: i64, _: u32, step: u32) -> Stored<()> {
        self.write("record_job_step", format!("step {id} {step}"))
    }
    fn enqueue_chart_redraw(&self, alert_id: i64, _: Timestamp, _: Timestamp) -> Stored<bool> {
        self.write("enqueue_chart_redraw", format!("redraw {alert_id}"))?;
        Ok(true)
    }
    fn zoom_reply(
        &self,
        alert_id: i64,
        window_ms: i64,
        _: Timestamp,
    ) -> Stored<Option<ChatMessage>> {
        self.call("zoom_reply")?;
        Ok(self
            .zoom_replies
            .borrow()
            .get(&(alert_id, window_ms))
            .cloned())
    }
    fn save_zoom_reply(&self, alert_id: i64, window_ms: i64, message: &ChatMessage) -> Stored<()> {
        let line = format!(
            "zoom {alert_id} {window_ms} {} {}",
            message.channel, message.ts
        );
        self.write("save_zoom_reply", line)?;
        let mut replies = self.zoom_replies.borrow_mut();
        replies.insert((alert_id, window_ms), message.clone());
        Ok(())
    }
    fn find_message(&self, alert_id: i64) -> Stored<Option<ChatMessage>> {
        self.call("find_message")?;
        Ok(self.messages.borrow().get(&alert_id).cloned())
    }
    fn save_message(
        &self,
        alert_id: i64,
        message: &ChatMessage,
        requested: &str,
        _: Timestamp,
        unverified: bool,
    ) -> Stored<()> {
        let doubt = if unverified { " unverified" } else { "" };
        let line = format!(
            "message {alert_id} {} {} as {requested}{doubt}",
            message.channel, message.ts
        );
        self.write("save_message", line)?;
        self.messages.borrow_mut().insert(alert_id, message.clone());
        Ok(())
    }
    fn channel_id(&self, name: &str) -> Stored<Option<String>> {
        self.call("channel_id")?;
        Ok(self.channel_ids.borrow().get(name).cloned())
    }
    fn take_channel_turn(
        &self,
        channel: &str,
        now: Timestamp,
        _: u32,
        job: Option<PostingJob>,
    ) -> Stored<Option<Timestamp>> {
        self.call("take_channel_turn")?;
        let taken = self.taken_turn.borrow().get(channel).copied();
        if let Some(next) = taken.or(self.next_channel_turn(channel, now)?) {
            return Ok(Some(next));
        }
        let posting = job
            .map(|job| format!(" for job {}", job.id))
            .unwrap_or_default();
        self.journal
            .borrow_mut()
            .push(format!("turn {channel}{posting}"));
        Ok(None)
    }
    fn next_channel_turn(&self, channel: &str, _: Timestamp) -> Stored<Option<Timestamp>> {
        self.call("next_channel_turn")?;
        Ok(self.next_turn.borrow().get(channel).copied())
    }
    fn pause_channel(&self, channel: &str, _: Timestamp) -> Stored<()> {
        self.write("pause_channel", format!("pause-channel {channel}"))
    }
    fn pause_delivery(&self, pause: &DeliveryPause, now: Timestamp) -> Stored<Paused> {
        let scope = pause.channel.as_deref().unwrap_or("everywhere");
        self.write("pause_delivery", format!("pause {scope} {}", pause.reason))?;
        Ok(Paused {
            until: now + 60_000,
            new: true,
        })
    }
    fn resume_delivery(&self, _: &str) -> Stored<Vec<DeliveryPause>> {
        self.call("resume_delivery")?;
        Ok(Vec::new())
    }
    fn save_chart(&self, alert_id: i64, _: &[u8], _: Timestamp) -> Stored<String> {
        self.call("save_chart")?;
        self.charts.set(self.charts.get() + 1);
        Ok(format!("tok{alert_id}x{}", self.charts.get()))
    }
    fn chart_shown(&self, token: &str, _: Timestamp) -> Stored<()> {
        self.write("chart_shown", format!("shown {token}"))
    }
}

/// A chat service that takes everything unless told to fail the next call of a method.
#[derive(Default)]
pub struct FakeChat {
    /// What the history lookup finds.
    pub history: RefCell<Option<Posted>>,
    /// The next answers of a method, by name, before it succeeds again.
    pub failures: RefCell<BTreeMap<&'static str, VecDeque<Failure>>>,
    /// The calls, one line each, in order.
    pub calls: RefCell<Vec<String>>,
    /// The messages posted or updated, in order.
    pub sent: RefCell<Vec<Message>>,
}

impl FakeChat {
    pub fn fail_next(&self, method: &'static str, failure: Failure) {
        self.failures
            .borrow_mut()
            .entry(method)
            .or_default()
            .push_back(failure);
    }

    fn call(&self, method: &'static str, line: String) -> Result<(), Failure> {
        self.calls.borrow_mut().push(line);
        match self
            .failures
            .borrow_mut()
            .get_mut(method)
            .and_then(VecDeque::pop_front)
        {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    /// The id Slack gives a channel named `#name`.
    pub fn id_of(channel: &str) -> String {
        format!("C0{}0", channel.trim_start_matches('#').to_uppercase())
    }
}

impl Chat for FakeChat {
    fn channel_interval_ms(&self) -> u32 {
        1_000
    }

    async fn post_message(&self, message: &Message) -> Result<Posted, Failure> {
        let thread = message
            .thread_ts
            .as_deref()
            .map(|ts| format!(" in {ts}"))
            .unwrap_or_default();
        self.call("post", format!("post {}{thread}", message.channel))?;
        self.sent.borrow_mut().push(message.clone());
        Ok(Posted {
            channel: FakeChat::id_of(&message.channel),
            ts: format!("{}.000100", self.sent.borrow().len()),
        })
    }
    async fn update_message(&self, message: &Message, ts: &str) -> Result<Posted, Failure> {
        self.call("update", format!("update {} {ts}", message.channel))?;
        self.sent.borrow_mut().push(message.clone());
        Ok(Posted {
            channel: message.channel.clone(),
            ts: ts.to_owned(),
        })
    }
    async fn find_posted(
        &self,
        channel_id: &str,
        _: Timestamp,
        alert_id: i64,
    ) -> Result<Option<Posted>, Failure> {
        self.call("find", format!("find {alert_id} in {channel_id}"))?;
        Ok(self.history.borrow_mut().take())
    }
    async fn upload_png(&self, upload: &Upload<'_>) -> Result<(), Failure> {
        let line = format!(
            "upload {} {} {} alt {}",
            upload.channel_id,
            upload.thread_ts,
            upload.file.filename,
            upload.file.alt.unwrap_or("none")
        );
        self.call("upload", line)
    }
    async fn upload_file(&self, file: &PngFile<'_>) -> Result<String, Failure> {
        self.call("upload_file", format!("upload {}", file.filename))?;
        Ok(format!("F{}", self.calls.borrow().len()))
    }
    async fn post_ephemeral(&self, note: &Ephemeral<'_>) -> Result<(), Failure> {
        let line = format!(
            "ephemeral {} {} in {}: {}",
            note.channel, note.user, note.thread_ts, note.text
        );
        self.call("ephemeral", line)
    }
    async fn permalink(&self, channel_id: &str, ts: &str) -> Result<String, Failure> {
        self.call("permalink", format!("permalink {channel_id} {ts}"))?;
        Ok(format!(
            "https://example.slack.com/archives/{channel_id}/p{ts}"
        ))
    }
}

#[derive(Default)]
pub struct FakeAlertmanager {
    pub firing: Cell<bool>,
    /// The silence an earlier attempt made, found by its marker.
    pub earlier: RefCell<Option<String>>,
    pub failures: RefCell<VecDeque<Failure>>,
    pub calls: RefCell<Vec<String>>,
}

impl FakeAlertmanager {
    fn call(&self, line: String) -> Result<(), Failure> {
        self.calls.borrow_mut().push(line);
        self.failures.borrow_mut().pop_front().map_or(Ok(()), Err)
    }
}

impl Silences for FakeAlertmanager {
    async fn is_firing(&self, alertname: &str, _: &str, _: Timestamp) -> Result<bool, Failure> {
        self.call(format!("firing? {alertname}"))?;
        Ok(self.firing.get())
    }
    async fn create_silence(&self, spec: &SilenceSpec<'_>) -> Result<String, Failure> {
        let replaces = spec
            .replaces
            .map(|id| format!(" replacing {id}"))
            .unwrap_or_default();
        self.call(format!("create{replaces}: {}", spec.comment))?;
        Ok("s-new".into())
    }
    async fn find_silence(&self, marker: &str) -> Result<Option<String>, Failure> {
        self.call(format!("find {marker}"))?;
        Ok(self.earlier.borrow().clone())
    }
    async fn expire_silence(&self, id: &str) -> Result<(), Failure> {
        self.call(format!("expire {id}"))
    }
}

/// Draws a tiny "PNG", or fails as told.
#[derive(Default)]
pub struct FakeDrawer {
    pub failure: RefCell<Option<DrawFailure>>,
    pub drawn: Cell<u32>,
    /// The window of each drawing, in order.
    pub windows: RefCell<Vec<Window>>,
}

impl Drawer for FakeDrawer {
    async fn draw(
        &self,
        alert: PlottedAlert<'_>,
        _: &str,
        window: Window,
        _: Timestamp,
    ) -> Result<Drawing, DrawFailure> {
        self.drawn.set(self.drawn.get() + 1);
        self.windows.borrow_mut().push(window);
        if let Some(failure) = self.failure.borrow().clone() {
            return Err(failure);
        }
        Ok(Drawing {
            png: b"\x89PNG".to_vec(),
            alt: format!("chart of {}", alert.alertname),
            numbers: Some("6.6 % when it fired · peak 9.1 % · 14 min above 5 %".into()),
            promql: "up".into(),
            series: 1,
        })
    }
}
