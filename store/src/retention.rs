//! Retention: what the store no longer needs goes, in short steps, so the database stays at
//! a steady size however long it runs.
//!
//! - Resolved alerts that ended before `now - history` go with their messages, charts and
//!   jobs; their spans move to `past_firings`, so every history line stays what it was.
//! - Charts go at `now - charts` (an alert's newest too), or an hour after a newer chart of
//!   the same alert reached Slack (the old URL is then shown nowhere).
//! - Finished jobs go a day after their last try was due, dead ones after 30 days.
//! - Once nothing is due, free pages go back to the file system (`incremental_vacuum`).

use crate::api::{Retention, StoreError, Swept, Timestamp};
use crate::db::{changed, int, query_one, text, Db, Row, Value};
use crate::metrics::{bump, RETENTION_DELETED};
use crate::tx;

const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// History lines look back this far at most (`alerts::history`).
pub const HISTORY_WINDOW_MS: i64 = 7 * DAY_MS;
/// A replaced chart stays this long after its replacement reached Slack: clients that
/// loaded the message before the edit may still fetch it.
pub const REPLACED_CHART_GRACE_MS: i64 = HOUR_MS;
pub const DONE_JOB_MS: i64 = DAY_MS;
pub const DEAD_JOB_MS: i64 = 30 * DAY_MS;
/// The newest swept span of a fingerprint is kept this long for its next firing's
/// "last time resolved after …".
pub const LAST_SPAN_MS: i64 = 365 * DAY_MS;

/// Per step: alerts (each with a message, a few charts and jobs), charts, jobs, spans —
/// a few hundred rows, so the write lock is held for milliseconds.
const ALERTS_PER_STEP: i64 = 50;
const CHARTS_PER_STEP: i64 = 50;
const JOBS_PER_STEP: i64 = 500;
const SPANS_PER_STEP: i64 = 500;
/// Pages handed back per step (4 MiB at the default page size), and free pages kept for
/// the next writes rather than given back and grown again.
const VACUUM_PAGES_PER_STEP: i64 = 1024;
const FREE_PAGES_KEPT: i64 = 256;

/// One step of the sweep in one write transaction; `more` when a batch was full.
pub fn sweep(db: &dyn Db, retention: &Retention, now: Timestamp) -> Result<Swept, StoreError> {
    let deleted = tx::write(db, || {
        let jobs = sweep_jobs(db, now)?;
        let charts = sweep_charts(db, now.saturating_sub(retention.charts_ms), now)?;
        let (alerts, alert_charts) = sweep_alerts(db, now.saturating_sub(retention.history_ms))?;
        let spans = prune_spans(db, now)?;
        for (kind, n) in [
            ("alert", alerts),
            ("chart", charts + alert_charts),
            ("job", jobs),
        ] {
            if n > 0 {
                bump(db, RETENTION_DELETED, &[("kind", kind)], n as u64)?;
            }
        }
        let more = jobs >= JOBS_PER_STEP
            || charts >= CHARTS_PER_STEP
            || alerts >= ALERTS_PER_STEP
            || spans >= SPANS_PER_STEP;
        Ok((alerts, charts + alert_charts, jobs, more))
    })?;
    let (alerts, charts, jobs, more) = deleted;
    let pages_freed = if more { 0 } else { give_back_pages(db)? };
    Ok(Swept {
        alerts: small(alerts),
        charts: small(charts),
        jobs: small(jobs),
        pages_freed: small(pages_freed),
        more: more || pages_freed >= VACUUM_PAGES_PER_STEP,
    })
}

/// Rows a statement changed, as the signed counts SQL works in.
fn deleted(db: &dyn Db, sql: &str, params: &[Value]) -> Result<i64, StoreError> {
    Ok(i64::try_from(changed(db, sql, params)?).unwrap_or(i64::MAX))
}

fn small(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Done jobs a day after their last try was due (they finished then, within a lease), dead
/// ones after 30 days.
fn sweep_jobs(db: &dyn Db, now: Timestamp) -> Result<i64, StoreError> {
    deleted(
        db,
        "DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox WHERE state = 'done' AND due_at < ?1
           UNION ALL
           SELECT id FROM outbox WHERE state = 'dead' AND due_at < ?2
           LIMIT ?3)",
        &[
            int(now - DONE_JOB_MS),
            int(now - DEAD_JOB_MS),
            int(JOBS_PER_STEP),
        ],
    )
}

