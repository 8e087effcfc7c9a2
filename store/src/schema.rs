//! Versioned migrations, tracked in `PRAGMA user_version`.
//!
//! Each instance checks the version once (one cheap read); only a behind database takes the
//! write lock, and the version is read again under it so concurrent first uses apply each
//! migration exactly once.

use crate::api::StoreError;
use crate::db::{query_one, Db, Row};
use crate::tx;

/// Migration `i` moves the schema from version `i` to `i + 1`; append, never edit.
const MIGRATIONS: &[&[&str]] = &[V1, V2, V3, V4, V5, V6, V7, V8, V9];

/// The schema version this build writes and reads.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

const V1: &[&str] = &[
    // One row per (fingerprint, startsAt): a re-fire after resolution is a new alert.
    "CREATE TABLE IF NOT EXISTS alerts (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
        alertname TEXT NOT NULL,
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        ends_at INTEGER,
        generator_url TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (fingerprint, starts_at)
    )",
    "CREATE INDEX IF NOT EXISTS alerts_by_alertname ON alerts (alertname, id)",
    "CREATE INDEX IF NOT EXISTS alerts_by_status ON alerts (status, id)",
    "CREATE INDEX IF NOT EXISTS alerts_by_starts_at ON alerts (starts_at)",
    // At most one Slack message per alert: the alert id is the key.
    "CREATE TABLE IF NOT EXISTS messages (
        alert_id INTEGER PRIMARY KEY REFERENCES alerts (id),
        channel TEXT NOT NULL,
        ts TEXT NOT NULL,
        created_at INTEGER NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS charts (
        token TEXT PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES alerts (id),
        png BLOB NOT NULL,
        created_at INTEGER NOT NULL
    )",
    "CREATE INDEX IF NOT EXISTS charts_by_alert ON charts (alert_id)",
    // `payload`: what a job needs beyond its alert (a summary's alert ids).
    "CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('alert-fired', 'alert-resolved', 'group-summary')),
        alert_id INTEGER NOT NULL REFERENCES alerts (id),
        payload TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    )",
    // Claiming scans pending jobs by due time; the partial index stays as small as the backlog.
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due_at, id) WHERE state = 'pending'",
    // Per-alert ordering: is there an older pending job for the same alert?
    "CREATE INDEX IF NOT EXISTS outbox_pending_by_alert ON outbox (alert_id, id) WHERE state = 'pending'",
    "CREATE INDEX IF NOT EXISTS outbox_by_state ON outbox (state)",
    // `labels` is a canonical JSON object, so one label set has one key.
    "CREATE TABLE IF NOT EXISTS counters (
        name TEXT NOT NULL,
        labels TEXT NOT NULL,
        value INTEGER NOT NULL,
        PRIMARY KEY (name, labels)
    ) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS histograms (
        name TEXT PRIMARY KEY,
        count INTEGER NOT NULL,
        sum REAL NOT NULL
    ) WITHOUT ROWID",
    // Non-cumulative: observations whose smallest bucket bound >= value is `le`.
    "CREATE TABLE IF NOT EXISTS histogram_buckets (
        name TEXT NOT NULL,
        le REAL NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (name, le)
    ) WITHOUT ROWID",
];

const V2: &[&str] = &[
    // Who holds a lease: a lease of another owner (a crashed host process) is not waited for.
    "ALTER TABLE outbox ADD COLUMN lease_owner TEXT NOT NULL DEFAULT ''",
    // Alerts beyond a webhook's group limit: posted in a summary, not one by one.
    "ALTER TABLE alerts ADD COLUMN summarized INTEGER NOT NULL DEFAULT 0",
    // Claims put back because the channel was busy: they are no failures.
    "ALTER TABLE outbox ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0",
    // An attempt that started posting and may have posted: (channel, since).
    "ALTER TABLE outbox ADD COLUMN posting_channel TEXT",
    "ALTER TABLE outbox ADD COLUMN posting_since INTEGER",
    // Channel names seen in posts and the ids Slack answered for them.
    "CREATE TABLE IF NOT EXISTS channel_ids (
        name TEXT PRIMARY KEY,
        id TEXT NOT NULL
    ) WITHOUT ROWID",
    // The next moment each Slack channel may take a message (pacing and Retry-After).
    "CREATE TABLE IF NOT EXISTS channel_turns (
        channel TEXT PRIMARY KEY,
        next_at INTEGER NOT NULL
    ) WITHOUT ROWID",
];

