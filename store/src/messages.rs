//! The Slack message that carries an alert: one per alert, written once.

use crate::api::{ChatMessage, StoreError, Timestamp};
use crate::db::{int, query_opt, query_opt_with, text, Db, Row};
use crate::errors::invalid;
use crate::metrics::{bump, POSTS_UNVERIFIED};
use crate::tx;

pub fn find(db: &dyn Db, alert_id: i64) -> Result<Option<ChatMessage>, StoreError> {
    query_opt_with(
        db,
        "SELECT channel, ts FROM messages WHERE alert_id = ?",
        &[int(alert_id)],
        chat_message,
    )
}

/// A chat message from a row whose first two columns are its channel and ts.
pub fn chat_message(row: Row) -> Result<ChatMessage, StoreError> {
    Ok(ChatMessage {
        channel: row.text(0)?,
        ts: row.text(1)?,
    })
}

/// Record the alert's message, and `requested_channel` as a name of its channel. Saving the
/// same message again is a no-op; a different one is `invalid`, since updates must go to the
/// message already posted. An `unverified` post (maybe a duplicate) is counted once.
pub fn save(
    db: &dyn Db,
    alert_id: i64,
    message: &ChatMessage,
    requested_channel: &str,
    now: Timestamp,
    unverified: bool,
) -> Result<(), StoreError> {
    tx::write(db, || {
        db.execute(
            "INSERT INTO channel_ids (name, id) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET id = ?2",
            &[text(requested_channel), text(&message.channel)],
        )?;
        if let Some(existing) = find(db, alert_id)? {
            return if existing == *message {
                Ok(())
            } else {
                Err(invalid(format!(
                    "alert {alert_id} already has message {} in {}",
                    existing.ts, existing.channel
                )))
            };
        }
        if query_opt(db, "SELECT 1 FROM alerts WHERE id = ?", &[int(alert_id)])?.is_none() {
            return Err(invalid(format!("no alert {alert_id}")));
        }
        db.execute(
            "INSERT INTO messages (alert_id, channel, ts, created_at) VALUES (?, ?, ?, ?)",
            &[
                int(alert_id),
                text(&message.channel),
                text(&message.ts),
                int(now),
            ],
        )?;
        if unverified {
            bump(db, POSTS_UNVERIFIED, &[], 1)?;
        }
        Ok(())
    })
}

/// The id Slack answered for posts to `name`, if any were made.
pub fn channel_id(db: &dyn Db, name: &str) -> Result<Option<String>, StoreError> {
    query_opt_with(
        db,
        "SELECT id FROM channel_ids WHERE name = ?",
        &[text(name)],
        |row| row.text(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture_firing, NativeDb};
    use crate::webhook;

    fn message(channel: &str, ts: &str) -> ChatMessage {
        ChatMessage {
            channel: channel.into(),
            ts: ts.into(),
        }
    }

    #[test]
    fn first_message_wins_and_repeats_are_idempotent() {
        let db = NativeDb::memory();
        webhook::record(&db, &fixture_firing(), 1_000, 1, u32::MAX).unwrap();
        assert_eq!(find(&db, 1).unwrap(), None);
        save(
            &db,
            1,
            &message("C123", "1700000000.000100"),
            "#alerts",
            2_000,
            false,
        )
        .unwrap();
        assert_eq!(
            find(&db, 1).unwrap(),
            Some(message("C123", "1700000000.000100"))
        );
        save(
            &db,
            1,
            &message("C123", "1700000000.000100"),
            "#alerts",
            3_000,
            false,
        )
        .unwrap();
        let other = save(
            &db,
            1,
            &message("C123", "1700000000.000200"),
            "#alerts",
            4_000,
            false,
        );
        assert!(matches!(other, Err(StoreError::Invalid(_))), "{other:?}");
        assert_eq!(
            find(&db, 1).unwrap(),
            Some(message("C123", "1700000000.000100"))
        );
        assert_eq!(
            db.table("SELECT alert_id, created_at FROM messages"),
            ["1|2000"]
        );
    }

    #[test]
    fn an_unverified_post_is_counted_once() {
        let db = NativeDb::memory();
        webhook::record(&db, &fixture_firing(), 1_000, 1, u32::MAX).unwrap();
        let unverified = || {
            crate::metrics::snapshot(&db, 0)
                .unwrap()
                .counters
                .iter()
                .filter(|c| c.name == POSTS_UNVERIFIED)
                .map(|c| c.value)
                .sum::<u64>()
        };
        assert_eq!(unverified(), 0);
        for _ in 0..2 {
            save(&db, 1, &message("C1", "1.2"), "#alerts", 2_000, true).unwrap();
        }
        assert_eq!(
            unverified(),
            1,
            "saving the same message again counts nothing"
        );
    }

    #[test]
    fn channel_ids_are_learnt_from_posts() {
        let db = NativeDb::memory();
        webhook::record(&db, &fixture_firing(), 1_000, 1, u32::MAX).unwrap();
        assert_eq!(channel_id(&db, "#alerts").unwrap(), None);
        save(&db, 1, &message("C123", "1.2"), "#alerts", 2_000, false).unwrap();
        assert_eq!(channel_id(&db, "#alerts").unwrap().as_deref(), Some("C123"));
        assert_eq!(channel_id(&db, "#other").unwrap(), None);
    }

    #[test]
    fn a_message_needs_its_alert() {
        let db = NativeDb::memory();
        assert!(matches!(
            save(&db, 7, &message("C1", "1.2"), "#alerts", 1, false),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(db.int("SELECT count(*) FROM messages"), 0);
    }
}
