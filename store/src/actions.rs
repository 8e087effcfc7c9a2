//! What Slack users do about an alert from its message: acknowledge it, silence it in
//! Alertmanager, unsilence it, zoom its chart. A click is recorded once (its signature refuses
//! replays); the Alertmanager calls, the message redraws and the zooms are outbox jobs.

use crate::api::{
    ActionOutcome, ActionRequest, AlertSilence, ChatAction, ChatMessage, JobKind, StoreError,
    Timestamp,
};
use crate::db::{changed, int, opt_int, opt_text, query_opt, query_opt_with, text, Db};
use crate::errors::invalid;
use crate::metrics::{bump, SLACK_ACTIONS, SLACK_REFUSALS};
use crate::{messages, outbox, tx};

/// Signatures are remembered this long: Slack's are valid for five minutes either way.
const SEEN_FOR_MS: i64 = 10 * 60 * 1000;
/// The longest silence a click may ask for, and the widest zoom.
const MAX_SILENCE_MS: i64 = 7 * 24 * 3600 * 1000;
const MAX_ZOOM_MS: i64 = MAX_SILENCE_MS;
/// A zoom asked for again within this long only points at the reply already posted.
pub const ZOOM_REPEAT_MS: i64 = 10 * 60 * 1000;

/// The user of a `silence` / `unsilence` job (its payload).
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClickPayload {
    pub user_id: String,
    pub user_name: String,
    /// Silences only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub duration_ms: Option<i64>,
}

/// The click of a `chart-zoom` job (its payload).
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZoomPayload {
    pub user_id: String,
    pub user_name: String,
    pub window_ms: i64,
    /// The same window was asked for within [`ZOOM_REPEAT_MS`]: point at that reply.
    pub repeat: bool,
}

/// Record a verified click; a replayed signature or an unknown alert writes nothing.
pub fn record(
    db: &dyn Db,
    action: &ChatAction,
    signature: &str,
    now: Timestamp,
) -> Result<ActionOutcome, StoreError> {
    if action.user_id.trim().is_empty() {
        return Err(invalid("a Slack action needs the user who clicked"));
    }
    if signature.is_empty() {
        return Err(invalid("a Slack action needs its request signature"));
    }
    match action.request {
        ActionRequest::Silence(ms) if !(1..=MAX_SILENCE_MS).contains(&ms) => {
            return Err(invalid(format!(
                "a silence lasts 1 ms to 7 days, not {ms} ms"
            )));
        }
        ActionRequest::Zoom(ms) if !(1..=MAX_ZOOM_MS).contains(&ms) => {
            return Err(invalid(format!("a zoom spans 1 ms to 7 days, not {ms} ms")));
        }
        _ => {}
    }
    let action_name = match action.request {
        ActionRequest::Acknowledge => "acknowledge",
        ActionRequest::Silence(_) => "silence",
        ActionRequest::Unsilence => "unsilence",
        ActionRequest::Zoom(_) => "zoom",
    };
    let count = |outcome| {
        bump(
            db,
            SLACK_ACTIONS,
            &[("action", action_name), ("outcome", outcome)],
            1,
        )
    };
    tx::write(db, || {
        let known = query_opt(
            db,
            "SELECT 1 FROM alerts WHERE id = ?",
            &[int(action.alert_id)],
        )?;
        if known.is_none() {
            count("unknown_alert")?;
            return Ok(ActionOutcome::UnknownAlert);
        }
        let first = changed(
            db,
            "INSERT INTO slack_requests (signature, seen_at) VALUES (?, ?)
             ON CONFLICT (signature) DO NOTHING",
            &[text(signature), int(now)],
        )?;
        if first == 0 {
            count("replayed")?;
            return Ok(ActionOutcome::Replayed);
        }
        count("recorded")?;
        db.execute(
            "DELETE FROM slack_requests WHERE seen_at < ?",
            &[int(now - SEEN_FOR_MS)],
        )?;
        let payload = |duration_ms| {
            serde_json::to_string(&ClickPayload {
                user_id: action.user_id.clone(),
                user_name: action.user_name.clone(),
                duration_ms,
            })
            .expect("strings and numbers always serialise")
        };
        match action.request {
            ActionRequest::Acknowledge => {
                // The first acknowledgement counts: it says who took the alert on.
                let first = changed(
                    db,
                    "UPDATE alerts SET acknowledged_by = ?, acknowledged_at = ?
                     WHERE id = ? AND acknowledged_at IS NULL",
                    &[text(&action.user_id), int(now), int(action.alert_id)],
                )?;
                if first == 1 {
                    enqueue_refresh(db, action.alert_id, now)?;
                }
            }
            ActionRequest::Silence(ms) => outbox::enqueue(
                db,
                JobKind::Silence,
                action.alert_id,
                Some(&payload(Some(ms))),
                now,
            )?,
            ActionRequest::Unsilence => outbox::enqueue(
                db,
                JobKind::Unsilence,
                action.alert_id,
                Some(&payload(None)),
                now,
            )?,
            ActionRequest::Zoom(window_ms) => enqueue_zoom(db, action, window_ms, now)?,
        }
        Ok(ActionOutcome::Recorded)
    })
}

