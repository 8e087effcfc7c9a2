//! Mapping SQLite failures onto the WIT `store-error` the caller can act on.

use crate::api::StoreError;

/// What a libSQL server's client says when the server is away, dropped the stream, or is
/// too loaded to take the transaction now: the request can be tried again (Alertmanager
/// does, on a 503). sqld words the last ones "Transaction timed out" (another writer waited
/// 5 s for the lock and took it), "The stream has expired due to inactivity" (10 s idle),
/// "Server cannot handle additional transactions" and "Too many concurrent requests".
const SERVER_AWAY: [&str; 14] = [
    "error trying to connect",
    "connection refused",
    "connection reset",
    "connection closed",
    "error reading a body",
    "stream expired",
    "stream has expired",
    "stream_expired",
    "invalid baton",
    "baton that has already been used",
    "timed out",
    "timed-out",
    "additional transactions",
    "too many concurrent requests",
];

/// Classify a SQLite error message: busy/locked, or a database server that is away → retry
/// later; full → out of space.
pub fn classify(message: &str) -> StoreError {
    let message = one_line(message);
    let lower = message.to_ascii_lowercase();
    if lower.contains("locked")
        || lower.contains("busy")
        || SERVER_AWAY.iter().any(|s| lower.contains(s))
    {
        StoreError::Busy(message)
    } else if lower.contains("disk is full") || lower.contains("database full") {
        StoreError::Full(message)
    } else {
        StoreError::Database(message)
    }
}

/// Map Spin's SQLite error variants; only `io` carries SQLite's own message.
pub fn from_spin(error: spin_sdk::sqlite3::Error) -> StoreError {
    use spin_sdk::sqlite3::Error;
    match error {
        Error::NoSuchDatabase => StoreError::Database("no such database".into()),
        Error::AccessDenied => StoreError::Database("access to the database denied".into()),
        Error::InvalidConnection => StoreError::Database("invalid database connection".into()),
        Error::DatabaseFull => StoreError::Full("database full".into()),
        Error::Io(message) => classify(&message),
    }
}

/// The input breaks a rule of the store; the transaction is rolled back.
pub fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::Invalid(message.into())
}

/// Data that the schema cannot produce: a bug or a hand-edited database.
pub fn corrupt(message: &str) -> StoreError {
    StoreError::Database(format!("unexpected data: {message}"))
}

/// Errors cross the WIT boundary as one line, whatever SQLite or a driver put in them.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_sqlite_messages() {
        let busy = [
            "database is locked",
            "database table is locked: alerts",
            "SQLITE_BUSY",
            // sqld stopped, as Spin's and the host's libSQL client word it.
            "Hrana: `http error: `error trying to connect: tcp connect error: Connection \
             refused (os error 111)``",
            "Hrana: `stream expired`",
            // sqld restarted: the connection's stream is unknown to it, or was cut mid-answer.
            "Hrana: `api error: `status=400 Bad Request, body=Received an invalid baton``",
            "Hrana: `cursor error: `error reading a body from connection: unexpected EOF``",
            // sqld under load, in the words it answers with (seen against tools/sqld).
            "Hrana: `stream error: `Error { message: \"Transaction timed out\", code: \
             \"TRANSACTION_TIMEOUT\" }``",
            "Hrana: `api error: `status=400 Bad Request, body={\"message\":\"The stream has \
             expired due to inactivity\",\"code\":\"STREAM_EXPIRED\"}``",
            "Server cannot handle additional transactions",
            "Server can't handle additional transactions",
            "Transaction timed-out",
            "Too many concurrent requests",
        ];
        for message in busy {
            assert_eq!(classify(message), StoreError::Busy(message.into()));
        }
        assert_eq!(
            classify("database or disk is full"),
            StoreError::Full("database or disk is full".into())
        );
        assert_eq!(
            classify("no such table: x\n  at line 2"),
            StoreError::Database("no such table: x at line 2".into())
        );
        assert_eq!(
            from_spin(spin_sdk::sqlite3::Error::DatabaseFull),
            StoreError::Full("database full".into())
        );
        assert_eq!(
            from_spin(spin_sdk::sqlite3::Error::Io("database is locked".into())),
            StoreError::Busy("database is locked".into())
        );
    }
}
