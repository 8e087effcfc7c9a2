//! Slack channel turns: one message per interval per channel, and a channel's Retry-After,
//! shared by every instance through the database.

use crate::api::{StoreError, Timestamp};
use crate::db::{int, query_opt, text, Db, Row};
use crate::tx;

/// None when the caller may send now (the turn is taken), else the time of the next turn.
pub fn take_turn(
    db: &dyn Db,
    channel: &str,
    now: Timestamp,
    interval_ms: u32,
) -> Result<Option<Timestamp>, StoreError> {
    tx::write(db, || {
        let next = query_opt(
            db,
            "SELECT next_at FROM channel_turns WHERE channel = ?",
            &[text(channel)],
        )?;
        if let Some(row) = next {
            let next_at = Row(&row).int(0)?;
            if next_at > now {
                return Ok(Some(next_at));
            }
        }
        db.execute(
            "INSERT INTO channel_turns (channel, next_at) VALUES (?1, ?2)
             ON CONFLICT (channel) DO UPDATE SET next_at = ?2",
            &[
                text(channel),
                int(now.saturating_add(i64::from(interval_ms))),
            ],
        )?;
        Ok(None)
    })
}

/// No turn for `channel` before `until`; an earlier pause never shortens a later one.
pub fn pause(db: &dyn Db, channel: &str, until: Timestamp) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO channel_turns (channel, next_at) VALUES (?1, ?2)
         ON CONFLICT (channel) DO UPDATE SET next_at = max(next_at, ?2)",
        &[text(channel), int(until)],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::NativeDb;

    #[test]
    fn turns_are_paced_per_channel() {
        let db = NativeDb::memory();
        assert_eq!(take_turn(&db, "#a", 1_000, 1_000).unwrap(), None);
        assert_eq!(take_turn(&db, "#a", 1_500, 1_000).unwrap(), Some(2_000));
        assert_eq!(
            take_turn(&db, "#b", 1_500, 1_000).unwrap(),
            None,
            "other channels go on"
        );
        assert_eq!(take_turn(&db, "#a", 2_000, 1_000).unwrap(), None);
        assert_eq!(take_turn(&db, "#a", 2_100, 1_000).unwrap(), Some(3_000));
    }

    #[test]
    fn a_pause_holds_the_channel_and_never_shrinks() {
        let db = NativeDb::memory();
        pause(&db, "#a", 10_000).unwrap();
        pause(&db, "#a", 5_000).unwrap();
        assert_eq!(take_turn(&db, "#a", 3_000, 1_000).unwrap(), Some(10_000));
        assert_eq!(take_turn(&db, "#b", 3_000, 1_000).unwrap(), None);
        assert_eq!(take_turn(&db, "#a", 10_000, 1_000).unwrap(), None);
    }
}
