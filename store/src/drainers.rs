//! Drain turns: at most a few instances deliver the outbox at once.
//!
//! Every webhook's instance offers to drain after answering. Without a cap, a burst keeps one
//! instance (its memory and a database connection) alive per webhook, all contending for the
//! same jobs. A turn is a slot row leased like a job: taken while free or once its lease has
//! run out (its holder died), never from a live holder of another replica, and given back
//! with its ticket so a late finisher cannot free a slot someone else has taken since.

use crate::api::{DrainTurn, StoreError, Timestamp};
use crate::db::{int, text, Db, Row};
use crate::errors::corrupt;
use crate::outbox;
use crate::tx;

/// Take a free slot among the first `slots`, leased until `now + lease_ms`; `None` when all
/// are taken.
pub fn begin(
    db: &dyn Db,
    now: Timestamp,
    lease_ms: u32,
    slots: u32,
    owner: &str,
) -> Result<Option<DrainTurn>, StoreError> {
    let until = now.saturating_add(i64::from(lease_ms));
    let params = [int(now), int(until), int(i64::from(slots)), text(owner)];
    let row = tx::write(db, || {
        let taken = db.execute(
            "UPDATE drainers SET ticket = ticket + 1, lease_until = ?2, owner = ?4
             WHERE slot = (SELECT slot FROM drainers
                           WHERE slot < ?3 AND lease_until <= ?1
                           ORDER BY slot LIMIT 1)
             RETURNING slot, ticket",
            &params,
        )?;
        if let Some(row) = taken.into_iter().next() {
            return Ok(Some(row));
        }
        // Slots are numbered densely from 0, so the count of those below `slots` is the next.
        let added = db.execute(
            "INSERT INTO drainers (slot, ticket, lease_until, owner)
             SELECT n, 1, ?2, ?4 FROM (SELECT COUNT(*) AS n FROM drainers WHERE slot < ?3)
             WHERE n < ?3
             RETURNING slot, ticket",
            &params,
        )?;
        Ok(added.into_iter().next())
    })?;
    row.map(|r| {
        let r = Row(&r);
        let slot = u32::try_from(r.int(0)?).map_err(|_| corrupt("drainers: slot out of range"))?;
        Ok(DrainTurn {
            slot,
            ticket: r.int(1)?,
        })
    })
    .transpose()
}

/// Give the turn back, and say when a job is next claimable (at most `now`: one came in
/// while the turn was ending), so the caller can drain again instead of waiting for a tick.
pub fn end(db: &dyn Db, turn: &DrainTurn, now: Timestamp) -> Result<Option<Timestamp>, StoreError> {
    tx::write(db, || {
        db.execute(
            "UPDATE drainers SET lease_until = 0 WHERE slot = ? AND ticket = ?",
            &[int(i64::from(turn.slot)), int(turn.ticket)],
        )?;
        outbox::next_claimable(db, now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::AlertStatus;
    use crate::testing::{alert, hook, NativeDb};
    use crate::webhook;

    const LEASE: u32 = 60_000;

    fn slot(turn: Option<DrainTurn>) -> Option<u32> {
        turn.map(|t| t.slot)
    }

    #[test]
    fn hands_out_at_most_the_given_number_of_turns() {
        let db = NativeDb::memory();
        let taken: Vec<_> = (0..3)
            .map(|_| slot(begin(&db, 1_000, LEASE, 2, "p").unwrap()))
            .collect();
        assert_eq!(taken, [Some(0), Some(1), None]);
        // A larger cap opens the next slot.
        assert_eq!(slot(begin(&db, 1_000, LEASE, 3, "p").unwrap()), Some(2));
    }

    #[test]
    fn an_ended_turn_frees_its_slot_once() {
        let db = NativeDb::memory();
        let first = begin(&db, 1_000, LEASE, 1, "p").unwrap().unwrap();
        assert_eq!(end(&db, &first, 2_000).unwrap(), None);
        let second = begin(&db, 2_000, LEASE, 1, "p").unwrap().unwrap();
        assert_eq!((second.slot, second.ticket), (0, first.ticket + 1));
        // The first turn ending again (a late duplicate) does not free the second's slot.
        end(&db, &first, 3_000).unwrap();
        assert_eq!(begin(&db, 3_000, LEASE, 1, "p").unwrap(), None);
    }

    #[test]
    fn a_turn_expires_after_its_lease_whoever_holds_it() {
        let db = NativeDb::memory();
        begin(&db, 1_000, LEASE, 1, "p").unwrap().unwrap();
        // Another replica (or a restarted process) waits for the lease like anyone.
        assert_eq!(begin(&db, 1_000 + 59_999, LEASE, 1, "q").unwrap(), None);
        assert_eq!(begin(&db, 1_000 + 59_999, LEASE, 1, "p").unwrap(), None);
        assert_eq!(
            slot(begin(&db, 1_000 + 60_000, LEASE, 1, "q").unwrap()),
            Some(0)
        );
    }

    #[test]
    fn ending_says_when_a_job_is_next_claimable() {
        let db = NativeDb::memory();
        let turn = begin(&db, 1_000, LEASE, 1, "p").unwrap().unwrap();
        assert_eq!(end(&db, &turn, 1_000).unwrap(), None, "no job");
        webhook::record(
            &db,
            &hook(vec![alert("a", AlertStatus::Firing, 100, &[])]),
            1_000,
            1,
            u32::MAX,
        )
        .unwrap();
        let turn = begin(&db, 1_500, LEASE, 1, "p").unwrap().unwrap();
        assert_eq!(end(&db, &turn, 1_500).unwrap(), Some(1_000), "due already");
        // Leased by a live claim: nothing for this drainer until the lease ends.
        let turn = begin(&db, 1_500, LEASE, 1, "p").unwrap().unwrap();
        assert_eq!(outbox::claim(&db, 1_500, LEASE, 10, "p").unwrap().len(), 1);
        assert_eq!(end(&db, &turn, 1_500).unwrap(), None);
        // Deferred to its channel's next turn.
        let turn = begin(&db, 1_500, LEASE, 1, "p").unwrap().unwrap();
        db.exec("UPDATE outbox SET lease_until = NULL, due_at = 2500");
        assert_eq!(end(&db, &turn, 1_500).unwrap(), Some(2_500));
        // A later job of the same alert waits for the first one, not for its own due time.
        db.exec(
            "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
             VALUES ('alert-resolved', 1, 'pending', 1000, 1000, 1000)",
        );
        let turn = begin(&db, 1_500, LEASE, 1, "p").unwrap().unwrap();
        assert_eq!(end(&db, &turn, 1_500).unwrap(), Some(2_500));
    }

    #[test]
    fn zero_slots_hand_out_no_turn() {
        let db = NativeDb::memory();
        assert_eq!(begin(&db, 1_000, LEASE, 0, "p").unwrap(), None);
    }
}
