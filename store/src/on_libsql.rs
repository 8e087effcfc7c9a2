//! The store's flows on a real libSQL server (sqld, from `$SQLD` or ../shared/tools/sqld;
//! skipped without one), through the `libsql` client the host uses: every place where the
//! store counts changed rows or needs a new row's id, which a libSQL connection does not
//! report as a file does.

use crate::api::{ActionOutcome, ActionRequest, ChatAction, Retention, StoreError};
use crate::db::{Db, Rows, Value};
use crate::errors::classify;
use crate::testing::{fixture_firing, fixture_resolved};
use crate::{actions, outbox, retention, schema, webhook};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh sqld in a temporary directory and one client connection to it.
struct SqldDb {
    runtime: tokio::runtime::Runtime,
    conn: libsql::Connection,
    server: Child,
    dir: PathBuf,
}

impl SqldDb {
    fn start(test: &str) -> Option<SqldDb> {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let Some(binary) = std::env::var_os("SQLD")
            .map(PathBuf::from)
            .or_else(|| Some(manifest.join("../../shared/tools/sqld")).filter(|p| p.is_file()))
        else {
            let _ = writeln!(
                std::io::stderr(),
                "{test}: SKIPPED, no sqld ($SQLD or ../shared/tools/sqld)"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!(
            "alertgraph-store-sqld-{}-{test}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let server = Command::new(binary)
            .arg("--http-listen-addr")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--db-path")
            .arg(&dir)
            .arg("--no-welcome")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let database = runtime
            .block_on(libsql::Builder::new_remote(url, String::new()).build())
            .unwrap();
        let conn = database.connect().unwrap();
        let started = Instant::now();
        while runtime.block_on(conn.query("SELECT 1", ())).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "sqld did not answer"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(SqldDb {
            runtime,
            conn,
            server,
            dir,
        })
    }

    fn int(&self, sql: &str) -> i64 {
        match self.execute(sql, &[]).unwrap()[0][0] {
            Value::Integer(i) => i,
            ref other => panic!("{sql}: {other:?}"),
        }
    }
}

impl Db for SqldDb {
    fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        let err = |e: libsql::Error| classify(&e.to_string());
        let params: Vec<libsql::Value> = params
            .iter()
            .map(|v| match v {
                Value::Integer(i) => libsql::Value::Integer(*i),
                Value::Real(r) => libsql::Value::Real(*r),
                Value::Text(t) => libsql::Value::Text(t.clone()),
                Value::Blob(b) => libsql::Value::Blob(b.clone()),
                Value::Null => libsql::Value::Null,
            })
            .collect();
        self.runtime.block_on(async {
            let mut rows = self.conn.query(sql, params).await.map_err(err)?;
            let count = rows.column_count();
            let mut out = Vec::new();
            while let Some(row) = rows.next().await.map_err(err)? {
                let values = (0..count)
                    .map(|i| {
                        row.get_value(i).map(|v| match v {
                            libsql::Value::Null => Value::Null,
                            libsql::Value::Integer(i) => Value::Integer(i),
                            libsql::Value::Real(r) => Value::Real(r),
                            libsql::Value::Text(t) => Value::Text(t),
                            libsql::Value::Blob(b) => Value::Blob(b),
                        })
                    })
                    .collect::<libsql::Result<_>>()
                    .map_err(err)?;
                out.push(values);
            }
            Ok(out)
        })
    }
}

impl Drop for SqldDb {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_webhook_its_jobs_a_click_and_the_sweep_work_on_a_libsql_server() {
    let Some(db) = SqldDb::start("store-flows") else {
        return;
    };
    // A server refuses the space PRAGMAs: the schema is made without them.
    schema::migrate(&db).unwrap();
    assert_eq!(schema::version(&db).unwrap(), schema::LATEST);

    // The new alert's id comes back from the INSERT, and its job refers to it.
    let firing = webhook::record(&db, &fixture_firing(), 1_000, 1, u32::MAX).unwrap();
    assert_eq!((firing.new_alerts, firing.jobs_enqueued), (1, 1));
    let alert_id = db.int("SELECT id FROM alerts");
    assert!(alert_id > 0);
    assert_eq!(db.int("SELECT alert_id FROM outbox"), alert_id);
    let repeat = webhook::record(&db, &fixture_firing(), 2_000, 1, u32::MAX).unwrap();
    assert_eq!((repeat.repeats, repeat.jobs_enqueued), (1, 0));

    // Each write about a job counts the row it changed: a stale attempt changes nothing.
    let job = outbox::claim(&db, 3_000, 60_000, 10, "replica-1")
        .unwrap()
        .remove(0);
    outbox::start(&db, job.id, job.attempt).unwrap();
    outbox::mark_posting(&db, job.id, job.attempt, "#alerts", 3_100).unwrap();
    assert!(outbox::start(&db, job.id, job.attempt + 1).is_err());
    outbox::complete(&db, job.id, job.attempt).unwrap();
    assert!(outbox::complete(&db, job.id, job.attempt).is_err());
    assert!(outbox::enqueue_chart_redraw(&db, alert_id, 4_000, 4_000).unwrap());
    assert!(!outbox::enqueue_chart_redraw(&db, alert_id, 4_000, 4_000).unwrap());

    // A click is recorded once; its replay is told apart by the row it did not insert.
    let click = ChatAction {
        alert_id,
        request: ActionRequest::Acknowledge,
        user_id: "U1".into(),
        user_name: "ana".into(),
    };
    let outcome = |at| actions::record(&db, &click, "v0=sig", at).unwrap();
    assert_eq!(outcome(5_000), ActionOutcome::Recorded);
    assert_eq!(outcome(5_001), ActionOutcome::Replayed);
    assert_eq!(
        db.int("SELECT count(*) FROM outbox WHERE kind = 'message-refresh'"),
        1
    );

    // The resolve, its jobs done, then a sweep that counts what it deleted.
    webhook::record(&db, &fixture_resolved(), 6_000, 1, u32::MAX).unwrap();
    db.execute("UPDATE outbox SET state = 'done'", &[]).unwrap();
    let ended: i64 = db.int("SELECT ends_at FROM alerts");
    let later = ended + 10 * 86_400_000;
    let retention = Retention {
        history_ms: 86_400_000,
        charts_ms: 86_400_000,
    };
    let swept = retention::sweep(&db, &retention, later).unwrap();
    assert_eq!(swept.alerts, 1, "{swept:?}");
    assert!(swept.jobs >= 1, "{swept:?}");
    assert_eq!(db.int("SELECT count(*) FROM alerts"), 0);
    assert_eq!(db.int("SELECT count(*) FROM past_firings"), 1);
}