const V3: &[&str] = &[
    // A new job kind, `chart-redraw`: SQLite cannot alter a CHECK, so the table is rebuilt.
    "CREATE TABLE outbox_v3 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL
            CHECK (kind IN ('alert-fired', 'alert-resolved', 'group-summary', 'chart-redraw')),
        alert_id INTEGER NOT NULL REFERENCES alerts (id),
        payload TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        lease_owner TEXT NOT NULL DEFAULT '',
        deferrals INTEGER NOT NULL DEFAULT 0,
        posting_channel TEXT,
        posting_since INTEGER
    )",
    "INSERT INTO outbox_v3 (id, kind, alert_id, payload, state, due_at, attempts, lease_until,
                           last_error, created_at, updated_at, lease_owner, deferrals,
                           posting_channel, posting_since)
     SELECT id, kind, alert_id, payload, state, due_at, attempts, lease_until, last_error,
            created_at, updated_at, lease_owner, deferrals, posting_channel, posting_since
     FROM outbox",
    "DROP TABLE outbox",
    "ALTER TABLE outbox_v3 RENAME TO outbox",
    "CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending'",
    "CREATE INDEX outbox_pending_by_alert ON outbox (alert_id, id) WHERE state = 'pending'",
    "CREATE INDEX outbox_by_state ON outbox (state)",
];

const V4: &[&str] = &[
    // Drain turns (see `drainers`): a slot is free once `lease_until` has passed.
    "CREATE TABLE drainers (
        slot INTEGER PRIMARY KEY,
        ticket INTEGER NOT NULL,
        lease_until INTEGER NOT NULL,
        owner TEXT NOT NULL
    )",
];

const V5: &[&str] = &[
    // What Slack users did about an alert: the first acknowledgement, the current silence.
    "ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT",
    "ALTER TABLE alerts ADD COLUMN acknowledged_at INTEGER",
    "ALTER TABLE alerts ADD COLUMN silence_id TEXT",
    "ALTER TABLE alerts ADD COLUMN silenced_by TEXT",
    "ALTER TABLE alerts ADD COLUMN silenced_until INTEGER",
    // Silences to look after once they end (`actions::ended`).
    "CREATE INDEX alerts_silenced ON alerts (silenced_until) WHERE silence_id IS NOT NULL",
    // Signatures of Slack requests already acted on, kept past their validity to refuse replays.
    "CREATE TABLE slack_requests (
        signature TEXT PRIMARY KEY,
        seen_at INTEGER NOT NULL
    ) WITHOUT ROWID",
    // New job kinds for Slack's buttons: the outbox is rebuilt as in V3.
    "CREATE TABLE outbox_v5 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL
            CHECK (kind IN ('alert-fired', 'alert-resolved', 'group-summary', 'chart-redraw',
                            'silence', 'unsilence', 'message-refresh')),
        alert_id INTEGER NOT NULL REFERENCES alerts (id),
        payload TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        lease_owner TEXT NOT NULL DEFAULT '',
        deferrals INTEGER NOT NULL DEFAULT 0,
        posting_channel TEXT,
        posting_since INTEGER
    )",
    "INSERT INTO outbox_v5 SELECT id, kind, alert_id, payload, state, due_at, attempts,
            lease_until, last_error, created_at, updated_at, lease_owner, deferrals,
            posting_channel, posting_since
     FROM outbox",
    "DROP TABLE outbox",
    "ALTER TABLE outbox_v5 RENAME TO outbox",
    "CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending'",
    "CREATE INDEX outbox_pending_by_alert ON outbox (alert_id, id) WHERE state = 'pending'",
    "CREATE INDEX outbox_by_state ON outbox (state)",
];

const V6: &[&str] = &[
    // The attempt that began work (`start-job`) and how many such attempts died unsettled.
    "ALTER TABLE outbox ADD COLUMN started INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE outbox ADD COLUMN deaths INTEGER NOT NULL DEFAULT 0",
    // Configuration faults holding delivery back ('' for every channel), see `pauses`.
    "CREATE TABLE delivery_pauses (
        channel TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        since INTEGER NOT NULL,
        until INTEGER NOT NULL,
        length_ms INTEGER NOT NULL
    ) WITHOUT ROWID",
    // When each periodic warning was last logged (`notices`).
    "CREATE TABLE notices (
        key TEXT PRIMARY KEY,
        at INTEGER NOT NULL
    ) WITHOUT ROWID",
];

