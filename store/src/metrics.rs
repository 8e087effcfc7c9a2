//! Service counters and duration histograms kept in the database, and the `/metrics` snapshot.

use crate::api::{Counter, Histogram, MetricsSnapshot, OutboxDepth, StoreError, Timestamp};
use crate::db::{int, query_one, text, Db, Row, Value};
use crate::{labels, tx};

/// Webhooks by outcome (and reason, when rejected).
pub const WEBHOOKS_RECEIVED: &str = "webhooks_received_total";
/// Outbox jobs by what became of an attempt: delivered, retried or dead.
pub const DELIVERIES: &str = "deliveries_total";
/// Signed Slack clicks by action and outcome (recorded, replayed, unknown alert).
pub const SLACK_ACTIONS: &str = "slack_actions_total";
/// Slack requests refused before they could be recorded, by reason.
pub const SLACK_REFUSALS: &str = "slack_requests_refused_total";
/// Alert messages posted although an earlier attempt may have posted them and that could
/// not be looked up: possible duplicates, preferred to a lost alert.
pub const POSTS_UNVERIFIED: &str = "posts_unverified_total";
/// Outbox attempts whose instance stopped (trap, memory, time limit) before settling.
pub const LOST_ATTEMPTS: &str = "outbox_attempts_lost_total";
/// Rows the retention sweep deleted, by kind (alert, chart, job).
pub const RETENTION_DELETED: &str = "retention_deleted_total";
/// Time spent handling a webhook, accepted or not.
pub const WEBHOOK_DURATION: &str = "webhook_duration_seconds";

/// Histogram bucket upper bounds in seconds; +Inf is the histogram's `count`.
pub const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Add `by` to a counter, creating it on first use.
pub fn bump(db: &dyn Db, name: &str, labels: &[(&str, &str)], by: u64) -> Result<(), StoreError> {
    let labels = labels::from_pairs(labels);
    db.execute(
        "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?)
         ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
        &[
            text(name),
            text(&labels::to_json(&labels)),
            int(saturating_i64(by)),
        ],
    )?;
    Ok(())
}

/// Record one duration, given in nanoseconds, into a seconds histogram.
pub fn observe_ns(db: &dyn Db, name: &str, nanos: u64) -> Result<(), StoreError> {
    let seconds = nanos as f64 / 1e9;
    db.execute(
        "INSERT INTO histograms (name, count, sum) VALUES (?, 1, ?)
         ON CONFLICT (name) DO UPDATE SET count = count + 1, sum = sum + excluded.sum",
        &[text(name), Value::Real(seconds)],
    )?;
    // Values above the last bound live only in `count` (the +Inf bucket).
    if let Some(le) = BUCKETS.iter().find(|le| seconds <= **le) {
        db.execute(
            "INSERT INTO histogram_buckets (name, le, count) VALUES (?, ?, 1)
             ON CONFLICT (name, le) DO UPDATE SET count = count + 1",
            &[text(name), Value::Real(*le)],
        )?;
    }
    Ok(())
}

/// Everything `/metrics` shows that lives in the store, from one read snapshot.
pub fn snapshot(db: &dyn Db, now: Timestamp) -> Result<MetricsSnapshot, StoreError> {
    tx::read(db, || {
        Ok(MetricsSnapshot {
            counters: counters(db)?,
            histograms: histograms(db)?,
            outbox: outbox_depth(db, now)?,
            alerts_firing: Row(&query_one(
                db,
                "SELECT count(*) FROM alerts WHERE status = 'firing'",
                &[],
            )?)
            .count(0)?,
            pauses: crate::pauses::in_force(db)?,
            database_bytes: database_bytes(db)?,
        })
    })
}

/// The file and its WAL where the runtime offers `alertgraph_database_bytes()` (the embedded
/// host), else the database's pages, used and free (Spin: its own file, WAL not counted).
fn database_bytes(db: &dyn Db) -> Result<u64, StoreError> {
    if let Ok(rows) = db.execute("SELECT alertgraph_database_bytes()", &[]) {
        if let Some(row) = rows.first() {
            return Row(row).count(0);
        }
    }
    Row(&query_one(
        db,
        "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
        &[],
    )?)
    .count(0)
}

/// Every counter, and a zero for each retention kind not counted yet (so a dashboard sees
/// the series before the first sweep deletes anything).
fn counters(db: &dyn Db) -> Result<Vec<Counter>, StoreError> {
    let mut all = stored_counters(db)?;
    for kind in ["alert", "chart", "job"] {
        let labels = vec![("kind".to_string(), kind.to_string())];
        if !all
            .iter()
            .any(|c| c.name == RETENTION_DELETED && c.labels == labels)
        {
            all.push(Counter {
                name: RETENTION_DELETED.into(),
                labels,
                value: 0,
            });
        }
    }
    Ok(all)
}

fn stored_counters(db: &dyn Db) -> Result<Vec<Counter>, StoreError> {
    db.execute(
        "SELECT name, labels, value FROM counters ORDER BY name, labels",
        &[],
    )?
    .iter()
    .map(|r| {
        let row = Row(r);
        Ok(Counter {
            name: row.text(0)?,
            labels: labels::from_json(&row.text(1)?)?,
            value: row.count(2)?,
        })
    })
    .collect()
}

