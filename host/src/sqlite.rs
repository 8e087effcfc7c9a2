//! Spin's `spin:sqlite/sqlite@3.0.0` over rusqlite: one SQLite file in WAL mode, a pool of
//! connections, and each guest `connection` holding one pooled connection exclusively; or,
//! with a libSQL server's URL, over `libsql_server`.
//!
//! Writers queue on an async lock instead of SQLite's busy handler (which sleeps and polls),
//! and WAL checkpoints run on a background thread, never inside a request's commit. With
//! both, every statement is short, so it runs inline on the calling task. The same thread
//! truncates the WAL once writes pause, so the file does not stay at its high-water mark.

use crate::bindings::spin::sqlite::sqlite::{self as wit, Error, QueryResult, RowResult, Value};
use crate::config::{Database, OpenMode, Storage};
use crate::database_file;
use crate::libsql_server::{self, Server};
use crate::runtime::InstanceState;
use rusqlite::{types::ValueRef, OpenFlags};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OwnedMutexGuard;
use wasmtime::component::Resource;

/// How long a statement waits for another connection's write lock before failing `busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections kept open; more are opened under load and closed when returned.
const MAX_IDLE: usize = 16;
/// How often the background thread moves the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// After this long without a commit, the WAL file is truncated to nothing.
const QUIET_BEFORE_TRUNCATE: Duration = Duration::from_secs(3);
/// A WAL larger than this is cut back to it whenever the log starts over.
const JOURNAL_SIZE_LIMIT: i64 = 4 << 20;

/// The database shared by all instances.
pub struct Pool {
    database: Database,
    idle: Mutex<Vec<rusqlite::Connection>>,
    /// One writer at a time, first come first served.
    writer: Arc<tokio::sync::Mutex<()>>,
}

/// Where the components' SQL runs: this process's file, or a libSQL server replicas share.
pub enum Backend {
    File(Arc<Pool>),
    Server(Arc<Server>),
}

impl Backend {
    pub fn open(storage: &Storage) -> anyhow::Result<Backend> {
        Ok(match storage {
            Storage::File(database) => Backend::File(Pool::open(database)?),
            Storage::Server(server) => Backend::Server(Server::new(server)),
        })
    }

    /// Fails with a clear line when a libSQL server does not answer (a file was opened
    /// already).
    pub async fn check(&self) -> anyhow::Result<()> {
        match self {
            Backend::File(_) => Ok(()),
            Backend::Server(server) => server.check().await,
        }
    }
}

/// A guest's open connection: exclusive until the guest drops it.
pub enum Connection {
    File(FileConnection),
    Server(libsql_server::Connection),
}

/// A pooled connection to the file.
pub struct FileConnection {
    inner: Option<rusqlite::Connection>,
    pool: Arc<Pool>,
    /// Held from the first write (or `BEGIN IMMEDIATE`) until the connection is back in
    /// autocommit mode, i.e. until the transaction ends.
    writing: Option<OwnedMutexGuard<()>>,
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
            writer: Arc::new(tokio::sync::Mutex::new(())),
        });
        if database.mode != OpenMode::ReadOnly {
            pool.open_file()
                .and_then(|conn| database_file::use_incremental_vacuum(&conn, &database.path))
                .map_err(|e| {
                    anyhow::anyhow!("cannot open the database {}: {e}", database.path.display())
                })?;
        }
        let first = pool.connect().map_err(|e| {
            anyhow::anyhow!("cannot open the database {}: {e}", database.path.display())
        })?;
        pool.put(first);
        let dir = database_file::directory(&database.path);
        tracing::info!(
            database = %database.path.display(),
            database_bytes = database_file::bytes(&database.path),
            free_bytes = database_file::free_bytes(dir).unwrap_or(0),
            synchronous = database.synchronous.pragma(),
            "database open"
        );
        if database.mode != OpenMode::ReadOnly {
            let checkpointer = pool.connect()?;
            let weak = Arc::downgrade(&pool);
            std::thread::Builder::new()
                .name("wal-checkpoint".into())
                .spawn(move || checkpoint_loop(checkpointer, weak))?;
        }
        Ok(pool)
    }

    fn open_file(&self) -> rusqlite::Result<rusqlite::Connection> {
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
        Ok(conn)
    }

    fn connect(&self) -> rusqlite::Result<rusqlite::Connection> {
        let conn = self.open_file()?;
        if self.database.mode != OpenMode::ReadOnly {
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", self.database.synchronous.pragma())?;
            conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
            // The background thread checkpoints; a commit never does.
            conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        }
        let sized = self.database.path.clone();
        // Read by the store for /metrics: the file and its WAL, which SQL alone cannot see.
        conn.create_scalar_function(
            "alertgraph_database_bytes",
            0,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8,
            move |_| Ok(database_file::bytes(&sized) as i64),
        )?;
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

impl Drop for FileConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.inner.take() {
            // Rolls back an unfinished transaction before `writing` releases the lock.
            self.pool.put(conn);
        }
    }
}

