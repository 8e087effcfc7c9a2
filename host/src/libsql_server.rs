//! `spin:sqlite` on a libSQL server (sqld, Turso) over Hrana, with the `libsql` client: what
//! lets several replicas share one database. Each guest connection is one client connection,
//! i.e. one Hrana stream, so `BEGIN` … `COMMIT` spans its statements as on a file.
//!
//! The server serialises writers itself; this process also queues its own writers on one
//! lock, as the file backend does, so its transactions do not contend with each other.

use crate::bindings::spin::sqlite::sqlite::{Error, QueryResult, RowResult, Value};
use crate::config::LibsqlServer;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OnceCell, OwnedMutexGuard};

/// How long a statement waits for this process's write turn.
const WRITE_TURN: Duration = Duration::from_secs(5);

/// The server and this process's write turn.
pub struct Server {
    config: LibsqlServer,
    /// Built on first use: the client wants a running Tokio runtime.
    client: OnceCell<libsql::Database>,
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// A guest's connection: one client connection (one Hrana stream) until the guest drops it.
pub struct Connection {
    conn: libsql::Connection,
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Held from the first write (or `BEGIN IMMEDIATE`) until the transaction ends.
    writing: Option<OwnedMutexGuard<()>>,
    /// Inside `BEGIN` … `COMMIT`, as told by the statements run (the client's own
    /// `is_autocommit` does not follow statements run as queries).
    in_transaction: bool,
}

impl Server {
    pub fn new(config: &LibsqlServer) -> Arc<Server> {
        Arc::new(Server {
            config: config.clone(),
            client: OnceCell::new(),
            writer: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    async fn client(&self) -> libsql::Result<&libsql::Database> {
        self.client
            .get_or_try_init(|| {
                let LibsqlServer { url, auth_token } = self.config.clone();
                libsql::Builder::new_remote(url, auth_token).build()
            })
            .await
    }

    pub async fn connect(&self) -> Result<Connection, Error> {
        let conn = self.client().await.and_then(|c| c.connect());
        Ok(Connection {
            conn: conn.map_err(to_wit_error)?,
            writer: self.writer.clone(),
            writing: None,
            in_transaction: false,
        })
    }

    /// One round trip, so that start-up fails with a clear line when the server is not there.
    pub async fn check(&self) -> anyhow::Result<()> {
        let conn = self.connect().await.map_err(describe)?;
        conn.conn.query("SELECT 1", ()).await.map_err(|e| {
            anyhow::anyhow!("cannot reach the libSQL server {}: {e}", self.config.url)
        })?;
        Ok(())
    }
}

impl Connection {
    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<QueryResult, Error> {
        if self.writing.is_none() && starts_write(sql) {
            let turn = self.writer.clone().lock_owned();
            let guard = tokio::time::timeout(WRITE_TURN, turn)
                .await
                .map_err(|_| Error::Io("database is locked (no write turn within 5 s)".into()))?;
            self.writing = Some(guard);
        }
        let result = query(&self.conn, sql, params).await;
        if result.is_ok() {
            match Boundary::of(sql) {
                Some(Boundary::Begin) => self.in_transaction = true,
                Some(Boundary::End) => self.in_transaction = false,
                None => {}
            }
        }
        if !self.in_transaction {
            self.writing = None;
        }
        result
    }

    pub fn last_insert_rowid(&self) -> i64 {
        self.conn.last_insert_rowid()
    }

    pub fn changes(&self) -> u64 {
        self.conn.changes()
    }
}

async fn query(
    conn: &libsql::Connection,
    sql: &str,
    params: &[Value],
) -> Result<QueryResult, Error> {
    let params: Vec<libsql::Value> = params.iter().map(to_libsql).collect();
    let mut rows = conn.query(sql, params).await.map_err(to_wit_error)?;
    let count = rows.column_count();
    let columns = (0..count)
        .map(|i| rows.column_name(i).unwrap_or_default().to_string())
        .collect();
    let mut result = Vec::new();
    while let Some(row) = rows.next().await.map_err(to_wit_error)? {
        let values = (0..count)
            .map(|i| row.get_value(i).map(from_libsql))
            .collect::<libsql::Result<_>>()
            .map_err(to_wit_error)?;
        result.push(RowResult { values });
    }
    Ok(QueryResult {
        columns,
        rows: result,
    })
}

/// A statement that opens or closes a transaction.
#[derive(Debug, PartialEq)]
enum Boundary {
    Begin,
    End,
}

impl Boundary {
    fn of(sql: &str) -> Option<Boundary> {
        let upper = sql.trim().to_ascii_uppercase();
        let mut words = upper.split_whitespace();
        match (words.next()?, words.next()) {
            ("BEGIN", _) => Some(Boundary::Begin),
            ("COMMIT" | "END", _) => Some(Boundary::End),
            // ROLLBACK TO a savepoint stays in the transaction.
            ("ROLLBACK", Some("TO")) => None,
            ("ROLLBACK", Some("TRANSACTION")) if upper.contains(" TO ") => None,
            ("ROLLBACK", _) => Some(Boundary::End),
            _ => None,
        }
    }
}

/// Whether `sql` writes, judged from its text (no local prepare against a remote schema):
/// `BEGIN IMMEDIATE`/`EXCLUSIVE`, or a statement that is not a read.
fn starts_write(sql: &str) -> bool {
    let upper = sql.trim_start().to_ascii_uppercase();
    let first = upper.split_whitespace().next().unwrap_or_default();
    match first {
        "BEGIN" => upper.contains("IMMEDIATE") || upper.contains("EXCLUSIVE"),
        "SELECT" | "VALUES" | "COMMIT" | "END" | "ROLLBACK" | "EXPLAIN" => false,
        "PRAGMA" => upper.contains('='),
        "WITH" => ["INSERT", "UPDATE", "DELETE", "REPLACE"].iter().any(|w| {
            upper
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|t| t == *w)
        }),
        _ => true,
    }
}

fn to_libsql(value: &Value) -> libsql::Value {
    match value {
        Value::Integer(i) => libsql::Value::Integer(*i),
        Value::Real(r) => libsql::Value::Real(*r),
        Value::Text(t) => libsql::Value::Text(t.clone()),
        Value::Blob(b) => libsql::Value::Blob(b.clone()),
        Value::Null => libsql::Value::Null,
    }
}

fn from_libsql(value: libsql::Value) -> Value {
    match value {
        libsql::Value::Null => Value::Null,
        libsql::Value::Integer(i) => Value::Integer(i),
        libsql::Value::Real(r) => Value::Real(r),
        libsql::Value::Text(t) => Value::Text(t),
        libsql::Value::Blob(b) => Value::Blob(b),
    }
}

/// The client's own wording, on one line, so the store can classify it (busy, locked, an
/// unreachable server: retry later).
fn to_wit_error(e: libsql::Error) -> Error {
    Error::Io(
        e.to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn describe(e: Error) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_boundaries_are_told_by_their_text() {
        for (sql, boundary) in [
            ("BEGIN", Some(Boundary::Begin)),
            (" begin immediate ", Some(Boundary::Begin)),
            ("COMMIT", Some(Boundary::End)),
            ("end transaction", Some(Boundary::End)),
            ("ROLLBACK", Some(Boundary::End)),
            ("ROLLBACK TO sp", None),
            ("ROLLBACK TRANSACTION TO SAVEPOINT sp", None),
            ("SELECT 1", None),
            ("INSERT INTO t VALUES (1)", None),
        ] {
            assert_eq!(Boundary::of(sql), boundary, "{sql}");
        }
    }

    #[test]
    fn writes_are_told_from_reads_by_their_text() {
        for (sql, writes) in [
            ("SELECT 1", false),
            ("  select x from t", false),
            ("PRAGMA user_version", false),
            ("PRAGMA user_version = 7", true),
            ("BEGIN", false),
            ("BEGIN IMMEDIATE", true),
            ("begin exclusive transaction", true),
            ("COMMIT", false),
            ("ROLLBACK", false),
            ("INSERT INTO t VALUES (1)", true),
            ("UPDATE t SET x = 1 RETURNING 1", true),
            ("DELETE FROM t", true),
            ("CREATE TABLE t (x)", true),
            ("WITH v AS (SELECT 1) INSERT INTO t SELECT * FROM v", true),
            ("WITH v AS (SELECT 1) SELECT * FROM v", false),
            ("WITH deleted AS (SELECT 1) SELECT * FROM deleted", false),
        ] {
            assert_eq!(starts_write(sql), writes, "{sql}");
        }
    }
}
