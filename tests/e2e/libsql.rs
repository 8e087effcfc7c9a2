//! A real libSQL server (sqld) for the tests that share one database between replicas:
//! started on 127.0.0.1 in the test's directory, read with Hrana's HTTP pipeline. Without a
//! sqld binary ($SQLD, or ../shared/tools/sqld beside the checkout) those tests say so and
//! pass.

use crate::support::{free_port, request, wait_until, TempDir};
use serde_json::{json, Value};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

/// The sqld to test with, or None (and a plain note on stderr) when there is none.
pub fn sqld_binary(test: &str) -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let found = std::env::var_os("SQLD")
        .map(PathBuf::from)
        .or_else(|| Some(repo.join("../shared/tools/sqld")).filter(|p| p.is_file()));
    if found.is_none() {
        // Written past the test harness's capture, so that the run shows it.
        let _ = writeln!(
            std::io::stderr(),
            "{test}: SKIPPED, no sqld binary ($SQLD or ../shared/tools/sqld)"
        );
    }
    found
}

/// sqld serving one database under `dir/sqld`, until dropped.
pub struct Sqld {
    child: Mutex<Child>,
    binary: PathBuf,
    db_path: PathBuf,
    pub addr: SocketAddr,
}

impl Sqld {
    pub fn start(sqld: &Path, dir: &TempDir) -> Sqld {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let db_path = dir.0.join("sqld");
        Sqld {
            child: Mutex::new(spawn(sqld, &db_path, addr)),
            binary: sqld.to_path_buf(),
            db_path,
            addr,
        }
    }

    /// Stopped (killed) for `away`, then started again on the same address and files.
    pub fn stop_for(&self, away: Duration) {
        self.stop();
        std::thread::sleep(away);
        self.restart();
    }

    /// Killed, until [`Sqld::restart`].
    pub fn stop(&self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Started again after [`Sqld::stop`], on the same address with the database it left.
    pub fn restart(&self) {
        *self.child.lock().unwrap() = spawn(&self.binary, &self.db_path, self.addr);
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Rows of one statement, each value as sqld typed it (integers as JSON numbers).
    pub fn query(&self, sql: &str) -> Vec<Vec<Value>> {
        let body = json!({"requests": [
            {"type": "execute", "stmt": {"sql": sql}},
            {"type": "close"},
        ]});
        let response = request(
            self.addr,
            "POST",
            "/v2/pipeline",
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        assert_eq!(response.status, 200, "{}", response.body);
        let answer: Value = serde_json::from_str(&response.body).unwrap();
        let result = &answer["results"][0];
        assert_eq!(result["type"], "ok", "{sql}: {result}");
        let rows = result["response"]["result"]["rows"].as_array().unwrap();
        rows.iter()
            .map(|row| {
                let cells = row.as_array().unwrap();
                cells.iter().map(cell).collect()
            })
            .collect()
    }

    pub fn scalar(&self, sql: &str) -> i64 {
        let rows = self.query(sql);
        rows[0][0]
            .as_i64()
            .unwrap_or_else(|| panic!("{sql}: {:?}", rows[0][0]))
    }

    /// A Spin runtime config that puts the `default` database on this server.
    pub fn runtime_config(&self, dir: &TempDir) -> PathBuf {
        let path = dir.0.join("libsql.toml");
        std::fs::write(
            &path,
            format!(
                "[sqlite_database.default]\ntype = \"libsql\"\nurl = \"{}\"\ntoken = \"unused\"\n",
                self.url()
            ),
        )
        .unwrap();
        path
    }
}

/// Hrana's `{"type": "integer", "value": "7"}` as 7, text as a string, null as null.
fn cell(value: &Value) -> Value {
    match value["type"].as_str() {
        Some("integer") => json!(value["value"].as_str().unwrap().parse::<i64>().unwrap()),
        Some("null") => Value::Null,
        _ => value["value"].clone(),
    }
}

/// A sqld process on `addr`, once it answers.
fn spawn(sqld: &Path, db_path: &Path, addr: SocketAddr) -> Child {
    let child = Command::new(sqld)
        .arg("--http-listen-addr")
        .arg(addr.to_string())
        .arg("--db-path")
        .arg(db_path)
        .arg("--no-welcome")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting sqld");
    let up = wait_until(Duration::from_secs(30), || {
        (std::net::TcpStream::connect(addr).is_ok()
            && request(addr, "GET", "/health", &[], b"").status == 200)
            .then_some(())
    });
    assert!(up.is_some(), "sqld did not answer /health on {addr}");
    child
}

impl Drop for Sqld {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}