/// A `chart-zoom` job for the click; a repeat when the same window of the alert was asked for
/// within [`ZOOM_REPEAT_MS`], else the click is remembered as the window's first.
fn enqueue_zoom(
    db: &dyn Db,
    action: &ChatAction,
    window_ms: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    db.execute(
        "DELETE FROM zoom_replies WHERE asked_at < ?",
        &[int(now - ZOOM_REPEAT_MS)],
    )?;
    let first = changed(
        db,
        "INSERT INTO zoom_replies (alert_id, window_ms, asked_at) VALUES (?, ?, ?)
         ON CONFLICT (alert_id, window_ms) DO NOTHING",
        &[int(action.alert_id), int(window_ms), int(now)],
    )?;
    let payload = serde_json::to_string(&ZoomPayload {
        user_id: action.user_id.clone(),
        user_name: action.user_name.clone(),
        window_ms,
        repeat: first == 0,
    })
    .expect("strings and numbers always serialise");
    outbox::enqueue(db, JobKind::ChartZoom, action.alert_id, Some(&payload), now)
}

/// The reply posted for a zoom of `window_ms` asked for within [`ZOOM_REPEAT_MS`] of `now`.
pub fn zoom_reply(
    db: &dyn Db,
    alert_id: i64,
    window_ms: i64,
    now: Timestamp,
) -> Result<Option<ChatMessage>, StoreError> {
    query_opt_with(
        db,
        "SELECT channel, ts FROM zoom_replies
         WHERE alert_id = ? AND window_ms = ? AND asked_at >= ? AND ts IS NOT NULL",
        &[int(alert_id), int(window_ms), int(now - ZOOM_REPEAT_MS)],
        messages::chat_message,
    )
}

/// Remembers the reply a `chart-zoom` job posted. The click's row may have gone (ten minutes
/// passed): then there is nothing a repeat could point at, and nothing is written.
pub fn save_zoom_reply(
    db: &dyn Db,
    alert_id: i64,
    window_ms: i64,
    message: &ChatMessage,
) -> Result<(), StoreError> {
    db.execute(
        "UPDATE zoom_replies SET channel = ?, ts = ? WHERE alert_id = ? AND window_ms = ?",
        &[
            text(&message.channel),
            text(&message.ts),
            int(alert_id),
            int(window_ms),
        ],
    )?;
    Ok(())
}

/// Count a Slack request refused before it was recorded.
pub fn refuse(db: &dyn Db, reason: &str) -> Result<(), StoreError> {
    tx::write(db, || bump(db, SLACK_REFUSALS, &[("reason", reason)], 1))
}

/// Record the alert's silence (none: gone) and have its message redrawn.
pub fn set_silence(
    db: &dyn Db,
    alert_id: i64,
    silenced: Option<&AlertSilence>,
    now: Timestamp,
) -> Result<(), StoreError> {
    tx::write(db, || {
        let updated = changed(
            db,
            "UPDATE alerts SET silence_id = ?, silenced_by = ?, silenced_until = ? WHERE id = ?",
            &[
                opt_text(silenced.map(|s| s.id.as_str())),
                opt_text(silenced.map(|s| s.user_id.as_str())),
                opt_int(silenced.map(|s| s.until)),
                int(alert_id),
            ],
        )?;
        if updated == 0 {
            return Err(invalid(format!("no alert {alert_id}")));
        }
        enqueue_refresh(db, alert_id, now)
    })
}