/// Charts past retention, and charts replaced by a newer one that has been in Slack an hour.
fn sweep_charts(db: &dyn Db, cutoff: Timestamp, now: Timestamp) -> Result<i64, StoreError> {
    deleted(
        db,
        "DELETE FROM charts WHERE rowid IN (
           SELECT rowid FROM charts WHERE created_at < ?1
           UNION
           SELECT c.rowid FROM charts AS c
           WHERE EXISTS (SELECT 1 FROM charts AS n
                         WHERE n.alert_id = c.alert_id AND n.created_at > c.created_at
                           AND n.shown_at <= ?2)
           LIMIT ?3)",
        &[
            int(cutoff),
            int(now - REPLACED_CHART_GRACE_MS),
            int(CHARTS_PER_STEP),
        ],
    )
}

/// Resolved alerts that ended before `cutoff` and have no job waiting: their span moves to
/// `past_firings`, then their charts, message, jobs and the alert itself go. Returns the
/// alerts and the charts deleted.
fn sweep_alerts(db: &dyn Db, cutoff: Timestamp) -> Result<(i64, i64), StoreError> {
    let ids = db.execute(
        "SELECT json_group_array(id) FROM (
           SELECT id FROM alerts AS a
           WHERE status = 'resolved' AND ends_at < ?1
             AND NOT EXISTS (SELECT 1 FROM outbox
                             WHERE alert_id = a.id AND state = 'pending')
           ORDER BY ends_at LIMIT ?2)",
        &[int(cutoff), int(ALERTS_PER_STEP)],
    )?;
    let ids = Row(&ids[0]).text(0)?;
    let swept = |sql: &str| deleted(db, sql, &[text(&ids)]);
    swept(
        "INSERT INTO past_firings (fingerprint, starts_at, ends_at)
         SELECT fingerprint, starts_at, ends_at FROM alerts
         WHERE id IN (SELECT value FROM json_each(?1))
         ON CONFLICT DO NOTHING",
    )?;
    let charts = swept("DELETE FROM charts WHERE alert_id IN (SELECT value FROM json_each(?1))")?;
    swept("DELETE FROM messages WHERE alert_id IN (SELECT value FROM json_each(?1))")?;
    swept("DELETE FROM zoom_replies WHERE alert_id IN (SELECT value FROM json_each(?1))")?;
    swept("DELETE FROM outbox WHERE alert_id IN (SELECT value FROM json_each(?1))")?;
    let alerts = swept("DELETE FROM alerts WHERE id IN (SELECT value FROM json_each(?1))")?;
    Ok((alerts, charts))
}

/// Spans past the history window that no history line can ask for any more: one with a
/// newer swept span of its fingerprint (only the newest can be a "last time"), or older
/// than [`LAST_SPAN_MS`].
fn prune_spans(db: &dyn Db, now: Timestamp) -> Result<i64, StoreError> {
    deleted(
        db,
        "DELETE FROM past_firings WHERE (fingerprint, starts_at) IN (
           SELECT fingerprint, starts_at FROM past_firings AS p
           WHERE ends_at < ?1
             AND (ends_at < ?2
                  OR EXISTS (SELECT 1 FROM past_firings AS n
                             WHERE n.fingerprint = p.fingerprint AND n.starts_at > p.starts_at))
           LIMIT ?3)",
        &[
            int(now - HISTORY_WINDOW_MS),
            int(now - LAST_SPAN_MS),
            int(SPANS_PER_STEP),
        ],
    )
}