const V7: &[&str] = &[
    // When a chart first reached Slack: its alert's older charts may go an hour later.
    "ALTER TABLE charts ADD COLUMN shown_at INTEGER",
    // Retention scans: charts by age, and each alert's charts in drawing order (covering).
    "CREATE INDEX charts_by_created_at ON charts (created_at)",
    "CREATE INDEX charts_by_alert_created ON charts (alert_id, created_at, shown_at)",
    "DROP INDEX charts_by_alert",
    // Resolved alerts by when they ended, oldest first, for the history sweep.
    "CREATE INDEX alerts_resolved_by_end ON alerts (ends_at) WHERE status = 'resolved'",
    // Finished jobs by when their last try was due; every job of an alert, for its sweep.
    "DROP INDEX outbox_by_state",
    "CREATE INDEX outbox_by_state ON outbox (state, due_at)",
    "CREATE INDEX outbox_by_alert ON outbox (alert_id)",
    // Spans of swept alerts that the history lines still tell (`retention`).
    "CREATE TABLE past_firings (
        fingerprint TEXT NOT NULL,
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL,
        PRIMARY KEY (fingerprint, starts_at)
    ) WITHOUT ROWID",
    "CREATE INDEX past_firings_by_end ON past_firings (ends_at)",
];

const V8: &[&str] = &[
    // Steps of a job that reached Slack (the resolve's edit, its reply), kept across attempts
    // so a job whose settle was lost is not repeated.
    "ALTER TABLE outbox ADD COLUMN steps INTEGER NOT NULL DEFAULT 0",
];

const V9: &[&str] = &[
    // Zoom clicks of the last ten minutes, by alert and window, with the reply once posted.
    "CREATE TABLE zoom_replies (
        alert_id INTEGER NOT NULL REFERENCES alerts (id),
        window_ms INTEGER NOT NULL,
        asked_at INTEGER NOT NULL,
        channel TEXT,
        ts TEXT,
        PRIMARY KEY (alert_id, window_ms)
    ) WITHOUT ROWID",
    "CREATE INDEX zoom_replies_by_asked_at ON zoom_replies (asked_at)",
    // The `chart-zoom` job kind: the outbox is rebuilt as in V5, with every column since.
    "CREATE TABLE outbox_v9 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL
            CHECK (kind IN ('alert-fired', 'alert-resolved', 'group-summary', 'chart-redraw',
                            'silence', 'unsilence', 'message-refresh', 'chart-zoom')),
        alert_id INTEGER NOT NULL REFERENCES alerts (id),
        payload TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_until INTEGER,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        lease_owner TEXT NOT NULL DEFAULT '',
        deferrals INTEGER NOT NULL DEFAULT 0,
        posting_channel TEXT,
        posting_since INTEGER,
        started INTEGER NOT NULL DEFAULT 0,
        deaths INTEGER NOT NULL DEFAULT 0,
        steps INTEGER NOT NULL DEFAULT 0
    )",
    "INSERT INTO outbox_v9 SELECT id, kind, alert_id, payload, state, due_at, attempts,
            lease_until, last_error, created_at, updated_at, lease_owner, deferrals,
            posting_channel, posting_since, started, deaths, steps
     FROM outbox",
    "DROP TABLE outbox",
    "ALTER TABLE outbox_v9 RENAME TO outbox",
    "CREATE INDEX outbox_due ON outbox (due_at, id) WHERE state = 'pending'",
    "CREATE INDEX outbox_pending_by_alert ON outbox (alert_id, id) WHERE state = 'pending'",
    "CREATE INDEX outbox_by_state ON outbox (state, due_at)",
    "CREATE INDEX outbox_by_alert ON outbox (alert_id)",
];

/// The database's schema version.
pub fn version(db: &dyn Db) -> Result<i64, StoreError> {
    Row(&query_one(db, "PRAGMA user_version", &[])?).int(0)
}

