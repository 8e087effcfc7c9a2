//! Warnings logged once per period across every instance and replica: each instance lives
//! for one request, so only the database remembers that one was given.

use crate::api::{StoreError, Timestamp};
use crate::db::{int, query_opt, text, Db, Row};
use crate::tx;

/// True when `key` was not given within `every_ms` before `now`; it is then given now. A read
/// only while the notice is recent, so a warning on a hot path costs no write.
pub fn due(db: &dyn Db, key: &str, every_ms: u32, now: Timestamp) -> Result<bool, StoreError> {
    let since = now.saturating_sub(i64::from(every_ms));
    let recent = |db: &dyn Db| -> Result<bool, StoreError> {
        let row = query_opt(db, "SELECT at FROM notices WHERE key = ?", &[text(key)])?;
        Ok(match row {
            Some(row) => Row(&row).int(0)? > since,
            None => false,
        })
    };
    if recent(db)? {
        return Ok(false);
    }
    tx::write(db, || {
        // Another instance may have given it meanwhile.
        if recent(db)? {
            return Ok(false);
        }
        db.execute(
            "INSERT INTO notices (key, at) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET at = ?2",
            &[text(key), int(now)],
        )?;
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::NativeDb;

    #[test]
    fn a_notice_is_due_once_per_period_and_per_key() {
        let db = NativeDb::memory();
        assert!(due(&db, "open-webhook", 1_000, 10_000).unwrap());
        assert!(!due(&db, "open-webhook", 1_000, 10_500).unwrap());
        assert!(!due(&db, "open-webhook", 1_000, 10_999).unwrap());
        assert!(due(&db, "other", 1_000, 10_999).unwrap(), "keys are apart");
        assert!(due(&db, "open-webhook", 1_000, 11_000).unwrap());
        assert!(!due(&db, "open-webhook", 1_000, 11_001).unwrap());
    }
}
