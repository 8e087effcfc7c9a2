//! Test support: the store's [`Db`] over rusqlite, wrappers that record or fail statements,
//! and webhook fixtures (the real Alertmanager payloads, decoded the way the handler would).

use crate::api::{Alert, AlertStatus, LabelSet, StoreError, Timestamp, Webhook};
use crate::db::{Db, Rows, Value};
use crate::errors::classify;
use crate::labels;
use crate::schema;
use rusqlite::types::{Value as SqlValue, ValueRef};
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

/// A rusqlite connection behaving like Spin's: one statement per call, errors as messages.
pub struct NativeDb {
    conn: rusqlite::Connection,
}

impl NativeDb {
    pub fn memory() -> Self {
        migrated(Self::memory_unmigrated())
    }

    pub fn memory_unmigrated() -> Self {
        Self::over(rusqlite::Connection::open_in_memory().unwrap())
    }

    pub fn file(path: &Path) -> Self {
        migrated(Self::file_unmigrated(path))
    }

    pub fn file_unmigrated(path: &Path) -> Self {
        Self::over(rusqlite::Connection::open(path).unwrap())
    }

    /// Statements are cached as the host caches them, so long simulations stay quick.
    fn over(conn: rusqlite::Connection) -> Self {
        conn.set_prepared_statement_cache_capacity(64);
        Self { conn }
    }

    pub fn set_busy_timeout_ms(&self, ms: u64) {
        self.conn
            .busy_timeout(std::time::Duration::from_millis(ms))
            .unwrap();
    }

    /// Run a statement directly, bypassing the store's code.
    pub fn exec(&self, sql: &str) {
        self.conn.execute_batch(sql).unwrap();
    }

    /// Run a statement directly, returning SQLite's refusal instead of panicking.
    pub fn try_exec(&self, sql: &str) -> rusqlite::Result<()> {
        self.conn.execute_batch(sql)
    }

    pub fn int(&self, sql: &str) -> i64 {
        self.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    pub fn strings(&self, sql: &str) -> Vec<String> {
        let mut stmt = self.conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    /// Rows rendered as `a|b|c`, NULL as `NULL`, for comparing table contents.
    pub fn table(&self, sql: &str) -> Vec<String> {
        let mut stmt = self.conn.prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).unwrap() {
                    ValueRef::Null => "NULL".to_string(),
                    ValueRef::Integer(v) => v.to_string(),
                    ValueRef::Real(v) => v.to_string(),
                    ValueRef::Text(v) => String::from_utf8_lossy(v).into_owned(),
                    ValueRef::Blob(v) => format!("blob{v:?}"),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    pub fn rows(&self, sql: &str) -> Rows {
        self.execute(sql, &[]).unwrap()
    }
}

fn migrated(db: NativeDb) -> NativeDb {
    schema::migrate(&db).unwrap();
    db
}

impl Db for NativeDb {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        let err = |e: rusqlite::Error| classify(&e.to_string());
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        let n = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter().map(to_sql)))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(err)? {
            out.push(
                (0..n)
                    .map(|i| row.get_ref(i).map(from_sql))
                    .collect::<Result<_, _>>()
                    .map_err(err)?,
            );
        }
        Ok(out)
    }
}

fn to_sql(v: &Value) -> SqlValue {
    match v {
        Value::Integer(v) => SqlValue::Integer(*v),
        Value::Real(v) => SqlValue::Real(*v),
        Value::Text(v) => SqlValue::Text(v.clone()),
        Value::Blob(v) => SqlValue::Blob(v.clone()),
        Value::Null => SqlValue::Null,
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Integer(v),
        ValueRef::Real(v) => Value::Real(v),
        ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
        ValueRef::Blob(v) => Value::Blob(v.to_vec()),
    }
}

/// Records every statement it runs.
pub struct RecordingDb {
    pub inner: NativeDb,
    log: RefCell<Vec<String>>,
}

impl RecordingDb {
    pub fn new(inner: NativeDb) -> Self {
        Self {
            inner,
            log: RefCell::new(Vec::new()),
        }
    }

    pub fn statements(&self) -> Vec<String> {
        self.log.borrow().clone()
    }
}

impl Db for RecordingDb {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        self.log.borrow_mut().push(sql.to_string());
        self.inner.execute(sql, params)
    }
}

