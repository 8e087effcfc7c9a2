//! Rendered charts, fetched by an unguessable token (Slack shows them by URL).

use crate::api::{Chart, StoreError, Timestamp};
use crate::db::{int, query_opt, query_opt_with, text, Db, Value};
use crate::errors::invalid;
use crate::tx;

/// Store a PNG for an alert and return its new token.
pub fn save(
    db: &dyn Db,
    alert_id: i64,
    png: Vec<u8>,
    now: Timestamp,
) -> Result<String, StoreError> {
    let token = new_token()?;
    tx::write(db, || {
        if query_opt(db, "SELECT 1 FROM alerts WHERE id = ?", &[int(alert_id)])?.is_none() {
            return Err(invalid(format!("no alert {alert_id}")));
        }
        db.execute(
            "INSERT INTO charts (token, alert_id, png, created_at) VALUES (?, ?, ?, ?)",
            &[text(&token), int(alert_id), Value::Blob(png), int(now)],
        )?;
        Ok(())
    })?;
    Ok(token)
}

/// The chart for a token; unknown or malformed tokens are simply not found.
pub fn fetch(db: &dyn Db, token: &str) -> Result<Option<Chart>, StoreError> {
    if !is_token(token) {
        return Ok(None);
    }
    query_opt_with(
        db,
        "SELECT alert_id, png, created_at FROM charts WHERE token = ?",
        &[text(token)],
        |row| {
            Ok(Chart {
                alert_id: row.int(0)?,
                png: row.blob(1)?,
                created_at: row.int(2)?,
            })
        },
    )
}

/// The chart reached Slack (the first time counts). A token swept meanwhile is no error.
pub fn shown(db: &dyn Db, token: &str, now: Timestamp) -> Result<(), StoreError> {
    if !is_token(token) {
        return Err(invalid(format!("{token:?} is not a chart token")));
    }
    db.execute(
        "UPDATE charts SET shown_at = ? WHERE token = ? AND shown_at IS NULL",
        &[int(now), text(token)],
    )?;
    Ok(())
}

/// The token of the alert's newest chart.
pub fn latest_token(db: &dyn Db, alert_id: i64) -> Result<Option<String>, StoreError> {
    query_opt_with(
        db,
        "SELECT token FROM charts WHERE alert_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
        &[int(alert_id)],
        |row| row.text(0),
    )
}

/// 128 random bits as 32 lowercase hex digits.
fn new_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Database(format!("no randomness for a chart token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The shape [`new_token`] produces, checked before touching the database.
pub fn is_token(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{fixture_firing, NativeDb};
    use crate::webhook;

    #[test]
    fn tokens_are_128_bit_lowercase_hex_and_distinct() {
        let tokens: Vec<String> = (0..64).map(|_| new_token().unwrap()).collect();
        assert!(tokens.iter().all(|t| is_token(t)), "{tokens:?}");
        let mut unique = tokens.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), tokens.len());
        assert!(!is_token("0123456789ABCDEF0123456789abcdef"));
        assert!(!is_token("0123456789abcdef0123456789abcde"));
        assert!(!is_token("0123456789abcdef0123456789abcdeg"));
    }

    #[test]
    fn save_and_fetch() {
        let db = NativeDb::memory();
        webhook::record(&db, &fixture_firing(), 1_000, 1, u32::MAX).unwrap();
        let png = vec![0x89, b'P', b'N', b'G', 0, 1, 2];
        let token = save(&db, 1, png.clone(), 2_000).unwrap();
        assert!(is_token(&token));
        assert_eq!(
            fetch(&db, &token).unwrap(),
            Some(Chart {
                alert_id: 1,
                png,
                created_at: 2_000
            })
        );
        let second = save(&db, 1, vec![1], 3_000).unwrap();
        assert_ne!(second, token, "each save is a new chart");
        assert_eq!(fetch(&db, &"0".repeat(32)).unwrap(), None);
        assert_eq!(fetch(&db, &token.to_uppercase()).unwrap(), None);
        assert_eq!(fetch(&db, "' OR 1=1 --").unwrap(), None);
        assert_eq!(fetch(&db, "").unwrap(), None);
    }

    #[test]
    fn a_chart_needs_its_alert() {
        let db = NativeDb::memory();
        assert!(matches!(
            save(&db, 1, vec![1], 1),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(db.int("SELECT count(*) FROM charts"), 0);
    }
}
