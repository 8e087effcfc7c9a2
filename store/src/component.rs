//! The wasm export: Spin's SQLite as a [`Db`], and the store's WIT interfaces over it.

use crate::api::{
    ActionOutcome, AlertFilter, AlertHistory, AlertPage, AlertSilence, Chart, ChatAction,
    ChatMessage, DeliveryPause, DrainTurn, HistoryPage, Job, MetricsSnapshot, Paused, PostingJob,
    Recorded, Retention, StoreError, StoredAlert, Swept, Timestamp, Webhook,
};
use crate::bindings::exports::alertgraph::app as exports;
use crate::db::{Db, Rows, Value};
use crate::errors::from_spin;
use crate::{
    actions, alerts, channels, charts, drainers, messages, metrics, notices, outbox, pauses,
    retention, schema, webhook,
};
use spin_sdk::sqlite3::Connection;
use std::cell::RefCell;

impl Db for Connection {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        let result = Connection::execute(self, sql, params).map_err(from_spin)?;
        Ok(result.rows.into_iter().map(|row| row.values).collect())
    }
}

thread_local! {
    // An instance serves one request: open and migrate once, on the first call.
    static CONNECTION: RefCell<Option<Connection>> = const { RefCell::new(None) };
}

/// Run `op` on the instance's migrated connection; a failed open or migration is retried
/// by the next call. So is the connection after a busy failure: a libSQL server that
/// restarted has forgotten its stream, and only a new connection gets a new one.
fn with_db<T>(op: impl FnOnce(&dyn Db) -> Result<T, StoreError>) -> Result<T, StoreError> {
    CONNECTION.with(|cell| {
        if cell.borrow().is_none() {
            let connection = Connection::open("default").map_err(from_spin)?;
            schema::migrate(&connection)?;
            *cell.borrow_mut() = Some(connection);
        }
        let result = op(cell.borrow().as_ref().expect("set above"));
        if matches!(result, Err(StoreError::Busy(_))) {
            *cell.borrow_mut() = None;
        }
        result
    })
}

/// The store's exported interfaces (`alerts`, `outbox`, `chat-state`, `charts`, `metrics`).
pub struct Store;

impl exports::alerts::Guest for Store {
    fn record_webhook(
        hook: Webhook,
        now: Timestamp,
        handling_ns: u64,
        group_limit: u32,
    ) -> Result<Recorded, StoreError> {
        with_db(|db| webhook::record(db, &hook, now, handling_ns, group_limit))
    }

    fn get_alert(id: i64) -> Result<Option<StoredAlert>, StoreError> {
        with_db(|db| alerts::get(db, id))
    }

    fn get_alert_history(id: i64, now: Timestamp) -> Result<Option<AlertHistory>, StoreError> {
        with_db(|db| alerts::history(db, id, now))
    }

    fn set_alert_silence(
        alert_id: i64,
        silenced: Option<AlertSilence>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        with_db(|db| actions::set_silence(db, alert_id, silenced.as_ref(), now))
    }

    fn ended_silences(now: Timestamp) -> Result<Vec<i64>, StoreError> {
        with_db(|db| actions::ended(db, now))
    }

    fn list_alerts(filter: AlertFilter) -> Result<AlertPage, StoreError> {
        with_db(|db| alerts::list(db, &filter))
    }

    fn list_history(filter: AlertFilter, now: Timestamp) -> Result<HistoryPage, StoreError> {
        with_db(|db| alerts::list_history(db, &filter, now))
    }

    fn sweep_retention(retention: Retention, now: Timestamp) -> Result<Swept, StoreError> {
        with_db(|db| retention::sweep(db, &retention, now))
    }
}

impl exports::outbox::Guest for Store {
    fn claim_jobs(
        now: Timestamp,
        lease_ms: u32,
        max: u32,
        owner: String,
    ) -> Result<Vec<Job>, StoreError> {
        with_db(|db| outbox::claim(db, now, lease_ms, max, &owner))
    }

    fn begin_drain(
        now: Timestamp,
        lease_ms: u32,
        slots: u32,
        owner: String,
    ) -> Result<Option<DrainTurn>, StoreError> {
        with_db(|db| drainers::begin(db, now, lease_ms, slots, &owner))
    }

    fn end_drain(turn: DrainTurn, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        with_db(|db| drainers::end(db, &turn, now))
    }

    fn start_job(id: i64, attempt: u32) -> Result<(), StoreError> {
        with_db(|db| outbox::start(db, id, attempt))
    }

    fn record_job_step(id: i64, attempt: u32, step: u32) -> Result<(), StoreError> {
        with_db(|db| outbox::record_step(db, id, attempt, step))
    }

    fn complete_job(id: i64, attempt: u32) -> Result<(), StoreError> {
        with_db(|db| outbox::complete(db, id, attempt))
    }