/// Firing alerts whose silence ended by `now`, oldest end first.
pub fn ended(db: &dyn Db, now: Timestamp) -> Result<Vec<i64>, StoreError> {
    db.execute(
        "SELECT id FROM alerts
         WHERE silence_id IS NOT NULL AND silenced_until <= ? AND status = 'firing'
         ORDER BY silenced_until LIMIT 100",
        &[int(now)],
    )?
    .iter()
    .map(|r| crate::db::Row(r).int(0))
    .collect()
}

/// A `message-refresh`, unless a job that draws the whole message (a refresh, the post, the
/// resolve) waits unclaimed already: that one will read the new state.
fn enqueue_refresh(db: &dyn Db, alert_id: i64, now: Timestamp) -> Result<(), StoreError> {
    let waiting = query_opt(
        db,
        "SELECT 1 FROM outbox
         WHERE alert_id = ? AND kind IN ('message-refresh', 'alert-fired', 'alert-resolved')
           AND state = 'pending' AND lease_until IS NULL",
        &[int(alert_id)],
    )?;
    if waiting.is_some() {
        return Ok(());
    }
    outbox::enqueue(db, JobKind::MessageRefresh, alert_id, None, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{AlertStatus, StoredAlert};
    use crate::testing::{alert, hook, NativeDb};
    use crate::{alerts, webhook};

    const NOW: Timestamp = 1_700_000_000_000;

    fn with_alert() -> NativeDb {
        let db = NativeDb::memory();
        let firing = alert(
            "f1",
            AlertStatus::Firing,
            NOW - 60_000,
            &[("alertname", "A")],
        );
        webhook::record(&db, &hook(vec![firing]), NOW - 60_000, 0, 10).unwrap();
        db.exec("UPDATE outbox SET state = 'done'");
        db
    }

    fn click(request: ActionRequest) -> ChatAction {
        ChatAction {
            alert_id: 1,
            request,
            user_id: "U123".into(),
            user_name: "ada".into(),
        }
    }

    /// A silence set by the clicking user of [`click`], ending at `until`.
    fn silence_until(until: Timestamp) -> AlertSilence {
        AlertSilence {
            id: "8e2c".into(),
            user_id: "U123".into(),
            until,
        }
    }

    fn pending(db: &NativeDb) -> Vec<String> {
        db.table("SELECT kind, payload FROM outbox WHERE state = 'pending' ORDER BY id")
    }

    fn stored(db: &NativeDb) -> StoredAlert {
        alerts::get(db, 1).unwrap().unwrap()
    }

    #[test]
    fn the_first_acknowledgement_counts_and_redraws_the_message_once() {
        let db = with_alert();
        let outcome = record(&db, &click(ActionRequest::Acknowledge), "v0=a", NOW).unwrap();
        assert_eq!(outcome, ActionOutcome::Recorded);
        let mut later = click(ActionRequest::Acknowledge);
        later.user_id = "U999".into();
        assert_eq!(
            record(&db, &later, "v0=b", NOW + 5).unwrap(),
            ActionOutcome::Recorded
        );
        let acknowledged = stored(&db).acknowledged.unwrap();
        assert_eq!(
            (acknowledged.user_id.as_str(), acknowledged.at),
            ("U123", NOW)
        );
        assert_eq!(pending(&db), ["message-refresh|NULL"]);
    }

    #[test]
    fn a_replayed_signature_changes_nothing() {
        let db = with_alert();
        let silence = click(ActionRequest::Silence(3_600_000));
        assert_eq!(
            record(&db, &silence, "v0=same", NOW).unwrap(),
            ActionOutcome::Recorded
        );
        let before = db.table("SELECT * FROM outbox");
        assert_eq!(
            record(&db, &silence, "v0=same", NOW + 1_000).unwrap(),
            ActionOutcome::Replayed
        );
        assert_eq!(
            record(
                &db,
                &click(ActionRequest::Acknowledge),
                "v0=same",
                NOW + 2_000
            )
            .unwrap(),
            ActionOutcome::Replayed
        );
        assert_eq!(db.table("SELECT * FROM outbox"), before);
        assert!(stored(&db).acknowledged.is_none());
        assert_eq!(
            db.table(
                "SELECT labels, value FROM counters WHERE name = 'slack_actions_total'
                 ORDER BY labels"
            ),
            [
                r#"{"action":"acknowledge","outcome":"replayed"}|1"#,
                r#"{"action":"silence","outcome":"recorded"}|1"#,
                r#"{"action":"silence","outcome":"replayed"}|1"#,
            ]
        );
    }

    #[test]
    fn refusals_count_by_reason() {
        let db = with_alert();
        refuse(&db, "stale").unwrap();
        refuse(&db, "stale").unwrap();
        refuse(&db, "bad_signature").unwrap();
        assert_eq!(
            db.table(
                "SELECT labels, value FROM counters WHERE name = 'slack_requests_refused_total'
                 ORDER BY labels"
            ),
            [r#"{"reason":"bad_signature"}|1"#, r#"{"reason":"stale"}|2"#]
        );
    }

    #[test]
    fn signatures_are_forgotten_only_after_they_expired() {
        let db = with_alert();
        record(&db, &click(ActionRequest::Acknowledge), "v0=old", NOW).unwrap();
        record(
            &db,
            &click(ActionRequest::Unsilence),
            "v0=new",
            NOW + SEEN_FOR_MS,
        )
        .unwrap();
        assert_eq!(db.int("SELECT COUNT(*) FROM slack_requests"), 2);
        record(
            &db,
            &click(ActionRequest::Unsilence),
            "v0=newer",
            NOW + SEEN_FOR_MS + 1,
        )
        .unwrap();
        assert_eq!(
            db.strings("SELECT signature FROM slack_requests ORDER BY signature"),
            ["v0=new", "v0=newer"]
        );
    }

    #[test]
    fn a_zoom_is_a_job_and_the_same_window_within_ten_minutes_a_repeat() {
        let db = with_alert();
        let six_hours = click(ActionRequest::Zoom(21_600_000));
        record(&db, &six_hours, "v0=1", NOW).unwrap();
        record(&db, &click(ActionRequest::Zoom(3_600_000)), "v0=2", NOW).unwrap();
        record(&db, &six_hours, "v0=3", NOW + 60_000).unwrap();
        let zoom = |window, repeat| {
            format!(
                r#"chart-zoom|{{"user_id":"U123","user_name":"ada","window_ms":{window},"repeat":{repeat}}}"#
            )
        };
        assert_eq!(
            pending(&db),
            [
                zoom(21_600_000, false),
                zoom(3_600_000, false),
                zoom(21_600_000, true)
            ]
        );
        // Being drawn: no reply to point at yet.
        assert_eq!(zoom_reply(&db, 1, 21_600_000, NOW + 60_000), Ok(None));
        let reply = ChatMessage {
            channel: "C1".into(),
            ts: "1700000000.000200".into(),
        };
        save_zoom_reply(&db, 1, 21_600_000, &reply).unwrap();
        assert_eq!(
            zoom_reply(&db, 1, 21_600_000, NOW + 60_000),
            Ok(Some(reply.clone()))
        );
        assert_eq!(zoom_reply(&db, 1, 3_600_000, NOW + 60_000), Ok(None));

        // Ten minutes on, the window is drawn afresh.
        let later = NOW + ZOOM_REPEAT_MS + 1;
        assert_eq!(zoom_reply(&db, 1, 21_600_000, later), Ok(None));
        db.exec("UPDATE outbox SET state = 'done'");
        record(&db, &six_hours, "v0=4", later).unwrap();
        assert_eq!(pending(&db), [zoom(21_600_000, false)]);
        assert_eq!(db.int("SELECT count(*) FROM zoom_replies"), 1);
    }

    #[test]
    fn a_zoom_out_of_range_is_refused_and_writes_nothing() {
        let db = with_alert();
        for ms in [0, -1, MAX_ZOOM_MS + 1] {
            let refused = record(&db, &click(ActionRequest::Zoom(ms)), "v0=z", NOW);
            assert!(
                matches!(refused, Err(StoreError::Invalid(_))),
                "{refused:?}"
            );
        }
        assert!(pending(&db).is_empty());
        assert_eq!(db.int("SELECT count(*) FROM zoom_replies"), 0);
        assert_eq!(db.int("SELECT count(*) FROM slack_requests"), 0);
    }

    #[test]
    fn silence_and_unsilence_become_jobs_with_the_clicking_user() {
        let db = with_alert();
        record(&db, &click(ActionRequest::Silence(14_400_000)), "v0=1", NOW).unwrap();
        record(&db, &click(ActionRequest::Unsilence), "v0=2", NOW).unwrap();
        assert_eq!(
            pending(&db),
            [
                r#"silence|{"user_id":"U123","user_name":"ada","duration_ms":14400000}"#,
                r#"unsilence|{"user_id":"U123","user_name":"ada"}"#,
            ]
        );
        let payload: ClickPayload =
            serde_json::from_str(r#"{"user_id":"U1","user_name":"b"}"#).unwrap();
        assert_eq!(payload.duration_ms, None);
    }

    #[test]
    fn bad_clicks_are_invalid_and_write_nothing() {
        let db = with_alert();
        let unknown = ChatAction {
            alert_id: 42,
            ..click(ActionRequest::Acknowledge)
        };
        assert_eq!(
            record(&db, &unknown, "v0=x", NOW).unwrap(),
            ActionOutcome::UnknownAlert
        );
        for (action, signature) in [
            (click(ActionRequest::Silence(0)), "v0=y"),
            (click(ActionRequest::Silence(MAX_SILENCE_MS + 1)), "v0=y"),
            (click(ActionRequest::Acknowledge), ""),
            (
                ChatAction {
                    user_id: " ".into(),
                    ..click(ActionRequest::Acknowledge)
                },
                "v0=y",
            ),
        ] {
            assert!(matches!(
                record(&db, &action, signature, NOW),
                Err(StoreError::Invalid(_))
            ));
        }
        assert_eq!(db.int("SELECT COUNT(*) FROM slack_requests"), 0);
        assert!(pending(&db).is_empty());
    }

    #[test]
    fn a_silence_is_recorded_and_cleared_with_one_refresh_waiting() {
        let db = with_alert();
        let silence = silence_until(NOW + 3_600_000);
        set_silence(&db, 1, Some(&silence), NOW).unwrap();
        assert_eq!(stored(&db).silenced, Some(silence));
        set_silence(&db, 1, None, NOW + 1).unwrap();
        assert_eq!(stored(&db).silenced, None);
        assert_eq!(
            pending(&db),
            ["message-refresh|NULL"],
            "one refresh reads both"
        );
        db.exec("UPDATE outbox SET lease_until = 1");
        set_silence(&db, 1, None, NOW + 2).unwrap();
        assert_eq!(
            pending(&db).len(),
            2,
            "a running refresh may have read too early"
        );
        assert!(matches!(
            set_silence(&db, 42, None, NOW),
            Err(StoreError::Invalid(_))
        ));
    }

    #[test]
    fn a_waiting_post_or_resolve_draws_the_new_state_itself() {
        for kind in ["alert-fired", "alert-resolved"] {
            let db = with_alert();
            db.exec(&format!(
                "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
                 VALUES ('{kind}', 1, 'pending', 1, 1, 1)"
            ));
            record(&db, &click(ActionRequest::Acknowledge), "v0=1", NOW).unwrap();
            assert_eq!(pending(&db), [format!("{kind}|NULL")], "no refresh");
            db.exec("UPDATE outbox SET lease_until = 1");
            set_silence(&db, 1, None, NOW).unwrap();
            assert_eq!(
                pending(&db).last().unwrap(),
                "message-refresh|NULL",
                "a running {kind} may have drawn the message already"
            );
        }
    }

    #[test]
    fn ended_silences_of_firing_alerts_are_listed_until_cleared() {
        let db = with_alert();
        let silence = silence_until(NOW);
        set_silence(&db, 1, Some(&silence), NOW - 10).unwrap();
        assert!(ended(&db, NOW - 1).unwrap().is_empty(), "still holding");
        assert_eq!(ended(&db, NOW).unwrap(), [1]);
        set_silence(&db, 1, None, NOW).unwrap();
        assert!(ended(&db, NOW + 1).unwrap().is_empty(), "cleared");
        set_silence(&db, 1, Some(&silence), NOW).unwrap();
        db.exec("UPDATE alerts SET status = 'resolved'");
        assert!(ended(&db, NOW + 1).unwrap().is_empty(), "resolved anyway");
    }
}