fn histograms(db: &dyn Db) -> Result<Vec<Histogram>, StoreError> {
    let buckets = db.execute("SELECT name, le, count FROM histogram_buckets", &[])?;
    db.execute("SELECT name, count, sum FROM histograms ORDER BY name", &[])?
        .iter()
        .map(|r| {
            let row = Row(r);
            let name = row.text(0)?;
            let mut observed = Vec::new();
            for b in &buckets {
                let b = Row(b);
                if b.text(0)? == name {
                    observed.push((b.real(1)?, b.count(2)?));
                }
            }
            // Cumulative: each bound counts every observation at or below it.
            let cumulative = BUCKETS
                .iter()
                .map(|&bound| {
                    (
                        bound,
                        observed
                            .iter()
                            .filter(|(le, _)| *le <= bound)
                            .map(|(_, n)| n)
                            .sum(),
                    )
                })
                .collect();
            Ok(Histogram {
                name,
                buckets: cumulative,
                count: row.count(1)?,
                sum: row.real(2)?,
            })
        })
        .collect()
}

fn outbox_depth(db: &dyn Db, now: Timestamp) -> Result<OutboxDepth, StoreError> {
    let mut depth = OutboxDepth {
        pending: 0,
        leased: 0,
        dead: 0,
        done: 0,
        oldest_pending_ms: 0,
    };
    for r in db.execute("SELECT state, count(*) FROM outbox GROUP BY state", &[])? {
        let row = Row(&r);
        let n = row.count(1)?;
        match row.text(0)?.as_str() {
            "pending" => depth.pending = n,
            "done" => depth.done = n,
            "dead" => depth.dead = n,
            _ => {}
        }
    }
    let row = query_one(
        db,
        "SELECT count(*) FILTER (WHERE lease_until > ?1), min(created_at)
         FROM outbox WHERE state = 'pending'",
        &[int(now)],
    )?;
    let row = Row(&row);
    depth.leased = row.count(0)?;
    // A job created "after" now (caller clocks differ) is 0 ms old, not negative.
    depth.oldest_pending_ms = row.opt_int(1)?.map_or(0, |oldest| {
        u64::try_from(now.saturating_sub(oldest)).unwrap_or(0)
    });
    Ok(depth)
}

/// Counters are SQLite integers; a u64 past i64::MAX stops there instead of wrapping.
pub fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::NativeDb;

    #[test]
    fn counters_add_up_per_label_set() {
        let db = NativeDb::memory();
        bump(&db, DELIVERIES, &[("outcome", "delivered")], 1).unwrap();
        bump(&db, DELIVERIES, &[("outcome", "delivered")], 2).unwrap();
        bump(&db, DELIVERIES, &[("outcome", "dead")], 1).unwrap();
        bump(
            &db,
            WEBHOOKS_RECEIVED,
            &[("reason", "bad_json"), ("outcome", "rejected")],
            1,
        )
        .unwrap();
        let mut m = snapshot(&db, 0).unwrap();
        m.counters.retain(|c| c.name != RETENTION_DELETED);
        assert_eq!(
            m.counters,
            [
                Counter {
                    name: DELIVERIES.into(),
                    labels: labels::from_pairs(&[("outcome", "dead")]),
                    value: 1
                },
                Counter {
                    name: DELIVERIES.into(),
                    labels: labels::from_pairs(&[("outcome", "delivered")]),
                    value: 3
                },
                Counter {
                    name: WEBHOOKS_RECEIVED.into(),
                    labels: labels::from_pairs(&[("outcome", "rejected"), ("reason", "bad_json")]),
                    value: 1
                },
            ]
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_inclusive_bounds() {
        let db = NativeDb::memory();
        for nanos in [100_000, 500_000, 3_000_000, 10_000_000_000, 60_000_000_000] {
            observe_ns(&db, WEBHOOK_DURATION, nanos).unwrap();
        }
        let m = snapshot(&db, 0).unwrap();
        assert_eq!(m.histograms.len(), 1);
        let h = &m.histograms[0];
        assert_eq!(h.name, WEBHOOK_DURATION);
        assert_eq!(h.count, 5);
        assert!((h.sum - 70.0036).abs() < 1e-9, "{}", h.sum);
        let expected: Vec<(f64, u64)> = BUCKETS
            .iter()
            .map(|&b| {
                (
                    b,
                    if b < 0.005 {
                        2
                    } else if b < 10.0 {
                        3
                    } else {
                        4
                    },
                )
            })
            .collect();
        assert_eq!(h.buckets, expected);
    }

    #[test]
    fn empty_database_has_empty_metrics() {
        let db = NativeDb::memory();
        let m = snapshot(&db, 1_000).unwrap();
        assert!(m.histograms.is_empty());
        let zeros: Vec<_> = m
            .counters
            .iter()
            .map(|c| (c.name.as_str(), c.labels[0].1.as_str(), c.value))
            .collect();
        assert_eq!(
            zeros,
            [
                (RETENTION_DELETED, "alert", 0),
                (RETENTION_DELETED, "chart", 0),
                (RETENTION_DELETED, "job", 0)
            ],
            "the retention series are there before the first sweep"
        );
        assert_eq!(
            m.outbox,
            OutboxDepth {
                pending: 0,
                leased: 0,
                dead: 0,
                done: 0,
                oldest_pending_ms: 0
            }
        );
        assert_eq!(m.alerts_firing, 0);
    }
}
