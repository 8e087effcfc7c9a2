//! Slack channel turns: one message per interval per channel, and a channel's Retry-After,
//! shared by every instance through the database.

use crate::api::{PostingJob, StoreError, Timestamp};
use crate::db::{int, query_one, text, Db, Row};
use crate::outbox;
use crate::tx;

/// When `channel` may take its next message: none when it may now. Takes no turn.
pub fn next_turn(
    db: &dyn Db,
    channel: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    // A pause of every channel (a token fault) holds this one too.
    let next = query_one(
        db,
        "SELECT max(next_at) FROM channel_turns WHERE channel IN (?, ?)",
        &[text(channel), text(crate::pauses::EVERY_CHANNEL)],
    )?;
    Ok(Row(&next).opt_int(0)?.filter(|next_at| *next_at > now))
}

/// None when the caller may send now (the turn is taken), else the time of the next turn.
/// `job` is marked as posting to `channel` in the same transaction.
pub fn take_turn(
    db: &dyn Db,
    channel: &str,
    now: Timestamp,
    interval_ms: u32,
    job: Option<PostingJob>,
) -> Result<Option<Timestamp>, StoreError> {
    tx::write(db, || {
        if let Some(next_at) = next_turn(db, channel, now)? {
            return Ok(Some(next_at));
        }
        if let Some(job) = job {
            outbox::mark_posting(db, job.id, job.attempt, channel, now)?;
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
        assert_eq!(take_turn(&db, "#a", 1_000, 1_000, None).unwrap(), None);
        assert_eq!(
            take_turn(&db, "#a", 1_500, 1_000, None).unwrap(),
            Some(2_000)
        );
        assert_eq!(
            take_turn(&db, "#b", 1_500, 1_000, None).unwrap(),
            None,
            "other channels go on"
        );
        assert_eq!(take_turn(&db, "#a", 2_000, 1_000, None).unwrap(), None);
        assert_eq!(
            take_turn(&db, "#a", 2_100, 1_000, None).unwrap(),
            Some(3_000)
        );
    }

    #[test]
    fn looking_at_the_next_turn_takes_none() {
        let db = NativeDb::memory();
        assert_eq!(next_turn(&db, "#a", 1_000).unwrap(), None, "a new channel");
        assert_eq!(take_turn(&db, "#a", 1_000, 1_000, None).unwrap(), None);
        assert_eq!(next_turn(&db, "#a", 1_500).unwrap(), Some(2_000));
        assert_eq!(next_turn(&db, "#a", 2_000).unwrap(), None);
        assert_eq!(next_turn(&db, "#a", 2_000).unwrap(), None, "still free");
        assert_eq!(take_turn(&db, "#a", 2_000, 1_000, None).unwrap(), None);
    }

    #[test]
    fn a_jobs_turn_marks_it_posting_in_the_same_write() {
        use crate::api::AlertStatus;
        use crate::testing::{alert, hook};
        let db = NativeDb::memory();
        let firing = alert("a", AlertStatus::Firing, 100, &[]);
        crate::webhook::record(&db, &hook(vec![firing]), 1_000, 1, u32::MAX).unwrap();
        let job = outbox::claim(&db, 1_000, 10_000, 10, "").unwrap().remove(0);
        let posting = |attempt| {
            Some(PostingJob {
                id: job.id,
                attempt,
            })
        };
        assert!(
            take_turn(&db, "#a", 1_000, 1_000, posting(job.attempt + 1)).is_err(),
            "a lost lease takes no turn"
        );
        assert_eq!(next_turn(&db, "#a", 1_000).unwrap(), None);
        assert_eq!(
            take_turn(&db, "#a", 1_000, 1_000, posting(job.attempt)).unwrap(),
            None
        );
        assert_eq!(
            db.strings("SELECT posting_channel || '@' || posting_since FROM outbox"),
            ["#a@1000"]
        );
        assert_eq!(
            take_turn(&db, "#a", 1_500, 1_000, posting(job.attempt)).unwrap(),
            Some(2_000)
        );
    }

    #[test]
    fn a_pause_holds_the_channel_and_never_shrinks() {
        let db = NativeDb::memory();
        pause(&db, "#a", 10_000).unwrap();
        pause(&db, "#a", 5_000).unwrap();
        assert_eq!(
            take_turn(&db, "#a", 3_000, 1_000, None).unwrap(),
            Some(10_000)
        );
        assert_eq!(take_turn(&db, "#b", 3_000, 1_000, None).unwrap(), None);
        assert_eq!(take_turn(&db, "#a", 10_000, 1_000, None).unwrap(), None);
    }
}
