//! Transactions over [`Db`]: all or nothing, with the write lock taken up front.

use crate::api::StoreError;
use crate::db::Db;

/// Run `body` in `BEGIN IMMEDIATE … COMMIT`, rolling back on any error.
///
/// IMMEDIATE takes the write lock first, so a writer waits in the busy handler instead of
/// failing later on a stale read snapshot.
pub fn write<T>(
    db: &dyn Db,
    body: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    run(db, "BEGIN IMMEDIATE", body)
}

/// Run `body` in a deferred (read) transaction: several queries see one snapshot.
pub fn read<T>(db: &dyn Db, body: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    run(db, "BEGIN", body)
}

fn run<T>(
    db: &dyn Db,
    begin: &str,
    body: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    db.execute(begin, &[])?;
    let result = body().and_then(|value| db.execute("COMMIT", &[]).map(|_| value));
    if result.is_err() {
        // A failed COMMIT (e.g. busy) leaves the transaction open: close it so nothing lands.
        let _ = db.execute("ROLLBACK", &[]);
    }
    result
}