/// Bring the schema up to [`LATEST`]; a no-op (one read) when it already is.
pub fn migrate(db: &dyn Db) -> Result<(), StoreError> {
    match version(db)? {
        LATEST.. => return Ok(()),
        // Outside a transaction, before the first table (and before a runtime's WAL switch
        // writes the header), or it has no effect: freed pages can then go back to the disk.
        // A server that keeps the file itself (libSQL's sqld) refuses the PRAGMA: its disk
        // is then its own business, and the schema goes on without it.
        0 => {
            let _ = db.execute("PRAGMA auto_vacuum = INCREMENTAL", &[]);
        }
        _ => {}
    }
    apply_missing(db)
}

/// Apply the migrations the database lacks, deciding which under the write lock.
pub fn apply_missing(db: &dyn Db) -> Result<(), StoreError> {
    tx::write(db, || {
        let current = version(db)?;
        let missing = usize::try_from(current).unwrap_or(0);
        if current >= LATEST {
            return Ok(());
        }
        for statement in MIGRATIONS.iter().skip(missing).flat_map(|m| m.iter()) {
            db.execute(statement, &[])?;
        }
        // PRAGMA takes no parameters; LATEST is a constant of this build.
        db.execute(&format!("PRAGMA user_version = {LATEST}"), &[])?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{NativeDb, RecordingDb};

    #[test]
    fn migrates_a_fresh_database_and_is_idempotent() {
        let db = NativeDb::memory_unmigrated();
        assert_eq!(version(&db).unwrap(), 0);
        migrate(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
        let tables =
            db.strings("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
        assert_eq!(
            tables,
            [
                "alerts",
                "channel_ids",
                "channel_turns",
                "charts",
                "counters",
                "delivery_pauses",
                "drainers",
                "histogram_buckets",
                "histograms",
                "messages",
                "notices",
                "outbox",
                "past_firings",
                "slack_requests",
                "zoom_replies"
            ]
        );
        db.exec("INSERT INTO counters (name, labels, value) VALUES ('x', '{}', 7)");
        migrate(&db).unwrap();
        apply_missing(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
        assert_eq!(
            db.int("SELECT value FROM counters WHERE name = 'x'"),
            7,
            "data survives a second run"
        );
    }

    /// A database left at `version` by an older build, with one firing alert.
    fn at_version(version: usize) -> NativeDb {
        let db = NativeDb::memory_unmigrated();
        for statement in MIGRATIONS[..version].iter().flat_map(|m| m.iter()) {
            db.exec(statement);
        }
        db.exec(&format!("PRAGMA user_version = {version}"));
        db.exec(
            "INSERT INTO alerts (id, fingerprint, starts_at, status, alertname, labels, annotations,
                                 generator_url, received_at, updated_at)
             VALUES (1, 'f', 1, 'firing', 'A', '{}', '{}', '', 1, 1)",
        );
        db
    }

    #[test]
    fn a_version_1_database_is_upgraded_in_place() {
        let db = at_version(1);
        db.exec(
            "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
             VALUES ('alert-fired', 1, 'pending', 1, 1, 1)",
        );
        migrate(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
        assert_eq!(
            db.strings("SELECT lease_owner FROM outbox"),
            [""],
            "existing jobs get the shared owner"
        );
    }

    #[test]
    fn a_version_2_outbox_is_rebuilt_with_its_jobs_and_takes_chart_redraws() {
        let db = at_version(2);
        db.exec(
            "INSERT INTO outbox (id, kind, alert_id, state, due_at, attempts, created_at,
                                 updated_at, lease_owner, deferrals, posting_channel, posting_since)
             VALUES (7, 'alert-fired', 1, 'pending', 5, 3, 1, 2, 'host-a', 1, '#ops', 4)",
        );
        assert!(
            db.try_exec(
                "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
                 VALUES ('chart-redraw', 1, 'pending', 1, 1, 1)"
            )
            .is_err(),
            "version 2 refuses the new kind"
        );
        migrate(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
        assert_eq!(
            db.strings(
                "SELECT id || kind || state || due_at || attempts || lease_owner || deferrals
                        || posting_channel || posting_since FROM outbox"
            ),
            ["7alert-firedpending53host-a1#ops4"],
            "every column of the job survives"
        );
        db.exec(
            "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
             VALUES ('chart-redraw', 1, 'pending', 1, 1, 1)",
        );
        let indexes = db.strings(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'outbox'
             ORDER BY name",
        );
        assert_eq!(
            indexes,
            [
                "outbox_by_alert",
                "outbox_by_state",
                "outbox_due",
                "outbox_pending_by_alert"
            ]
        );
    }

    #[test]
    fn a_version_4_database_keeps_its_jobs_and_alerts_and_takes_slack_actions() {
        let db = at_version(4);
        db.exec(
            "INSERT INTO outbox (id, kind, alert_id, payload, state, due_at, created_at, updated_at)
             VALUES (3, 'chart-redraw', 1, 'p', 'pending', 5, 1, 2)",
        );
        migrate(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
        assert_eq!(
            db.table("SELECT id, kind, payload, due_at FROM outbox"),
            ["3|chart-redraw|p|5"]
        );
        assert_eq!(
            db.table("SELECT acknowledged_by, silence_id FROM alerts"),
            ["NULL|NULL"]
        );
        db.exec(
            "INSERT INTO outbox (kind, alert_id, state, due_at, created_at, updated_at)
             VALUES ('message-refresh', 1, 'pending', 1, 1, 1)",
        );
    }

    #[test]
    fn a_version_5_database_keeps_every_row_and_takes_retention() {
        let db = at_version(5);
        db.exec(
            "INSERT INTO alerts (id, fingerprint, starts_at, status, alertname, labels, annotations,
                                 ends_at, generator_url, received_at, updated_at)
             VALUES (2, 'f', 0, 'resolved', 'A', '{}', '{}', 5, '', 1, 5);
             INSERT INTO messages (alert_id, channel, ts, created_at) VALUES (2, 'C1', '1.0', 1);
             INSERT INTO charts (token, alert_id, png, created_at) VALUES ('t', 2, x'89504e47', 1);
             INSERT INTO outbox (id, kind, alert_id, state, due_at, created_at, updated_at)
             VALUES (4, 'alert-resolved', 2, 'done', 5, 1, 5);
             INSERT INTO counters (name, labels, value) VALUES ('c', '{}', 3);
             INSERT INTO slack_requests (signature, seen_at) VALUES ('s', 1);",
        );
        migrate(&db).unwrap();
        assert_eq!(version(&db).unwrap(), LATEST);
        for (table, rows) in [
            ("alerts", 2),
            ("messages", 1),
            ("charts", 1),
            ("outbox", 1),
            ("counters", 1),
            ("slack_requests", 1),
            ("past_firings", 0),
        ] {
            assert_eq!(
                db.int(&format!("SELECT count(*) FROM {table}")),
                rows,
                "{table}"
            );
        }
        assert_eq!(
            db.table("SELECT token, alert_id, hex(png), created_at, shown_at FROM charts"),
            ["t|2|89504E47|1|NULL"]
        );
        let indexes = db.strings(
            "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'charts'
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        );
        assert_eq!(indexes, ["charts_by_alert_created", "charts_by_created_at"]);
    }

    #[test]
    fn migrate_on_a_current_database_only_reads_the_version() {
        let db = RecordingDb::new(NativeDb::memory());
        migrate(&db).unwrap();
        assert_eq!(db.statements(), ["PRAGMA user_version"]);
    }

    #[test]
    fn version_is_rechecked_under_the_write_lock() {
        // Another instance migrated between our cheap check and our BEGIN IMMEDIATE.
        let path = crate::testing::temp_path("recheck");
        let ours = RecordingDb::new(NativeDb::file_unmigrated(&path));
        assert_eq!(version(&ours).unwrap(), 0);
        let _theirs = NativeDb::file(&path); // opening migrates
        apply_missing(&ours).unwrap();
        assert!(
            !ours.statements().iter().any(|s| s.contains("CREATE")),
            "{:?}",
            ours.statements()
        );
        assert_eq!(version(&ours).unwrap(), LATEST);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn a_failed_migration_leaves_the_version_untouched() {
        let db = NativeDb::memory_unmigrated();
        // A stray `outbox` without the expected columns makes the index on `due_at` fail.
        db.exec("CREATE TABLE outbox (id INTEGER PRIMARY KEY)");
        assert!(migrate(&db).is_err());
        assert_eq!(version(&db).unwrap(), 0);
        let tables =
            db.strings("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
        assert_eq!(tables, ["outbox"], "the partial migration was rolled back");
    }
}
