//! What delivery reaches outside the instance, each behind a trait so that the state machine
//! runs natively in tests (`tests/fakes.rs`): the store (the WIT import), the chat service
//! (Slack's Web API, in `slack::api`), Alertmanager (silences, in `alertmanager`) and the
//! chart drawer (Prometheus and the renderer, in `chart::draw`). [`Edges`] names one set.

use crate::alertmanager::{Alertmanager, SilenceSpec};
use crate::chart::draw::{DrawFailure, Drawing, Window};
use crate::chart::plot::PlottedAlert;
use crate::chart::prometheus::Prometheus;
use crate::slack::api::{Client, Ephemeral, PngFile, Posted, Upload};
use crate::slack::message::Message;
use crate::store::{
    AlertHistory, AlertSilence, ChatMessage, DeliveryPause, DrainTurn, Job, Paused, PostingJob,
    StoreError, StoredAlert, Timestamp, Webhook,
};
use crate::{alerts, charts, chat_state, outbox};

use super::Failure;

type Stored<T> = Result<T, StoreError>;

/// The store calls delivery makes, grouped by what they are about; each defaults to the
/// `store` import, which [`WitStore`] is, so that only a fake spells them out again.
pub trait Store {
    // Alerts.
    fn get_alert(&self, id: i64) -> Stored<Option<StoredAlert>> {
        alerts::get_alert(id)
    }
    fn get_alert_history(&self, id: i64, now: Timestamp) -> Stored<Option<AlertHistory>> {
        alerts::get_alert_history(id, now)
    }
    fn set_alert_silence(
        &self,
        id: i64,
        silence: Option<&AlertSilence>,
        now: Timestamp,
    ) -> Stored<()> {
        alerts::set_alert_silence(id, silence, now)
    }
    fn ended_silences(&self, now: Timestamp) -> Stored<Vec<i64>> {
        alerts::ended_silences(now)
    }
    /// Records a webhook delivery made up (no request was timed, so no handling time).
    fn record_webhook(&self, hook: &Webhook, now: Timestamp, group_limit: u32) -> Stored<()> {
        alerts::record_webhook(hook, now, 0, group_limit).map(drop)
    }

    // The outbox and its drain turns.
    fn begin_drain(
        &self,
        now: Timestamp,
        lease_ms: u32,
        slots: u32,
        owner: &str,
    ) -> Stored<Option<DrainTurn>> {
        outbox::begin_drain(now, lease_ms, slots, owner)
    }
    fn end_drain(&self, turn: DrainTurn, now: Timestamp) -> Stored<Option<Timestamp>> {
        outbox::end_drain(turn, now)
    }
    fn claim_jobs(&self, now: Timestamp, lease_ms: u32, max: u32, owner: &str) -> Stored<Vec<Job>> {
        outbox::claim_jobs(now, lease_ms, max, owner)
    }
    fn start_job(&self, id: i64, attempt: u32) -> Stored<()> {
        outbox::start_job(id, attempt)
    }
    fn defer_job(&self, id: i64, attempt: u32, due: Timestamp) -> Stored<()> {
        outbox::defer_job(id, attempt, due)
    }
    fn complete_job(&self, id: i64, attempt: u32) -> Stored<()> {
        outbox::complete_job(id, attempt)
    }
    fn reschedule_job(
        &self,
        id: i64,
        attempt: u32,
        due: Timestamp,
        error: &str,
        uncertain: bool,
    ) -> Stored<()> {
        outbox::reschedule_job(id, attempt, due, error, uncertain)
    }
    fn dead_letter_job(&self, id: i64, attempt: u32, error: &str) -> Stored<()> {
        outbox::dead_letter_job(id, attempt, error)
    }
    fn record_job_step(&self, id: i64, attempt: u32, step: u32) -> Stored<()> {
        outbox::record_job_step(id, attempt, step)
    }
    fn enqueue_chart_redraw(&self, alert_id: i64, due: Timestamp, now: Timestamp) -> Stored<bool> {
        outbox::enqueue_chart_redraw(alert_id, due, now)
    }