/// Checkpoints with its own connection; PASSIVE never waits for readers or writers. Once no
/// commit has come for a while, takes the writer's turn if free and truncates the WAL file.
fn checkpoint_loop(conn: rusqlite::Connection, pool: std::sync::Weak<Pool>) {
    // TRUNCATE waits for readers through the busy handler: never long.
    if let Err(e) = conn.busy_timeout(Duration::from_millis(20)) {
        tracing::warn!(error = %e, "WAL checkpoints stopped");
        return;
    }
    let data_version = || conn.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0));
    let mut seen = data_version().ok();
    let mut last_commit = Instant::now();
    let mut truncated = false;
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        let Some(pool) = pool.upgrade() else { return };
        let result = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        if let Err(e) = result {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        let version = data_version().ok();
        if version != seen {
            (seen, last_commit, truncated) = (version, Instant::now(), false);
        } else if !truncated && last_commit.elapsed() >= QUIET_BEFORE_TRUNCATE {
            if let Ok(_turn) = pool.writer.try_lock() {
                // (busy, log frames, checkpointed frames): busy 0 means the file is empty now.
                truncated = conn
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                        r.get::<_, i64>(0)
                    })
                    .is_ok_and(|busy| busy == 0);
            }
        }
    }
}

/// Whether running `sql` on a connection in autocommit mode needs the writer lock.
fn starts_write(conn: &rusqlite::Connection, sql: &str) -> rusqlite::Result<bool> {
    let head = sql.trim_start();
    if head.len() >= 5 && head[..5].eq_ignore_ascii_case("begin") {
        let upper = head.to_ascii_uppercase();
        return Ok(upper.contains("IMMEDIATE") || upper.contains("EXCLUSIVE"));
    }
    // BEGIN/COMMIT count as read-only to SQLite; everything else is judged by the statement.
    Ok(!conn.prepare_cached(sql)?.readonly())
}

impl FileConnection {
    async fn execute(
        &mut self,
        statement: &str,
        parameters: &[Value],
    ) -> Result<QueryResult, Error> {
        let sqlite = self.inner.as_ref().ok_or(Error::InvalidConnection)?;
        if self.writing.is_none() && starts_write(sqlite, statement).map_err(to_wit_error)? {
            let lock = self.pool.writer.clone().lock_owned();
            let guard = tokio::time::timeout(BUSY_TIMEOUT, lock)
                .await
                .map_err(|_| Error::Io("database is locked (no write turn within 5 s)".into()))?;
            self.writing = Some(guard);
        }
        let sqlite = self.inner.as_ref().ok_or(Error::InvalidConnection)?;
        let result = execute(sqlite, statement, parameters).map_err(to_wit_error);
        if sqlite.is_autocommit() {
            self.writing = None;
        }
        result
    }
}

impl wit::Host for InstanceState {}

impl wit::HostConnection for InstanceState {
    async fn open(&mut self, database: String) -> Result<Resource<Connection>, Error> {
        if database != "default" {
            return Err(Error::NoSuchDatabase);
        }
        let conn = match &self.shared.db {
            Backend::File(pool) => Connection::File(FileConnection {
                inner: Some(pool.take().map_err(to_wit_error)?),
                pool: pool.clone(),
                writing: None,
            }),
            Backend::Server(server) => Connection::Server(server.connect().await?),
        };
        self.table.push(conn).map_err(|e| Error::Io(e.to_string()))
    }