/// Fails the `nth` (1-based) statement containing `pattern`, as a disk error would.
pub struct FailingDb {
    pub inner: NativeDb,
    pattern: &'static str,
    nth: usize,
    seen: Cell<usize>,
}

impl FailingDb {
    pub fn new(inner: NativeDb, pattern: &'static str, nth: usize) -> Self {
        Self {
            inner,
            pattern,
            nth,
            seen: Cell::new(0),
        }
    }
}

impl Db for FailingDb {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        if sql.contains(self.pattern) {
            self.seen.set(self.seen.get() + 1);
            if self.seen.get() == self.nth {
                return Err(classify("disk I/O error"));
            }
        }
        self.inner.execute(sql, params)
    }
}

/// A fresh database file path under the system temp directory.
pub fn temp_path(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "alertgraph-store-{}-{name}-{n}.db",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

pub fn alert(
    fingerprint: &str,
    status: AlertStatus,
    starts_at: Timestamp,
    labels: &[(&str, &str)],
) -> Alert {
    Alert {
        fingerprint: fingerprint.into(),
        status,
        labels: labels::from_pairs(labels),
        annotations: Vec::new(),
        starts_at,
        ends_at: None,
        generator_url: format!("http://prometheus.test/graph?fp={fingerprint}"),
    }
}

pub fn hook(alerts: Vec<Alert>) -> Webhook {
    let status = if alerts.iter().any(|a| a.status == AlertStatus::Firing) {
        AlertStatus::Firing
    } else {
        AlertStatus::Resolved
    };
    Webhook {
        receiver: "app".into(),
        status,
        group_key: "{}:{}".into(),
        group_labels: Vec::new(),
        common_labels: Vec::new(),
        common_annotations: Vec::new(),
        external_url: "http://alertmanager.test".into(),
        truncated_alerts: 0,
        alerts,
    }
}

pub fn fixture_firing() -> Webhook {
    decode(include_str!(
        "../../tests/fixtures/alertmanager-0.25/firing.json"
    ))
}

pub fn fixture_resolved() -> Webhook {
    decode(include_str!(
        "../../tests/fixtures/alertmanager-0.25/resolved.json"
    ))
}

/// Decode an Alertmanager webhook as the handler does (labels sorted by name).
fn decode(json: &str) -> Webhook {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let status = |v: &serde_json::Value| match v.as_str().unwrap() {
        "firing" => AlertStatus::Firing,
        "resolved" => AlertStatus::Resolved,
        other => panic!("status {other}"),
    };
    let set = |v: &serde_json::Value| -> LabelSet {
        let mut pairs: LabelSet = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        pairs.sort();
        pairs
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap().to_string();
    Webhook {
        receiver: text(&v["receiver"]),
        status: status(&v["status"]),
        group_key: text(&v["groupKey"]),
        group_labels: set(&v["groupLabels"]),
        common_labels: set(&v["commonLabels"]),
        common_annotations: set(&v["commonAnnotations"]),
        external_url: text(&v["externalURL"]),
        truncated_alerts: v["truncatedAlerts"].as_u64().unwrap() as u32,
        alerts: v["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| Alert {
                fingerprint: text(&a["fingerprint"]),
                status: status(&a["status"]),
                labels: set(&a["labels"]),
                annotations: set(&a["annotations"]),
                starts_at: rfc3339_ms(a["startsAt"].as_str().unwrap()).unwrap(),
                ends_at: rfc3339_ms(a["endsAt"].as_str().unwrap()),
                generator_url: text(&a["generatorURL"]),
            })
            .collect(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…]Z` to ms since the epoch; Go's zero time (year 1) is None.
fn rfc3339_ms(s: &str) -> Option<Timestamp> {
    let num = |range: std::ops::Range<usize>| s[range].parse::<i64>().unwrap();
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    if year == 1 {
        return None;
    }
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let fraction = s[19..].trim_end_matches('Z').trim_start_matches('.');
    let millis = format!("{fraction:0<3}")[..3].parse::<i64>().unwrap();
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

#[test]
fn fixture_timestamps_decode() {
    assert_eq!(rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(rfc3339_ms("2000-03-01T00:00:01.5Z"), Some(951_868_801_500));
    let firing = fixture_firing();
    assert_eq!(firing.alerts[0].starts_at, 1_795_639_651_731);
    assert_eq!(firing.alerts[0].ends_at, None);
    assert_eq!(
        fixture_resolved().alerts[0].ends_at,
        Some(1_795_639_741_731)
    );
}