    // What delivery knows of the chat service: messages, channels, turns and pauses.
    fn find_message(&self, alert_id: i64) -> Stored<Option<ChatMessage>> {
        chat_state::find_message(alert_id)
    }
    fn save_message(
        &self,
        alert_id: i64,
        message: &ChatMessage,
        requested_channel: &str,
        now: Timestamp,
        unverified: bool,
    ) -> Stored<()> {
        chat_state::save_message(alert_id, message, requested_channel, now, unverified)
    }
    fn zoom_reply(
        &self,
        alert_id: i64,
        window_ms: i64,
        now: Timestamp,
    ) -> Stored<Option<ChatMessage>> {
        chat_state::zoom_reply(alert_id, window_ms, now)
    }
    fn save_zoom_reply(&self, alert_id: i64, window_ms: i64, message: &ChatMessage) -> Stored<()> {
        chat_state::save_zoom_reply(alert_id, window_ms, message)
    }
    fn channel_id(&self, name: &str) -> Stored<Option<String>> {
        chat_state::channel_id(name)
    }
    fn take_channel_turn(
        &self,
        channel: &str,
        now: Timestamp,
        interval_ms: u32,
        job: Option<PostingJob>,
    ) -> Stored<Option<Timestamp>> {
        chat_state::take_channel_turn(channel, now, interval_ms, job)
    }
    fn next_channel_turn(&self, channel: &str, now: Timestamp) -> Stored<Option<Timestamp>> {
        chat_state::next_channel_turn(channel, now)
    }
    fn pause_channel(&self, channel: &str, until: Timestamp) -> Stored<()> {
        chat_state::pause_channel(channel, until)
    }
    fn pause_delivery(&self, pause: &DeliveryPause, now: Timestamp) -> Stored<Paused> {
        chat_state::pause_delivery(pause, now)
    }
    fn resume_delivery(&self, channel: &str) -> Stored<Vec<DeliveryPause>> {
        chat_state::resume_delivery(channel)
    }

    // Charts.
    fn save_chart(&self, alert_id: i64, png: &[u8], now: Timestamp) -> Stored<String> {
        charts::save_chart(alert_id, png, now)
    }
    fn chart_shown(&self, token: &str, now: Timestamp) -> Stored<()> {
        charts::chart_shown(token, now)
    }
}

/// What delivery needs from a chat service; Slack's Web API is the one there is.
pub trait Chat {
    /// The pace the service keeps: at most one message per channel this often.
    fn channel_interval_ms(&self) -> u32;
    async fn post_message(&self, message: &Message) -> Result<Posted, Failure>;
    /// Replaces the message `ts` in `message.channel` with `message`.
    async fn update_message(&self, message: &Message, ts: &str) -> Result<Posted, Failure>;
    /// The alert's message among those posted to `channel_id` since `oldest_ms`.
    async fn find_posted(
        &self,
        channel_id: &str,
        oldest_ms: Timestamp,
        alert_id: i64,
    ) -> Result<Option<Posted>, Failure>;
    /// Uploads a PNG into a message's thread.
    async fn upload_png(&self, upload: &Upload<'_>) -> Result<(), Failure>;
    /// Uploads a PNG shared nowhere, for a message to show inline: its file id.
    async fn upload_file(&self, file: &PngFile<'_>) -> Result<String, Failure>;
    /// Shows a note to one user alone, in a message's thread.
    async fn post_ephemeral(&self, note: &Ephemeral<'_>) -> Result<(), Failure>;
    /// A link to the message `ts` in `channel_id`.
    async fn permalink(&self, channel_id: &str, ts: &str) -> Result<String, Failure>;
}

/// The Alertmanager calls of silences made from the chat service.
pub trait Silences {
    /// Whether Alertmanager still holds the alert firing.
    async fn is_firing(
        &self,
        alertname: &str,
        fingerprint: &str,
        now: Timestamp,
    ) -> Result<bool, Failure>;
    /// Creates the silence (or replaces `spec.replaces`) and returns its id.
    async fn create_silence(&self, spec: &SilenceSpec<'_>) -> Result<String, Failure>;
    /// A live silence an earlier attempt made, found by the marker its comment ends with.
    async fn find_silence(&self, marker: &str) -> Result<Option<String>, Failure>;
    /// Expires the silence; one already gone counts as expired.
    async fn expire_silence(&self, id: &str) -> Result<(), Failure>;
}

/// Draws an alert's chart as a PNG; Prometheus with the renderer does (`chart::draw`).
pub trait Drawer {
    async fn draw(
        &self,
        alert: PlottedAlert<'_>,
        generator_url: &str,
        window: Window,
        now: Timestamp,
    ) -> Result<Drawing, DrawFailure>;
}

/// One set of the things outside: the live one, or the tests' fakes.
pub trait Edges {
    type Store: Store;
    type Chat: Chat;
    type Alertmanager: Silences;
    type Drawer: Drawer;
}

/// The WIT store, Slack, Alertmanager, and Prometheus with the renderer.
pub struct Live;

impl Edges for Live {
    type Store = WitStore;
    type Chat = Client;
    type Alertmanager = Alertmanager;
    type Drawer = Prometheus;
}

/// The store component, through the `store` import.
pub struct WitStore;

impl Store for WitStore {}