/// Hand free pages back to the file system, keeping a few for the next writes. A no-op
/// unless the database has `auto_vacuum = INCREMENTAL`.
fn give_back_pages(db: &dyn Db) -> Result<i64, StoreError> {
    let incremental = Row(&query_one(db, "PRAGMA auto_vacuum", &[])?).int(0)? == 2;
    if !incremental {
        return Ok(0);
    }
    let free = Row(&query_one(db, "PRAGMA freelist_count", &[])?).int(0)?;
    let give = (free - FREE_PAGES_KEPT).min(VACUUM_PAGES_PER_STEP);
    if give <= 0 {
        return Ok(0);
    }
    tx::write(db, || {
        // PRAGMA takes no parameters; `give` is a number computed here.
        db.execute(&format!("PRAGMA incremental_vacuum({give})"), &[])?;
        let left = Row(&query_one(db, "PRAGMA freelist_count", &[])?).int(0)?;
        Ok(free - left)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{AlertHistory, AlertStatus, ChatMessage};
    use crate::testing::{alert, hook, temp_path, NativeDb};
    use crate::{alerts, charts, messages, outbox, webhook};

    const MIN: i64 = 60 * 1000;
    const KEEP: Retention = Retention {
        history_ms: 90 * DAY_MS,
        charts_ms: 30 * DAY_MS,
    };

    fn with_foreign_keys(db: NativeDb) -> NativeDb {
        // As the embedded host opens it: a sweep must delete children before parents.
        db.exec("PRAGMA foreign_keys = ON");
        db
    }

    /// Fires `fingerprint` at `at` and returns the alert's id.
    fn fire(db: &NativeDb, fingerprint: &str, at: Timestamp) -> i64 {
        let firing = alert(fingerprint, AlertStatus::Firing, at, &[("alertname", "A")]);
        webhook::record(db, &hook(vec![firing]), at, 0, 100).unwrap();
        id_of(db, fingerprint, at)
    }

    fn resolve(db: &NativeDb, fingerprint: &str, starts_at: Timestamp, at: Timestamp) {
        let mut resolved = alert(fingerprint, AlertStatus::Resolved, starts_at, &[]);
        resolved.labels = vec![("alertname".into(), "A".into())];
        resolved.ends_at = Some(at);
        webhook::record(db, &hook(vec![resolved]), at, 0, 100).unwrap();
    }

    fn id_of(db: &NativeDb, fingerprint: &str, starts_at: Timestamp) -> i64 {
        db.int(&format!(
            "SELECT id FROM alerts WHERE fingerprint = '{fingerprint}' AND starts_at = {starts_at}"
        ))
    }

    /// Delivers every due job as the handler would: claim, then complete (an alert's jobs
    /// one after the other).
    fn deliver(db: &NativeDb, now: Timestamp) {
        loop {
            let jobs = outbox::claim(db, now, 60_000, 1_000, "").unwrap();
            if jobs.is_empty() {
                return;
            }
            for job in jobs {
                outbox::complete(db, job.id, job.attempt).unwrap();
            }
        }
    }

    /// A chart drawn for alert `id` at `now` and shown in Slack right away.
    fn chart(db: &NativeDb, id: i64, png: &[u8], now: Timestamp) -> String {
        let token = charts::save(db, id, png.to_vec(), now).unwrap();
        charts::shown(db, &token, now).unwrap();
        token
    }

    fn post(db: &NativeDb, id: i64, now: Timestamp) {
        let message = ChatMessage {
            channel: "C1".into(),
            ts: format!("{id}.0"),
        };
        messages::save(db, id, &message, "#alerts", now, false).unwrap();
    }

    /// Sweeps until nothing more is due; returns what went, in total.
    fn sweep_all(db: &NativeDb, retention: &Retention, now: Timestamp) -> Swept {
        let mut total = Swept {
            alerts: 0,
            charts: 0,
            jobs: 0,
            pages_freed: 0,
            more: false,
        };
        for _ in 0..10_000 {
            let step = sweep(db, retention, now).unwrap();
            total.alerts += step.alerts;
            total.charts += step.charts;
            total.jobs += step.jobs;
            total.pages_freed += step.pages_freed;
            if !step.more {
                return total;
            }
        }
        panic!("the sweep never ended");
    }

    fn history(db: &NativeDb, id: i64, now: Timestamp) -> AlertHistory {
        alerts::history(db, id, now).unwrap().unwrap()
    }

    fn count(db: &NativeDb, table: &str) -> i64 {
        db.int(&format!("SELECT count(*) FROM {table}"))
    }

    fn deleted(db: &NativeDb, kind: &str) -> i64 {
        db.int(&format!(
            "SELECT coalesce(sum(value), 0) FROM counters
             WHERE name = 'retention_deleted_total' AND labels = '{{\"kind\":\"{kind}\"}}'"
        ))
    }

    #[test]
    fn resolved_alerts_past_retention_go_with_their_message_charts_and_jobs() {
        let db = with_foreign_keys(NativeDb::memory());
        let old = fire(&db, "old", 0);
        post(&db, old, 0);
        chart(&db, old, b"png", 0);
        // Someone zoomed its chart (the row outlives the ten minutes until the next click).
        db.exec(&format!(
            "INSERT INTO zoom_replies VALUES ({old}, 3600000, {MIN}, 'C1', '1.000200')"
        ));
        resolve(&db, "old", 0, 10 * MIN);
        deliver(&db, 10 * MIN);
        let firing = fire(&db, "firing", 0);
        let recent = fire(&db, "recent", 50 * DAY_MS);
        resolve(&db, "recent", 50 * DAY_MS, 51 * DAY_MS);
        deliver(&db, 51 * DAY_MS);
        // Resolved as long ago, but its resolve is still waiting to be delivered.
        fire(&db, "waiting", 0);
        resolve(&db, "waiting", 0, 10 * MIN);
        let jobs_before = count(&db, "outbox");

        let now = 95 * DAY_MS;
        let swept = sweep_all(&db, &KEEP, now);
        assert_eq!((swept.alerts, swept.charts), (1, 1));
        assert_eq!(
            db.strings("SELECT fingerprint FROM alerts ORDER BY id"),
            ["firing", "recent", "waiting"]
        );
        assert_eq!(count(&db, "messages"), 0);
        assert_eq!(count(&db, "charts"), 0);
        assert_eq!(count(&db, "zoom_replies"), 0);
        assert_eq!(
            db.int(&format!(
                "SELECT count(*) FROM outbox WHERE alert_id = {old}"
            )),
            0
        );
        assert!(count(&db, "outbox") < jobs_before);
        assert_eq!(
            db.int(&format!(
                "SELECT count(*) FROM outbox WHERE alert_id = {} AND state = 'pending'",
                id_of(&db, "waiting", 0)
            )),
            2,
            "jobs still waiting are never swept, nor their alert"
        );
        assert_eq!((deleted(&db, "alert"), deleted(&db, "chart")), (1, 1));
        assert!(alerts::get(&db, firing).unwrap().is_some());
        assert!(alerts::get(&db, recent).unwrap().is_some());
    }

    #[test]
    fn history_lines_read_the_same_before_and_after_a_sweep() {
        // Retention far shorter than the history window: swept firings must still count.
        let short = Retention {
            history_ms: 30 * MIN,
            charts_ms: 30 * MIN,
        };
        let db = with_foreign_keys(NativeDb::memory());
        let mut at = 0;
        for lasted in [5, 7, 9] {
            fire(&db, "f", at);
            resolve(&db, "f", at, at + lasted * MIN);
            at += 20 * MIN;
        }
        let latest = fire(&db, "f", at);
        deliver(&db, at);
        let now = at + 5 * MIN;
        let before = history(&db, latest, now);
        assert_eq!(
            before,
            AlertHistory {
                fired_last_week: 4,
                previous_duration_ms: Some(9 * MIN),
                changes_last_hour: 5,
            }
        );
        assert_eq!(
            sweep_all(&db, &short, now).alerts,
            2,
            "two ended 30 min ago"
        );
        assert_eq!(history(&db, latest, now), before);
        assert_eq!(count(&db, "past_firings"), 2);

        // A late copy of a swept alert changes nothing and enqueues nothing.
        let jobs = count(&db, "outbox");
        resolve(&db, "f", 0, 5 * MIN);
        let late = alert("f", AlertStatus::Firing, 0, &[("alertname", "A")]);
        webhook::record(&db, &hook(vec![late]), now, 0, 100).unwrap();
        assert_eq!(count(&db, "alerts"), 2);
        assert_eq!(count(&db, "outbox"), jobs);

        // A week on, the spans past the window go, except the newest: the next firing's
        // "last time" still needs it once its predecessor is swept.
        resolve(&db, "f", at, at + 11 * MIN);
        deliver(&db, at + 11 * MIN);
        let later = at + 8 * DAY_MS;
        let next = fire(&db, "f", later);
        sweep_all(&db, &short, later + MIN);
        assert_eq!(
            db.table("SELECT starts_at, ends_at FROM past_firings"),
            [format!("{at}|{}", at + 11 * MIN)]
        );
        assert_eq!(
            history(&db, next, later + MIN),
            AlertHistory {
                fired_last_week: 1,
                previous_duration_ms: Some(11 * MIN),
                changes_last_hour: 1,
            }
        );
        // A year on, even the newest span of a fingerprint that never fired again goes.
        sweep_all(&db, &short, later + LAST_SPAN_MS + DAY_MS);
        resolve(&db, "f", later, later + MIN);
        deliver(&db, later + MIN);
        sweep_all(&db, &short, later + LAST_SPAN_MS + 2 * DAY_MS);
        sweep_all(&db, &short, later + 2 * LAST_SPAN_MS);
        assert_eq!(count(&db, "past_firings"), 0);
        assert_eq!(count(&db, "alerts"), 0);
    }

    #[test]
    fn a_replaced_chart_goes_an_hour_after_its_replacement_reached_slack() {
        let db = with_foreign_keys(NativeDb::memory());
        let id = fire(&db, "f", 0);
        let first = chart(&db, id, b"first", 0);
        // Drawn but not (yet) in Slack: the first one is still what Slack shows.
        let unshown = charts::save(&db, id, b"unshown".to_vec(), MIN).unwrap();
        sweep_all(&db, &KEEP, 3 * 60 * MIN);
        assert!(charts::fetch(&db, &first).unwrap().is_some());

        let second = charts::save(&db, id, b"second".to_vec(), 2 * MIN).unwrap();
        charts::shown(&db, &second, 10 * MIN).unwrap();
        charts::shown(&db, &second, 50 * MIN).unwrap(); // the first time counts
        assert_eq!(sweep_all(&db, &KEEP, 69 * MIN).charts, 0, "within the hour");
        assert_eq!(sweep_all(&db, &KEEP, 70 * MIN).charts, 2);
        assert!(charts::fetch(&db, &first).unwrap().is_none());
        assert!(charts::fetch(&db, &unshown).unwrap().is_none());
        assert!(charts::fetch(&db, &second).unwrap().is_some());

        // Past chart retention the newest goes too, though the alert still fires.
        assert_eq!(sweep_all(&db, &KEEP, 2 * MIN + 30 * DAY_MS).charts, 0);
        assert_eq!(sweep_all(&db, &KEEP, 2 * MIN + 30 * DAY_MS + 1).charts, 1);
        assert_eq!(count(&db, "charts"), 0);
        assert_eq!(deleted(&db, "chart"), 3);
        assert!(charts::shown(&db, "not-a-token", 0).is_err());
        charts::shown(&db, &second, 0).unwrap(); // swept meanwhile: no error
    }

    #[test]
    fn finished_jobs_go_after_a_day_dead_ones_after_thirty_and_waiting_ones_never() {
        let db = with_foreign_keys(NativeDb::memory());
        fire(&db, "done", 0);
        fire(&db, "dead", 0);
        fire(&db, "waiting", 0);
        for job in outbox::claim(&db, 0, 60_000, 10, "").unwrap() {
            match job.alert_id {
                1 => outbox::complete(&db, job.id, job.attempt).unwrap(),
                2 => outbox::dead_letter(&db, job.id, job.attempt, "refused").unwrap(),
                _ => outbox::defer(&db, job.id, job.attempt, 0).unwrap(),
            }
        }
        let states = |db: &NativeDb| db.strings("SELECT state FROM outbox ORDER BY id");
        assert_eq!(sweep_all(&db, &KEEP, DAY_MS).jobs, 0);
        assert_eq!(sweep_all(&db, &KEEP, DAY_MS + 1).jobs, 1);
        assert_eq!(states(&db), ["dead", "pending"]);
        assert_eq!(sweep_all(&db, &KEEP, 30 * DAY_MS + 1).jobs, 1);
        assert_eq!(states(&db), ["pending"]);
        assert_eq!(sweep_all(&db, &KEEP, 400 * DAY_MS).jobs, 0);
        assert_eq!(deleted(&db, "job"), 2);
    }

    #[test]
    fn each_step_is_a_bounded_transaction() {
        let db = with_foreign_keys(NativeDb::memory());
        for i in 0..120 {
            let id = fire(&db, &format!("f{i}"), 0);
            chart(&db, id, b"png", 0);
            resolve(&db, &format!("f{i}"), 0, MIN);
        }
        deliver(&db, MIN);
        let now = 100 * DAY_MS;
        let first = sweep(&db, &KEEP, now).unwrap();
        assert_eq!(first.alerts as i64, ALERTS_PER_STEP);
        assert!(first.more);
        let rest = sweep_all(&db, &KEEP, now);
        assert_eq!(first.alerts + rest.alerts, 120);
        assert_eq!(count(&db, "alerts"), 0);
        assert!(!sweep(&db, &KEEP, now).unwrap().more);
    }

    #[test]
    fn a_failing_step_leaves_everything_in_place() {
        let db = with_foreign_keys(NativeDb::memory());
        let id = fire(&db, "f", 0);
        chart(&db, id, b"png", 0);
        resolve(&db, "f", 0, MIN);
        deliver(&db, MIN);
        let failing = crate::testing::FailingDb::new(db, "DELETE FROM alerts", 1);
        assert!(sweep(&failing, &KEEP, 100 * DAY_MS).is_err());
        let db = failing.inner;
        assert_eq!((count(&db, "alerts"), count(&db, "charts")), (1, 1));
        assert_eq!(count(&db, "past_firings"), 0);
        assert_eq!(deleted(&db, "alert"), 0);
    }

    #[test]
    fn free_pages_go_back_to_the_file_system() {
        let path = temp_path("vacuum");
        let db = with_foreign_keys(NativeDb::file(&path));
        assert_eq!(
            db.int("PRAGMA auto_vacuum"),
            2,
            "new databases are incremental"
        );
        let png = vec![7u8; 32 * 1024];
        for i in 0..200 {
            let id = fire(&db, &format!("f{i}"), 0);
            chart(&db, id, &png, 0);
        }
        let full = std::fs::metadata(&path).unwrap().len();
        let swept = sweep_all(&db, &KEEP, 31 * DAY_MS);
        assert_eq!(swept.charts, 200);
        assert!(swept.pages_freed > 1000, "{swept:?}");
        let after = std::fs::metadata(&path).unwrap().len();
        assert!(after < full / 4, "{full} → {after} bytes");
        assert!(db.int("PRAGMA freelist_count") <= FREE_PAGES_KEPT);
        drop(db);
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod simulated_year {
    //! A year at 100 alerts a day, each fired, charted, resolved (redrawn) and refreshed
    //! after a click (redrawn again), with the store's clock injected and a sweep every six
    //! hours: the database must level off and stay level, and history lines stay right.

    use super::*;
    use crate::api::{AlertHistory, AlertStatus, ChatMessage};
    use crate::testing::{alert, hook, NativeDb};
    use crate::{alerts, charts, messages, outbox, webhook};

    const MIN: i64 = 60 * 1000;
    const ALERTS_PER_DAY: i64 = 100;
    /// Each fingerprint fires once a day, so history lines have something to tell.
    const FINGERPRINTS: i64 = ALERTS_PER_DAY;
    /// About what a 1180×400 chart PNG weighs (31 KB, barely compressible).
    const CHART_BYTES: usize = 31 * 1024;
    const LASTS_MS: i64 = 30 * MIN;

    struct Sim {
        db: NativeDb,
        png: Vec<u8>,
    }

    impl Sim {
        fn record(&self, status: AlertStatus, fingerprint: &str, starts_at: i64, now: i64) {
            let mut a = alert(
                fingerprint,
                status,
                starts_at,
                &[
                    ("alertname", "HighErrorRate"),
                    ("service", fingerprint),
                    ("severity", "page"),
                    ("namespace", "production"),
                    ("job", "checkout-api"),
                ],
            );
            a.annotations = vec![
                (
                    "summary".into(),
                    format!("High error rate on {fingerprint}"),
                ),
                ("description".into(), "x".repeat(300)),
            ];
            a.ends_at = (status == AlertStatus::Resolved).then_some(now);
            webhook::record(&self.db, &hook(vec![a]), now, 0, 100).unwrap();
        }

        /// Delivers what is due as the handler does: each job draws a chart, Slack shows it.
        fn deliver(&mut self, now: i64) {
            loop {
                let jobs = outbox::claim(&self.db, now, 60_000, 100, "").unwrap();
                if jobs.is_empty() {
                    return;
                }
                for job in jobs {
                    // Vary the bytes so no two charts are alike.
                    self.png[..8].copy_from_slice(&job.id.to_le_bytes());
                    let token =
                        charts::save(&self.db, job.alert_id, self.png.clone(), now).unwrap();
                    let message = ChatMessage {
                        channel: "C1".into(),
                        ts: format!("{}.0", job.alert_id),
                    };
                    messages::save(&self.db, job.alert_id, &message, "#a", now, false).unwrap();
                    charts::shown(&self.db, &token, now).unwrap();
                    outbox::complete(&self.db, job.id, job.attempt).unwrap();
                }
            }
        }

        fn bytes(&self) -> i64 {
            self.db
                .int("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        }
    }

    #[test]
    fn a_year_at_100_alerts_a_day_levels_off_and_history_stays_right() {
        let mut sim = Sim {
            db: NativeDb::memory(),
            png: (0..CHART_BYTES).map(|i| (i * 7919 % 251) as u8).collect(),
        };
        let retention = Retention {
            history_ms: 90 * DAY_MS,
            charts_ms: 30 * DAY_MS,
        };
        let spacing = DAY_MS / ALERTS_PER_DAY;
        let mut size_by_day = Vec::new();
        for day in 0..365 {
            for quarter in 0..4 {
                let from = day * DAY_MS + quarter * DAY_MS / 4;
                for i in 0..ALERTS_PER_DAY / 4 {
                    let n = quarter * ALERTS_PER_DAY / 4 + i;
                    let fingerprint = format!("f{}", n % FINGERPRINTS);
                    let starts_at = from + i * spacing;
                    sim.record(AlertStatus::Firing, &fingerprint, starts_at, starts_at);
                    sim.deliver(starts_at);
                    let ends_at = starts_at + LASTS_MS;
                    sim.record(AlertStatus::Resolved, &fingerprint, starts_at, ends_at);
                    sim.deliver(ends_at);
                    // Someone acknowledges it afterwards: the message is redrawn.
                    let id = sim.db.int(&format!(
                        "SELECT id FROM alerts WHERE fingerprint = '{fingerprint}'
                         AND starts_at = {starts_at}"
                    ));
                    outbox::enqueue(
                        &sim.db,
                        crate::api::JobKind::MessageRefresh,
                        id,
                        None,
                        ends_at + MIN,
                    )
                    .unwrap();
                    sim.deliver(ends_at + MIN);
                }
                let end = from + DAY_MS / 4;
                loop {
                    if !sweep(&sim.db, &retention, end).unwrap().more {
                        break;
                    }
                }
            }
            // The newest firing of a fingerprint tells its week and its last time.
            let newest = sim.db.int("SELECT max(id) FROM alerts");
            let now = (day + 1) * DAY_MS;
            assert_eq!(
                alerts::history(&sim.db, newest, now).unwrap().unwrap(),
                AlertHistory {
                    fired_last_week: (day + 1).min(7) as u32,
                    previous_duration_ms: (day > 0).then_some(LASTS_MS),
                    // It fired 15 minutes before `now`.
                    changes_last_hour: 1,
                },
                "day {day}"
            );
            size_by_day.push(sim.bytes());
        }
        let steady = &size_by_day[200..];
        let (low, high) = (*steady.iter().min().unwrap(), *steady.iter().max().unwrap());
        let mb = |b: i64| b as f64 / 1e6;
        eprintln!(
            "simulated year: day 30 {:.1} MB, day 90 {:.1} MB, days 200–365 {:.1}–{:.1} MB, \
             {} alerts and {} charts kept",
            mb(size_by_day[30]),
            mb(size_by_day[90]),
            mb(low),
            mb(high),
            sim.db.int("SELECT count(*) FROM alerts"),
            sim.db.int("SELECT count(*) FROM charts"),
        );
        assert!(
            (high - low) as f64 <= 0.1 * low as f64,
            "not level between day 200 and 365: {:.1}–{:.1} MB",
            mb(low),
            mb(high)
        );
        // 90 days of alerts, 30 days of one chart each (give or take the last quarter day),
        // and nothing else that grows.
        let about = |days: i64| days * ALERTS_PER_DAY..=days * ALERTS_PER_DAY + ALERTS_PER_DAY / 4;
        assert!(about(90).contains(&sim.db.int("SELECT count(*) FROM alerts")));
        assert!(about(30).contains(&sim.db.int("SELECT count(*) FROM charts")));
        assert!(sim.db.int("SELECT count(*) FROM outbox") <= 3 * ALERTS_PER_DAY + 10);
        assert!(sim.db.int("SELECT count(*) FROM past_firings") <= 2 * FINGERPRINTS);
    }
}
