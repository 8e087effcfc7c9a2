//! Delivery pauses: a configuration fault (a revoked token, a bot removed from its channel)
//! holds messages back, for every channel or for one, until a try after the pause succeeds.
//! Nothing is dead-lettered for it; the pause doubles on each repeat, up to [`MAX_PAUSE_MS`].

use crate::api::{DeliveryPause, Paused, StoreError, Timestamp};
use crate::channels;
use crate::db::{int, query_opt, text, Db, Row};
use crate::tx;

/// The first pause: long enough not to hammer Slack with a bad token, short enough that a
/// quick fix is noticed at once.
pub const FIRST_PAUSE_MS: i64 = 30_000;
/// The longest pause: a fix is noticed within ten minutes.
pub const MAX_PAUSE_MS: i64 = 10 * 60_000;
/// Channel turns under this name hold back every channel.
pub const EVERY_CHANNEL: &str = "*";

/// Pause delivery for `pause` from `now`; a repeat of a pause in force doubles its length.
pub fn pause(db: &dyn Db, pause: &DeliveryPause, now: Timestamp) -> Result<Paused, StoreError> {
    let channel = pause.channel.as_deref().unwrap_or("");
    tx::write(db, || {
        let earlier = query_opt(
            db,
            "SELECT reason, length_ms FROM delivery_pauses WHERE channel = ?",
            &[text(channel)],
        )?;
        let (new, length_ms) = match earlier {
            Some(row) => {
                let row = Row(&row);
                let same = row.text(0)? == pause.reason;
                let longer = row.int(1)?.saturating_mul(2).min(MAX_PAUSE_MS);
                (!same, if same { longer } else { FIRST_PAUSE_MS })
            }
            None => (true, FIRST_PAUSE_MS),
        };
        let until = now.saturating_add(length_ms);
        db.execute(
            "INSERT INTO delivery_pauses (channel, reason, since, until, length_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (channel) DO UPDATE SET
                 reason = ?2, until = ?4, length_ms = ?5,
                 since = CASE WHEN reason = ?2 THEN since ELSE ?3 END",
            &[
                text(channel),
                text(&pause.reason),
                int(now),
                int(until),
                int(length_ms),
            ],
        )?;
        let turns = pause.channel.as_deref().unwrap_or(EVERY_CHANNEL);
        channels::pause(db, turns, until)?;
        Ok(Paused { until, new })
    })
}

/// A message reached `channel`: the pauses of it and of every channel are over. A read
/// when none is in force, as is usual.
pub fn resume(db: &dyn Db, channel: &str) -> Result<Vec<DeliveryPause>, StoreError> {
    let lifted = |db: &dyn Db| -> Result<Vec<DeliveryPause>, StoreError> {
        db.execute(
            "SELECT channel, reason FROM delivery_pauses WHERE channel IN ('', ?)",
            &[text(channel)],
        )?
        .iter()
        .map(|r| row_pause(Row(r)))
        .collect()
    };
    if lifted(db)?.is_empty() {
        return Ok(Vec::new());
    }
    tx::write(db, || {
        let pauses = lifted(db)?;
        db.execute(
            "DELETE FROM delivery_pauses WHERE channel IN ('', ?)",
            &[text(channel)],
        )?;
        Ok(pauses)
    })
}

/// The pauses in force, every-channel first.
pub fn in_force(db: &dyn Db) -> Result<Vec<DeliveryPause>, StoreError> {
    db.execute(
        "SELECT channel, reason FROM delivery_pauses ORDER BY channel",
        &[],
    )?
    .iter()
    .map(|r| row_pause(Row(r)))
    .collect()
}

fn row_pause(row: Row<'_>) -> Result<DeliveryPause, StoreError> {
    let channel = row.text(0)?;
    Ok(DeliveryPause {
        channel: (!channel.is_empty()).then_some(channel),
        reason: row.text(1)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::NativeDb;

    fn fault(channel: Option<&str>, reason: &str) -> DeliveryPause {
        DeliveryPause {
            channel: channel.map(str::to_owned),
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn a_repeated_fault_doubles_its_pause_up_to_ten_minutes_and_is_new_once() {
        let db = NativeDb::memory();
        let token = fault(None, "invalid_auth");
        let first = pause(&db, &token, 0).unwrap();
        assert_eq!((first.until, first.new), (FIRST_PAUSE_MS, true));
        let mut now = first.until;
        let mut lengths = Vec::new();
        for _ in 0..7 {
            let again = pause(&db, &token, now).unwrap();
            assert!(!again.new, "logged once per pause");
            lengths.push(again.until - now);
            now = again.until;
        }
        assert_eq!(
            lengths,
            [60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]
        );
        let other = pause(&db, &fault(None, "token_revoked"), now).unwrap();
        assert_eq!((other.until - now, other.new), (FIRST_PAUSE_MS, true));
    }

    #[test]
    fn a_token_pause_holds_every_channel_and_a_channel_pause_only_its_own() {
        let db = NativeDb::memory();
        pause(&db, &fault(Some("#gone"), "channel_not_found"), 1_000).unwrap();
        assert_eq!(
            channels::next_turn(&db, "#gone", 1_000).unwrap(),
            Some(31_000)
        );
        assert_eq!(channels::next_turn(&db, "#ops", 1_000).unwrap(), None);
        pause(&db, &fault(None, "invalid_auth"), 2_000).unwrap();
        assert_eq!(
            channels::next_turn(&db, "#ops", 2_000).unwrap(),
            Some(32_000)
        );
        assert_eq!(
            in_force(&db).unwrap(),
            [
                fault(None, "invalid_auth"),
                fault(Some("#gone"), "channel_not_found")
            ]
        );
    }

    #[test]
    fn a_message_that_gets_through_lifts_its_channels_pauses_only() {
        let db = NativeDb::memory();
        assert_eq!(resume(&db, "#ops").unwrap(), [], "nothing to lift");
        pause(&db, &fault(Some("#gone"), "channel_not_found"), 0).unwrap();
        pause(&db, &fault(None, "invalid_auth"), 0).unwrap();
        assert_eq!(resume(&db, "#ops").unwrap(), [fault(None, "invalid_auth")]);
        assert_eq!(
            in_force(&db).unwrap(),
            [fault(Some("#gone"), "channel_not_found")]
        );
        let again = pause(&db, &fault(None, "invalid_auth"), 100_000).unwrap();
        assert!(again.new, "a fault after a success is a new pause");
        assert_eq!(again.until, 100_000 + FIRST_PAUSE_MS);
    }
}