    fn reschedule_job(
        id: i64,
        attempt: u32,
        due_at: Timestamp,
        error: String,
        uncertain: bool,
    ) -> Result<(), StoreError> {
        with_db(|db| outbox::reschedule(db, id, attempt, due_at, &error, uncertain))
    }

    fn dead_letter_job(id: i64, attempt: u32, error: String) -> Result<(), StoreError> {
        with_db(|db| outbox::dead_letter(db, id, attempt, &error))
    }

    fn defer_job(id: i64, attempt: u32, due_at: Timestamp) -> Result<(), StoreError> {
        with_db(|db| outbox::defer(db, id, attempt, due_at))
    }

    fn enqueue_chart_redraw(
        alert_id: i64,
        due_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        with_db(|db| outbox::enqueue_chart_redraw(db, alert_id, due_at, now))
    }

    fn retry_dead_jobs(id: Option<i64>, now: Timestamp) -> Result<Vec<i64>, StoreError> {
        with_db(|db| outbox::retry_dead(db, id, now))
    }
}

impl exports::chat_state::Guest for Store {
    fn find_message(alert_id: i64) -> Result<Option<ChatMessage>, StoreError> {
        with_db(|db| messages::find(db, alert_id))
    }

    fn save_message(
        alert_id: i64,
        message: ChatMessage,
        requested_channel: String,
        now: Timestamp,
        unverified: bool,
    ) -> Result<(), StoreError> {
        with_db(|db| messages::save(db, alert_id, &message, &requested_channel, now, unverified))
    }

    fn channel_id(name: String) -> Result<Option<String>, StoreError> {
        with_db(|db| messages::channel_id(db, &name))
    }

    fn take_channel_turn(
        channel: String,
        now: Timestamp,
        interval_ms: u32,
        job: Option<PostingJob>,
    ) -> Result<Option<Timestamp>, StoreError> {
        with_db(|db| channels::take_turn(db, &channel, now, interval_ms, job))
    }

    fn next_channel_turn(channel: String, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
        with_db(|db| channels::next_turn(db, &channel, now))
    }

    fn pause_channel(channel: String, until: Timestamp) -> Result<(), StoreError> {
        with_db(|db| channels::pause(db, &channel, until))
    }

    fn pause_delivery(pause: DeliveryPause, now: Timestamp) -> Result<Paused, StoreError> {
        with_db(|db| pauses::pause(db, &pause, now))
    }

    fn resume_delivery(channel: String) -> Result<Vec<DeliveryPause>, StoreError> {
        with_db(|db| pauses::resume(db, &channel))
    }

    fn record_action(
        action: ChatAction,
        signature: String,
        now: Timestamp,
    ) -> Result<ActionOutcome, StoreError> {
        with_db(|db| actions::record(db, &action, &signature, now))
    }

    fn record_action_refusal(reason: String) -> Result<(), StoreError> {
        with_db(|db| actions::refuse(db, &reason))
    }

    fn zoom_reply(
        alert_id: i64,
        window_ms: i64,
        now: Timestamp,
    ) -> Result<Option<ChatMessage>, StoreError> {
        with_db(|db| actions::zoom_reply(db, alert_id, window_ms, now))
    }

    fn save_zoom_reply(
        alert_id: i64,
        window_ms: i64,
        message: ChatMessage,
    ) -> Result<(), StoreError> {
        with_db(|db| actions::save_zoom_reply(db, alert_id, window_ms, &message))
    }
}

impl exports::charts::Guest for Store {
    fn save_chart(alert_id: i64, png: Vec<u8>, now: Timestamp) -> Result<String, StoreError> {
        with_db(|db| charts::save(db, alert_id, png, now))
    }

    fn chart_shown(token: String, now: Timestamp) -> Result<(), StoreError> {
        with_db(|db| charts::shown(db, &token, now))
    }

    fn fetch_chart(token: String) -> Result<Option<Chart>, StoreError> {
        with_db(|db| charts::fetch(db, &token))
    }
}

impl exports::metrics::Guest for Store {
    fn metrics(now: Timestamp) -> Result<MetricsSnapshot, StoreError> {
        with_db(|db| metrics::snapshot(db, now))
    }

    fn record_rejection(reason: String, handling_ns: u64) -> Result<(), StoreError> {
        with_db(|db| webhook::reject(db, &reason, handling_ns))
    }

    fn notice_due(key: String, every_ms: u32, now: Timestamp) -> Result<bool, StoreError> {
        with_db(|db| notices::due(db, &key, every_ms, now))
    }
}

// Native builds (the tests) skip the export: its WIT symbol names are not valid native symbols.
#[cfg(target_arch = "wasm32")]
crate::bindings::export!(Store with_types_in crate::bindings);
