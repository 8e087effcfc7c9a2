//! Spin's `spin:sqlite/sqlite@3.0.0` over rusqlite: one SQLite file in WAL mode, a pool of
//! connections, and each guest `connection` holding one pooled connection exclusively.

use crate::bindings::spin::sqlite::sqlite::{self as wit, Error, QueryResult, RowResult, Value};
use crate::config::{Database, OpenMode};
use crate::runtime::InstanceState;
use rusqlite::{types::ValueRef, OpenFlags};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::Resource;

/// How long a statement waits for another connection's write lock before failing `busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept open; more are opened under load and closed when returned.
const MAX_IDLE: usize = 16;

/// The database shared by all instances.
pub struct Pool {
    database: Database,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// A guest's open connection: exclusive until the guest drops it.
pub struct Connection {
    inner: Arc<Mutex<Option<rusqlite::Connection>>>,
    pool: Arc<Pool>,
}

impl Pool {
    /// Opens (and, with mode=rwc, creates) the database once to fail fast on a bad path.
    pub fn open(database: &Database) -> anyhow::Result<Arc<Pool>> {
        if database.mode == OpenMode::ReadWriteCreate {
            if let Some(dir) = database.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("cannot create the storage directory {}: {e}", dir.display())
                })?;
            }
        }
        let pool = Arc::new(Pool {
            database: database.clone(),
            idle: Mutex::new(Vec::new()),
        });
        let first = pool.connect().map_err(|e| {
            anyhow::anyhow!("cannot open the database {}: {e}", database.path.display())
        })?;
        pool.put(first);
        Ok(pool)
    }

    fn connect(&self) -> rusqlite::Result<rusqlite::Connection> {
        let flags = match self.database.mode {
            OpenMode::ReadOnly => OpenFlags::SQLITE_OPEN_READ_ONLY,
            OpenMode::ReadWrite => OpenFlags::SQLITE_OPEN_READ_WRITE,
            OpenMode::ReadWriteCreate => {
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
            }
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(&self.database.path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if self.database.mode != OpenMode::ReadOnly {
            // WAL + NORMAL: a commit survives a process crash without an fsync per write.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    fn take(&self) -> rusqlite::Result<rusqlite::Connection> {
        match self.idle.lock().unwrap().pop() {
            Some(conn) => Ok(conn),
            None => self.connect(),
        }
    }

    fn put(&self, conn: rusqlite::Connection) {
        // A guest that trapped mid-transaction must not leak its open transaction.
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            return;
        }
        let mut idle = self.idle.lock().unwrap();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(conn) = self.inner.lock().unwrap().take() {
            self.pool.put(conn);
        }
    }
}

impl wit::Host for InstanceState {}

impl wit::HostConnection for InstanceState {
    async fn open(&mut self, database: String) -> Result<Resource<Connection>, Error> {
        if database != "default" {
            return Err(Error::NoSuchDatabase);
        }
        let pool = self.shared.db.clone();
        let conn = {
            let pool = pool.clone();
            tokio::task::spawn_blocking(move || pool.take())
                .await
                .map_err(|e| Error::Io(e.to_string()))?
                .map_err(to_wit_error)?
        };
        let conn = Connection {
            inner: Arc::new(Mutex::new(Some(conn))),
            pool,
        };
        self.table.push(conn).map_err(|e| Error::Io(e.to_string()))
    }

    async fn execute(
        &mut self,
        conn: Resource<Connection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> Result<QueryResult, Error> {
        let inner = self
            .table
            .get(&conn)
            .map_err(|_| Error::InvalidConnection)?
            .inner
            .clone();
        // SQLite blocks (disk, busy waits): keep it off the async workers.
        tokio::task::spawn_blocking(move || {
            let guard = inner.lock().unwrap();
            let conn = guard.as_ref().ok_or(Error::InvalidConnection)?;
            execute(conn, &statement, &parameters).map_err(to_wit_error)
        })
        .await
        .map_err(|e| Error::Io(e.to_string()))?
    }

    async fn last_insert_rowid(&mut self, conn: Resource<Connection>) -> i64 {
        self.with_conn(&conn, |c| c.last_insert_rowid())
            .unwrap_or(0)
    }

    async fn changes(&mut self, conn: Resource<Connection>) -> u64 {
        self.with_conn(&conn, |c| c.changes()).unwrap_or(0)
    }

    async fn drop(&mut self, conn: Resource<Connection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

impl InstanceState {
    fn with_conn<T>(
        &mut self,
        conn: &Resource<Connection>,
        f: impl FnOnce(&rusqlite::Connection) -> T,
    ) -> Option<T> {
        let entry = self.table.get(conn).ok()?;
        let guard = entry.inner.lock().unwrap();
        guard.as_ref().map(f)
    }
}

fn execute(
    conn: &rusqlite::Connection,
    statement: &str,
    parameters: &[Value],
) -> rusqlite::Result<QueryResult> {
    let mut stmt = conn.prepare_cached(statement)?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
    let params = rusqlite::params_from_iter(parameters.iter().map(to_sql));
    let mut rows = stmt.query(params)?;
    let mut result = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(from_sql))
            .collect::<rusqlite::Result<_>>()?;
        result.push(RowResult { values });
    }
    Ok(QueryResult {
        columns,
        rows: result,
    })
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Integer(i) => V::Integer(*i),
        Value::Real(r) => V::Real(*r),
        Value::Text(t) => V::Text(t.clone()),
        Value::Blob(b) => V::Blob(b.clone()),
        Value::Null => V::Null,
    }
}

fn from_sql(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Keeps SQLite's own wording ("database is locked", "database or disk is full") so the
/// store can classify it.
fn to_wit_error(e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => Error::DatabaseFull,
        _ => Error::Io(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(dir: &std::path::Path) -> Arc<Pool> {
        Pool::open(&Database {
            path: dir.join("sub").join("t.db"),
            mode: OpenMode::ReadWriteCreate,
        })
        .unwrap()
    }

    #[test]
    fn values_round_trip_and_columns_are_named() {
        let dir = tempdir();
        let pool = pool(&dir);
        let conn = pool.take().unwrap();
        execute(
            &conn,
            "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)",
            &[],
        )
        .unwrap();
        let row = [
            Value::Integer(-7),
            Value::Real(1.5),
            Value::Text("é".into()),
            Value::Blob(vec![0, 255]),
            Value::Null,
        ];
        execute(&conn, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", &row).unwrap();
        let got = execute(&conn, "SELECT i, r, s, b, n FROM t", &[]).unwrap();
        assert_eq!(got.columns, ["i", "r", "s", "b", "n"]);
        assert_eq!(got.rows.len(), 1);
        assert_eq!(format!("{:?}", got.rows[0].values), format!("{row:?}"));
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn returned_connection_rolls_back_an_open_transaction() {
        let dir = tempdir();
        let pool = pool(&dir);
        let conn = pool.take().unwrap();
        conn.execute_batch("CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .unwrap();
        pool.put(conn);
        let conn = pool.take().unwrap();
        assert!(conn.is_autocommit());
        let n: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn errors_keep_sqlite_wording() {
        let dir = tempdir();
        let pool = pool(&dir);
        let conn = pool.take().unwrap();
        let err = execute(&conn, "SELEC 1", &[]).unwrap_err();
        assert!(matches!(to_wit_error(err), Error::Io(m) if m.contains("syntax error")));
    }

    #[test]
    fn read_write_mode_refuses_a_missing_file() {
        let dir = tempdir();
        let err = Pool::open(&Database {
            path: dir.join("missing.db"),
            mode: OpenMode::ReadWrite,
        })
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("cannot open the database"),
            "{err}"
        );
    }

    fn tempdir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "alertgraph-sqlite-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