    async fn execute(
        &mut self,
        conn: Resource<Connection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> Result<QueryResult, Error> {
        match self
            .table
            .get_mut(&conn)
            .map_err(|_| Error::InvalidConnection)?
        {
            Connection::File(file) => file.execute(&statement, &parameters).await,
            Connection::Server(server) => server.execute(&statement, &parameters).await,
        }
    }

    async fn last_insert_rowid(&mut self, conn: Resource<Connection>) -> i64 {
        match self.table.get(&conn) {
            Ok(Connection::File(file)) => file.inner.as_ref().map_or(0, |c| c.last_insert_rowid()),
            Ok(Connection::Server(server)) => server.last_insert_rowid(),
            Err(_) => 0,
        }
    }

    async fn changes(&mut self, conn: Resource<Connection>) -> u64 {
        match self.table.get(&conn) {
            Ok(Connection::File(file)) => file.inner.as_ref().map_or(0, |c| c.changes()),
            Ok(Connection::Server(server)) => server.changes(),
            Err(_) => 0,
        }
    }

    async fn drop(&mut self, conn: Resource<Connection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
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
    use crate::config::Synchronous;

    /// A fresh directory, a pool on a new database file in it, and a connection from the pool.
    fn open() -> (std::path::PathBuf, Arc<Pool>, rusqlite::Connection) {
        open_with(Synchronous::Full)
    }

    fn open_with(
        synchronous: Synchronous,
    ) -> (std::path::PathBuf, Arc<Pool>, rusqlite::Connection) {
        let dir = tempdir();
        let pool = Pool::open(&Database {
            path: dir.join("sub").join("t.db"),
            mode: OpenMode::ReadWriteCreate,
            synchronous,
        })
        .unwrap();
        let conn = pool.take().unwrap();
        (dir, pool, conn)
    }

    /// The first column of the statement's one row.
    fn one<T: rusqlite::types::FromSql>(conn: &rusqlite::Connection, sql: &str) -> T {
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn pragma(conn: &rusqlite::Connection, name: &str) -> i64 {
        one(conn, &format!("PRAGMA {name}"))
    }

    #[test]
    fn a_new_file_gives_pages_back_and_syncs_as_configured() {
        for (synchronous, level) in [(Synchronous::Full, 2), (Synchronous::Normal, 1)] {
            let (_dir, _pool, conn) = open_with(synchronous);
            assert_eq!(pragma(&conn, "auto_vacuum"), 2, "incremental");
            assert_eq!(pragma(&conn, "synchronous"), level, "{synchronous:?}");
            assert_eq!(pragma(&conn, "journal_size_limit"), JOURNAL_SIZE_LIMIT);
        }
    }

    #[test]
    fn the_database_bytes_function_counts_file_and_wal() {
        let (dir, _pool, conn) = open();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (zeroblob(100000));")
            .unwrap();
        let told: i64 = one(&conn, "SELECT alertgraph_database_bytes()");
        let path = dir.join("sub").join("t.db");
        assert_eq!(told as u64, database_file::bytes(&path));
        assert!(told > 100_000, "{told}");
    }

    #[test]
    fn the_wal_is_truncated_once_writes_pause() {
        let (dir, pool, conn) = open();
        let wal = database_file::wal_path(&dir.join("sub").join("t.db"));
        conn.execute_batch(
            "CREATE TABLE t (x);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO t SELECT zeroblob(4000) FROM n;",
        )
        .unwrap();
        assert!(std::fs::metadata(&wal).unwrap().len() > 2_000_000);
        pool.put(conn);
        let waited = Instant::now();
        while std::fs::metadata(&wal).unwrap().len() > 0 {
            assert!(
                waited.elapsed() < QUIET_BEFORE_TRUNCATE * 4,
                "the WAL was not truncated"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    #[test]
    fn values_round_trip_and_columns_are_named() {
        let (_dir, _pool, conn) = open();
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
        assert_eq!(one::<String>(&conn, "PRAGMA journal_mode"), "wal");
    }

    #[test]
    fn returned_connection_rolls_back_an_open_transaction() {
        let (_dir, pool, conn) = open();
        conn.execute_batch("CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .unwrap();
        pool.put(conn);
        let conn = pool.take().unwrap();
        assert!(conn.is_autocommit());
        assert_eq!(one::<i64>(&conn, "SELECT count(*) FROM t"), 0);
    }

    #[test]
    fn writes_and_immediate_transactions_take_the_writer_lock() {
        let (_dir, _pool, conn) = open();
        execute(&conn, "CREATE TABLE t (x)", &[]).unwrap();
        for (sql, writes) in [
            ("SELECT x FROM t", false),
            ("  select 1", false),
            ("PRAGMA user_version", false),
            ("BEGIN", false),
            ("COMMIT", false),
            ("ROLLBACK", false),
            ("BEGIN IMMEDIATE", true),
            ("  begin exclusive transaction", true),
            ("INSERT INTO t VALUES (1)", true),
            ("UPDATE t SET x = 2", true),
            ("WITH v AS (SELECT 1) INSERT INTO t SELECT * FROM v", true),
            ("PRAGMA user_version = 3", true),
        ] {
            assert_eq!(starts_write(&conn, sql).unwrap(), writes, "{sql}");
        }
        assert!(starts_write(&conn, "SELEC 1").is_err());
    }

    #[test]
    fn errors_keep_sqlite_wording() {
        let (_dir, _pool, conn) = open();
        let err = execute(&conn, "SELEC 1", &[]).unwrap_err();
        assert!(matches!(to_wit_error(err), Error::Io(m) if m.contains("syntax error")));
    }

    #[test]
    fn read_write_mode_refuses_a_missing_file() {
        let dir = tempdir();
        let err = Pool::open(&Database {
            path: dir.join("missing.db"),
            mode: OpenMode::ReadWrite,
            synchronous: Synchronous::Full,
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
